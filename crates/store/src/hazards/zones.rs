//! Hazard zones and risk points, and who to evacuate first.
//!
//! Zones come from GeoJSON (a province's flood map, a landslide survey) or are drawn on the
//! map. An import is checked whole before anything is written: every problem is reported with
//! the feature it is in (index and id) and the field at fault, and one bad feature keeps the
//! whole file out. A feature with an id replaces the zone imported before under the same id in
//! the same area (a corrected map is imported again, not added twice); an exported zone keeps
//! its id, so export → edit elsewhere → import round-trips.
//!
//! Zones and risk points hold no personal data: whoever sees an area sees the zones that reach
//! it. The evacuation list of a zone does: it lists only the persons the caller may see (area
//! scope of `view_persons`), with sensitive categories only where the caller holds the
//! `sensitive` permission, the volunteers only for callers who may see the network, and every
//! reading of it is audited with the number of persons shown.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation, Scope};
use ruamjai_domain::hazards::{
    HazardKind, Priority, Severity, ZoneForm, ZoneMeta, evacuation_key, priority,
};
use ruamjai_domain::network::matching::{self, Candidate, Need};
use ruamjai_domain::registry::Category;
use ruamjai_domain::registry::person::{THAILAND_LAT, THAILAND_LON};
use ruamjai_geo::{Problem, RingProblem, ZoneInput, ZoneSet};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::entity::hazard_zones;
use crate::areas::{reach_condition, reaches, scope_condition};
use crate::audit::{self, NewEntry};
use crate::network::entity::volunteers;
use crate::registry::entity::{households, person_categories, persons};
use crate::registry::{birth_of, display_name, now_local, today};
use crate::{Result, Store, StoreError};

/// Most features one import takes (a province's hazard maps are a few hundred).
pub const MAX_FEATURES: usize = 20_000;
/// Most problems reported for one file (the first ones, in feature order).
pub const MAX_PROBLEMS: usize = 100;
/// How far a volunteer may live from a home to be proposed for it.
pub const VOLUNTEER_REACH_M: f64 = 10_000.0;
/// Volunteers proposed per person.
pub const VOLUNTEERS_PER_PERSON: usize = 3;

/// A zone (polygon or multipolygon) or a risk point (a point).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zone {
    /// Id.
    pub id: i64,
    /// True for a risk point.
    pub point: bool,
    /// Its id in the file it came from.
    pub reference: Option<String>,
    /// Name, kind, severity, source, period and area.
    pub meta: ZoneMeta,
    /// The GeoJSON geometry.
    pub geometry: Value,
    /// Bounding box: min lon, min lat, max lon, max lat.
    pub bbox: [f64; 4],
    /// Optimistic version.
    pub version: i32,
}

impl Zone {
    /// The id an export gives it (and an import recognises).
    pub fn feature_id(&self) -> String {
        self.reference
            .clone()
            .unwrap_or_else(|| format!("ruamjai-{}", self.id))
    }

    /// The zone as a GeoJSON feature.
    pub fn feature(&self) -> Value {
        json!({
            "type": "Feature",
            "id": self.feature_id(),
            "geometry": self.geometry,
            "properties": {
                "name": self.meta.name,
                "kind": self.meta.kind.as_str(),
                "severity": self.meta.severity.as_str(),
                "source": self.meta.source,
                "valid_from": self.meta.valid_from.map(|d| d.to_string()),
                "valid_to": self.meta.valid_to.map(|d| d.to_string()),
                "area_code": self.meta.area.as_str(),
            }
        })
    }
}

/// One thing wrong with one feature of an import (or with a drawn shape: index 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureProblem {
    /// Index in the `features` array.
    pub index: usize,
    /// The feature's id, when it has one.
    pub id: Option<String>,
    /// Field (`kind`, `name`, `area_code`, …) or `geometry`.
    pub field: &'static str,
    /// Error code (an `err-` message key).
    pub code: &'static str,
    /// Technical detail (which ring, which position), in English.
    pub detail: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ZoneImport {
    /// Zones and risk points added.
    pub added: usize,
    /// Zones and risk points replaced (same id, same area).
    pub replaced: usize,
}

/// A checked feature, ready to write.
#[derive(Debug, Clone)]
struct Checked {
    index: usize,
    meta: ZoneMeta,
    reference: Option<String>,
    point: bool,
    geometry: String,
    bbox: [f64; 4],
}

/// A person in the evacuation list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evacuee {
    /// Person id.
    pub person_id: i64,
    /// Name as shown.
    pub name: String,
    /// Village.
    pub village_code: AreaCode,
    /// House number.
    pub house_number: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Age in years, when the birth date is known.
    pub age: Option<i32>,
    /// The only active person of their household.
    pub alone: bool,
    /// Why they go first.
    pub priority: Priority,
    /// Categories the caller may see (elderly derived from the age).
    pub categories: Vec<Category>,
    /// Home (lat, lon): the person's, else the household's.
    pub home: Option<(f64, f64)>,
    /// Nearest volunteers who can go now.
    pub volunteers: Vec<NearVolunteer>,
}

/// A volunteer proposed for an evacuee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearVolunteer {
    /// Volunteer id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// From their home, metres.
    pub distance_m: f64,
}

/// The evacuation list of a zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evacuation {
    /// The zone.
    pub zone: Zone,
    /// Vulnerable persons whose homes lie inside, in evacuation order.
    pub evacuees: Vec<Evacuee>,
    /// Vulnerable persons without a home location in the villages the zone reaches (listed
    /// apart, so nobody silently drops out), in evacuation order.
    pub unlocated: Vec<Evacuee>,
    /// The caller may see persons somewhere (else both lists are empty by permission).
    pub persons_shown: bool,
    /// Volunteers were looked up (the caller may see the network).
    pub volunteers_shown: bool,
}

