//! Hazard zones on the web: the map (areas, zones, risk points, stations and, for those allowed,
//! the vulnerable persons; zones drawn and reshaped on it), the list of zones with GeoJSON
//! import and export, a zone's page, and its evacuation list — printable on paper and as CSV.

use std::fmt::Write as _;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::auth::Operation;
use ruamjai_domain::hazards::{HazardKind, Severity, ZoneForm};
use ruamjai_store::hazards::zones::{Evacuation, Evacuee, FeatureProblem, Zone, ZoneImport};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::super::{FormErrors, Page, Signed, Typed, form_errors, see_other, typed, unprocessable};
use crate::AppState;
use crate::error::{WebError, area_code_or_404};
use crate::i18n::Lang;

/// Largest GeoJSON file taken (a province's hazard maps with detailed rings).
const MAX_GEOJSON: usize = 32 * 1024 * 1024;
/// Most homes put on the map's persons layer.
const MAP_PERSONS: u64 = 5_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/map", get(map))
        .route("/map/layers.json", get(layers))
        .route("/hazards/zones", get(list).post(create))
        .route(
            "/hazards/zones/import",
            post(import).layer(DefaultBodyLimit::max(MAX_GEOJSON)),
        )
        .route("/hazards/zones.geojson", get(export))
        .route("/hazards/zones/{id}", get(show).post(describe))
        .route("/hazards/zones/{id}/geometry", post(reshape))
        .route("/hazards/zones/{id}/delete", post(delete))
        .route("/hazards/zones/{id}/evacuation", get(evacuation))
        .route("/hazards/zones/{id}/evacuation.csv", get(evacuation_csv))
}

#[derive(Debug, Default, Deserialize)]
struct AreaQuery {
    #[serde(default)]
    area: String,
}

fn area_of(q: &AreaQuery) -> Result<Option<AreaCode>, WebError> {
    match q.area.trim() {
        "" => Ok(None),
        a => area_code_or_404(a).map(Some),
    }
}

/// A problem of an import or a drawn shape, as shown.
struct ProblemLine {
    /// "ลำดับที่ 3 (id valley)".
    feature: String,
    field: &'static str,
    message: String,
    detail: Option<String>,
}

fn problem_lines(problems: &[FeatureProblem], lang: Lang) -> Vec<ProblemLine> {
    problems
        .iter()
        .map(|p| ProblemLine {
            feature: match &p.id {
                Some(id) => lang.t_args(
                    "zone-feature-id",
                    &[("index", p.index.to_string()), ("id", id.clone())],
                ),
                None => lang.t_args("zone-feature", &[("index", p.index.to_string())]),
            },
            field: p.field,
            message: lang.error(p.code),
            detail: p.detail.clone(),
        })
        .collect()
}

fn problem_errors(problems: &[FeatureProblem], lang: Lang) -> FormErrors {
    let mut m = std::collections::HashMap::new();
    for p in problems {
        let text = match &p.detail {
            Some(d) if p.field == "geometry" => format!("{} ({d})", lang.error(p.code)),
            _ => lang.error(p.code),
        };
        m.entry(p.field).or_insert(text);
    }
    FormErrors(m)
}

// ----- the map ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "map.html")]
struct MapPage {
    page: Page,
    area: Option<AreaCode>,
    tile_url: String,
    can_draw: bool,
    f: Typed,
    errors: FormErrors,
    /// The id of the zone form drawn now (a double send makes one zone); kept when the form
    /// comes back with its errors.
    op_id: String,
}

impl MapPage {
    fn v(&self, k: &str) -> String {
        typed(&self.f, k)
    }
    fn layers_url(&self) -> String {
        match &self.area {
            Some(a) => format!("/map/layers.json?area={a}"),
            None => "/map/layers.json".into(),
        }
    }
    fn labels(&self) -> String {
        let keys = [
            ("areas", "map-layer-areas"),
            ("zones", "map-layer-zones"),
            ("points", "map-layer-points"),
            ("stations", "map-layer-stations"),
            ("persons", "map-layer-persons"),
            ("loading", "map-loading"),
            ("failed", "map-failed"),
            ("drawn", "map-drawn"),
            ("edited", "map-edited"),
            ("layers", "map-layers"),
            ("persons_hidden", "map-persons-hidden"),
        ];
        let m: serde_json::Map<String, Value> = keys
            .iter()
            .map(|(k, key)| ((*k).to_owned(), Value::String(self.page.t(key))))
            .collect();
        Value::Object(m).to_string()
    }
    fn hazard_kinds(&self) -> &'static [HazardKind] {
        HazardKind::ALL
    }
    fn severities(&self) -> &'static [Severity] {
        Severity::ALL
    }
    fn default_area(&self) -> String {
        match (self.v("area_code"), &self.area) {
            (v, _) if !v.is_empty() => v,
            (_, Some(a)) => a.to_string(),
            _ => String::new(),
        }
    }
}

