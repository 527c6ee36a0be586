//! The central registry over HTTP: persons, households, categories, community verification,
//! consent, the village review list, dashboards (signed-in and public), exports and imports.
//!
//! Each handler checks the input's shape, calls one store operation and shapes the answer. The
//! store scopes every call to the caller's areas (outside them a person does not exist: 404),
//! hides sensitive categories from callers without the `sensitive` permission, and audits reads,
//! searches, exports and imports. Dates are ISO (`1947`, `1947-03`, `1947-03-15` for partial
//! birth dates), timestamps RFC 3339.

pub mod privacy;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ruamjai_domain::areas::{AreaCode, AreaLevel};
use ruamjai_domain::registry::import::{ColumnMap, ImportField, check_map, recognise};
use ruamjai_domain::registry::person::parse_location;
use ruamjai_domain::registry::{
    AttestationRole, Category, CategoryForm, CategoryInput, ConsentPurpose, LawfulBasis,
    PartialDate, PersonForm, PersonInput, PovertyDimensions, Precision, Verification,
};
use ruamjai_domain::{FieldError, Invalid};
use ruamjai_store::registry::{
    AreaCounts, Attestation, Consent, ConsentInput, CountCell, Dashboard, EXPORT_COLUMNS,
    Household, ImportPlan, ImportReport, Person, PersonCategory, PersonDetail, PersonQuery,
    PersonSummary, Progress, today,
};
use ruamjai_store::tabular::{self, TableError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::areas::AreaResponse;
use super::created;
use crate::AppState;
use crate::caller::{ApiCaller, Ctx};
use crate::error::{ErrorBody, ErrorItem, WebError, area_code_or_404};
use crate::i18n::Lang;

/// Largest import upload (the route reads its body itself, with this limit instead of the
/// default 2 MiB).
pub const MAX_IMPORT_BYTES: usize = 64 << 20;
/// Most data rows an import file may have.
pub const MAX_IMPORT_ROWS: usize = 2_000_000;
/// Header carrying a client-chosen key that makes a creation safe to retry.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

// ---------------------------------------------------------------------------------------------
// Shapes on the wire
// ---------------------------------------------------------------------------------------------

/// A person in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummaryResponse {
    /// Id.
    pub id: i64,
    /// Name as shown (prefix, first and last name).
    pub name: String,
    /// `citizen`, `other_thai`, `passport` or `none`.
    pub id_kind: String,
    /// Identity number (digits only for Thai numbers).
    pub id_number: Option<String>,
    /// Birth date, ISO and partial: `1947`, `1947-03` or `1947-03-15`.
    pub birth_date: Option<String>,
    /// `year`, `month` or `day`: how much of the birth date is known.
    pub birth_precision: Option<String>,
    /// Age today (Thai calendar day).
    pub age: Option<i32>,
    /// Village (8 digits).
    pub village_code: String,
    /// House number of the household.
    pub house_number: Option<String>,
    /// `active`, `moved` or `deceased`.
    pub status: String,
    /// `unverified`, `certified` or `disputed`.
    pub verification: String,
    /// Categories the caller may see, the derived `elderly` included.
    pub categories: Vec<String>,
}

fn birth_fields(b: Option<PartialDate>) -> (Option<String>, Option<String>) {
    (
        b.map(|b| b.iso()),
        b.map(|b| b.precision.as_str().to_owned()),
    )
}

impl From<PersonSummary> for PersonSummaryResponse {
    fn from(p: PersonSummary) -> Self {
        let (birth_date, birth_precision) = birth_fields(p.birth);
        Self {
            id: p.id,
            name: p.name,
            id_kind: p.id_kind.as_str().to_owned(),
            id_number: p.id_number,
            birth_date,
            birth_precision,
            age: p.age,
            village_code: p.village_code.to_string(),
            house_number: p.house_number,
            status: p.status.as_str().to_owned(),
            verification: p.verification.as_str().to_owned(),
            categories: p.categories.iter().map(|c| c.as_str().to_owned()).collect(),
        }
    }
}

/// One page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPageResponse {
    /// The page.
    pub items: Vec<PersonSummaryResponse>,
    /// All matches (for paging).
    pub total: u64,
}

/// Search and filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonSearchParams {
    /// Name, ID number, phone or house number. Thai-aware: tone marks, similar consonants and
    /// spacing slips still match; a 13-digit number is an exact ID lookup.
    pub q: Option<String>,
    /// Only inside this area (any level).
    pub area: Option<String>,
    /// Only with this category (`elderly`, `disabled`, …).
    pub category: Option<String>,
    /// Only in this state: `unverified`, `certified` or `disputed`.
    pub verification: Option<String>,
    /// Include moved and deceased persons (default false).
    pub include_inactive: Option<bool>,
    /// Page size (default 50, at most 200).
    pub limit: Option<u64>,
    /// Offset.
    pub offset: Option<u64>,
}

/// Filters of a search or an export, every problem reported at once.
fn person_query(
    area: Option<&str>,
    category: Option<&str>,
    verification: Option<&str>,
) -> Result<PersonQuery, WebError> {
    let mut errors = Vec::new();
    let nonempty = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let area = nonempty(area).and_then(|a| match AreaCode::parse(&a) {
        Ok(c) => Some(c),
        Err(_) => {
            errors.push(FieldError::new("area", "invalid_area_code"));
            None
        }
    });
    let category = nonempty(category).and_then(|c| {
        Category::parse(&c).or_else(|| {
            errors.push(FieldError::new("category", "invalid_choice"));
            None
        })
    });
    let verification = nonempty(verification).and_then(|v| {
        Verification::parse(&v).or_else(|| {
            errors.push(FieldError::new("verification", "invalid_choice"));
            None
        })
    });
    if !errors.is_empty() {
        return Err(Invalid(errors).into());
    }
    Ok(PersonQuery {
        area,
        category,
        verification,
        ..Default::default()
    })
}

