//! Assistance: programmes (reached like partners: a provincial programme serves every district
//! below it) and what each person receives. A person's assistance is read by whoever may see
//! the person and recorded with `ManageAssistance` over their village; every read and change is
//! audited.

pub(crate) mod entity;

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::assistance::{Period, ProgrammeInput, ProgrammeKind, ReceiptInput};
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

use crate::areas::{reach_condition, reaches};
use crate::audit::{self, NewEntry};
use crate::registry::village_of;
use crate::{Result, Store, StoreError};
use entity::{assistance, programmes};

/// A programme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Programme {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ProgrammeKind,
    /// Area served.
    pub area: AreaCode,
    /// Provider.
    pub organisation_id: Option<i64>,
    /// Amount in satang.
    pub amount_satang: Option<i64>,
    /// Period of the amount.
    pub period: Option<Period>,
}

fn programme_of(m: programmes::Model) -> Programme {
    Programme {
        id: m.id,
        kind: ProgrammeKind::parse(&m.kind).unwrap_or(ProgrammeKind::Other),
        area: AreaCode::parse(&m.area_code).expect("stored codes are valid"),
        organisation_id: m.organisation_id,
        amount_satang: m.amount_satang,
        period: m.period.as_deref().and_then(Period::parse),
        name: m.name,
    }
}

/// What a person receives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receipt {
    /// Id.
    pub id: i64,
    /// The programme.
    pub programme: Programme,
    /// Since.
    pub since: Option<NaiveDate>,
    /// Until.
    pub until: Option<NaiveDate>,
    /// Source list.
    pub source: Option<String>,
    /// Active today (Thai calendar).
    pub active: bool,
}

impl Store {
    /// Add a programme serving an area the caller manages assistance in.
    pub async fn create_programme(
        &self,
        actor: &Actor,
        input: &ProgrammeInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        if !actor.can(Operation::ManageAssistance, &input.area) {
            return Err(FieldError::new("area_code", "area_not_found").into());
        }
        let txn = self.db.begin().await?;
        if crate::areas::entity::Entity::find_by_id(input.area.as_str())
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(FieldError::new("area_code", "area_not_found").into());
        }
        if let Some(o) = input.organisation_id {
            let reachable = crate::network::entity::organisations::Entity::find_by_id(o)
                .one(&txn)
                .await?
                .and_then(|m| AreaCode::parse(&m.area_code).ok())
                .is_some_and(|a| reaches(&actor.scope(Operation::ViewNetwork), &a));
            if !reachable {
                return Err(FieldError::new("organisation_id", "invalid_choice").into());
            }
        }
        let m = programmes::ActiveModel {
            name: Set(input.name.clone()),
            kind: Set(input.kind.as_str().into()),
            area_code: Set(input.area.to_string()),
            organisation_id: Set(input.organisation_id),
            amount_satang: Set(input.amount_satang),
            period: Set(input.period.map(|p| p.as_str().into())),
            created_at: Set(Utc::now()),
            created_by: Set(Some(actor.user_id)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::ProgrammeCreate, meta)
                .entity("programme", m.id)
                .area(&input.area),
        )
        .await?;
        txn.commit().await?;
        Ok(m.id)
    }

    /// Programmes reaching the caller's areas (in them, or serving an area above them).
    pub async fn programmes(&self, actor: &Actor) -> Result<Vec<Programme>> {
        let mut s = programmes::Entity::find();
        if let Some(c) = reach_condition(
            programmes::Column::AreaCode,
            &actor.scope(Operation::ViewPersons),
        ) {
            s = s.filter(c);
        }
        Ok(s.order_by_asc(programmes::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(programme_of)
            .collect())
    }

    /// Record that a person receives a programme's help. The programme must serve the person's
    /// village (or an area above it).
    pub async fn add_assistance(
        &self,
        actor: &Actor,
        person_id: i64,
        input: &ReceiptInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let txn = self.db.begin().await?;
        let p = self.visible_person(&txn, actor, person_id).await?;
        let village = village_of(&p);
        if !actor.can(Operation::ManageAssistance, &village) {
            return Err(StoreError::Forbidden);
        }
        let serves = programmes::Entity::find_by_id(input.programme_id)
            .one(&txn)
            .await?
            .is_some_and(|g| village.as_str().starts_with(g.area_code.as_str()));
        if !serves {
            return Err(FieldError::new("programme_id", "invalid_choice").into());
        }
        let m = assistance::ActiveModel {
            person_id: Set(person_id),
            programme_id: Set(input.programme_id),
            since: Set(input.since),
            until: Set(input.until),
            source: Set(input.source.clone()),
            created_at: Set(Utc::now()),
            created_by: Set(Some(actor.user_id)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::AssistanceAdd, meta)
                .entity("person", person_id)
                .area(&village)
                .detail(serde_json::json!({ "assistance": m.id, "programme": input.programme_id })),
        )
        .await?;
        txn.commit().await?;
        Ok(m.id)
    }

    /// End a person's assistance on a day (not before it began).
    pub async fn end_assistance(
        &self,
        actor: &Actor,
        id: i64,
        until: NaiveDate,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        let a = assistance::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let p = self.visible_person(&txn, actor, a.person_id).await?;
        let village = village_of(&p);
        if !actor.can(Operation::ManageAssistance, &village) {
            return Err(StoreError::Forbidden);
        }
        if a.since.is_some_and(|s| until < s) {
            return Err(FieldError::new("until", "until_before_since").into());
        }
        let person_id = a.person_id;
        let mut am: assistance::ActiveModel = a.into();
        am.until = Set(Some(until));
        am.update(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::AssistanceEnd, meta)
                .entity("person", person_id)
                .area(&village)
                .detail(serde_json::json!({ "assistance": id })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// What a person receives and received, active first. Audited.
    pub async fn assistance_of(
        &self,
        actor: &Actor,
        person_id: i64,
        meta: &RequestMeta,
    ) -> Result<Vec<Receipt>> {
        let p = self.visible_person(&self.db, actor, person_id).await?;
        let out = Self::receipts(&self.db, &[person_id])
            .await?
            .remove(&person_id)
            .unwrap_or_default();
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::AssistanceView, meta)
                .entity("person", person_id)
                .area(&village_of(&p)),
        )
        .await?;
        Ok(out)
    }

    /// Receipts of several persons (no scope check: callers check it).
    pub(crate) async fn receipts(
        conn: &impl ConnectionTrait,
        persons: &[i64],
    ) -> Result<HashMap<i64, Vec<Receipt>>> {
        let rows = assistance::Entity::find()
            .filter(assistance::Column::PersonId.is_in(persons.to_vec()))
            .order_by_asc(assistance::Column::Id)
            .all(conn)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.programme_id).collect();
        let progs: HashMap<i64, Programme> = programmes::Entity::find()
            .filter(programmes::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.id, programme_of(m)))
            .collect();
        let today = crate::registry::today();
        let mut out: HashMap<i64, Vec<Receipt>> = HashMap::new();
        for r in rows {
            let Some(programme) = progs.get(&r.programme_id).cloned() else {
                continue;
            };
            let active = r.since.is_none_or(|s| s <= today) && r.until.is_none_or(|u| u >= today);
            out.entry(r.person_id).or_default().push(Receipt {
                id: r.id,
                programme,
                since: r.since,
                until: r.until,
                source: r.source,
                active,
            });
        }
        for list in out.values_mut() {
            list.sort_by_key(|r| (!r.active, r.id));
        }
        Ok(out)
    }
}