async fn map_page(
    state: &AppState,
    s: Signed,
    area: Option<AreaCode>,
    f: Typed,
    errors: FormErrors,
) -> MapPage {
    let op_id = match typed(&f, "op_id") {
        o if o.is_empty() => uuid::Uuid::new_v4().to_string(),
        o => o,
    };
    MapPage {
        op_id,
        can_draw: s.caller.actor.can_somewhere(Operation::ManageHazards),
        page: s.page,
        area,
        tile_url: state.config.tile_url.clone(),
        f,
        errors,
    }
}

async fn map(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    s.require(Operation::ViewAreas, WebError::NotFound)?;
    let area = area_of(&q)?;
    Ok(
        map_page(&state, s, area, Typed::new(), FormErrors::default())
            .await
            .into_response(),
    )
}

#[derive(Serialize)]
struct AreaDot {
    code: String,
    name: String,
    lat: f64,
    lon: f64,
    vulnerable: u64,
    href: String,
}

#[derive(Serialize)]
struct StationDot {
    id: i64,
    name: String,
    kind: &'static str,
    lat: f64,
    lon: f64,
    level: Option<&'static str>,
    label: String,
    href: String,
}

#[derive(Serialize)]
struct PersonDot {
    lat: f64,
    lon: f64,
    label: String,
    priority: &'static str,
    href: String,
}