/// A person as typed: every field is text and checked by the server (partial and Buddhist-era
/// dates accepted, ID numbers normalised), every problem reported at once.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PersonFields {
    /// `citizen`, `other_thai`, `passport` or `none` (empty: `citizen` when a number is given).
    pub id_kind: String,
    /// The identity number (dashes and spaces allowed).
    pub id_number: String,
    /// คำนำหน้า (may also come glued to the first name).
    pub prefix: String,
    /// ชื่อ (required).
    pub first_name: String,
    /// นามสกุล (may be empty).
    pub last_name: String,
    /// `male` / `female` (empty: from the prefix when it implies one).
    pub sex: String,
    /// Birth date, partial allowed: `2490`, `03/2490`, `15/03/2490`, `1947-03-15`.
    pub birth_date: String,
    /// Phone (Thai number, `+66` accepted).
    pub phone: String,
    /// Village (8-digit DOPA code, required).
    pub village_code: String,
    /// House number: the household at this number in the village is found or created.
    pub house_number: String,
    /// Relation to the household head: `head`, `spouse`, `child`, `parent`, `grandchild`,
    /// `sibling`, `relative`, `other`.
    pub relation: String,
    /// Home latitude (WGS 84).
    pub lat: String,
    /// Home longitude (WGS 84).
    pub lon: String,
    /// `active` (default), `moved` or `deceased`.
    pub status: String,
    /// Date of the status (required for moved and deceased).
    pub status_date: String,
}

impl From<PersonFields> for PersonForm {
    fn from(f: PersonFields) -> Self {
        Self {
            id_kind: f.id_kind,
            id_number: f.id_number,
            prefix: f.prefix,
            first_name: f.first_name,
            last_name: f.last_name,
            sex: f.sex,
            birth_date: f.birth_date,
            phone: f.phone,
            village_code: f.village_code,
            house_number: f.house_number,
            relation: f.relation,
            lat: f.lat,
            lon: f.lon,
            status: f.status,
            status_date: f.status_date,
        }
    }
}

/// A category with its details.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CategoryRequest {
    /// `disabled`, `bedridden`, `homebound`, `socially_active`, `chronic_illness`, `poor`,
    /// `stateless`, `child_at_risk`, `single_parent`, `homeless`, `hiv`, `ex_prisoner`
    /// (`elderly` is derived from the birth date and cannot be given).
    pub category: String,
    /// Disability type (disabled only): `seeing`, `hearing`, `physical`, `mental`,
    /// `intellectual`, `learning`, `autism`.
    pub disability_type: String,
    /// Disability card number (disabled only).
    pub card_number: String,
    /// Card expiry (disabled only), e.g. `31/12/2572` or `2029-12-31`.
    pub card_expiry: String,
    /// Free note (e.g. which chronic illness).
    pub note: String,
}

impl From<CategoryRequest> for CategoryForm {
    fn from(c: CategoryRequest) -> Self {
        Self {
            category: c.category,
            disability_type: c.disability_type,
            card_number: c.card_number,
            card_expiry: c.card_expiry,
            note: c.note,
        }
    }
}

/// The details of a category given in the path.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CategoryDetailsRequest {
    /// Disability type (disabled only).
    pub disability_type: String,
    /// Disability card number (disabled only).
    pub card_number: String,
    /// Card expiry (disabled only).
    pub card_expiry: String,
    /// Free note.
    pub note: String,
}

/// A new person with their categories.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePersonRequest {
    /// The person.
    #[serde(flatten)]
    pub person: PersonFields,
    /// Categories (each at most once).
    #[serde(default)]
    pub categories: Vec<CategoryRequest>,
}

/// A changed person: every field (as for creation, without categories) plus the version read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdatePersonRequest {
    /// The `version` of the record as read; a newer one on the server answers 422 `stale`.
    pub version: i32,
    /// The person.
    #[serde(flatten)]
    pub person: PersonFields,
}

/// The id of what was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdResponse {
    /// Id.
    pub id: i64,
}

/// A category on a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonCategoryResponse {
    /// Category.
    pub category: String,
    /// Disability type.
    pub disability_type: Option<String>,
    /// Disability card number.
    pub card_number: Option<String>,
    /// Card expiry (ISO date).
    pub card_expiry: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Computed from the birth date (`elderly`), not stored: cannot be changed or removed.
    pub derived: bool,
}

impl From<PersonCategory> for PersonCategoryResponse {
    fn from(c: PersonCategory) -> Self {
        Self {
            category: c.category.as_str().to_owned(),
            disability_type: c.disability_type.map(|d| d.as_str().to_owned()),
            card_number: c.card_number,
            card_expiry: c.card_expiry.map(|d| d.to_string()),
            note: c.note,
            derived: c.derived,
        }
    }
}

