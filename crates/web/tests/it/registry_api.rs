//! The registry over the JSON API: persons, scope, idempotency, sensitive categories, exports,
//! imports, dashboards (signed-in and public) and localised field errors.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::registry::ident::complete_id;
use ruamjai_domain::registry::{PersonForm, PersonInput};
use ruamjai_store::Store;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::{EXPORT_COLUMNS, today};
use ruamjai_store::testing::{TestDb, code};
use ruamjai_web::i18n::Lang;
use serde_json::{Value, json};

use crate::{Client, Res, both, token_client};

both!(
    create_get_search_and_stale_edit,
    categories_households_consents_and_verification,
    persons_outside_scope_do_not_exist,
    idempotency_key_creates_one_person,
    sensitive_categories_need_the_permission_everywhere,
    import_lists_bad_rows_then_adds_once,
    public_dashboard_is_anonymous_and_suppressed,
    field_errors_are_named_and_localised,
);

/// Villages 55010101, 55010102 (Mueang Nan, Nai Wiang) and 55020201 (another district).
async fn villages(s: &Store) {
    let cli = Actor::command_line();
    for (sub, no) in [("550101", 1), ("550101", 2), ("550202", 1)] {
        s.create_village(
            &cli,
            &code(sub),
            NewVillage {
                village_no: no,
                name_th: format!("บ้านทดสอบ {no}"),
                name_en: String::new(),
            },
            &Default::default(),
        )
        .await
        .unwrap();
    }
}

fn person(first: &str, last: &str, village: &str) -> PersonInput {
    PersonForm {
        first_name: first.into(),
        last_name: last.into(),
        village_code: village.into(),
        birth_date: "2490".into(),
        ..Default::default()
    }
    .check(today())
    .unwrap()
}

fn q(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()
}