/// The map's layers as JSON (see `assets/hazard_map.js`).
async fn layers(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    s.require(Operation::ViewAreas, WebError::NotFound)?;
    let area = area_of(&q)?;
    let actor = &s.caller.actor;
    let lang = s.page.lang;
    // Areas one level down, with the registry's counts (the dashboard's rules for small and
    // sensitive counts apply) at the centre of their located homes.
    let d = state.store.dashboard(actor, area.as_ref()).await?;
    let codes: Vec<AreaCode> = d
        .rows
        .iter()
        .filter_map(|r| r.area.as_ref().map(|a| a.code.clone()))
        .collect();
    let centres = state.store.area_centres(&codes, 1).await?;
    let areas: Vec<AreaDot> = d
        .rows
        .iter()
        .filter_map(|r| {
            let a = r.area.as_ref()?;
            let n = r.total.value()?;
            let (lat, lon) = *centres.get(a.code.as_str())?;
            Some(AreaDot {
                code: a.code.to_string(),
                name: lang.area_name(&a.name_th, &a.name_en).to_owned(),
                lat,
                lon,
                vulnerable: n,
                href: format!("/map?area={}", a.code),
            })
        })
        .collect();
    let zones = state.store.zones(actor, area.as_ref(), None).await?;
    let feature = |z: &Zone, point: bool| {
        let editable = !point && actor.can(Operation::ManageHazards, &z.meta.area);
        json!({
            "type": "Feature",
            "id": z.id,
            "geometry": z.geometry,
            "properties": {
                "id": z.id,
                "name": z.meta.name,
                "kind": z.meta.kind.as_str(),
                "kind_label": lang.t(&format!("hazard-kind-{}", z.meta.kind.as_str())),
                "severity": z.meta.severity.as_str(),
                "severity_label": lang.t(&format!("severity-{}", z.meta.severity.as_str())),
                "href": format!("/hazards/zones/{}", z.id),
                "edit_action": format!("/hazards/zones/{}/geometry?csrf={}", z.id, s.page.csrf),
                "editable": editable,
            }
        })
    };
    let polygons: Vec<Value> = zones
        .iter()
        .filter(|z| !z.point)
        .map(|z| feature(z, false))
        .collect();
    let points: Vec<Value> = zones
        .iter()
        .filter(|z| z.point)
        .map(|z| feature(z, true))
        .collect();
    let stations: Vec<StationDot> = state
        .store
        .stations(actor, area.as_ref())
        .await?
        .into_iter()
        .filter_map(|st| {
            let (lat, lon) = st.location?;
            let level = st
                .latest
                .and_then(|(v, _)| st.thresholds.level_of(v))
                .map(|l| l.as_str());
            let label = match st.latest {
                Some((v, _)) => match level {
                    Some(l) => format!(
                        "{v} {} ({})",
                        st.kind.unit(),
                        lang.t(&format!("alert-level-{l}"))
                    ),
                    None => format!("{v} {}", st.kind.unit()),
                },
                None => lang.t("station-no-reading"),
            };
            Some(StationDot {
                id: st.id,
                name: st.name,
                kind: st.kind.as_str(),
                lat,
                lon,
                level,
                label,
                href: format!("/hazards#station-{}", st.id),
            })
        })
        .collect();
    let found = state
        .store
        .vulnerable_on_map(actor, area.as_ref(), MAP_PERSONS, &s.page.meta)
        .await?;
    // More homes than one map shows: none, and the page says to choose a smaller area.
    let persons_hidden = matches!(found, Some(None));
    let persons: Option<Vec<PersonDot>> = found.flatten().map(|list| {
        list.into_iter()
            .filter_map(|e| {
                let (lat, lon) = e.home?;
                Some(PersonDot {
                    lat,
                    lon,
                    label: format!(
                        "{} — {}",
                        e.name,
                        lang.t(&format!("priority-{}", e.priority.as_str()))
                    ),
                    priority: e.priority.as_str(),
                    href: format!("/persons/{}", e.person_id),
                })
            })
            .collect()
    });
    let body = json!({
        "areas": areas,
        "zones": {"type": "FeatureCollection", "features": polygons},
        "points": {"type": "FeatureCollection", "features": points},
        "stations": stations,
        "persons": persons,
        "persons_hidden": persons_hidden,
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response())
}

fn zone_form(t: &Typed) -> ZoneForm {
    ZoneForm {
        name: typed(t, "name"),
        kind: typed(t, "kind"),
        severity: typed(t, "severity"),
        source: typed(t, "source"),
        valid_from: typed(t, "valid_from"),
        valid_to: typed(t, "valid_to"),
        area_code: typed(t, "area_code"),
    }
}

/// A zone drawn on the map.
async fn create(
    State(state): State<AppState>,
    s: Signed,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    s.require(Operation::ManageHazards, WebError::Forbidden)?;
    let result = state
        .store
        .create_zone(
            &s.caller.actor,
            &zone_form(&t),
            &typed(&t, "geometry"),
            Some(&typed(&t, "op_id")),
            &s.page.meta,
        )
        .await?;
    match result {
        Ok(id) => Ok(see_other(&format!("/hazards/zones/{id}"))),
        Err(problems) => {
            let errors = problem_errors(&problems, s.page.lang);
            let area = AreaCode::parse(typed(&t, "area_code").trim()).ok();
            Ok(unprocessable(map_page(&state, s, area, t, errors).await))
        }
    }
}

// ----- the list, import and export ----------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "zones.html")]
struct ZonesPage {
    page: Page,
    area: Option<AreaCode>,
    zones: Vec<Zone>,
    can_import: bool,
    import_area: String,
    imported: Option<ZoneImport>,
    problems: Vec<ProblemLine>,
}

impl ZonesPage {
    fn export_url(&self) -> String {
        match &self.area {
            Some(a) => format!("/hazards/zones.geojson?area={a}"),
            None => "/hazards/zones.geojson".into(),
        }
    }
    fn period(&self, z: &Zone) -> String {
        period(&self.page, z)
    }
}

fn period(page: &Page, z: &Zone) -> String {
    match (z.meta.valid_from, z.meta.valid_to) {
        (None, None) => page.t("zone-always"),
        (Some(a), None) => format!("{} –", page.day(&a)),
        (None, Some(b)) => format!("– {}", page.day(&b)),
        (Some(a), Some(b)) => format!("{} – {}", page.day(&a), page.day(&b)),
    }
}

async fn zones_page(
    state: &AppState,
    s: Signed,
    area: Option<AreaCode>,
) -> Result<ZonesPage, WebError> {
    let zones = state
        .store
        .zones(&s.caller.actor, area.as_ref(), None)
        .await?;
    Ok(ZonesPage {
        can_import: s.caller.actor.can_somewhere(Operation::ManageHazards),
        import_area: area.as_ref().map(ToString::to_string).unwrap_or_default(),
        page: s.page,
        area,
        zones,
        imported: None,
        problems: Vec::new(),
    })
}

async fn list(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    s.require(Operation::ViewAreas, WebError::NotFound)?;
    let area = area_of(&q)?;
    Ok(zones_page(&state, s, area).await?.into_response())
}

/// A GeoJSON file of zones and risk points: imported whole, or the problems listed.
async fn import(
    State(state): State<AppState>,
    s: Signed,
    mut form: Multipart,
) -> Result<Response, WebError> {
    s.require(Operation::ManageHazards, WebError::Forbidden)?;
    let mut area = String::new();
    let mut file: Option<axum::body::Bytes> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| WebError::Invalid(ruamjai_domain::Invalid::one("file", "file_unreadable")))?
    {
        match field.name() {
            Some("file") => {
                file = Some(field.bytes().await.map_err(|_| WebError::PayloadTooLarge)?)
            }
            Some("area_code") => area = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let lang = s.page.lang;
    let meta = s.page.meta.clone();
    let actor = s.caller.actor.clone();
    let code = AreaCode::parse(area.trim()).ok();
    let mut page = zones_page(&state, s, code.clone()).await?;
    page.import_area = area.trim().to_owned();
    let fail = |mut page: ZonesPage, field: &'static str, code: &'static str| {
        page.problems = problem_lines(
            &[FeatureProblem {
                index: 0,
                id: None,
                field,
                code,
                detail: None,
            }],
            lang,
        );
        Ok(unprocessable(page))
    };
    let Some(code) = code else {
        return fail(page, "area_code", "invalid_area_code");
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return fail(page, "file", "required");
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return fail(page, "file", "geojson_invalid");
    };
    let result = match state.store.import_zones(&actor, &code, text, &meta).await {
        Err(ruamjai_store::StoreError::Invalid(_)) => {
            return fail(page, "area_code", "area_not_found");
        }
        other => other?,
    };
    match result {
        Ok(done) => {
            let mut page = zones_page_after(&state, page, &actor, &code).await?;
            page.imported = Some(done);
            Ok(page.into_response())
        }
        Err(problems) => {
            page.problems = problem_lines(&problems, lang);
            Ok(unprocessable(page))
        }
    }
}

/// The list again after an import (the zones just written included).
async fn zones_page_after(
    state: &AppState,
    mut page: ZonesPage,
    actor: &ruamjai_domain::auth::Actor,
    area: &AreaCode,
) -> Result<ZonesPage, WebError> {
    page.zones = state.store.zones(actor, Some(area), None).await?;
    page.area = Some(area.clone());
    Ok(page)
}

async fn export(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    s.require(Operation::ViewAreas, WebError::NotFound)?;
    let area = area_of(&q)?;
    let body = state
        .store
        .export_zones(&s.caller.actor, area.as_ref())
        .await?;
    let name = area.map_or_else(|| "all".to_owned(), |a| a.to_string());
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ruamjai-hazard-zones-{name}.geojson\""),
            ),
        ],
        body,
    )
        .into_response())
}

