//! The API's route table: for every route, what a caller needs to reach it. With
//! [`Role::allows`](ruamjai_domain::auth::Role::allows) (what each role may do) it is the one
//! place that says who may call what; the store then keeps every answer inside the caller's
//! areas (an object outside them is "not found").
//!
//! It is enforced on every request ([`enforce`]): a route missing from the table answers 404,
//! a caller whose roles allow the operation nowhere gets 403, and a phone's sync token reaches
//! only the routes marked `sync`. The test `api_routes_are_all_in_the_policy_table` fails when a
//! route of the OpenAPI document has no entry here (and the authorisation matrix test walks every
//! entry for every role, area relation and way of signing in).

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ruamjai_domain::auth::Operation::{self, *};

use crate::caller::{AuthPath, Ctx};
use crate::error::WebError;

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Anybody, signed in or not (public figures, certificate checks, the API description).
    Public,
    /// Any signed-in account: the answer is about the caller themself (their tokens, their
    /// profile) or the store decides per object (a user may always see their own record).
    Account,
    /// A role allowing this operation somewhere; the store checks the object's area.
    Op(Operation),
}

/// One route of the API (path relative to `/api/v1`, as in the OpenAPI document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// What the caller needs.
    pub needs: Needs,
    /// True when a phone's sync token may call it.
    pub sync: bool,
}

const fn rule(method: &'static str, path: &'static str, needs: Needs, sync: bool) -> Rule {
    Rule {
        method,
        path,
        needs,
        sync,
    }
}

const FIELD: bool = true;
const DESK: bool = false;

/// Every API route. Keep it in the order of `api::router`.
pub const ROUTES: &[Rule] = &[
    rule("GET", "/openapi.json", Needs::Public, FIELD),
    rule("GET", "/me", Needs::Account, FIELD),
    rule("GET", "/tokens", Needs::Account, DESK),
    rule("POST", "/tokens", Needs::Account, DESK),
    rule("DELETE", "/tokens/{id}", Needs::Account, DESK),
    rule("GET", "/areas", Needs::Op(ViewAreas), DESK),
    rule("GET", "/areas/{code}", Needs::Op(ViewAreas), DESK),
    rule("PATCH", "/areas/{code}", Needs::Op(ManageVillages), DESK),
    rule(
        "POST",
        "/areas/{code}/villages",
        Needs::Op(ManageVillages),
        DESK,
    ),
    rule("GET", "/users", Needs::Op(ViewUsers), DESK),
    rule("POST", "/users", Needs::Op(ManageUsers), DESK),
    // Everyone may see their own account; others' only with ViewUsers (the store decides).
    rule("GET", "/users/{id}", Needs::Account, DESK),
    rule("POST", "/users/{id}/grants", Needs::Op(ManageUsers), DESK),
    rule(
        "DELETE",
        "/users/{id}/grants/{grant_id}",
        Needs::Op(ManageUsers),
        DESK,
    ),
    rule("GET", "/audit", Needs::Op(ViewAudit), DESK),
    rule("GET", "/persons", Needs::Op(ViewPersons), DESK),
    rule("POST", "/persons", Needs::Op(EditPersons), DESK),
    rule("GET", "/persons/export", Needs::Op(ExportPersons), DESK),
    rule("GET", "/persons/{id}", Needs::Op(ViewPersons), DESK),
    rule("PUT", "/persons/{id}", Needs::Op(EditPersons), DESK),
    rule(
        "PUT",
        "/persons/{id}/categories/{category}",
        Needs::Op(EditPersons),
        DESK,
    ),
    rule(
        "DELETE",
        "/persons/{id}/categories/{category}",
        Needs::Op(EditPersons),
        DESK,
    ),
    rule("PUT", "/households/{id}", Needs::Op(EditPersons), DESK),
    // PDPA rights: the subject-access export, who accessed the person, erasure.
    rule(
        "GET",
        "/persons/{id}/export",
        Needs::Op(ExportPersons),
        DESK,
    ),
    rule("GET", "/persons/{id}/access", Needs::Op(ViewAudit), DESK),
    rule("POST", "/persons/{id}/erase", Needs::Op(ErasePersons), DESK),
    rule(
        "POST",
        "/persons/{id}/attestations",
        Needs::Op(AttestPersons),
        DESK,
    ),
    rule(
        "POST",
        "/persons/{id}/dispute",
        Needs::Op(AttestPersons),
        DESK,
    ),
    rule(
        "POST",
        "/persons/{id}/dispute/resolve",
        Needs::Op(EditPersons),
        DESK,
    ),
    rule(
        "POST",
        "/persons/{id}/consents",
        Needs::Op(EditPersons),
        DESK,
    ),
    rule(
        "POST",
        "/persons/{id}/consents/{consent_id}/withdraw",
        Needs::Op(EditPersons),
        DESK,
    ),
    rule(
        "GET",
        "/villages/{code}/review",
        Needs::Op(ViewPersons),
        DESK,
    ),
    rule("GET", "/dashboard", Needs::Op(ViewAreas), DESK),
    rule("GET", "/public/dashboard", Needs::Public, DESK),
    rule("POST", "/imports/persons", Needs::Op(ImportPersons), DESK),
    rule("GET", "/partners", Needs::Op(ViewNetwork), DESK),
    rule("GET", "/volunteers", Needs::Op(ViewNetwork), DESK),
    rule("POST", "/volunteers", Needs::Op(ManageNetwork), DESK),
    rule("GET", "/volunteers/match", Needs::Op(ViewNetwork), DESK),
    rule("GET", "/volunteers/{id}", Needs::Op(ViewNetwork), DESK),
    rule(
        "POST",
        "/volunteers/{id}/hours",
        Needs::Op(ManageNetwork),
        DESK,
    ),
    rule("GET", "/courses", Needs::Op(ViewNetwork), DESK),
    rule("GET", "/certificates/{code}", Needs::Public, DESK),
    rule("GET", "/network/dashboard", Needs::Op(ViewAreas), DESK),
    rule("GET", "/care/my-visits", Needs::Op(RecordVisits), FIELD),
    rule("POST", "/sync/visits", Needs::Op(RecordVisits), FIELD),
    rule("GET", "/persons/{id}/visits", Needs::Op(ViewPersons), FIELD),
    rule("GET", "/stations", Needs::Op(ViewAreas), FIELD),
    rule(
        "POST",
        "/stations/{id}/readings",
        Needs::Op(RecordReadings),
        FIELD,
    ),
    rule("GET", "/alerts", Needs::Op(ViewAreas), FIELD),
    rule(
        "POST",
        "/alerts/{id}/acknowledge",
        Needs::Op(RecordReadings),
        FIELD,
    ),
    rule("GET", "/zones", Needs::Op(ViewAreas), DESK),
    // An area's viewers get the list without persons (`persons_shown: false`).
    rule("GET", "/zones/{id}/evacuation", Needs::Op(ViewAreas), DESK),
    rule(
        "POST",
        "/sync/visits/{client_id}/photos",
        Needs::Op(RecordVisits),
        FIELD,
    ),
];