async fn send(c: &mut Client, method: &str, path: &str) -> Res {
    c.send(
        Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn create(c: &mut Client, body: Value) -> i64 {
    let res = c.json("POST", "/api/v1/persons", body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn category_keys(detail: &Value) -> Vec<String> {
    detail["person"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap().to_owned())
        .collect()
}

async fn create_get_search_and_stale_edit(db: TestDb) {
    villages(&db.store).await;
    let (mut c, _) = token_client(&db, "staff@example.org", Role::Staff, Some("55")).await;
    let id = create(
        &mut c,
        json!({
            "first_name": "นางสมศรี", "last_name": "ศรีสุข", "id_number": "1-1017-00230-70-8",
            "birth_date": "15/03/2490", "village_code": "55010101", "house_number": "12",
            "phone": "+66 81 234 5678",
            "categories": [{"category": "disabled", "disability_type": "physical"}],
        }),
    )
    .await;
    // A year-only birth date keeps its precision.
    let other = create(
        &mut c,
        json!({"first_name": "ทองคำ", "last_name": "ใจมา", "birth_date": "2510",
            "village_code": "55010101", "house_number": "12"}),
    )
    .await;

    let res = c.get(&format!("/api/v1/persons/{id}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let d = res.json();
    let p = &d["person"];
    assert_eq!(p["prefix"], "นาง");
    assert_eq!(p["first_name"], "สมศรี");
    assert_eq!(p["name"], "นางสมศรี ศรีสุข");
    assert_eq!(p["id_number"], "1101700230708");
    assert_eq!(p["id_kind"], "citizen");
    assert_eq!(p["sex"], "female");
    assert_eq!(p["birth_date"], "1947-03-15");
    assert_eq!(p["birth_precision"], "day");
    assert!(p["age"].as_i64().unwrap() >= 78);
    assert_eq!(p["phone"], "0812345678");
    assert_eq!(p["version"], 1);
    assert_eq!(p["verification"], "unverified");
    assert!(p["created_at"].as_str().unwrap().contains('T'));
    let cats = p["categories"].as_array().unwrap();
    let elderly = cats.iter().find(|c| c["category"] == "elderly").unwrap();
    assert_eq!(elderly["derived"], true);
    let disabled = cats.iter().find(|c| c["category"] == "disabled").unwrap();
    assert_eq!(disabled["derived"], false);
    assert_eq!(disabled["disability_type"], "physical");
    assert_eq!(d["household"]["house_number"], "12");
    assert_eq!(d["members"][0]["id"], other);
    assert_eq!(d["members"][0]["birth_date"], "1967");
    assert_eq!(d["members"][0]["birth_precision"], "year");
    let path: Vec<&str> = d["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["55", "5501", "550101", "55010101"]);
    assert_eq!(d["can_edit"], true);

    // Thai-aware search: a misspelt surname still finds her, and only her.
    let res = c.get(&format!("/api/v1/persons?{}", q("สมศรี สรีสุข"))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = res.json();
    assert_eq!(page["total"], 1, "{page}");
    let hit = &page["items"][0];
    assert_eq!(hit["id"], id);
    assert_eq!(hit["name"], "นางสมศรี ศรีสุข");
    assert_eq!(hit["birth_date"], "1947-03-15");
    assert_eq!(hit["village_code"], "55010101");
    assert_eq!(hit["house_number"], "12");
    assert_eq!(strings(&hit["categories"]), ["elderly", "disabled"]);
    let all = c.get("/api/v1/persons?area=550101&limit=1").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert_eq!(all["total"], 2);
    let disabled = c.get("/api/v1/persons?category=disabled").await.json();
    assert_eq!(disabled["total"], 1);
    let res = c.get("/api/v1/persons?category=aliens&area=5").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = res.json()["errors"].clone();
    assert_eq!(errors[0]["field"], "area", "{errors}");
    assert_eq!(errors[0]["code"], "invalid_area_code");
    assert_eq!(errors[1]["field"], "category");

    // An edit with the version read succeeds once; the same version again is stale.
    let edit = json!({"version": 1, "first_name": "สมศรี", "prefix": "นาง", "last_name": "ศรีสุข",
        "id_number": "1101700230708", "birth_date": "15/03/2490", "village_code": "55010101",
        "house_number": "12", "phone": "0899999999"});
    let res = c
        .json("PUT", &format!("/api/v1/persons/{id}"), edit.clone())
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let p = c.get(&format!("/api/v1/persons/{id}")).await.json();
    assert_eq!(p["person"]["phone"], "0899999999");
    assert_eq!(p["person"]["version"], 2);
    let res = c.json("PUT", &format!("/api/v1/persons/{id}"), edit).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let e = &res.json()["errors"][0];
    assert_eq!(e["field"], "version");
    assert_eq!(e["code"], "stale");
    let p = c.get(&format!("/api/v1/persons/{id}")).await.json();
    assert_eq!(p["person"]["version"], 2);
}

async fn categories_households_consents_and_verification(db: TestDb) {
    villages(&db.store).await;
    let (mut c, _) = token_client(&db, "staff@example.org", Role::Staff, Some("5501")).await;
    let id = create(
        &mut c,
        json!({"first_name": "มะลิ", "last_name": "วงศ์ใจ", "village_code": "55010101",
            "house_number": "3", "birth_date": "2500"}),
    )
    .await;
    let url = format!("/api/v1/persons/{id}");

    // Categories by path.
    let res = c
        .json(
            "PUT",
            &format!("{url}/categories/poor"),
            json!({"note": "รายได้น้อย"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let d = c.get(&url).await.json();
    assert!(category_keys(&d).contains(&"poor".to_owned()));
    let res = c
        .json("PUT", &format!("{url}/categories/elderly"), json!({}))
        .await;
    assert_eq!(res.json()["errors"][0]["code"], "category_derived");
    assert_eq!(
        send(&mut c, "DELETE", &format!("{url}/categories/poor"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&mut c, "DELETE", &format!("{url}/categories/poor"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!category_keys(&c.get(&url).await.json()).contains(&"poor".to_owned()));

    // Household dimensions with optimistic locking.
    let hid = d["household"]["id"].as_i64().unwrap();
    let body = json!({"version": 1, "health": true, "living": false, "education": null,
        "income": true, "access": null, "lat": "18.78", "lon": "100.77"});
    let res = c
        .json("PUT", &format!("/api/v1/households/{hid}"), body.clone())
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let h = c.get(&url).await.json()["household"].clone();
    assert_eq!(
        (
            &h["health"],
            &h["living"],
            &h["education"],
            &h["deprived_count"]
        ),
        (&json!(true), &json!(false), &Value::Null, &json!(2))
    );
    assert_eq!(h["lat"], 18.78);
    let res = c
        .json("PUT", &format!("/api/v1/households/{hid}"), body)
        .await;
    assert_eq!(res.json()["errors"][0]["field"], "version");
    let res = c
        .json(
            "PUT",
            &format!("/api/v1/households/{hid}"),
            json!({"version": 2, "lat": "100.7", "lon": "18.7"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["code"], "outside_thailand");

    // Consent given and withdrawn (Buddhist-era dates accepted).
    let res = c
        .json(
            "POST",
            &format!("{url}/consents"),
            json!({"purpose": "care", "basis": "consent", "given_by": "มะลิ วงศ์ใจ",
                "given_on": "01/01/2568"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let cid = res.json()["id"].as_i64().unwrap();
    let consent = &c.get(&url).await.json()["consents"][0];
    assert_eq!(consent["given_on"], "2025-01-01");
    assert_eq!(consent["active"], true);
    let res = c
        .json(
            "POST",
            &format!("{url}/consents/{cid}/withdraw"),
            json!({"withdrawn_on": "2025-01-02", "reason": "ย้ายออก"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let consent = c.get(&url).await.json()["consents"][0].clone();
    assert_eq!(consent["active"], false);
    assert_eq!(consent["withdrawn_reason"], "ย้ายออก");
    let res = c
        .json(
            "POST",
            &format!("{url}/consents/{cid}/withdraw"),
            json!({"withdrawn_on": "2025-01-03"}),
        )
        .await;
    assert_eq!(res.json()["errors"][0]["code"], "already_withdrawn");

    // Three attestations certify; a dispute outranks them until resolved.
    let mut last = Value::Null;
    for role in ["village_head", "assistant_head", "health_volunteer"] {
        let res = c
            .json(
                "POST",
                &format!("{url}/attestations"),
                json!({"role": role, "signer_name": "ผู้ลงนาม"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        last = res.json()["verification"].clone();
    }
    assert_eq!(last, "certified");
    let res = c
        .json(
            "POST",
            &format!("{url}/attestations"),
            json!({"role": "village_head", "signer_name": "อีกคน"}),
        )
        .await;
    assert_eq!(res.json()["errors"][0]["code"], "already_attested");
    let res = c
        .json(
            "POST",
            &format!("{url}/dispute"),
            json!({"note": "ย้ายไปแล้ว"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let d = c.get(&url).await.json();
    assert_eq!(d["person"]["verification"], "disputed");
    assert_eq!(d["person"]["dispute_note"], "ย้ายไปแล้ว");
    assert_eq!(d["attestations"].as_array().unwrap().len(), 3);
    let review = c.get("/api/v1/villages/55010101/review").await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    assert_eq!(review.json()[0]["verification"], "disputed");
    let res = c
        .json("POST", &format!("{url}/dispute/resolve"), json!({}))
        .await;
    assert_eq!(res.json(), json!({"verification": "certified"}));
    let res = c
        .json("POST", &format!("{url}/dispute/resolve"), json!({}))
        .await;
    assert_eq!(res.json()["errors"][0]["code"], "not_disputed");
    // Only villages have review lists; outside the caller's area there is none.
    for other in ["5501", "55020201", "x"] {
        let res = c.get(&format!("/api/v1/villages/{other}/review")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{other}");
    }
}

async fn persons_outside_scope_do_not_exist(db: TestDb) {
    villages(&db.store).await;
    let (mut admin, _) = token_client(&db, "admin@example.org", Role::Admin, None).await;
    let (mut staff, _) = token_client(&db, "staff@example.org", Role::Staff, Some("5501")).await;
    let (mut viewer, _) = token_client(&db, "viewer@example.org", Role::Viewer, Some("5501")).await;
    let outside = create(
        &mut admin,
        json!({"first_name": "นอกเขต", "last_name": "สอง", "village_code": "55020201"}),
    )
    .await;
    let inside = create(
        &mut admin,
        json!({"first_name": "ในเขต", "last_name": "หนึ่ง", "village_code": "55010101"}),
    )
    .await;
    let url = format!("/api/v1/persons/{outside}");
    assert_eq!(staff.get(&url).await.status, StatusCode::NOT_FOUND);
    let res = staff
        .json(
            "PUT",
            &url,
            json!({"version": 1, "first_name": "แก้", "village_code": "55010101"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(res.json()["errors"][0]["code"], "not_found");
    let res = staff
        .json(
            "POST",
            &format!("{url}/attestations"),
            json!({"role": "village_head", "signer_name": "ก"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    for (method, path, body) in [
        ("POST", format!("{url}/dispute"), json!({"note": "x"})),
        ("PUT", format!("{url}/categories/poor"), json!({})),
        ("DELETE", format!("{url}/categories/poor"), json!({})),
        ("POST", format!("{url}/dispute/resolve"), json!({})),
        (
            "POST",
            format!("{url}/consents"),
            json!({"purpose": "care", "basis": "consent", "given_by": "ก", "given_on": "2025-01-01"}),
        ),
    ] {
        let res = staff.json(method, &path, body).await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            res.body
        );
    }
    // Nor does it show in searches or the other district's review list.
    let page = staff.get("/api/v1/persons").await.json();
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [inside]);
    // Moving a person out of the caller's area is refused on the village.
    let res = staff
        .json(
            "PUT",
            &format!("/api/v1/persons/{inside}"),
            json!({"version": 1, "first_name": "ในเขต", "village_code": "55020201"}),
        )
        .await;
    assert_eq!(res.json()["errors"][0]["code"], "village_not_found");
    // A viewer sees aggregates only: no person, anywhere (refused by the route table whatever
    // the id, so the answer says nothing about the person).
    let res = viewer.get("/api/v1/persons").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.json()["errors"][0]["code"], "forbidden");
    assert_eq!(
        viewer
            .get(&format!("/api/v1/persons/{inside}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(viewer.get("/api/v1/dashboard").await.status, StatusCode::OK);
    // Anonymous callers get 401.
    let mut anon = Client::new(&db);
    assert_eq!(
        anon.get("/api/v1/persons").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn idempotency_key_creates_one_person(db: TestDb) {
    villages(&db.store).await;
    let (mut c, _) = token_client(&db, "staff@example.org", Role::Staff, Some("55")).await;
    let body = json!({"first_name": "ซ้ำ", "last_name": "สามครั้ง", "village_code": "55010101"});
    let post = |key: &'static str| {
        Request::post("/api/v1/persons")
            .header(header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let mut ids = Vec::new();
    for _ in 0..3 {
        let res = c.send(post("form-7f3a")).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        ids.push(res.json()["id"].as_i64().unwrap());
    }
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    assert_eq!(db.store.count_persons().await.unwrap(), 1);
    // Another key is another request.
    let res = c.send(post("form-8b1c")).await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_ne!(res.json()["id"].as_i64().unwrap(), ids[0]);
    assert_eq!(db.store.count_persons().await.unwrap(), 2);
    // The same key from another user is that user's own.
    let (mut other, _) = token_client(&db, "other@example.org", Role::Staff, Some("55")).await;
    let res = other.send(post("form-7f3a")).await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_ne!(res.json()["id"].as_i64().unwrap(), ids[0]);
    assert_eq!(db.store.count_persons().await.unwrap(), 3);
}

async fn sensitive_categories_need_the_permission_everywhere(db: TestDb) {
    villages(&db.store).await;
    let (mut plain, _) = token_client(&db, "plain@example.org", Role::Staff, Some("55")).await;
    let (mut sens, sens_id) = token_client(&db, "sens@example.org", Role::Staff, Some("55")).await;
    db.store
        .grant_role_cli(sens_id, Role::Sensitive, Some(code("55")))
        .await
        .unwrap();
    // Without the permission a sensitive category cannot even be recorded.
    let res = plain
        .json(
            "POST",
            "/api/v1/persons",
            json!({"first_name": "ก", "village_code": "55010101",
                "categories": [{"category": "hiv"}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["errors"][0]["code"], "sensitive_not_permitted");
    assert_eq!(db.store.count_persons().await.unwrap(), 0);

    let id = create(
        &mut sens,
        json!({"first_name": "ลับ", "last_name": "เฉพาะ", "village_code": "55010101",
            "categories": [{"category": "poor"}, {"category": "hiv"}]}),
    )
    .await;
    let url = format!("/api/v1/persons/{id}");
    let search = format!("/api/v1/persons?{}", q("ลับ"));
    for (c, sees) in [(&mut plain, false), (&mut sens, true)] {
        let d = c.get(&url).await.json();
        let cats = category_keys(&d);
        assert!(cats.contains(&"poor".to_owned()), "{cats:?}");
        assert_eq!(cats.contains(&"hiv".to_owned()), sees, "detail: {cats:?}");
        assert_eq!(d["sees_sensitive"], sees);

        let page = c.get(&search).await.json();
        let cats = strings(&page["items"][0]["categories"]);
        assert!(cats.contains(&"poor".to_owned()), "{page}");
        assert_eq!(cats.contains(&"hiv".to_owned()), sees, "search: {cats:?}");
        let by_cat = c.get("/api/v1/persons?category=hiv").await.json();
        assert_eq!(by_cat["total"], if sees { 1 } else { 0 });

        let res = c.get("/api/v1/persons/export?format=csv").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            res.body.starts_with('\u{feff}'),
            "CSV carries a byte order mark"
        );
        let header_row = res.body.trim_start_matches('\u{feff}').lines().next();
        assert_eq!(header_row, Some(EXPORT_COLUMNS.join(",").as_str()));
        assert!(res.body.contains("ลับ"));
        assert!(res.body.contains("poor"));
        assert_eq!(res.body.contains("hiv"), sees, "export: {}", res.body);
        let disposition = res.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        let date = today().format("%Y%m%d");
        assert_eq!(
            disposition,
            format!("attachment; filename=\"ruamjai-persons-{date}.csv\"")
        );
        assert!(
            res.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );

        let dash = c.get("/api/v1/dashboard?area=55").await;
        assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
        let dash = dash.json();
        let cats = strings(&dash["categories"]);
        assert!(cats.contains(&"poor".to_owned()));
        assert_eq!(
            cats.contains(&"hiv".to_owned()),
            sees,
            "dashboard: {cats:?}"
        );
        assert_eq!(dash.to_string().contains("hiv"), sees);
        if sees {
            let col = cats.iter().position(|c| c == "hiv").unwrap();
            let nan = dash["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["area"]["code"] == "5501")
                .unwrap();
            assert_eq!(nan["cells"][col], json!({"n": 1, "hidden": null}));
            assert_eq!(nan["total"]["n"], 1);
        }
    }
    // XLSX export is a workbook.
    let res = sens.get("/api/v1/persons/export?format=xlsx").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.starts_with("PK"));
    assert!(
        res.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );
    let res = sens.get("/api/v1/persons/export?format=pdf").await;
    assert_eq!(res.json()["errors"][0]["field"], "format");
}

fn good_csv() -> String {
    format!(
        "\u{feff}เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน,กลุ่มเปราะบาง
1101700230708,นาง,สมศรี,ศรีสุข,15/03/2490,12,55010101,\"คนพิการ, ติดเตียง\"
,นาย,ทองคำ,ใจมา,2485,12,55010101,
{},,นางบัวผัน,ปัญญาดี,1952-07-01,7/1,55010102,คนจน
",
        complete_id("355010012345")
    )
}

async fn upload(c: &mut Client, query: &str, body: impl Into<Vec<u8>>) -> Res {
    c.send(
        Request::post(format!("/api/v1/imports/persons?{query}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(body.into()))
            .unwrap(),
    )
    .await
}

async fn import_lists_bad_rows_then_adds_once(db: TestDb) {
    villages(&db.store).await;
    let (mut c, _) = token_client(&db, "aa@example.org", Role::AreaAdmin, Some("55")).await;
    let good = good_csv();

    // One bad row: listed with its line and field, nothing stored.
    let bad = format!("{good},นาย,ผิด,เลข,31/02/2500,1,55010101,\n");
    let res = upload(&mut c, "file_name=list.csv", bad).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let r = res.json();
    assert_eq!(r["rows_total"], 4);
    assert_eq!(r["import_id"], Value::Null);
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{r}");
    assert_eq!(errors[0]["line"], 5);
    let e = &errors[0]["errors"][0];
    assert_eq!(e["field"], "birth_date");
    assert_eq!(e["code"], "date_invalid");
    assert_eq!(e["message"], Lang::Th.error("date_invalid"));
    assert_eq!(db.store.count_persons().await.unwrap(), 0);
    let columns = r["columns"].as_array().unwrap();
    assert_eq!(columns[0]["field"], "id_number");
    assert_eq!(columns[7]["field"], "categories");

    // A dry run of the good file writes nothing.
    let res = upload(&mut c, "file_name=list.csv&dry_run=true", good.clone()).await;
    let r = res.json();
    assert_eq!(
        (&r["added"], &r["dry_run"]),
        (&json!(3), &json!(true)),
        "{r}"
    );
    assert_eq!(db.store.count_persons().await.unwrap(), 0);

    // The good file adds its rows; the same file again adds nothing and says so.
    let r = upload(&mut c, "file_name=list.csv&dry_run=false", good.clone())
        .await
        .json();
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(
        (&r["added"], &r["households_added"]),
        (&json!(3), &json!(2))
    );
    assert!(r["import_id"].is_i64());
    assert_eq!(db.store.count_persons().await.unwrap(), 3);
    let r = upload(&mut c, "file_name=list.csv", good.clone())
        .await
        .json();
    assert_eq!((&r["added"], &r["skipped"]), (&json!(0), &json!(3)), "{r}");
    assert!(r["previous"]["import_id"].is_i64());
    assert_eq!(db.store.count_persons().await.unwrap(), 3);
    let found = c
        .get(&format!("/api/v1/persons?{}", q("บัวผัน")))
        .await
        .json();
    assert_eq!(
        strings(&found["items"][0]["categories"]),
        ["elderly", "poor"]
    );

    // Headers nobody recognises: the missing fields are named; a map and a default village fix it.
    let odd = "a,b,x\nมานี,มีนา,1\n";
    let res = upload(&mut c, "file_name=odd.csv", odd).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["first_name", "village_code"]);
    let res = upload(
        &mut c,
        "file_name=odd.csv&dry_run=true&default_village=55010102&map=0%3Dfirst_name%2C1%3Dlast_name",
        odd,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["added"], 1);
    let res = upload(&mut c, "map=0%3Dshoe_size", odd).await;
    assert_eq!(res.json()["errors"][0]["field"], "map");
    let res = upload(&mut c, "file_name=empty.csv", "").await;
    assert_eq!(res.json()["errors"][0]["field"], "file");

    // Larger than the default 2 MiB body limit is fine for this route.
    let big = format!(
        "ชื่อ,รหัสหมู่บ้าน,หมายเหตุ\nใหญ่,55010101,{}\n",
        "x".repeat(3 << 20)
    );
    let res = upload(&mut c, "file_name=big.csv&dry_run=true", big).await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "{}",
        &res.body[..200.min(res.body.len())]
    );
    assert_eq!(res.json()["added"], 1);

    // Beyond the route's own limit: 413, in the error shape.
    let res = upload(&mut c, "file_name=huge.csv", vec![b'a'; (64 << 20) + 1]).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json()["errors"][0]["code"], "payload_too_large");

    // An operator may not import.
    let (mut op, _) = token_client(&db, "op@example.org", Role::Operator, Some("55010101")).await;
    let res = upload(&mut op, "file_name=list.csv&dry_run=true", good).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}

/// Every number in a dashboard JSON (`n` of totals and cells), with the hidden reasons.
fn cells(d: &Value) -> (Vec<u64>, Vec<String>) {
    let mut shown = Vec::new();
    let mut hidden = Vec::new();
    let rows = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d["totals"].as_object().map(|_| &d["totals"]));
    for r in rows {
        for cell in r["cells"].as_array().unwrap().iter().chain([&r["total"]]) {
            match (&cell["n"], &cell["hidden"]) {
                (Value::Number(n), Value::Null) => shown.push(n.as_u64().unwrap()),
                (Value::Null, Value::String(why)) => hidden.push(why.clone()),
                other => panic!("bad cell {other:?}"),
            }
        }
    }
    (shown, hidden)
}

async fn public_dashboard_is_anonymous_and_suppressed(db: TestDb) {
    let s = &db.store;
    villages(s).await;
    let cli = Actor::command_line();
    let mut secrets = Vec::new();
    // Village 1: 12 persons; village 2: 3 (a small count).
    for (village, n) in [("55010101", 12), ("55010102", 3)] {
        for i in 0..n {
            let first = format!("ลับ{village}x{i}");
            let number = complete_id(&format!("3{}{:03}", &village[..8], i));
            let mut p = person(&first, "นามสกุลลับ", village);
            p.id_number = Some(number.clone());
            p.id_kind = ruamjai_domain::registry::IdKind::Citizen;
            s.create_person(&cli, p, vec![], None, &Default::default())
                .await
                .unwrap();
            secrets.push(first);
            secrets.push(number);
        }
    }
    s.refresh_counts().await.unwrap();

    let mut anon = Client::new(&db);
    let mut all_hidden = Vec::new();
    for area in [
        "",
        "?area=55",
        "?area=5501",
        "?area=550101",
        "?area=55010102",
    ] {
        let res = anon.get(&format!("/api/v1/public/dashboard{area}")).await;
        assert_eq!(res.status, StatusCode::OK, "{area}: {}", res.body);
        let d = res.json();
        assert_eq!(d["public"], true);
        assert!(d["as_of"].is_string());
        for secret in &secrets {
            assert!(!res.body.contains(secret.as_str()), "{area} shows {secret}");
        }
        for key in ["id_number", "first_name", "last_name", "\"name\"", "hiv"] {
            assert!(!res.body.contains(key), "{area} has {key}");
        }
        let (shown, hidden) = cells(&d);
        assert!(
            shown.iter().all(|n| *n == 0 || *n >= 10),
            "{area}: small count shown in {shown:?}"
        );
        all_hidden.extend(hidden);
    }
    assert!(all_hidden.iter().any(|h| h == "small"), "{all_hidden:?}");
    // Signed-in callers see the exact figures the public page hides.
    let (mut staff, _) = token_client(&db, "staff@example.org", Role::Staff, Some("55")).await;
    let d = staff.get("/api/v1/dashboard?area=550101").await.json();
    let (shown, hidden) = cells(&d);
    assert!(shown.contains(&3), "{shown:?}");
    assert!(hidden.is_empty());
    // An unknown area is 404 on both.
    assert_eq!(
        anon.get("/api/v1/public/dashboard?area=99").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        staff.get("/api/v1/dashboard?area=10").await.status,
        StatusCode::NOT_FOUND
    );
}

fn assert_localised(res: &Res, lang: Lang) -> Vec<(String, String)> {
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let generic = lang.error("invalid");
    let mut out = Vec::new();
    for e in res.json()["errors"].as_array().unwrap() {
        let field = e["field"]
            .as_str()
            .unwrap_or_else(|| panic!("no field: {e}"));
        let code = e["code"].as_str().unwrap();
        let message = e["message"].as_str().unwrap();
        assert!(!field.is_empty());
        assert_eq!(message, lang.error(code), "{code}");
        assert!(
            code == "invalid" || message != generic,
            "{code} has no message of its own"
        );
        let thai = message
            .chars()
            .any(|c| ('\u{0e00}'..='\u{0e7f}').contains(&c));
        assert_eq!(thai, lang == Lang::Th, "{message}");
        out.push((field.to_owned(), code.to_owned()));
    }
    out
}

async fn field_errors_are_named_and_localised(db: TestDb) {
    villages(&db.store).await;
    let (mut c, _) = token_client(&db, "staff@example.org", Role::Staff, Some("55")).await;
    // Staff may not import (403 before anything is read): an area admin's slips are named.
    let (mut importer, _) =
        token_client(&db, "importer@example.org", Role::AreaAdmin, Some("55")).await;
    let id = create(
        &mut c,
        json!({"first_name": "ดี", "village_code": "55010101"}),
    )
    .await;
    let bad = json!({
        "first_name": " ", "id_kind": "citizen", "id_number": "1101700230709",
        "sex": "x", "birth_date": "31/02/2490", "phone": "12", "village_code": "550101",
        "lat": "100.7", "lon": "18.7", "status": "deceased",
        "categories": [{"category": "elderly"}, {"category": "poor", "disability_type": "physical"}],
    });
    let mut by_lang = Vec::new();
    for lang in [None, Some("en")] {
        c.accept_language = lang;
        let res = c.json("POST", "/api/v1/persons", bad.clone()).await;
        let want = if lang.is_some() { Lang::En } else { Lang::Th };
        let got = assert_localised(&res, want);
        for pair in [
            ("first_name", "required"),
            ("id_number", "id_check_digit"),
            ("sex", "invalid_choice"),
            ("birth_date", "date_invalid"),
            ("phone", "phone_invalid"),
            ("village_code", "not_a_village"),
            ("lat", "outside_thailand"),
            ("status_date", "required"),
            ("category", "category_derived"),
            ("disability_type", "only_for_disabled"),
        ] {
            assert!(
                got.contains(&(pair.0.into(), pair.1.into())),
                "{pair:?} missing in {got:?}"
            );
        }
        by_lang.push(got);
    }
    assert_eq!(by_lang[0], by_lang[1]);
    assert_eq!(db.store.count_persons().await.unwrap(), 1);

    // The same holds for the other inputs of the registry.
    let url = format!("/api/v1/persons/{id}");
    for lang in [Lang::Th, Lang::En] {
        c.accept_language = (lang == Lang::En).then_some("en");
        let res = c
            .json(
                "POST",
                &format!("{url}/consents"),
                json!({"purpose": "fun", "basis": "", "given_on": "2490"}),
            )
            .await;
        let got = assert_localised(&res, lang);
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["purpose", "basis", "given_by", "given_on"]);
        let res = c
            .json("POST", &format!("{url}/dispute"), json!({"note": "  "}))
            .await;
        assert_eq!(
            assert_localised(&res, lang),
            [("note".into(), "required".into())]
        );
        let res = c
            .json(
                "POST",
                &format!("{url}/attestations"),
                json!({"role": "mayor", "signer_name": "ก"}),
            )
            .await;
        assert_eq!(
            assert_localised(&res, lang),
            [("role".into(), "invalid_choice".into())]
        );
        let res = c
            .json(
                "PUT",
                &url,
                json!({"version": 1, "first_name": "ดี", "village_code": "55010101",
                    "birth_date": "2700"}),
            )
            .await;
        assert_eq!(assert_localised(&res, lang)[0].0, "birth_date");
        importer.accept_language = c.accept_language;
        let res = upload(&mut importer, "map=9%3Dfirst_name", "ชื่อ\nก\n").await;
        assert_eq!(assert_localised(&res, lang)[0].0, "map");
    }
}
