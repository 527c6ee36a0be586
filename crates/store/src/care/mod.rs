//! Care in the field: home visits (synced from phones, applied exactly once), their photos, the
//! operator's day, care plans and issue groups — every read and change scoped and audited.
//!
//! **Sync.** A phone makes an id for every visit (`client_id`) and for every change it sends
//! (`op_id`; for a new visit usually the same). The server keeps a receipt per `op_id`, written
//! in the same transaction as the change, so a retried change (a lost answer, a second tap, two
//! tabs) answers what the first attempt did and never applies twice — also when the retries race:
//! the loser of the race hits the unique key, rolls back and reads the winner's receipt. An edit
//! carries the version it was made against; when the visit has moved on meanwhile the edit is
//! kept as a *conflict* for a coordinator to review, never written over the newer version.
//!
//! **Who.** A person's visits and photos are read by whoever may see the person (their village
//! scope, a care assignment, or an issue group they belong to). Recording a visit needs
//! `RecordVisits` over the person's village, or an assignment of that person.

pub(crate) mod entity;
pub mod groups;
pub mod photo;
pub mod plans;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::care::adl::{Assessment, Group, ITEMS};
use ruamjai_domain::care::{Need, VisitForm, VisitInput, Vitals};
use ruamjai_domain::registry::Category;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

use crate::audit::{self, NewEntry};
use crate::registry::entity::persons;
use crate::registry::village_of;
use crate::{Result, Store, StoreError};
use entity::{care_assignments, sync_receipts, visit_conflicts, visit_photos, visits};

/// True when the person is shared with the caller outside their area scope: assigned to them
/// for care, or a target person of an issue group they belong to.
pub(crate) async fn shared_with(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    person_id: i64,
) -> Result<bool> {
    if care_assignments::Entity::find_by_id((actor.user_id, person_id))
        .one(conn)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    groups::member_sees(conn, actor.user_id, person_id).await
}

async fn assigned(conn: &impl ConnectionTrait, actor: &Actor, person_id: i64) -> Result<bool> {
    Ok(
        care_assignments::Entity::find_by_id((actor.user_id, person_id))
            .one(conn)
            .await?
            .is_some(),
    )
}

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    /// Server id.
    pub id: i64,
    /// The device's id of the visit.
    pub client_id: String,
    /// Who was visited.
    pub person_id: i64,
    /// Their village at the time.
    pub village_code: AreaCode,
    /// Who visited (user id).
    pub visitor_id: Option<i64>,
    /// Visitor's name as shown.
    pub visitor_name: Option<String>,
    /// When.
    pub visited_at: DateTime<Utc>,
    /// Where it was recorded.
    pub location: Option<(f64, f64)>,
    /// Readings.
    pub vitals: Vitals,
    /// BMI from weight and height.
    pub bmi: Option<f64>,
    /// ADL assessment.
    pub adl: Option<Assessment>,
    /// Needs checklist.
    pub needs: Vec<Need>,
    /// Needs in words.
    pub needs_note: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Photo ids.
    pub photos: Vec<i64>,
    /// Version (edits must name it).
    pub version: i32,
}

impl Visit {
    /// The ADL group, when assessed.
    pub fn adl_group(&self) -> Option<Group> {
        self.adl.map(|a| a.group())
    }

    /// The visit as its form (for editing).
    pub fn form(&self) -> VisitForm {
        let t = |v: Option<String>| v.unwrap_or_default();
        let n = |v: Option<u16>| v.map(|x| x.to_string()).unwrap_or_default();
        let f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        VisitForm {
            visited_at: self.visited_at.to_rfc3339(),
            lat: f(self.location.map(|l| l.0)),
            lon: f(self.location.map(|l| l.1)),
            vitals: ruamjai_domain::care::VitalsForm {
                systolic: n(self.vitals.systolic),
                diastolic: n(self.vitals.diastolic),
                pulse: n(self.vitals.pulse),
                temperature: f(self.vitals.temperature),
                spo2: n(self.vitals.spo2.map(u16::from)),
                glucose: n(self.vitals.glucose),
                weight: f(self.vitals.weight),
                height: f(self.vitals.height),
            },
            adl: self.adl.as_ref().map(VisitInput::adl_fields),
            needs: self.needs.iter().map(|n| n.as_str().to_owned()).collect(),
            needs_note: t(self.needs_note.clone()),
            notes: t(self.notes.clone()),
        }
    }
}

