//! Hazard zones: read from GeoJSON, validated whole (all zones or an error naming the feature),
//! and indexed for point queries.
//!
//! Accepted input: a `FeatureCollection` of features whose geometry is a `Polygon` or a
//! `MultiPolygon`, a single `Feature`, or a bare `Polygon`/`MultiPolygon` geometry. A zone's id
//! is the feature's `id` (string or number), else its `id` property, else its index in the
//! collection. Ids must be unique.

use std::collections::HashMap;
use std::fmt;

use rayon::prelude::*;
use serde_json::Value;

use crate::index::Grid;
use crate::polygon::{Prepared, Pt, RingProblem, clean_ring, edges, hit};

/// A zone before validation: an id and its polygons, each a list of rings (exterior first, then
/// holes) of `[longitude, latitude]` positions.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneInput {
    /// The zone's id, as written to the output.
    pub id: String,
    /// Polygons (one for a `Polygon`, several for a `MultiPolygon`).
    pub polygons: Vec<Vec<Vec<Pt>>>,
}

/// Why zones could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZoneError {
    /// The text is not JSON, or not GeoJSON of a known shape.
    #[error("not GeoJSON: {0}")]
    NotGeoJson(String),
    /// One feature is wrong.
    #[error("feature {feature}: {problem}")]
    Feature {
        /// Which feature (index and id).
        feature: FeatureRef,
        /// What is wrong with it.
        problem: Box<Problem>,
    },
    /// Two features have the same id.
    #[error("features {first} and {second} have the same id")]
    DuplicateId {
        /// The first feature with the id.
        first: FeatureRef,
        /// The next one.
        second: FeatureRef,
    },
}

/// A feature named in an error: its index in the collection and its id if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRef {
    /// Index in the `features` array (0 for a single feature or geometry).
    pub index: usize,
    /// Its id (feature `id` or `id` property), when it has one.
    pub id: Option<String>,
}

impl fmt::Display for FeatureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "at index {} (id {id:?})", self.index),
            None => write!(f, "at index {} (no id)", self.index),
        }
    }
}

/// What is wrong with one feature.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// No geometry, or a geometry that is not a polygon or multipolygon.
    #[error("geometry is {0}, not a Polygon or MultiPolygon")]
    NotPolygon(String),
    /// Coordinates are not nested arrays of numbers as the geometry type requires.
    #[error("coordinates are malformed: {0}")]
    Malformed(String),
    /// A polygon with no rings.
    #[error("polygon {polygon} has no rings")]
    Empty {
        /// Index of the polygon (0 for a `Polygon`).
        polygon: usize,
    },
    /// One ring is invalid.
    #[error("polygon {polygon}, {}: ring {problem}", ring_name(*ring))]
    Ring {
        /// Index of the polygon in a `MultiPolygon` (0 for a `Polygon`).
        polygon: usize,
        /// Index of the ring: 0 the exterior ring, 1.. the holes.
        ring: usize,
        /// What is wrong.
        problem: RingProblem,
    },
}

fn ring_name(ring: usize) -> String {
    if ring == 0 {
        "exterior ring 0".into()
    } else {
        format!("hole ring {ring}")
    }
}

/// Validated zones with their spatial index: answers which zones contain a point.
#[derive(Debug, Clone)]
pub struct ZoneSet {
    ids: Vec<String>,
    /// Zone of each polygon; polygons are in zone order.
    poly_zone: Vec<u32>,
    polys: Vec<Prepared>,
    grid: Grid,
}

impl ZoneSet {
    /// Reads zones from GeoJSON text (see the module documentation for what is accepted).
    pub fn from_geojson(text: &str) -> Result<Self, ZoneError> {
        Self::new(parse_geojson(text)?)
    }

