//! Areas: search, detail with breadcrumbs and children, villages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use ruamjai_domain::areas::AreaLevel;
use ruamjai_store::areas::{Area, NewVillage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::created;
use crate::AppState;
use crate::caller::ApiCaller;
use crate::error::{ErrorBody, WebError, area_code_or_404};

/// An area of the DOPA tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaResponse {
    /// DOPA code: province 2 digits, district 4, subdistrict 6, village 8.
    pub code: String,
    /// `province`, `district`, `subdistrict` or `village`.
    pub level: String,
    /// Thai name without the level word.
    pub name_th: String,
    /// English name.
    pub name_en: String,
    /// Postal codes, comma-separated.
    pub postal_codes: String,
    /// Region key (provinces): north, northeast, central, east, west, south.
    pub region: Option<String>,
    /// Health region 1–13 (provinces).
    pub health_region: Option<u8>,
    /// Village number (villages).
    pub village_no: Option<u8>,
}

impl From<Area> for AreaResponse {
    fn from(a: Area) -> Self {
        Self {
            code: a.code.to_string(),
            level: a.level.as_str().to_owned(),
            name_th: a.name_th,
            name_en: a.name_en,
            postal_codes: a.postal_codes,
            region: a.region.map(|r| r.key().to_owned()),
            health_region: a.health_region,
            village_no: a.village_no,
        }
    }
}

/// An area with its ancestors (province first) and children.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaDetailResponse {
    /// The area.
    pub area: AreaResponse,
    /// Breadcrumbs, province first.
    pub ancestors: Vec<AreaResponse>,
    /// The level below.
    pub children: Vec<AreaResponse>,
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AreaQuery {
    /// Thai or English name (substring) or code prefix. Without it, the caller's starting
    /// areas are listed.
    pub q: Option<String>,
    /// Only this level.
    pub level: Option<String>,
    /// At most this many (default 50, max 500).
    pub limit: Option<u64>,
}

/// Search areas within the caller's scope, or list the caller's starting areas.
#[utoipa::path(get, path = "/areas", tag = "areas", params(AreaQuery),
    responses((status = 200, body = Vec<AreaResponse>), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_areas(
    State(state): State<AppState>,
    c: ApiCaller,
    Query(q): Query<AreaQuery>,
) -> Result<Json<Vec<AreaResponse>>, WebError> {
    let level =
        match q.level.as_deref() {
            None | Some("") => None,
            Some(l) => Some(AreaLevel::parse(l).ok_or_else(|| {
                WebError::from(ruamjai_domain::FieldError::new("level", "invalid"))
            })?),
        };
    let areas = match q.q.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => {
            let limit = q.limit.unwrap_or(50).clamp(1, 500);
            state
                .store
                .search_areas(&c.caller.actor, text, level, limit)
                .await?
        }
        _ => state.store.area_roots(&c.caller.actor).await?,
    };
    Ok(Json(areas.into_iter().map(AreaResponse::from).collect()))
}

/// One area with breadcrumbs and children (404 outside the caller's scope).
#[utoipa::path(get, path = "/areas/{code}", tag = "areas",
    params(("code" = String, Path, description = "DOPA area code")),
    responses((status = 200, body = AreaDetailResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_area(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
) -> Result<Json<AreaDetailResponse>, WebError> {
    let d = state
        .store
        .area_detail(&c.caller.actor, &area_code_or_404(&code)?)
        .await?;
    Ok(Json(AreaDetailResponse {
        area: d.area.into(),
        ancestors: d.ancestors.into_iter().map(Into::into).collect(),
        children: d.children.into_iter().map(Into::into).collect(),
    }))
}

/// A new village.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateVillageRequest {
    /// หมู่ที่ 1–99.
    pub village_no: u8,
    /// Thai name.
    pub name_th: String,
    /// English name (optional).
    #[serde(default)]
    pub name_en: String,
}

/// Create a village in a subdistrict (needs area admin over it).
#[utoipa::path(post, path = "/areas/{code}/villages", tag = "areas",
    params(("code" = String, Path, description = "Subdistrict code (6 digits)")),
    request_body = CreateVillageRequest,
    responses((status = 201, body = AreaResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_village(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    Json(req): Json<CreateVillageRequest>,
) -> Result<impl IntoResponse, WebError> {
    let v = state
        .store
        .create_village(
            &c.caller.actor,
            &area_code_or_404(&code)?,
            NewVillage {
                village_no: req.village_no,
                name_th: req.name_th,
                name_en: req.name_en,
            },
            &c.meta,
        )
        .await?;
    Ok(created(AreaResponse::from(v)))
}

/// New names for a village.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RenameVillageRequest {
    /// Thai name.
    pub name_th: String,
    /// English name (optional).
    #[serde(default)]
    pub name_en: String,
}

/// Rename a village (its number and code stay).
#[utoipa::path(patch, path = "/areas/{code}", tag = "areas",
    params(("code" = String, Path, description = "Village code (8 digits)")),
    request_body = RenameVillageRequest,
    responses((status = 200, body = AreaResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn rename_village(
    State(state): State<AppState>,
    c: ApiCaller,
    Path(code): Path<String>,
    Json(req): Json<RenameVillageRequest>,
) -> Result<Json<AreaResponse>, WebError> {
    let v = state
        .store
        .rename_village(
            &c.caller.actor,
            &area_code_or_404(&code)?,
            &req.name_th,
            &req.name_en,
            &c.meta,
        )
        .await?;
    Ok(Json(v.into()))
}