/// A person's full record.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonResponse {
    /// Id.
    pub id: i64,
    /// Name as shown.
    pub name: String,
    /// `citizen`, `other_thai`, `passport` or `none`.
    pub id_kind: String,
    /// Identity number.
    pub id_number: Option<String>,
    /// Prefix.
    pub prefix: Option<String>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// `male` or `female`.
    pub sex: Option<String>,
    /// Birth date, ISO and partial (`1947`, `1947-03`, `1947-03-15`).
    pub birth_date: Option<String>,
    /// `year`, `month` or `day`.
    pub birth_precision: Option<String>,
    /// Age today.
    pub age: Option<i32>,
    /// Phone.
    pub phone: Option<String>,
    /// Village.
    pub village_code: String,
    /// Household id.
    pub household_id: Option<i64>,
    /// House number.
    pub house_number: Option<String>,
    /// Relation to the household head.
    pub relation: Option<String>,
    /// Home latitude.
    pub lat: Option<f64>,
    /// Home longitude.
    pub lon: Option<f64>,
    /// `active`, `moved` or `deceased`.
    pub status: String,
    /// Date of the status (ISO).
    pub status_date: Option<String>,
    /// `unverified`, `certified` or `disputed`.
    pub verification: String,
    /// What is disputed (while disputed).
    pub dispute_note: Option<String>,
    /// Categories the caller may see, the derived `elderly` included (`derived: true`).
    pub categories: Vec<PersonCategoryResponse>,
    /// Send it back with a change (optimistic locking).
    pub version: i32,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<Person> for PersonResponse {
    fn from(p: Person) -> Self {
        let name = p.display_name();
        let (birth_date, birth_precision) = birth_fields(p.birth);
        Self {
            id: p.id,
            name,
            id_kind: p.id_kind.as_str().to_owned(),
            id_number: p.id_number,
            prefix: p.prefix,
            first_name: p.first_name,
            last_name: p.last_name,
            sex: p.sex.map(|s| s.as_str().to_owned()),
            birth_date,
            birth_precision,
            age: p.age,
            phone: p.phone,
            village_code: p.village_code.to_string(),
            household_id: p.household_id,
            house_number: p.house_number,
            relation: p.relation.map(|r| r.as_str().to_owned()),
            lat: p.location.map(|l| l.0),
            lon: p.location.map(|l| l.1),
            status: p.status.as_str().to_owned(),
            status_date: p.status_date.map(|d| d.to_string()),
            verification: p.verification.as_str().to_owned(),
            dispute_note: p.dispute_note,
            categories: p.categories.into_iter().map(Into::into).collect(),
            version: p.version,
            created_at: p.created_at.to_rfc3339(),
            updated_at: p.updated_at.to_rfc3339(),
        }
    }
}

/// A household with its five poverty dimensions (true: deprived, false: not, null: not
/// surveyed).
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdResponse {
    /// Id.
    pub id: i64,
    /// Village.
    pub village_code: String,
    /// House number.
    pub house_number: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// สุขภาพ.
    pub health: Option<bool>,
    /// ความเป็นอยู่.
    pub living: Option<bool>,
    /// การศึกษา.
    pub education: Option<bool>,
    /// รายได้.
    pub income: Option<bool>,
    /// การเข้าถึงบริการรัฐ.
    pub access: Option<bool>,
    /// Dimensions in which the household is deprived.
    pub deprived_count: usize,
    /// Send it back with a change.
    pub version: i32,
}

impl From<Household> for HouseholdResponse {
    fn from(h: Household) -> Self {
        Self {
            id: h.id,
            village_code: h.village_code.to_string(),
            house_number: h.house_number,
            lat: h.location.map(|l| l.0),
            lon: h.location.map(|l| l.1),
            health: h.dims.health,
            living: h.dims.living,
            education: h.dims.education,
            income: h.dims.income,
            access: h.dims.access,
            deprived_count: h.dims.deprived_count(),
            version: h.version,
        }
    }
}

/// A consent record (PDPA).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentResponse {
    /// Id.
    pub id: i64,
    /// `care`, `sharing`, `disaster`, `publicity` or `research`.
    pub purpose: String,
    /// `consent`, `vital_interest`, `public_task` or `legal_obligation`.
    pub basis: String,
    /// Who consented (the person or a named guardian).
    pub given_by: String,
    /// Given on (ISO date).
    pub given_on: String,
    /// Withdrawn on (ISO date).
    pub withdrawn_on: Option<String>,
    /// Why withdrawn.
    pub withdrawn_reason: Option<String>,
    /// Not withdrawn.
    pub active: bool,
}

impl From<Consent> for ConsentResponse {
    fn from(c: Consent) -> Self {
        Self {
            active: c.is_active(),
            id: c.id,
            purpose: c.purpose.as_str().to_owned(),
            basis: c.basis.as_str().to_owned(),
            given_by: c.given_by,
            given_on: c.given_on.to_string(),
            withdrawn_on: c.withdrawn_on.map(|d| d.to_string()),
            withdrawn_reason: c.withdrawn_reason,
        }
    }
}

/// An attestation of a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationResponse {
    /// `village_head`, `assistant_head` or `health_volunteer`.
    pub role: String,
    /// The signer's name.
    pub signer_name: String,
    /// The account that recorded it.
    pub user_id: Option<i64>,
    /// When (RFC 3339).
    pub attested_at: String,
    /// Note.
    pub note: Option<String>,
}

impl From<Attestation> for AttestationResponse {
    fn from(a: Attestation) -> Self {
        Self {
            role: a.role.as_str().to_owned(),
            signer_name: a.signer_name,
            user_id: a.user_id,
            attested_at: a.attested_at.to_rfc3339(),
            note: a.note,
        }
    }
}

/// Everything about one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDetailResponse {
    /// The record.
    pub person: PersonResponse,
    /// Province, district, subdistrict and village (codes and names).
    pub path: Vec<AreaResponse>,
    /// Their household.
    pub household: Option<HouseholdResponse>,
    /// The other members of the household the caller may see.
    pub members: Vec<PersonSummaryResponse>,
    /// Consent records, newest first.
    pub consents: Vec<ConsentResponse>,
    /// Attestations.
    pub attestations: Vec<AttestationResponse>,
    /// The caller may change the record.
    pub can_edit: bool,
    /// The caller may attest or dispute.
    pub can_attest: bool,
    /// The caller sees sensitive categories here.
    pub sees_sensitive: bool,
}

