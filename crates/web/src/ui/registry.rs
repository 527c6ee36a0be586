//! Registry pages: search, a person's page (categories, household, consent, verification), the
//! person form, and the village review list.
//!
//! Every page reads through the store, which scopes and audits; a person outside the caller's
//! area is a plain 404 here too.

pub mod privacy;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use ruamjai_domain::areas::{AreaCode, AreaLevel};
use ruamjai_domain::auth::Operation;
use ruamjai_domain::registry::{
    AttestationRole, Category, CategoryForm, ConsentPurpose, DisabilityType, IdKind, LawfulBasis,
    PartialDate, PersonForm, PersonStatus, PovertyDimensions, Precision, Relation, Verification,
};
use ruamjai_domain::{FieldError, Invalid};
use ruamjai_store::StoreError;
use ruamjai_store::registry::{ConsentInput, PersonDetail, PersonPage, PersonQuery, today};
use serde::Deserialize;

use super::{FormErrors, Signed, see_other};
use crate::AppState;
use crate::error::{WebError, area_code_or_404};

const PAGE_SIZE: u64 = 50;

/// Common honorific prefixes offered in the form (free text is allowed too).
pub const PREFIX_CHOICES: [&str; 7] = ["นาย", "นาง", "นางสาว", "เด็กชาย", "เด็กหญิง", "พระ", "แม่ชี"];

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SearchParams {
    q: String,
    area: String,
    category: String,
    verification: String,
    inactive: String,
    offset: u64,
    partial: String,
}

impl SearchParams {
    fn query(&self) -> Result<PersonQuery, WebError> {
        let area = match self.area.trim() {
            "" => None,
            a => Some(AreaCode::parse(a).map_err(WebError::from)?),
        };
        Ok(PersonQuery {
            q: self.q.clone(),
            area,
            category: Category::parse(&self.category),
            verification: Verification::parse(self.verification.trim()),
            include_inactive: !self.inactive.is_empty(),
            limit: PAGE_SIZE,
            offset: self.offset,
        })
    }

    /// The query string for another page of the same search.
    pub fn with_offset(&self, offset: u64) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        format!(
            "q={}&area={}&category={}&verification={}&inactive={}&offset={offset}",
            enc(&self.q),
            enc(&self.area),
            enc(&self.category),
            enc(&self.verification),
            enc(&self.inactive)
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "persons.html")]
struct PersonsPage {
    page: super::Page,
    p: SearchParams,
    results: PersonPage,
    can_create: bool,
    categories: Vec<Category>,
}

impl PersonsPage {
    fn verification_is(&self, v: &str) -> bool {
        self.p.verification == v
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "persons_results.html")]
struct PersonsResults {
    page: super::Page,
    p: SearchParams,
    results: PersonPage,
}

/// `GET /persons`: search within the caller's scope (the whole page, or the results fragment
/// for htmx).
pub async fn index(
    State(state): State<AppState>,
    s: Signed,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    let q = p.query()?;
    let results = state
        .store
        .search_persons(&s.caller.actor, &q, &s.page.meta)
        .await?;
    if !p.partial.is_empty() {
        return Ok(PersonsResults {
            page: s.page,
            p,
            results,
        }
        .into_response());
    }
    let sees_sensitive = s.caller.actor.can_somewhere(Operation::ViewSensitive);
    Ok(PersonsPage {
        can_create: s.caller.actor.can_somewhere(Operation::EditPersons),
        categories: Category::ALL
            .into_iter()
            .filter(|c| sees_sensitive || !c.is_sensitive())
            .collect(),
        page: s.page,
        p,
        results,
    }
    .into_response())
}

/// The person form (new or edit), with the categories part on creation only.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PersonFormData {
    id_kind: String,
    id_number: String,
    prefix: String,
    first_name: String,
    last_name: String,
    sex: String,
    birth_date: String,
    phone: String,
    village_code: String,
    house_number: String,
    relation: String,
    lat: String,
    lon: String,
    status: String,
    status_date: String,
    version: String,
    categories: Vec<String>,
    disability_type: String,
    card_number: String,
    card_expiry: String,
    chronic_note: String,
}

impl PersonFormData {
    fn form(&self) -> PersonForm {
        PersonForm {
            id_kind: self.id_kind.clone(),
            id_number: self.id_number.clone(),
            prefix: self.prefix.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            sex: self.sex.clone(),
            birth_date: self.birth_date.clone(),
            phone: self.phone.clone(),
            village_code: self.village_code.clone(),
            house_number: self.house_number.clone(),
            relation: self.relation.clone(),
            lat: self.lat.clone(),
            lon: self.lon.clone(),
            status: self.status.clone(),
            status_date: self.status_date.clone(),
        }
    }

