//! One error type for the UI and the API. A handler returns `WebError`; the `render` middleware
//! turns it into JSON under `/api/` (`{"errors":[{"code","message","field"}]}`, the message in
//! the caller's language) or into an HTML page elsewhere. 5xx answers never carry internal text;
//! the cause is logged once, without personal data.

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ruamjai_domain::{FieldError, Invalid};
use ruamjai_store::StoreError;
use serde::Serialize;

use crate::i18n::Lang;

/// Everything a handler can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WebError {
    /// Not there, or outside the caller's scope (deliberately indistinguishable).
    #[error("not found")]
    NotFound,
    /// Not signed in (or a bad API token).
    #[error("unauthenticated")]
    Unauthenticated,
    /// Signed in, allowed to see it, not allowed to do this.
    #[error("forbidden")]
    Forbidden,
    /// Bad input: each field named.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Too many failed sign-ins.
    #[error("throttled")]
    Throttled,
    /// Wrong e-mail or password.
    #[error("bad credentials")]
    BadCredentials,
    /// Missing or wrong CSRF token.
    #[error("csrf")]
    Csrf,
    /// Body too large.
    #[error("payload too large")]
    PayloadTooLarge,
    /// A request that cannot be read at all (a path, query or body of the wrong shape, a body
    /// without its content type): axum's own refusals, given our error body.
    #[error("malformed request ({0})")]
    Malformed(StatusCode),
    /// A bug or an outage; the text is logged, never shown.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Forbidden => Self::Forbidden,
            StoreError::Invalid(i) => Self::Invalid(i),
            StoreError::Throttled => Self::Throttled,
            StoreError::BadCredentials => Self::BadCredentials,
            StoreError::Db(e) => Self::Internal(e.to_string()),
        }
    }
}

impl From<FieldError> for WebError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(e.into())
    }
}

impl WebError {
    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthenticated | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Malformed(status) => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::Invalid(_) => "invalid",
            Self::Throttled => "throttled",
            Self::BadCredentials => "bad_credentials",
            Self::Csrf => "csrf",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Malformed(StatusCode::UNSUPPORTED_MEDIA_TYPE) => "unsupported_media_type",
            Self::Malformed(StatusCode::UNPROCESSABLE_ENTITY) => "invalid_body",
            Self::Malformed(_) => "bad_request",
            Self::Internal(_) => "internal",
        }
    }

    /// The error as the API's JSON items.
    pub fn items(&self, lang: Lang) -> Vec<ErrorItem> {
        match self {
            Self::Invalid(i) => {
                i.0.iter()
                    .map(|e| ErrorItem {
                        code: e.code.to_owned(),
                        message: lang.error(e.code),
                        field: Some(e.field.to_owned()),
                    })
                    .collect()
            }
            other => vec![ErrorItem {
                code: other.code().to_owned(),
                message: lang.error(other.code()),
                field: None,
            }],
        }
    }
}

/// One item of the API's error body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    /// Stable code (`not_found`, `invalid_email`, …).
    pub code: String,
    /// Message in the caller's language.
    pub message: String,
    /// The offending input field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The API's error body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// At least one item.
    pub errors: Vec<ErrorItem>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(error.cause = %cause, "request failed");
        }
        let mut r = self.status().into_response();
        r.extensions_mut().insert(self);
        r
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    status: u16,
    message: String,
}

/// Middleware: give errors their body (JSON for the API, HTML for pages).
pub async fn render(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let fallback_lang = crate::caller::request_lang(req.headers());
    let response = next.run(req).await;
    let err = match response.extensions().get::<WebError>().cloned() {
        Some(err) => err,
        // axum refused the request before any handler ran (its answers are plain text).
        None if api && is_framework_refusal(&response) => WebError::Malformed(response.status()),
        None => return response,
    };
    let lang = response
        .extensions()
        .get::<Lang>()
        .copied()
        .unwrap_or(fallback_lang);
    if api {
        let mut r = (
            err.status(),
            Json(ErrorBody {
                errors: err.items(lang),
            }),
        )
            .into_response();
        if matches!(err, WebError::Unauthenticated) {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        return r;
    }
    if matches!(err, WebError::Unauthenticated) {
        let next = urlencode(&path_and_query);
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    let page = ErrorPage {
        lang,
        status: err.status().as_u16(),
        message: err
            .items(lang)
            .into_iter()
            .map(|i| i.message)
            .collect::<Vec<_>>()
            .join(" "),
    };
    match page.render() {
        Ok(html) => (err.status(), Html(html)).into_response(),
        Err(_) => err.status().into_response(),
    }
}

/// A plain-text 4xx that no handler made: axum's extractor and body-limit refusals.
fn is_framework_refusal(response: &Response) -> bool {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    plain
        && matches!(
            status,
            StatusCode::BAD_REQUEST
                | StatusCode::UNSUPPORTED_MEDIA_TYPE
                | StatusCode::UNPROCESSABLE_ENTITY
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::METHOD_NOT_ALLOWED
        )
}

/// A path segment that should be an area code: a malformed one cannot exist, so it gets the
/// same answer as an unknown one.
pub fn area_code_or_404(code: &str) -> Result<ruamjai_domain::areas::AreaCode, WebError> {
    ruamjai_domain::areas::AreaCode::parse(code).map_err(|_| WebError::NotFound)
}

/// Percent-encode a string for a query parameter.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).map_or_else(|_| String::new(), |v| v[2..].to_owned())
}
