//! The network: partner organisations, networks of partners, volunteers with their skills and
//! hours, the matching helper ("who can go now, near here, with these skills?"), the network
//! dashboard, and (in [`college`]) the volunteer college.
//!
//! Scoping: volunteers are personal data, seen inside the caller's subtrees only (and every
//! read is audited). Partners, networks and courses are also *reachable* from below: a
//! hospital serving the whole province is seen by a district's staff (see
//! [`crate::areas::reach_condition`]). Changing anything needs its area inside the scope.

pub mod college;
pub(crate) mod entity;
pub mod import;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::network::codes::join_codes;
use ruamjai_domain::network::matching::{self, Candidate, Need};
use ruamjai_domain::network::{
    Availability, HoursInput, Language, Offer, OrgType, OrganisationInput, Sector, Skill,
    VolunteerInput, VolunteerKind,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;

use self::entity::{
    network_members, networks, organisation_staff, organisations, volunteer_hours,
    volunteer_skills, volunteers,
};
use crate::areas::{reach_condition, reaches, scope_condition};
use crate::audit::{self, NewEntry};
use crate::{Result, Store, StoreError};

/// A partner organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name_th: String,
    pub name_en: Option<String>,
    pub sector: Sector,
    pub org_type: OrgType,
    /// The area served.
    pub area: AreaCode,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub offers: Vec<Offer>,
    pub offer_note: Option<String>,
    pub version: i32,
}

impl From<organisations::Model> for Organisation {
    fn from(m: organisations::Model) -> Self {
        Self {
            id: m.id,
            sector: Sector::parse(&m.sector).unwrap_or(Sector::People),
            org_type: OrgType::parse(&m.org_type).unwrap_or(OrgType::Other),
            area: AreaCode::parse(&m.area_code).expect("stored codes are valid"),
            offers: m.offers.split(',').filter_map(Offer::parse).collect(),
            name_th: m.name_th,
            name_en: m.name_en,
            contact_name: m.contact_name,
            phone: m.phone,
            email: m.email,
            offer_note: m.offer_note,
            version: m.version,
        }
    }
}

/// A network of partners with its lead and members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    pub id: i64,
    pub name: String,
    pub area: AreaCode,
    pub lead: Option<i64>,
    /// Member organisations (id, Thai name), by name.
    pub members: Vec<(i64, String)>,
}

/// A skill a volunteer holds, and the course that granted it (none when declared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeldSkill {
    pub skill: Skill,
    pub course_id: Option<i64>,
}

/// A volunteer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volunteer {
    pub id: i64,
    pub prefix: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub kind: VolunteerKind,
    pub phone: Option<String>,
    pub area: AreaCode,
    pub home: Option<(f64, f64)>,
    pub languages: Vec<Language>,
    pub availability: Availability,
    pub organisation_id: Option<i64>,
    pub user_id: Option<i64>,
    pub active: bool,
    pub skills: Vec<HeldSkill>,
    /// Hours given in all (minutes).
    pub minutes_given: i64,
    pub version: i32,
}

impl Volunteer {
    /// The name as shown (prefix, first and last name).
    pub fn full_name(&self) -> String {
        display_name(self.prefix.as_deref(), &self.first_name, &self.last_name)
    }

    fn from_model(m: volunteers::Model, skills: Vec<HeldSkill>, minutes_given: i64) -> Self {
        Self {
            id: m.id,
            kind: VolunteerKind::parse(&m.kind).unwrap_or(VolunteerKind::General),
            area: AreaCode::parse(&m.area_code).expect("stored codes are valid"),
            home: m.lat.zip(m.lon),
            languages: m.languages.split(',').filter_map(Language::parse).collect(),
            availability: Availability::parse(&m.availability).unwrap_or_default(),
            prefix: m.prefix,
            first_name: m.first_name,
            last_name: m.last_name,
            phone: m.phone,
            organisation_id: m.organisation_id,
            user_id: m.user_id,
            active: m.active,
            skills,
            minutes_given,
            version: m.version,
        }
    }
}

/// Filters of the volunteer list.
#[derive(Debug, Clone, Default)]
pub struct VolunteerQuery {
    /// Inside this area.
    pub area: Option<AreaCode>,
    pub kind: Option<VolunteerKind>,
    pub skill: Option<Skill>,
    /// Name or phone contains this.
    pub q: String,
    pub limit: u64,
}

/// One volunteer found by the matching helper.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolunteerMatch {
    pub volunteer: Volunteer,
    /// From their home to the point, metres.
    pub distance_m: f64,
}

