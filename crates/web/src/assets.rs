//! Static assets embedded in the binary: our own CSS/JS and the npm libraries the build
//! installed (see build.rs): htmx 2, Leaflet 1.9 (the dashboards' maps and the hazard map),
//! Leaflet.markercluster and Geoman (clustering persons and drawing zones on the hazard map) and
//! the Thai subset of Noto Sans Thai (OFL-1.1), for devices without a Thai font. Served with a
//! long cache lifetime under a versioned path.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

const HTMX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js"));
const THAI_400: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/noto-sans-thai-400.woff2"));
const THAI_700: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/noto-sans-thai-700.woff2"));
const LEAFLET_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/leaflet.js"));
const LEAFLET_CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/leaflet.css"));
const CLUSTER_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/leaflet.markercluster.js"));
const CLUSTER_CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/MarkerCluster.css"));
const CLUSTER_DEFAULT_CSS: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/MarkerCluster.Default.css"));
const GEOMAN_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/leaflet-geoman.min.js"));
const GEOMAN_CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/leaflet-geoman.css"));
const APP_CSS: &str = include_str!("../assets/app.css");
const APP_JS: &str = include_str!("../assets/app.js");
const MAP_JS: &str = include_str!("../assets/map.js");
const HAZARD_MAP_JS: &str = include_str!("../assets/hazard_map.js");
const REPORTS_CSS: &str = include_str!("../assets/reports.css");
const FIELD_JS: &str = include_str!("../assets/field.js");
const FIELD_ICON: &str = include_str!("../assets/field-icon.svg");
/// The field app's service worker (served at `/sw.js` by `ui::field`, for a scope of `/`).
pub(crate) const SW_JS: &str = include_str!("../assets/sw.js");

/// A fingerprint of the assets the field app's service worker keeps (FNV-1a, 64 bits): its
/// cache is named after it, so a build with changed assets installs a fresh copy.
pub(crate) fn fingerprint() -> u64 {
    static PRINT: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
        let parts: [&[u8]; 8] = [
            SW_JS.as_bytes(),
            FIELD_JS.as_bytes(),
            FIELD_ICON.as_bytes(),
            APP_CSS.as_bytes(),
            APP_JS.as_bytes(),
            HTMX,
            THAI_400,
            THAI_700,
        ];
        parts
            .iter()
            .flat_map(|p| p.iter())
            .fold(0xcbf2_9ce4_8422_2325, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            })
    });
    *PRINT
}

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, mime): (&'static [u8], &str) = match name.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "noto-sans-thai-400.woff2" => (THAI_400, "font/woff2"),
        "noto-sans-thai-700.woff2" => (THAI_700, "font/woff2"),
        "app.css" => (APP_CSS.as_bytes(), "text/css; charset=utf-8"),
        "app.js" => (APP_JS.as_bytes(), "text/javascript; charset=utf-8"),
        "leaflet.js" => (LEAFLET_JS, "text/javascript; charset=utf-8"),
        "leaflet.css" => (LEAFLET_CSS, "text/css; charset=utf-8"),
        "leaflet.markercluster.js" => (CLUSTER_JS, "text/javascript; charset=utf-8"),
        "MarkerCluster.css" => (CLUSTER_CSS, "text/css; charset=utf-8"),
        "MarkerCluster.Default.css" => (CLUSTER_DEFAULT_CSS, "text/css; charset=utf-8"),
        "leaflet-geoman.min.js" => (GEOMAN_JS, "text/javascript; charset=utf-8"),
        "leaflet-geoman.css" => (GEOMAN_CSS, "text/css; charset=utf-8"),
        "map.js" => (MAP_JS.as_bytes(), "text/javascript; charset=utf-8"),
        "hazard_map.js" => (HAZARD_MAP_JS.as_bytes(), "text/javascript; charset=utf-8"),
        "reports.css" => (REPORTS_CSS.as_bytes(), "text/css; charset=utf-8"),
        "field.js" => (FIELD_JS.as_bytes(), "text/javascript; charset=utf-8"),
        "field-icon.svg" => (FIELD_ICON.as_bytes(), "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
