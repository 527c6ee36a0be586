//! The network over HTTP: partners, volunteers (with hours given), the matching helper
//! ("who can go now, near here, with these skills?"), courses, the network dashboard, and the
//! public certificate check. Volunteers are personal data: seen inside the caller's areas only
//! (404 outside), every read audited.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDateTime;
use ruamjai_domain::Invalid;
use ruamjai_domain::network::{HoursForm, Need, Skill, VolunteerForm, VolunteerKind};
use ruamjai_store::network::college::{CertificateCheck, Course};
use ruamjai_store::network::{
    NetworkDashboard, Organisation, Volunteer, VolunteerMatch, VolunteerQuery,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::created;
use super::registry::IdResponse;
use crate::AppState;
use crate::caller::{ApiCaller, Ctx};
use crate::error::{ErrorBody, WebError, area_code_or_404};

/// A partner organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerResponse {
    pub id: i64,
    pub name_th: String,
    pub name_en: Option<String>,
    /// `people`, `private`, `academic`, `local_government`, `government`, `religious`, `media`.
    pub sector: String,
    /// `foundation`, `hospital`, `health_centre`, `school`, `temple`, `mosque`, `sao`, …
    pub org_type: String,
    /// The area served.
    pub area_code: String,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// `skills`, `goods`, `money`, `vehicles`, `places`.
    pub offers: Vec<String>,
    pub offer_note: Option<String>,
}

impl From<Organisation> for PartnerResponse {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            sector: o.sector.as_str().into(),
            org_type: o.org_type.as_str().into(),
            area_code: o.area.to_string(),
            offers: o.offers.iter().map(|f| f.as_str().into()).collect(),
            name_th: o.name_th,
            name_en: o.name_en,
            contact_name: o.contact_name,
            phone: o.phone,
            email: o.email,
            offer_note: o.offer_note,
        }
    }
}

/// A skill held, and the course that granted it (none when declared).
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldSkillResponse {
    pub skill: String,
    pub course_id: Option<i64>,
}

/// A volunteer.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerResponse {
    pub id: i64,
    /// Name as shown (prefix, first and last name).
    pub name: String,
    /// `vhv`, `caregiver`, `social_development`, `general`, `youth`, `elders_club`,
    /// `disabled`, `rescue`.
    pub kind: String,
    pub phone: Option<String>,
    pub area_code: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Language codes (`th`, `nod`, `hmn`, …).
    pub languages: Vec<String>,
    /// Weekly availability in Thai time (`mon-fri 18:00-21:00` written out per day, or
    /// `always`; empty when not stated).
    pub availability: String,
    pub organisation_id: Option<i64>,
    pub active: bool,
    pub skills: Vec<HeldSkillResponse>,
    /// Hours given in all.
    pub hours_given: f64,
}

impl From<Volunteer> for VolunteerResponse {
    fn from(v: Volunteer) -> Self {
        Self {
            id: v.id,
            name: v.full_name(),
            kind: v.kind.as_str().into(),
            area_code: v.area.to_string(),
            lat: v.home.map(|h| h.0),
            lon: v.home.map(|h| h.1),
            languages: v.languages.iter().map(|l| l.as_str().into()).collect(),
            availability: v.availability.to_text(),
            skills: v
                .skills
                .iter()
                .map(|s| HeldSkillResponse {
                    skill: s.skill.as_str().into(),
                    course_id: s.course_id,
                })
                .collect(),
            hours_given: v.minutes_given as f64 / 60.0,
            phone: v.phone,
            organisation_id: v.organisation_id,
            active: v.active,
        }
    }
}

/// Filters of the partner list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerParams {
    /// Only serving inside this area.
    pub area: Option<String>,
    /// Only of this sector.
    pub sector: Option<String>,
}

