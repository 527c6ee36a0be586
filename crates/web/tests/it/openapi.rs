use axum::http::StatusCode;
use ruamjai_store::testing::TestDb;
use ruamjai_web::api::policy;

use crate::Client;

/// The document parses as OpenAPI 3, and every operation it lists is routed (an anonymous
/// call is refused with 401, not missed by the router with 404).
#[tokio::test]
async fn openapi_is_valid_and_every_listed_operation_is_routed() {
    let db = TestDb::sqlite().await;
    let mut c = Client::new(&db);
    let res = c.get("/api/v1/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let spec = oas3::from_json(&res.body).expect("valid OpenAPI 3 document");
    assert!(spec.openapi.starts_with("3."), "{}", spec.openapi);
    let doc = res.json();
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else {
                continue;
            };
            operations += 1;
            let concrete = path
                .replace("{code}", "55")
                .replace("{id}", "1")
                .replace("{grant_id}", "1");
            let res = c
                .json(
                    &method.to_uppercase(),
                    &format!("/api/v1{concrete}"),
                    serde_json::json!({}),
                )
                .await;
            // Operations documented as public (`security: [{}]`) answer without a sign-in,
            // with one of their documented statuses (a made-up certificate code: 404).
            if op["security"] == serde_json::json!([{}]) {
                let documented = op["responses"]
                    .as_object()
                    .expect("responses")
                    .contains_key(res.status.as_str());
                assert!(documented, "{method} {path}: {} {}", res.status, res.body);
                assert_ne!(res.status, StatusCode::UNAUTHORIZED, "{method} {path}");
                continue;
            }
            assert_eq!(
                res.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}: {}",
                res.body
            );
            assert_eq!(res.json()["errors"][0]["code"], "unauthenticated");
        }
    }
    // Every handler in api::router() — keep this list in step with it.
    assert_eq!(operations, 53, "operations in the document: {paths:?}");
    assert_eq!(
        c.get("/api/v1/no-such-route").await.status,
        StatusCode::NOT_FOUND
    );
    // The same document is available to the CLI and tools without a server.
    assert_eq!(ruamjai_web::openapi().paths.paths.len(), paths.len());
}

/// Every operation of the API is in the policy table (and the table names no route that is
/// gone), and the table's public routes are exactly those the document marks public.
#[test]
fn api_routes_are_all_in_the_policy_table() {
    let doc = ruamjai_web::openapi();
    let (missing, stale) = policy::unlisted(&doc);
    assert!(
        missing.is_empty(),
        "routes without a policy rule: {missing:?}"
    );
    assert!(stale.is_empty(), "rules without a route: {stale:?}");
    let json: serde_json::Value = serde_json::from_str(&doc.to_json().unwrap()).unwrap();
    for (path, item) in json["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let rule = policy::rule_for(method, path).unwrap();
            let documented_public = op["security"] == serde_json::json!([{}]);
            assert_eq!(
                documented_public,
                rule.needs == policy::Needs::Public,
                "{method} {path}: the document and the table disagree on who may call it"
            );
        }
    }
}

/// The check above is not empty words: a route added without a rule is named by it.
#[test]
fn a_route_without_a_policy_rule_is_caught() {
    use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
    let mut doc = ruamjai_web::openapi();
    doc.paths.paths.insert(
        "/persons/{id}/secret".into(),
        PathItem::new(HttpMethod::Get, Operation::new()),
    );
    doc.paths.paths.get_mut("/persons/{id}").unwrap().patch = Some(Operation::new());
    let (missing, stale) = policy::unlisted(&doc);
    assert_eq!(
        missing,
        ["PATCH /persons/{id}", "GET /persons/{id}/secret"],
        "both new operations are reported"
    );
    assert!(stale.is_empty());
    // And a rule whose route is gone is reported too.
    doc.paths.paths.remove("/zones");
    let (_, stale) = policy::unlisted(&doc);
    assert_eq!(stale, ["GET /zones"]);
}