fn zone_of(m: hazard_zones::Model) -> Zone {
    Zone {
        id: m.id,
        point: m.shape == "point",
        reference: m.reference,
        meta: ZoneMeta {
            name: m.name,
            kind: HazardKind::parse(&m.kind).unwrap_or(HazardKind::Flood),
            severity: Severity::parse(&m.severity).unwrap_or(Severity::Moderate),
            source: m.source,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            area: AreaCode::parse(&m.area_code).expect("stored codes are valid"),
        },
        geometry: serde_json::from_str(&m.geometry).unwrap_or(Value::Null),
        bbox: [m.min_lon, m.min_lat, m.max_lon, m.max_lat],
        version: m.version,
    }
}

/// The text of the first of `keys` present in `props` (numbers as written).
fn prop(props: Option<&Value>, keys: &[&str]) -> String {
    for k in keys {
        match props.and_then(|p| p.get(*k)) {
            Some(Value::String(s)) => return s.clone(),
            Some(Value::Number(n)) => return n.to_string(),
            _ => {}
        }
    }
    String::new()
}

fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The error code of a geometry problem.
fn problem_code(p: &Problem) -> &'static str {
    match p {
        Problem::NotPolygon(_) => "geometry_type",
        Problem::Malformed(_) | Problem::Empty { .. } => "geometry_malformed",
        Problem::Ring { problem, .. } => match problem {
            RingProblem::TooFewPositions(_) => "ring_too_short",
            RingProblem::NotClosed { .. } => "ring_not_closed",
            RingProblem::NonFinite { .. } => "coordinate_invalid",
            // Also a file with latitude and longitude swapped.
            RingProblem::OutOfRange { .. } => "outside_thailand",
            RingProblem::SelfIntersection { .. } => "ring_self_intersection",
            RingProblem::HoleOutsideShell { .. } => "hole_outside_shell",
        },
    }
}

fn in_thailand(lon: f64, lat: f64) -> bool {
    (THAILAND_LON.0..=THAILAND_LON.1).contains(&lon)
        && (THAILAND_LAT.0..=THAILAND_LAT.1).contains(&lat)
}

/// Checks a geometry: a Point (a risk point), or a Polygon/MultiPolygon whose rings are valid;
/// every position inside Thailand (a file with latitude and longitude swapped is caught here).
/// Returns (is a point, compact GeoJSON text, bounding box).
fn check_geometry(g: Option<&Value>) -> std::result::Result<(bool, String, [f64; 4]), Problem> {
    let g = match g {
        None | Some(Value::Null) => return Err(Problem::NotPolygon("missing".into())),
        Some(g) => g,
    };
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("untyped");
    let (point, positions): (bool, Vec<[f64; 2]>) = if kind == "Point" {
        let xy = g
            .get("coordinates")
            .and_then(Value::as_array)
            .filter(|a| a.len() >= 2)
            .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]))
            .ok_or_else(|| Problem::Malformed("Point: not [longitude, latitude]".into()))?;
        (true, vec![xy])
    } else {
        let polygons = ruamjai_geo::zones::read_geometry(g)?;
        ruamjai_geo::zones::check_zone(&polygons)?;
        (false, polygons.into_iter().flatten().flatten().collect())
    };
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (i, p) in positions.iter().enumerate() {
        if !in_thailand(p[0], p[1]) {
            return Err(Problem::Ring {
                polygon: 0,
                ring: 0,
                problem: RingProblem::OutOfRange {
                    position: i,
                    at: *p,
                },
            });
        }
        bbox = [
            bbox[0].min(p[0]),
            bbox[1].min(p[1]),
            bbox[2].max(p[0]),
            bbox[3].max(p[1]),
        ];
    }
    // Only the geometry's own members are kept (no foreign members, no bbox from elsewhere).
    let kept = json!({ "type": kind, "coordinates": g.get("coordinates") });
    Ok((point, kept.to_string(), bbox))
}

/// Checks one feature against the import's area; every problem found is pushed.
fn check_feature(
    index: usize,
    f: &Value,
    area: &AreaCode,
    problems: &mut Vec<FeatureProblem>,
) -> Option<Checked> {
    let props = f.get("properties");
    let id = id_text(f.get("id")).or_else(|| id_text(props.and_then(|p| p.get("id"))));
    let before = problems.len();
    let mut push = |field, code, detail: Option<String>| {
        problems.push(FeatureProblem {
            index,
            id: id.clone(),
            field,
            code,
            detail,
        })
    };
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        push("type", "not_a_feature", None);
        return None;
    }
    let mut name = prop(props, &["name", "name_th", "ชื่อ", "title"]);
    if name.trim().is_empty() {
        name = id.clone().unwrap_or_default();
    }
    let form = ZoneForm {
        name,
        kind: prop(props, &["kind", "hazard", "ประเภท", "ภัย"]),
        severity: prop(props, &["severity", "level", "ระดับ"]),
        source: prop(props, &["source", "แหล่งที่มา"]),
        valid_from: prop(props, &["valid_from"]),
        valid_to: prop(props, &["valid_to"]),
        area_code: match prop(props, &["area_code", "area"]) {
            a if a.trim().is_empty() => area.to_string(),
            a => a,
        },
    };
    let meta = match form.check() {
        Ok(m) => Some(m),
        Err(invalid) => {
            for e in invalid.0 {
                push(e.field, e.code, None);
            }
            None
        }
    };
    if let Some(m) = &meta
        && !m.area.is_within(area)
    {
        push("area_code", "area_not_found", Some(m.area.to_string()));
    }
    let geometry = match check_geometry(f.get("geometry")) {
        Ok(g) => Some(g),
        Err(p) => {
            push("geometry", problem_code(&p), Some(p.to_string()));
            None
        }
    };
    if problems.len() > before {
        return None;
    }
    let (point, geometry, bbox) = geometry?;
    Some(Checked {
        index,
        meta: meta?,
        reference: id,
        point,
        geometry,
        bbox,
    })
}

