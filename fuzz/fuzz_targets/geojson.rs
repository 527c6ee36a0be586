//! Hazard zones: `ruamjai_geo` reading GeoJSON (`parse_geojson`, `ZoneSet::new`), KML
//! (`kml::to_geojson`), the per-feature checks the store's zone import makes (`read_geometry`,
//! `check_zone`, `ZoneForm::check` on the properties), and point-in-polygon on what is loaded.
//!
//! The first byte picks a mode:
//! * 0 — the rest is GeoJSON text;
//! * 1 — the rest is KML text;
//! * 2 — the rest describes polygons directly (see [`structured`]): most random texts never get
//!   past the parser, so this mode is where the ring checks, the polygon bands and the grid
//!   index get their inputs. Its coordinates are multiples of 1/4 near Nan, so every
//!   orientation test is exact in `f64` and the answers are compared with an exact reference.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruamjai_domain::hazards::ZoneForm;
use ruamjai_geo::zones::{check_zone, parse_geojson, read_geometry};
use ruamjai_geo::{Pt, ZoneError, ZoneInput, ZoneSet};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let text = String::from_utf8_lossy(rest);
            geojson_text(&text);
            store_import(&text);
        }
        1 => {
            let text = String::from_utf8_lossy(rest);
            kml(&text);
            store_import(&text);
        }
        // Bounded so that the exact reference (every point against every edge) stays quick.
        _ => structured(&rest[..rest.len().min(600)]),
    }
});

/// GeoJSON text through the geo crate, and what it loads queried.
fn geojson_text(text: &str) {
    let Ok(zones) = parse_geojson(text) else {
        return;
    };
    load_and_query(zones, &[]);
}

/// KML into GeoJSON, then as GeoJSON text (as `ruamjai geo` and the import read it).
fn kml(text: &str) {
    let Ok(fc) = ruamjai_geo::kml::to_geojson(text) else {
        return;
    };
    assert_eq!(fc["type"], "FeatureCollection");
    assert!(fc["features"].is_array());
    let Ok(zones) = parse_geojson(&fc.to_string()) else {
        return;
    };
    load_and_query(zones, &[]);
}