    fn from_form(f: PersonForm, version: i32) -> Self {
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
            version: version.to_string(),
            ..Default::default()
        }
    }

    fn has(&self, c: &Category) -> bool {
        self.categories.iter().any(|x| x == c.as_str())
    }

    fn category_inputs(&self) -> Result<Vec<ruamjai_domain::registry::CategoryInput>, Invalid> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for c in &self.categories {
            let mut form = CategoryForm {
                category: c.clone(),
                ..Default::default()
            };
            if c == Category::Disabled.as_str() {
                form.disability_type = self.disability_type.clone();
                form.card_number = self.card_number.clone();
                form.card_expiry = self.card_expiry.clone();
            }
            if c == Category::ChronicIllness.as_str() {
                form.note = self.chronic_note.clone();
            }
            match form.check(today()) {
                Ok(i) => out.push(i),
                Err(e) => errors.extend(e.0),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Invalid(errors))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    page: super::Page,
    id: Option<i64>,
    d: PersonFormData,
    errors: FormErrors,
    categories: Vec<Category>,
}

impl PersonFormPage {
    fn id_kinds(&self) -> [IdKind; 4] {
        IdKind::ALL
    }
    fn relations(&self) -> [Relation; 8] {
        Relation::ALL
    }
    fn statuses(&self) -> [PersonStatus; 3] {
        PersonStatus::ALL
    }
    fn disability_types(&self) -> [DisabilityType; 7] {
        DisabilityType::ALL
    }
    fn prefixes(&self) -> [&'static str; 7] {
        PREFIX_CHOICES
    }
    fn sex_is(&self, v: &str) -> bool {
        self.d.sex == v
    }
}

fn recordable_for(s: &Signed) -> Vec<Category> {
    let sensitive = s.caller.actor.can_somewhere(Operation::ViewSensitive);
    Category::recordable()
        .filter(|c| sensitive || !c.is_sensitive())
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewParams {
    village: String,
}

/// `GET /persons/new`.
pub async fn new_page(s: Signed, Query(p): Query<NewParams>) -> Result<Response, WebError> {
    if !s.caller.actor.can_somewhere(Operation::EditPersons) {
        return Err(WebError::Forbidden);
    }
    let d = PersonFormData {
        village_code: p.village,
        ..Default::default()
    };
    Ok(PersonFormPage {
        categories: recordable_for(&s),
        page: s.page,
        id: None,
        d,
        errors: FormErrors::default(),
    }
    .into_response())
}

fn form_again(s: Signed, id: Option<i64>, d: PersonFormData, i: &Invalid) -> Response {
    let errors = FormErrors::from_invalid(i, s.page.lang);
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        PersonFormPage {
            categories: recordable_for(&s),
            page: s.page,
            id,
            d,
            errors,
        },
    )
        .into_response()
}

/// `POST /persons`.
pub async fn create(
    State(state): State<AppState>,
    s: Signed,
    Form(d): Form<PersonFormData>,
) -> Result<Response, WebError> {
    let checked = d.form().check(today());
    let cats = d.category_inputs();
    let (input, cats) = match (checked, cats) {
        (Ok(i), Ok(c)) => (i, c),
        (a, b) => {
            let mut all = Vec::new();
            if let Err(e) = a {
                all.extend(e.0);
            }
            if let Err(e) = b {
                all.extend(e.0);
            }
            return Ok(form_again(s, None, d, &Invalid(all)));
        }
    };
    match state
        .store
        .create_person(&s.caller.actor, input, cats, None, &s.page.meta)
        .await
    {
        Ok(id) => Ok(see_other(&format!("/persons/{id}"))),
        Err(StoreError::Invalid(i)) => Ok(form_again(s, None, d, &i)),
        Err(e) => Err(e.into()),
    }
}

