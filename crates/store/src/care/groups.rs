//! Issue groups (กลุ่มประเด็น): an area admin gathers members from several agencies around one
//! strategy or issue and the persons it targets; members see those persons (even outside their
//! own area), their plans and visits, and keep a running record of what they agreed.

use chrono::{DateTime, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::care::plan::GroupInput;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

use super::entity::{issue_group_members, issue_group_notes, issue_group_persons, issue_groups};
use crate::audit::{self, NewEntry};
use crate::registry::entity::persons;
use crate::registry::village_of;
use crate::{Result, Store, StoreError};

/// True when `user_id` belongs to a group that targets `person_id`.
pub(crate) async fn member_sees(
    conn: &impl ConnectionTrait,
    user_id: i64,
    person_id: i64,
) -> Result<bool> {
    Ok(issue_group_persons::Entity::find()
        .filter(issue_group_persons::Column::PersonId.eq(person_id))
        .filter(
            issue_group_persons::Column::GroupId.in_subquery(
                Query::select()
                    .column(issue_group_members::Column::GroupId)
                    .from(issue_group_members::Entity)
                    .and_where(issue_group_members::Column::UserId.eq(user_id))
                    .to_owned(),
            ),
        )
        .one(conn)
        .await?
        .is_some())
}

/// A group in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Area.
    pub area_code: AreaCode,
    /// Members.
    pub members: u64,
    /// Target persons.
    pub persons: u64,
    /// The caller is a member.
    pub member: bool,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMember {
    /// User id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// E-mail (members reach each other).
    pub email: String,
    /// Their partner organisation, if any.
    pub organisation: Option<String>,
}

/// A target person of a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupPerson {
    /// Person id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Village.
    pub village_code: AreaCode,
    /// Has a care plan.
    pub has_plan: bool,
    /// Last visit.
    pub last_visit: Option<DateTime<Utc>>,
}

/// A note of the group's planning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupNote {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Option<String>,
    /// What.
    pub text: String,
}

/// A group's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDetail {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Area.
    pub area_code: AreaCode,
    /// Members.
    pub members: Vec<GroupMember>,
    /// Target persons.
    pub persons: Vec<GroupPerson>,
    /// Planning notes, newest first.
    pub notes: Vec<GroupNote>,
    /// The caller may change members and persons.
    pub can_manage: bool,
}

fn area_of(m: &issue_groups::Model) -> AreaCode {
    AreaCode::parse(&m.area_code).expect("stored codes are valid")
}