impl From<PersonDetail> for PersonDetailResponse {
    fn from(d: PersonDetail) -> Self {
        Self {
            person: d.person.into(),
            path: d.path.into_iter().map(Into::into).collect(),
            household: d.household.map(Into::into),
            members: d.members.into_iter().map(Into::into).collect(),
            consents: d.consents.into_iter().map(Into::into).collect(),
            attestations: d.attestations.into_iter().map(Into::into).collect(),
            can_edit: d.can_edit,
            can_attest: d.can_attest,
            sees_sensitive: d.sees_sensitive,
        }
    }
}

/// New poverty dimensions and location of a household.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateHouseholdRequest {
    /// The `version` as read.
    pub version: i32,
    /// สุขภาพ: true deprived, false not, null not surveyed.
    #[serde(default)]
    pub health: Option<bool>,
    /// ความเป็นอยู่.
    #[serde(default)]
    pub living: Option<bool>,
    /// การศึกษา.
    #[serde(default)]
    pub education: Option<bool>,
    /// รายได้.
    #[serde(default)]
    pub income: Option<bool>,
    /// การเข้าถึงบริการรัฐ.
    #[serde(default)]
    pub access: Option<bool>,
    /// Latitude (both or neither; inside Thailand).
    #[serde(default)]
    pub lat: Option<String>,
    /// Longitude.
    #[serde(default)]
    pub lon: Option<String>,
}

/// An attestation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AttestRequest {
    /// `village_head`, `assistant_head` or `health_volunteer` (each role attests once).
    #[serde(default)]
    pub role: String,
    /// The name of the person signing.
    #[serde(default)]
    pub signer_name: String,
    /// Optional note.
    #[serde(default)]
    pub note: String,
}

/// A record's verification state after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationResponse {
    /// `unverified`, `certified` or `disputed`.
    pub verification: String,
}

/// A dispute.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DisputeRequest {
    /// What is wrong with the record (required).
    #[serde(default)]
    pub note: String,
}

/// A consent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentRequest {
    /// `care`, `sharing`, `disaster`, `publicity` or `research`.
    #[serde(default)]
    pub purpose: String,
    /// `consent`, `vital_interest`, `public_task` or `legal_obligation`.
    #[serde(default)]
    pub basis: String,
    /// Who consented (the person or a named guardian).
    #[serde(default)]
    pub given_by: String,
    /// Full date: `15/03/2569` (Buddhist era), `15/03/2026` or `2026-03-15`.
    #[serde(default)]
    pub given_on: String,
}

/// A withdrawal of consent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WithdrawConsentRequest {
    /// Full date (as `given_on`).
    #[serde(default)]
    pub withdrawn_on: String,
    /// Why (optional).
    #[serde(default)]
    pub reason: String,
}

/// One dashboard cell: the count, or `n: null` with the reason it is hidden.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountResponse {
    /// The count (null when hidden).
    pub n: Option<u64>,
    /// Why hidden: `small` (1–9 persons, public pages only) or `withheld` (hidden so that
    /// another hidden cell cannot be worked out, or a sensitive figure at a level where it is
    /// not shown). Null when shown.
    pub hidden: Option<String>,
}

impl From<CountCell> for CountResponse {
    fn from(c: CountCell) -> Self {
        match c {
            CountCell::Count(n) => Self {
                n: Some(n),
                hidden: None,
            },
            CountCell::Small => Self {
                n: None,
                hidden: Some("small".into()),
            },
            CountCell::Withheld => Self {
                n: None,
                hidden: Some("withheld".into()),
            },
        }
    }
}

/// The counts of one area.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardRowResponse {
    /// The area; null for the whole country.
    pub area: Option<AreaResponse>,
    /// Active persons.
    pub total: CountResponse,
    /// One per category, in the dashboard's `categories` order.
    pub cells: Vec<CountResponse>,
}

impl From<AreaCounts> for DashboardRowResponse {
    fn from(r: AreaCounts) -> Self {
        Self {
            area: r.area.map(Into::into),
            total: r.total.into(),
            cells: r.cells.into_iter().map(Into::into).collect(),
        }
    }
}

/// Counts of active persons by category for an area and its children.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardResponse {
    /// The area; null for the caller's starting areas (or the country on the public page).
    pub area: Option<AreaResponse>,
    /// Breadcrumbs, province first.
    pub path: Vec<AreaResponse>,
    /// Column keys of `cells`. Sensitive categories appear only for holders of the `sensitive`
    /// permission and only when the rows are provinces or districts; never on the public page.
    pub categories: Vec<String>,
    /// The area's own counts (null when the rows are several starting areas).
    pub totals: Option<DashboardRowResponse>,
    /// One row per child area (or per starting area).
    pub rows: Vec<DashboardRowResponse>,
    /// True on the public page (small counts suppressed).
    pub public: bool,
    /// Public page: when the snapshot was made (RFC 3339).
    pub as_of: Option<String>,
}

impl From<Dashboard> for DashboardResponse {
    fn from(d: Dashboard) -> Self {
        Self {
            area: d.area.map(Into::into),
            path: d.path.into_iter().map(Into::into).collect(),
            categories: d.categories.iter().map(|c| c.as_str().to_owned()).collect(),
            totals: d.totals.map(Into::into),
            rows: d.rows.into_iter().map(Into::into).collect(),
            public: d.public,
            as_of: d.as_of,
        }
    }
}