fn form_of(d: &PersonDetail) -> PersonFormData {
    let p = &d.person;
    let f = PersonForm {
        id_kind: p.id_kind.as_str().into(),
        id_number: p.id_number.clone().unwrap_or_default(),
        prefix: p.prefix.clone().unwrap_or_default(),
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        sex: p.sex.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        birth_date: p.birth.map(typed_date).unwrap_or_default(),
        phone: p.phone.clone().unwrap_or_default(),
        village_code: p.village_code.to_string(),
        house_number: p.house_number.clone().unwrap_or_default(),
        relation: p
            .relation
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
        lat: p.location.map(|l| l.0.to_string()).unwrap_or_default(),
        lon: p.location.map(|l| l.1.to_string()).unwrap_or_default(),
        status: p.status.as_str().into(),
        status_date: p
            .status_date
            .map(|d| typed_date(PartialDate::from_parts(d, Precision::Day)))
            .unwrap_or_default(),
    };
    PersonFormData::from_form(f, p.version)
}

/// A date as a Thai user types it: `15/03/2490`, `03/2490`, `2490`.
pub fn typed_date(d: PartialDate) -> String {
    use chrono::Datelike;
    let y = d.date.year() + ruamjai_domain::thaidate::BE_OFFSET;
    match d.precision {
        Precision::Day => format!("{:02}/{:02}/{y}", d.date.day(), d.date.month()),
        Precision::Month => format!("{:02}/{y}", d.date.month()),
        Precision::Year => y.to_string(),
    }
}

/// `GET /persons/{id}/edit`.
pub async fn edit_page(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let d = state
        .store
        .person_detail(&s.caller.actor, id, &s.page.meta)
        .await?;
    if !d.can_edit {
        return Err(WebError::Forbidden);
    }
    Ok(PersonFormPage {
        categories: Vec::new(),
        d: form_of(&d),
        page: s.page,
        id: Some(id),
        errors: FormErrors::default(),
    }
    .into_response())
}

/// `POST /persons/{id}/edit`.
pub async fn update(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(d): Form<PersonFormData>,
) -> Result<Response, WebError> {
    let input = match d.form().check(today()) {
        Ok(i) => i,
        Err(i) => return Ok(form_again(s, Some(id), d, &i)),
    };
    match state
        .store
        .update_person(
            &s.caller.actor,
            id,
            d.version.parse().unwrap_or(0),
            input,
            &s.page.meta,
        )
        .await
    {
        Ok(()) => Ok(see_other(&format!("/persons/{id}"))),
        Err(StoreError::Invalid(i)) => Ok(form_again(s, Some(id), d, &i)),
        Err(e) => Err(e.into()),
    }
}

/// Which form on the person page an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// None (plain view).
    None,
    /// Add-category form.
    Category,
    /// Household dimensions.
    Household,
    /// New consent.
    Consent,
    /// Withdraw a consent.
    Withdraw,
    /// Attest.
    Attest,
    /// Dispute.
    Dispute,
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
struct PersonPage_ {
    page: super::Page,
    d: PersonDetail,
    panel: Panel,
    errors: FormErrors,
    /// Values typed into the failed form (by field name).
    typed: std::collections::HashMap<String, String>,
    signer_default: String,
    categories: Vec<Category>,
    /// Merges in force this record takes part in, and whether the caller may undo them.
    merges: Vec<ruamjai_store::linkage::MergeInfo>,
    may_link: bool,
}

