//! Individual care plans: a header (how often to visit, when to review), problems, goals and
//! activities each with who is responsible, by when and how far along, and the history of every
//! change. Read by whoever may see the person; changed with `ManageCare` over their village.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::care::plan::{ItemInput, ItemKind, ItemStatus, PlanInput, PlanStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

use super::entity::{care_plan_history, care_plan_items, care_plans};
use crate::audit::{self, NewEntry};
use crate::network::entity::{organisations, volunteers};
use crate::registry::entity::persons;
use crate::registry::village_of;
use crate::{Result, Store, StoreError};

/// A plan's header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// Person.
    pub person_id: i64,
    /// Visit every how many days.
    pub visit_every_days: i32,
    /// Next review.
    pub review_on: Option<NaiveDate>,
    /// Summary.
    pub summary: Option<String>,
    /// Status.
    pub status: PlanStatus,
    /// Version (changes must name it).
    pub version: i32,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A line of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItem {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: ItemKind,
    /// What.
    pub text: String,
    /// Responsible organisation (id, name).
    pub organisation: Option<(i64, String)>,
    /// Responsible volunteer (id, name).
    pub volunteer: Option<(i64, String)>,
    /// Due.
    pub due_on: Option<NaiveDate>,
    /// Status.
    pub status: ItemStatus,
    /// Past due and not finished.
    pub overdue: bool,
}

/// One change of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanChange {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (name).
    pub by: Option<String>,
    /// What (`{"change": "created" | "updated" | "item_added" | "item_changed", …}`).
    pub change: serde_json::Value,
}

/// A plan with its lines and history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanDetail {
    /// Header.
    pub plan: Plan,
    /// Problems, goals, activities (in that order, then by due date).
    pub items: Vec<PlanItem>,
    /// Newest first.
    pub history: Vec<PlanChange>,
}

fn plan_of(m: care_plans::Model) -> Plan {
    Plan {
        id: m.id,
        person_id: m.person_id,
        visit_every_days: i32::from(m.visit_every_days),
        review_on: m.review_on,
        summary: m.summary,
        status: PlanStatus::parse(&m.status).unwrap_or(PlanStatus::Active),
        version: m.version,
        updated_at: m.updated_at,
    }
}

