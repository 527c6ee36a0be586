//! CSRF protection for every state-changing request made with a session cookie.
//!
//! Double-submit token: a random `ruamjai_csrf` cookie (HttpOnly, SameSite=Strict) whose value
//! every form carries in a hidden `csrf` field (htmx sends it as `X-CSRF-Token`). The token is
//! compared in constant time. A `Sec-Fetch-Site: cross-site` request is refused outright.
//! Requests authenticated by a bearer token carry no ambient credentials and are exempt.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::AppState;
use crate::error::WebError;

/// Name of the CSRF cookie and form field.
pub const CSRF_COOKIE: &str = "ruamjai_csrf";
const CSRF_FIELD: &str = "csrf";
const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body we read to find the token.
const MAX_FORM: usize = 1 << 20;

/// The token for the current request, for templates.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Middleware: issue the cookie and check unsafe requests.
pub async fn protect(
    State(state): State<AppState>,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Result<Response, WebError> {
    let existing = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    // An API call without a session cookie carries no ambient credential to abuse: it is
    // either token-authenticated or anonymous (and then refused by the handler with 401).
    let api_without_session =
        req.uri().path().starts_with("/api/") && jar.get(crate::caller::SESSION_COOKIE).is_none();
    let mut req = req;
    if unsafe_method && !bearer && !api_without_session {
        if req
            .headers()
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site")
        {
            return Err(WebError::Csrf);
        }
        let Some(expected) = existing.as_deref() else {
            return Err(WebError::Csrf);
        };
        let header_token = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let ok = match header_token {
            Some(t) => same(&t, expected),
            None => {
                let content_type = req
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                // A file upload (multipart) cannot be read here without buffering the whole
                // file: its form carries the token in the action's query string instead.
                if content_type.starts_with("multipart/form-data") {
                    let found = req.uri().query().and_then(|q| {
                        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                            .ok()?
                            .into_iter()
                            .find(|(k, _)| k == CSRF_FIELD)
                            .map(|(_, v)| v)
                    });
                    if !found.is_some_and(|t| same(&t, expected)) {
                        return Err(WebError::Csrf);
                    }
                    let token = expected.to_owned();
                    req.extensions_mut().insert(CsrfToken(token));
                    return Ok(next.run(req).await);
                }
                if !content_type.starts_with("application/x-www-form-urlencoded") {
                    return Err(WebError::Csrf);
                }
                let (parts, body) = req.into_parts();
                let bytes = to_bytes(body, MAX_FORM)
                    .await
                    .map_err(|_| WebError::PayloadTooLarge)?;
                let found = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .ok()
                    .and_then(|pairs| {
                        pairs
                            .into_iter()
                            .find(|(k, _)| k == CSRF_FIELD)
                            .map(|(_, v)| v)
                    });
                req = Request::from_parts(parts, Body::from(bytes));
                found.is_some_and(|t| same(&t, expected))
            }
        };
        if !ok {
            return Err(WebError::Csrf);
        }
    }
    let token = existing.clone().unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let response = next.run(req).await;
    if existing.is_none() {
        let cookie = Cookie::build((CSRF_COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(state.config.secure_cookies)
            .build();
        return Ok((jar.add(cookie), response).into_response());
    }
    Ok(response)
}
