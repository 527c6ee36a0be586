//! Disaster watch through the pages: a station set up (a slip in its thresholds first), a
//! reading sent twice from one form landing once and raising its alerts, a slip refused next
//! to its field, an alert acknowledged — and nothing of another district.

use axum::http::StatusCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::testing::{TestDb, code, user_with_role};

use axum::body::Body;
use axum::http::{Request, header};

use crate::{Client, Res, both, token_client};

both!(
    a_station_its_readings_and_their_alerts,
    a_sensor_pushes_readings_through_the_api_once_each,
    zones_import_whole_and_their_evacuation_list_stays_in_scope,
);

/// A village in each of two districts (Mueang Nan, Wiang Sa).
async fn villages(db: &TestDb) {
    for sub in ["550101", "550202"] {
        db.store
            .create_village(
                &Actor::command_line(),
                &code(sub),
                NewVillage {
                    village_no: 1,
                    name_th: "บ้านริมน้ำ".into(),
                    name_en: String::new(),
                },
                &RequestMeta::default(),
            )
            .await
            .unwrap();
    }
}

async fn a_station_its_readings_and_their_alerts(db: TestDb) {
    villages(&db).await;
    user_with_role(&db.store, "staff@example.org", Role::Staff, Some("5501")).await;
    user_with_role(
        &db.store,
        "op@example.org",
        Role::Operator,
        Some("55010101"),
    )
    .await;
    user_with_role(&db.store, "other@example.org", Role::Staff, Some("5502")).await;
    let mut staff = Client::new(&db);
    staff.login("staff@example.org").await;

    let station = |watch: &'static str| {
        [
            ("name", "สถานีวัดระดับน้ำน่าน"),
            ("kind", "water_level"),
            ("village_code", "55010101"),
            ("watch", watch),
            ("warning", "4"),
            ("danger", "5"),
        ]
    };
    let res = staff.post_form("/hazards/stations", &station("4.5")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"warning-error\""), "{}", res.body);
    let res = staff.post_form("/hazards/stations", &station("3")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let stations = db
        .store
        .stations(&Actor::command_line(), None)
        .await
        .unwrap();
    assert_eq!(stations.len(), 1);
    let id = stations[0].id;

    // The volunteer of the village reads the gauge; the form is sent twice.
    let mut op = Client::new(&db);
    op.login("op@example.org").await;
    let page = op.get("/hazards").await;
    assert_eq!(page.status, StatusCode::OK);
    let op_id = page
        .body
        .split("name=\"op_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let path = format!("/hazards/stations/{id}/readings");
    for _ in 0..2 {
        let res = op
            .post_form(&path, &[("op_id", &op_id), ("value", "4.3")])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    let alerts = db
        .store
        .alerts(&Actor::command_line(), None, false, 10)
        .await
        .unwrap();
    assert_eq!(alerts.len(), 2, "watch and warning, once");
    let page = op.get("/hazards").await;
    assert!(page.body.contains("4.3 m"));
    assert_eq!(page.body.matches("data-alert=").count(), 2);

    // A slip: refused next to the field, nothing written.
    let res = op
        .post_form(&path, &[("op_id", "another"), ("value", "470")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains(&format!("id=\"value-{id}-error\"")));
    assert!(res.body.contains("value=\"470\""));

    // Acknowledged by the volunteer: off the open list.
    let res = op
        .post_form(&format!("/hazards/alerts/{}/ack", alerts[0].id), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        op.get("/hazards").await.body.matches("data-alert=").count(),
        1
    );

    // The staff open an incident from the remaining alert (twice: one incident), then one by
    // hand with a slip first, and close the first.
    for _ in 0..2 {
        let res = staff
            .post_form(&format!("/hazards/alerts/{}/incident", alerts[1].id), &[])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    let page = staff.get("/hazards").await;
    assert_eq!(page.body.matches("<li id=\"incident-").count(), 1);
    let res = staff
        .post_form(
            "/hazards/incidents",
            &[("kind", "flood"), ("area_code", "550101"), ("title", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"incident-title-error\""));
    assert!(
        !res.body.contains("id=\"name-error\""),
        "the station form stays clean"
    );
    let res = staff
        .post_form(
            "/hazards/incidents",
            &[
                ("kind", "flood"),
                ("area_code", "550101"),
                ("title", "น้ำท่วมในเวียง"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let incidents = db
        .store
        .incidents(&Actor::command_line(), false, 10)
        .await
        .unwrap();
    assert_eq!(incidents.len(), 2);
    let from_alert = incidents.iter().find(|i| i.alert_id.is_some()).unwrap().id;
    let res = staff
        .post_form(
            &format!("/hazards/incidents/{from_alert}/status"),
            &[("status", "closed")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        db.store
            .incidents(&Actor::command_line(), false, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Another district sees neither the station nor its alerts, and cannot write to them.
    let mut other = Client::new(&db);
    other.login("other@example.org").await;
    let page = other.get("/hazards").await;
    assert!(!page.body.contains("สถานีวัดระดับน้ำน่าน"));
    assert_eq!(
        other
            .post_form(&path, &[("op_id", "x"), ("value", "3")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .post_form(&format!("/hazards/alerts/{}/ack", alerts[1].id), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .post_form(
                &format!("/hazards/incidents/{from_alert}/status"),
                &[("status", "open")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn a_sensor_pushes_readings_through_the_api_once_each(db: TestDb) {
    db.store
        .create_village(
            &Actor::command_line(),
            &code("550101"),
            NewVillage {
                village_no: 1,
                name_th: "บ้านริมน้ำ".into(),
                name_en: String::new(),
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    let (_, staff) =
        user_with_role(&db.store, "staff@example.org", Role::Staff, Some("5501")).await;
    let input = ruamjai_domain::hazards::StationForm {
        name: "เครื่องวัดฝุ่น รพ.สต.".into(),
        kind: "pm25".into(),
        village_code: "55010101".into(),
        watch: "37.5".into(),
        warning: "75".into(),
        danger: "".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let id = db.store.create_station(&staff, &input).await.unwrap();
    let (mut sensor, _) =
        token_client(&db, "sensor@example.org", Role::Operator, Some("55010101")).await;
    let path = format!("/api/v1/stations/{id}/readings");
    let body =
        serde_json::json!({"op_id": "pm-0001", "value": 80, "observed_at": "2026-12-06T08:00"});
    let first = sensor.json("POST", &path, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(
        first.json()["raised"],
        serde_json::json!(["watch", "warning"])
    );
    let again = sensor.json("POST", &path, body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["duplicate"], true);
    assert_eq!(again.json()["reading_id"], first.json()["reading_id"]);
    // A slip names its field.
    let bad = sensor
        .json(
            "POST",
            &path,
            serde_json::json!({"op_id": "pm-0002", "value": "eighty"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"][0]["field"], "value");
    let alerts = sensor.get("/api/v1/alerts").await.json();
    assert_eq!(alerts["items"].as_array().unwrap().len(), 2);
    let stations = sensor.get("/api/v1/stations?area=5501").await.json();
    assert_eq!(stations["items"][0]["latest_value"], 80.0);
    assert_eq!(stations["items"][0]["level"], "warning");
    assert_eq!(stations["items"][0]["may_record"], true);
    // Someone who only sees the district sees the station, but may not enter its readings
    // (the field app lists only those it may).
    let (mut viewer, _) = token_client(&db, "viewer@example.org", Role::Viewer, Some("5501")).await;
    let seen = viewer.get("/api/v1/stations").await.json();
    assert_eq!(seen["items"][0]["id"], id);
    assert_eq!(seen["items"][0]["may_record"], false);
    // Outside the sensor's village: not found.
    let (mut elsewhere, _) = token_client(&db, "x@example.org", Role::Operator, Some("5502")).await;
    let res = elsewhere
        .json("POST", &path, serde_json::json!({"op_id": "x", "value": 1}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let ack = sensor
        .json(
            "POST",
            &format!("/api/v1/alerts/{}/acknowledge", alerts["items"][0]["id"]),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(ack.status, StatusCode::NO_CONTENT);
    assert_eq!(
        sensor.get("/api/v1/alerts").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// POST a GeoJSON file to the zone import form (multipart, CSRF token in the query string).
async fn upload_zones(c: &mut Client, area: &str, geojson: &str) -> Res {
    let boundary = "----ruamjaiZoneBoundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"area_code\"\r\n\r\n{area}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"zones.geojson\"\r\nContent-Type: application/geo+json\r\n\r\n{geojson}\r\n--{boundary}--\r\n"
    );
    let token = c.cookies["ruamjai_csrf"].clone();
    c.send(
        Request::post(format!("/hazards/zones/import?csrf={token}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn zones_import_whole_and_their_evacuation_list_stays_in_scope(db: TestDb) {
    villages(&db).await;
    user_with_role(&db.store, "staff@example.org", Role::Staff, Some("5501")).await;
    user_with_role(&db.store, "other@example.org", Role::Staff, Some("5502")).await;
    let mut staff = Client::new(&db);
    staff.login("staff@example.org").await;
    let square = r#"{"type":"Polygon","coordinates":[[[100.7,18.7],[100.8,18.7],[100.8,18.8],[100.7,18.8],[100.7,18.7]]]}"#;
    let open = r#"{"type":"Polygon","coordinates":[[[100.7,18.7],[100.8,18.7],[100.8,18.8],[100.7,18.8]]]}"#;
    let file = |second: &str| {
        format!(
            r#"{{"type":"FeatureCollection","features":[
              {{"type":"Feature","id":"valley","properties":{{"name":"ลุ่มน้ำน่าน","kind":"น้ำท่วม"}},"geometry":{square}}},
              {{"type":"Feature","id":"ridge","properties":{{"name":"สันเขา","kind":"landslide"}},"geometry":{second}}}]}}"#
        )
    };
    // A ring left open: refused whole, the feature named, nothing stored.
    let res = upload_zones(&mut staff, "5501", &file(open)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("รายการที่ 1 (id ridge)"), "{}", res.body);
    assert!(res.body.contains("ขอบเขตไม่ปิด"), "{}", res.body);
    assert!(res.body.contains("ยังไม่มีพื้นที่เสี่ยงภัย"), "nothing half-imported");
    let res = upload_zones(&mut staff, "5501", &file(square)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("data-testid=\"zones-imported\""));
    let list = staff.get("/hazards/zones").await;
    let id: i64 = list
        .body
        .split("href=\"/hazards/zones/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("a zone linked");
    // Its description: a slip comes back next to its field; then saved.
    let path = format!("/hazards/zones/{id}");
    let res = staff
        .post_form(&path, &[("name", " "), ("kind", "flood"), ("version", "1")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"name-error\""), "{}", res.body);
    let res = staff
        .post_form(
            &path,
            &[
                ("name", "ลุ่มน้ำน่านตอนบน"),
                ("kind", "flood"),
                ("severity", "high"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(staff.get(&path).await.body.contains("ลุ่มน้ำน่านตอนบน"));
    // Its evacuation list and CSV, and the map's layers.
    let page = staff.get(&format!("/hazards/zones/{id}/evacuation")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let csv = staff
        .get(&format!("/hazards/zones/{id}/evacuation.csv"))
        .await;
    assert!(
        csv.body.starts_with("\u{feff}order,priority,"),
        "{}",
        csv.body
    );
    let layers = staff.get("/map/layers.json?area=5501").await.json();
    assert_eq!(layers["zones"]["features"].as_array().unwrap().len(), 2);
    assert!(layers["persons"].is_array(), "staff may see persons");
    // The exported file imports back in place.
    let exported = staff.get("/hazards/zones.geojson?area=5501").await;
    let res = upload_zones(&mut staff, "5501", &exported.body).await;
    assert!(res.body.contains("แทนของเดิม: 2"), "{}", res.body);

    // Another district: the zone, its list and its CSV do not exist.
    let mut other = Client::new(&db);
    other.login("other@example.org").await;
    for path in [
        format!("/hazards/zones/{id}"),
        format!("/hazards/zones/{id}/evacuation"),
        format!("/hazards/zones/{id}/evacuation.csv"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Through the API: the zones as GeoJSON, the list as JSON; a viewer of the district sees
    // the zone but no person; a token of the other district gets 404.
    let (mut api, _) = token_client(&db, "app@example.org", Role::Staff, Some("5501")).await;
    let zones = api.get("/api/v1/zones?area=5501").await;
    assert_eq!(zones.headers[header::CONTENT_TYPE], "application/geo+json");
    assert_eq!(zones.json()["features"].as_array().unwrap().len(), 2);
    let list = api.get(&format!("/api/v1/zones/{id}/evacuation")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["persons_shown"], true);
    let (mut viewer, _) = token_client(&db, "viewer@example.org", Role::Viewer, Some("5501")).await;
    let seen = viewer
        .get(&format!("/api/v1/zones/{id}/evacuation"))
        .await
        .json();
    assert_eq!(seen["persons_shown"], false);
    // Nor does the map's persons layer show them any.
    let layers = viewer.get("/map/layers.json").await.json();
    assert!(layers["persons"].is_null(), "{layers}");
    assert_eq!(layers["zones"]["features"].as_array().unwrap().len(), 2);
    let (mut far, _) = token_client(&db, "far@example.org", Role::Staff, Some("5502")).await;
    let res = far.get(&format!("/api/v1/zones/{id}/evacuation")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Nor may they import into the first district.
    let res = upload_zones(&mut other, "5501", &file(square)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}