/// Which area a dashboard shows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardParams {
    /// Area code; omitted: the caller's starting areas (the provinces on the public page).
    pub area: Option<String>,
}

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default; UTF-8 with a byte order mark, for Excel) or `xlsx` (every cell text, so
    /// ID numbers keep their leading zeros).
    pub format: Option<String>,
    /// Only inside this area.
    pub area: Option<String>,
    /// Only with this category.
    pub category: Option<String>,
    /// Only in this verification state.
    pub verification: Option<String>,
}

/// How to import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The file's name (recorded; its extension helps tell CSV from a workbook).
    pub file_name: Option<String>,
    /// Check only, write nothing (default false).
    pub dry_run: Option<bool>,
    /// Village (8 digits) for rows without a village column or value.
    pub default_village: Option<String>,
    /// Column overrides on top of the recognised headers: `0=id_number,1=first_name,5=` (0-based
    /// column index = field name, or empty to ignore the column). Fields: `id_kind`,
    /// `id_number`, `prefix`, `first_name`, `last_name`, `full_name`, `sex`, `birth_date`,
    /// `phone`, `village_code`, `house_number`, `relation`, `lat`, `lon`, `categories`.
    pub map: Option<String>,
}

/// A column of the imported file and the field it fed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportColumnResponse {
    /// 0-based index.
    pub index: usize,
    /// The header text.
    pub header: String,
    /// The field it feeds; null: ignored.
    pub field: Option<String>,
}

/// A bad row of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowErrorResponse {
    /// Line in the file (CSV line or spreadsheet row, 1-based, the header included).
    pub line: usize,
    /// Problems, each naming its field, with a message in the caller's language.
    pub errors: Vec<ErrorItem>,
}

/// An earlier import of the same file.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviousImportResponse {
    /// Its id.
    pub import_id: i64,
    /// When it finished (RFC 3339).
    pub at: String,
}

/// The result of an import or of its dry run.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportResponse {
    /// How the columns were read.
    pub columns: Vec<ImportColumnResponse>,
    /// Data rows read.
    pub rows_total: usize,
    /// Persons added (or that would be, in a dry run).
    pub added: usize,
    /// Rows already in the registry, skipped (so the same file twice adds nothing).
    pub skipped: usize,
    /// Households created.
    pub households_added: usize,
    /// Bad rows. When not empty nothing was written.
    pub errors: Vec<ImportRowErrorResponse>,
    /// Nothing was written because this was a dry run.
    pub dry_run: bool,
    /// The import record, when rows were written.
    pub import_id: Option<i64>,
    /// The same file was imported before.
    pub previous: Option<PreviousImportResponse>,
}

fn localised(e: &FieldError, lang: Lang) -> ErrorItem {
    ErrorItem {
        code: e.code.to_owned(),
        message: lang.error(e.code),
        field: Some(e.field.to_owned()),
    }
}

impl ImportReportResponse {
    fn new(r: ImportReport, headers: &[String], map: &ColumnMap, lang: Lang) -> Self {
        Self {
            columns: headers
                .iter()
                .enumerate()
                .map(|(index, h)| ImportColumnResponse {
                    index,
                    header: h.clone(),
                    field: map
                        .get(index)
                        .copied()
                        .flatten()
                        .map(|f| f.as_str().to_owned()),
                })
                .collect(),
            rows_total: r.rows_total,
            added: r.added,
            skipped: r.skipped,
            households_added: r.households_added,
            errors: r
                .errors
                .iter()
                .map(|e| ImportRowErrorResponse {
                    line: e.line,
                    errors: e.errors.iter().map(|f| localised(f, lang)).collect(),
                })
                .collect(),
            dry_run: r.dry_run,
            import_id: r.import_id,
            previous: r.previous.map(|(id, at)| PreviousImportResponse {
                import_id: id,
                at: at.to_rfc3339(),
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------------

/// Rename the field of the store's errors to the name the request used.
fn rename_field(e: WebError, from: &str, to: &'static str) -> WebError {
    match e {
        WebError::Invalid(Invalid(errors)) => WebError::Invalid(Invalid(
            errors
                .into_iter()
                .map(|e| {
                    if e.field == from {
                        FieldError::new(to, e.code)
                    } else {
                        e
                    }
                })
                .collect(),
        )),
        other => other,
    }
}

/// A full date (day known), Buddhist era or Gregorian, not in the future.
fn full_date(field: &'static str, raw: &str) -> Result<chrono::NaiveDate, FieldError> {
    match PartialDate::parse(field, raw, today())? {
        d if d.precision == Precision::Day => Ok(d.date),
        _ => Err(FieldError::new(field, "date_invalid")),
    }
}

fn check_person(f: PersonFields, errors: &mut Vec<FieldError>) -> Option<PersonInput> {
    PersonForm::from(f)
        .check(today())
        .map_err(|i| errors.extend(i.0))
        .ok()
}

fn check_category(f: CategoryForm, errors: &mut Vec<FieldError>) -> Option<CategoryInput> {
    f.check(today()).map_err(|i| errors.extend(i.0)).ok()
}

fn fail_if_any(errors: Vec<FieldError>) -> Result<(), WebError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors).into())
    }
}

/// The village of a path or parameter: anything else cannot have a review list.
fn village_or_404(code: &str) -> Result<AreaCode, WebError> {
    let c = area_code_or_404(code)?;
    if c.level() == AreaLevel::Village {
        Ok(c)
    } else {
        Err(WebError::NotFound)
    }
}

fn optional_area_or_404(area: Option<&str>) -> Result<Option<AreaCode>, WebError> {
    match area.map(str::trim) {
        None | Some("") => Ok(None),
        Some(a) => area_code_or_404(a).map(Some),
    }
}

// ---------------------------------------------------------------------------------------------
// Persons
// ---------------------------------------------------------------------------------------------

/// Search persons within the caller's area (audited: the number of results, never the query).
#[utoipa::path(get, path = "/persons", tag = "registry", params(PersonSearchParams),
    responses((status = 200, body = PersonPageResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller may not see persons anywhere"),
        (status = 422, body = ErrorBody)))]