/// The features of a GeoJSON text: a FeatureCollection's, a single Feature, or a bare geometry
/// (as one feature without properties); or of a KML document (its placemarks).
fn features_of(text: &str) -> std::result::Result<Vec<Value>, FeatureProblem> {
    let whole = |code, detail| FeatureProblem {
        index: 0,
        id: None,
        field: "file",
        code,
        detail,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut v: Value = if text.trim_start().starts_with('<') {
        ruamjai_geo::kml::to_geojson(text).map_err(|e| whole("kml_invalid", Some(e.0)))?
    } else {
        serde_json::from_str(text).map_err(|e| whole("geojson_invalid", Some(e.to_string())))?
    };
    match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match v.get_mut("features").map(Value::take) {
            Some(Value::Array(f)) => Ok(f),
            _ => Err(whole("geojson_invalid", Some("no features array".into()))),
        },
        Some("Feature") => Ok(vec![v]),
        Some("Polygon" | "MultiPolygon" | "Point") => Ok(vec![
            json!({"type": "Feature", "properties": {}, "geometry": v}),
        ]),
        other => Err(whole(
            "geojson_invalid",
            Some(format!("type {:?}", other.unwrap_or(""))),
        )),
    }
}

impl Store {
    /// Imports hazard zones and risk points from GeoJSON (or KML) into `area` (one the caller manages
    /// hazards in; a feature's `area_code` property may name an area inside it). All or
    /// nothing: `Ok(Err(problems))` lists what is wrong, feature by feature, and nothing was
    /// written.
    pub async fn import_zones(
        &self,
        actor: &Actor,
        area: &AreaCode,
        text: &str,
        meta: &RequestMeta,
    ) -> Result<std::result::Result<ZoneImport, Vec<FeatureProblem>>> {
        if !actor.can(Operation::ManageHazards, area) {
            return Err(ruamjai_domain::FieldError::new("area_code", "area_not_found").into());
        }
        let features = match features_of(text) {
            Ok(f) => f,
            Err(p) => return Ok(Err(vec![p])),
        };
        if features.is_empty() {
            return Ok(Err(vec![FeatureProblem {
                index: 0,
                id: None,
                field: "file",
                code: "geojson_empty",
                detail: None,
            }]));
        }
        if features.len() > MAX_FEATURES {
            return Ok(Err(vec![FeatureProblem {
                index: MAX_FEATURES,
                id: None,
                field: "file",
                code: "too_many_features",
                detail: Some(format!("{} > {MAX_FEATURES}", features.len())),
            }]));
        }
        let mut problems = Vec::new();
        let mut checked = Vec::with_capacity(features.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, f) in features.iter().enumerate() {
            if let Some(c) = check_feature(i, f, area, &mut problems) {
                if let Some(r) = &c.reference
                    && let Some(first) = seen.insert(r.clone(), i)
                {
                    problems.push(FeatureProblem {
                        index: i,
                        id: Some(r.clone()),
                        field: "id",
                        code: "duplicate_id",
                        detail: Some(format!("also feature {first}")),
                    });
                }
                checked.push(c);
            }
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
        }
        // Areas named by features must exist.
        let named: BTreeSet<String> = checked.iter().map(|c| c.meta.area.to_string()).collect();
        let known: HashSet<String> = crate::areas::entity::Entity::find()
            .select_only()
            .column(crate::areas::entity::Column::Code)
            .filter(crate::areas::entity::Column::Code.is_in(named))
            .into_tuple::<String>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        for c in &checked {
            if !known.contains(c.meta.area.as_str()) {
                problems.push(FeatureProblem {
                    index: c.index,
                    id: c.reference.clone(),
                    field: "area_code",
                    code: "area_not_found",
                    detail: Some(c.meta.area.to_string()),
                });
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.index);
            problems.truncate(MAX_PROBLEMS);
            return Ok(Err(problems));
        }
        let txn = self.db.begin().await?;
        let mut out = ZoneImport::default();
        for c in checked {
            let existing = match &c.reference {
                Some(r) => {
                    let by_ref = hazard_zones::Entity::find()
                        .filter(hazard_zones::Column::AreaCode.eq(c.meta.area.as_str()))
                        .filter(hazard_zones::Column::Reference.eq(r.as_str()))
                        .one(&txn)
                        .await?;
                    match (by_ref, r.strip_prefix("ruamjai-").map(str::parse::<i64>)) {
                        (Some(m), _) => Some(m),
                        (None, Some(Ok(id))) => {
                            hazard_zones::Entity::find_by_id(id)
                                .filter(hazard_zones::Column::AreaCode.eq(c.meta.area.as_str()))
                                .filter(hazard_zones::Column::Reference.is_null())
                                .one(&txn)
                                .await?
                        }
                        _ => None,
                    }
                }
                None => None,
            };
            match existing {
                Some(m) => {
                    let keep_ref = m.reference.clone();
                    let version = m.version;
                    let mut am: hazard_zones::ActiveModel = m.into();
                    fill(&mut am, &c, actor);
                    am.reference = Set(keep_ref);
                    am.version = Set(version + 1);
                    am.update(&txn).await?;
                    out.replaced += 1;
                }
                None => {
                    let mut am = hazard_zones::ActiveModel {
                        created_by: Set(Some(actor.user_id)),
                        created_at: Set(Utc::now()),
                        version: Set(1),
                        ..Default::default()
                    };
                    fill(&mut am, &c, actor);
                    am.insert(&txn).await?;
                    out.added += 1;
                }
            }
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::HazardZoneChange, meta)
                .area(area)
                .detail(json!({ "import": { "added": out.added, "replaced": out.replaced } })),
        )
        .await?;
        txn.commit().await?;
        Ok(Ok(out))
    }

    /// A zone or risk point drawn on the map: `geometry` is the GeoJSON geometry's text.
    /// Problems name the field (`geometry` for the shape). `op_id`, made when the form was
    /// drawn, makes a double send (a double tap, a retry) create the zone once: it becomes the
    /// zone's id in exports (`drawn-…`), and a second send answers with the first zone.
    pub async fn create_zone(
        &self,
        actor: &Actor,
        form: &ZoneForm,
        geometry: &str,
        op_id: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<std::result::Result<i64, Vec<FeatureProblem>>> {
        let reference = match op_id.map(str::trim) {
            None | Some("") => None,
            Some(op)
                if op.len() <= 64 && op.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                Some(format!("drawn-{op}"))
            }
            Some(_) => return Err(ruamjai_domain::FieldError::new("op_id", "invalid").into()),
        };
        let g: Value = serde_json::from_str(geometry).unwrap_or(Value::Null);
        let area = match AreaCode::parse(form.area_code.trim()) {
            Ok(a) if actor.can(Operation::ManageHazards, &a) => a,
            _ => {
                return Ok(Err(vec![FeatureProblem {
                    index: 0,
                    id: None,
                    field: "area_code",
                    code: "area_not_found",
                    detail: None,
                }]));
            }
        };
        let mut props = serde_json::Map::new();
        for (k, v) in [
            ("name", &form.name),
            ("kind", &form.kind),
            ("severity", &form.severity),
            ("source", &form.source),
            ("valid_from", &form.valid_from),
            ("valid_to", &form.valid_to),
            ("area_code", &form.area_code),
        ] {
            props.insert(k.into(), Value::String(v.clone()));
        }
        let f = json!({"type": "Feature", "properties": props, "geometry": g});
        let mut problems = Vec::new();
        let Some(mut c) = check_feature(0, &f, &area, &mut problems) else {
            return Ok(Err(problems));
        };
        c.reference = reference;
        if let Some(id) = self.drawn_before(&c).await? {
            return Ok(Ok(id));
        }
        if crate::areas::entity::Entity::find_by_id(c.meta.area.as_str())
            .one(&self.db)
            .await?
            .is_none()
        {
            return Ok(Err(vec![FeatureProblem {
                index: 0,
                id: None,
                field: "area_code",
                code: "area_not_found",
                detail: None,
            }]));
        }
        let txn = self.db.begin().await?;
        let mut am = hazard_zones::ActiveModel {
            created_by: Set(Some(actor.user_id)),
            created_at: Set(Utc::now()),
            version: Set(1),
            ..Default::default()
        };
        fill(&mut am, &c, actor);
        let m = match am.insert(&txn).await {
            Ok(m) => m,
            // The same form sent twice at once: the other send wrote it.
            Err(e) if StoreError::is_unique_violation(&e) => {
                drop(txn);
                return match self.drawn_before(&c).await? {
                    Some(id) => Ok(Ok(id)),
                    None => Err(e.into()),
                };
            }
            Err(e) => return Err(e.into()),
        };
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::HazardZoneChange, meta)
                .entity("hazard_zone", m.id)
                .area(&c.meta.area)
                .detail(json!({ "drawn": c.meta.kind.as_str() })),
        )
        .await?;
        txn.commit().await?;
        Ok(Ok(m.id))
    }

    /// The zone a drawn form with this reference made before, if any.
    async fn drawn_before(&self, c: &Checked) -> Result<Option<i64>> {
        let Some(r) = &c.reference else {
            return Ok(None);
        };
        Ok(hazard_zones::Entity::find()
            .filter(hazard_zones::Column::AreaCode.eq(c.meta.area.as_str()))
            .filter(hazard_zones::Column::Reference.eq(r.as_str()))
            .one(&self.db)
            .await?
            .map(|m| m.id))
    }

    /// Gives a zone a new shape (edited on the map). Its kind of shape (zone or point) stays.
    pub async fn reshape_zone(
        &self,
        actor: &Actor,
        id: i64,
        geometry: &str,
        meta: &RequestMeta,
    ) -> Result<std::result::Result<(), Vec<FeatureProblem>>> {
        let m = self.managed_zone(actor, id).await?;
        let g: Value = serde_json::from_str(geometry).unwrap_or(Value::Null);
        let shape = match check_geometry(Some(&g)) {
            Ok((point, _, _)) if point != (m.shape == "point") => Err(Problem::NotPolygon(
                g.get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("untyped")
                    .into(),
            )),
            other => other,
        };
        let (_, text, bbox) = match shape {
            Ok(s) => s,
            Err(p) => {
                return Ok(Err(vec![FeatureProblem {
                    index: 0,
                    id: m.reference.clone(),
                    field: "geometry",
                    code: problem_code(&p),
                    detail: Some(p.to_string()),
                }]));
            }
        };
        let txn = self.db.begin().await?;
        let area = AreaCode::parse(&m.area_code).expect("stored codes are valid");
        let version = m.version;
        let mut am: hazard_zones::ActiveModel = m.into();
        am.geometry = Set(text);
        am.min_lon = Set(bbox[0]);
        am.min_lat = Set(bbox[1]);
        am.max_lon = Set(bbox[2]);
        am.max_lat = Set(bbox[3]);
        am.updated_by = Set(Some(actor.user_id));
        am.updated_at = Set(Utc::now());
        am.version = Set(version + 1);
        am.update(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::HazardZoneChange, meta)
                .entity("hazard_zone", id)
                .area(&area)
                .detail(json!({ "reshaped": true })),
        )
        .await?;
        txn.commit().await?;
        Ok(Ok(()))
    }

    /// Changes what is said about a zone (name, kind, severity, source, period; its area and
    /// shape stay), against the `version` the caller saw (`version`: `stale` when someone
    /// changed it since; nothing is written).
    pub async fn update_zone(
        &self,
        actor: &Actor,
        id: i64,
        form: &ZoneForm,
        version: i32,
        meta: &RequestMeta,
    ) -> Result<()> {
        let m = self.managed_zone(actor, id).await?;
        let checked = ZoneForm {
            area_code: m.area_code.clone(),
            ..form.clone()
        }
        .check()?;
        let txn = self.db.begin().await?;
        let now = Utc::now();
        let done = hazard_zones::Entity::update_many()
            .col_expr(hazard_zones::Column::Name, checked.name.clone().into())
            .col_expr(hazard_zones::Column::Kind, checked.kind.as_str().into())
            .col_expr(
                hazard_zones::Column::Severity,
                checked.severity.as_str().into(),
            )
            .col_expr(hazard_zones::Column::Source, checked.source.clone().into())
            .col_expr(hazard_zones::Column::ValidFrom, checked.valid_from.into())
            .col_expr(hazard_zones::Column::ValidTo, checked.valid_to.into())
            .col_expr(hazard_zones::Column::UpdatedBy, Some(actor.user_id).into())
            .col_expr(hazard_zones::Column::UpdatedAt, now.into())
            .col_expr(hazard_zones::Column::Version, (version + 1).into())
            .filter(hazard_zones::Column::Id.eq(id))
            .filter(hazard_zones::Column::Version.eq(version))
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(ruamjai_domain::FieldError::new("version", "stale").into());
        }
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::HazardZoneChange, meta)
                .entity("hazard_zone", id)
                .area(&checked.area)
                .detail(json!({ "described": checked.kind.as_str() })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Removes a zone or risk point.
    pub async fn delete_zone(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<()> {
        let m = self.managed_zone(actor, id).await?;
        let area = AreaCode::parse(&m.area_code).expect("stored codes are valid");
        let txn = self.db.begin().await?;
        hazard_zones::Entity::delete_by_id(id).exec(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::HazardZoneChange, meta)
                .entity("hazard_zone", id)
                .area(&area)
                .detail(json!({ "deleted": m.name })),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A zone the caller manages hazards in (404 otherwise, even when they can see it).
    async fn managed_zone(&self, actor: &Actor, id: i64) -> Result<hazard_zones::Model> {
        let m = hazard_zones::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let area = AreaCode::parse(&m.area_code).expect("stored codes are valid");
        if !actor.can(Operation::ManageHazards, &area) {
            return Err(StoreError::NotFound);
        }
        Ok(m)
    }

    /// A zone or risk point that reaches the caller's areas.
    pub async fn zone(&self, actor: &Actor, id: i64) -> Result<Zone> {
        let m = hazard_zones::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let area = AreaCode::parse(&m.area_code).expect("stored codes are valid");
        if !reaches(&actor.scope(Operation::ViewAreas), &area) {
            return Err(StoreError::NotFound);
        }
        Ok(zone_of(m))
    }

    /// Zones and risk points reaching `area` (or all the caller's areas): those inside it and
    /// those of the areas above it. With `in_force`, only those whose period holds that day.
    pub async fn zones(
        &self,
        actor: &Actor,
        area: Option<&AreaCode>,
        in_force: Option<NaiveDate>,
    ) -> Result<Vec<Zone>> {
        let mut q = hazard_zones::Entity::find();
        if let Some(c) = reach_condition(
            hazard_zones::Column::AreaCode,
            &actor.scope(Operation::ViewAreas),
        ) {
            q = q.filter(c);
        }
        if let Some(a) = area {
            let above: Vec<String> = a.lineage().into_iter().map(|x| x.to_string()).collect();
            q = q.filter(
                Condition::any()
                    .add(crate::areas::within(hazard_zones::Column::AreaCode, a))
                    .add(hazard_zones::Column::AreaCode.is_in(above)),
            );
        }
        if let Some(day) = in_force {
            q = q
                .filter(
                    Condition::any()
                        .add(hazard_zones::Column::ValidFrom.is_null())
                        .add(hazard_zones::Column::ValidFrom.lte(day)),
                )
                .filter(
                    Condition::any()
                        .add(hazard_zones::Column::ValidTo.is_null())
                        .add(hazard_zones::Column::ValidTo.gte(day)),
                );
        }
        Ok(q.order_by_asc(hazard_zones::Column::AreaCode)
            .order_by_asc(hazard_zones::Column::Name)
            .order_by_asc(hazard_zones::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(zone_of)
            .collect())
    }

    /// The zones and risk points reaching `area` as one GeoJSON FeatureCollection.
    pub async fn export_zones(&self, actor: &Actor, area: Option<&AreaCode>) -> Result<String> {
        let features: Vec<Value> = self
            .zones(actor, area, None)
            .await?
            .iter()
            .map(Zone::feature)
            .collect();
        Ok(json!({ "type": "FeatureCollection", "features": features }).to_string())
    }

    /// The evacuation list of a zone: the vulnerable persons the caller may see whose homes lie
    /// inside it, in evacuation order ([`evacuation_key`]), each with the nearest volunteers
    /// who can go now; and, apart, those of the same villages without a home location.
    /// Audited with the numbers listed.
    pub async fn evacuation(
        &self,
        actor: &Actor,
        zone_id: i64,
        meta: &RequestMeta,
    ) -> Result<Evacuation> {
        let zone = self.zone(actor, zone_id).await?;
        let persons_scope = actor.scope(Operation::ViewPersons);
        let persons_shown = !matches!(&persons_scope, Scope::Within(r) if r.is_empty());
        let mut out = Evacuation {
            zone,
            evacuees: Vec::new(),
            unlocated: Vec::new(),
            persons_shown,
            volunteers_shown: false,
        };
        if out.zone.point || !persons_shown {
            return Ok(out);
        }
        let polygons = ruamjai_geo::zones::read_geometry(&out.zone.geometry)
            .map_err(|_| StoreError::NotFound)?;
        let set = ZoneSet::new(vec![ZoneInput {
            id: out.zone.id.to_string(),
            polygons,
        }])
        .map_err(|_| StoreError::NotFound)?;
        let [x0, y0, x1, y1] = out.zone.bbox;
        let inside = |home: (f64, f64)| {
            let mut hits = Vec::new();
            set.zones_at(home.1, home.0, &mut hits);
            !hits.is_empty()
        };
        let scoped = |q: sea_orm::Select<persons::Entity>| match scope_condition(
            persons::Column::VillageCode,
            &persons_scope,
        ) {
            Some(c) => q.filter(c),
            None => q,
        };
        let active = persons::Column::Status.eq("active");
        // Homes: the person's own location, else their household's.
        let mut found: Vec<(persons::Model, Option<(f64, f64)>)> = Vec::new();
        for m in scoped(persons::Entity::find())
            .filter(active.clone())
            .filter(persons::Column::Lat.between(y0, y1))
            .filter(persons::Column::Lon.between(x0, x1))
            .all(&self.db)
            .await?
        {
            let home = m.lat.zip(m.lon).expect("filtered");
            if inside(home) {
                found.push((m, Some(home)));
            }
        }
        let homes: HashMap<i64, (f64, f64)> = households::Entity::find()
            .filter(households::Column::Lat.between(y0, y1))
            .filter(households::Column::Lon.between(x0, x1))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|h| Some((h.id, h.lat.zip(h.lon)?)))
            .filter(|(_, home)| inside(*home))
            .collect();
        let ids: Vec<i64> = homes.keys().copied().collect();
        for chunk in ids.chunks(900) {
            for m in scoped(persons::Entity::find())
                .filter(active.clone())
                .filter(persons::Column::Lat.is_null())
                .filter(persons::Column::HouseholdId.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                let home = m.household_id.and_then(|h| homes.get(&h).copied());
                found.push((m, home));
            }
        }
        // The villages the zone reaches: those with a home inside, and its own village.
        let mut villages: BTreeSet<String> =
            found.iter().map(|(m, _)| m.village_code.clone()).collect();
        if out.zone.meta.area.level() == ruamjai_domain::areas::AreaLevel::Village {
            villages.insert(out.zone.meta.area.to_string());
        }
        let located: HashSet<i64> = found.iter().map(|(m, _)| m.id).collect();
        let all_villages: Vec<String> = villages.into_iter().collect();
        let mut homeless: Vec<persons::Model> = Vec::new();
        for chunk in all_villages.chunks(500) {
            homeless.extend(
                scoped(persons::Entity::find())
                    .filter(active.clone())
                    .filter(persons::Column::VillageCode.is_in(chunk.to_vec()))
                    .filter(persons::Column::Lat.is_null())
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .filter(|m| !located.contains(&m.id)),
            );
        }
        // A household location (which lies outside the zone, or they would have been found)
        // places them outside; only those with no location at all are listed apart.
        let their_households: Vec<i64> = homeless
            .iter()
            .filter_map(|m| m.household_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut placed: HashSet<i64> = HashSet::new();
        for chunk in their_households.chunks(900) {
            placed.extend(
                households::Entity::find()
                    .select_only()
                    .column(households::Column::Id)
                    .filter(households::Column::Id.is_in(chunk.to_vec()))
                    .filter(households::Column::Lat.is_not_null())
                    .filter(households::Column::Lon.is_not_null())
                    .into_tuple::<i64>()
                    .all(&self.db)
                    .await?,
            );
        }
        found.extend(
            homeless
                .into_iter()
                .filter(|m| !m.household_id.is_some_and(|h| placed.contains(&h)))
                .map(|m| (m, None)),
        );
        let listed = self.evacuees(actor, found).await?;
        let (mut evacuees, mut unlocated): (Vec<Evacuee>, Vec<Evacuee>) =
            listed.into_iter().partition(|e| e.home.is_some());
        out.volunteers_shown = self.near_volunteers(actor, &mut evacuees).await?;
        let order = |a: &Evacuee, b: &Evacuee| {
            let key = |e: &Evacuee| evacuation_key(e.priority, e.alone, e.age.map(|a| a as u32));
            key(a)
                .cmp(&key(b))
                .then_with(|| a.name.cmp(&b.name))
                .then(a.person_id.cmp(&b.person_id))
        };
        evacuees.sort_by(order);
        unlocated.sort_by(order);
        out.evacuees = evacuees;
        out.unlocated = unlocated;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::EvacuationList, meta)
                .entity("hazard_zone", zone_id)
                .area(&out.zone.meta.area)
                .detail(json!({
                    "listed": out.evacuees.len(),
                    "unlocated": out.unlocated.len(),
                    // Who was shown, for each person's access log (registry::privacy).
                    "ids": out.evacuees.iter().chain(&out.unlocated).map(|e| e.person_id).collect::<Vec<_>>(),
                })),
        )
        .await?;
        Ok(out)
    }

    /// The vulnerable persons with a home location in `area` (or the caller's whole scope) for
    /// the map's persons layer, in evacuation order. `None` when the caller may not see persons
    /// anywhere; `Some(None)` when more than `limit` located persons are there (a map shows all
    /// or none, never some). Audited as a search with the number shown.
    pub async fn vulnerable_on_map(
        &self,
        actor: &Actor,
        area: Option<&AreaCode>,
        limit: u64,
        meta: &RequestMeta,
    ) -> Result<Option<Option<Vec<Evacuee>>>> {
        let scope = actor.scope(Operation::ViewPersons);
        if matches!(&scope, Scope::Within(r) if r.is_empty()) {
            return Ok(None);
        }
        let mut q = persons::Entity::find()
            .filter(persons::Column::Status.eq("active"))
            .filter(persons::Column::Lat.is_not_null())
            .filter(persons::Column::Lon.is_not_null());
        if let Some(c) = scope_condition(persons::Column::VillageCode, &scope) {
            q = q.filter(c);
        }
        if let Some(a) = area {
            q = q.filter(crate::areas::within(persons::Column::VillageCode, a));
        }
        let rows = q
            .order_by_asc(persons::Column::Id)
            .limit(limit + 1)
            .all(&self.db)
            .await?;
        if rows.len() as u64 > limit {
            return Ok(Some(None));
        }
        let found = rows
            .into_iter()
            .map(|m| {
                let home = m.lat.zip(m.lon);
                (m, home)
            })
            .collect();
        let mut out = self.evacuees(actor, found).await?;
        out.sort_by_key(|e| evacuation_key(e.priority, e.alone, e.age.map(|a| a.max(0) as u32)));
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::PersonSearch, meta).detail(json!({
                "map": area.map(AreaCode::as_str),
                "shown": out.len(),
                "ids": out.iter().map(|e| e.person_id).collect::<Vec<_>>(),
            })),
        )
        .await?;
        Ok(Some(Some(out)))
    }

    /// The persons found, with categories the caller may see, age, living alone, house
    /// number and priority; those with no priority are not vulnerable and left out.
    async fn evacuees(
        &self,
        actor: &Actor,
        found: Vec<(persons::Model, Option<(f64, f64)>)>,
    ) -> Result<Vec<Evacuee>> {
        let ids: Vec<i64> = found.iter().map(|(m, _)| m.id).collect();
        let mut cats: HashMap<i64, Vec<Category>> = HashMap::new();
        for chunk in ids.chunks(900) {
            for c in person_categories::Entity::find()
                .filter(person_categories::Column::PersonId.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                if let Some(cat) = Category::parse(&c.category) {
                    cats.entry(c.person_id).or_default().push(cat);
                }
            }
        }
        let household_ids: Vec<i64> = found
            .iter()
            .filter_map(|(m, _)| m.household_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut members: HashMap<i64, i64> = HashMap::new();
        let mut house_numbers: HashMap<i64, String> = HashMap::new();
        for chunk in household_ids.chunks(900) {
            let counts: Vec<(i64, i64)> = persons::Entity::find()
                .select_only()
                .column(persons::Column::HouseholdId)
                .column_as(persons::Column::Id.count(), "n")
                .filter(persons::Column::HouseholdId.is_in(chunk.to_vec()))
                .filter(persons::Column::Status.eq("active"))
                .group_by(persons::Column::HouseholdId)
                .into_tuple()
                .all(&self.db)
                .await?;
            members.extend(counts);
            for h in households::Entity::find()
                .filter(households::Column::Id.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                house_numbers.insert(h.id, h.house_number);
            }
        }
        let t = today();
        let mut sensitive: BTreeMap<String, bool> = BTreeMap::new();
        let mut out = Vec::new();
        for (m, home) in found {
            let village = AreaCode::parse(&m.village_code).expect("stored codes are valid");
            let sees = *sensitive
                .entry(m.village_code.clone())
                .or_insert_with(|| actor.can(Operation::ViewSensitive, &village));
            let mut categories: Vec<Category> = cats
                .remove(&m.id)
                .unwrap_or_default()
                .into_iter()
                .filter(|c| sees || !c.is_sensitive())
                .collect();
            let age = birth_of(&m).map(|b| b.age_on(t));
            if age.is_some_and(|a| a >= ruamjai_domain::registry::ELDERLY_AGE) {
                categories.push(Category::Elderly);
            }
            categories.sort();
            categories.dedup();
            let alone = m
                .household_id
                .is_some_and(|h| members.get(&h).copied() == Some(1));
            let Some(p) = priority(&categories, alone, age.map(|a| a.max(0) as u32)) else {
                continue;
            };
            out.push(Evacuee {
                person_id: m.id,
                name: display_name(m.prefix.as_deref(), &m.first_name, &m.last_name),
                village_code: village,
                house_number: m.household_id.and_then(|h| house_numbers.get(&h).cloned()),
                phone: m.phone,
                age,
                alone,
                priority: p,
                categories,
                home,
                volunteers: Vec::new(),
            });
        }
        Ok(out)
    }

    /// Proposes the nearest volunteers who can go now for each evacuee, from the volunteers
    /// the caller may see. False when the caller may not see volunteers anywhere.
    async fn near_volunteers(&self, actor: &Actor, evacuees: &mut [Evacuee]) -> Result<bool> {
        let scope = actor.scope(Operation::ViewNetwork);
        if matches!(&scope, Scope::Within(r) if r.is_empty()) {
            return Ok(false);
        }
        let homes: Vec<(f64, f64)> = evacuees.iter().filter_map(|e| e.home).collect();
        if homes.is_empty() {
            return Ok(true);
        }
        let lat0 = homes.iter().map(|h| h.0).fold(f64::MAX, f64::min);
        let lat1 = homes.iter().map(|h| h.0).fold(f64::MIN, f64::max);
        let lon0 = homes.iter().map(|h| h.1).fold(f64::MAX, f64::min);
        let lon1 = homes.iter().map(|h| h.1).fold(f64::MIN, f64::max);
        let ((a, b), _) = matching::bounding_box((lat0, lon0), VOLUNTEER_REACH_M);
        let (_, (c, d)) = matching::bounding_box((lat1, lon1), VOLUNTEER_REACH_M);
        let mut q = volunteers::Entity::find()
            .filter(volunteers::Column::Active.eq(true))
            .filter(volunteers::Column::Lat.between(a, c))
            .filter(volunteers::Column::Lon.between(b, d));
        if let Some(cond) = scope_condition(volunteers::Column::AreaCode, &scope) {
            q = q.filter(cond);
        }
        let rows = q.limit(20_000).all(&self.db).await?;
        let candidates: Vec<Candidate> = rows
            .iter()
            .map(|v| Candidate {
                id: v.id,
                home: v.lat.zip(v.lon),
                skills: Vec::new(),
                availability: ruamjai_domain::network::Availability::parse(&v.availability)
                    .unwrap_or_default(),
                active: v.active,
            })
            .collect();
        let by_id: HashMap<i64, &volunteers::Model> = rows.iter().map(|v| (v.id, v)).collect();
        let at = now_local();
        for e in evacuees.iter_mut() {
            let Some(home) = e.home else { continue };
            let need = Need {
                point: home,
                skills: Vec::new(),
                at,
                within_m: VOLUNTEER_REACH_M,
                limit: VOLUNTEERS_PER_PERSON,
            };
            e.volunteers = matching::rank(&candidates, &need)
                .into_iter()
                .filter_map(|m| {
                    let v = by_id.get(&m.id)?;
                    Some(NearVolunteer {
                        id: v.id,
                        name: display_name(v.prefix.as_deref(), &v.first_name, &v.last_name),
                        phone: v.phone.clone(),
                        distance_m: m.distance_m,
                    })
                })
                .collect();
        }
        Ok(true)
    }
}