impl PersonPage_ {
    fn err<P: std::borrow::Borrow<Panel>>(&self, panel: P, field: &str) -> Option<&str> {
        if self.panel == *panel.borrow() {
            self.errors.get(field)
        } else {
            None
        }
    }
    fn typed<P: std::borrow::Borrow<Panel>>(&self, panel: P, field: &str) -> String {
        if self.panel == *panel.borrow() {
            self.typed.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
    fn attestation_roles(&self) -> Vec<AttestationRole> {
        AttestationRole::ALL
            .into_iter()
            .filter(|r| !self.d.attestations.iter().any(|a| a.role == *r))
            .collect()
    }
    fn purposes(&self) -> [ConsentPurpose; 5] {
        ConsentPurpose::ALL
    }
    fn bases(&self) -> [LawfulBasis; 4] {
        LawfulBasis::ALL
    }
    fn disability_types(&self) -> [DisabilityType; 7] {
        DisabilityType::ALL
    }
    fn dims(&self) -> Vec<(&'static str, Option<bool>)> {
        let v = self
            .d
            .household
            .as_ref()
            .map(|h| h.dims)
            .unwrap_or_default()
            .values();
        PovertyDimensions::NAMES.into_iter().zip(v).collect()
    }
    fn village_label(&self) -> String {
        self.d
            .path
            .iter()
            .rev()
            .map(|a| self.page.label(a))
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn id_shown(&self) -> String {
        match (&self.d.person.id_kind, &self.d.person.id_number) {
            (IdKind::Citizen | IdKind::OtherThai, Some(n)) => {
                ruamjai_domain::registry::ident::format_thai_id(n)
            }
            (_, Some(n)) => n.clone(),
            (_, None) => self.page.t("id-none"),
        }
    }
    fn village_code(&self) -> String {
        self.d.person.village_code.to_string()
    }
    fn is_village(&self, a: &ruamjai_store::areas::Area) -> bool {
        a.level == AreaLevel::Village
    }
}

async fn person_page(
    state: &AppState,
    s: Signed,
    id: i64,
    panel: Panel,
    errors: FormErrors,
    typed: std::collections::HashMap<String, String>,
) -> Result<PersonPage_, WebError> {
    let d = state
        .store
        .person_detail(&s.caller.actor, id, &s.page.meta)
        .await?;
    let village = d.person.village_code.clone();
    let sensitive = s.caller.actor.can(Operation::ViewSensitive, &village);
    let categories = Category::recordable()
        .filter(|c| sensitive || !c.is_sensitive())
        .filter(|c| !d.person.categories.iter().any(|x| x.category == *c))
        .collect();
    let merges = state.store.merges_of(&s.caller.actor, id).await?;
    let may_link = s.caller.actor.can(Operation::LinkRecords, &village);
    Ok(PersonPage_ {
        merges,
        may_link,
        signer_default: s.caller.user.display_name.clone(),
        page: s.page,
        d,
        panel,
        errors,
        typed,
        categories,
    })
}

/// `GET /persons/{id}`.
pub async fn show(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(person_page(
        &state,
        s,
        id,
        Panel::None,
        FormErrors::default(),
        Default::default(),
    )
    .await?
    .into_response())
}

/// After an action on the person page: back to the page (at the panel), or the page with the
/// errors next to the fields of the form that failed.
async fn action_outcome(
    state: &AppState,
    s: Signed,
    id: i64,
    panel: Panel,
    anchor: &str,
    typed: std::collections::HashMap<String, String>,
    result: Result<(), WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/persons/{id}#{anchor}"))),
        Err(WebError::Invalid(i)) => {
            let errors = FormErrors::from_invalid(&i, s.page.lang);
            let page = person_page(state, s, id, panel, errors, typed).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

type Fields = std::collections::HashMap<String, String>;

fn field(f: &Fields, name: &str) -> String {
    f.get(name).cloned().unwrap_or_default()
}

/// `POST /persons/{id}/categories`: add a category with its details.
pub async fn add_category(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let form = CategoryForm {
        category: field(&f, "category"),
        disability_type: field(&f, "disability_type"),
        card_number: field(&f, "card_number"),
        card_expiry: field(&f, "card_expiry"),
        note: field(&f, "note"),
    };
    let result = match form.check(today()) {
        Ok(c) => state
            .store
            .set_category(&s.caller.actor, id, c, &s.page.meta)
            .await
            .map_err(WebError::from),
        Err(i) => Err(WebError::Invalid(i)),
    };
    action_outcome(&state, s, id, Panel::Category, "categories", f, result).await
}

/// `POST /persons/{id}/categories/{category}/remove`.
pub async fn remove_category(
    State(state): State<AppState>,
    s: Signed,
    Path((id, category)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let c = Category::parse(&category).ok_or(WebError::NotFound)?;
    state
        .store
        .remove_category(&s.caller.actor, id, c, &s.page.meta)
        .await?;
    Ok(see_other(&format!("/persons/{id}#categories")))
}

/// `POST /persons/{id}/household`: the five poverty dimensions.
pub async fn household(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let d = state
        .store
        .person_detail(&s.caller.actor, id, &s.page.meta)
        .await?;
    let Some(h) = d.household else {
        return Err(WebError::NotFound);
    };
    let mut errors = Vec::new();
    let mut flag = |name: &'static str| {
        PovertyDimensions::parse_flag(name, &field(&f, name))
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
    };
    let dims = PovertyDimensions {
        health: flag("health"),
        living: flag("living"),
        education: flag("education"),
        income: flag("income"),
        access: flag("access"),
    };
    let version = field(&f, "version").parse().unwrap_or(0);
    let result = if errors.is_empty() {
        state
            .store
            .update_household(
                &s.caller.actor,
                h.id,
                version,
                dims,
                h.location,
                &s.page.meta,
            )
            .await
            .map_err(WebError::from)
    } else {
        Err(WebError::Invalid(Invalid(errors)))
    };
    action_outcome(&state, s, id, Panel::Household, "household", f, result).await
}

fn parse_day(field: &'static str, s: &str) -> Result<chrono::NaiveDate, FieldError> {
    let d = PartialDate::parse(field, s, today())?;
    if d.precision != Precision::Day {
        return Err(FieldError::new(field, "date_invalid"));
    }
    Ok(d.date)
}

/// `POST /persons/{id}/consents`.
pub async fn give_consent(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let mut errors = Vec::new();
    let purpose = ConsentPurpose::parse_field(&field(&f, "purpose"))
        .map_err(|e| errors.push(e))
        .ok();
    let basis = LawfulBasis::parse_field(&field(&f, "basis"))
        .map_err(|e| errors.push(e))
        .ok();
    let given_on = parse_day("given_on", &field(&f, "given_on"))
        .map_err(|e| errors.push(e))
        .ok();
    let result = match (purpose, basis, given_on) {
        (Some(purpose), Some(basis), Some(given_on)) if errors.is_empty() => state
            .store
            .give_consent(
                &s.caller.actor,
                id,
                ConsentInput {
                    purpose,
                    basis,
                    given_by: field(&f, "given_by"),
                    given_on,
                },
                &s.page.meta,
            )
            .await
            .map(|_| ())
            .map_err(WebError::from),
        _ => Err(WebError::Invalid(Invalid(errors))),
    };
    action_outcome(&state, s, id, Panel::Consent, "consent", f, result).await
}

/// `POST /persons/{id}/consents/{cid}/withdraw`.
pub async fn withdraw_consent(
    State(state): State<AppState>,
    s: Signed,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let result = match parse_day("withdrawn_on", &field(&f, "withdrawn_on")) {
        Ok(on) => state
            .store
            .withdraw_consent(
                &s.caller.actor,
                id,
                cid,
                on,
                &field(&f, "reason"),
                &s.page.meta,
            )
            .await
            .map_err(WebError::from),
        Err(e) => Err(WebError::Invalid(e.into())),
    };
    action_outcome(&state, s, id, Panel::Withdraw, "consent", f, result).await
}

/// `POST /persons/{id}/attest`.
pub async fn attest(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let result = match AttestationRole::parse(&field(&f, "role")) {
        Some(role) => state
            .store
            .attest(
                &s.caller.actor,
                id,
                role,
                &field(&f, "signer_name"),
                &field(&f, "note"),
                &s.page.meta,
            )
            .await
            .map(|_| ())
            .map_err(WebError::from),
        None => Err(WebError::Invalid(Invalid::one("role", "invalid_choice"))),
    };
    action_outcome(&state, s, id, Panel::Attest, "verification", f, result).await
}

/// `POST /persons/{id}/dispute`.
pub async fn dispute(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .dispute(
            &s.caller.actor,
            id,
            &field(&f, "dispute_note"),
            &s.page.meta,
        )
        .await
        .map_err(WebError::from);
    action_outcome(&state, s, id, Panel::Dispute, "verification", f, result).await
}

/// `POST /persons/{id}/resolve`.
pub async fn resolve(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    state
        .store
        .resolve_dispute(&s.caller.actor, id, &s.page.meta)
        .await?;
    Ok(see_other(&format!("/persons/{id}#verification")))
}

#[derive(Template, WebTemplate)]
#[template(path = "village_review.html")]
struct ReviewPage {
    page: super::Page,
    village: ruamjai_store::areas::AreaDetail,
    label: String,
    list: Vec<ruamjai_store::registry::PersonSummary>,
    certified: usize,
    disputed: usize,
}

/// `GET /villages/{code}/review`: the village's list for the community review.
pub async fn review(
    State(state): State<AppState>,
    s: Signed,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let code = area_code_or_404(&code)?;
    if code.level() != AreaLevel::Village {
        return Err(WebError::NotFound);
    }
    let village = state.store.area_detail(&s.caller.actor, &code).await?;
    let list = state
        .store
        .village_review(&s.caller.actor, &code, &s.page.meta)
        .await?;
    let certified = list
        .iter()
        .filter(|p| p.verification == Verification::Certified)
        .count();
    let disputed = list
        .iter()
        .filter(|p| p.verification == Verification::Disputed)
        .count();
    Ok(ReviewPage {
        label: s.page.label(&village.area),
        page: s.page,
        village,
        list,
        certified,
        disputed,
    }
    .into_response())
}
