//! The caller themself and their API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use ruamjai_domain::auth::TokenPurpose;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::created;
use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, WebError};

/// A role over an area (`area_code` null = whole country).
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantResponse {
    /// Grant id.
    pub id: i64,
    /// `admin`, `area_admin`, `staff`, `operator` or `viewer`.
    pub role: String,
    /// Root of the area subtree; null means the whole country.
    pub area_code: Option<String>,
}

impl From<&ruamjai_domain::auth::Grant> for GrantResponse {
    fn from(g: &ruamjai_domain::auth::Grant) -> Self {
        Self {
            id: g.id,
            role: g.role.as_str().to_owned(),
            area_code: g.area.as_ref().map(|a| a.to_string()),
        }
    }
}

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// Id.
    pub id: i64,
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// `th` or `en`.
    pub locale: String,
    /// False when disabled.
    pub active: bool,
    /// False until a password has been chosen.
    pub has_password: bool,
    /// Created (RFC 3339, UTC).
    pub created_at: String,
    /// Current grants.
    pub grants: Vec<GrantResponse>,
}

impl UserResponse {
    /// From store values.
    pub fn new(u: &ruamjai_store::auth::User, grants: &[ruamjai_domain::auth::Grant]) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            locale: u.locale.clone(),
            active: u.active,
            has_password: u.has_password,
            created_at: u.created_at.to_rfc3339(),
            grants: grants.iter().map(GrantResponse::from).collect(),
        }
    }
}

/// Who am I, with my current roles.
#[utoipa::path(get, path = "/me", tag = "auth",
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody)))]
pub async fn me(c: ApiCaller) -> Json<UserResponse> {
    Json(UserResponse::new(&c.caller.user, &c.caller.actor.grants))
}

/// An API token (the secret is only in the creation response).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Id.
    pub id: i64,
    /// Label.
    pub name: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last used (coarse, RFC 3339).
    pub last_used_at: Option<String>,
    /// Revoked (RFC 3339).
    pub revoked_at: Option<String>,
    /// `api` (every route the roles allow) or `sync` (only the field app's routes).
    pub purpose: String,
    /// The secret: present only when the token was just created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn token(t: ruamjai_store::auth::ApiToken, secret: Option<String>) -> TokenResponse {
    TokenResponse {
        id: t.id,
        name: t.name,
        created_at: t.created_at.to_rfc3339(),
        last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
        revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
        purpose: t.purpose.as_str().to_owned(),
        secret,
    }
}

/// My API tokens.
#[utoipa::path(get, path = "/tokens", tag = "auth",
    responses((status = 200, body = Vec<TokenResponse>), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    c: ApiCaller,
) -> Result<Json<Vec<TokenResponse>>, WebError> {
    let list = state.store.list_api_tokens(&c.caller.actor).await?;
    Ok(Json(list.into_iter().map(|t| token(t, None)).collect()))
}

/// Input for a new token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// Label, 1–80 characters.
    pub name: String,
    /// `api` (default): every route the roles allow; `sync`: only the field app's routes (visits,
    /// their sync and photos, stations, readings, alerts), for a phone.
    pub purpose: Option<String>,
}

/// Create an API token for myself; the secret is returned once.
#[utoipa::path(post, path = "/tokens", tag = "auth", request_body = CreateTokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    c: ApiCaller,
    Json(req): Json<CreateTokenRequest>,
) -> Result<impl IntoResponse, WebError> {
    let purpose = match req.purpose.as_deref() {
        None => TokenPurpose::Api,
        Some(p) => TokenPurpose::parse(p).map_err(|e| WebError::Invalid(e.into()))?,
    };
    let (t, secret) = state
        .store
        .create_api_token(&c.caller.actor, &req.name, purpose, &c.meta)
        .await?;
    Ok(created(token(t, Some(secret))))
}

/// Revoke one of my tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "auth",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(id): Path<i64>,
) -> Result<StatusCode, WebError> {
    state
        .store
        .revoke_api_token(&c.caller.actor, id, &c.meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
