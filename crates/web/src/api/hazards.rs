//! Disaster watch over HTTP: stations of the caller's areas, readings pushed by a phone or a
//! sensor (each with a device-made `op_id`, applied once however often it is retried; the
//! answer says which alerts it raised), and the open alerts. No personal data here.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use ruamjai_domain::FieldError;
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::care::visit::parse_time;
use ruamjai_store::hazards::{Alert, Station};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::care::Loose;
use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, WebError, area_code_or_404};

/// An area filter.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AreaFilter {
    /// Area code (2, 4, 6 or 8 digits); all the caller's areas when absent.
    pub area: Option<String>,
}

/// A watch station.
#[derive(Debug, Serialize, ToSchema)]
pub struct StationResponse {
    pub id: i64,
    pub name: String,
    /// `water_level` (m), `rain` (mm), `pm25` (µg/m³).
    pub kind: String,
    pub unit: String,
    pub village_code: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub watch: Option<f64>,
    pub warning: Option<f64>,
    pub danger: Option<f64>,
    /// The latest reading by observation time.
    pub latest_value: Option<f64>,
    pub latest_at: Option<String>,
    /// The alert level the latest reading reaches (`watch`, `warning`, `danger`), if any.
    pub level: Option<String>,
    /// True when the caller may enter readings of this station (it stands in a village where
    /// they record readings); the others are listed because the caller sees their area.
    pub may_record: bool,
}

impl StationResponse {
    /// A station as `actor` sees it.
    fn of(s: Station, actor: &Actor) -> Self {
        Self {
            may_record: actor.can(Operation::RecordReadings, &s.village_code),
            level: s
                .latest
                .and_then(|(v, _)| s.thresholds.level_of(v))
                .map(|l| l.as_str().into()),
            id: s.id,
            name: s.name,
            kind: s.kind.as_str().into(),
            unit: s.kind.unit().into(),
            village_code: s.village_code.to_string(),
            lat: s.location.map(|l| l.0),
            lon: s.location.map(|l| l.1),
            watch: s.thresholds.watch,
            warning: s.thresholds.warning,
            danger: s.thresholds.danger,
            latest_value: s.latest.map(|l| l.0),
            latest_at: s.latest.map(|l| l.1.to_rfc3339()),
        }
    }
}

/// Stations.
#[derive(Debug, Serialize, ToSchema)]
pub struct StationsResponse {
    pub items: Vec<StationResponse>,
}

#[utoipa::path(get, path = "/stations", tag = "hazards", params(AreaFilter),
    responses((status = 200, body = StationsResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list_stations(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AreaFilter>,
) -> Result<Json<StationsResponse>, WebError> {
    let area = match q.area.as_deref() {
        Some(a) => Some(area_code_or_404(a)?),
        None => None,
    };
    let items = state.store.stations(&c.caller.actor, area.as_ref()).await?;
    Ok(Json(StationsResponse {
        items: items
            .into_iter()
            .map(|s| StationResponse::of(s, &c.caller.actor))
            .collect(),
    }))
}

/// A reading as the device took it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReadingRequest {
    /// The device's id of this reading (a UUID, at most 36 characters); a retry repeats it.
    pub op_id: String,
    /// The reading in the station's unit (a number, or text such as `"4.25"`).
    #[schema(value_type = String)]
    pub value: Loose,
    /// When it was read: RFC 3339, or Thai wall-clock `2026-12-06T09:30`; now when absent.
    #[serde(default)]
    pub observed_at: Option<String>,
}

/// What a reading did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingResponse {
    pub reading_id: i64,
    /// Alert levels the reading crossed upwards (alerts raised), lowest first.
    pub raised: Vec<String>,
    /// True when this `op_id` had been applied before: nothing new was written.
    pub duplicate: bool,
}

#[utoipa::path(post, path = "/stations/{id}/readings", tag = "hazards",
    params(("id" = i64, Path, description = "Station id")),
    request_body = ReadingRequest,
    responses((status = 201, body = ReadingResponse), (status = 200, body = ReadingResponse,
        description = "A retry of a reading already applied"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn record_reading(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<ReadingRequest>,
) -> Result<Response, WebError> {
    let observed_at = match req.observed_at.as_deref().map(str::trim) {
        None | Some("") => Utc::now(),
        Some(raw) => parse_time(raw)
            .ok_or_else(|| WebError::from(FieldError::new("observed_at", "datetime_invalid")))?,
    };
    let r = state
        .store
        .record_reading(&c.caller.actor, id, &req.op_id, &req.value.0, observed_at)
        .await?;
    let status = if r.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(ReadingResponse {
            reading_id: r.reading_id,
            raised: r.raised.iter().map(|l| l.as_str().into()).collect(),
            duplicate: r.duplicate,
        }),
    )
        .into_response())
}

/// An alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertResponse {
    pub id: i64,
    pub station_id: i64,
    pub station: String,
    /// `watch`, `warning` or `danger`.
    pub level: String,
    pub village_code: String,
    pub value: f64,
    pub threshold: f64,
    pub observed_at: String,
    pub raised_at: String,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<String>,
    /// How many accounts it was sent to when raised (the village's volunteers, the staff and
    /// admins of the areas above it).
    pub alerted: u64,
}

impl From<Alert> for AlertResponse {
    fn from(a: Alert) -> Self {
        Self {
            id: a.id,
            station_id: a.station_id,
            station: a.station,
            level: a.level.as_str().into(),
            village_code: a.village_code.to_string(),
            value: a.value,
            threshold: a.threshold,
            observed_at: a.observed_at.to_rfc3339(),
            raised_at: a.raised_at.to_rfc3339(),
            acknowledged_by: a.acknowledged.map(|x| x.0),
            acknowledged_at: a.acknowledged.map(|x| x.1.to_rfc3339()),
            alerted: a.alerted,
        }
    }
}

/// Alerts not yet acknowledged, newest first (at most 200).
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertsResponse {
    pub items: Vec<AlertResponse>,
}

#[utoipa::path(get, path = "/alerts", tag = "hazards", params(AreaFilter),
    responses((status = 200, body = AlertsResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AreaFilter>,
) -> Result<Json<AlertsResponse>, WebError> {
    let area = match q.area.as_deref() {
        Some(a) => Some(area_code_or_404(a)?),
        None => None,
    };
    let items = state
        .store
        .alerts(&c.caller.actor, area.as_ref(), true, 200)
        .await?;
    Ok(Json(AlertsResponse {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(post, path = "/alerts/{id}/acknowledge", tag = "hazards",
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn acknowledge_alert(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<StatusCode, WebError> {
    state.store.acknowledge_alert(&c.caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
