//! Assistance: programmes (reached like partners: a provincial programme serves every district
//! below it) and what each person receives. A person's assistance is read by whoever may see
//! the person and recorded with `ManageAssistance` over their village; every read and change is
//! audited.

pub(crate) mod entity;

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::assistance::{Gap, Period, ProgrammeInput, ProgrammeKind, ReceiptInput};
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
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

/// One person in the gap report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapRow {
    /// Person id.
    pub person_id: i64,
    /// Name as shown.
    pub name: String,
    /// Village.
    pub village_code: AreaCode,
    /// The categories the caller may see (elderly included when derived).
    pub categories: Vec<ruamjai_domain::registry::Category>,
    /// Why they are listed.
    pub gaps: Vec<ruamjai_domain::assistance::Gap>,
}

/// The gap report of an area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapReport {
    /// Persons with a gap, by village then name (at most the limit asked for).
    pub rows: Vec<GapRow>,
    /// How many persons have each gap (all of them, beyond the limit too).
    pub counts: std::collections::BTreeMap<ruamjai_domain::assistance::Gap, u64>,
    /// Persons with any gap.
    pub persons: u64,
    /// Active persons looked at.
    pub scanned: u64,
}

impl Store {
    /// Who in an area is vulnerable and receives nothing, or not what their category calls
    /// for (see [`ruamjai_domain::assistance::gaps`]). Only categories the caller may see
    /// count, so a sensitive category never puts anyone on the list. Audited with the persons
    /// listed.
    pub async fn gap_report(
        &self,
        actor: &Actor,
        area: &AreaCode,
        limit: usize,
        meta: &RequestMeta,
    ) -> Result<GapReport> {
        if !actor.can(Operation::ViewPersons, area) {
            return Err(StoreError::NotFound);
        }
        let report = self.gap_scan(actor, area, limit, |_, _| {}).await?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::GapReport, meta)
                .area(area)
                .detail(serde_json::json!({
                    "persons": report.persons,
                    "ids": report.rows.iter().map(|r| r.person_id).collect::<Vec<_>>(),
                })),
        )
        .await?;
        Ok(report)
    }

    /// The gap counts of an area for the public, by the areas one level below it: persons
    /// with any gap and with each gap, sensitive categories never counted, counts of 1–9 (and
    /// what would give them away) suppressed. No person is listed, so nothing is audited.
    pub async fn public_gaps(&self, area: &AreaCode) -> Result<PublicGaps> {
        self.public_gaps
            .get_or(area.to_string(), self.count_public_gaps(area))
            .await
    }

    async fn count_public_gaps(&self, area: &AreaCode) -> Result<PublicGaps> {
        use ruamjai_domain::reports::{CountNode, suppress};
        let public = Actor {
            user_id: 0,
            grants: vec![ruamjai_domain::auth::Grant {
                id: 0,
                role: ruamjai_domain::auth::Role::Admin,
                area: None,
            }],
        };
        let Some(child_len) = (area.as_str().len() < 8).then_some(area.as_str().len() + 2) else {
            return Err(StoreError::NotFound);
        };
        let here = crate::areas::entity::Entity::find_by_id(area.as_str())
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let children: Vec<crate::areas::Area> = crate::areas::entity::Entity::find()
            .filter(crate::areas::within(
                crate::areas::entity::Column::Code,
                area,
            ))
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|a| a.code.len() == child_len)
            .map(Into::into)
            .collect();
        let index: HashMap<String, usize> = children
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.to_string(), i + 1))
            .collect();
        // counts[node][0] = any gap, counts[node][1 + k] = gap k; node 0 is the area.
        let mut counts = vec![[0u64; 1 + Gap::ALL.len()]; children.len() + 1];
        self.gap_scan(&public, area, 0, |village, gaps| {
            let child = index.get(&village.as_str()[..child_len]).copied();
            for node in [Some(0), child].into_iter().flatten() {
                counts[node][0] += 1;
                for g in gaps {
                    if let Some(k) = Gap::ALL.iter().position(|x| x == g) {
                        counts[node][1 + k] += 1;
                    }
                }
            }
        })
        .await?;
        // One column per count (any gap, then each gap), suppressed across the area's nodes.
        let columns: Vec<_> = (0..=Gap::ALL.len())
            .map(|col| {
                let mut nodes = vec![CountNode {
                    code: area.to_string(),
                    parent: None,
                    count: counts[0][col],
                }];
                nodes.extend(children.iter().enumerate().map(|(i, a)| CountNode {
                    code: a.code.to_string(),
                    parent: Some(0),
                    count: counts[i + 1][col],
                }));
                suppress(&nodes)
            })
            .collect();
        let cell = |node: usize| -> Vec<ruamjai_domain::reports::Published> {
            columns.iter().map(|c| c[node]).collect()
        };
        Ok(PublicGaps {
            as_of: chrono::Utc::now(),
            area: here.into(),
            totals: cell(0),
            rows: children
                .into_iter()
                .enumerate()
                .map(|(i, a)| (a, cell(i + 1)))
                .collect(),
        })
    }

    /// Scan the active persons of an area for gaps: the report (with up to `limit` persons
    /// listed) and, for each person with a gap, `each(village, gaps)`.
    async fn gap_scan(
        &self,
        actor: &Actor,
        area: &AreaCode,
        limit: usize,
        mut each: impl FnMut(&AreaCode, &[Gap]),
    ) -> Result<GapReport> {
        use crate::care::entity::{care_plan_items, care_plans};
        use crate::registry::entity::{person_categories, persons};
        use ruamjai_domain::registry::Category;
        let today = crate::registry::today();
        let mut report = GapReport {
            rows: Vec::new(),
            counts: Default::default(),
            persons: 0,
            scanned: 0,
        };
        let mut after = 0i64;
        loop {
            let chunk = persons::Entity::find()
                .filter(crate::areas::within(persons::Column::VillageCode, area))
                .filter(persons::Column::Status.eq("active"))
                .filter(persons::Column::Id.gt(after))
                .order_by_asc(persons::Column::Id)
                .limit(5_000)
                .all(&self.db)
                .await?;
            let Some(last) = chunk.last() else { break };
            after = last.id;
            let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
            let mut cats: HashMap<i64, Vec<Category>> = HashMap::new();
            for c in person_categories::Entity::find()
                .filter(person_categories::Column::PersonId.is_in(ids.clone()))
                .all(&self.db)
                .await?
            {
                if let Some(cat) = Category::parse(&c.category) {
                    cats.entry(c.person_id).or_default().push(cat);
                }
            }
            let receipts = Self::receipts(&self.db, &ids).await?;
            let planned: Vec<i64> = care_plans::Entity::find()
                .filter(care_plans::Column::PersonId.is_in(ids.clone()))
                .filter(care_plans::Column::Status.eq("active"))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|p| p.id)
                .collect();
            let with_caregiver: Vec<i64> = {
                let plan_ids: Vec<i64> = care_plan_items::Entity::find()
                    .filter(care_plan_items::Column::PlanId.is_in(planned))
                    .filter(care_plan_items::Column::Kind.eq("activity"))
                    .filter(
                        sea_orm::Condition::any()
                            .add(care_plan_items::Column::VolunteerId.is_not_null())
                            .add(care_plan_items::Column::OrganisationId.is_not_null()),
                    )
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|i| i.plan_id)
                    .collect();
                care_plans::Entity::find()
                    .filter(care_plans::Column::Id.is_in(plan_ids))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|p| p.person_id)
                    .collect()
            };
            for p in chunk {
                report.scanned += 1;
                let village = village_of(&p);
                let sees_sensitive = actor.can(Operation::ViewSensitive, &village);
                let mut c: Vec<Category> = cats
                    .remove(&p.id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| sees_sensitive || !c.is_sensitive())
                    .collect();
                if crate::registry::elderly(crate::registry::birth_of(&p), today) {
                    c.push(Category::Elderly);
                }
                c.sort();
                let receiving: Vec<ProgrammeKind> = receipts
                    .get(&p.id)
                    .map(|r| {
                        r.iter()
                            .filter(|r| r.active)
                            .map(|r| r.programme.kind)
                            .collect()
                    })
                    .unwrap_or_default();
                let gaps = ruamjai_domain::assistance::gaps(
                    &c,
                    &receiving,
                    with_caregiver.contains(&p.id),
                );
                if gaps.is_empty() {
                    continue;
                }
                report.persons += 1;
                each(&village, &gaps);
                for g in &gaps {
                    *report.counts.entry(*g).or_insert(0) += 1;
                }
                if report.rows.len() < limit {
                    report.rows.push(GapRow {
                        person_id: p.id,
                        name: crate::registry::display_name(
                            p.prefix.as_deref(),
                            &p.first_name,
                            &p.last_name,
                        ),
                        village_code: village,
                        categories: c,
                        gaps,
                    });
                }
            }
        }
        report.rows.sort_by(|a, b| {
            a.village_code
                .cmp(&b.village_code)
                .then(a.name.cmp(&b.name))
        });
        Ok(report)
    }
}

/// How long public gap counts are kept before they are counted again.
pub(crate) const PUBLIC_GAPS_FOR: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The public gap counts of an area: each cell is persons with any gap, then with each gap
/// (in [`Gap::ALL`] order), shown or suppressed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicGaps {
    /// When they were counted.
    pub as_of: chrono::DateTime<Utc>,
    /// The area.
    pub area: crate::areas::Area,
    /// Its own counts.
    pub totals: Vec<ruamjai_domain::reports::Published>,
    /// The areas one level below, with their counts.
    pub rows: Vec<(crate::areas::Area, Vec<ruamjai_domain::reports::Published>)>,
}