// ----- one zone ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "zone.html")]
struct ZonePage {
    page: Page,
    zone: Zone,
    may_manage: bool,
    errors: FormErrors,
    /// What was typed into the description form, when it comes back with errors.
    f: Option<Typed>,
}

impl ZonePage {
    /// A field of the description form: as typed, else as stored.
    fn v(&self, k: &str) -> String {
        if let Some(f) = &self.f {
            return typed(f, k);
        }
        let m = &self.zone.meta;
        match k {
            "name" => m.name.clone(),
            "kind" => m.kind.as_str().into(),
            "severity" => m.severity.as_str().into(),
            "source" => m.source.clone().unwrap_or_default(),
            "valid_from" => m.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            "valid_to" => m.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            _ => String::new(),
        }
    }
    fn hazard_kinds(&self) -> &'static [HazardKind] {
        HazardKind::ALL
    }
    fn severities(&self) -> &'static [Severity] {
        Severity::ALL
    }
    fn period(&self) -> String {
        period(&self.page, &self.zone)
    }
    fn geometry_text(&self) -> String {
        self.zone.geometry.to_string()
    }
}

async fn show(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let zone = state.store.zone(&s.caller.actor, id).await?;
    Ok(ZonePage {
        may_manage: s.page.may(Operation::ManageHazards, &zone.meta.area),
        page: s.page,
        zone,
        errors: FormErrors::default(),
        f: None,
    }
    .into_response())
}