pub async fn list_persons(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(p): Query<PersonSearchParams>,
) -> Result<Json<PersonPageResponse>, WebError> {
    let mut q = person_query(
        p.area.as_deref(),
        p.category.as_deref(),
        p.verification.as_deref(),
    )?;
    q.q = p.q.unwrap_or_default();
    q.include_inactive = p.include_inactive.unwrap_or(false);
    q.limit = p.limit.unwrap_or(50).clamp(1, 200);
    // Beyond any registry: keeps the number a database can take (an i64).
    q.offset = p.offset.unwrap_or(0).min(1_000_000_000);
    let page = state
        .store
        .search_persons(&c.caller.actor, &q, &c.meta)
        .await?;
    Ok(Json(PersonPageResponse {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
    }))
}

/// Register a person with their categories. Every problem of the person and of each category is
/// reported at once. With an `Idempotency-Key` header, a retry with the same key by the same
/// user answers 201 with the first person's id again and changes nothing.
#[utoipa::path(post, path = "/persons", tag = "registry", request_body = CreatePersonRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Client-chosen key (1–100 characters) that makes the request safe to retry")),
    responses((status = 201, body = IdResponse), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_person(
    State(state): State<AppState>,
    c: ApiCaller,
    headers: HeaderMap,
    Json(req): Json<CreatePersonRequest>,
) -> Result<impl IntoResponse, WebError> {
    let mut errors = Vec::new();
    let key = match headers.get(IDEMPOTENCY_KEY).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(k)) => Some(k.trim().to_owned()),
        Some(Err(_)) => {
            errors.push(FieldError::new("idempotency_key", "invalid"));
            None
        }
    };
    let person = check_person(req.person, &mut errors);
    let categories: Vec<CategoryInput> = req
        .categories
        .into_iter()
        .filter_map(|cat| check_category(cat.into(), &mut errors))
        .collect();
    let Some(person) = person else {
        return Err(Invalid(errors).into());
    };
    fail_if_any(errors)?;
    let id = state
        .store
        .create_person(&c.caller.actor, person, categories, key.as_deref(), &c.meta)
        .await?;
    Ok(created(IdResponse { id }))
}

/// One person with household, consents and attestations (the read is audited).
#[utoipa::path(get, path = "/persons/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = PersonDetailResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<PersonDetailResponse>, WebError> {
    let d = state
        .store
        .person_detail(&c.caller.actor, id, &c.meta)
        .await?;
    Ok(Json(d.into()))
}

