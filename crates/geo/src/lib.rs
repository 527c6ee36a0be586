//! ruamjai geo: which homes lie inside which hazard zones (DESIGN.md §2 part 7, issue 7).
//!
//! A library with no web or store dependency, also usable standalone through
//! `ruamjai geo exposure`. The pieces:
//!
//! 1. [`zones`]: zones (polygons and multipolygons with holes) from GeoJSON, validated whole —
//!    every ring closed, at least 4 positions, finite coordinates in range, no self-intersection,
//!    holes inside their exterior ring — or an error naming the feature (index and id) and the
//!    problem. Nothing is half-loaded.
//! 2. [`polygon`]: point in polygon by the even–odd rule over all rings, with edges bucketed in
//!    horizontal bands so a test touches a handful of edges. **A point on an edge or a vertex
//!    is inside.**
//! 3. `index` (internal): a uniform grid over all polygons whose cells know which polygons
//!    reach them and which they lie wholly inside, so most points are answered without any
//!    edge test.
//! 4. [`exposure`]: many points from CSV in bounded chunks, on every core, written as
//!    `point_id,zone_id` in input order (points, then zones).
//!
//! The crates named in STACK.md for geometry (`geo`, `geojson`, `rstar`) are not used here:
//! this one question (which zones contain each of millions of points) is served by a prepared
//! structure made for it (grid cells known to be inside, edges in bands), and reading GeoJSON
//! through `serde_json` directly lets every error name its feature, polygon, ring and position.

pub mod exposure;
mod fast_json;
mod index;
pub mod kml;
pub mod polygon;
pub mod zones;

pub use exposure::{ExposureError, Summary};
pub use polygon::{Pt, RingProblem};
pub use zones::{FeatureRef, Problem, ZoneError, ZoneInput, ZoneSet};
