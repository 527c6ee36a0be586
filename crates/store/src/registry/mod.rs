//! The central registry: persons, households, categories, consent and verification — every read
//! and change scoped to the caller's area subtrees and audited.
//!
//! Scope rules (DESIGN.md §3): a person is reachable when the caller may `ViewPersons` in the
//! person's village; outside that the person does not exist (`NotFound`). Sensitive categories
//! (HIV, ex-prisoner) are loaded, stored and exported only for callers holding the `sensitive`
//! role over the village; for everyone else they are simply absent.

pub(crate) mod counts;
pub(crate) mod entity;
mod import;
pub mod privacy;
mod verify;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::registry::search::{person_key, query_terms};
use ruamjai_domain::registry::{
    Category, CategoryInput, DisabilityType, ELDERLY_AGE, IdKind, PartialDate, PersonInput,
    PersonStatus, PovertyDimensions, Precision, Relation, Sex, Verification,
};
use ruamjai_domain::thaidate::bangkok;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use counts::{AreaCounts, CountCell, Dashboard};
pub use import::{
    EXPORT_COLUMNS, ExportFilter, GeneratedPerson, ImportPlan, ImportReport, ImportRowError,
    PreparedImport, Progress, RowSource,
};
pub use verify::{Attestation, Consent, ConsentInput};

use crate::areas::{self, Area, scope_condition};
use crate::audit::{self, NewEntry};
use crate::{Result, Store, StoreError};
use entity::{households, idempotency_keys, person_categories, persons};

/// Today in Thailand (ages and "elderly" are counted on the Thai calendar day).
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&bangkok()).date_naive()
}

/// The time now in Thailand (for weekly availability).
pub fn now_local() -> chrono::NaiveDateTime {
    Utc::now().with_timezone(&bangkok()).naive_local()
}

/// A category on a person, with its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonCategory {
    /// The category.
    pub category: Category,
    /// Disability type.
    pub disability_type: Option<DisabilityType>,
    /// Disability card number.
    pub card_number: Option<String>,
    /// Card expiry.
    pub card_expiry: Option<NaiveDate>,
    /// Note.
    pub note: Option<String>,
    /// Computed (elderly), not stored.
    pub derived: bool,
}

/// A person's full record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// Identity document kind.
    pub id_kind: IdKind,
    /// Identity number.
    pub id_number: Option<String>,
    /// Prefix.
    pub prefix: Option<String>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Birth date (partial).
    pub birth: Option<PartialDate>,
    /// Age today.
    pub age: Option<i32>,
    /// Phone.
    pub phone: Option<String>,
    /// Village.
    pub village_code: AreaCode,
    /// Household.
    pub household_id: Option<i64>,
    /// House number of the household.
    pub house_number: Option<String>,
    /// Relation to the household head.
    pub relation: Option<Relation>,
    /// Home location.
    pub location: Option<(f64, f64)>,
    /// Status.
    pub status: PersonStatus,
    /// Status date.
    pub status_date: Option<NaiveDate>,
    /// Verification state.
    pub verification: Verification,
    /// Why the record is disputed.
    pub dispute_note: Option<String>,
    /// Categories the caller may see (derived ones included).
    pub categories: Vec<PersonCategory>,
    /// Optimistic-lock version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Person {
    /// Name as shown: prefix, first and last name.
    pub fn display_name(&self) -> String {
        display_name(self.prefix.as_deref(), &self.first_name, &self.last_name)
    }
}

pub(crate) fn display_name(prefix: Option<&str>, first: &str, last: &str) -> String {
    let mut s = String::new();
    if let Some(p) = prefix {
        s.push_str(p);
        // Thai prefixes are written glued to the name; Latin ones with a space.
        if p.is_ascii() {
            s.push(' ');
        }
    }
    s.push_str(first);
    if !last.is_empty() {
        s.push(' ');
        s.push_str(last);
    }
    s
}

/// A person in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonSummary {
    /// Id.
    pub id: i64,
    /// Name as shown.
    pub name: String,
    /// Identity document kind.
    pub id_kind: IdKind,
    /// Identity number.
    pub id_number: Option<String>,
    /// Birth date.
    pub birth: Option<PartialDate>,
    /// Age today.
    pub age: Option<i32>,
    /// Village.
    pub village_code: AreaCode,
    /// House number.
    pub house_number: Option<String>,
    /// Status.
    pub status: PersonStatus,
    /// Verification state.
    pub verification: Verification,
    /// Categories the caller may see.
    pub categories: Vec<Category>,
}

/// A household with its poverty dimensions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    /// Id.
    pub id: i64,
    /// Village.
    pub village_code: AreaCode,
    /// House number.
    pub house_number: String,
    /// Location.
    pub location: Option<(f64, f64)>,
    /// Poverty dimensions.
    pub dims: PovertyDimensions,
    /// Version.
    pub version: i32,
}