fn visit_of(m: visits::Model, photos: Vec<i64>, visitor_name: Option<String>) -> Visit {
    let small = |v: Option<i16>| v.and_then(|x| u16::try_from(x).ok());
    let vitals = Vitals {
        systolic: small(m.systolic),
        diastolic: small(m.diastolic),
        pulse: small(m.pulse),
        temperature: m.temperature,
        spo2: m.spo2.and_then(|x| u8::try_from(x).ok()),
        glucose: small(m.glucose),
        weight: m.weight,
        height: m.height,
    };
    let adl = m.adl_scores.as_deref().and_then(|s| {
        let scores: Vec<u8> = s.split(',').filter_map(|x| x.parse().ok()).collect();
        <[u8; 10]>::try_from(scores)
            .ok()
            .map(|scores| Assessment { scores })
    });
    Visit {
        id: m.id,
        client_id: m.client_id,
        person_id: m.person_id,
        village_code: AreaCode::parse(&m.village_code).expect("stored codes are valid"),
        visitor_id: m.visitor_id,
        visitor_name,
        visited_at: m.visited_at,
        location: m.lat.zip(m.lon),
        bmi: vitals.bmi(),
        vitals,
        adl,
        needs: m.needs.split(',').filter_map(Need::parse).collect(),
        needs_note: m.needs_note,
        notes: m.notes,
        photos,
        version: m.version,
    }
}

/// Write a checked visit's fields into a row.
fn fill(am: &mut visits::ActiveModel, v: &VisitInput) {
    let small = |x: Option<u16>| Set(x.map(|x| x as i16));
    am.visited_at = Set(v.visited_at);
    am.lat = Set(v.location.map(|l| l.0));
    am.lon = Set(v.location.map(|l| l.1));
    am.systolic = small(v.vitals.systolic);
    am.diastolic = small(v.vitals.diastolic);
    am.pulse = small(v.vitals.pulse);
    am.temperature = Set(v.vitals.temperature);
    am.spo2 = Set(v.vitals.spo2.map(i16::from));
    am.glucose = small(v.vitals.glucose);
    am.weight = Set(v.vitals.weight);
    am.height = Set(v.vitals.height);
    am.flags = Set(v
        .vitals
        .flags()
        .iter()
        .map(|f| f.key())
        .collect::<Vec<_>>()
        .join(","));
    am.adl_scores = Set(v.adl.map(|a| {
        a.scores
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }));
    am.adl_total = Set(v.adl.map(|a| i16::from(a.total())));
    am.adl_group = Set(v.adl.map(|a| a.group().as_str().to_owned()));
    am.needs = Set(v
        .needs
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(","));
    am.needs_note = Set(v.needs_note.clone());
    am.notes = Set(v.notes.clone());
}

/// A device-made id (op, client and photo ids); the rule lives in the domain, where the fuzz
/// target reaches it too.
pub use ruamjai_domain::care::check_client_id;

/// One visit (new, or an edit of one already synced) as a device sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitSubmission {
    /// The device's id of this change (retries repeat it).
    pub op_id: String,
    /// The device's id of the visit.
    pub client_id: String,
    /// Who was visited.
    pub person_id: i64,
    /// For an edit: the version the edit was made against. `None` for a new visit.
    pub base_version: Option<i32>,
    /// The visit.
    pub form: VisitForm,
}

/// What a synced change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    /// Written now.
    Applied,
    /// Written before (this was a retry); nothing changed now.
    Duplicate,
    /// The visit had changed since the device read it: kept for review, not written.
    Conflict,
}

/// The answer to one synced change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SyncResult {
    /// What happened.
    pub status: SyncStatus,
    /// The visit's server id.
    pub visit_id: i64,
    /// The visit's version this change left (for a conflict: the version that stands). A
    /// retry answers the same number, never a later one.
    pub version: i32,
    /// The conflict kept for review, if any.
    pub conflict_id: Option<i64>,
}

/// An edit kept for review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// Id.
    pub id: i64,
    /// The visit.
    pub visit: Visit,
    /// The edit as sent.
    pub proposed: VisitForm,
    /// The version the edit was made against.
    pub base_version: i32,
    /// Who sent it.
    pub submitted_by: Option<i64>,
    /// Their name.
    pub submitted_by_name: Option<String>,
    /// When it arrived.
    pub submitted_at: DateTime<Utc>,
}