async fn history(
    conn: &impl ConnectionTrait,
    plan_id: i64,
    actor: &Actor,
    change: serde_json::Value,
) -> Result<()> {
    care_plan_history::ActiveModel {
        plan_id: Set(plan_id),
        at: Set(Utc::now()),
        user_id: Set(Some(actor.user_id)),
        change: Set(change.to_string()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

impl Store {
    /// The person row when the caller may change their care.
    async fn care_manageable(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        person_id: i64,
    ) -> Result<persons::Model> {
        let p = self.visible_person(conn, actor, person_id).await?;
        if actor.can(Operation::ManageCare, &village_of(&p)) {
            Ok(p)
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// Responsible parties must exist and be in the caller's reach.
    async fn check_responsible(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        item: &ItemInput,
    ) -> Result<()> {
        let scope = actor.scope(Operation::ViewNetwork);
        if let Some(o) = item.organisation_id {
            let ok = organisations::Entity::find_by_id(o)
                .one(conn)
                .await?
                .and_then(|m| ruamjai_domain::areas::AreaCode::parse(&m.area_code).ok())
                .is_some_and(|a| crate::areas::reaches(&scope, &a));
            if !ok {
                return Err(FieldError::new("organisation_id", "invalid_choice").into());
            }
        }
        if let Some(v) = item.volunteer_id {
            let ok = volunteers::Entity::find_by_id(v)
                .one(conn)
                .await?
                .and_then(|m| ruamjai_domain::areas::AreaCode::parse(&m.area_code).ok())
                .is_some_and(|a| crate::areas::reaches(&scope, &a));
            if !ok {
                return Err(FieldError::new("volunteer_id", "invalid_choice").into());
            }
        }
        Ok(())
    }

    /// A person's care plan with its lines and history (`None` when there is none). Audited.
    pub async fn care_plan(
        &self,
        actor: &Actor,
        person_id: i64,
        meta: &RequestMeta,
    ) -> Result<Option<PlanDetail>> {
        let p = self.visible_person(&self.db, actor, person_id).await?;
        let Some(m) = care_plans::Entity::find()
            .filter(care_plans::Column::PersonId.eq(person_id))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let plan = plan_of(m);
        let rows = care_plan_items::Entity::find()
            .filter(care_plan_items::Column::PlanId.eq(plan.id))
            .order_by_asc(care_plan_items::Column::Id)
            .all(&self.db)
            .await?;
        let org_ids: Vec<i64> = rows.iter().filter_map(|r| r.organisation_id).collect();
        let vol_ids: Vec<i64> = rows.iter().filter_map(|r| r.volunteer_id).collect();
        let orgs: HashMap<i64, String> = organisations::Entity::find()
            .filter(organisations::Column::Id.is_in(org_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name_th))
            .collect();
        let vols: HashMap<i64, String> = volunteers::Entity::find()
            .filter(volunteers::Column::Id.is_in(vol_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|v| {
                (
                    v.id,
                    crate::network::display_name(v.prefix.as_deref(), &v.first_name, &v.last_name),
                )
            })
            .collect();
        let today = crate::registry::today();
        let mut items: Vec<PlanItem> = rows
            .into_iter()
            .map(|r| {
                let status = ItemStatus::parse(&r.status).unwrap_or(ItemStatus::Open);
                PlanItem {
                    id: r.id,
                    kind: ItemKind::parse(&r.kind).unwrap_or(ItemKind::Activity),
                    text: r.text,
                    organisation: r
                        .organisation_id
                        .and_then(|o| Some((o, orgs.get(&o)?.clone()))),
                    volunteer: r
                        .volunteer_id
                        .and_then(|v| Some((v, vols.get(&v)?.clone()))),
                    due_on: r.due_on,
                    overdue: r.due_on.is_some_and(|d| d < today)
                        && matches!(status, ItemStatus::Open | ItemStatus::InProgress),
                    status,
                }
            })
            .collect();
        items.sort_by_key(|i| (i.kind, i.due_on.is_none(), i.due_on, i.id));
        let hist = care_plan_history::Entity::find()
            .filter(care_plan_history::Column::PlanId.eq(plan.id))
            .order_by_desc(care_plan_history::Column::Id)
            .all(&self.db)
            .await?;
        let users: Vec<i64> = hist.iter().filter_map(|h| h.user_id).collect();
        let names = self.user_names(&users).await?;
        let history = hist
            .into_iter()
            .map(|h| PlanChange {
                at: h.at,
                by: h.user_id.and_then(|u| names.get(&u).cloned()),
                change: serde_json::from_str(&h.change).unwrap_or_default(),
            })
            .collect();
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::PlanView, meta)
                .entity("care_plan", plan.id)
                .area(&village_of(&p)),
        )
        .await?;
        Ok(Some(PlanDetail {
            plan,
            items,
            history,
        }))
    }

    /// Make a person's plan, or change its header. `version` is the version read (`None` to
    /// create); a stale version is refused and nothing is written.
    pub async fn save_plan(
        &self,
        actor: &Actor,
        person_id: i64,
        version: Option<i32>,
        input: &PlanInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let txn = self.db.begin().await?;
        let p = self.care_manageable(&txn, actor, person_id).await?;
        let now = Utc::now();
        let existing = care_plans::Entity::find()
            .filter(care_plans::Column::PersonId.eq(person_id))
            .one(&txn)
            .await?;
        let change = serde_json::json!({
            "visit_every_days": input.visit_every_days,
            "review_on": input.review_on,
            "status": input.status.as_str(),
            "summary": input.summary,
        });
        let id = match (existing, version) {
            (None, _) => {
                let m = care_plans::ActiveModel {
                    person_id: Set(person_id),
                    visit_every_days: Set(input.visit_every_days as i16),
                    review_on: Set(input.review_on),
                    summary: Set(input.summary.clone()),
                    status: Set(input.status.as_str().into()),
                    created_at: Set(now),
                    created_by: Set(Some(actor.user_id)),
                    updated_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                };
                let m = match m.insert(&txn).await {
                    Ok(m) => m,
                    // Two coordinators made the same person's plan at once.
                    Err(e) if StoreError::is_unique_violation(&e) => {
                        return Err(FieldError::new("version", "stale").into());
                    }
                    Err(e) => return Err(e.into()),
                };
                let mut c = change;
                c["change"] = "created".into();
                history(&txn, m.id, actor, c).await?;
                m.id
            }
            (Some(m), Some(v)) if m.version == v => {
                let r = care_plans::Entity::update_many()
                    .set(care_plans::ActiveModel {
                        visit_every_days: Set(input.visit_every_days as i16),
                        review_on: Set(input.review_on),
                        summary: Set(input.summary.clone()),
                        status: Set(input.status.as_str().into()),
                        updated_at: Set(now),
                        version: Set(v + 1),
                        ..Default::default()
                    })
                    .filter(care_plans::Column::Id.eq(m.id))
                    .filter(care_plans::Column::Version.eq(v))
                    .exec(&txn)
                    .await?;
                if r.rows_affected != 1 {
                    return Err(FieldError::new("version", "stale").into());
                }
                let mut c = change;
                c["change"] = "updated".into();
                history(&txn, m.id, actor, c).await?;
                m.id
            }
            (Some(_), _) => return Err(FieldError::new("version", "stale").into()),
        };
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PlanChange, meta)
                .entity("care_plan", id)
                .area(&village_of(&p)),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Add a line to a person's plan (which must exist).
    pub async fn add_plan_item(
        &self,
        actor: &Actor,
        person_id: i64,
        item: &ItemInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let txn = self.db.begin().await?;
        let p = self.care_manageable(&txn, actor, person_id).await?;
        let plan = care_plans::Entity::find()
            .filter(care_plans::Column::PersonId.eq(person_id))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.check_responsible(&txn, actor, item).await?;
        let now = Utc::now();
        let m = care_plan_items::ActiveModel {
            plan_id: Set(plan.id),
            kind: Set(item.kind.as_str().into()),
            text: Set(item.text.clone()),
            organisation_id: Set(item.organisation_id),
            volunteer_id: Set(item.volunteer_id),
            due_on: Set(item.due_on),
            status: Set(item.status.as_str().into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        history(
            &txn,
            plan.id,
            actor,
            serde_json::json!({
                "change": "item_added", "item": m.id, "kind": item.kind.as_str(),
                "text": item.text, "due_on": item.due_on, "status": item.status.as_str(),
            }),
        )
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PlanChange, meta)
                .entity("care_plan", plan.id)
                .area(&village_of(&p))
                .detail(serde_json::json!({ "item": m.id })),
        )
        .await?;
        txn.commit().await?;
        Ok(m.id)
    }

    /// Change a line of a plan (its status, due date, responsible party or text).
    pub async fn update_plan_item(
        &self,
        actor: &Actor,
        item_id: i64,
        item: &ItemInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        let old = care_plan_items::Entity::find_by_id(item_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let plan = care_plans::Entity::find_by_id(old.plan_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let p = self.care_manageable(&txn, actor, plan.person_id).await?;
        self.check_responsible(&txn, actor, item).await?;
        let mut am: care_plan_items::ActiveModel = old.clone().into();
        am.kind = Set(item.kind.as_str().into());
        am.text = Set(item.text.clone());
        am.organisation_id = Set(item.organisation_id);
        am.volunteer_id = Set(item.volunteer_id);
        am.due_on = Set(item.due_on);
        am.status = Set(item.status.as_str().into());
        am.updated_at = Set(Utc::now());
        am.update(&txn).await?;
        history(
            &txn,
            plan.id,
            actor,
            serde_json::json!({
                "change": "item_changed", "item": item_id, "text": item.text,
                "status_from": old.status, "status": item.status.as_str(),
                "due_on": item.due_on,
            }),
        )
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PlanChange, meta)
                .entity("care_plan", plan.id)
                .area(&village_of(&p))
                .detail(serde_json::json!({ "item": item_id })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