/// Everything the person page shows.
#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    /// The person.
    pub person: Person,
    /// Province, district, subdistrict, village.
    pub path: Vec<Area>,
    /// Their household.
    pub household: Option<Household>,
    /// Other members of the household the caller may see.
    pub members: Vec<PersonSummary>,
    /// Consent records, newest first.
    pub consents: Vec<Consent>,
    /// Attestations.
    pub attestations: Vec<Attestation>,
    /// The caller may edit.
    pub can_edit: bool,
    /// The caller may attest or dispute.
    pub can_attest: bool,
    /// The caller sees sensitive categories here.
    pub sees_sensitive: bool,
}

/// A search of the registry.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    /// Name, ID, phone or house number (Thai-aware).
    pub q: String,
    /// Only inside this area.
    pub area: Option<AreaCode>,
    /// Only with this category.
    pub category: Option<Category>,
    /// Only in this verification state.
    pub verification: Option<Verification>,
    /// Include moved and deceased persons.
    pub include_inactive: bool,
    /// Page size (at most 200).
    pub limit: u64,
    /// Offset.
    pub offset: u64,
}

/// One page of search results.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    /// Results.
    pub items: Vec<PersonSummary>,
    /// Total matching (for paging).
    pub total: u64,
}

/// The stable key that makes imports idempotent: the identity number when there is one,
/// otherwise the folded names, birth date and village.
pub(crate) fn identity_key(p: &PersonInput) -> String {
    use ruamjai_domain::registry::search::fold;
    let raw = match &p.id_number {
        Some(n) => format!("id|{n}"),
        None => format!(
            "noid|{}|{}|{}|{}",
            fold(&p.first_name),
            fold(&p.last_name),
            p.birth.map(|b| b.iso()).unwrap_or_default(),
            p.village.as_str()
        ),
    };
    // 128 bits of SHA-256: no collision in any registry's lifetime, and half the index size.
    hex::encode(&Sha256::digest(raw.as_bytes())[..16])
}

pub(crate) fn elderly(birth: Option<PartialDate>, today: NaiveDate) -> bool {
    birth.is_some_and(|b| b.age_on(today) >= ELDERLY_AGE)
}

pub(crate) fn birth_of(m: &persons::Model) -> Option<PartialDate> {
    Some(PartialDate::from_parts(
        m.birth_date?,
        m.birth_precision
            .as_deref()
            .and_then(Precision::parse)
            .unwrap_or(Precision::Day),
    ))
}

pub(crate) fn village_of(m: &persons::Model) -> AreaCode {
    AreaCode::parse(&m.village_code).expect("stored village codes are valid")
}

fn category_of(m: person_categories::Model) -> Option<PersonCategory> {
    Some(PersonCategory {
        category: Category::parse(&m.category)?,
        disability_type: m.disability_type.as_deref().and_then(DisabilityType::parse),
        card_number: m.card_number,
        card_expiry: m.card_expiry,
        note: m.note,
        derived: false,
    })
}

fn household_of(m: households::Model) -> Household {
    Household {
        id: m.id,
        village_code: AreaCode::parse(&m.village_code).expect("stored codes are valid"),
        house_number: m.house_number,
        location: m.lat.zip(m.lon),
        dims: PovertyDimensions {
            health: m.dim_health,
            living: m.dim_living,
            education: m.dim_education,
            income: m.dim_income,
            access: m.dim_access,
        },
        version: m.version,
    }
}

/// The categories of a stored person as the dashboards count them (active persons only):
/// `total`, the derived `elderly`, and every stored category.
pub(crate) fn count_keys(
    status: &str,
    birth: Option<PartialDate>,
    cats: &[Category],
    today: NaiveDate,
) -> Vec<&'static str> {
    if status != PersonStatus::Active.as_str() {
        return Vec::new();
    }
    let mut keys = vec!["total"];
    if elderly(birth, today) {
        keys.push(Category::Elderly.as_str());
    }
    keys.extend(cats.iter().map(|c| c.as_str()));
    keys
}

