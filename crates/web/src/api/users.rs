//! Users and grants, scoped to the caller's area.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::auth::{Operation, Role, parse_grant};
use ruamjai_store::auth::NewUser;
use serde::Deserialize;
use utoipa::ToSchema;

use super::created;
use super::me::{GrantResponse, UserResponse};
use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, WebError};

/// Users the caller may see.
#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = 200, body = Vec<UserResponse>), (status = 401, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    c: ApiCaller,
) -> Result<Json<Vec<UserResponse>>, WebError> {
    if !c.caller.actor.can_somewhere(Operation::ViewUsers) {
        return Ok(Json(Vec::new()));
    }
    let users = state.store.list_users(&c.caller.actor).await?;
    Ok(Json(
        users
            .iter()
            .map(|u| UserResponse::new(&u.user, &u.grants))
            .collect(),
    ))
}

/// A role over an area.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantRequest {
    /// `admin`, `area_admin`, `staff`, `operator` or `viewer`.
    pub role: String,
    /// Area code; omit or null for the whole country.
    pub area_code: Option<String>,
}

fn parse(g: &GrantRequest) -> Result<(Role, Option<AreaCode>), WebError> {
    Ok(parse_grant(&g.role, g.area_code.as_deref())?)
}

/// A new user; they choose a password through a one-time set-up link, unless one is given.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Optional initial password (at least 10 characters).
    pub password: Option<String>,
    /// `th` (default) or `en`.
    pub locale: Option<String>,
    /// The first grant (required for area admins, who may only grant inside their area).
    pub grant: Option<GrantRequest>,
}

/// Create a user with a first grant.
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = UserResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    c: ApiCaller,
    Json(req): Json<CreateUserRequest>,
) -> Result<impl IntoResponse, WebError> {
    let grant = req.grant.as_ref().map(parse).transpose()?;
    let made = state
        .store
        .create_user(
            Some(&c.caller.actor),
            NewUser {
                email: req.email,
                display_name: req.display_name,
                password: req.password,
                locale: req.locale.unwrap_or_else(|| "th".into()),
            },
            grant,
            &c.meta,
        )
        .await?;
    Ok(created(UserResponse::new(&made.user, &made.grants)))
}

/// One user (404 outside the caller's area).
#[utoipa::path(get, path = "/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<UserResponse>, WebError> {
    let u = state.store.user_detail(&c.caller.actor, id).await?;
    Ok(Json(UserResponse::new(&u.user, &u.grants)))
}

/// Grant a role over an area.
#[utoipa::path(post, path = "/users/{id}/grants", tag = "users",
    params(("id" = i64, Path, description = "User id")), request_body = GrantRequest,
    responses((status = 201, body = GrantResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn grant_role(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
    Json(req): Json<GrantRequest>,
) -> Result<impl IntoResponse, WebError> {
    let (role, area) = parse(&req)?;
    let g = state
        .store
        .grant_role(&c.caller.actor, id, role, area, &c.meta)
        .await?;
    Ok(created(GrantResponse::from(&g)))
}

/// Revoke a grant; it stops working on the user's next request.
#[utoipa::path(delete, path = "/users/{id}/grants/{grant_id}", tag = "users",
    params(("id" = i64, Path, description = "User id"), ("grant_id" = i64, Path, description = "Grant id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn revoke_grant(
    State(state): State<AppState>,
    c: ApiCaller,
    Path((id, grant_id)): Path<(i64, i64)>,
) -> Result<StatusCode, WebError> {
    state
        .store
        .revoke_grant(&c.caller.actor, id, grant_id, &c.meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
