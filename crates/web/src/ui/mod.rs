//! The server-rendered interface: mobile-first pages in Thai and English, forms with errors
//! next to their fields, htmx where partial updates help.

mod areas;
mod assistance;
mod audit;
mod auth;
mod care;
mod field;
mod hazards;
pub(crate) mod imports;
mod linkage;
mod network;
mod registry;
mod reports;
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
        .route("/users/{id}/organisation", post(users::set_organisation))
        .route("/audit", get(audit::index))
        .route("/persons", get(registry::index).post(registry::create))
        .route("/persons/new", get(registry::new_page))
        .route("/persons/{id}", get(registry::show))
        .route(
            "/persons/{id}/edit",
            get(registry::edit_page).post(registry::update),
        )
        .route("/persons/{id}/categories", post(registry::add_category))
        .route(
            "/persons/{id}/categories/{category}/remove",
            post(registry::remove_category),
        )
        .route("/persons/{id}/household", post(registry::household))
        .route("/persons/{id}/consents", post(registry::give_consent))
        .route(
            "/persons/{id}/consents/{cid}/withdraw",
            post(registry::withdraw_consent),
        )
        .route("/persons/{id}/attest", post(registry::attest))
        .route("/persons/{id}/dispute", post(registry::dispute))
        .route("/persons/{id}/resolve", post(registry::resolve))
        .route("/persons/{id}/rights", get(registry::privacy::rights))
        .route("/persons/{id}/export", get(registry::privacy::export))
        .route("/persons/{id}/access", get(registry::privacy::access))
        .route(
            "/persons/{id}/erase",
            get(registry::privacy::erase_page).post(registry::privacy::erase),
        )
        .route(
            "/persons/erased/{pseudonym}",
            get(registry::privacy::erased),
        )
        .route("/villages/{code}/review", get(registry::review))
        .merge(reports::routes())
        .merge(imports::routes())
        .merge(network::routes())
        .merge(care::routes())
        .merge(assistance::routes())
        .merge(linkage::routes())
        .merge(hazards::routes())
        .merge(field::routes())
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
    /// Show the registry menu entry.
    pub nav_persons: bool,
    /// Show the import menu entry.
    pub nav_import: bool,
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

    /// The name of a coded value (`code("skill", "first_aid")` → the text of `skill-first_aid`).
    pub fn code(&self, prefix: &str, code: &str) -> String {
        self.lang.t(&format!("{prefix}-{code}"))
    }

    /// A vulnerability category's name.
    pub fn cat(&self, c: &ruamjai_domain::registry::Category) -> String {
        self.lang.t(&format!("cat-{}", c.as_str()))
    }

    /// A verification state's name.
    pub fn verification(&self, v: &ruamjai_domain::registry::Verification) -> String {
        self.lang.t(&format!("verification-{}", v.as_str()))
    }

    /// A partial date as people read it (Buddhist era in Thai).
    pub fn pdate(&self, d: &ruamjai_domain::registry::PartialDate) -> String {
        d.display(self.lang.code())
    }

    /// A calendar day as people read it (`15 มี.ค. 2569`).
    pub fn day(&self, d: &chrono::NaiveDate) -> String {
        ruamjai_domain::registry::PartialDate::from_parts(
            *d,
            ruamjai_domain::registry::Precision::Day,
        )
        .display(self.lang.code())
    }

    /// Today as a Thai user types it (`23/11/2569`), to prefill date fields.
    pub fn today_typed(&self) -> String {
        registry::typed_date(ruamjai_domain::registry::PartialDate::from_parts(
            ruamjai_store::registry::today(),
            ruamjai_domain::registry::Precision::Day,
        ))
    }

    /// The signed-in caller records home visits somewhere (the field app is for them).
    pub fn may_record_visits(&self) -> bool {
        self.caller
            .as_ref()
            .is_some_and(|c| c.actor.can_somewhere(Operation::RecordVisits))
    }

    /// The signed-in caller reviews conflicting offline edits somewhere.
    pub fn may_manage_care(&self) -> bool {
        self.caller
            .as_ref()
            .is_some_and(|c| c.actor.can_somewhere(Operation::ManageCare))
    }

    /// The signed-in caller links records somewhere (runs, review queue).
    pub fn may_link(&self) -> bool {
        self.caller
            .as_ref()
            .is_some_and(|c| c.actor.can_somewhere(Operation::LinkRecords))
    }

    /// The signed-in caller may do `op` in `area`.
    pub fn may(&self, op: Operation, area: &ruamjai_domain::areas::AreaCode) -> bool {
        self.caller.as_ref().is_some_and(|c| c.actor.can(op, area))
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
        let can = |op| {
            ctx.caller
                .as_ref()
                .is_some_and(|c| c.actor.can_somewhere(op))
        };
        let (nav_users, nav_audit) = (can(Operation::ViewUsers), can(Operation::ViewAudit));
        let (nav_persons, nav_import) =
            (can(Operation::ViewPersons), can(Operation::ImportPersons));
        Ok(Self {
            lang: ctx.lang,
            csrf,
            user: ctx.caller.as_ref().map(|c| c.user.clone()),
            nav_users,
            nav_audit,
            nav_persons,
            nav_import,
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

impl Signed {
    /// Go on only if the caller may do `op` somewhere; else answer `refusal`.
    pub fn require(&self, op: Operation, refusal: WebError) -> Result<(), WebError> {
        if self.caller.actor.can_somewhere(op) {
            Ok(())
        } else {
            Err(refusal)
        }
    }
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

    /// One message for one field.
    pub fn from_field(field: &'static str, message: String) -> Self {
        Self(HashMap::from([(field, message)]))
    }

    /// One form-wide message.
    pub fn general(message: String) -> Self {
        Self(HashMap::from([("_", message)]))
    }

    /// The message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// True when no field has a message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when there is a message for a field.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
}

/// Typed form values, to put back into a form shown again with its errors.
pub(crate) type Typed = HashMap<String, String>;

pub(crate) fn typed(t: &Typed, k: &str) -> String {
    t.get(k).cloned().unwrap_or_default()
}

/// The errors of a rejected form, or the failure to pass on.
pub(crate) fn form_errors(
    e: ruamjai_store::StoreError,
    lang: crate::i18n::Lang,
) -> Result<FormErrors, WebError> {
    match e {
        ruamjai_store::StoreError::Invalid(i) => Ok(FormErrors::from_invalid(&i, lang)),
        e => Err(e.into()),
    }
}

/// A form page shown again with its errors.
pub(crate) fn unprocessable(page: impl IntoResponse) -> Response {
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// A redirect after a successful POST (303, so the browser follows with GET).
/// A CSV file to download (UTF-8 with a BOM, so Excel reads Thai): personal data, never cached.
pub(crate) fn csv_download(
    w: csv::Writer<Vec<u8>>,
    file_name: &str,
) -> Result<Response, crate::error::WebError> {
    let body = w
        .into_inner()
        .map_err(|e| crate::error::WebError::Internal(e.to_string()))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

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
        see_other("/persons")
    } else {
        see_other("/login")
    }
}