/// Counts for the network dashboard of an area.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NetworkDashboard {
    /// Partners serving inside the area, per sector.
    pub partners_by_sector: Vec<(Sector, u64)>,
    /// Active volunteers per kind.
    pub volunteers_by_kind: Vec<(VolunteerKind, u64)>,
    /// Hours given per month (`YYYY-MM`, minutes), the last twelve months with any.
    pub minutes_by_month: Vec<(String, i64)>,
    /// Villages with at least one active volunteer holding each skill: (skill, villages).
    pub villages_with_skill: Vec<(Skill, u64)>,
    /// Villages in the area.
    pub villages: u64,
    /// Hours given per kind of volunteer (minutes), every kind.
    pub minutes_by_kind: Vec<(VolunteerKind, i64)>,
    /// The same figures for each area one level down (provinces for a national view).
    pub children: Vec<NetworkChild>,
}

/// One area's line of the network dashboard.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NetworkChild {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    /// Partners serving inside it.
    pub partners: u64,
    /// Active volunteers.
    pub volunteers: u64,
    /// Hours given (minutes).
    pub minutes: i64,
}

/// Volunteers holding `skill` (a sub-query on the skill index).
fn holds(skill: Skill) -> sea_orm::sea_query::SimpleExpr {
    volunteers::Column::Id.in_subquery(
        sea_orm::sea_query::Query::select()
            .column(volunteer_skills::Column::VolunteerId)
            .from(volunteer_skills::Entity)
            .and_where(volunteer_skills::Column::Skill.eq(skill.as_str()))
            .to_owned(),
    )
}

fn not_found() -> StoreError {
    StoreError::NotFound
}

impl Store {
    // ----- partners -----------------------------------------------------------------------

