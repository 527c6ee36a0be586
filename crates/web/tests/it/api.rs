use axum::http::StatusCode;
use ruamjai_domain::auth::Role;
use ruamjai_store::testing::TestDb;
use serde_json::json;

use crate::{both, token_client};

both!(
    errors_name_the_field_in_the_callers_language,
    district_admin_gets_404_outside_own_district,
    revoked_grant_stops_working_on_next_request,
    unreadable_requests_get_the_error_body_and_never_a_crash,
);

async fn errors_name_the_field_in_the_callers_language(db: TestDb) {
    let (mut c, _) = token_client(&db, "admin@example.org", Role::Admin, None).await;
    let bad = json!({"email": "not-an-email", "display_name": "", "grant": {"role": "operator", "area_code": "5501"}});
    c.accept_language = Some("en");
    let res = c.json("POST", "/api/v1/users", bad.clone()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = res.json()["errors"].as_array().unwrap().clone();
    assert_eq!(
        errors[0],
        json!({"code": "invalid_email", "field": "email", "message": "Enter a valid e-mail address."})
    );
    assert_eq!(errors[1]["field"], "display_name");
    c.accept_language = Some("th");
    let res = c.json("POST", "/api/v1/users", bad).await;
    assert_eq!(res.json()["errors"][0]["message"], "กรุณากรอกอีเมลให้ถูกต้อง");
    // Nothing was stored.
    let res = c.get("/api/v1/users").await;
    assert_eq!(res.json().as_array().unwrap().len(), 1);
}

async fn district_admin_gets_404_outside_own_district(db: TestDb) {
    let (mut a, _) = token_client(&db, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let (_, b_id) = token_client(&db, "b@example.org", Role::Operator, Some("5502")).await;
    assert_eq!(a.get("/api/v1/areas/5501").await.status, StatusCode::OK);
    let sub = a.get("/api/v1/areas/550101").await;
    assert_eq!(sub.status, StatusCode::OK);
    assert_eq!(sub.json()["ancestors"][0]["code"], "55");
    for other in ["5502", "550202", "55", "10"] {
        let res = a.get(&format!("/api/v1/areas/{other}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{other}");
        assert_eq!(res.json()["errors"][0]["code"], "not_found");
    }
    assert_eq!(
        a.get(&format!("/api/v1/users/{b_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = a
        .json(
            "POST",
            &format!("/api/v1/users/{b_id}/grants"),
            json!({"role": "viewer", "area_code": "5501"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = a
        .json(
            "POST",
            "/api/v1/areas/550202/villages",
            json!({"village_no": 1, "name_th": "บ้านใหม่"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = a
        .json(
            "POST",
            "/api/v1/areas/550101/villages",
            json!({"village_no": 1, "name_th": "บ้านใหม่"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json()["code"], "55010101");
    let res = a
        .json(
            "PATCH",
            "/api/v1/areas/55010101",
            json!({"name_th": "บ้านใหม่พัฒนา", "name_en": "Ban Mai Phatthana"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["name_en"], "Ban Mai Phatthana");
    let res = a
        .json("PATCH", "/api/v1/areas/5501", json!({"name_th": "x"}))
        .await;
    assert_eq!(res.json()["errors"][0]["code"], "not_a_village");
    // Search and lists only return the caller's area.
    let res = a
        .get("/api/v1/areas?q=%E0%B8%99%E0%B9%88%E0%B8%B2%E0%B8%99")
        .await;
    let found = res.json();
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c.starts_with("5501")),
        "{codes:?}"
    );
    let users = a.get("/api/v1/users").await.json();
    assert!(users.as_array().unwrap().iter().all(|u| u["id"] != b_id));
    // Audit entries of district B are not shown either.
    let audit = a.get("/api/v1/audit").await.json();
    assert!(audit.as_array().unwrap().iter().all(|e| {
        e["area_code"]
            .as_str()
            .is_none_or(|c| c.starts_with("5501"))
    }));
}

async fn revoked_grant_stops_working_on_next_request(db: TestDb) {
    let (mut admin, _) = token_client(&db, "admin@example.org", Role::Admin, None).await;
    let (mut a, a_id) = token_client(&db, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    assert_eq!(a.get("/api/v1/areas/5501").await.status, StatusCode::OK);
    let me = a.get("/api/v1/me").await.json();
    let grant_id = me["grants"][0]["id"].as_i64().unwrap();
    let res = admin
        .send(
            axum::http::Request::delete(format!("/api/v1/users/{a_id}/grants/{grant_id}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    // No role left that shows areas anywhere: the route table refuses it outright.
    assert_eq!(
        a.get("/api/v1/areas/5501").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(a.get("/api/v1/me").await.json()["grants"], json!([]));
    // A revoked token is refused outright.
    let tokens = a.get("/api/v1/tokens").await.json();
    let tid = tokens[0]["id"].as_i64().unwrap();
    let res = a
        .send(
            axum::http::Request::delete(format!("/api/v1/tokens/{tid}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(a.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

/// What schemathesis found: a request the framework refuses before any handler (a path id past
/// i64, a body without its content type, a body of the wrong shape) answers in the API's error
/// body with a documented status, and a page offset past what a database takes no longer drops
/// the connection.
async fn unreadable_requests_get_the_error_body_and_never_a_crash(db: TestDb) {
    let (mut c, _) = token_client(&db, "admin@example.org", Role::Admin, None).await;
    let res = c.get("/api/v1/persons?offset=9223372036854775808").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["items"], json!([]));
    let res = c.get("/api/v1/persons/9223372036854775808").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["errors"][0]["code"], "bad_request");
    let res = c
        .send(
            axum::http::Request::post("/api/v1/persons")
                .body(axum::body::Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.json()["errors"][0]["code"], "unsupported_media_type");
    let res = c
        .json("POST", "/api/v1/persons", json!({"first_name": 12}))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["code"], "invalid_body");
    assert!(
        !res.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // Documented: every operation lists 400; those with a body 415 and 422.
    let doc = ruamjai_web::openapi();
    let op = doc.paths.paths["/persons"].post.as_ref().unwrap();
    for status in ["400", "401", "403", "413", "415", "422"] {
        assert!(op.responses.responses.contains_key(status), "{status}");
    }
}
