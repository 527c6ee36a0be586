//! The server-rendered interface: mobile-first pages in Thai and English, forms with errors
//! next to their fields, htmx where partial updates help.

mod areas;
mod audit;
mod auth;
mod users;

use std::collections::HashMap;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ruamjai_domain::Invalid;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Operation;
use ruamjai_store::auth::User;

use crate::AppState;
use crate::caller::{Caller, Ctx};
use crate::csrf::CsrfToken;
use crate::error::WebError;
use crate::i18n::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/setup/{token}", get(auth::setup_page).post(auth::setup))
        .route("/lang", post(auth::switch_lang))
        .route("/account", get(auth::account))
        .route("/account/tokens", post(auth::create_token))
        .route("/account/tokens/{id}/revoke", post(auth::revoke_token))
        .route("/areas", get(areas::index))
        .route("/areas/search", get(areas::search))
        .route("/areas/{code}", get(areas::show))
        .route("/areas/{code}/villages", post(areas::create_village))
        .route("/areas/{code}/rename", post(areas::rename_village))
        .route("/users", get(users::index))
        .route("/users/new", get(users::new_page).post(users::create))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/grants", post(users::grant))
        .route("/users/{id}/grants/{grant_id}/revoke", post(users::revoke))
        .route("/users/{id}/active", post(users::set_active))
        .route("/audit", get(audit::index))
}

/// What every page's frame needs: language, CSRF token, the signed-in user, menu entries.
#[derive(Debug, Clone)]
pub struct Page {
    /// Interface language.
    pub lang: Lang,
    /// CSRF token for forms.
    pub csrf: String,
    /// Signed-in user, if any.
    pub user: Option<User>,
    /// Show the users menu entry.
    pub nav_users: bool,
    /// Show the audit menu entry.
    pub nav_audit: bool,
    /// Current path and query (for "back here" after switching language).
    pub here: String,
    /// Audit context of the request.
    pub meta: RequestMeta,
    caller: Option<Caller>,
}

impl Page {
    /// Translate.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A date-time for people: Buddhist era in Thai.
    pub fn datetime(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        ruamjai_domain::thaidate::format_datetime(*at, self.lang.code())
    }

    /// An area's full label (`อำเภอเมืองน่าน`, `Mueang Nan District`).
    pub fn label(&self, a: &ruamjai_store::areas::Area) -> String {
        areas::area_label(self.lang, a)
    }

    /// A role's name in the current language.
    pub fn role(&self, r: &ruamjai_domain::auth::Role) -> String {
        self.lang.t(&format!("role-{}", r.as_str()))
    }

    /// The language the switch button offers.
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Th => "en",
            Lang::En => "th",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, s).await?;
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        // Where the language switch returns to: this page for a GET; after a form POST the
        // page the form was on (a POST-only path cannot be opened with GET).
        let here = if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned()
        } else {
            parts
                .headers
                .get(axum::http::header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
                .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
                .unwrap_or_else(|| "/".to_owned())
        };
        let (nav_users, nav_audit) = ctx.caller.as_ref().map_or((false, false), |c| {
            (
                c.actor.can_somewhere(Operation::ViewUsers),
                c.actor.can_somewhere(Operation::ViewAudit),
            )
        });
        Ok(Self {
            lang: ctx.lang,
            csrf,
            user: ctx.caller.as_ref().map(|c| c.user.clone()),
            nav_users,
            nav_audit,
            here,
            meta: ctx.meta,
            caller: ctx.caller,
        })
    }
}

/// A page that needs a signed-in user: anonymous visitors are sent to the sign-in page.
pub struct Signed {
    /// The frame.
    pub page: Page,
    /// The caller.
    pub caller: Caller,
}

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let page = Page::from_request_parts(parts, s).await?;
        match page.caller.clone() {
            Some(caller) => Ok(Self { page, caller }),
            None => Err(WebError::Unauthenticated),
        }
    }
}

/// Field errors of a submitted form, as messages in the page's language.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(HashMap<&'static str, String>);

impl FormErrors {
    /// From a store/domain rejection.
    pub fn from_invalid(i: &Invalid, lang: Lang) -> Self {
        let mut m = HashMap::new();
        for e in &i.0 {
            m.entry(e.field).or_insert_with(|| lang.error(e.code));
        }
        Self(m)
    }

    /// One form-wide message.
    pub fn general(message: String) -> Self {
        Self(HashMap::from([("_", message)]))
    }

    /// The message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// True when there is a message for a field.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
}

/// A redirect after a successful POST (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Only local paths are accepted as "where to go next" (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn home(page: Page) -> Response {
    if page.user.is_some() {
        see_other("/areas")
    } else {
        see_other("/login")
    }
}
