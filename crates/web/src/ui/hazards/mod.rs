//! Disaster watch pages: the stations of the caller's areas with their latest reading and the
//! level it reaches, a reading form on each (for the volunteers who read the gauges), the alerts
//! not yet acknowledged, and setting a station up.
//!
//! Each reading form carries an id made when the page was drawn: sending the same form twice
//! (a double tap, a retry after a dropped connection, the back button) records it once.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use ruamjai_domain::FieldError;
use ruamjai_domain::auth::Operation;
use ruamjai_domain::care::visit::parse_time;
use ruamjai_domain::hazards::{
    AlertLevel, HazardKind, IncidentForm, IncidentStatus, StationForm, StationKind,
};
use ruamjai_store::StoreError;
use ruamjai_store::hazards::zones::Zone;
use ruamjai_store::hazards::{Alert, Incident, Station};

use super::{FormErrors, Page, Signed, Typed, form_errors, see_other, typed, unprocessable};
use crate::AppState;
use crate::error::WebError;

mod zones;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(zones::routes())
        .route("/hazards", get(home))
        .route("/hazards/stations", post(create_station))
        .route("/hazards/stations/{id}/readings", post(record_reading))
        .route("/hazards/alerts/{id}/ack", post(acknowledge))
        .route("/hazards/alerts/{id}/incident", post(incident_from_alert))
        .route("/hazards/incidents", post(open_incident))
        .route("/hazards/incidents/{id}/status", post(incident_status))
}

/// Which form the values and errors on the page belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    None,
    Station,
    Incident,
    Reading(i64),
}

#[derive(Template, WebTemplate)]
#[template(path = "hazards.html")]
struct HazardsPage {
    page: Page,
    stations: Vec<Station>,
    alerts: Vec<Alert>,
    incidents: Vec<Incident>,
    /// Zones in force today (for the incidents' evacuation lists).
    zones: Vec<Zone>,
    /// Who each alert was sent to, where the caller may see the area's users.
    recipients: std::collections::HashMap<i64, Vec<String>>,
    can_create: bool,
    f: Typed,
    /// Errors of the station or a reading form (`focus` says which).
    errors: FormErrors,
    /// Errors of the incident form.
    incident_errors: FormErrors,
    focus: Focus,
    /// The id of a reading form drawn now.
    op_id: String,
}