    /// Validates zones and builds the index; the first invalid feature (in input order) is
    /// reported, with its index in `zones`.
    pub fn new(zones: Vec<ZoneInput>) -> Result<Self, ZoneError> {
        let feature = |i: usize| FeatureRef {
            index: i,
            id: Some(zones[i].id.clone()),
        };
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(zones.len());
        for (i, z) in zones.iter().enumerate() {
            if let Some(&first) = seen.get(z.id.as_str()) {
                return Err(ZoneError::DuplicateId {
                    first: feature(first),
                    second: feature(i),
                });
            }
            seen.insert(&z.id, i);
        }
        let cleaned: Vec<Result<Vec<Vec<Vec<Pt>>>, Problem>> =
            zones.par_iter().map(|z| clean_zone(&z.polygons)).collect();
        let mut ids = Vec::with_capacity(zones.len());
        let mut poly_zone = Vec::new();
        let mut rings = Vec::new();
        for (i, c) in cleaned.into_iter().enumerate() {
            let polys = c.map_err(|problem| ZoneError::Feature {
                feature: feature(i),
                problem: Box::new(problem),
            })?;
            for p in polys {
                poly_zone.push(i as u32);
                rings.push(p);
            }
            ids.push(zones[i].id.clone());
        }
        let polys: Vec<Prepared> = rings.par_iter().map(|r| Prepared::new(r)).collect();
        let grid = Grid::new(&polys);
        Ok(Self {
            ids,
            poly_zone,
            polys,
            grid,
        })
    }

    /// How many zones.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no zones.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The zones' ids, in input order (a zone's index is its position here).
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Appends to `out` the indices of the zones containing the point (inside or on the
    /// boundary of any of their polygons), in zone order, each once.
    #[inline]
    pub fn zones_at(&self, lon: f64, lat: f64, out: &mut Vec<u32>) {
        let mut last = u32::MAX;
        for &entry in self.grid.candidates(lon, lat) {
            let p = (entry >> 1) as usize;
            let z = self.poly_zone[p];
            if z == last {
                continue; // another polygon of a zone already found
            }
            if Grid::wholly_inside(entry) || self.polys[p].contains(lon, lat) {
                out.push(z);
                last = z;
            }
        }
    }

    /// Whether zone `zone` (an index into [`ZoneSet::ids`]) contains the point.
    pub fn contains(&self, zone: usize, lon: f64, lat: f64) -> bool {
        self.poly_zone
            .iter()
            .zip(&self.polys)
            .any(|(&z, p)| z as usize == zone && p.contains(lon, lat))
    }
}

/// Reads one GeoJSON geometry object (a `Polygon` or `MultiPolygon`) into polygons of rings,
/// for callers that walk features themselves (the store's import keeps their properties).
pub fn read_geometry(g: &Value) -> Result<Vec<Vec<Vec<Pt>>>, Problem> {
    geometry(g)
}

/// Checks the polygons of one zone as [`ZoneSet::new`] does (rings closed, enough positions,
/// in range, not self-intersecting, holes inside their shell).
pub fn check_zone(polygons: &[Vec<Vec<Pt>>]) -> Result<(), Problem> {
    clean_zone(polygons).map(|_| ())
}

/// Validates the polygons of one zone, returning their cleaned rings.
fn clean_zone(polygons: &[Vec<Vec<Pt>>]) -> Result<Vec<Vec<Vec<Pt>>>, Problem> {
    if polygons.is_empty() {
        return Err(Problem::Malformed("no polygons".into()));
    }
    let mut out = Vec::with_capacity(polygons.len());
    for (pi, rings) in polygons.iter().enumerate() {
        if rings.is_empty() {
            return Err(Problem::Empty { polygon: pi });
        }
        let mut clean = Vec::with_capacity(rings.len());
        for (ri, r) in rings.iter().enumerate() {
            let ring = clean_ring(r).map_err(|problem| Problem::Ring {
                polygon: pi,
                ring: ri,
                problem,
            })?;
            clean.push(ring);
        }
        // A hole must lie inside its exterior ring: test its first vertex that is not on the
        // exterior ring (a hole may touch it at a vertex).
        let shell = edges(&clean[..1]);
        for (ri, hole) in clean.iter().enumerate().skip(1) {
            let mut verdict = None;
            for p in hole {
                let mut inside = false;
                let mut on = false;
                for e in &shell {
                    match hit(e, p[0], p[1]) {
                        crate::polygon::Hit::On => {
                            on = true;
                            break;
                        }
                        crate::polygon::Hit::Cross => inside = !inside,
                        crate::polygon::Hit::Miss => {}
                    }
                }
                if !on {
                    verdict = Some((inside, *p));
                    break;
                }
            }
            if let Some((false, at)) = verdict {
                return Err(Problem::Ring {
                    polygon: pi,
                    ring: ri,
                    problem: RingProblem::HoleOutsideShell { at },
                });
            }
        }
        out.push(clean);
    }
    Ok(out)
}

/// Reads GeoJSON text into zone inputs (structure only; geometry is validated by
/// [`ZoneSet::new`]). Well-formed input is read by a typed fast path; anything it does not take
/// is read again through a `serde_json::Value` so the error can name the feature.
pub fn parse_geojson(text: &str) -> Result<Vec<ZoneInput>, ZoneError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(zones) = crate::fast_json::parse(text) {
        return Ok(zones);
    }
    parse_value(text)
}

