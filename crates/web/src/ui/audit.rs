//! The audit log, newest first, scoped to the reader's area.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use ruamjai_domain::auth::Operation;
use ruamjai_store::audit::AuditEntry;
use serde::Deserialize;

use super::{Page, Signed};
use crate::AppState;
use crate::error::WebError;

const PAGE_SIZE: u64 = 100;

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    entries: Vec<AuditEntry>,
    older: Option<i64>,
}

#[derive(Deserialize)]
pub struct AuditParams {
    before: Option<i64>,
}

pub async fn index(
    State(state): State<AppState>,
    s: Signed,
    Query(p): Query<AuditParams>,
) -> Result<Response, WebError> {
    if !s.caller.actor.can_somewhere(Operation::ViewAudit) {
        return Err(WebError::NotFound);
    }
    let entries = state
        .store
        .list_audit(&s.caller.actor, p.before, PAGE_SIZE)
        .await?;
    let older = (entries.len() as u64 == PAGE_SIZE)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(AuditPage {
        page: s.page,
        entries,
        older,
    }
    .into_response())
}
