use axum::http::StatusCode;
use ruamjai_store::testing::TestDb;

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