/// Writes a checked feature's fields into a row.
fn fill(am: &mut hazard_zones::ActiveModel, c: &Checked, actor: &Actor) {
    am.area_code = Set(c.meta.area.to_string());
    am.shape = Set(if c.point { "point" } else { "polygon" }.into());
    am.reference = Set(c.reference.clone());
    am.name = Set(c.meta.name.clone());
    am.kind = Set(c.meta.kind.as_str().into());
    am.severity = Set(c.meta.severity.as_str().into());
    am.source = Set(c.meta.source.clone());
    am.valid_from = Set(c.meta.valid_from);
    am.valid_to = Set(c.meta.valid_to);
    am.geometry = Set(c.geometry.clone());
    am.min_lon = Set(c.bbox[0]);
    am.min_lat = Set(c.bbox[1]);
    am.max_lon = Set(c.bbox[2]);
    am.max_lat = Set(c.bbox[3]);
    am.updated_by = Set(Some(actor.user_id));
    am.updated_at = Set(Utc::now());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, d: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
    }

    #[test]
    fn features_are_checked_whole_and_named() {
        let area = AreaCode::parse("5501").unwrap();
        let good = json!({"type": "Feature", "id": "f1", "properties": {"name": "ริมน้ำ", "kind": "น้ำท่วม"}, "geometry": square(100.7, 18.7, 0.1)});
        let mut problems = Vec::new();
        let c = check_feature(0, &good, &area, &mut problems).expect("valid");
        assert!(problems.is_empty());
        assert_eq!(c.meta.area, area, "the import's area when none is named");
        assert_eq!(c.reference.as_deref(), Some("f1"));
        assert_eq!(c.bbox, [100.7, 18.7, 100.8, 18.8]);

        // Latitude and longitude swapped: outside Thailand, named on the geometry.
        let swapped = json!({"type": "Feature", "properties": {"id": 7, "kind": "flood"}, "geometry": square(18.7, 100.7, 0.1)});
        assert!(check_feature(3, &swapped, &area, &mut problems).is_none());
        let p = &problems[0];
        assert_eq!(
            (p.index, p.id.as_deref(), p.field, p.code),
            (3, Some("7"), "geometry", "outside_thailand")
        );

        // Several problems of one feature are all reported.
        problems.clear();
        let bad = json!({"type": "Feature", "properties": {"kind": "tsunami", "area_code": "5601"},
            "geometry": {"type": "Polygon", "coordinates": [[[100.7, 18.7], [100.8, 18.7], [100.8, 18.8], [100.7, 18.7], [100.7, 18.75]]]}});
        assert!(check_feature(1, &bad, &area, &mut problems).is_none());
        let got: Vec<_> = problems.iter().map(|p| (p.field, p.code)).collect();
        assert_eq!(
            got,
            [
                ("name", "required"),
                ("kind", "invalid_choice"),
                ("geometry", "ring_not_closed")
            ]
        );
        // An area outside the import's: refused.
        problems.clear();
        let elsewhere = json!({"type": "Feature", "properties": {"name": "x", "kind": "haze", "area_code": "5601"}, "geometry": {"type": "Point", "coordinates": [100.7, 18.7]}});
        assert!(check_feature(0, &elsewhere, &area, &mut problems).is_none());
        assert_eq!(problems[0].code, "area_not_found");
    }

    #[test]
    fn points_and_bare_geometries_are_features() {
        let f = features_of(&square(100.0, 18.0, 0.5).to_string()).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0]["type"], "Feature");
        assert_eq!(features_of("{").unwrap_err().code, "geojson_invalid");
        assert_eq!(
            features_of(r#"{"type":"Topology"}"#).unwrap_err().code,
            "geojson_invalid"
        );
        let (point, text, bbox) = check_geometry(Some(
            &json!({"type": "Point", "coordinates": [100.5, 13.7]}),
        ))
        .unwrap();
        assert!(point);
        assert_eq!(bbox, [100.5, 13.7, 100.5, 13.7]);
        assert!(text.contains("Point"));
        let line = json!({"type": "LineString", "coordinates": [[100.0, 18.0], [100.1, 18.1]]});
        assert_eq!(
            problem_code(&check_geometry(Some(&line)).unwrap_err()),
            "geometry_type"
        );
    }
}
