//! The audit log, newest first, within the caller's area.

use axum::Json;
use axum::extract::{Query, State};
use ruamjai_domain::auth::Operation;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, WebError};

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    /// Sequence number.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Their roles then.
    pub actor_roles: Option<String>,
    /// Their areas then.
    pub actor_areas: Option<String>,
    /// Action (`auth.login`, `role.grant`, …).
    pub action: String,
    /// Entity kind.
    pub entity: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Area of the entity.
    pub area_code: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Extra machine-readable detail (JSON text: ids, roles, codes).
    pub detail: Option<String>,
}

/// Audit paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only entries older than this id.
    pub before: Option<i64>,
    /// At most this many (default 100, max 500).
    pub limit: Option<u64>,
}

/// The audit log, newest first, within the caller's area.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntryResponse>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEntryResponse>>, WebError> {
    if !c.caller.actor.can_somewhere(Operation::ViewAudit) {
        return Err(WebError::NotFound);
    }
    let entries = state
        .store
        .list_audit(
            &c.caller.actor,
            q.before,
            q.limit.unwrap_or(100).clamp(1, 500),
        )
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntryResponse {
                id: e.id,
                at: e.at.to_rfc3339(),
                actor_user_id: e.actor_user_id,
                actor_roles: e.actor_roles,
                actor_areas: e.actor_areas,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                area_code: e.area_code,
                request_id: e.request_id,
                ip: e.ip,
                detail: e.detail,
            })
            .collect(),
    ))
}