/// The description form of a zone's page.
async fn describe(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let version = typed(&t, "version").parse().unwrap_or(0);
    match state
        .store
        .update_zone(&s.caller.actor, id, &zone_form(&t), version, &s.page.meta)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/hazards/zones/{id}"))),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            let zone = state.store.zone(&s.caller.actor, id).await?;
            Ok(unprocessable(ZonePage {
                may_manage: true,
                page: s.page,
                zone,
                errors,
                f: Some(t),
            }))
        }
    }
}

async fn reshape(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let result = state
        .store
        .reshape_zone(&s.caller.actor, id, &typed(&t, "geometry"), &s.page.meta)
        .await?;
    match result {
        Ok(()) => Ok(see_other(&format!("/hazards/zones/{id}"))),
        Err(problems) => {
            let zone = state.store.zone(&s.caller.actor, id).await?;
            Ok(unprocessable(ZonePage {
                errors: problem_errors(&problems, s.page.lang),
                may_manage: true,
                page: s.page,
                zone,
                f: None,
            }))
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    state
        .store
        .delete_zone(&s.caller.actor, id, &s.page.meta)
        .await?;
    Ok(see_other("/hazards/zones"))
}

// ----- the evacuation list -----------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "evacuation.html")]
struct EvacuationPage {
    page: Page,
    e: Evacuation,
    printed_at: String,
}

impl EvacuationPage {
    fn priority(&self, e: &Evacuee) -> String {
        priority_label(self.page.lang, e)
    }
    fn categories(&self, e: &Evacuee) -> String {
        e.categories
            .iter()
            .map(|c| self.page.cat(c))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn age(&self, e: &Evacuee) -> String {
        e.age.map(|a| a.to_string()).unwrap_or_default()
    }
    fn volunteers(&self, e: &Evacuee) -> Vec<String> {
        e.volunteers
            .iter()
            .map(|v| {
                let mut s = format!("{} ({:.1} km", v.name, v.distance_m / 1000.0);
                if let Some(p) = &v.phone {
                    let _ = write!(s, ", {p}");
                }
                s.push(')');
                s
            })
            .collect()
    }
    fn house(&self, e: &Evacuee) -> String {
        match &e.house_number {
            Some(h) => format!("{h} · {}", e.village_code),
            None => e.village_code.to_string(),
        }
    }
}

fn priority_label(lang: Lang, e: &Evacuee) -> String {
    lang.t(&format!("priority-{}", e.priority.as_str()))
}

async fn evacuation(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let e = state
        .store
        .evacuation(&s.caller.actor, id, &s.page.meta)
        .await?;
    let printed_at = s.page.datetime(&chrono::Utc::now());
    let mut r = EvacuationPage {
        page: s.page,
        e,
        printed_at,
    }
    .into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

/// The evacuation list as CSV (UTF-8 with a BOM for Excel): the located first, in order, then
/// those without a location.
async fn evacuation_csv(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let e = state
        .store
        .evacuation(&s.caller.actor, id, &s.page.meta)
        .await?;
    let lang = s.page.lang;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let internal = |e: csv::Error| WebError::Internal(e.to_string());
    w.write_record([
        "order",
        "priority",
        "priority_label",
        "person_id",
        "name",
        "age",
        "alone",
        "house_number",
        "village_code",
        "phone",
        "categories",
        "lat",
        "lon",
        "volunteers",
    ])
    .map_err(internal)?;
    let rows = e.evacuees.iter().chain(&e.unlocated);
    for (i, p) in rows.enumerate() {
        let (lat, lon) = p.home.map_or((String::new(), String::new()), |(a, b)| {
            (a.to_string(), b.to_string())
        });
        w.write_record([
            (i + 1).to_string(),
            p.priority.as_str().to_owned(),
            priority_label(lang, p),
            p.person_id.to_string(),
            p.name.clone(),
            p.age.map(|a| a.to_string()).unwrap_or_default(),
            if p.alone { "1" } else { "0" }.to_owned(),
            p.house_number.clone().unwrap_or_default(),
            p.village_code.to_string(),
            p.phone.clone().unwrap_or_default(),
            p.categories
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
            lat,
            lon,
            p.volunteers
                .iter()
                .map(|v| format!("{} ({:.0} m)", v.name, v.distance_m))
                .collect::<Vec<_>>()
                .join("; "),
        ])
        .map_err(internal)?;
    }
    super::super::csv_download(w, &format!("evacuation-zone-{id}.csv"))
}
