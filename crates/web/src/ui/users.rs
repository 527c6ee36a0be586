//! User management, scoped to the admin's area: list, create with a first role, grant,
//! revoke, disable. New users get a one-time link to choose their password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ruamjai_domain::auth::{Operation, Role, parse_grant};
use ruamjai_store::StoreError;
use ruamjai_store::auth::{NewUser, SetupPurpose, UserWithGrants};
use serde::Deserialize;

use super::{FormErrors, Page, Signed, see_other};
use crate::AppState;
use crate::error::WebError;

/// How long a set-up link for a new user stays valid.
const SETUP_LINK_DAYS: i64 = 7;

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    users: Vec<UserWithGrants>,
    can_manage: bool,
}

pub async fn index(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    if !s.caller.actor.can_somewhere(Operation::ViewUsers) {
        return Err(WebError::NotFound);
    }
    let users = state.store.list_users(&s.caller.actor).await?;
    Ok(UsersPage {
        can_manage: s.caller.actor.can_somewhere(Operation::ManageUsers),
        page: s.page,
        users,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "user_new.html")]
struct NewUserPage {
    page: Page,
    roles: Vec<Role>,
    f: NewUserForm,
    errors: FormErrors,
    setup_link: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    area_code: String,
}

pub async fn new_page(s: Signed) -> Result<Response, WebError> {
    if !s.caller.actor.can_somewhere(Operation::ManageUsers) {
        return Err(WebError::NotFound);
    }
    // Pre-fill the caller's own area: the usual case is adding someone to it.
    let area = s
        .caller
        .actor
        .first_area(Operation::ManageUsers)
        .map(|a| a.to_string())
        .unwrap_or_default();
    Ok(NewUserPage {
        roles: s.caller.actor.grantable_roles(),
        page: s.page,
        f: NewUserForm {
            role: Role::Operator.as_str().into(),
            area_code: area,
            ..Default::default()
        },
        errors: FormErrors::default(),
        setup_link: None,
    }
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    s: Signed,
    Form(f): Form<NewUserForm>,
) -> Result<Response, WebError> {
    let result = match parse_grant(&f.role, Some(&f.area_code)) {
        Ok(grant) => {
            let new = NewUser {
                email: f.email.clone(),
                display_name: f.display_name.clone(),
                password: None,
                locale: s.page.lang.code().to_owned(),
            };
            state
                .store
                .create_user(Some(&s.caller.actor), new, Some(grant), &s.page.meta)
                .await
        }
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(created) => {
            let secret = state
                .store
                .create_setup_token(
                    SetupPurpose::SetPassword,
                    Some(created.user.id),
                    chrono::Duration::days(SETUP_LINK_DAYS),
                )
                .await?;
            let link = format!("{}/setup/{secret}", state.config.base_url);
            Ok((
                [(axum::http::header::CACHE_CONTROL, "no-store")],
                NewUserPage {
                    roles: s.caller.actor.grantable_roles(),
                    page: s.page,
                    f: NewUserForm::default(),
                    errors: FormErrors::default(),
                    setup_link: Some(link),
                },
            )
                .into_response())
        }
        Err(StoreError::Invalid(i)) => {
            let errors = FormErrors::from_invalid(&i, s.page.lang);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                NewUserPage {
                    roles: s.caller.actor.grantable_roles(),
                    page: s.page,
                    f,
                    errors,
                    setup_link: None,
                },
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "user.html")]
struct UserPage {
    page: Page,
    u: UserWithGrants,
    roles: Vec<Role>,
    can_manage: bool,
    is_self: bool,
    f: GrantForm,
    errors: FormErrors,
    /// The partner the user works for.
    organisation: Option<ruamjai_store::network::Organisation>,
    /// Partners the manager can tie the user to.
    partners: Vec<ruamjai_store::network::Organisation>,
}

impl UserPage {
    fn is_member(&self, id: &i64) -> bool {
        self.organisation.as_ref().is_some_and(|o| o.id == *id)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct GrantForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    area_code: String,
}

async fn user_page(
    state: &AppState,
    s: Signed,
    id: i64,
    form: Option<(GrantForm, FormErrors)>,
) -> Result<UserPage, WebError> {
    let u = state.store.user_detail(&s.caller.actor, id).await?;
    let (f, errors) = form.unwrap_or_default();
    let organisation = state.store.user_organisation(id).await?;
    let partners = if s.caller.actor.can_somewhere(Operation::ManageUsers) {
        state
            .store
            .list_organisations(&s.caller.actor, None, None)
            .await?
    } else {
        Vec::new()
    };
    Ok(UserPage {
        organisation,
        partners,
        roles: s.caller.actor.grantable_roles(),
        can_manage: s.caller.actor.can_somewhere(Operation::ManageUsers),
        is_self: id == s.caller.user.id,
        page: s.page,
        u,
        f,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    Ok(user_page(&state, s, id, None).await?.into_response())
}

pub async fn grant(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<GrantForm>,
) -> Result<Response, WebError> {
    let result = match parse_grant(&f.role, Some(&f.area_code)) {
        Ok((role, area)) => state
            .store
            .grant_role(&s.caller.actor, id, role, area, &s.page.meta)
            .await
            .map(|_| ()),
        Err(i) => Err(StoreError::Invalid(i)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/users/{id}"))),
        Err(StoreError::Invalid(i)) => {
            let errors = FormErrors::from_invalid(&i, s.page.lang);
            let page = user_page(&state, s, id, Some((f, errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    s: Signed,
    Path((id, grant_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    state
        .store
        .revoke_grant(&s.caller.actor, id, grant_id, &s.page.meta)
        .await?;
    Ok(see_other(&format!("/users/{id}")))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, WebError> {
    state
        .store
        .set_user_active(&s.caller.actor, id, f.active == "true", &s.page.meta)
        .await?;
    Ok(see_other(&format!("/users/{id}")))
}

#[derive(Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    organisation_id: String,
}

/// Tie the user to a partner organisation (or untie).
pub async fn set_organisation(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(f): Form<OrganisationForm>,
) -> Result<Response, WebError> {
    let org = match f.organisation_id.trim() {
        "" => None,
        v => Some(
            v.parse::<i64>()
                .map_err(|_| ruamjai_domain::Invalid::one("organisation_id", "invalid"))?,
        ),
    };
    let result = state
        .store
        .set_user_organisation(&s.caller.actor, id, org, &s.page.meta)
        .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/users/{id}"))),
        Err(StoreError::Invalid(i)) => {
            let errors = FormErrors::from_invalid(&i, s.page.lang);
            let page = user_page(&state, s, id, Some((GrantForm::default(), errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