impl Store {
    /// The person row if the caller may see persons in its village, or the person is shared
    /// with the caller (assigned to them for care, or a target of an issue group they belong
    /// to); otherwise `NotFound`.
    pub(crate) async fn visible_person(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<persons::Model> {
        let m = persons::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if actor.can(Operation::ViewPersons, &village_of(&m))
            || crate::care::shared_with(conn, actor, id).await?
        {
            Ok(m)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Give a person the ADL category of an assessment's group, taking off the other two
    /// (inside the caller's transaction, the count cache kept alike).
    pub(crate) async fn set_adl_category(
        conn: &impl ConnectionTrait,
        actor: &Actor,
        p: &persons::Model,
        category: Category,
    ) -> Result<bool> {
        const ADL: [Category; 3] = [
            Category::SociallyActive,
            Category::Homebound,
            Category::Bedridden,
        ];
        let village = village_of(p);
        let existing = Self::all_categories(conn, p.id).await?;
        if existing.contains(&category) {
            return Ok(false);
        }
        let active = p.status == PersonStatus::Active.as_str();
        let stale: Vec<Category> = existing
            .into_iter()
            .filter(|c| ADL.contains(c) && *c != category)
            .collect();
        // Off and on in one count write (one lock order on the shared rows: see CountChanges).
        let mut changes = counts::CountChanges::default();
        if !stale.is_empty() {
            person_categories::Entity::delete_many()
                .filter(person_categories::Column::PersonId.eq(p.id))
                .filter(
                    person_categories::Column::Category
                        .is_in(stale.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
                )
                .exec(conn)
                .await?;
            if active {
                let keys: Vec<&str> = stale.iter().map(|c| c.as_str()).collect();
                changes.add(&village, &keys, -1);
            }
        }
        let input = CategoryInput {
            category,
            disability_type: None,
            card_number: None,
            card_expiry: None,
            note: None,
        };
        Self::insert_category(conn, actor, p.id, &input).await?;
        if active {
            changes.add(&village, &[category.as_str()], 1);
        }
        changes.apply(conn).await?;
        Ok(true)
    }

    /// Lock a person's row until the end of the transaction (`SELECT … FOR NO KEY UPDATE` on
    /// PostgreSQL). Every transaction that reads a person's
    /// categories to change them takes this lock first, so two of them for the same person
    /// (two visits synced at once, a visit and an edit) run one after the other: otherwise both
    /// read "no `homebound`", both insert it, and the second fails on the primary key (or a
    /// person ends up with two ADL categories and the counts drift).
    ///
    /// `NO KEY UPDATE`, not `UPDATE`: inserting a row that refers to the person (a visit) takes
    /// a `KEY SHARE` lock on it, which `FOR UPDATE` would wait for; two syncs that had each
    /// inserted their visit would then wait for each other. SQLite writes one transaction
    /// at a time, so there is nothing to lock, and sea-query writes no lock clause for it.
    pub(crate) async fn lock_person(conn: &impl ConnectionTrait, id: i64) -> Result<()> {
        persons::Entity::find_by_id(id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .one(conn)
            .await?;
        Ok(())
    }

    /// The person row for a change: `NotFound` outside view scope, `Forbidden` when the caller
    /// may see but not change it.
    pub(crate) async fn editable_person(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<persons::Model> {
        let m = self.visible_person(conn, actor, id).await?;
        if m.status == PersonStatus::Merged.as_str() {
            // A merged record is kept as it was; undo the merge to change it.
            return Err(FieldError::new("status", "person_merged").into());
        }
        if actor.can(Operation::EditPersons, &village_of(&m)) {
            Ok(m)
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// The village must exist and the caller must be allowed to edit persons there.
    async fn check_village(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        village: &AreaCode,
    ) -> Result<()> {
        let exists = crate::areas::entity::Entity::find_by_id(village.as_str())
            .one(conn)
            .await?
            .is_some();
        if !exists || !actor.can(Operation::EditPersons, village) {
            return Err(FieldError::new("village_code", "village_not_found").into());
        }
        Ok(())
    }

    /// Find or create the household at a house number in a village.
    pub(crate) async fn household_for(
        conn: &impl ConnectionTrait,
        village: &AreaCode,
        house_number: &str,
        location: Option<(f64, f64)>,
    ) -> Result<i64> {
        if let Some(h) = households::Entity::find()
            .filter(households::Column::VillageCode.eq(village.as_str()))
            .filter(households::Column::HouseNumber.eq(house_number))
            .one(conn)
            .await?
        {
            return Ok(h.id);
        }
        let now = Utc::now();
        let h = households::ActiveModel {
            village_code: Set(village.to_string()),
            house_number: Set(house_number.to_owned()),
            lat: Set(location.map(|l| l.0)),
            lon: Set(location.map(|l| l.1)),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        Ok(h.id)
    }

    /// Refuse sensitive categories the caller may not store in `village`.
    fn check_sensitive(actor: &Actor, village: &AreaCode, cats: &[CategoryInput]) -> Result<()> {
        if cats.iter().any(|c| c.category.is_sensitive())
            && !actor.can(Operation::ViewSensitive, village)
        {
            return Err(FieldError::new("category", "sensitive_not_permitted").into());
        }
        Ok(())
    }

    /// Register a person (with categories). `idempotency_key`: a retried request with the same
    /// key from the same user returns the first person's id and changes nothing.
    pub async fn create_person(
        &self,
        actor: &Actor,
        input: PersonInput,
        categories: Vec<CategoryInput>,
        idempotency_key: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let txn = self.db.begin().await?;
        if let Some(key) = idempotency_key {
            if key.is_empty() || key.len() > 100 {
                return Err(FieldError::new("idempotency_key", "invalid").into());
            }
            if let Some(done) = idempotency_keys::Entity::find_by_id((actor.user_id, key.into()))
                .one(&txn)
                .await?
                && let Ok(id) = done.entity_id.parse()
            {
                return Ok(id);
            }
        }
        self.check_village(&txn, actor, &input.village).await?;
        Self::check_sensitive(actor, &input.village, &categories)?;
        let mut seen = Vec::new();
        for c in &categories {
            if seen.contains(&c.category) {
                return Err(FieldError::new("category", "category_twice").into());
            }
            seen.push(c.category);
        }
        let household_id = match &input.house_number {
            Some(h) => Some(Self::household_for(&txn, &input.village, h, input.location).await?),
            None => None,
        };
        let now = Utc::now();
        let model = persons::ActiveModel {
            id_kind: Set(input.id_kind.as_str().into()),
            id_number: Set(input.id_number.clone()),
            prefix: Set(input.prefix.clone()),
            first_name: Set(input.first_name.clone()),
            last_name: Set(input.last_name.clone()),
            sex: Set(input.sex.map(|s| s.as_str().into())),
            birth_date: Set(input.birth.map(|b| b.date)),
            birth_precision: Set(input.birth.map(|b| b.precision.as_str().into())),
            phone: Set(input.phone.clone()),
            village_code: Set(input.village.to_string()),
            household_id: Set(household_id),
            relation: Set(input.relation.map(|r| r.as_str().into())),
            lat: Set(input.location.map(|l| l.0)),
            lon: Set(input.location.map(|l| l.1)),
            status: Set(input.status.as_str().into()),
            status_date: Set(input.status_date),
            verification: Set(Verification::Unverified.as_str().into()),
            dispute_note: Set(None),
            search_key: Set(person_key(
                &input.first_name,
                &input.last_name,
                input.id_number.as_deref(),
                input.phone.as_deref(),
                input.house_number.as_deref(),
            )),
            identity_key: Set(identity_key(&input)),
            import_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(Some(actor.user_id)),
            updated_by: Set(Some(actor.user_id)),
            version: Set(1),
            ..Default::default()
        };
        let saved = match model.insert(&txn).await {
            Ok(m) => m,
            Err(e) if StoreError::is_unique_violation(&e) => {
                txn.rollback().await?;
                // The same request sent twice at once: the other one made the person.
                if let Some(id) = self.idempotent_answer(actor, idempotency_key).await? {
                    return Ok(id);
                }
                return Err(FieldError::new("id_number", "id_taken").into());
            }
            Err(e) => return Err(e.into()),
        };
        for c in &categories {
            Self::insert_category(&txn, actor, saved.id, c).await?;
        }
        let cats: Vec<Category> = categories.iter().map(|c| c.category).collect();
        counts::adjust(
            &txn,
            &input.village,
            &count_keys(&saved.status, input.birth, &cats, today()),
            1,
        )
        .await?;
        if let Some(key) = idempotency_key {
            let kept = idempotency_keys::ActiveModel {
                user_id: Set(actor.user_id),
                key: Set(key.to_owned()),
                entity: Set("person".into()),
                entity_id: Set(saved.id.to_string()),
                created_at: Set(now),
            }
            .insert(&txn)
            .await;
            match kept {
                Ok(_) => {}
                Err(e) if StoreError::is_unique_violation(&e) => {
                    // A concurrent request with the same key committed first (PostgreSQL; SQLite
                    // writes one at a time): this one's person is rolled back and the first
                    // one's id is the answer, as for a retry after the fact.
                    txn.rollback().await?;
                    if let Some(id) = self.idempotent_answer(actor, idempotency_key).await? {
                        return Ok(id);
                    }
                    return Err(e.into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PersonCreate, meta)
                .entity("person", saved.id)
                .area(&input.village),
        )
        .await?;
        txn.commit().await?;
        Ok(saved.id)
    }

    /// The person an earlier (or concurrent, already committed) request with this idempotency
    /// key made, if any.
    async fn idempotent_answer(&self, actor: &Actor, key: Option<&str>) -> Result<Option<i64>> {
        let Some(key) = key else { return Ok(None) };
        Ok(
            idempotency_keys::Entity::find_by_id((actor.user_id, key.into()))
                .one(&self.db)
                .await?
                .and_then(|done| done.entity_id.parse().ok()),
        )
    }

    async fn insert_category(
        conn: &impl ConnectionTrait,
        actor: &Actor,
        person_id: i64,
        c: &CategoryInput,
    ) -> Result<()> {
        person_categories::ActiveModel {
            person_id: Set(person_id),
            category: Set(c.category.as_str().into()),
            disability_type: Set(c.disability_type.map(|d| d.as_str().into())),
            card_number: Set(c.card_number.clone()),
            card_expiry: Set(c.card_expiry),
            note: Set(c.note.clone()),
            recorded_at: Set(Utc::now()),
            recorded_by: Set(Some(actor.user_id)),
        }
        .insert(conn)
        .await?;
        Ok(())
    }

    /// Stored categories of a person the caller may see.
    async fn categories_of(
        conn: &impl ConnectionTrait,
        person_id: i64,
        sees_sensitive: bool,
    ) -> Result<Vec<PersonCategory>> {
        let rows = person_categories::Entity::find()
            .filter(person_categories::Column::PersonId.eq(person_id))
            .all(conn)
            .await?;
        let mut cats: Vec<PersonCategory> = rows
            .into_iter()
            .filter_map(category_of)
            .filter(|c| sees_sensitive || !c.category.is_sensitive())
            .collect();
        cats.sort_by_key(|c| c.category);
        Ok(cats)
    }

    /// All stored categories (for count bookkeeping, never shown).
    async fn all_categories(conn: &impl ConnectionTrait, person_id: i64) -> Result<Vec<Category>> {
        Ok(person_categories::Entity::find()
            .filter(person_categories::Column::PersonId.eq(person_id))
            .all(conn)
            .await?
            .into_iter()
            .filter_map(|m| Category::parse(&m.category))
            .collect())
    }

    fn person_of(
        m: persons::Model,
        house_number: Option<String>,
        mut categories: Vec<PersonCategory>,
    ) -> Person {
        let birth = birth_of(&m);
        let t = today();
        if elderly(birth, t) {
            categories.insert(
                0,
                PersonCategory {
                    category: Category::Elderly,
                    disability_type: None,
                    card_number: None,
                    card_expiry: None,
                    note: None,
                    derived: true,
                },
            );
        }
        Person {
            id: m.id,
            id_kind: IdKind::parse(&m.id_kind).unwrap_or(IdKind::None),
            village_code: village_of(&m),
            id_number: m.id_number,
            prefix: m.prefix,
            first_name: m.first_name,
            last_name: m.last_name,
            sex: m.sex.as_deref().and_then(Sex::parse),
            birth,
            age: birth.map(|b| b.age_on(t)),
            phone: m.phone,
            household_id: m.household_id,
            house_number,
            relation: m.relation.as_deref().and_then(Relation::parse),
            location: m.lat.zip(m.lon),
            status: PersonStatus::parse(&m.status).unwrap_or(PersonStatus::Active),
            status_date: m.status_date,
            verification: Verification::parse(&m.verification).unwrap_or(Verification::Unverified),
            dispute_note: m.dispute_note,
            categories,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    /// A person's page: the record, household, consents and attestations. Audited as a read.
    pub async fn person_detail(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<PersonDetail> {
        let txn = self.db.begin().await?;
        let m = self.visible_person(&txn, actor, id).await?;
        let village = village_of(&m);
        let sees_sensitive = actor.can(Operation::ViewSensitive, &village);
        let household = match m.household_id {
            Some(h) => households::Entity::find_by_id(h)
                .one(&txn)
                .await?
                .map(household_of),
            None => None,
        };
        let categories = Self::categories_of(&txn, id, sees_sensitive).await?;
        let members = match &household {
            Some(h) => {
                let rows = persons::Entity::find()
                    .filter(persons::Column::HouseholdId.eq(h.id))
                    .filter(persons::Column::Id.ne(id))
                    .order_by_asc(persons::Column::Id)
                    .all(&txn)
                    .await?;
                self.summaries(&txn, actor, rows).await?
            }
            None => Vec::new(),
        };
        let consents = verify::consents_of(&txn, id).await?;
        let attestations = verify::attestations_of(&txn, id).await?;
        let path = crate::areas::entity::Entity::find()
            .filter(
                crate::areas::entity::Column::Code.is_in(
                    village
                        .lineage()
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>(),
                ),
            )
            .order_by_asc(crate::areas::entity::Column::Code)
            .all(&txn)
            .await?
            .into_iter()
            .map(Area::from)
            .collect();
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PersonView, meta)
                .entity("person", id)
                .area(&village),
        )
        .await?;
        txn.commit().await?;
        let house_number = household.as_ref().map(|h| h.house_number.clone());
        Ok(PersonDetail {
            can_edit: actor.can(Operation::EditPersons, &village),
            can_attest: actor.can(Operation::AttestPersons, &village),
            sees_sensitive,
            person: Self::person_of(m, house_number, categories),
            path,
            household,
            members,
            consents,
            attestations,
        })
    }

    /// Summaries of person rows (categories and house numbers loaded in two queries).
    async fn summaries(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        rows: Vec<persons::Model>,
    ) -> Result<Vec<PersonSummary>> {
        let rows: Vec<persons::Model> = rows
            .into_iter()
            .filter(|m| actor.can(Operation::ViewPersons, &village_of(m)))
            .collect();
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        let hh: Vec<i64> = rows.iter().filter_map(|m| m.household_id).collect();
        let mut cats: HashMap<i64, Vec<Category>> = HashMap::new();
        if !ids.is_empty() {
            for c in person_categories::Entity::find()
                .filter(person_categories::Column::PersonId.is_in(ids))
                .all(conn)
                .await?
            {
                if let Some(cat) = Category::parse(&c.category) {
                    cats.entry(c.person_id).or_default().push(cat);
                }
            }
        }
        let mut houses: HashMap<i64, String> = HashMap::new();
        if !hh.is_empty() {
            for h in households::Entity::find()
                .filter(households::Column::Id.is_in(hh))
                .all(conn)
                .await?
            {
                houses.insert(h.id, h.house_number);
            }
        }
        let t = today();
        Ok(rows
            .into_iter()
            .map(|m| {
                let village = village_of(&m);
                let sees = actor.can(Operation::ViewSensitive, &village);
                let birth = birth_of(&m);
                let mut c: Vec<Category> = cats
                    .remove(&m.id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| sees || !c.is_sensitive())
                    .collect();
                if elderly(birth, t) {
                    c.push(Category::Elderly);
                }
                c.sort();
                PersonSummary {
                    id: m.id,
                    name: display_name(m.prefix.as_deref(), &m.first_name, &m.last_name),
                    id_kind: IdKind::parse(&m.id_kind).unwrap_or(IdKind::None),
                    id_number: m.id_number,
                    birth,
                    age: birth.map(|b| b.age_on(t)),
                    house_number: m.household_id.and_then(|h| houses.get(&h).cloned()),
                    village_code: village,
                    status: PersonStatus::parse(&m.status).unwrap_or(PersonStatus::Active),
                    verification: Verification::parse(&m.verification)
                        .unwrap_or(Verification::Unverified),
                    categories: c,
                }
            })
            .collect())
    }

    /// The select behind search and export: scope, area, filters and the Thai-aware terms.
    pub(crate) fn person_select(
        actor: &Actor,
        q: &PersonQuery,
    ) -> sea_orm::Select<persons::Entity> {
        let mut s = persons::Entity::find();
        let scope = actor.scope(Operation::ViewPersons);
        // Scope and area as one set of index ranges (their intersection), so the database
        // reads only the narrower subtree from `persons_village`.
        if let Some(a) = &q.area {
            s = s.filter(areas::within_any(
                persons::Column::VillageCode,
                &areas::scope_in_area(&scope, a),
            ));
        } else if let Some(c) = scope_condition(persons::Column::VillageCode, &scope) {
            s = s.filter(c);
        }
        if !q.include_inactive {
            s = s.filter(persons::Column::Status.eq(PersonStatus::Active.as_str()));
        }
        if let Some(v) = q.verification {
            s = s.filter(persons::Column::Verification.eq(v.as_str()));
        }
        if let Some(cat) = q.category {
            if cat.is_sensitive() {
                // Only where the caller holds the sensitive permission.
                if let Some(c) = scope_condition(
                    persons::Column::VillageCode,
                    &actor.scope(Operation::ViewSensitive),
                ) {
                    s = s.filter(c);
                }
            }
            if cat == Category::Elderly {
                let t = today();
                let (year_cut, day_cut) = counts::elderly_cutoffs(t);
                s = s.filter(
                    sea_orm::Condition::any()
                        .add(
                            sea_orm::Condition::all()
                                .add(persons::Column::BirthPrecision.eq(Precision::Year.as_str()))
                                .add(persons::Column::BirthDate.lte(year_cut)),
                        )
                        .add(
                            sea_orm::Condition::all()
                                .add(persons::Column::BirthPrecision.ne(Precision::Year.as_str()))
                                .add(persons::Column::BirthDate.lte(day_cut)),
                        ),
                );
            } else {
                s = s.filter(
                    persons::Column::Id.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(person_categories::Column::PersonId)
                            .from(person_categories::Entity)
                            .and_where(person_categories::Column::Category.eq(cat.as_str()))
                            .to_owned(),
                    ),
                );
            }
        }
        for term in query_terms(&q.q) {
            // A 13-digit number is an exact ID lookup (indexed); anything else matches inside the
            // folded key.
            if term.len() == 13 && term.bytes().all(|b| b.is_ascii_digit()) {
                s = s.filter(persons::Column::IdNumber.eq(term));
            } else {
                s = s.filter(
                    Expr::col((persons::Entity, persons::Column::SearchKey))
                        .like(format!("%{term}%")),
                );
            }
        }
        s
    }

    /// Search persons in the caller's scope. Audited (the number of results, never the query).
    pub async fn search_persons(
        &self,
        actor: &Actor,
        q: &PersonQuery,
        meta: &RequestMeta,
    ) -> Result<PersonPage> {
        if !actor.can_somewhere(Operation::ViewPersons) {
            return Err(StoreError::Forbidden);
        }
        let select = Self::person_select(actor, q);
        let limit = q.limit.clamp(1, 200);
        let rows = select
            .clone()
            .order_by_asc(persons::Column::VillageCode)
            .order_by_asc(persons::Column::FirstName)
            .order_by_asc(persons::Column::Id)
            .offset(q.offset)
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        let more = rows.len() as u64 > limit;
        let rows: Vec<persons::Model> = rows.into_iter().take(limit as usize).collect();
        // Counting every match is the slow part of a broad search: count only when the page is
        // full.
        let total = if more || q.offset > 0 {
            select.count(&self.db).await?
        } else {
            rows.len() as u64
        };
        let items = self.summaries(&self.db, actor, rows).await?;
        let mut e = NewEntry::by(actor, AuditAction::PersonSearch, meta).detail(
            serde_json::json!({ "results": items.len(), "ids": items.iter().map(|p| p.id).collect::<Vec<_>>() }),
        );
        if let Some(a) = &q.area {
            e = e.area(a);
        }
        audit::append(&self.db, e).await?;
        Ok(PersonPage { items, total })
    }

    /// Change a person. `version` must be the version the caller read (otherwise `stale`, and
    /// nothing is written).
    pub async fn update_person(
        &self,
        actor: &Actor,
        id: i64,
        version: i32,
        input: PersonInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        // Locked first: a sync changing the person's ADL category meanwhile would make the
        // counts below (from the categories read now) wrong.
        Self::lock_person(&txn, id).await?;
        let old = self.editable_person(&txn, actor, id).await?;
        if old.version != version {
            return Err(FieldError::new("version", "stale").into());
        }
        let old_village = village_of(&old);
        if input.village != old_village {
            self.check_village(&txn, actor, &input.village).await?;
        }
        let cats = Self::all_categories(&txn, id).await?;
        let t = today();
        // Out of the old counts and into the new ones in one write, after the update (one lock
        // order on the shared rows: see CountChanges).
        let mut changes = counts::CountChanges::default();
        changes.add(
            &old_village,
            &count_keys(&old.status, birth_of(&old), &cats, t),
            -1,
        );
        let household_id = match &input.house_number {
            Some(h) => Some(Self::household_for(&txn, &input.village, h, input.location).await?),
            None => None,
        };
        let mut am: persons::ActiveModel = old.into();
        am.id_kind = Set(input.id_kind.as_str().into());
        am.id_number = Set(input.id_number.clone());
        am.prefix = Set(input.prefix.clone());
        am.first_name = Set(input.first_name.clone());
        am.last_name = Set(input.last_name.clone());
        am.sex = Set(input.sex.map(|s| s.as_str().into()));
        am.birth_date = Set(input.birth.map(|b| b.date));
        am.birth_precision = Set(input.birth.map(|b| b.precision.as_str().into()));
        am.phone = Set(input.phone.clone());
        am.village_code = Set(input.village.to_string());
        am.household_id = Set(household_id);
        am.relation = Set(input.relation.map(|r| r.as_str().into()));
        am.lat = Set(input.location.map(|l| l.0));
        am.lon = Set(input.location.map(|l| l.1));
        am.status = Set(input.status.as_str().into());
        am.status_date = Set(input.status_date);
        am.search_key = Set(person_key(
            &input.first_name,
            &input.last_name,
            input.id_number.as_deref(),
            input.phone.as_deref(),
            input.house_number.as_deref(),
        ));
        am.identity_key = Set(identity_key(&input));
        am.updated_at = Set(Utc::now());
        am.updated_by = Set(Some(actor.user_id));
        am.version = Set(version + 1);
        // Guard the version in the UPDATE itself, so two concurrent edits cannot both win.
        let res = persons::Entity::update_many()
            .set(am)
            .filter(persons::Column::Id.eq(id))
            .filter(persons::Column::Version.eq(version))
            .exec(&txn)
            .await;
        match res {
            Ok(r) if r.rows_affected == 1 => {}
            Ok(_) => return Err(FieldError::new("version", "stale").into()),
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(FieldError::new("id_number", "id_taken").into());
            }
            Err(e) => return Err(e.into()),
        }
        changes.add(
            &input.village,
            &count_keys(input.status.as_str(), input.birth, &cats, t),
            1,
        );
        changes.apply(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PersonUpdate, meta)
                .entity("person", id)
                .area(&input.village)
                .detail(serde_json::json!({
                    "version": version + 1,
                    "moved_from": (input.village != old_village).then(|| old_village.to_string()),
                })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Give a category to a person (or replace its details).
    pub async fn set_category(
        &self,
        actor: &Actor,
        person_id: i64,
        c: CategoryInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        Self::lock_person(&txn, person_id).await?;
        let p = self.editable_person(&txn, actor, person_id).await?;
        let village = village_of(&p);
        Self::check_sensitive(actor, &village, std::slice::from_ref(&c))?;
        let existing = Self::all_categories(&txn, person_id).await?;
        if existing.contains(&c.category) {
            person_categories::Entity::delete_many()
                .filter(person_categories::Column::PersonId.eq(person_id))
                .filter(person_categories::Column::Category.eq(c.category.as_str()))
                .exec(&txn)
                .await?;
        } else {
            let keys = count_keys(&p.status, None, &[c.category], today());
            // Only the category's own key changes (not total or elderly).
            let keys: Vec<&str> = keys
                .into_iter()
                .filter(|k| *k == c.category.as_str())
                .collect();
            counts::adjust(&txn, &village, &keys, 1).await?;
        }
        Self::insert_category(&txn, actor, person_id, &c).await?;
        // The audit entry names the category only when it is not sensitive (the log is read
        // by area admins who may lack the permission).
        let cat = if c.category.is_sensitive() {
            "sensitive"
        } else {
            c.category.as_str()
        };
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::CategorySet, meta)
                .entity("person", person_id)
                .area(&village)
                .detail(serde_json::json!({ "category": cat })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Take a category off a person.
    pub async fn remove_category(
        &self,
        actor: &Actor,
        person_id: i64,
        category: Category,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        Self::lock_person(&txn, person_id).await?;
        let p = self.editable_person(&txn, actor, person_id).await?;
        let village = village_of(&p);
        if category.is_sensitive() && !actor.can(Operation::ViewSensitive, &village) {
            return Err(StoreError::NotFound);
        }
        let r = person_categories::Entity::delete_many()
            .filter(person_categories::Column::PersonId.eq(person_id))
            .filter(person_categories::Column::Category.eq(category.as_str()))
            .exec(&txn)
            .await?;
        if r.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        if p.status == PersonStatus::Active.as_str() {
            counts::adjust(&txn, &village, &[category.as_str()], -1).await?;
        }
        let cat = if category.is_sensitive() {
            "sensitive"
        } else {
            category.as_str()
        };
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::CategoryRemove, meta)
                .entity("person", person_id)
                .area(&village)
                .detail(serde_json::json!({ "category": cat })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Change a household's poverty dimensions and location.
    pub async fn update_household(
        &self,
        actor: &Actor,
        household_id: i64,
        version: i32,
        dims: PovertyDimensions,
        location: Option<(f64, f64)>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        let h = households::Entity::find_by_id(household_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let village = AreaCode::parse(&h.village_code).expect("stored codes are valid");
        if !actor.can(Operation::ViewPersons, &village) {
            return Err(StoreError::NotFound);
        }
        if !actor.can(Operation::EditPersons, &village) {
            return Err(StoreError::Forbidden);
        }
        let r = households::Entity::update_many()
            .col_expr(households::Column::DimHealth, Expr::value(dims.health))
            .col_expr(households::Column::DimLiving, Expr::value(dims.living))
            .col_expr(
                households::Column::DimEducation,
                Expr::value(dims.education),
            )
            .col_expr(households::Column::DimIncome, Expr::value(dims.income))
            .col_expr(households::Column::DimAccess, Expr::value(dims.access))
            .col_expr(households::Column::Lat, Expr::value(location.map(|l| l.0)))
            .col_expr(households::Column::Lon, Expr::value(location.map(|l| l.1)))
            .col_expr(households::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(households::Column::Version, Expr::value(version + 1))
            .filter(households::Column::Id.eq(household_id))
            .filter(households::Column::Version.eq(version))
            .exec(&txn)
            .await?;
        if r.rows_affected != 1 {
            return Err(FieldError::new("version", "stale").into());
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::HouseholdUpdate, meta)
                .entity("household", household_id)
                .area(&village),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Number of persons stored (no scope: for health checks, demo and tests).
    pub async fn count_persons(&self) -> Result<u64> {
        Ok(persons::Entity::find().count(&self.db).await?)
    }
}