impl HazardsPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    /// A value of the form that was sent (each form keeps its own).
    fn fv(&self, form: &str, k: &str) -> String {
        let mine = match form {
            "incident" => self.focus == Focus::Incident,
            _ => self.focus == Focus::Station,
        };
        if mine { self.v(k) } else { String::new() }
    }
    fn alerted_names(&self, a: &Alert) -> String {
        self.recipients
            .get(&a.id)
            .map(|n| n.join(", "))
            .unwrap_or_default()
    }
    fn hazard_kinds(&self) -> &'static [HazardKind] {
        HazardKind::ALL
    }
    /// The zones in force whose evacuation lists an incident needs: of its hazard (floods and
    /// flash floods go together), covering its area or lying inside it.
    fn incident_zones(&self, i: &Incident) -> Vec<&Zone> {
        let water = |k: HazardKind| matches!(k, HazardKind::Flood | HazardKind::FlashFlood);
        self.zones
            .iter()
            .filter(|z| !z.point)
            .filter(|z| z.meta.kind == i.kind || (water(z.meta.kind) && water(i.kind)))
            .filter(|z| z.meta.area.is_within(&i.area) || i.area.is_within(&z.meta.area))
            .collect()
    }
    /// The moves an incident can make from where it stands.
    fn moves(&self, i: &Incident) -> Vec<IncidentStatus> {
        match i.status {
            IncidentStatus::Open => vec![IncidentStatus::Monitoring, IncidentStatus::Closed],
            IncidentStatus::Monitoring => vec![IncidentStatus::Open, IncidentStatus::Closed],
            IncidentStatus::Closed => vec![IncidentStatus::Open],
        }
    }
    fn ierr(&self, field: &str) -> Option<String> {
        self.incident_errors.get(field).map(str::to_owned)
    }
    fn may_manage(&self, area: &ruamjai_domain::areas::AreaCode) -> bool {
        self.page.may(Operation::ManageHazards, area)
    }
    fn kinds(&self) -> &'static [StationKind] {
        StationKind::ALL
    }
    /// Errors of one station's reading form.
    fn reading_error(&self, station: &i64) -> Option<String> {
        if self.focus != Focus::Reading(*station) {
            return None;
        }
        self.errors
            .get("value")
            .or_else(|| self.errors.get("observed_at"))
            .map(str::to_owned)
    }
    /// The value typed into a station's reading form when it was refused.
    fn reading_value(&self, station: &i64) -> String {
        if self.focus == Focus::Reading(*station) {
            self.v("value")
        } else {
            String::new()
        }
    }
    fn may_read(&self, s: &Station) -> bool {
        self.page.may(Operation::RecordReadings, &s.village_code)
    }
    fn may_ack(&self, a: &Alert) -> bool {
        self.page.may(Operation::RecordReadings, &a.village_code)
            || self.page.may(Operation::ManageHazards, &a.village_code)
    }
    fn level(&self, s: &Station) -> Option<AlertLevel> {
        s.latest.and_then(|(v, _)| s.thresholds.level_of(v))
    }
    fn level_name(&self, l: &AlertLevel) -> String {
        self.page.code("alert-level", l.as_str())
    }
    fn reading(&self, value: &f64, kind: &StationKind) -> String {
        format!("{value} {}", kind.unit())
    }
    fn thresholds(&self, s: &Station) -> String {
        s.thresholds
            .levels()
            .iter()
            .map(|(l, v)| format!("{} {v}", self.level_name(l)))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

async fn hazards_page(
    state: &AppState,
    s: Signed,
    f: Typed,
    errors: FormErrors,
    focus: Focus,
) -> Result<HazardsPage, WebError> {
    let actor = &s.caller.actor;
    let stations = state.store.stations(actor, None).await?;
    let alerts = state.store.alerts(actor, None, true, 100).await?;
    let mut recipients = std::collections::HashMap::new();
    for a in &alerts {
        if let Some(names) = state.store.alert_recipients(actor, a.id).await? {
            recipients.insert(a.id, names);
        }
    }
    let incidents = state.store.incidents(actor, false, 100).await?;
    let zones = state
        .store
        .zones(actor, None, Some(ruamjai_store::registry::today()))
        .await?;
    Ok(HazardsPage {
        incidents,
        zones,
        recipients,
        incident_errors: if focus == Focus::Incident {
            errors.clone()
        } else {
            FormErrors::default()
        },
        errors: if focus == Focus::Incident {
            FormErrors::default()
        } else {
            errors
        },
        can_create: actor.can_somewhere(Operation::ManageHazards),
        page: s.page,
        stations,
        alerts,
        f,
        focus,
        op_id: uuid::Uuid::new_v4().to_string(),
    })
}

async fn home(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    s.require(Operation::ViewAreas, WebError::NotFound)?;
    Ok(
        hazards_page(&state, s, Typed::new(), FormErrors::default(), Focus::None)
            .await?
            .into_response(),
    )
}

async fn create_station(
    State(state): State<AppState>,
    s: Signed,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = StationForm {
        name: typed(&t, "name"),
        kind: typed(&t, "kind"),
        village_code: typed(&t, "village_code"),
        lat: typed(&t, "lat"),
        lon: typed(&t, "lon"),
        watch: typed(&t, "watch"),
        warning: typed(&t, "warning"),
        danger: typed(&t, "danger"),
    };
    let result = match form.check() {
        Ok(input) => state
            .store
            .create_station(&s.caller.actor, &input)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other("/hazards")),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                hazards_page(&state, s, t, errors, Focus::Station).await?,
            ))
        }
    }
}

async fn record_reading(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let observed_at = match typed(&t, "observed_at").trim() {
        "" => Ok(Utc::now()),
        raw => parse_time(raw)
            .ok_or_else(|| StoreError::from(FieldError::new("observed_at", "datetime_invalid"))),
    };
    let result = match observed_at {
        Ok(at) => state
            .store
            .record_reading(
                &s.caller.actor,
                id,
                &typed(&t, "op_id"),
                &typed(&t, "value"),
                at,
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/hazards#station-{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                hazards_page(&state, s, t, errors, Focus::Reading(id)).await?,
            ))
        }
    }
}

async fn acknowledge(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    state.store.acknowledge_alert(&s.caller.actor, id).await?;
    Ok(see_other("/hazards"))
}

async fn incident_from_alert(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let incident = state
        .store
        .open_incident_from_alert(&s.caller.actor, id)
        .await?;
    Ok(see_other(&format!("/hazards#incident-{incident}")))
}

async fn open_incident(
    State(state): State<AppState>,
    s: Signed,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let form = IncidentForm {
        kind: typed(&t, "kind"),
        area_code: typed(&t, "area_code"),
        title: typed(&t, "title"),
        started_at: typed(&t, "started_at"),
    };
    let result = match form.check(Utc::now()) {
        Ok(input) => state.store.open_incident(&s.caller.actor, &input).await,
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/hazards#incident-{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                hazards_page(&state, s, t, errors, Focus::Incident).await?,
            ))
        }
    }
}

async fn incident_status(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let status = IncidentStatus::parse(&typed(&t, "status")).ok_or(WebError::NotFound)?;
    state
        .store
        .set_incident_status(&s.caller.actor, id, status)
        .await?;
    Ok(see_other(&format!("/hazards#incident-{id}")))
}