/// Partners the caller can reach: inside their areas, or serving an area above them.
#[utoipa::path(get, path = "/partners", tag = "network", params(PartnerParams),
    responses((status = 200, body = [PartnerResponse]), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_partners(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(p): Query<PartnerParams>,
) -> Result<Json<Vec<PartnerResponse>>, WebError> {
    let area = p.area.as_deref().map(area_code_or_404).transpose()?;
    let sector = match p.sector.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            ruamjai_domain::network::Sector::parse(s)
                .ok_or_else(|| Invalid::one("sector", "invalid_choice"))?,
        ),
    };
    let list = state
        .store
        .list_organisations(&c.caller.actor, area.as_ref(), sector)
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Filters of the volunteer list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VolunteerParams {
    /// Inside this area.
    pub area: Option<String>,
    /// Of this kind.
    pub kind: Option<String>,
    /// Holding this skill.
    pub skill: Option<String>,
    /// Name or phone contains this.
    pub q: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u64>,
}

fn parse_or<T>(
    field: &'static str,
    v: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, WebError> {
    match v {
        None | Some("") => Ok(None),
        Some(s) => Ok(Some(
            parse(s).ok_or_else(|| Invalid::one(field, "invalid_choice"))?,
        )),
    }
}

/// Volunteers inside the caller's areas (the read is audited with the count shown).
#[utoipa::path(get, path = "/volunteers", tag = "network", params(VolunteerParams),
    responses((status = 200, body = [VolunteerResponse]), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_volunteers(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(p): Query<VolunteerParams>,
) -> Result<Json<Vec<VolunteerResponse>>, WebError> {
    let q = VolunteerQuery {
        area: p.area.as_deref().map(area_code_or_404).transpose()?,
        kind: parse_or("kind", p.kind.as_deref(), VolunteerKind::parse)?,
        skill: parse_or("skill", p.skill.as_deref(), Skill::parse)?,
        q: p.q.unwrap_or_default(),
        limit: p.limit.unwrap_or(100),
    };
    let list = state
        .store
        .list_volunteers(&c.caller.actor, &q, &c.meta)
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A new volunteer.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct VolunteerRequest {
    pub prefix: String,
    pub first_name: String,
    pub last_name: String,
    /// See [`VolunteerResponse::kind`].
    pub kind: String,
    pub phone: String,
    /// Where they volunteer (usually their village).
    pub area_code: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Skill codes they declare (`first_aid`, `driving`, …); courses add more.
    pub skills: Vec<String>,
    pub languages: Vec<String>,
    /// `mon-fri 18:00-21:00, sat 09:00-12:00`, `always`, or empty.
    pub availability: String,
    pub organisation_id: Option<i64>,
}

/// Add a volunteer (needs the right to manage the network in their area).
#[utoipa::path(post, path = "/volunteers", tag = "network", request_body = VolunteerRequest,
    responses((status = 201, body = IdResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_volunteer(
    State(state): State<AppState>,
    c: ApiCaller,
    Json(r): Json<VolunteerRequest>,
) -> Result<impl axum::response::IntoResponse, WebError> {
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let input = VolunteerForm {
        prefix: r.prefix,
        first_name: r.first_name,
        last_name: r.last_name,
        kind: r.kind,
        phone: r.phone,
        area_code: r.area_code,
        lat: num(r.lat),
        lon: num(r.lon),
        skills: r.skills.join(","),
        languages: r.languages.join(","),
        availability: r.availability,
        organisation_id: r.organisation_id.map(|i| i.to_string()).unwrap_or_default(),
    }
    .check()?;
    let id = state
        .store
        .create_volunteer(&c.caller.actor, input, &c.meta)
        .await?;
    Ok(created(IdResponse { id }))
}

/// One volunteer (the read is audited).
#[utoipa::path(get, path = "/volunteers/{id}", tag = "network",
    params(("id" = i64, Path, description = "Volunteer id")),
    responses((status = 200, body = VolunteerResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_volunteer(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<VolunteerResponse>, WebError> {
    let v = state.store.volunteer(&c.caller.actor, id, &c.meta).await?;
    Ok(Json(v.into()))
}

/// Hours given.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct HoursRequest {
    /// ISO date or `dd/mm/yyyy` (Buddhist or Gregorian year); not in the future.
    pub date: String,
    /// Hours, more than 0 and at most 24 (`2.5`).
    pub hours: f64,
    pub activity: String,
}

/// Log hours a volunteer gave.
#[utoipa::path(post, path = "/volunteers/{id}/hours", tag = "network",
    params(("id" = i64, Path, description = "Volunteer id")), request_body = HoursRequest,
    responses((status = 201, body = IdResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn log_hours(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(r): Json<HoursRequest>,
) -> Result<impl axum::response::IntoResponse, WebError> {
    let input = HoursForm {
        date: r.date,
        hours: r.hours.to_string(),
        activity: r.activity,
    }
    .check(ruamjai_store::registry::today())?;
    let hid = state
        .store
        .log_hours(&c.caller.actor, id, input, &c.meta)
        .await?;
    Ok(created(IdResponse { id: hid }))
}

/// What is needed, where and when.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// Latitude of the place.
    pub lat: f64,
    /// Longitude of the place.
    pub lon: f64,
    /// Skills needed, comma-separated codes (every one).
    pub skills: Option<String>,
    /// Farthest home, metres (default 20,000; at most 200,000).
    pub within_m: Option<f64>,
    /// Thai local time `2026-11-23T14:00:00` (default: now).
    pub at: Option<String>,
    /// At most this many (1–100, default 10).
    pub limit: Option<usize>,
}

/// A volunteer who can go, and how far they live.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchResponse {
    pub volunteer: VolunteerResponse,
    /// From their home to the place, metres.
    pub distance_m: f64,
}

impl From<VolunteerMatch> for MatchResponse {
    fn from(m: VolunteerMatch) -> Self {
        Self {
            volunteer: m.volunteer.into(),
            distance_m: m.distance_m.round(),
        }
    }
}

/// Volunteers inside the caller's areas who are available at the time, hold every skill
/// asked and live within reach: nearest first. Used by care, hazards and relief.
#[utoipa::path(get, path = "/volunteers/match", tag = "network", params(MatchParams),
    responses((status = 200, body = [MatchResponse]), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn match_volunteers(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(p): Query<MatchParams>,
) -> Result<Json<Vec<MatchResponse>>, WebError> {
    let mut errors = Vec::new();
    if !(-90.0..=90.0).contains(&p.lat) {
        errors.push(ruamjai_domain::FieldError::new("lat", "coordinate_invalid"));
    }
    if !(-180.0..=180.0).contains(&p.lon) {
        errors.push(ruamjai_domain::FieldError::new("lon", "coordinate_invalid"));
    }
    let skills = ruamjai_domain::network::codes::parse_list(
        "skills",
        p.skills.as_deref().unwrap_or(""),
        Skill::parse,
    )
    .unwrap_or_else(|e| {
        errors.push(e);
        Vec::new()
    });
    let at = match p.at.as_deref() {
        None | Some("") => ruamjai_store::registry::now_local(),
        Some(s) => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
            .unwrap_or_else(|_| {
                errors.push(ruamjai_domain::FieldError::new("at", "date_invalid"));
                ruamjai_store::registry::now_local()
            }),
    };
    if !errors.is_empty() {
        return Err(Invalid(errors).into());
    }
    let need = Need {
        point: (p.lat, p.lon),
        skills,
        at,
        within_m: p.within_m.unwrap_or(20_000.0).clamp(1.0, 200_000.0),
        limit: p.limit.unwrap_or(10).clamp(1, 100),
    };
    let found = state
        .store
        .match_volunteers(&c.caller.actor, &need, &c.meta)
        .await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

/// A course of the volunteer college.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseResponse {
    pub id: i64,
    pub title_th: String,
    pub title_en: Option<String>,
    /// Who runs it.
    pub area_code: String,
    /// Skills completing it grants.
    pub skills: Vec<String>,
    pub hours: Option<i32>,
}

impl From<Course> for CourseResponse {
    fn from(c: Course) -> Self {
        Self {
            id: c.id,
            area_code: c.area.to_string(),
            skills: c.skills.iter().map(|s| s.as_str().into()).collect(),
            title_th: c.title_th,
            title_en: c.title_en,
            hours: c.hours,
        }
    }
}

/// Courses the caller can reach.
#[utoipa::path(get, path = "/courses", tag = "network",
    responses((status = 200, body = [CourseResponse]), (status = 401, body = ErrorBody)))]
pub async fn list_courses(
    State(state): State<AppState>,
    c: ApiCaller,
) -> Result<Json<Vec<CourseResponse>>, WebError> {
    let list = state.store.list_courses(&c.caller.actor).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// What a valid certificate code shows: nothing more.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateResponse {
    pub code: String,
    pub name: String,
    pub course_th: String,
    pub course_en: Option<String>,
    /// ISO date.
    pub completed_on: String,
}

impl From<CertificateCheck> for CertificateResponse {
    fn from(c: CertificateCheck) -> Self {
        Self {
            completed_on: c.completed_on.to_string(),
            code: c.code,
            name: c.name,
            course_th: c.course_th,
            course_en: c.course_en,
        }
    }
}

/// Check a certificate code (no sign-in; case, spaces and dashes forgiven). Unknown codes
/// answer 404.
#[utoipa::path(get, path = "/certificates/{code}", tag = "network", security(()),
    params(("code" = String, Path, description = "The code printed on the certificate")),
    responses((status = 200, body = CertificateResponse), (status = 404, body = ErrorBody)))]
pub async fn check_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Json<CertificateResponse>, WebError> {
    let c = state
        .store
        .verify_certificate(&code, &ctx.meta)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(c.into()))
}

/// Network figures of an area.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkDashboardResponse {
    /// Partners per sector code.
    pub partners_by_sector: Vec<(String, u64)>,
    /// Active volunteers per kind code.
    pub volunteers_by_kind: Vec<(String, u64)>,
    /// Hours given per month (`YYYY-MM`).
    pub hours_by_month: Vec<(String, f64)>,
    /// Villages with an active volunteer holding each skill.
    pub villages_with_skill: Vec<(String, u64)>,
    /// Villages in the area.
    pub villages: u64,
    /// Hours given per kind code.
    pub hours_by_kind: Vec<(String, f64)>,
    /// The same figures per area one level down.
    pub children: Vec<NetworkChildResponse>,
}

/// One area's line of the network dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkChildResponse {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    pub partners: u64,
    pub volunteers: u64,
    pub hours: f64,
}

impl From<NetworkDashboard> for NetworkDashboardResponse {
    fn from(d: NetworkDashboard) -> Self {
        Self {
            partners_by_sector: d
                .partners_by_sector
                .into_iter()
                .map(|(s, n)| (s.as_str().into(), n))
                .collect(),
            volunteers_by_kind: d
                .volunteers_by_kind
                .into_iter()
                .map(|(k, n)| (k.as_str().into(), n))
                .collect(),
            hours_by_month: d
                .minutes_by_month
                .into_iter()
                .map(|(m, min)| (m, min as f64 / 60.0))
                .collect(),
            villages_with_skill: d
                .villages_with_skill
                .into_iter()
                .map(|(s, n)| (s.as_str().into(), n))
                .collect(),
            villages: d.villages,
            hours_by_kind: d
                .minutes_by_kind
                .into_iter()
                .map(|(k, m)| (k.as_str().into(), m as f64 / 60.0))
                .collect(),
            children: d
                .children
                .into_iter()
                .map(|c| NetworkChildResponse {
                    hours: c.minutes as f64 / 60.0,
                    code: c.code,
                    name_th: c.name_th,
                    name_en: c.name_en,
                    partners: c.partners,
                    volunteers: c.volunteers,
                })
                .collect(),
        }
    }
}

/// The area to show.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NetworkDashboardParams {
    /// Area code (default: all the caller's areas).
    pub area: Option<String>,
}

/// Partners per sector, volunteers per kind, hours per month and training coverage
/// (aggregates only).
#[utoipa::path(get, path = "/network/dashboard", tag = "network", params(NetworkDashboardParams),
    responses((status = 200, body = NetworkDashboardResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn network_dashboard(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(p): Query<NetworkDashboardParams>,
) -> Result<Json<NetworkDashboardResponse>, WebError> {
    let area = match p.area.as_deref() {
        None | Some("") => None,
        Some(a) => Some(area_code_or_404(a)?),
    };
    let d = state
        .store
        .network_dashboard(&c.caller.actor, area.as_ref())
        .await?;
    Ok(Json(d.into()))
}