/// A person in a field worker's day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueVisit {
    /// Person id.
    pub person_id: i64,
    /// Name as shown.
    pub name: String,
    /// Village.
    pub village_code: AreaCode,
    /// House number.
    pub house_number: Option<String>,
    /// Home location.
    pub location: Option<(f64, f64)>,
    /// Age today.
    pub age: Option<i32>,
    /// The person's ADL group, if assessed.
    pub adl_group: Option<String>,
    /// Assigned to the caller by name (rather than through their village).
    pub assigned: bool,
    /// Last visit.
    pub last_visit: Option<DateTime<Utc>>,
    /// Every how many days the plan wants a visit.
    pub every_days: i32,
    /// Next visit due (Thai calendar day).
    pub due: chrono::NaiveDate,
    /// Days until due (negative: overdue).
    pub due_in_days: i64,
    /// Metres from where the caller stands, when both are known.
    pub distance_m: Option<f64>,
    /// Current person version (for the offline form).
    pub version: i32,
}

/// How often a person is visited when their plan does not say: bedridden weekly, home-bound
/// every two weeks, anyone else monthly.
pub fn default_interval(adl_group: Option<&str>) -> i32 {
    match adl_group {
        Some("bedridden") => 7,
        Some("homebound") => 14,
        _ => 30,
    }
}

enum Attempt {
    Done(SyncResult),
    /// The op id (or the visit's id) was taken by a racing attempt: read what it did.
    Raced,
}

impl Store {
    /// Apply one change from a device, exactly once (see the module's notes). Input slips are
    /// `Invalid` (nothing written, no receipt: the device may correct and resend).
    pub async fn sync_visit(
        &self,
        actor: &Actor,
        sub: &VisitSubmission,
        meta: &RequestMeta,
    ) -> Result<SyncResult> {
        check_client_id("op_id", &sub.op_id)?;
        check_client_id("client_id", &sub.client_id)?;
        if let Some(r) = self.receipt(actor, &sub.op_id).await? {
            return Ok(r);
        }
        let input = sub
            .form
            .check(Utc::now())
            .map_err(ruamjai_domain::Invalid)?;
        // A race lost to the same change (its receipt is there) answers what the winner did;
        // a race lost to another change (the same new visit under another op id, or another
        // edit of the visit) is tried again, and then sees the winner's row: a duplicate new
        // visit, or a conflicting edit.
        for _ in 0..3 {
            match self.try_sync(actor, sub, &input, meta).await? {
                Attempt::Done(r) => return Ok(r),
                Attempt::Raced => {
                    if let Some(r) = self.receipt(actor, &sub.op_id).await? {
                        return Ok(r);
                    }
                }
            }
        }
        Err(StoreError::Db(sea_orm::DbErr::Custom(
            "a visit kept changing while it was synced".into(),
        )))
    }

