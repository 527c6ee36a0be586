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

use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, WebError, area_code_or_404};
use ruamjai_domain::care::sync::Loose;

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

/// The hazard zones and risk points reaching the area, as GeoJSON (`FeatureCollection`; each
/// feature's `id` is the one an import recognises, properties `name`, `kind`, `severity`,
/// `source`, `valid_from`, `valid_to`, `area_code`).
#[utoipa::path(get, path = "/zones", tag = "hazards", params(AreaFilter),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json", body = Object),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_zones(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AreaFilter>,
) -> Result<Response, WebError> {
    let area = match q.area.as_deref() {
        Some(a) => Some(area_code_or_404(a)?),
        None => None,
    };
    let body = state
        .store
        .export_zones(&c.caller.actor, area.as_ref())
        .await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        body,
    )
        .into_response())
}

/// A person of an evacuation list.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvacueeResponse {
    /// Place in the list (1 first).
    pub order: usize,
    pub person_id: i64,
    pub name: String,
    /// `bedridden_alone`, `bedridden`, `homebound`, `disabled`, `elderly`, `young_child`.
    pub priority: String,
    pub age: Option<i32>,
    /// The only active person of their household.
    pub alone: bool,
    pub village_code: String,
    pub house_number: Option<String>,
    pub phone: Option<String>,
    /// The categories the caller may see.
    pub categories: Vec<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The nearest volunteers free now: id, name, phone, metres.
    pub volunteers: Vec<NearVolunteerResponse>,
}

/// A volunteer proposed for an evacuee.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearVolunteerResponse {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub distance_m: f64,
}

/// The evacuation list of a zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvacuationResponse {
    pub zone_id: i64,
    pub zone_name: String,
    pub kind: String,
    /// False when the caller may not see persons (both lists are then empty).
    pub persons_shown: bool,
    /// False when the caller may not see volunteers.
    pub volunteers_shown: bool,
    /// Homes inside the zone, in evacuation order.
    pub evacuees: Vec<EvacueeResponse>,
    /// Vulnerable persons of the same villages without a home location.
    pub unlocated: Vec<EvacueeResponse>,
}

fn evacuee(order: usize, e: ruamjai_store::hazards::zones::Evacuee) -> EvacueeResponse {
    EvacueeResponse {
        order,
        person_id: e.person_id,
        name: e.name,
        priority: e.priority.as_str().into(),
        age: e.age,
        alone: e.alone,
        village_code: e.village_code.to_string(),
        house_number: e.house_number,
        phone: e.phone,
        categories: e.categories.iter().map(|c| c.as_str().into()).collect(),
        lat: e.home.map(|h| h.0),
        lon: e.home.map(|h| h.1),
        volunteers: e
            .volunteers
            .into_iter()
            .map(|v| NearVolunteerResponse {
                id: v.id,
                name: v.name,
                phone: v.phone,
                distance_m: v.distance_m,
            })
            .collect(),
    }
}

/// The vulnerable persons whose homes lie inside a zone, in evacuation order (bedridden and
/// living alone first, then bedridden, home-bound, disabled, elderly, young children), each
/// with the nearest volunteers free now; those of the same villages without a home location
/// apart. Only the persons the caller may see; audited.
#[utoipa::path(get, path = "/zones/{id}/evacuation", tag = "hazards",
    params(("id" = i64, Path, description = "Zone id")),
    responses((status = 200, body = EvacuationResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn zone_evacuation(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let e = state.store.evacuation(&c.caller.actor, id, &c.meta).await?;
    let body = EvacuationResponse {
        zone_id: e.zone.id,
        zone_name: e.zone.meta.name.clone(),
        kind: e.zone.meta.kind.as_str().into(),
        persons_shown: e.persons_shown,
        volunteers_shown: e.volunteers_shown,
        evacuees: e
            .evacuees
            .into_iter()
            .enumerate()
            .map(|(i, p)| evacuee(i + 1, p))
            .collect(),
        unlocated: e
            .unlocated
            .into_iter()
            .enumerate()
            .map(|(i, p)| evacuee(i + 1, p))
            .collect(),
    };
    let mut r = Json(body).into_response();
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}
