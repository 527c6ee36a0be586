//! Data-subject rights (PDPA) over HTTP: everything held on a person (export), who accessed
//! them, and their erasure. Rectification is `PUT /persons/{id}`.
//!
//! The store decides who may: the export needs the export permission over the person's village
//! (staff and area administrators), the access list the audit permission (area
//! administrators), the erasure the erase permission (area administrators and administrators);
//! outside the caller's area the person does not exist (404). Every call is audited.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ruamjai_domain::registry::privacy::EraseForm;
use ruamjai_store::registry::privacy::{AccessEntry, Erasure, PersonExport, Withheld};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, WebError};

/// Rows left out of an export for this caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithheldResponse {
    /// Table.
    pub table: String,
    /// How many rows (0 for the access list, which is left out whole).
    pub rows: u64,
    /// `sensitive` (the sensitive categories need that permission) or `audit` (the access
    /// list needs the audit permission).
    pub reason: String,
}

impl From<Withheld> for WithheldResponse {
    fn from(w: Withheld) -> Self {
        Self {
            table: w.table,
            rows: w.rows,
            reason: w.reason.into(),
        }
    }
}

/// One access to a person, from the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessEntryResponse {
    /// Audit entry id.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (user id; 0: the command line or the system).
    pub actor_user_id: Option<i64>,
    /// Their name as shown now.
    pub actor_name: Option<String>,
    /// What (`person.view`, `visit.record`, `person.search`, …).
    pub action: String,
    /// Entity acted on (`person`, `visit`, `photo`, `care_plan`, …).
    pub entity: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// The request it came from.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// True when the person was one of the results of a list (a search, a gap report, a field
    /// worker's day) rather than their record opened.
    pub listed: bool,
}

impl From<AccessEntry> for AccessEntryResponse {
    fn from(a: AccessEntry) -> Self {
        Self {
            id: a.id,
            at: a.at.to_rfc3339(),
            actor_user_id: a.actor_user_id,
            actor_name: a.actor_name,
            action: a.action,
            entity: a.entity,
            entity_id: a.entity_id,
            request_id: a.request_id,
            ip: a.ip,
            listed: a.listed,
        }
    }
}

/// Everything held on a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonExportResponse {
    /// `ruamjai.person-export.v1`.
    pub format: String,
    /// When it was made (RFC 3339).
    pub exported_at: String,
    /// The person asked about.
    pub person_id: i64,
    /// Their record ids: the person and the records merged into them.
    pub records: Vec<i64>,
    /// Every row about them by table name (`persons`, `visits`, `consents`, …), each row an
    /// object with every column of the table: numbers as numbers, times RFC 3339, dates ISO.
    #[schema(value_type = Object)]
    pub tables: BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>,
    /// What was left out for this caller, and why.
    pub withheld: Vec<WithheldResponse>,
    /// Who accessed them (empty and listed in `withheld` without the audit permission).
    pub accesses: Vec<AccessEntryResponse>,
}

impl From<PersonExport> for PersonExportResponse {
    fn from(e: PersonExport) -> Self {
        Self {
            format: e.format.into(),
            exported_at: e.exported_at.to_rfc3339(),
            person_id: e.person_id,
            records: e.records,
            tables: e.tables,
            withheld: e.withheld.into_iter().map(Into::into).collect(),
            accesses: e.accesses.into_iter().map(Into::into).collect(),
        }
    }
}

/// Everything held on a person (a PDPA subject-access request), machine-readable: every column
/// of every row about them in every table, the records merged into them, who accessed them.
/// Needs the export permission over the person's village; sensitive categories only with the
/// `sensitive` permission (otherwise counted in `withheld`). Sent as an attachment, never
/// cached. Audited.
#[utoipa::path(get, path = "/persons/{id}/export", tag = "privacy",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = PersonExportResponse,
            description = "As an attachment `ruamjai-person-ID-YYYYMMDD.json`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn export_person(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let e = state
        .store
        .export_person_data(&c.caller.actor, id, &c.meta)
        .await?;
    Ok(export_download(e))
}

/// The JSON document as a download: an attachment, never kept by a cache.
pub(crate) fn export_download(e: PersonExport) -> Response {
    let name = format!(
        "ruamjai-person-{}-{}.json",
        e.person_id,
        ruamjai_store::registry::today().format("%Y%m%d")
    );
    (
        [
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Json(PersonExportResponse::from(e)),
    )
        .into_response()
}

/// Access list paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AccessParams {
    /// At most this many entries, newest first (default 500, at most 5000).
    pub limit: Option<u64>,
}

/// Who accessed a person, newest first: every audit entry about their record, visits, photos,
/// care plan, linkage pairs and household, and the lists that showed them (searches, gap
/// reports, a field worker's day: `listed`). Needs the audit permission over the person's
/// village (area administrators). Audited itself.
#[utoipa::path(get, path = "/persons/{id}/access", tag = "privacy",
    params(("id" = i64, Path, description = "Person id"), AccessParams),
    responses((status = 200, body = Vec<AccessEntryResponse>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person_access(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Query(p): Query<AccessParams>,
) -> Result<Json<Vec<AccessEntryResponse>>, WebError> {
    let list = state
        .store
        .person_access_log(&c.caller.actor, id, p.limit.unwrap_or(500), &c.meta)
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// An erasure request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EraseRequest {
    /// Why (at most 500 characters; kept in the audit log with the person's name and ID
    /// number taken out).
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureResponse {
    /// The only name the erased person has from now on (`erased-` and ten hex digits): the
    /// reference to give them.
    pub pseudonym: String,
    /// Person records erased (the person and the records merged into them).
    pub records: u64,
    /// Visits erased.
    pub visits: u64,
    /// Photos erased (with their files).
    pub photos: u64,
    /// Rows elsewhere whose free text named them, now naming the pseudonym.
    pub scrubbed: u64,
}

impl From<Erasure> for ErasureResponse {
    fn from(e: Erasure) -> Self {
        Self {
            pseudonym: e.pseudonym,
            records: e.records,
            visits: e.visits,
            photos: e.photos,
            scrubbed: e.scrubbed,
        }
    }
}

/// Erase a person and everything about them (PDPA right to erasure), in one transaction: their
/// record and the records merged into them, categories, consents, attestations, visits and
/// photos (files too), care plan, assignments, group memberships, assistance, linkage pairs;
/// their full name and ID number in others' free text become the pseudonym. Agency roll rows
/// and the audit log stay, without their name. Cannot be undone. Needs the erase permission
/// (area administrators, administrators) and a `reason`; a record merged into another answers
/// 422 `erase_merged_record` on `status` (erase the other).
#[utoipa::path(post, path = "/persons/{id}/erase", tag = "privacy",
    params(("id" = i64, Path, description = "Person id")), request_body = EraseRequest,
    responses((status = 200, body = ErasureResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn erase_person(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<EraseRequest>,
) -> Result<Json<ErasureResponse>, WebError> {
    let reason = EraseForm {
        reason: req.reason,
        confirm: true,
    }
    .check(false)?;
    let e = state
        .store
        .erase_person(&c.caller.actor, id, &reason, &c.meta)
        .await?;
    Ok(Json(e.into()))
}
