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
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::hours(12),
            secure_cookies: false,
            base_url: "http://127.0.0.1:8080".into(),
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
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: UI, API, health endpoints and static assets.
pub fn app(store: Store, config: WebConfig) -> Router {
    let state = AppState {
        store,
        config: Arc::new(config),
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
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
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

/// The OpenAPI document of `/api/v1`, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}