    /// What an earlier attempt of `op_id` did, as a duplicate.
    async fn receipt(&self, actor: &Actor, op_id: &str) -> Result<Option<SyncResult>> {
        let Some(r) = sync_receipts::Entity::find_by_id(op_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        if r.user_id != Some(actor.user_id) {
            // Someone else's change: ids are not guessable, but say nothing about it.
            return Err(StoreError::NotFound);
        }
        Ok(Some(SyncResult {
            status: if r.outcome == "conflict" {
                SyncStatus::Conflict
            } else {
                SyncStatus::Duplicate
            },
            visit_id: r.visit_id,
            version: r.version,
            conflict_id: r.conflict_id,
        }))
    }

    /// The person row when the caller may record a visit to them.
    async fn visitable_person(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        person_id: i64,
    ) -> Result<persons::Model> {
        let p = self.visible_person(conn, actor, person_id).await?;
        if actor.can(Operation::RecordVisits, &village_of(&p))
            || (actor.can_somewhere(Operation::RecordVisits)
                && assigned(conn, actor, person_id).await?)
        {
            Ok(p)
        } else {
            Err(StoreError::Forbidden)
        }
    }

    async fn try_sync(
        &self,
        actor: &Actor,
        sub: &VisitSubmission,
        input: &VisitInput,
        meta: &RequestMeta,
    ) -> Result<Attempt> {
        let txn = self.db.begin().await?;
        if input.adl.is_some() {
            // An assessment may change the person's categories: one such sync per person at a
            // time (see `lock_person`), and the person read below is the current row.
            Self::lock_person(&txn, sub.person_id).await?;
        }
        let person = self.visitable_person(&txn, actor, sub.person_id).await?;
        let village = village_of(&person);
        let now = Utc::now();
        let existing = visits::Entity::find()
            .filter(visits::Column::ClientId.eq(sub.client_id.as_str()))
            .one(&txn)
            .await?;
        let (visit_id, version, conflict_id) = match (existing, sub.base_version) {
            (Some(v), _) if v.person_id != sub.person_id => {
                return Err(FieldError::new("client_id", "client_id_invalid").into());
            }
            // A new visit sent again under another op id: nothing to do (the new visit left
            // version 1).
            (Some(v), None) => {
                txn.rollback().await?;
                return Ok(Attempt::Done(SyncResult {
                    status: SyncStatus::Duplicate,
                    visit_id: v.id,
                    version: 1,
                    conflict_id: None,
                }));
            }
            (None, Some(_)) => return Err(StoreError::NotFound),
            (None, None) => {
                let mut am = visits::ActiveModel {
                    client_id: Set(sub.client_id.clone()),
                    person_id: Set(person.id),
                    village_code: Set(village.to_string()),
                    visitor_id: Set(Some(actor.user_id)),
                    created_at: Set(now),
                    updated_at: Set(now),
                    updated_by: Set(Some(actor.user_id)),
                    version: Set(1),
                    ..Default::default()
                };
                fill(&mut am, input);
                match am.insert(&txn).await {
                    Ok(m) => (m.id, 1, None),
                    Err(e) if StoreError::is_unique_violation(&e) => {
                        txn.rollback().await?;
                        return Ok(Attempt::Raced);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            (Some(v), Some(base)) if v.version == base => {
                let mut am: visits::ActiveModel = v.clone().into();
                fill(&mut am, input);
                am.updated_at = Set(now);
                am.updated_by = Set(Some(actor.user_id));
                am.version = Set(base + 1);
                let r = visits::Entity::update_many()
                    .set(am)
                    .filter(visits::Column::Id.eq(v.id))
                    .filter(visits::Column::Version.eq(base))
                    .exec(&txn)
                    .await?;
                if r.rows_affected != 1 {
                    txn.rollback().await?;
                    return Ok(Attempt::Raced);
                }
                (v.id, base + 1, None)
            }
            (Some(v), Some(base)) => {
                let c = visit_conflicts::ActiveModel {
                    visit_id: Set(v.id),
                    base_version: Set(base),
                    current_version: Set(v.version),
                    payload: Set(serde_json::to_string(&sub.form).expect("a form serialises")),
                    submitted_by: Set(Some(actor.user_id)),
                    submitted_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                (v.id, v.version, Some(c.id))
            }
        };
        let status = if conflict_id.is_some() {
            SyncStatus::Conflict
        } else {
            SyncStatus::Applied
        };
        let receipt = sync_receipts::ActiveModel {
            op_id: Set(sub.op_id.clone()),
            user_id: Set(Some(actor.user_id)),
            visit_id: Set(visit_id),
            outcome: Set(if conflict_id.is_some() {
                "conflict"
            } else {
                "applied"
            }
            .into()),
            conflict_id: Set(conflict_id),
            version: Set(version),
            at: Set(now),
        };
        match sync_receipts::Entity::insert(receipt)
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => {
                txn.rollback().await?;
                return Ok(Attempt::Raced);
            }
            Err(e) => return Err(e.into()),
        }
        let adl_changed = match (status, input.adl) {
            (SyncStatus::Applied, Some(a)) => {
                self.latest_adl(&txn, person.id, visit_id, input.visited_at)
                    .await?
                    && Self::set_adl_category(&txn, actor, &person, a.group().category()).await?
            }
            _ => false,
        };
        let action = match (status, sub.base_version) {
            (SyncStatus::Conflict, _) => AuditAction::VisitConflict,
            (_, None) => AuditAction::VisitRecord,
            (_, Some(_)) => AuditAction::VisitUpdate,
        };
        audit::append(
            &txn,
            NewEntry::by(actor, action, meta)
                .entity("visit", visit_id)
                .area(&village)
                .detail(serde_json::json!({
                    "person": person.id,
                    "version": version,
                    "conflict": conflict_id,
                    "adl_category": adl_changed.then(|| input.adl.map(|a| a.group().as_str())),
                })),
        )
        .await?;
        txn.commit().await?;
        Ok(Attempt::Done(SyncResult {
            status,
            visit_id,
            version,
            conflict_id,
        }))
    }

    /// True when no other visit of the person assessed ADL later than `at` (an old visit
    /// synced late must not undo a newer assessment).
    async fn latest_adl(
        &self,
        conn: &impl ConnectionTrait,
        person_id: i64,
        visit_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(visits::Entity::find()
            .filter(visits::Column::PersonId.eq(person_id))
            .filter(visits::Column::Id.ne(visit_id))
            .filter(visits::Column::AdlTotal.is_not_null())
            .filter(visits::Column::VisitedAt.gt(at))
            .one(conn)
            .await?
            .is_none())
    }

    /// A person's visits, newest first, with their photo ids. Audited.
    pub async fn visits_of(
        &self,
        actor: &Actor,
        person_id: i64,
        meta: &RequestMeta,
    ) -> Result<Vec<Visit>> {
        let p = self.visible_person(&self.db, actor, person_id).await?;
        let rows = visits::Entity::find()
            .filter(visits::Column::PersonId.eq(person_id))
            .order_by_desc(visits::Column::VisitedAt)
            .order_by_desc(visits::Column::Id)
            .all(&self.db)
            .await?;
        let out = self.complete(rows).await?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::VisitView, meta)
                .entity("person", person_id)
                .area(&village_of(&p))
                .detail(serde_json::json!({ "visits": out.len() })),
        )
        .await?;
        Ok(out)
    }

    /// One visit (for its page or its edit form). Audited.
    pub async fn visit(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<Visit> {
        let m = visits::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let p = self.visible_person(&self.db, actor, m.person_id).await?;
        let v = self
            .complete(vec![m])
            .await?
            .pop()
            .expect("one row in, one out");
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::VisitView, meta)
                .entity("visit", id)
                .area(&village_of(&p)),
        )
        .await?;
        Ok(v)
    }

    /// Rows with their photos and visitors' names.
    async fn complete(&self, rows: Vec<visits::Model>) -> Result<Vec<Visit>> {
        let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
        let mut photos: HashMap<i64, Vec<i64>> = HashMap::new();
        if !ids.is_empty() {
            for p in visit_photos::Entity::find()
                .filter(visit_photos::Column::VisitId.is_in(ids))
                .order_by_asc(visit_photos::Column::Id)
                .all(&self.db)
                .await?
            {
                photos.entry(p.visit_id).or_default().push(p.id);
            }
        }
        let users: Vec<i64> = rows.iter().filter_map(|v| v.visitor_id).collect();
        let names = self.user_names(&users).await?;
        Ok(rows
            .into_iter()
            .map(|m| {
                let name = m.visitor_id.and_then(|u| names.get(&u).cloned());
                let ph = photos.remove(&m.id).unwrap_or_default();
                visit_of(m, ph, name)
            })
            .collect())
    }

    async fn user_names(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        use crate::auth::entity::user as users;
        Ok(users::Entity::find()
            .filter(users::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    /// Store a photo of a visit: checked, resized, stripped of every EXIF tag (GPS too), kept in
    /// the file store. The same `photo_id` twice stores one photo. Nothing is stored when the
    /// upload is refused.
    pub async fn add_photo(
        &self,
        actor: &Actor,
        visit_client_id: &str,
        photo_id: &str,
        bytes: Vec<u8>,
        meta: &RequestMeta,
    ) -> Result<(i64, SyncStatus)> {
        check_client_id("photo_id", photo_id)?;
        let visit = visits::Entity::find()
            .filter(visits::Column::ClientId.eq(visit_client_id))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let person = self
            .visitable_person(&self.db, actor, visit.person_id)
            .await?;
        if let Some(p) = self.photo_by_client_id(photo_id).await? {
            return if p.visit_id == visit.id {
                Ok((p.id, SyncStatus::Duplicate))
            } else {
                Err(FieldError::new("photo_id", "client_id_invalid").into())
            };
        }
        let prepared = tokio::task::spawn_blocking(move || photo::prepare(&bytes))
            .await
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))??;
        let now = Utc::now();
        let key = format!(
            "photos/{}/{}.jpg",
            now.format("%Y/%m"),
            hex::encode(rand::random::<[u8; 16]>())
        );
        self.put_file(&key, prepared.jpeg.clone()).await?;
        let row = visit_photos::ActiveModel {
            client_id: Set(photo_id.to_owned()),
            visit_id: Set(visit.id),
            storage_key: Set(key.clone()),
            width: Set(prepared.width as i32),
            height: Set(prepared.height as i32),
            size: Set(prepared.jpeg.len() as i32),
            created_at: Set(now),
            created_by: Set(Some(actor.user_id)),
            ..Default::default()
        };
        let txn = self.db.begin().await?;
        let inserted = match row.insert(&txn).await {
            Ok(m) => m,
            Err(e) => {
                txn.rollback().await?;
                self.delete_file(&key).await;
                if StoreError::is_unique_violation(&e)
                    && let Some(p) = self.photo_by_client_id(photo_id).await?
                {
                    return Ok((p.id, SyncStatus::Duplicate));
                }
                return Err(e.into());
            }
        };
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PhotoUpload, meta)
                .entity("photo", inserted.id)
                .area(&village_of(&person))
                .detail(serde_json::json!({ "visit": visit.id, "bytes": prepared.jpeg.len() })),
        )
        .await?;
        if let Err(e) = txn.commit().await {
            self.delete_file(&key).await;
            return Err(e.into());
        }
        Ok((inserted.id, SyncStatus::Applied))
    }