    /// Add a partner organisation serving `input.area` (needs `ManageNetwork` there).
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        input: OrganisationInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        self.check_area(actor, Operation::ManageNetwork, &input.area)
            .await?;
        let txn = self.db.begin().await?;
        let area = input.area.clone();
        let id = insert_organisation(&txn, input).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PartnerCreate, meta)
                .entity("organisation", id)
                .area(&area),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Change a partner (optimistic: `version` is the one read).
    pub async fn update_organisation(
        &self,
        actor: &Actor,
        id: i64,
        version: i32,
        input: OrganisationInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        let old = self.organisation(actor, id).await?;
        if !actor.can(Operation::ManageNetwork, &old.area) {
            return Err(StoreError::Forbidden);
        }
        self.check_area(actor, Operation::ManageNetwork, &input.area)
            .await?;
        let txn = self.db.begin().await?;
        let r = organisations::Entity::update_many()
            .col_expr(organisations::Column::NameTh, Expr::value(input.name_th))
            .col_expr(organisations::Column::NameEn, Expr::value(input.name_en))
            .col_expr(
                organisations::Column::Sector,
                Expr::value(input.sector.as_str()),
            )
            .col_expr(
                organisations::Column::OrgType,
                Expr::value(input.org_type.as_str()),
            )
            .col_expr(
                organisations::Column::AreaCode,
                Expr::value(input.area.to_string()),
            )
            .col_expr(
                organisations::Column::ContactName,
                Expr::value(input.contact_name),
            )
            .col_expr(organisations::Column::Phone, Expr::value(input.phone))
            .col_expr(organisations::Column::Email, Expr::value(input.email))
            .col_expr(
                organisations::Column::Offers,
                Expr::value(join_codes(&input.offers, Offer::as_str)),
            )
            .col_expr(
                organisations::Column::OfferNote,
                Expr::value(input.offer_note),
            )
            .col_expr(organisations::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(organisations::Column::Version, Expr::value(version + 1))
            .filter(organisations::Column::Id.eq(id))
            .filter(organisations::Column::Version.eq(version))
            .exec(&txn)
            .await?;
        if r.rows_affected == 0 {
            return Err(FieldError::new("version", "stale").into());
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PartnerUpdate, meta)
                .entity("organisation", id)
                .area(&input.area),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// One partner the caller can reach.
    pub async fn organisation(&self, actor: &Actor, id: i64) -> Result<Organisation> {
        let m = organisations::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(not_found)?;
        let o = Organisation::from(m);
        if !reaches(&actor.scope(Operation::ViewNetwork), &o.area) {
            return Err(not_found());
        }
        Ok(o)
    }

    /// Partners the caller can reach, optionally inside `area` and of one sector, by name.
    pub async fn list_organisations(
        &self,
        actor: &Actor,
        area: Option<&AreaCode>,
        sector: Option<Sector>,
    ) -> Result<Vec<Organisation>> {
        let scope = actor.scope(Operation::ViewNetwork);
        let mut q = organisations::Entity::find();
        if let Some(c) = reach_condition(organisations::Column::AreaCode, &scope) {
            q = q.filter(c);
        }
        if let Some(a) = area {
            if !reaches(&scope, a) {
                return Err(not_found());
            }
            q = q.filter(crate::areas::within(organisations::Column::AreaCode, a));
        }
        if let Some(s) = sector {
            q = q.filter(organisations::Column::Sector.eq(s.as_str()));
        }
        Ok(q.order_by_asc(organisations::Column::NameTh)
            .limit(2000)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Organisation::from)
            .collect())
    }

    // ----- networks -----------------------------------------------------------------------

    /// Make a network of partners in `area`, led by `lead` (which joins it).
    pub async fn create_network(
        &self,
        actor: &Actor,
        name: &str,
        area: &AreaCode,
        lead: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(FieldError::new("name", "required").into());
        }
        self.check_area(actor, Operation::ManageNetwork, area)
            .await?;
        if let Some(l) = lead {
            self.organisation(actor, l)
                .await
                .map_err(|_| FieldError::new("lead_id", "not_found"))?;
        }
        let txn = self.db.begin().await?;
        let n = networks::ActiveModel {
            name: Set(name.chars().take(200).collect()),
            area_code: Set(area.to_string()),
            lead_id: Set(lead),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if let Some(l) = lead {
            network_members::ActiveModel {
                network_id: Set(n.id),
                organisation_id: Set(l),
            }
            .insert(&txn)
            .await?;
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::NetworkCreate, meta)
                .entity("network", n.id)
                .area(area),
        )
        .await?;
        txn.commit().await?;
        Ok(n.id)
    }

    /// A reachable partner joins a network the caller manages (again: nothing changes).
    pub async fn join_network(
        &self,
        actor: &Actor,
        network_id: i64,
        organisation_id: i64,
        meta: &RequestMeta,
    ) -> Result<()> {
        let n = networks::Entity::find_by_id(network_id)
            .one(&self.db)
            .await?
            .ok_or_else(not_found)?;
        let area = AreaCode::parse(&n.area_code).expect("stored codes are valid");
        if !actor.can(Operation::ManageNetwork, &area) {
            return Err(not_found());
        }
        self.organisation(actor, organisation_id)
            .await
            .map_err(|_| FieldError::new("organisation_id", "not_found"))?;
        let txn = self.db.begin().await?;
        let exists = network_members::Entity::find_by_id((network_id, organisation_id))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            network_members::ActiveModel {
                network_id: Set(network_id),
                organisation_id: Set(organisation_id),
            }
            .insert(&txn)
            .await?;
            audit::append(
                &txn,
                NewEntry::by(actor, AuditAction::NetworkJoin, meta)
                    .entity("network", network_id)
                    .area(&area)
                    .detail(serde_json::json!({ "organisation_id": organisation_id })),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Networks the caller can reach, with their members.
    pub async fn list_networks(&self, actor: &Actor) -> Result<Vec<Network>> {
        let scope = actor.scope(Operation::ViewNetwork);
        let mut q = networks::Entity::find();
        if let Some(c) = reach_condition(networks::Column::AreaCode, &scope) {
            q = q.filter(c);
        }
        let rows = q.order_by_asc(networks::Column::Name).all(&self.db).await?;
        let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
        let members = network_members::Entity::find()
            .filter(network_members::Column::NetworkId.is_in(ids))
            .all(&self.db)
            .await?;
        let org_ids: Vec<i64> = members.iter().map(|m| m.organisation_id).collect();
        let names: HashMap<i64, String> = organisations::Entity::find()
            .filter(organisations::Column::Id.is_in(org_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name_th))
            .collect();
        let mut by_network: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
        for m in members {
            if let Some(name) = names.get(&m.organisation_id) {
                by_network
                    .entry(m.network_id)
                    .or_default()
                    .push((m.organisation_id, name.clone()));
            }
        }
        Ok(rows
            .into_iter()
            .map(|n| {
                let mut members = by_network.remove(&n.id).unwrap_or_default();
                members.sort_by(|a, b| a.1.cmp(&b.1));
                Network {
                    id: n.id,
                    name: n.name,
                    area: AreaCode::parse(&n.area_code).expect("stored codes are valid"),
                    lead: n.lead_id,
                    members,
                }
            })
            .collect())
    }

    // ----- volunteers ---------------------------------------------------------------------

    /// The area must exist and be inside the caller's scope for `op` (outside looks like
    /// missing).
    async fn check_area(&self, actor: &Actor, op: Operation, area: &AreaCode) -> Result<()> {
        let exists = crate::areas::entity::Entity::find_by_id(area.as_str())
            .one(&self.db)
            .await?
            .is_some();
        if !exists || !actor.can(op, area) {
            return Err(FieldError::new("area_code", "area_not_found").into());
        }
        Ok(())
    }

    /// Add a volunteer (needs `ManageNetwork` over their area); declared skills are kept.
    pub async fn create_volunteer(
        &self,
        actor: &Actor,
        input: VolunteerInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        self.check_area(actor, Operation::ManageNetwork, &input.area)
            .await?;
        if let Some(o) = input.organisation_id {
            self.organisation(actor, o)
                .await
                .map_err(|_| FieldError::new("organisation_id", "not_found"))?;
        }
        let txn = self.db.begin().await?;
        let area = input.area.clone();
        let id = insert_volunteer(&txn, input).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::VolunteerCreate, meta)
                .entity("volunteer", id)
                .area(&area),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Change a volunteer. Declared skills are replaced by `input.skills`; skills granted by a
    /// course stay.
    pub async fn update_volunteer(
        &self,
        actor: &Actor,
        id: i64,
        version: i32,
        input: VolunteerInput,
        active: bool,
        meta: &RequestMeta,
    ) -> Result<()> {
        let old = self.volunteer_model(actor, id).await?;
        let old_area = AreaCode::parse(&old.area_code).expect("stored codes are valid");
        if !actor.can(Operation::ManageNetwork, &old_area) {
            return Err(StoreError::Forbidden);
        }
        self.check_area(actor, Operation::ManageNetwork, &input.area)
            .await?;
        if let Some(o) = input.organisation_id {
            self.organisation(actor, o)
                .await
                .map_err(|_| FieldError::new("organisation_id", "not_found"))?;
        }
        let txn = self.db.begin().await?;
        let r = volunteers::Entity::update_many()
            .col_expr(volunteers::Column::Prefix, Expr::value(input.prefix))
            .col_expr(volunteers::Column::FirstName, Expr::value(input.first_name))
            .col_expr(volunteers::Column::LastName, Expr::value(input.last_name))
            .col_expr(volunteers::Column::Kind, Expr::value(input.kind.as_str()))
            .col_expr(volunteers::Column::Phone, Expr::value(input.phone))
            .col_expr(
                volunteers::Column::AreaCode,
                Expr::value(input.area.to_string()),
            )
            .col_expr(
                volunteers::Column::Lat,
                Expr::value(input.home.map(|h| h.0)),
            )
            .col_expr(
                volunteers::Column::Lon,
                Expr::value(input.home.map(|h| h.1)),
            )
            .col_expr(
                volunteers::Column::Languages,
                Expr::value(join_codes(&input.languages, Language::as_str)),
            )
            .col_expr(
                volunteers::Column::Availability,
                Expr::value(input.availability.to_text()),
            )
            .col_expr(
                volunteers::Column::OrganisationId,
                Expr::value(input.organisation_id),
            )
            .col_expr(volunteers::Column::Active, Expr::value(active))
            .col_expr(volunteers::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(volunteers::Column::Version, Expr::value(version + 1))
            .filter(volunteers::Column::Id.eq(id))
            .filter(volunteers::Column::Version.eq(version))
            .exec(&txn)
            .await?;
        if r.rows_affected == 0 {
            return Err(FieldError::new("version", "stale").into());
        }
        volunteer_skills::Entity::delete_many()
            .filter(volunteer_skills::Column::VolunteerId.eq(id))
            .filter(volunteer_skills::Column::CourseId.is_null())
            .exec(&txn)
            .await?;
        for s in &input.skills {
            grant_skill(&txn, id, *s, None).await?;
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::VolunteerUpdate, meta)
                .entity("volunteer", id)
                .area(&input.area),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The row of a volunteer inside the caller's scope (not audited: callers audit).
    async fn volunteer_model(&self, actor: &Actor, id: i64) -> Result<volunteers::Model> {
        let m = volunteers::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(not_found)?;
        let area = AreaCode::parse(&m.area_code).expect("stored codes are valid");
        if !actor.can(Operation::ViewNetwork, &area) {
            return Err(not_found());
        }
        Ok(m)
    }

    /// Volunteers from their rows, with skills and hours.
    async fn volunteers_from(&self, rows: Vec<volunteers::Model>) -> Result<Vec<Volunteer>> {
        let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
        let mut skills: HashMap<i64, Vec<HeldSkill>> = HashMap::new();
        let mut minutes: HashMap<i64, i64> = HashMap::new();
        for chunk in ids.chunks(900) {
            for s in volunteer_skills::Entity::find()
                .filter(volunteer_skills::Column::VolunteerId.is_in(chunk.to_vec()))
                .order_by_asc(volunteer_skills::Column::Skill)
                .all(&self.db)
                .await?
            {
                if let Some(skill) = Skill::parse(&s.skill) {
                    skills.entry(s.volunteer_id).or_default().push(HeldSkill {
                        skill,
                        course_id: s.course_id,
                    });
                }
            }
            let sums: Vec<(i64, Option<i64>)> = volunteer_hours::Entity::find()
                .select_only()
                .column(volunteer_hours::Column::VolunteerId)
                .column_as(volunteer_hours::Column::Minutes.sum(), "m")
                .filter(volunteer_hours::Column::VolunteerId.is_in(chunk.to_vec()))
                .group_by(volunteer_hours::Column::VolunteerId)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (v, m) in sums {
                minutes.insert(v, m.unwrap_or(0));
            }
        }
        Ok(rows
            .into_iter()
            .map(|m| {
                let id = m.id;
                Volunteer::from_model(
                    m,
                    skills.remove(&id).unwrap_or_default(),
                    minutes.get(&id).copied().unwrap_or(0),
                )
            })
            .collect())
    }

    /// One volunteer inside the caller's scope (audited).
    pub async fn volunteer(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<Volunteer> {
        let m = self.volunteer_model(actor, id).await?;
        let area = AreaCode::parse(&m.area_code).expect("stored codes are valid");
        let v = self
            .volunteers_from(vec![m])
            .await?
            .pop()
            .ok_or_else(not_found)?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::VolunteerView, meta)
                .entity("volunteer", id)
                .area(&area),
        )
        .await?;
        Ok(v)
    }

    /// Volunteers inside the caller's scope matching `q`, by name (audited with the count).
    pub async fn list_volunteers(
        &self,
        actor: &Actor,
        q: &VolunteerQuery,
        meta: &RequestMeta,
    ) -> Result<Vec<Volunteer>> {
        let scope = actor.scope(Operation::ViewNetwork);
        let mut sel = volunteers::Entity::find();
        if let Some(c) = scope_condition(volunteers::Column::AreaCode, &scope) {
            sel = sel.filter(c);
        }
        if let Some(a) = &q.area {
            if !scope.contains(a) {
                return Err(not_found());
            }
            sel = sel.filter(crate::areas::within(volunteers::Column::AreaCode, a));
        }
        if let Some(k) = q.kind {
            sel = sel.filter(volunteers::Column::Kind.eq(k.as_str()));
        }
        if let Some(s) = q.skill {
            sel = sel.filter(holds(s));
        }
        let text = crate::areas::strip_like_wildcards(q.q.trim());
        if !text.is_empty() {
            sel = sel.filter(
                sea_orm::Condition::any()
                    .add(volunteers::Column::FirstName.contains(&text))
                    .add(volunteers::Column::LastName.contains(&text))
                    .add(volunteers::Column::Phone.contains(&text)),
            );
        }
        let rows = sel
            .order_by_asc(volunteers::Column::FirstName)
            .order_by_asc(volunteers::Column::Id)
            .limit(q.limit.clamp(1, 1000))
            .all(&self.db)
            .await?;
        let out = self.volunteers_from(rows).await?;
        let mut e = NewEntry::by(actor, AuditAction::VolunteerList, meta)
            .detail(serde_json::json!({ "shown": out.len() }));
        if let Some(a) = &q.area {
            e = e.area(a);
        }
        audit::append(&self.db, e).await?;
        Ok(out)
    }

    /// Log hours a volunteer gave (needs `ManageNetwork` over them).
    pub async fn log_hours(
        &self,
        actor: &Actor,
        volunteer_id: i64,
        input: HoursInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let ids = self
            .log_hours_many(actor, vec![(volunteer_id, input)], meta)
            .await?;
        Ok(ids[0])
    }

    /// Log several entries of hours at once (a month's activities), all or none; each
    /// volunteer must be one the caller manages.
    pub async fn log_hours_many(
        &self,
        actor: &Actor,
        entries: Vec<(i64, HoursInput)>,
        meta: &RequestMeta,
    ) -> Result<Vec<i64>> {
        let mut areas: HashMap<i64, AreaCode> = HashMap::new();
        for (v, _) in &entries {
            if !areas.contains_key(v) {
                let m = self.volunteer_model(actor, *v).await?;
                let area = AreaCode::parse(&m.area_code).expect("stored codes are valid");
                if !actor.can(Operation::ManageNetwork, &area) {
                    return Err(StoreError::Forbidden);
                }
                areas.insert(*v, area);
            }
        }
        let txn = self.db.begin().await?;
        let mut ids = Vec::with_capacity(entries.len());
        for (volunteer_id, input) in entries {
            let h = volunteer_hours::ActiveModel {
                volunteer_id: Set(volunteer_id),
                on_date: Set(input.date),
                minutes: Set(input.minutes as i32),
                activity: Set(input.activity),
                recorded_by: Set((actor.user_id != 0).then_some(actor.user_id)),
                recorded_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            audit::append(
                &txn,
                NewEntry::by(actor, AuditAction::VolunteerHours, meta)
                    .entity("volunteer", volunteer_id)
                    .area(&areas[&volunteer_id])
                    .detail(serde_json::json!({ "hours_id": h.id, "minutes": input.minutes })),
            )
            .await?;
            ids.push(h.id);
        }
        txn.commit().await?;
        Ok(ids)
    }

    // ----- accounts ---------------------------------------------------------------------

    /// Tie a user account the caller manages to a partner they can reach (`None` unties it):
    /// partner staff belong to one organisation.
    pub async fn set_user_organisation(
        &self,
        actor: &Actor,
        user_id: i64,
        organisation_id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<()> {
        self.user_detail(actor, user_id).await?;
        if !actor.can_somewhere(Operation::ManageUsers) {
            return Err(StoreError::Forbidden);
        }
        if let Some(o) = organisation_id {
            self.organisation(actor, o)
                .await
                .map_err(|_| FieldError::new("organisation_id", "not_found"))?;
        }
        let txn = self.db.begin().await?;
        organisation_staff::Entity::delete_by_id(user_id)
            .exec(&txn)
            .await?;
        if let Some(o) = organisation_id {
            organisation_staff::ActiveModel {
                user_id: Set(user_id),
                organisation_id: Set(o),
                since: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::UserOrganisation, meta)
                .entity("user", user_id)
                .detail(serde_json::json!({ "organisation_id": organisation_id })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The partner a user works for, if any (shown with the account).
    pub async fn user_organisation(&self, user_id: i64) -> Result<Option<Organisation>> {
        let Some(m) = organisation_staff::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(organisations::Entity::find_by_id(m.organisation_id)
            .one(&self.db)
            .await?
            .map(Organisation::from))
    }

    /// Link a volunteer to the user account with this e-mail (`None` unlinks). Needs the
    /// right to manage users over the volunteer's area, and the account must be one the
    /// caller can see; an account belongs to one volunteer at most.
    pub async fn link_volunteer_login(
        &self,
        actor: &Actor,
        volunteer_id: i64,
        email: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let v = self.volunteer_model(actor, volunteer_id).await?;
        let area = AreaCode::parse(&v.area_code).expect("stored codes are valid");
        if !actor.can(Operation::ManageUsers, &area) {
            return Err(StoreError::Forbidden);
        }
        let user_id = match email.map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => {
                let u = self
                    .user_by_email(e)
                    .await?
                    .ok_or(FieldError::new("email", "not_found"))?;
                self.user_detail(actor, u.id)
                    .await
                    .map_err(|_| FieldError::new("email", "not_found"))?;
                let taken = volunteers::Entity::find()
                    .filter(volunteers::Column::UserId.eq(u.id))
                    .filter(volunteers::Column::Id.ne(volunteer_id))
                    .one(&self.db)
                    .await?
                    .is_some();
                if taken {
                    return Err(FieldError::new("email", "login_taken").into());
                }
                Some(u.id)
            }
        };
        let txn = self.db.begin().await?;
        volunteers::Entity::update_many()
            .col_expr(volunteers::Column::UserId, Expr::value(user_id))
            .col_expr(volunteers::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(volunteers::Column::Id.eq(volunteer_id))
            .exec(&txn)
            .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::VolunteerLogin, meta)
                .entity("volunteer", volunteer_id)
                .area(&area)
                .detail(serde_json::json!({ "user_id": user_id })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    // ----- matching -----------------------------------------------------------------------

    /// Volunteers inside the caller's scope who can go at `need.at`, hold every skill asked,
    /// and live within `need.within_m` of the point: nearest first (audited with the count).
    pub async fn match_volunteers(
        &self,
        actor: &Actor,
        need: &Need,
        meta: &RequestMeta,
    ) -> Result<Vec<VolunteerMatch>> {
        let scope = actor.scope(Operation::ViewNetwork);
        let ((lat0, lon0), (lat1, lon1)) = matching::bounding_box(need.point, need.within_m);
        let mut sel = volunteers::Entity::find()
            .filter(volunteers::Column::Active.eq(true))
            .filter(volunteers::Column::Lat.between(lat0, lat1))
            .filter(volunteers::Column::Lon.between(lon0, lon1));
        if let Some(c) = scope_condition(volunteers::Column::AreaCode, &scope) {
            sel = sel.filter(c);
        }
        for s in &need.skills {
            sel = sel.filter(holds(*s));
        }
        let rows = sel.limit(20_000).all(&self.db).await?;
        let volunteers = self.volunteers_from(rows).await?;
        let candidates: Vec<Candidate> = volunteers
            .iter()
            .map(|v| Candidate {
                id: v.id,
                home: v.home,
                skills: v.skills.iter().map(|s| s.skill).collect(),
                availability: v.availability.clone(),
                active: v.active,
            })
            .collect();
        let ranked = matching::rank(&candidates, need);
        let mut by_id: HashMap<i64, Volunteer> =
            volunteers.into_iter().map(|v| (v.id, v)).collect();
        let out: Vec<VolunteerMatch> = ranked
            .into_iter()
            .filter_map(|m| {
                Some(VolunteerMatch {
                    volunteer: by_id.remove(&m.id)?,
                    distance_m: m.distance_m,
                })
            })
            .collect();
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::VolunteerMatch, meta).detail(serde_json::json!({
                "skills": need.skills.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                "shown": out.len(),
            })),
        )
        .await?;
        Ok(out)
    }

    // ----- dashboard ----------------------------------------------------------------------

    /// Partners per sector, volunteers per kind, hours per month and per kind, training
    /// coverage, and the same per area one level down, inside `area` (or the caller's whole
    /// scope). Aggregates only.
    pub async fn network_dashboard(
        &self,
        actor: &Actor,
        area: Option<&AreaCode>,
    ) -> Result<NetworkDashboard> {
        let scope = actor.scope(Operation::ViewAreas);
        if let Some(a) = area
            && !scope.contains(a)
        {
            return Err(not_found());
        }
        // Rows are grouped here (a province has thousands of partners and volunteers, not
        // millions), which keeps one query shape for both backends.
        let child_of = |code: &str| -> String {
            let n = area.map_or(2, |a| a.as_str().len() + 2);
            code.get(..n).unwrap_or(code).to_owned()
        };
        let mut children: BTreeMap<String, NetworkChild> = BTreeMap::new();

        let mut orgs = organisations::Entity::find()
            .select_only()
            .column(organisations::Column::Sector)
            .column(organisations::Column::AreaCode);
        if let Some(c) = scope_condition(organisations::Column::AreaCode, &scope) {
            orgs = orgs.filter(c);
        }
        if let Some(a) = area {
            orgs = orgs.filter(crate::areas::within(organisations::Column::AreaCode, a));
        }
        let mut per_sector: HashMap<String, u64> = HashMap::new();
        for (sector, code) in orgs.into_tuple::<(String, String)>().all(&self.db).await? {
            *per_sector.entry(sector).or_insert(0) += 1;
            if area.is_none_or(|a| code.len() > a.as_str().len()) {
                children.entry(child_of(&code)).or_default().partners += 1;
            }
        }

        let mut vols = volunteers::Entity::find()
            .select_only()
            .column(volunteers::Column::Id)
            .column(volunteers::Column::AreaCode)
            .column(volunteers::Column::Kind)
            .column(volunteers::Column::Active);
        if let Some(c) = scope_condition(volunteers::Column::AreaCode, &scope) {
            vols = vols.filter(c);
        }
        if let Some(a) = area {
            vols = vols.filter(crate::areas::within(volunteers::Column::AreaCode, a));
        }
        let vols: Vec<(i64, String, String, bool)> = vols.into_tuple().all(&self.db).await?;
        let mut per_kind: HashMap<String, u64> = HashMap::new();
        for (_, code, kind, active) in &vols {
            if *active {
                *per_kind.entry(kind.clone()).or_insert(0) += 1;
                if area.is_none_or(|a| code.len() > a.as_str().len()) {
                    children.entry(child_of(code)).or_default().volunteers += 1;
                }
            }
        }
        let by_id: HashMap<i64, (String, String, bool)> = vols
            .into_iter()
            .map(|(id, code, kind, active)| (id, (code, kind, active)))
            .collect();
        let ids: Vec<i64> = by_id.keys().copied().collect();
        let mut per_month: BTreeMap<String, i64> = BTreeMap::new();
        let mut minutes_per_kind: HashMap<String, i64> = HashMap::new();
        let mut villages_by_skill: BTreeMap<Skill, HashSet<String>> = BTreeMap::new();
        for chunk in ids.chunks(900) {
            let rows: Vec<(i64, NaiveDate, i32)> = volunteer_hours::Entity::find()
                .select_only()
                .column(volunteer_hours::Column::VolunteerId)
                .column(volunteer_hours::Column::OnDate)
                .column(volunteer_hours::Column::Minutes)
                .filter(volunteer_hours::Column::VolunteerId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(&self.db)
                .await?;
            for (v, d, m) in rows {
                let m = i64::from(m);
                *per_month.entry(d.format("%Y-%m").to_string()).or_insert(0) += m;
                if let Some((code, kind, _)) = by_id.get(&v) {
                    *minutes_per_kind.entry(kind.clone()).or_insert(0) += m;
                    if area.is_none_or(|a| code.len() > a.as_str().len()) {
                        children.entry(child_of(code)).or_default().minutes += m;
                    }
                }
            }
            let held: Vec<(i64, String)> = volunteer_skills::Entity::find()
                .select_only()
                .column(volunteer_skills::Column::VolunteerId)
                .column(volunteer_skills::Column::Skill)
                .filter(volunteer_skills::Column::VolunteerId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(&self.db)
                .await?;
            for (v, s) in held {
                if let (Some(skill), Some((code, _, true))) = (Skill::parse(&s), by_id.get(&v))
                    && code.len() == 8
                {
                    villages_by_skill
                        .entry(skill)
                        .or_default()
                        .insert(code.clone());
                }
            }
        }
        let minutes_by_month: Vec<(String, i64)> = per_month
            .into_iter()
            .rev()
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let mut villages = crate::areas::entity::Entity::find()
            .filter(crate::areas::entity::Column::Level.eq("village"));
        if let Some(s) = scope_condition(crate::areas::entity::Column::Code, &scope) {
            villages = villages.filter(s);
        }
        if let Some(a) = area {
            villages = villages.filter(crate::areas::within(crate::areas::entity::Column::Code, a));
        }
        let villages = sea_orm::PaginatorTrait::count(villages, &self.db).await?;
        // Names of the lines.
        let codes: Vec<String> = children.keys().cloned().collect();
        for chunk in codes.chunks(900) {
            for a in crate::areas::entity::Entity::find()
                .filter(crate::areas::entity::Column::Code.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                if let Some(c) = children.get_mut(&a.code) {
                    c.name_th = a.name_th;
                    c.name_en = a.name_en;
                }
            }
        }
        Ok(NetworkDashboard {
            partners_by_sector: Sector::ALL
                .iter()
                .map(|s| (*s, *per_sector.get(s.as_str()).unwrap_or(&0)))
                .collect(),
            volunteers_by_kind: VolunteerKind::ALL
                .iter()
                .map(|k| (*k, *per_kind.get(k.as_str()).unwrap_or(&0)))
                .collect(),
            minutes_by_month,
            villages_with_skill: villages_by_skill
                .into_iter()
                .map(|(s, v)| (s, v.len() as u64))
                .collect(),
            villages,
            minutes_by_kind: VolunteerKind::ALL
                .iter()
                .map(|k| (*k, *minutes_per_kind.get(k.as_str()).unwrap_or(&0)))
                .collect(),
            children: children
                .into_iter()
                .map(|(code, mut c)| {
                    c.code = code;
                    c
                })
                .collect(),
        })
    }
}

/// Store a checked partner (the caller has checked the area).
pub(crate) async fn insert_organisation(
    conn: &impl ConnectionTrait,
    input: OrganisationInput,
) -> Result<i64> {
    let now = Utc::now();
    let m = organisations::ActiveModel {
        name_th: Set(input.name_th),
        name_en: Set(input.name_en),
        sector: Set(input.sector.as_str().into()),
        org_type: Set(input.org_type.as_str().into()),
        area_code: Set(input.area.to_string()),
        contact_name: Set(input.contact_name),
        phone: Set(input.phone),
        email: Set(input.email),
        offers: Set(join_codes(&input.offers, Offer::as_str)),
        offer_note: Set(input.offer_note),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(m.id)
}

/// Store a checked volunteer and their declared skills (the caller has checked the area and
/// the organisation).
pub(crate) async fn insert_volunteer(
    conn: &impl ConnectionTrait,
    input: VolunteerInput,
) -> Result<i64> {
    let now = Utc::now();
    let v = volunteers::ActiveModel {
        prefix: Set(input.prefix),
        first_name: Set(input.first_name),
        last_name: Set(input.last_name),
        kind: Set(input.kind.as_str().into()),
        phone: Set(input.phone),
        area_code: Set(input.area.to_string()),
        lat: Set(input.home.map(|h| h.0)),
        lon: Set(input.home.map(|h| h.1)),
        languages: Set(join_codes(&input.languages, Language::as_str)),
        availability: Set(input.availability.to_text()),
        organisation_id: Set(input.organisation_id),
        user_id: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for s in &input.skills {
        grant_skill(conn, v.id, *s, None).await?;
    }
    Ok(v.id)
}

/// A name as shown: the prefix glued to the first name (Thai usage), then the last name.
pub(crate) fn display_name(prefix: Option<&str>, first: &str, last: &str) -> String {
    let mut n = prefix.unwrap_or_default().to_owned();
    n.push_str(first);
    if !last.is_empty() {
        n.push(' ');
        n.push_str(last);
    }
    n
}

/// Give a volunteer a skill (from a course when `course_id` is set); a skill already held
/// keeps its first source, except that a course replaces a mere declaration.
pub(crate) async fn grant_skill(
    conn: &impl ConnectionTrait,
    volunteer_id: i64,
    skill: Skill,
    course_id: Option<i64>,
) -> Result<()> {
    let held = volunteer_skills::Entity::find_by_id((volunteer_id, skill.as_str().to_owned()))
        .one(conn)
        .await?;
    match held {
        None => {
            volunteer_skills::ActiveModel {
                volunteer_id: Set(volunteer_id),
                skill: Set(skill.as_str().into()),
                course_id: Set(course_id),
                granted_at: Set(Utc::now()),
            }
            .insert(conn)
            .await?;
        }
        Some(h) if h.course_id.is_none() && course_id.is_some() => {
            volunteer_skills::Entity::update_many()
                .col_expr(volunteer_skills::Column::CourseId, Expr::value(course_id))
                .col_expr(volunteer_skills::Column::GrantedAt, Expr::value(Utc::now()))
                .filter(volunteer_skills::Column::VolunteerId.eq(volunteer_id))
                .filter(volunteer_skills::Column::Skill.eq(skill.as_str()))
                .exec(conn)
                .await?;
        }
        Some(_) => {}
    }
    Ok(())
}
