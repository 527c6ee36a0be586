//! ruamjai HTTP: the server-rendered UI and the JSON API under `/api/v1`, over one store.
//!
//! Handlers extract input, call one store operation and shape the answer; scoping lives in the
//! store. Every request gets a request id; the caller (session cookie or API token) is loaded
//! fresh on every request, so a changed role or a disabled account takes effect at once.

pub mod api;
mod assets;
mod caller;
mod csrf;
mod error;
mod health;
pub mod i18n;
mod ui;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use ruamjai_store::Store;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use caller::Caller;
pub use error::WebError;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// How long a sign-in lasts.
    pub session_ttl: chrono::Duration,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Public base URL, for links printed outside the browser.
    pub base_url: String,
    /// Map tiles for the dashboards' maps (Leaflet URL template); empty: no tiles, the
    /// circles show on a plain background. Its origin is allowed in the CSP `img-src`.
    pub tile_url: String,
    /// The retention rules the server applies daily (shown on a person's rights page).
    pub retention: ruamjai_domain::registry::privacy::RetentionRules,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::hours(12),
            secure_cookies: false,
            base_url: "http://127.0.0.1:8080".into(),
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            retention: Default::default(),
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Persistence.
    pub store: Store,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// Uploaded files waiting for their import, and imports running in this process.
    pub(crate) import_jobs: ui::imports::Jobs,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: UI, API, health endpoints and static assets.
pub fn app(store: Store, config: WebConfig) -> Router {
    let csp = content_security_policy(&config.tile_url);
    let hsts = config
        .secure_cookies
        .then_some(HeaderValue::from_static("max-age=31536000"));
    let state = AppState {
        store,
        config: Arc::new(config),
        import_jobs: ui::imports::Jobs::default(),
    };
    let (api_router, _) = api::router().split_for_parts();
    Router::new()
        .merge(ui::router())
        .nest("/api/v1", api_router)
        .merge(health::router())
        .merge(assets::router())
        .fallback(|| async { WebError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            caller::load_caller,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::protect,
        ))
        .layer(axum::middleware::from_fn(error::render))
        .layer(axum::middleware::from_fn(private_by_default))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        // Only what the field app uses (the phone's position for a home, its camera for visit
        // photos through a file input); nothing else may be asked for.
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "geolocation=(self), camera=(self), microphone=(), payment=(), usb=(), interest-cohort=()",
            ),
        ))
        // Served over HTTPS (secure cookies): browsers keep to HTTPS for a year.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Spans carry method, path template and status only: never query strings or bodies,
        // which can hold personal data.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                let path = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("-", |p| p.as_str());
                tracing::info_span!("http", method = %req.method(), path = %path, request.id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Answers to a signed-in caller (a session cookie or an API token) are not kept by browsers
/// or proxies unless the handler says otherwise: nearly every page after sign-in shows
/// personal data, and a shared phone's back button or cache must not show it to the next user.
async fn private_by_default(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let signed = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains(caller::SESSION_COOKIE));
    let asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    if signed && !asset && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The Content-Security-Policy: everything from this origin only, except map tile images
/// from the configured tile server's origin.
fn content_security_policy(tile_url: &str) -> HeaderValue {
    let tiles = tile_origin(tile_url)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "default-src 'self'; img-src 'self' data:{tiles}; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ))
    .expect("a CSP of ASCII text is a valid header value")
}

/// The origin of a tile URL template (`https://tile.openstreetmap.org`); a `{s}` subdomain
/// placeholder becomes a wildcard. `None` for anything that is not a plain http(s) URL.
fn tile_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?.replace("{s}", "*");
    let plain = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*'));
    (!host.is_empty() && plain).then(|| format!("{scheme}://{host}"))
}

/// The OpenAPI document of `/api/v1`, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api::router().split_for_parts().1;
    api::document_common_answers(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csp_allows_the_tile_server_only_for_images() {
        assert_eq!(
            tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://tile.openstreetmap.org")
        );
        assert_eq!(
            tile_origin("https://{s}.tiles.example.org:8443/a/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tiles.example.org:8443")
        );
        assert_eq!(tile_origin(""), None);
        assert_eq!(tile_origin("javascript:alert(1)"), None);
        assert_eq!(tile_origin("https://evil.example; script-src *"), None);
        let csp = content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
        let csp = csp.to_str().unwrap();
        assert!(csp.contains("img-src 'self' data: https://tile.openstreetmap.org;"));
        assert!(csp.contains("script-src 'self';"));
        let none = content_security_policy("");
        assert!(none.to_str().unwrap().contains("img-src 'self' data:;"));
    }
}