impl Store {
    /// The group when the caller is a member or manages groups over its area; else `NotFound`.
    async fn reachable_group(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<(issue_groups::Model, bool)> {
        let g = issue_groups::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let manages = actor.can(Operation::ManageGroups, &area_of(&g));
        let member = issue_group_members::Entity::find_by_id((id, actor.user_id))
            .one(conn)
            .await?
            .is_some();
        if manages || member {
            Ok((g, manages))
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn managed_group(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<issue_groups::Model> {
        match self.reachable_group(conn, actor, id).await? {
            (g, true) => Ok(g),
            _ => Err(StoreError::Forbidden),
        }
    }

    /// Make an issue group in an area the caller manages groups in. The maker joins it.
    pub async fn create_group(
        &self,
        actor: &Actor,
        input: &GroupInput,
        meta: &RequestMeta,
    ) -> Result<i64> {
        if !actor.can(Operation::ManageGroups, &input.area) {
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
        let now = Utc::now();
        let g = issue_groups::ActiveModel {
            name: Set(input.name.clone()),
            description: Set(input.description.clone()),
            area_code: Set(input.area.to_string()),
            created_by: Set(Some(actor.user_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        issue_group_members::ActiveModel {
            group_id: Set(g.id),
            user_id: Set(actor.user_id),
            added_by: Set(Some(actor.user_id)),
            added_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::GroupCreate, meta)
                .entity("issue_group", g.id)
                .area(&input.area),
        )
        .await?;
        txn.commit().await?;
        Ok(g.id)
    }

    /// Groups the caller belongs to or manages, by name.
    pub async fn groups(&self, actor: &Actor) -> Result<Vec<GroupSummary>> {
        let mine: Vec<i64> = issue_group_members::Entity::find()
            .filter(issue_group_members::Column::UserId.eq(actor.user_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.group_id)
            .collect();
        let mut cond = sea_orm::Condition::any().add(issue_groups::Column::Id.is_in(mine.clone()));
        if actor.can_somewhere(Operation::ManageGroups) {
            cond = cond.add(
                crate::areas::scope_condition(
                    issue_groups::Column::AreaCode,
                    &actor.scope(Operation::ManageGroups),
                )
                .unwrap_or_else(sea_orm::Condition::all),
            );
        }
        let rows = issue_groups::Entity::find()
            .filter(cond)
            .order_by_asc(issue_groups::Column::Name)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for g in rows {
            let members = sea_orm::PaginatorTrait::count(
                issue_group_members::Entity::find()
                    .filter(issue_group_members::Column::GroupId.eq(g.id)),
                &self.db,
            )
            .await?;
            let persons = sea_orm::PaginatorTrait::count(
                issue_group_persons::Entity::find()
                    .filter(issue_group_persons::Column::GroupId.eq(g.id)),
                &self.db,
            )
            .await?;
            out.push(GroupSummary {
                area_code: area_of(&g),
                member: mine.contains(&g.id),
                id: g.id,
                name: g.name,
                members,
                persons,
            });
        }
        Ok(out)
    }

    /// A group's page: members, target persons (with plan and last visit), notes. Audited.
    pub async fn group(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<GroupDetail> {
        let (g, can_manage) = self.reachable_group(&self.db, actor, id).await?;
        let member_rows = issue_group_members::Entity::find()
            .filter(issue_group_members::Column::GroupId.eq(id))
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = member_rows.iter().map(|m| m.user_id).collect();
        let orgs = self.organisations_of_users(&ids).await?;
        let mut members: Vec<GroupMember> = {
            use crate::auth::entity::user as users;
            users::Entity::find()
                .filter(users::Column::Id.is_in(ids.clone()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|u| GroupMember {
                    user_id: u.id,
                    organisation: orgs.get(&u.id).cloned(),
                    name: u.display_name,
                    email: u.email,
                })
                .collect()
        };
        members.sort_by(|a, b| a.name.cmp(&b.name));
        let person_ids: Vec<i64> = issue_group_persons::Entity::find()
            .filter(issue_group_persons::Column::GroupId.eq(id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.person_id)
            .collect();
        let people = persons::Entity::find()
            .filter(persons::Column::Id.is_in(person_ids.clone()))
            .order_by_asc(persons::Column::FirstName)
            .all(&self.db)
            .await?;
        let plans: Vec<i64> = super::entity::care_plans::Entity::find()
            .filter(super::entity::care_plans::Column::PersonId.is_in(person_ids.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.person_id)
            .collect();
        let mut last: std::collections::HashMap<i64, DateTime<Utc>> = Default::default();
        for v in super::entity::visits::Entity::find()
            .filter(super::entity::visits::Column::PersonId.is_in(person_ids))
            .all(&self.db)
            .await?
        {
            let e = last.entry(v.person_id).or_insert(v.visited_at);
            *e = (*e).max(v.visited_at);
        }
        let persons = people
            .into_iter()
            .map(|p| GroupPerson {
                id: p.id,
                name: crate::registry::display_name(
                    p.prefix.as_deref(),
                    &p.first_name,
                    &p.last_name,
                ),
                village_code: village_of(&p),
                has_plan: plans.contains(&p.id),
                last_visit: last.get(&p.id).copied(),
            })
            .collect();
        let note_rows = issue_group_notes::Entity::find()
            .filter(issue_group_notes::Column::GroupId.eq(id))
            .order_by_desc(issue_group_notes::Column::Id)
            .all(&self.db)
            .await?;
        let note_users: Vec<i64> = note_rows.iter().filter_map(|n| n.user_id).collect();
        let note_names = self.user_names(&note_users).await?;
        let notes = note_rows
            .into_iter()
            .map(|n| GroupNote {
                at: n.at,
                by: n.user_id.and_then(|u| note_names.get(&u).cloned()),
                text: n.text,
            })
            .collect();
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::GroupView, meta)
                .entity("issue_group", id)
                .area(&area_of(&g)),
        )
        .await?;
        Ok(GroupDetail {
            area_code: area_of(&g),
            id: g.id,
            name: g.name,
            description: g.description,
            members,
            persons,
            notes,
            can_manage,
        })
    }

    async fn organisations_of_users(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        use crate::network::entity::{organisation_staff, organisations};
        let staff = organisation_staff::Entity::find()
            .filter(organisation_staff::Column::UserId.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        let org_ids: Vec<i64> = staff.iter().map(|s| s.organisation_id).collect();
        let names: std::collections::HashMap<i64, String> = organisations::Entity::find()
            .filter(organisations::Column::Id.is_in(org_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name_th))
            .collect();
        Ok(staff
            .into_iter()
            .filter_map(|s| Some((s.user_id, names.get(&s.organisation_id)?.clone())))
            .collect())
    }

    /// Add (or remove) a member by e-mail.
    pub async fn set_group_member(
        &self,
        actor: &Actor,
        id: i64,
        email: &str,
        add: bool,
        meta: &RequestMeta,
    ) -> Result<()> {
        use crate::auth::entity::user as users;
        let txn = self.db.begin().await?;
        let g = self.managed_group(&txn, actor, id).await?;
        let user = users::Entity::find()
            .filter(users::Column::Email.eq(email.trim().to_lowercase()))
            .one(&txn)
            .await?
            .ok_or(FieldError::new("email", "user_not_found"))?;
        let existing = issue_group_members::Entity::find_by_id((id, user.id))
            .one(&txn)
            .await?;
        match (existing, add) {
            (None, true) => {
                issue_group_members::ActiveModel {
                    group_id: Set(id),
                    user_id: Set(user.id),
                    added_by: Set(Some(actor.user_id)),
                    added_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await?;
            }
            (Some(_), false) => {
                issue_group_members::Entity::delete_by_id((id, user.id))
                    .exec(&txn)
                    .await?;
            }
            _ => return Ok(()),
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::GroupChange, meta)
                .entity("issue_group", id)
                .area(&area_of(&g))
                .detail(serde_json::json!({ "member": user.id, "added": add })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Add (or remove) a target person; the person must be one the caller may see.
    pub async fn set_group_person(
        &self,
        actor: &Actor,
        id: i64,
        person_id: i64,
        add: bool,
        meta: &RequestMeta,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        let g = self.managed_group(&txn, actor, id).await?;
        let p = self
            .visible_person(&txn, actor, person_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => FieldError::new("person_id", "person_not_found").into(),
                e => e,
            })?;
        let existing = issue_group_persons::Entity::find_by_id((id, person_id))
            .one(&txn)
            .await?;
        match (existing, add) {
            (None, true) => {
                issue_group_persons::ActiveModel {
                    group_id: Set(id),
                    person_id: Set(person_id),
                    added_by: Set(Some(actor.user_id)),
                    added_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await?;
            }
            (Some(_), false) => {
                issue_group_persons::Entity::delete_by_id((id, person_id))
                    .exec(&txn)
                    .await?;
            }
            _ => return Ok(()),
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::GroupChange, meta)
                .entity("issue_group", id)
                .area(&area_of(&g))
                .detail(serde_json::json!({ "person": p.id, "added": add })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Add a planning note (members and managers).
    pub async fn add_group_note(
        &self,
        actor: &Actor,
        id: i64,
        text: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::new("text", "required").into());
        }
        if text.chars().count() > 2000 {
            return Err(FieldError::new("text", "too_long").into());
        }
        let txn = self.db.begin().await?;
        let (g, _) = self.reachable_group(&txn, actor, id).await?;
        issue_group_notes::ActiveModel {
            group_id: Set(id),
            user_id: Set(Some(actor.user_id)),
            text: Set(text.to_owned()),
            at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::GroupChange, meta)
                .entity("issue_group", id)
                .area(&area_of(&g))
                .detail(serde_json::json!({ "note": true })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