    async fn photo_by_client_id(&self, photo_id: &str) -> Result<Option<visit_photos::Model>> {
        Ok(visit_photos::Entity::find()
            .filter(visit_photos::Column::ClientId.eq(photo_id))
            .one(&self.db)
            .await?)
    }

    /// A photo's JPEG bytes, for whoever may see the person. Audited.
    pub async fn photo(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<Vec<u8>> {
        let p = visit_photos::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let v = visits::Entity::find_by_id(p.visit_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let person = self.visible_person(&self.db, actor, v.person_id).await?;
        let bytes = self.get_file(&p.storage_key).await?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::PhotoView, meta)
                .entity("photo", id)
                .area(&village_of(&person)),
        )
        .await?;
        Ok(bytes)
    }

    async fn put_file(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        let files = self.files.clone();
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || files.put(&key, &bytes))
            .await
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("file store: {e}"))))
    }

    async fn get_file(&self, key: &str) -> Result<Vec<u8>> {
        let files = self.files.clone();
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || files.get(&key))
            .await
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("file store: {e}"))))?
            .ok_or(StoreError::NotFound)
    }

    async fn delete_file(&self, key: &str) {
        let files = self.files.clone();
        let key = key.to_owned();
        let r = tokio::task::spawn_blocking(move || files.delete(&key)).await;
        if !matches!(r, Ok(Ok(()))) {
            tracing::warn!("a refused photo's file could not be removed; it is unreferenced");
        }
    }

    /// Offline edits waiting for review in the caller's care scope, oldest first.
    pub async fn conflicts(&self, actor: &Actor) -> Result<Vec<Conflict>> {
        if !actor.can_somewhere(Operation::ManageCare) {
            return Err(StoreError::Forbidden);
        }
        let rows = visit_conflicts::Entity::find()
            .filter(visit_conflicts::Column::ResolvedAt.is_null())
            .order_by_asc(visit_conflicts::Column::Id)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|c| c.visit_id).collect();
        let mut scope = visits::Entity::find().filter(visits::Column::Id.is_in(ids));
        if let Some(c) = crate::areas::scope_condition(
            visits::Column::VillageCode,
            &actor.scope(Operation::ManageCare),
        ) {
            scope = scope.filter(c);
        }
        let senders: Vec<i64> = rows.iter().filter_map(|c| c.submitted_by).collect();
        let names = self.user_names(&senders).await?;
        let vs: HashMap<i64, Visit> = self
            .complete(scope.all(&self.db).await?)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|c| {
                Some(Conflict {
                    id: c.id,
                    visit: vs.get(&c.visit_id)?.clone(),
                    proposed: serde_json::from_str(&c.payload).ok()?,
                    base_version: c.base_version,
                    submitted_by: c.submitted_by,
                    submitted_by_name: c.submitted_by.and_then(|u| names.get(&u).cloned()),
                    submitted_at: c.submitted_at,
                })
            })
            .collect())
    }

    /// Review a conflict: `apply` writes the proposed edit over the current version (which then
    /// moves on by one); otherwise the edit is discarded. Either way it leaves the queue.
    pub async fn resolve_conflict(
        &self,
        actor: &Actor,
        id: i64,
        apply: bool,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        let c = visit_conflicts::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .filter(|c| c.resolved_at.is_none())
            .ok_or(StoreError::NotFound)?;
        let v = visits::Entity::find_by_id(c.visit_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let village = AreaCode::parse(&v.village_code).expect("stored codes are valid");
        if !actor.can(Operation::ManageCare, &village) {
            return Err(StoreError::NotFound);
        }
        let now = Utc::now();
        if apply {
            let form: VisitForm = serde_json::from_str(&c.payload)
                .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
            let input = form.check(now).map_err(ruamjai_domain::Invalid)?;
            let version = v.version;
            let mut am: visits::ActiveModel = v.into();
            fill(&mut am, &input);
            am.updated_at = Set(now);
            am.updated_by = Set(Some(actor.user_id));
            am.version = Set(version + 1);
            let r = visits::Entity::update_many()
                .set(am)
                .filter(visits::Column::Id.eq(c.visit_id))
                .filter(visits::Column::Version.eq(version))
                .exec(&txn)
                .await?;
            if r.rows_affected != 1 {
                return Err(FieldError::new("version", "stale").into());
            }
        }
        visit_conflicts::Entity::update_many()
            .col_expr(visit_conflicts::Column::ResolvedAt, Expr::value(now))
            .col_expr(
                visit_conflicts::Column::ResolvedBy,
                Expr::value(actor.user_id),
            )
            .col_expr(
                visit_conflicts::Column::Resolution,
                Expr::value(if apply { "applied" } else { "discarded" }),
            )
            .filter(visit_conflicts::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::VisitConflictResolve, meta)
                .entity("visit", c.visit_id)
                .area(&village)
                .detail(serde_json::json!({ "conflict": id, "applied": apply })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Assign a person to a field worker (or take the assignment away). The worker then sees
    /// the person in "my visits" and may record visits, even outside their own village.
    pub async fn assign_person(
        &self,
        actor: &Actor,
        person_id: i64,
        user_id: i64,
        assign: bool,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        let p = self.visible_person(&txn, actor, person_id).await?;
        let village = village_of(&p);
        if !actor.can(Operation::ManageCare, &village) {
            return Err(StoreError::Forbidden);
        }
        use crate::auth::entity::user as users;
        if users::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(FieldError::new("user_id", "user_not_found").into());
        }
        let existing = care_assignments::Entity::find_by_id((user_id, person_id))
            .one(&txn)
            .await?;
        match (existing, assign) {
            (None, true) => {
                care_assignments::ActiveModel {
                    user_id: Set(user_id),
                    person_id: Set(person_id),
                    assigned_by: Set(Some(actor.user_id)),
                    assigned_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await?;
            }
            (Some(_), false) => {
                care_assignments::Entity::delete_by_id((user_id, person_id))
                    .exec(&txn)
                    .await?;
            }
            _ => return Ok(()),
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::CareAssign, meta)
                .entity("person", person_id)
                .area(&village)
                .detail(serde_json::json!({ "user": user_id, "assigned": assign })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Field workers assigned to a person (id, name).
    pub async fn assignees(&self, actor: &Actor, person_id: i64) -> Result<Vec<(i64, String)>> {
        self.visible_person(&self.db, actor, person_id).await?;
        let ids: Vec<i64> = care_assignments::Entity::find()
            .filter(care_assignments::Column::PersonId.eq(person_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.user_id)
            .collect();
        let names = self.user_names(&ids).await?;
        let mut out: Vec<(i64, String)> = names.into_iter().collect();
        out.sort();
        Ok(out)
    }

    /// The caller's day: persons assigned to them, and in villages where they hold a
    /// village-level role that records visits, the persons who need visiting (a care plan, or
    /// bedridden or home-bound); each with the next visit due by their plan. Overdue first, or
    /// nearest first when `from` is given. Audited (the number listed).
    pub async fn my_visits(
        &self,
        actor: &Actor,
        from: Option<(f64, f64)>,
        meta: &RequestMeta,
    ) -> Result<Vec<DueVisit>> {
        if !actor.can_somewhere(Operation::RecordVisits) {
            return Err(StoreError::Forbidden);
        }
        let assigned_ids: Vec<i64> = care_assignments::Entity::find()
            .filter(care_assignments::Column::UserId.eq(actor.user_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.person_id)
            .collect();
        let villages: Vec<String> = actor
            .grants
            .iter()
            .filter(|g| g.role.allows(Operation::RecordVisits))
            .filter_map(|g| g.area.as_ref())
            .filter(|a| a.level() == ruamjai_domain::areas::AreaLevel::Village)
            .map(|a| a.to_string())
            .collect();
        let village_ids: Vec<i64> = if villages.is_empty() {
            Vec::new()
        } else {
            use crate::registry::entity::person_categories;
            let cared = sea_orm::Condition::any()
                .add(
                    persons::Column::Id.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(person_categories::Column::PersonId)
                            .from(person_categories::Entity)
                            .and_where(person_categories::Column::Category.is_in([
                                Category::Bedridden.as_str(),
                                Category::Homebound.as_str(),
                            ]))
                            .to_owned(),
                    ),
                )
                .add(
                    persons::Column::Id.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(entity::care_plans::Column::PersonId)
                            .from(entity::care_plans::Entity)
                            .and_where(entity::care_plans::Column::Status.eq("active"))
                            .to_owned(),
                    ),
                );
            persons::Entity::find()
                .filter(persons::Column::VillageCode.is_in(villages))
                .filter(persons::Column::Status.eq("active"))
                .filter(cared)
                .all(&self.db)
                .await?
                .into_iter()
                .map(|p| p.id)
                .collect()
        };
        let mut ids = assigned_ids.clone();
        ids.extend(village_ids);
        ids.sort_unstable();
        ids.dedup();
        let out = self.due_list(&ids, &assigned_ids, from).await?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::MyVisits, meta).detail(serde_json::json!({
                "persons": out.len(),
                "ids": out.iter().map(|d| d.person_id).collect::<Vec<_>>(),
            })),
        )
        .await?;
        Ok(out)
    }

    async fn due_list(
        &self,
        ids: &[i64],
        assigned_ids: &[i64],
        from: Option<(f64, f64)>,
    ) -> Result<Vec<DueVisit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        use crate::registry::entity::{households, person_categories};
        let mut out = Vec::new();
        let today = crate::registry::today();
        for chunk in ids.chunks(500) {
            let people = persons::Entity::find()
                .filter(persons::Column::Id.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?;
            let cats: HashMap<i64, String> = person_categories::Entity::find()
                .filter(person_categories::Column::PersonId.is_in(chunk.to_vec()))
                .filter(person_categories::Column::Category.is_in([
                    Category::Bedridden.as_str(),
                    Category::Homebound.as_str(),
                    Category::SociallyActive.as_str(),
                ]))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|c| (c.person_id, c.category))
                .collect();
            let plans: HashMap<i64, i32> = entity::care_plans::Entity::find()
                .filter(entity::care_plans::Column::PersonId.is_in(chunk.to_vec()))
                .filter(entity::care_plans::Column::Status.eq("active"))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|p| (p.person_id, i32::from(p.visit_every_days)))
                .collect();
            let last: HashMap<i64, DateTime<Utc>> = {
                let mut m = HashMap::new();
                for v in visits::Entity::find()
                    .filter(visits::Column::PersonId.is_in(chunk.to_vec()))
                    .all(&self.db)
                    .await?
                {
                    let e = m.entry(v.person_id).or_insert(v.visited_at);
                    if v.visited_at > *e {
                        *e = v.visited_at;
                    }
                }
                m
            };
            let hh: Vec<i64> = people.iter().filter_map(|p| p.household_id).collect();
            let houses: HashMap<i64, String> = households::Entity::find()
                .filter(households::Column::Id.is_in(hh))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|h| (h.id, h.house_number))
                .collect();
            for p in people {
                let adl = cats.get(&p.id).cloned();
                let every = plans
                    .get(&p.id)
                    .copied()
                    .unwrap_or_else(|| default_interval(adl.as_deref()));
                let last_visit = last.get(&p.id).copied();
                let due = match last_visit {
                    Some(t) => {
                        t.with_timezone(&ruamjai_domain::thaidate::bangkok())
                            .date_naive()
                            + chrono::Duration::days(i64::from(every))
                    }
                    None => today,
                };
                let location = p.lat.zip(p.lon);
                let birth = crate::registry::birth_of(&p);
                out.push(DueVisit {
                    person_id: p.id,
                    name: crate::registry::display_name(
                        p.prefix.as_deref(),
                        &p.first_name,
                        &p.last_name,
                    ),
                    village_code: village_of(&p),
                    house_number: p.household_id.and_then(|h| houses.get(&h).cloned()),
                    location,
                    age: birth.map(|b| b.age_on(today)),
                    adl_group: adl,
                    assigned: assigned_ids.contains(&p.id),
                    last_visit,
                    every_days: every,
                    due,
                    due_in_days: (due - today).num_days(),
                    distance_m: from
                        .zip(location)
                        .map(|(a, b)| ruamjai_domain::network::matching::distance_m(a, b)),
                    version: p.version,
                });
            }
        }
        match from {
            Some(_) => out.sort_by(|a, b| {
                a.distance_m
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.distance_m.unwrap_or(f64::INFINITY))
                    .then(a.due.cmp(&b.due))
            }),
            None => out.sort_by(|a, b| a.due.cmp(&b.due).then(a.name.cmp(&b.name))),
        }
        Ok(out)
    }

    /// Item names of the ADL form, for pages and the API (in the form's order).
    pub fn adl_items() -> &'static [ruamjai_domain::care::adl::Item] {
        &ITEMS
    }
}