/// The careful way: through a `serde_json::Value`, naming the feature at fault.
fn parse_value(text: &str) -> Result<Vec<ZoneInput>, ZoneError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ZoneError::NotGeoJson(e.to_string()))?;
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "FeatureCollection" => {
            let features = v.get("features").and_then(Value::as_array).ok_or_else(|| {
                ZoneError::NotGeoJson("a FeatureCollection without a features array".into())
            })?;
            features
                .iter()
                .enumerate()
                .map(|(i, f)| feature(i, f))
                .collect()
        }
        "Feature" => Ok(vec![feature(0, &v)?]),
        "Polygon" | "MultiPolygon" => {
            let polygons = geometry(&v).map_err(|problem| ZoneError::Feature {
                feature: FeatureRef { index: 0, id: None },
                problem: Box::new(problem),
            })?;
            Ok(vec![ZoneInput {
                id: "0".into(),
                polygons,
            }])
        }
        "" => Err(ZoneError::NotGeoJson("no \"type\" member".into())),
        other => Err(ZoneError::NotGeoJson(format!(
            "a {other}; expected a FeatureCollection, a Feature, a Polygon or a MultiPolygon"
        ))),
    }
}

/// An id value as text: strings as they are, numbers as written.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn feature(index: usize, f: &Value) -> Result<ZoneInput, ZoneError> {
    let id = f.get("id").and_then(id_text).or_else(|| {
        f.get("properties")
            .and_then(|p| p.get("id"))
            .and_then(id_text)
    });
    let fail = |problem| ZoneError::Feature {
        feature: FeatureRef {
            index,
            id: id.clone(),
        },
        problem: Box::new(problem),
    };
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(fail(Problem::NotPolygon("not a Feature".into())));
    }
    let polygons = match f.get("geometry") {
        None | Some(Value::Null) => Err(Problem::NotPolygon("missing (null)".into())),
        Some(g) => geometry(g),
    }
    .map_err(fail)?;
    Ok(ZoneInput {
        id: id.clone().unwrap_or_else(|| index.to_string()),
        polygons,
    })
}

fn geometry(g: &Value) -> Result<Vec<Vec<Vec<Pt>>>, Problem> {
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("untyped");
    let coords = g.get("coordinates");
    match kind {
        "Polygon" => Ok(vec![polygon(coords, "Polygon")?]),
        "MultiPolygon" => {
            let parts = coords.and_then(Value::as_array).ok_or_else(|| {
                Problem::Malformed("MultiPolygon coordinates are not an array".into())
            })?;
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(Some(p), &format!("polygon {i}")))
                .collect()
        }
        other => Err(Problem::NotPolygon(format!("a {other}"))),
    }
}