/// Validate `zones` as a set, compare with the per-zone check, and query the loaded set.
fn load_and_query(zones: Vec<ZoneInput>, extra_points: &[Pt]) -> Option<ZoneSet> {
    let per_zone: Vec<bool> = zones
        .iter()
        .map(|z| check_zone(&z.polygons).is_ok())
        .collect();
    let mut ids: Vec<&str> = zones.iter().map(|z| z.id.as_str()).collect();
    ids.sort_unstable();
    let unique = ids.windows(2).all(|w| w[0] != w[1]);
    let set = match ZoneSet::new(zones.clone()) {
        Ok(set) => set,
        Err(e) => {
            // Refused as a set exactly when an id repeats or a zone is refused on its own.
            match &e {
                ZoneError::DuplicateId { .. } => assert!(!unique),
                ZoneError::Feature { feature, .. } => {
                    assert!(!per_zone[feature.index], "{e}");
                    assert!(per_zone[..feature.index].iter().all(|ok| *ok));
                }
                ZoneError::NotGeoJson(_) => panic!("not GeoJSON from ZoneSet::new: {e}"),
            }
            let _ = e.to_string();
            return None;
        }
    };
    assert!(unique && per_zone.iter().all(|ok| *ok));
    assert_eq!(set.len(), zones.len());

    // Every vertex lies on its zone's boundary, which counts as inside; the grid index agrees
    // with testing every zone, at the vertices, between them and at the given points.
    let mut points: Vec<Pt> = extra_points.to_vec();
    for (z, zone) in zones.iter().enumerate() {
        for ring in zone.polygons.iter().flatten() {
            for (i, p) in ring.iter().enumerate() {
                assert!(set.contains(z, p[0], p[1]), "vertex {p:?} not in zone {z}");
                if i < 64 {
                    points.push(*p);
                    if let Some(q) = ring.get(i + 1) {
                        points.push([(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0]);
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    for p in points {
        found.clear();
        set.zones_at(p[0], p[1], &mut found);
        let expected: Vec<u32> = (0..set.len())
            .filter(|&z| set.contains(z, p[0], p[1]))
            .map(|z| z as u32)
            .collect();
        assert_eq!(found, expected, "at {p:?}");
    }
    Some(set)
}

/// The store's hazard import (`crates/store/src/hazards/zones.rs`, whose parsing functions are
/// private): GeoJSON or KML text into features, each geometry read and checked, each feature's
/// properties checked as a zone description. Point geometries (risk points) are skipped here.
fn store_import(text: &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let v = if text.trim_start().starts_with('<') {
        match ruamjai_geo::kml::to_geojson(text) {
            Ok(v) => v,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        }
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    let features = match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match v.get("features") {
            Some(Value::Array(f)) => f.clone(),
            _ => return,
        },
        Some("Feature") => vec![v],
        _ => vec![serde_json::json!({"type": "Feature", "properties": {}, "geometry": v})],
    };
    for f in features.iter().take(1000) {
        let props = f.get("properties");
        let prop = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| match props.and_then(|p| p.get(*k)) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        let form = ZoneForm {
            name: prop(&["name", "name_th", "ชื่อ", "title"]),
            kind: prop(&["kind", "hazard", "ประเภท", "ภัย"]),
            severity: prop(&["severity", "level", "ระดับ"]),
            source: prop(&["source", "แหล่งที่มา"]),
            valid_from: prop(&["valid_from"]),
            valid_to: prop(&["valid_to"]),
            area_code: match prop(&["area_code", "area"]) {
                a if a.trim().is_empty() => "55".to_owned(),
                a => a,
            },
        };
        if let Ok(meta) = form.check() {
            assert!(!meta.name.trim().is_empty());
            if let (Some(a), Some(b)) = (meta.valid_from, meta.valid_to) {
                assert!(a <= b);
            }
        }
        let Some(g) = f.get("geometry") else { continue };
        if g.get("type").and_then(Value::as_str) == Some("Point") {
            continue;
        }
        match read_geometry(g) {
            Ok(polygons) => {
                let checked = check_zone(&polygons);
                if let Err(p) = &checked {
                    let _ = p.to_string();
                }
                // The same geometry as a one-zone set is accepted exactly when the check
                // accepts it.
                let alone = ZoneSet::new(vec![ZoneInput {
                    id: "z".into(),
                    polygons,
                }]);
                assert_eq!(checked.is_ok(), alone.is_ok());
            }
            Err(p) => {
                let _ = p.to_string();
            }
        }
    }
}

/// One coordinate unit of the structured mode, in degrees (exact in binary).
const UNIT: f64 = 0.25;
/// Where the structured mode's polygons sit (near Nan: lon 100, lat 18).
const BASE: (i64, i64) = (400, 72);

fn to_pt(x: i64, y: i64) -> Pt {
    [(BASE.0 + x) as f64 * UNIT, (BASE.1 + y) as f64 * UNIT]
}

/// Structured polygons: bytes below 0xFD are coordinates taken in pairs (0–63 units each; each
/// ring is closed by repeating its first position); 0xFF starts a hole in the same polygon,
/// 0xFE another polygon of the same zone, 0xFD another zone. Coordinates are kept in units so
/// the reference below computes exactly in integers.
/// A ring in units, a polygon (shell then holes), a zone's polygons.
type UnitRing = Vec<(i64, i64)>;
type UnitZone = Vec<Vec<UnitRing>>;

fn structured(bytes: &[u8]) {
    let mut zones: Vec<UnitZone> = vec![vec![vec![vec![]]]];
    let mut pending: Option<i64> = None;
    for &b in bytes {
        match b {
            0xFD => {
                zones.push(vec![vec![vec![]]]);
                pending = None;
            }
            0xFE => {
                zones.last_mut().unwrap().push(vec![vec![]]);
                pending = None;
            }
            0xFF => {
                zones.last_mut().unwrap().last_mut().unwrap().push(vec![]);
                pending = None;
            }
            _ => {
                let v = i64::from(b & 0x3F);
                match pending.take() {
                    None => pending = Some(v),
                    Some(x) => {
                        let ring = zones
                            .last_mut()
                            .unwrap()
                            .last_mut()
                            .unwrap()
                            .last_mut()
                            .unwrap();
                        ring.push((x, v));
                    }
                }
            }
        }
    }
    for ring in zones.iter_mut().flatten().flatten() {
        if let Some(&first) = ring.first() {
            ring.push(first);
        }
    }
    let inputs: Vec<ZoneInput> = zones
        .iter()
        .enumerate()
        .map(|(i, polygons)| ZoneInput {
            id: i.to_string(),
            polygons: polygons
                .iter()
                .map(|rings| {
                    rings
                        .iter()
                        .map(|r| r.iter().map(|&(x, y)| to_pt(x, y)).collect())
                        .collect()
                })
                .collect(),
        })
        .collect();

    // Query points in half units over the whole coordinate range (and a little beyond).
    let mut points = Vec::new();
    for x in (-2..=130).step_by(5) {
        for y in (-2..=130).step_by(5) {
            points.push((x, y));
        }
    }
    let extra: Vec<Pt> = points
        .iter()
        .map(|&(x, y)| {
            [
                (2 * BASE.0 + x) as f64 * UNIT / 2.0,
                (2 * BASE.1 + y) as f64 * UNIT / 2.0,
            ]
        })
        .collect();
    let Some(set) = load_and_query(inputs, &extra) else {
        return;
    };

    // The exact reference: even–odd over each polygon's rings, on the boundary counts as
    // inside, a zone contains a point when any of its polygons does. In half units.
    for (&(qx, qy), p) in points.iter().zip(&extra) {
        for (z, polygons) in zones.iter().enumerate() {
            let expected = polygons.iter().any(|rings| {
                let mut inside = false;
                for ring in rings {
                    for w in ring.windows(2) {
                        let (x1, y1) = (2 * w[0].0, 2 * w[0].1);
                        let (x2, y2) = (2 * w[1].0, 2 * w[1].1);
                        let cross = (x2 - x1) * (qy - y1) - (y2 - y1) * (qx - x1);
                        let within = qx >= x1.min(x2)
                            && qx <= x1.max(x2)
                            && qy >= y1.min(y2)
                            && qy <= y1.max(y2);
                        if cross == 0 && within {
                            return true;
                        }
                        if (y1 > qy) != (y2 > qy) {
                            // x of the edge at height qy, compared without division.
                            let lhs = (qx - x1) * (y2 - y1);
                            let rhs = (x2 - x1) * (qy - y1);
                            let right_of_point = if y2 > y1 { rhs > lhs } else { rhs < lhs };
                            if right_of_point {
                                inside = !inside;
                            }
                        }
                    }
                }
                inside
            });
            assert_eq!(
                set.contains(z, p[0], p[1]),
                expected,
                "zone {z} at half-units ({qx}, {qy})"
            );
        }
    }
}
