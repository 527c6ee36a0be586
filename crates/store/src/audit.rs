//! The append-only audit log. Rows are written in the same transaction as the change they
//! record, so a change without its audit row cannot exist. The database refuses UPDATE and
//! DELETE on the table (see the foundation migration).

use chrono::Utc;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
    Statement,
};

use crate::areas::scope_condition;
use crate::{Result, Store};

pub(crate) mod entity {
    //! The `audit_log` table.
    use sea_orm::entity::prelude::*;

    /// One row of the audit log.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        /// Sequence number.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// When (UTC).
        pub at: DateTimeUtc,
        /// Who.
        pub actor_user_id: Option<i64>,
        /// Their roles then (comma-separated).
        pub actor_roles: Option<String>,
        /// Their areas then (comma-separated, `*` = country).
        pub actor_areas: Option<String>,
        /// What (`auth.login`, `role.grant`, …).
        pub action: String,
        /// Entity kind.
        pub entity: Option<String>,
        /// Entity id.
        pub entity_id: Option<String>,
        /// Area of the entity (drives who may read the entry).
        pub area_code: Option<String>,
        /// Request correlation id.
        pub request_id: Option<String>,
        /// Client address.
        pub ip: Option<String>,
        /// Extra detail (JSON text).
        pub detail: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity as AuditLog};

/// An entry to append. Holds ids and codes only, never names or ID numbers.
#[derive(Debug, Clone)]
pub struct NewEntry {
    action: AuditAction,
    actor_user_id: Option<i64>,
    actor_roles: Option<String>,
    actor_areas: Option<String>,
    entity: Option<&'static str>,
    entity_id: Option<String>,
    area_code: Option<String>,
    request_id: Option<String>,
    ip: Option<String>,
    detail: Option<serde_json::Value>,
}

impl NewEntry {
    /// An action without a signed-in actor (failed login, set-up).
    pub fn anonymous(action: AuditAction, meta: &RequestMeta) -> Self {
        Self {
            action,
            actor_user_id: None,
            actor_roles: None,
            actor_areas: None,
            entity: None,
            entity_id: None,
            area_code: None,
            request_id: meta.request_id.clone(),
            ip: meta.ip.clone(),
            detail: None,
        }
    }

    /// An action by `actor`, recording the roles and areas they held at the time.
    pub fn by(actor: &Actor, action: AuditAction, meta: &RequestMeta) -> Self {
        let mut e = Self::anonymous(action, meta);
        e.actor_user_id = Some(actor.user_id);
        let roles: Vec<&str> = actor.grants.iter().map(|g| g.role.as_str()).collect();
        let areas: Vec<&str> = actor
            .grants
            .iter()
            .map(|g| g.area.as_ref().map_or("*", |a| a.as_str()))
            .collect();
        e.actor_roles = Some(roles.join(","));
        e.actor_areas = Some(areas.join(","));
        e
    }

    /// An action by a user id whose grants are not loaded (sign-in).
    pub fn by_user(user_id: i64, action: AuditAction, meta: &RequestMeta) -> Self {
        let mut e = Self::anonymous(action, meta);
        e.actor_user_id = Some(user_id);
        e
    }

    /// The entity acted on.
    pub fn entity(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.entity = Some(kind);
        self.entity_id = Some(id.to_string());
        self
    }

    /// The area the entity belongs to (drives who may read this entry).
    pub fn area(mut self, code: &AreaCode) -> Self {
        self.area_code = Some(code.to_string());
        self
    }

    /// Extra machine-readable detail (ids, roles, codes; never personal data).
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// Append one entry on `conn` (normally the transaction of the change it records).
pub(crate) async fn append(conn: &impl ConnectionTrait, e: NewEntry) -> Result<()> {
    conn.execute_raw(append_statement(conn.get_database_backend(), e))
        .await?;
    Ok(())
}

/// The statement [`append`] runs (for transactions that are not SeaORM's, like an import's).
pub(crate) fn append_statement(backend: DbBackend, e: NewEntry) -> Statement {
    AuditLog::insert(ActiveModel {
        at: Set(Utc::now()),
        actor_user_id: Set(e.actor_user_id),
        actor_roles: Set(e.actor_roles),
        actor_areas: Set(e.actor_areas),
        action: Set(e.action.as_str().to_owned()),
        entity: Set(e.entity.map(str::to_owned)),
        entity_id: Set(e.entity_id),
        area_code: Set(e.area_code),
        request_id: Set(e.request_id),
        ip: Set(e.ip),
        detail: Set(e.detail.map(|d| d.to_string())),
        ..Default::default()
    })
    .build(backend)
}

/// One audit row as shown to readers (the table's row itself: it holds no secrets).
pub type AuditEntry = entity::Model;

impl Store {
    /// Newest audit entries the actor may read: everything for a national reader; for an area
    /// reader only entries located in their subtrees (entries with no area are national).
    pub async fn list_audit(
        &self,
        actor: &Actor,
        before_id: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditEntry>> {
        let scope = actor.scope(Operation::ViewAudit);
        let mut q = AuditLog::find();
        if let Some(c) = scope_condition(Column::AreaCode, &scope) {
            q = q.filter(c);
        }
        if let Some(b) = before_id {
            q = q.filter(sea_orm::ColumnTrait::lt(&Column::Id, b));
        }
        Ok(q.order_by_desc(Column::Id)
            .limit(limit.min(500))
            .all(&self.db)
            .await?)
    }
}