fn polygon(v: Option<&Value>, what: &str) -> Result<Vec<Vec<Pt>>, Problem> {
    let rings = v
        .and_then(Value::as_array)
        .ok_or_else(|| Problem::Malformed(format!("{what}: rings are not an array")))?;
    rings
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            let positions = r
                .as_array()
                .ok_or_else(|| Problem::Malformed(format!("{what}, ring {ri}: not an array of positions")))?;
            positions
                .iter()
                .enumerate()
                .map(|(pi, p)| {
                    let xy = p.as_array().filter(|a| a.len() >= 2).and_then(|a| {
                        Some([a[0].as_f64()?, a[1].as_f64()?])
                    });
                    xy.ok_or_else(|| {
                        Problem::Malformed(format!(
                            "{what}, ring {ri}, position {pi}: not [longitude, latitude] numbers ({p})"
                        ))
                    })
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fc(features: &[&str]) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    fn feature(id: &str, geometry: &str) -> String {
        format!(r#"{{"type":"Feature","id":{id},"properties":{{}},"geometry":{geometry}}}"#)
    }

    fn at(z: &ZoneSet, lon: f64, lat: f64) -> Vec<&str> {
        let mut out = Vec::new();
        z.zones_at(lon, lat, &mut out);
        out.iter().map(|&i| z.ids()[i as usize].as_str()).collect()
    }

    /// A 10 × 10 square with a 2 × 2 hole in the middle, a two-part multipolygon, and a
    /// concave "U".
    fn sample() -> ZoneSet {
        let text = fc(&[
            &feature(
                r#""square""#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[4,6],[6,6],[6,4],[4,4]]]}"#,
            ),
            &feature(
                "7",
                r#"{"type":"MultiPolygon","coordinates":[[[[20,0],[22,0],[22,2],[20,2],[20,0]]],[[[30,0],[32,0],[31,2],[30,0]]]]}"#,
            ),
            &format!(
                r#"{{"type":"Feature","properties":{{"id":"u"}},"geometry":{}}}"#,
                r#"{"type":"Polygon","coordinates":[[[40,0],[46,0],[46,6],[44,6],[44,2],[42,2],[42,6],[40,6],[40,0]]]}"#
            ),
            &format!(
                r#"{{"type":"Feature","properties":{{}},"geometry":{}}}"#,
                r#"{"type":"Polygon","coordinates":[[[5,5],[25,5],[25,8],[5,8],[5,5]]]}"#
            ),
        ]);
        ZoneSet::from_geojson(&text).unwrap()
    }

    #[test]
    fn ids_come_from_the_feature_its_properties_or_its_index() {
        let z = sample();
        assert_eq!(z.ids(), ["square", "7", "u", "3"]);
        assert_eq!(z.len(), 4);
    }

    #[test]
    fn holes_are_outside_and_their_edges_inside() {
        let z = sample();
        assert_eq!(at(&z, 1.0, 1.0), ["square"]);
        assert!(at(&z, 5.0, 4.5).is_empty(), "in the hole");
        assert_eq!(at(&z, 4.0, 5.0), ["square"], "on the hole's edge");
        assert_eq!(at(&z, 6.0, 4.0), ["square"], "on the hole's vertex");
        assert!(at(&z, -0.1, 5.0).is_empty());
    }

    #[test]
    fn points_on_edges_and_vertices_are_inside() {
        let z = sample();
        assert_eq!(at(&z, 0.0, 0.0), ["square"], "vertex");
        assert_eq!(at(&z, 10.0, 3.0), ["square"], "right edge");
        assert_eq!(at(&z, 3.0, 0.0), ["square"], "bottom edge");
        assert_eq!(at(&z, 0.0, 10.0), ["square"], "top-left vertex");
        assert_eq!(at(&z, 31.0, 2.0), ["7"], "apex of the triangle");
        assert_eq!(at(&z, 30.5, 1.0), ["7"], "on the slanted edge");
        assert!(at(&z, 30.4, 1.0).is_empty(), "just outside it");
    }

    #[test]
    fn multipolygon_parts_each_count_and_the_zone_is_listed_once() {
        let z = sample();
        assert_eq!(at(&z, 21.0, 1.0), ["7"]);
        assert_eq!(at(&z, 31.0, 0.5), ["7"]);
        assert!(at(&z, 26.0, 1.0).is_empty(), "between the parts");
        assert!(z.contains(1, 21.0, 1.0) && !z.contains(0, 21.0, 1.0));
    }

    #[test]
    fn concave_zone_and_overlapping_zones() {
        let z = sample();
        assert_eq!(at(&z, 41.0, 5.0), ["u"], "left arm");
        assert_eq!(at(&z, 45.0, 5.0), ["u"], "right arm");
        assert!(at(&z, 43.0, 5.0).is_empty(), "inside the notch");
        assert_eq!(at(&z, 43.0, 2.0), ["u"], "notch bottom edge");
        assert_eq!(at(&z, 42.0, 4.0), ["u"], "notch side edge");
        // Zone "3" overlaps the square and the first part of "7": zone order is kept.
        assert_eq!(at(&z, 7.0, 6.0), ["square", "3"]);
        assert_eq!(
            at(&z, 5.5, 5.5),
            ["3"],
            "in the square's hole but in zone 3"
        );
        assert_eq!(at(&z, 21.0, 6.0), ["3"]);
    }

    fn err(geometry: &str) -> String {
        ZoneSet::from_geojson(&fc(&[
            &feature(
                r#""ok""#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
            ),
            &feature(r#""bad-one""#, geometry),
        ]))
        .unwrap_err()
        .to_string()
    }

    #[test]
    fn invalid_features_are_named_with_their_problem() {
        let e = err(r#"{"type":"Point","coordinates":[1,2]}"#);
        assert!(
            e.starts_with(r#"feature at index 1 (id "bad-one"): geometry is a Point"#),
            "{e}"
        );
        let e = err(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#);
        assert!(
            e.contains("index 1") && e.contains("exterior ring 0") && e.contains("at least 4"),
            "{e}"
        );
        let e = err(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#);
        assert!(e.contains("not closed"), "{e}");
        let e = err(r#"{"type":"Polygon","coordinates":[[[0,0],[181,0],[1,1],[0,0]]]}"#);
        assert!(
            e.contains("position 1") && e.contains("out of range"),
            "{e}"
        );
        let e = err(r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#);
        assert!(e.contains("intersects itself"), "{e}");
        let e = err(
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[9,0],[9,9],[0,0]],[[20,20],[21,20],[21,21],[20,20]]]]}"#,
        );
        assert!(
            e.contains("polygon 1, hole ring 1") && e.contains("outside the exterior ring"),
            "{e}"
        );
        let e = err(r#"{"type":"Polygon","coordinates":[[[0,0],["a",0],[1,1],[0,0]]]}"#);
        assert!(e.contains("position 1") && e.contains("malformed"), "{e}");
        let e = err("null");
        assert!(e.contains("index 1") && e.contains("missing"), "{e}");
        let e = ZoneSet::from_geojson(&fc(&[
            &feature(
                r#""a""#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
            ),
            &feature(
                r#""a""#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
            ),
        ]))
        .unwrap_err();
        assert!(matches!(e, ZoneError::DuplicateId { .. }), "{e}");
        assert!(matches!(
            ZoneSet::from_geojson("{not json").unwrap_err(),
            ZoneError::NotGeoJson(_)
        ));
        // Non-finite coordinates cannot be written in JSON; they are refused all the same.
        let e = ZoneSet::new(vec![ZoneInput {
            id: "nan".into(),
            polygons: vec![vec![vec![
                [0.0, 0.0],
                [1.0, f64::INFINITY],
                [1.0, 1.0],
                [0.0, 0.0],
            ]]],
        }])
        .unwrap_err();
        assert!(e.to_string().contains("not a finite number"), "{e}");
    }

    #[test]
    fn the_fast_and_the_careful_reader_agree() {
        let texts = [
            fc(&[&feature(
                r#""a""#,
                r#"{"type":"Polygon","coordinates":[[[0,0,5],[1,0,5],[1,1,5],[0,0,5]],[]]}"#,
            )]),
            fc(&[
                &feature(
                    "12",
                    r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,0]],[[2.1,0.1],[2.2,0.1],[2.2,0.2],[2.1,0.1]]]]}"#,
                ),
                r#"{"type":"Feature","properties":{"id":7.5},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#,
                r#"{"type":"Feature","id":null,"properties":null,"geometry":{"type":"Polygon","coordinates":[]}}"#,
            ]),
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#.to_string(),
            feature(
                r#""f""#,
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
            ),
        ];
        for t in &texts {
            let fast = crate::fast_json::parse(t);
            assert!(fast.is_some() || t.contains("[]]"), "{t}");
            if let Some(fast) = fast {
                assert_eq!(fast, parse_value(t).unwrap(), "{t}");
            }
        }
        // Whatever the fast reader refuses is read carefully.
        let odd = fc(&[&feature(
            r#""x""#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[]]}"#,
        )]);
        assert!(crate::fast_json::parse(&odd).is_none());
        assert_eq!(
            parse_geojson(&odd).unwrap()[0].polygons[0][1],
            Vec::<Pt>::new()
        );
    }

    #[test]
    fn a_bare_geometry_or_feature_is_one_zone() {
        let z = ZoneSet::from_geojson(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
        )
        .unwrap();
        assert_eq!(z.ids(), ["0"]);
        let z = ZoneSet::from_geojson(&feature(
            r#""f""#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
        ))
        .unwrap();
        assert_eq!(at(&z, 0.9, 0.5), ["f"]);
    }

    mod prop {
        use super::super::*;
        use crate::polygon::{contains_brute, edges};
        use proptest::prelude::*;

        /// A star-shaped ring around (cx, cy) with radii r (never self-intersecting).
        fn star(cx: f64, cy: f64, radii: &[f64], scale: f64) -> Vec<Pt> {
            let n = radii.len();
            let mut ring: Vec<Pt> = radii
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    let a = k as f64 / n as f64 * std::f64::consts::TAU;
                    [cx + r * scale * a.cos(), cy + r * scale * a.sin()]
                })
                .collect();
            ring.push(ring[0]);
            ring
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// The grid and bands answer as a test of every edge does, for stars with a hole.
            #[test]
            fn index_agrees_with_brute_force(
                radii in proptest::collection::vec(0.5f64..1.0, 3..300),
                points in proptest::collection::vec((-1.2f64..1.2, -1.2f64..1.2), 200),
            ) {
                let shell = star(100.0, 18.0, &radii, 1.0);
                let hole = star(100.0, 18.0, &radii, 0.3);
                let zones = ZoneSet::new(vec![ZoneInput { id: "s".into(), polygons: vec![vec![shell.clone(), hole.clone()]] }]).unwrap();
                let e = edges(&[shell.clone(), hole]);
                for (dx, dy) in points {
                    let (x, y) = (100.0 + dx, 18.0 + dy);
                    let mut got = Vec::new();
                    zones.zones_at(x, y, &mut got);
                    prop_assert_eq!(!got.is_empty(), contains_brute(&e, x, y), "({}, {})", x, y);
                }
                for p in &shell {
                    let mut got = Vec::new();
                    zones.zones_at(p[0], p[1], &mut got);
                    prop_assert_eq!(got, vec![0u32], "vertex {:?}", p);
                }
            }
        }
    }
}
