//! The JSON API under `/api/v1`. Every route is registered through `utoipa_axum::routes!`, so
//! the OpenAPI document (`/api/v1/openapi.json`) is generated from the same handlers and cannot
//! miss one. Authenticate with `Authorization: Bearer <token>` (tokens from the account page or
//! `POST /api/v1/tokens`) or a browser session (then unsafe methods need `X-CSRF-Token`).

mod areas;
mod audit;
mod care;
mod hazards;
mod me;
mod network;
pub mod policy;
pub(crate) mod registry;
mod users;

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ErrorBody, WebError};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ruamjai API",
        description = "Shared platform of Thai community volunteer networks. Errors always have the shape `{\"errors\":[{\"code\",\"message\",\"field\"}]}`; messages follow `Accept-Language` (th, en). Objects outside the caller's area answer 404.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// All API routes with their OpenAPI description (paths relative to `/api/v1`).
pub fn router() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::me))
        .routes(routes!(me::list_tokens, me::create_token))
        .routes(routes!(me::revoke_token))
        .routes(routes!(areas::list_areas))
        .routes(routes!(areas::get_area, areas::rename_village))
        .routes(routes!(areas::create_village))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user))
        .routes(routes!(users::grant_role))
        .routes(routes!(users::revoke_grant))
        .routes(routes!(audit::list_audit))
        .routes(routes!(registry::list_persons, registry::create_person))
        .routes(routes!(registry::export_persons))
        .routes(routes!(registry::get_person, registry::update_person))
        .routes(routes!(registry::set_category, registry::remove_category))
        .routes(routes!(registry::update_household))
        .routes(routes!(registry::attest_person))
        .routes(routes!(registry::dispute_person))
        .routes(routes!(registry::resolve_dispute))
        .routes(routes!(registry::give_consent))
        .routes(routes!(registry::withdraw_consent))
        .routes(routes!(registry::village_review))
        .routes(routes!(registry::get_dashboard))
        .routes(routes!(registry::public_dashboard))
        .routes(routes!(registry::import_persons))
        .routes(routes!(registry::privacy::export_person))
        .routes(routes!(registry::privacy::person_access))
        .routes(routes!(registry::privacy::erase_person))
        .routes(routes!(network::list_partners))
        .routes(routes!(network::list_volunteers, network::create_volunteer))
        .routes(routes!(network::match_volunteers))
        .routes(routes!(network::get_volunteer))
        .routes(routes!(network::log_hours))
        .routes(routes!(network::list_courses))
        .routes(routes!(network::check_certificate))
        .routes(routes!(network::network_dashboard))
        .routes(routes!(care::my_visits))
        .routes(routes!(care::sync_visits))
        .routes(routes!(care::person_visits))
        .routes(routes!(hazards::list_stations))
        .routes(routes!(hazards::record_reading))
        .routes(routes!(hazards::list_alerts))
        .routes(routes!(hazards::acknowledge_alert))
        .routes(routes!(hazards::list_zones))
        .routes(routes!(hazards::zone_evacuation))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(care::upload_photo))
                // Photos up to 12 MB (refused on their field above that by the store), with room
                // for the multipart framing; beyond this the body is refused with 413.
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        );
    let mut doc = api.get_openapi().clone();
    document_common_answers(&mut doc);
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let doc_json = doc.to_pretty_json().expect("OpenAPI document serialises");
    api.route(
        "/openapi.json",
        axum::routing::get(move || async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                doc_json,
            )
        }),
    )
    .route_layer(axum::middleware::from_fn(policy::enforce))
    .fallback(|| async { WebError::NotFound.into_response() })
}

/// Add to every operation the answers that come from the layers around the handlers rather than
/// from the handler itself, as the route table decides them: 400 (a path, query or body that
/// cannot be read), 401 (needs a sign-in), 403 (a role that never allows the operation, or a
/// sync token on a desk route), and for operations with a body 413, 415 and 422.
pub(crate) fn document_common_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::Operation;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let answer = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    let add = |op: &mut Operation, status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| answer(description).into());
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            ("GET", item.get.as_mut()),
            ("POST", item.post.as_mut()),
            ("PUT", item.put.as_mut()),
            ("PATCH", item.patch.as_mut()),
            ("DELETE", item.delete.as_mut()),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            add(op, "400", "The path, query or body cannot be read");
            let Some(rule) = policy::rule_for(method, path) else {
                continue;
            };
            if rule.needs != policy::Needs::Public {
                add(op, "401", "Not signed in, or the token is not valid");
            }
            if matches!(rule.needs, policy::Needs::Op(_))
                || (!rule.sync && rule.needs != policy::Needs::Public)
            {
                add(
                    op,
                    "403",
                    "None of the caller's roles allows this, or a sync token on a desk route",
                );
            }
            if op.request_body.is_some() {
                add(op, "413", "The body is too large");
                add(
                    op,
                    "415",
                    "The body's content type is missing or not the expected one",
                );
                add(
                    op,
                    "422",
                    "The body's fields are missing, of the wrong type or not valid",
                );
            }
        }
    }
}

/// 201 with a JSON body.
pub(crate) fn created<T: serde::Serialize>(body: T) -> impl IntoResponse {
    (StatusCode::CREATED, Json(body))
}