/// Change a person (every field; categories have their own routes). A stale `version` answers
/// 422 on the field `version` with the code `stale`, and nothing is written.
#[utoipa::path(put, path = "/persons/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Person id")), request_body = UpdatePersonRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_person(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<UpdatePersonRequest>,
) -> Result<StatusCode, WebError> {
    let mut errors = Vec::new();
    let Some(person) = check_person(req.person, &mut errors) else {
        return Err(Invalid(errors).into());
    };
    state
        .store
        .update_person(&c.caller.actor, id, req.version, person, &c.meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give a person a category, or replace its details.
#[utoipa::path(put, path = "/persons/{id}/categories/{category}", tag = "registry",
    params(("id" = i64, Path, description = "Person id"),
        ("category" = String, Path, description = "Category key (not `elderly`, which is derived)")),
    request_body = CategoryDetailsRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_category(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((id, category)): Path<(i64, String)>,
    Json(req): Json<CategoryDetailsRequest>,
) -> Result<StatusCode, WebError> {
    let form = CategoryForm {
        category,
        disability_type: req.disability_type,
        card_number: req.card_number,
        card_expiry: req.card_expiry,
        note: req.note,
    };
    let mut errors = Vec::new();
    let Some(input) = check_category(form, &mut errors) else {
        return Err(Invalid(errors).into());
    };
    state
        .store
        .set_category(&c.caller.actor, id, input, &c.meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a category off a person (404 when the person does not have it).
#[utoipa::path(delete, path = "/persons/{id}/categories/{category}", tag = "registry",
    params(("id" = i64, Path, description = "Person id"),
        ("category" = String, Path, description = "Category key")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn remove_category(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((id, category)): Path<(i64, String)>,
) -> Result<StatusCode, WebError> {
    let category = Category::parse(&category).ok_or(WebError::NotFound)?;
    state
        .store
        .remove_category(&c.caller.actor, id, category, &c.meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change a household's poverty dimensions and location.
#[utoipa::path(put, path = "/households/{id}", tag = "registry",
    params(("id" = i64, Path, description = "Household id")), request_body = UpdateHouseholdRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_household(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<UpdateHouseholdRequest>,
) -> Result<StatusCode, WebError> {
    let location = parse_location(
        req.lat.as_deref().unwrap_or(""),
        req.lon.as_deref().unwrap_or(""),
    )
    .map_err(Invalid)?;
    let dims = PovertyDimensions {
        health: req.health,
        living: req.living,
        education: req.education,
        income: req.income,
        access: req.access,
    };
    state
        .store
        .update_household(&c.caller.actor, id, req.version, dims, location, &c.meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Verification and consent
// ---------------------------------------------------------------------------------------------

/// Attest a record as village head, assistant head or health volunteer (each role once; all
/// three certify it).
#[utoipa::path(post, path = "/persons/{id}/attestations", tag = "registry",
    params(("id" = i64, Path, description = "Person id")), request_body = AttestRequest,
    responses((status = 200, body = VerificationResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attest_person(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<AttestRequest>,
) -> Result<Json<VerificationResponse>, WebError> {
    let role = AttestationRole::parse(&req.role)
        .ok_or_else(|| WebError::from(FieldError::new("role", "invalid_choice")))?;
    let v = state
        .store
        .attest(
            &c.caller.actor,
            id,
            role,
            &req.signer_name,
            &req.note,
            &c.meta,
        )
        .await?;
    Ok(Json(VerificationResponse {
        verification: v.as_str().to_owned(),
    }))
}

/// Dispute a record; it shows `disputed` until resolved.
#[utoipa::path(post, path = "/persons/{id}/dispute", tag = "registry",
    params(("id" = i64, Path, description = "Person id")), request_body = DisputeRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dispute_person(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<DisputeRequest>,
) -> Result<StatusCode, WebError> {
    state
        .store
        .dispute(&c.caller.actor, id, &req.note, &c.meta)
        .await
        .map_err(|e| rename_field(e.into(), "dispute_note", "note"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Resolve a dispute (422 `not_disputed` when there is none).
#[utoipa::path(post, path = "/persons/{id}/dispute/resolve", tag = "registry",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = VerificationResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn resolve_dispute(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<VerificationResponse>, WebError> {
    let v = state
        .store
        .resolve_dispute(&c.caller.actor, id, &c.meta)
        .await?;
    Ok(Json(VerificationResponse {
        verification: v.as_str().to_owned(),
    }))
}

/// Record a consent (PDPA).
#[utoipa::path(post, path = "/persons/{id}/consents", tag = "registry",
    params(("id" = i64, Path, description = "Person id")), request_body = ConsentRequest,
    responses((status = 201, body = IdResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn give_consent(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<ConsentRequest>,
) -> Result<impl IntoResponse, WebError> {
    let mut errors = Vec::new();
    let purpose = ConsentPurpose::parse_field(&req.purpose)
        .map_err(|e| errors.push(e))
        .ok();
    let basis = LawfulBasis::parse_field(&req.basis)
        .map_err(|e| errors.push(e))
        .ok();
    if req.given_by.trim().is_empty() {
        errors.push(FieldError::new("given_by", "required"));
    }
    let given_on = full_date("given_on", &req.given_on)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(purpose), Some(basis), Some(given_on), true) =
        (purpose, basis, given_on, errors.is_empty())
    else {
        return Err(Invalid(errors).into());
    };
    let consent_id = state
        .store
        .give_consent(
            &c.caller.actor,
            id,
            ConsentInput {
                purpose,
                basis,
                given_by: req.given_by,
                given_on,
            },
            &c.meta,
        )
        .await?;
    Ok(created(IdResponse { id: consent_id }))
}

/// Withdraw a consent (the record is kept with the date and reason).
#[utoipa::path(post, path = "/persons/{id}/consents/{consent_id}/withdraw", tag = "registry",
    params(("id" = i64, Path, description = "Person id"),
        ("consent_id" = i64, Path, description = "Consent id")),
    request_body = WithdrawConsentRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((id, consent_id)): Path<(i64, i64)>,
    Json(req): Json<WithdrawConsentRequest>,
) -> Result<StatusCode, WebError> {
    let on = full_date("withdrawn_on", &req.withdrawn_on)?;
    state
        .store
        .withdraw_consent(&c.caller.actor, id, consent_id, on, &req.reason, &c.meta)
        .await
        .map_err(|e| rename_field(e.into(), "withdrawn_reason", "reason"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The village review list: every active person of a village with their verification state,
/// in household order (audited like a search).
#[utoipa::path(get, path = "/villages/{code}/review", tag = "registry",
    params(("code" = String, Path, description = "Village code (8 digits)")),
    responses((status = 200, body = Vec<PersonSummaryResponse>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn village_review(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
) -> Result<Json<Vec<PersonSummaryResponse>>, WebError> {
    let list = state
        .store
        .village_review(&c.caller.actor, &village_or_404(&code)?, &c.meta)
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

// ---------------------------------------------------------------------------------------------
// Dashboards
// ---------------------------------------------------------------------------------------------

/// Counts of active persons by category for an area in the caller's scope and its children
/// (exact counts; sensitive categories only with the `sensitive` permission, at province and
/// district level).
#[utoipa::path(get, path = "/dashboard", tag = "dashboards", params(DashboardParams),
    responses((status = 200, body = DashboardResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_dashboard(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(p): Query<DashboardParams>,
) -> Result<Json<DashboardResponse>, WebError> {
    let area = optional_area_or_404(p.area.as_deref())?;
    let d = state
        .store
        .dashboard(&c.caller.actor, area.as_ref())
        .await?;
    Ok(Json(d.into()))
}

/// The public transparency dashboard: no sign-in, aggregates only, from a snapshot in which
/// counts of 1–9 are hidden (and others where needed so they cannot be worked out); never a
/// sensitive category.
#[utoipa::path(get, path = "/public/dashboard", tag = "dashboards", params(DashboardParams),
    security(()),
    responses((status = 200, body = DashboardResponse), (status = 404, body = ErrorBody)))]
pub async fn public_dashboard(
    State(state): State<AppState>,
    Query(p): Query<DashboardParams>,
) -> Result<Json<DashboardResponse>, WebError> {
    let area = optional_area_or_404(p.area.as_deref())?;
    let d = state.store.public_dashboard(area.as_ref()).await?;
    Ok(Json(d.into()))
}

// ---------------------------------------------------------------------------------------------
// Export and import
// ---------------------------------------------------------------------------------------------

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Download the persons the caller may see (active ones matching the filters) as CSV or XLSX.
/// The columns are import field names, so an export imports back. Audited with the row count.
#[utoipa::path(get, path = "/persons/export", tag = "registry", params(ExportParams),
    responses(
        (status = 200, description = "The file, as an attachment `ruamjai-persons-YYYYMMDD.csv` (or `.xlsx`)",
            content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_persons(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(p): Query<ExportParams>,
) -> Result<Response, WebError> {
    let xlsx = match p.format.as_deref().map(str::trim) {
        None | Some("" | "csv") => false,
        Some("xlsx") => true,
        Some(_) => return Err(FieldError::new("format", "invalid_choice").into()),
    };
    let filter = person_query(
        p.area.as_deref(),
        p.category.as_deref(),
        p.verification.as_deref(),
    )?;
    // The whole file is buffered in memory before it is sent (fine for district-sized
    // exports; a national export should stream the store's rows into the body instead).
    let mut rows: Vec<Vec<String>> = Vec::new();
    state
        .store
        .export_persons(&c.caller.actor, &filter, &c.meta, |r| {
            rows.push(r);
            Ok(())
        })
        .await?;
    let date = today().format("%Y%m%d");
    let (bytes, content_type, name) = tokio::task::spawn_blocking(move || {
        if xlsx {
            tabular::write_xlsx("ruamjai", &EXPORT_COLUMNS, rows.into_iter())
                .map(|b| (b, XLSX_TYPE, format!("ruamjai-persons-{date}.xlsx")))
                .map_err(|e| match e {
                    TableError::TooManyRows(_) => FieldError::new("format", "too_long").into(),
                    other => WebError::Internal(other.to_string()),
                })
        } else {
            let mut buf = Vec::new();
            tabular::write_csv(&EXPORT_COLUMNS, rows.into_iter(), &mut buf)
                .map(|()| {
                    (
                        buf,
                        "text/csv; charset=utf-8",
                        format!("ruamjai-persons-{date}.csv"),
                    )
                })
                .map_err(|e| WebError::Internal(e.to_string()))
        }
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            // Personal data: never kept by a browser or proxy cache.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Apply `map` overrides (`0=id_number,1=first_name,2=`) to the recognised columns.
fn apply_map_overrides(map: &mut ColumnMap, overrides: &str) -> Result<(), WebError> {
    for part in overrides
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (index, field) = part.split_once('=').unwrap_or((part, ""));
        let index: usize = index
            .trim()
            .parse()
            .ok()
            .filter(|i| *i < map.len())
            .ok_or_else(|| WebError::from(FieldError::new("map", "invalid")))?;
        map[index] = match field.trim() {
            "" => None,
            f => Some(
                ImportField::parse(f)
                    .ok_or_else(|| WebError::from(FieldError::new("map", "invalid")))?,
            ),
        };
    }
    Ok(())
}

fn table_error(e: TableError) -> WebError {
    match e {
        TableError::Empty => FieldError::new("file", "required").into(),
        TableError::TooManyRows(_) => FieldError::new("file", "too_long").into(),
        _ => FieldError::new("file", "invalid").into(),
    }
}

const NO_PROGRESS: Progress<'static> = &|_, _, _| {};

/// Import persons from a CSV (any Thai encoding) or XLSX file sent as the raw request body (at
/// most 64 MiB, 2,000,000 rows). Headers are recognised in Thai or English; `map` overrides
/// them. All rows or none: when any row is bad, every bad row is listed with its line and
/// fields and nothing is written. Rows already in the registry are skipped, so the same file
/// twice adds nothing. Runs within the request.
#[utoipa::path(post, path = "/imports/persons", tag = "registry", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file's bytes (CSV or XLSX; the format is detected)"),
    responses((status = 200, body = ImportReportResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn import_persons(
    State(state): State<AppState>,
    c: ApiCaller,
    ctx: Ctx,
    Query(p): Query<ImportParams>,
    body: Body,
) -> Result<Json<ImportReportResponse>, WebError> {
    // Read the body here with this route's own limit (the default limit of 2 MiB applies to
    // the `Bytes`/`Json` extractors only).
    let bytes = axum::body::to_bytes(body, MAX_IMPORT_BYTES)
        .await
        .map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                WebError::PayloadTooLarge
            } else {
                FieldError::new("file", "invalid").into()
            }
        })?;
    if bytes.is_empty() {
        return Err(FieldError::new("file", "required").into());
    }
    let file_name = p
        .file_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("upload")
        .to_owned();
    let default_village = match p.default_village.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => match AreaCode::parse(v) {
            Ok(c) if c.level() == AreaLevel::Village => Some(c),
            Ok(_) => return Err(FieldError::new("default_village", "not_a_village").into()),
            Err(_) => return Err(FieldError::new("default_village", "invalid_area_code").into()),
        },
    };
    let name = file_name.clone();
    let (table, sha) = tokio::task::spawn_blocking(move || {
        let sha = hex::encode(Sha256::digest(&bytes));
        tabular::read_table(&bytes, &name, MAX_IMPORT_ROWS).map(|t| (t, sha))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(table_error)?;
    let mut map = recognise(&table.headers);
    if let Some(o) = p.map.as_deref() {
        apply_map_overrides(&mut map, o)?;
    }
    check_map(&map, default_village.is_some()).map_err(Invalid)?;
    let plan = ImportPlan {
        file_name,
        file_sha256: sha,
        map: map.clone(),
        default_village,
        dry_run: p.dry_run.unwrap_or(false),
    };
    let report = state
        .store
        .import_persons(&c.caller.actor, &plan, table.rows, NO_PROGRESS, &c.meta)
        .await?;
    Ok(Json(ImportReportResponse::new(
        report,
        &table.headers,
        &map,
        ctx.lang,
    )))
}
