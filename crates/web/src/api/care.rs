//! Care in the field over HTTP: the operator's day (`my-visits`, which a phone caches for a
//! morning without signal), the sync of visits recorded offline (each change carries a
//! device-made id and applies exactly once however often it is retried; an edit made against an
//! older version comes back as `conflict` and waits for review), visit photos, and a person's
//! visits. Personal data: 404 outside the caller's reach, every read and change audited.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruamjai_domain::care::sync::{SyncRequest, VisitPayload};
use ruamjai_store::care::{DueVisit, SyncStatus, Visit, VisitSubmission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, ErrorItem, WebError};
use crate::i18n::Lang;

/// The most visits one sync request may carry (a phone sends its outbox in pages).
pub const MAX_BATCH: usize = 100;

/// Where the caller stands, to sort by distance.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Here {
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
}

/// A person to visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueVisitResponse {
    pub person_id: i64,
    pub name: String,
    pub village_code: String,
    pub house_number: Option<String>,
    /// Home location.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub age: Option<i32>,
    /// `bedridden`, `homebound`, `socially_active`, or none when never assessed.
    pub adl_group: Option<String>,
    /// Assigned to the caller by name (rather than through their village).
    pub assigned: bool,
    pub last_visit: Option<String>,
    /// The plan's visit interval (or the default for the ADL group).
    pub every_days: i32,
    /// ISO date the next visit is due (Thai calendar day).
    pub due: String,
    /// Negative when overdue.
    pub due_in_days: i64,
    /// Metres from `lat`/`lon` of the request, when both are known.
    pub distance_m: Option<f64>,
}

impl From<DueVisit> for DueVisitResponse {
    fn from(d: DueVisit) -> Self {
        Self {
            person_id: d.person_id,
            village_code: d.village_code.to_string(),
            house_number: d.house_number,
            lat: d.location.map(|l| l.0),
            lon: d.location.map(|l| l.1),
            age: d.age,
            adl_group: d.adl_group,
            assigned: d.assigned,
            last_visit: d.last_visit.map(|t| t.to_rfc3339()),
            every_days: d.every_days,
            due: d.due.to_string(),
            due_in_days: d.due_in_days,
            distance_m: d.distance_m.map(|m| m.round()),
            name: d.name,
        }
    }
}

/// The caller's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyVisitsResponse {
    pub items: Vec<DueVisitResponse>,
}

/// The persons assigned to the caller or, in the villages they hold a field role for, the
/// persons who need visiting (a care plan, bedridden or home-bound), each with the next visit
/// due by their plan; overdue first, or nearest first when `lat` and `lon` are given.
#[utoipa::path(get, path = "/care/my-visits", tag = "care", params(Here),
    responses((status = 200, body = MyVisitsResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn my_visits(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(here): Query<Here>,
) -> Result<Json<MyVisitsResponse>, WebError> {
    let from = here
        .lat
        .zip(here.lon)
        .filter(|(a, b)| a.is_finite() && b.is_finite());
    let list = state
        .store
        .my_visits(&c.caller.actor, from, &c.meta)
        .await?;
    Ok(Json(MyVisitsResponse {
        items: list.into_iter().map(Into::into).collect(),
    }))
}

/// What the store takes from one visit of the batch.
fn submission(v: VisitPayload) -> VisitSubmission {
    let (ids, form) = v.into_parts();
    VisitSubmission {
        op_id: ids.op_id,
        client_id: ids.client_id,
        person_id: ids.person_id,
        base_version: ids.base_version,
        form,
    }
}

/// What happened to one visit of the batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncItemResponse {
    pub client_id: String,
    /// `applied` (written now), `duplicate` (written before: a retry), `conflict` (the visit
    /// changed since the device read it; kept for review), `invalid` (see `errors`; nothing
    /// written, fix and resend), `not_found` (no such person or visit within reach),
    /// `forbidden`.
    pub status: String,
    pub visit_id: Option<i64>,
    pub version: Option<i32>,
    pub conflict_id: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorItem>,
}

/// The answers, one per visit, in the order sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResponse {
    pub results: Vec<SyncItemResponse>,
}

/// Apply visits recorded on a device. Each applies exactly once however many times it is sent
/// (also concurrently); each answers on its own, so one bad visit does not hold back the others.
#[utoipa::path(post, path = "/sync/visits", tag = "care", request_body = SyncRequest,
    responses((status = 200, body = SyncResponse), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn sync_visits(
    State(state): State<AppState>,
    c: ApiCaller,
    Json(req): Json<SyncRequest>,
) -> Result<Json<SyncResponse>, WebError> {
    if req.visits.len() > MAX_BATCH {
        return Err(ruamjai_domain::FieldError::new("visits", "too_many").into());
    }
    let lang = Lang::parse(&c.caller.user.locale);
    let mut results = Vec::with_capacity(req.visits.len());
    for v in req.visits {
        let client_id = v.client_id.clone();
        let sub = submission(v);
        let item = match state.store.sync_visit(&c.caller.actor, &sub, &c.meta).await {
            Ok(r) => SyncItemResponse {
                client_id,
                status: match r.status {
                    SyncStatus::Applied => "applied",
                    SyncStatus::Duplicate => "duplicate",
                    SyncStatus::Conflict => "conflict",
                }
                .into(),
                visit_id: Some(r.visit_id),
                version: Some(r.version),
                conflict_id: r.conflict_id,
                errors: Vec::new(),
            },
            Err(e) => {
                let e = WebError::from(e);
                if let WebError::Internal(_) = e {
                    return Err(e);
                }
                SyncItemResponse {
                    client_id,
                    status: match e {
                        WebError::Invalid(_) => "invalid",
                        WebError::Forbidden => "forbidden",
                        _ => "not_found",
                    }
                    .into(),
                    visit_id: None,
                    version: None,
                    conflict_id: None,
                    errors: e.items(lang),
                }
            }
        };
        results.push(item);
    }
    Ok(Json(SyncResponse { results }))
}

/// A stored photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoResponse {
    pub id: i64,
    /// `applied` or `duplicate`.
    pub status: String,
}

