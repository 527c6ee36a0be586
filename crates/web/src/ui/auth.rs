//! Sign-in, sign-out, the one-time set-up page, the language switch and the account page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use ruamjai_store::auth::{ApiToken, NewUser, SetupPurpose};
use serde::Deserialize;

use super::{FormErrors, Page, Signed, safe_next, see_other};
use crate::AppState;
use crate::caller::{LANG_COOKIE, SESSION_COOKIE};
use crate::error::WebError;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    email: String,
    next: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

pub async fn login_page(page: Page, Query(q): Query<NextParam>) -> Response {
    let next = safe_next(q.next.as_deref());
    if page.user.is_some() {
        return see_other(&next);
    }
    LoginPage {
        page,
        email: String::new(),
        next,
        errors: FormErrors::default(),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(f.next.as_deref());
    let result = state
        .store
        .authenticate(&f.email, &f.password, &page.meta)
        .await;
    let user = match result {
        Ok(u) => u,
        Err(e) => {
            let err = WebError::from(e);
            let message = match err {
                WebError::BadCredentials | WebError::Throttled => page.lang.error(err.code()),
                other => return Err(other),
            };
            let status = err.status();
            let body = LoginPage {
                page,
                email: f.email.trim().to_owned(),
                next,
                errors: FormErrors::general(message),
            };
            return Ok((status, body).into_response());
        }
    };
    let secret = state
        .store
        .create_session(user.id, state.config.session_ttl)
        .await?;
    let cookie = Cookie::build((SESSION_COOKIE, secret))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build();
    Ok((jar.add(cookie), see_other(&next)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        state.store.delete_session(c.value(), &page.meta).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    // Leave nothing personal on a shared phone: the field app's cached list and outbox
    // (IndexedDB) and the service worker's caches go with the session.
    Ok((
        jar,
        [(
            axum::http::HeaderName::from_static("clear-site-data"),
            "\"cache\", \"storage\"",
        )],
        see_other("/login"),
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    page: Page,
    first_admin: bool,
    email: String,
    display_name: String,
    errors: FormErrors,
}

pub async fn setup_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (purpose, user) = state.store.setup_token_purpose(&token).await?;
    Ok(SetupPage {
        page,
        first_admin: purpose == SetupPurpose::FirstAdmin,
        email: user.as_ref().map(|u| u.email.clone()).unwrap_or_default(),
        display_name: user.map(|u| u.display_name).unwrap_or_default(),
        errors: FormErrors::default(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    password: String,
    password_again: String,
}

pub async fn setup(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Form(f): Form<SetupForm>,
) -> Result<Response, WebError> {
    let (purpose, user) = state.store.setup_token_purpose(&token).await?;
    let first_admin = purpose == SetupPurpose::FirstAdmin;
    let rerender = |page: Page, errors: FormErrors| {
        let body = SetupPage {
            page,
            first_admin,
            email: f.email.clone(),
            display_name: f.display_name.clone(),
            errors,
        };
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
    };
    if f.password != f.password_again {
        let e = ruamjai_domain::Invalid::one("password_again", "passwords_differ");
        let errors = FormErrors::from_invalid(&e, page.lang);
        return Ok(rerender(page, errors));
    }
    let new = NewUser {
        email: user.as_ref().map_or(f.email.clone(), |u| u.email.clone()),
        display_name: user
            .as_ref()
            .map_or(f.display_name.clone(), |u| u.display_name.clone()),
        password: Some(f.password.clone()),
        locale: page.lang.code().to_owned(),
    };
    match state
        .store
        .redeem_setup_token(&token, new, &page.meta)
        .await
    {
        Ok(_) => Ok(see_other("/login")),
        Err(ruamjai_store::StoreError::Invalid(i)) => {
            let errors = FormErrors::from_invalid(&i, page.lang);
            Ok(rerender(page, errors))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Switch the interface language: remembered on the account when signed in, and in a cookie.
pub async fn switch_lang(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Form(f): Form<LangForm>,
) -> Result<Response, WebError> {
    let lang = crate::i18n::Lang::parse(&f.lang);
    if let Some(u) = &page.user {
        state.store.set_locale(u.id, lang.code()).await?;
    }
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .permanent()
        .build();
    Ok((jar.add(cookie), see_other(&safe_next(f.next.as_deref()))).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
    errors: FormErrors,
}

pub async fn account(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    let tokens = state.store.list_api_tokens(&s.caller.actor).await?;
    Ok(AccountPage {
        page: s.page,
        tokens,
        new_secret: None,
        errors: FormErrors::default(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    let created = state
        .store
        .create_api_token(
            &s.caller.actor,
            &f.name,
            ruamjai_domain::auth::TokenPurpose::Api,
            &s.page.meta,
        )
        .await;
    let (new_secret, errors) = match created {
        Ok((_, secret)) => (Some(secret), FormErrors::default()),
        Err(ruamjai_store::StoreError::Invalid(i)) => {
            (None, FormErrors::from_invalid(&i, s.page.lang))
        }
        Err(e) => return Err(e.into()),
    };
    let tokens = state.store.list_api_tokens(&s.caller.actor).await?;
    // The secret is shown on this one response only; never cache it.
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        AccountPage {
            page: s.page,
            tokens,
            new_secret,
            errors,
        },
    )
        .into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    state
        .store
        .revoke_api_token(&s.caller.actor, id, &s.page.meta)
        .await?;
    Ok(see_other("/account"))
}
