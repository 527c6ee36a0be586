//! Who is calling: a session cookie (browser) or a bearer API token, resolved on every request
//! from the database, so role changes and disabled accounts take effect on the next request.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, TokenPurpose};
use ruamjai_store::auth::User;

use crate::error::WebError;
use crate::i18n::Lang;
use crate::{AppState, REQUEST_ID};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ruamjai_session";
/// Name of the language cookie (for visitors who are not signed in).
pub const LANG_COOKIE: &str = "ruamjai_lang";

/// A signed-in caller with the grants they hold now.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub user: User,
    /// Their current grants.
    pub actor: Actor,
    /// How they proved who they are.
    pub via: AuthPath,
}

/// How a caller signed in: the three paths the authorisation matrix test walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPath {
    /// A browser session cookie (unsafe methods also need the CSRF token).
    Session,
    /// A bearer API token.
    ApiToken,
    /// A bearer token made for a field phone: only the routes marked `sync` in the route table.
    SyncToken,
}

/// Per-request context: caller (if any), language, request id and client address.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Signed-in caller.
    pub caller: Option<Caller>,
    /// Interface language.
    pub lang: Lang,
    /// Request id and client address for the audit log.
    pub meta: RequestMeta,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Middleware: resolve the caller and the language once per request.
pub async fn load_caller(
    State(state): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Result<Response, WebError> {
    let path = req.uri().path();
    if path.starts_with("/assets/") || path == "/healthz" || path == "/readyz" {
        // Public and static: no need to look the caller up.
        return Ok(next.run(req).await);
    }
    let headers = req.headers();
    let caller = if let Some(token) = bearer(headers) {
        // A bearer token that does not resolve is an error, not an anonymous request.
        let found = state.store.token_actor(token).await?;
        let Some((user, actor, purpose)) = found else {
            return Err(WebError::Unauthenticated);
        };
        let via = match purpose {
            TokenPurpose::Api => AuthPath::ApiToken,
            TokenPurpose::Sync => AuthPath::SyncToken,
        };
        if via == AuthPath::SyncToken && !path.starts_with("/api/") {
            // A phone's token opens no page: the API's route table says what it reaches.
            return Err(WebError::Forbidden);
        }
        Some(Caller { user, actor, via })
    } else if let Some(c) = jar.get(SESSION_COOKIE) {
        state
            .store
            .session_actor(c.value())
            .await?
            .map(|(user, actor)| Caller {
                user,
                actor,
                via: AuthPath::Session,
            })
    } else {
        None
    };
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let api = path.starts_with("/api/");
    let lang = match (api, accept, &caller, jar.get(LANG_COOKIE)) {
        // API clients choose with Accept-Language; pages follow the account's setting.
        (true, Some(accept), _, _) => Lang::from_accept_language(accept),
        (_, _, Some(c), _) => Lang::parse(&c.user.locale),
        (_, _, None, Some(cookie)) => Lang::parse(cookie.value()),
        // Pages are Thai first whatever the browser says; the switch is one click away.
        _ => Lang::Th,
    };
    let meta = RequestMeta {
        request_id: headers
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
    };
    req.extensions_mut().insert(Ctx { caller, lang, meta });
    let mut response = next.run(req).await;
    // For the error renderer, which runs outside this middleware.
    response.extensions_mut().insert(lang);
    Ok(response)
}

/// Language of an error answered before the caller is known: the language cookie, else
/// `Accept-Language` (API clients), else Thai.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    let accept = || {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::from_accept_language)
    };
    CookieJar::from_headers(headers)
        .get(LANG_COOKIE)
        .map(|c| Lang::parse(c.value()))
        .or_else(accept)
        .unwrap_or(Lang::Th)
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| WebError::Internal("caller middleware missing".into()))
    }
}

/// A signed-in caller for the JSON API: anonymous requests get 401.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The caller.
    pub caller: Caller,
    /// Audit context.
    pub meta: RequestMeta,
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, s).await?;
        match ctx.caller {
            Some(caller) => Ok(Self {
                caller,
                meta: ctx.meta,
            }),
            None => Err(WebError::Unauthenticated),
        }
    }
}