/// The multipart form of a photo upload (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PhotoUpload {
    /// The device's id of the photo (a UUID); a retry repeats it.
    photo_id: String,
    /// JPEG, PNG or WebP, at most 12 MB.
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

/// Add a photo to a visit (by the visit's device-made id). The photo is resized and every EXIF
/// tag (GPS too) removed before it is kept; a photo sent twice is kept once.
#[utoipa::path(post, path = "/sync/visits/{client_id}/photos", tag = "care",
    params(("client_id" = String, Path, description = "The visit's device-made id")),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = PhotoResponse), (status = 200, body = PhotoResponse),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn upload_photo(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(client_id): Path<String>,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let mut photo_id = String::new();
    let mut bytes: Option<Vec<u8>> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(WebError::PayloadTooLarge);
            }
            Err(_) => return Err(ruamjai_domain::FieldError::new("photo", "required").into()),
        };
        match field.name() {
            Some("photo_id") => {
                photo_id = field
                    .text()
                    .await
                    .map_err(|_| ruamjai_domain::FieldError::new("photo_id", "required"))?;
            }
            Some("photo") => {
                bytes = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| {
                            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                                WebError::PayloadTooLarge
                            } else {
                                ruamjai_domain::FieldError::new("photo", "required").into()
                            }
                        })?
                        .to_vec(),
                );
            }
            _ => {}
        }
    }
    let bytes = bytes.ok_or(ruamjai_domain::FieldError::new("photo", "required"))?;
    let (id, status) = state
        .store
        .add_photo(&c.caller.actor, &client_id, photo_id.trim(), bytes, &c.meta)
        .await?;
    let (code, word) = match status {
        SyncStatus::Applied => (StatusCode::CREATED, "applied"),
        _ => (StatusCode::OK, "duplicate"),
    };
    Ok((
        code,
        Json(PhotoResponse {
            id,
            status: word.into(),
        }),
    )
        .into_response())
}

/// A recorded visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitResponse {
    pub id: i64,
    pub client_id: String,
    pub person_id: i64,
    pub visitor_id: Option<i64>,
    pub visited_at: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub systolic: Option<u16>,
    pub diastolic: Option<u16>,
    pub pulse: Option<u16>,
    pub temperature: Option<f64>,
    pub spo2: Option<u8>,
    pub glucose: Option<u16>,
    pub weight: Option<f64>,
    pub height: Option<f64>,
    pub bmi: Option<f64>,
    /// Readings a nurse should see: `code:severity` (`bp_high:attention`).
    pub flags: Vec<String>,
    /// The ten item scores in the form's order.
    pub adl_scores: Option<Vec<u8>>,
    pub adl_total: Option<u8>,
    pub adl_group: Option<String>,
    pub needs: Vec<String>,
    pub needs_note: Option<String>,
    pub notes: Option<String>,
    /// Photo ids (`GET /photos/{id}` on the web interface).
    pub photos: Vec<i64>,
    /// Edits name it as `base_version`.
    pub version: i32,
}

impl From<Visit> for VisitResponse {
    fn from(v: Visit) -> Self {
        Self {
            id: v.id,
            person_id: v.person_id,
            visitor_id: v.visitor_id,
            visited_at: v.visited_at.to_rfc3339(),
            lat: v.location.map(|l| l.0),
            lon: v.location.map(|l| l.1),
            systolic: v.vitals.systolic,
            diastolic: v.vitals.diastolic,
            pulse: v.vitals.pulse,
            temperature: v.vitals.temperature,
            spo2: v.vitals.spo2,
            glucose: v.vitals.glucose,
            weight: v.vitals.weight,
            height: v.vitals.height,
            bmi: v.bmi,
            flags: v.vitals.flags().iter().map(|f| f.key()).collect(),
            adl_scores: v.adl.map(|a| a.scores.to_vec()),
            adl_total: v.adl.map(|a| a.total()),
            adl_group: v.adl_group().map(|g| g.as_str().into()),
            needs: v.needs.iter().map(|n| n.as_str().into()).collect(),
            needs_note: v.needs_note,
            notes: v.notes,
            photos: v.photos,
            version: v.version,
            client_id: v.client_id,
        }
    }
}

/// A person's visits.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitsResponse {
    pub items: Vec<VisitResponse>,
}

/// A person's visits, newest first.
#[utoipa::path(get, path = "/persons/{id}/visits", tag = "care",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = VisitsResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn person_visits(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<VisitsResponse>, WebError> {
    let list = state.store.visits_of(&c.caller.actor, id, &c.meta).await?;
    Ok(Json(VisitsResponse {
        items: list.into_iter().map(Into::into).collect(),
    }))
}