/// The rule of a route, by method and path template (relative to `/api/v1`).
pub fn rule_for(method: &str, path: &str) -> Option<&'static Rule> {
    ROUTES
        .iter()
        .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
}

/// Operations of an OpenAPI document (method, path) that the table does not list, and entries
/// of the table (but the document itself) that no operation of the document matches.
pub fn unlisted(doc: &utoipa::openapi::OpenApi) -> (Vec<String>, Vec<String>) {
    let mut documented = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
            ("HEAD", item.head.is_some()),
            ("OPTIONS", item.options.is_some()),
            ("TRACE", item.trace.is_some()),
        ];
        for (method, present) in ops {
            if present {
                documented.push((method, path.as_str()));
            }
        }
    }
    let missing = documented
        .iter()
        .filter(|(m, p)| rule_for(m, p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let stale = ROUTES
        .iter()
        .filter(|r| r.path != "/openapi.json")
        .filter(|r| !documented.contains(&(r.method, r.path)))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    (missing, stale)
}

/// Middleware (route layer of the API): applies the route's rule before its handler runs.
pub async fn enforce(ctx: Ctx, req: Request, next: Next) -> Response {
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let path = matched.strip_prefix("/api/v1").unwrap_or(&matched);
    // HEAD is answered by the GET route.
    let method = if req.method() == Method::HEAD {
        "GET"
    } else {
        req.method().as_str()
    };
    let Some(rule) = rule_for(method, path) else {
        // Deny by default: a route nobody wrote a rule for is not reachable.
        tracing::error!(method, path, "API route without a policy rule");
        return WebError::NotFound.into_response();
    };
    if let Err(e) = check(rule, &ctx) {
        return e.into_response();
    }
    next.run(req).await
}

fn check(rule: &Rule, ctx: &Ctx) -> Result<(), WebError> {
    if rule.needs == Needs::Public {
        return Ok(());
    }
    let Some(caller) = &ctx.caller else {
        return Err(WebError::Unauthenticated);
    };
    if caller.via == AuthPath::SyncToken && !rule.sync {
        return Err(WebError::Forbidden);
    }
    match rule.needs {
        Needs::Op(op) if !caller.actor.can_somewhere(op) => Err(WebError::Forbidden),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::i18n::Lang;

    /// A route that is served but has no rule answers 404 to everyone, before its handler runs.
    #[tokio::test]
    async fn a_route_without_a_rule_is_not_reachable() {
        let app = Router::new()
            .route("/api/v1/me", get(|| async { "me" }))
            .route("/api/v1/persons/{id}/secret", get(|| async { "secret" }))
            .route_layer(axum::middleware::from_fn(enforce))
            .layer(axum::middleware::from_fn(
                |mut req: Request, next: Next| async move {
                    req.extensions_mut().insert(Ctx {
                        caller: None,
                        lang: Lang::Th,
                        meta: Default::default(),
                    });
                    next.run(req).await
                },
            ));
        let status = |path: &'static str| {
            let app = app.clone();
            async move {
                app.oneshot(Request::get(path).body(Body::empty()).unwrap())
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(
            status("/api/v1/persons/1/secret").await,
            StatusCode::NOT_FOUND
        );
        // A listed route is judged by its rule (here: an account is needed).
        assert_eq!(status("/api/v1/me").await, StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn the_table_has_one_rule_per_route() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} is listed twice",
                    a.method,
                    a.path
                );
            }
        }
    }
}
