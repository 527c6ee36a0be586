//! Care over HTTP: the sync API applies a visit once however often it comes, names the slips of
//! a bad one, keeps photos without their GPS, refuses what is not a photo; persons and photos
//! outside the caller's reach answer 404; the care page shows visits, chart and plan.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::registry::PersonForm;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::today;
use ruamjai_store::testing::{TestDb, code, user_with_role};

use crate::{Client, Res, both, token_client};

both!(
    visits_sync_once_and_photos_lose_their_gps,
    the_care_page_plans_and_groups_share,
    a_conflict_is_reviewed_side_by_side,
);

async fn setup(db: &TestDb) -> (i64, i64) {
    for no in [1, 2] {
        db.store
            .create_village(
                &Actor::command_line(),
                &code("550101"),
                NewVillage {
                    village_no: no,
                    name_th: format!("บ้านทดสอบ {no}"),
                    name_en: String::new(),
                },
                &RequestMeta::default(),
            )
            .await
            .unwrap();
    }
    let (_, admin) = user_with_role(&db.store, "admin@example.org", Role::Admin, None).await;
    let mut ids = Vec::new();
    for (name, village) in [("สมศรี", "55010101"), ("บุญมา", "55010102")] {
        let p = PersonForm {
            first_name: name.into(),
            last_name: "ทดสอบ".into(),
            village_code: village.into(),
            birth_date: "2480".into(),
            ..Default::default()
        }
        .check(today())
        .unwrap();
        ids.push(
            db.store
                .create_person(&admin, p, vec![], None, &RequestMeta::default())
                .await
                .unwrap(),
        );
    }
    (ids[0], ids[1])
}

fn visit(id: &str, person: i64, systolic: &str) -> serde_json::Value {
    serde_json::json!({
        "op_id": id, "client_id": id, "person_id": person, "base_version": null,
        "visited_at": chrono::Utc::now().to_rfc3339(), "lat": "18.78", "lon": 100.77,
        "vitals": {"systolic": systolic, "diastolic": 85, "pulse": "72"},
        "adl": {"feeding": "2", "grooming": "1", "transfer": "3", "toilet": "2", "mobility": "3",
                "dressing": "2", "stairs": "2", "bathing": "1", "bowels": "2", "bladder": "2"},
        "needs": ["food"], "needs_note": "", "notes": "ทดสอบ"
    })
}

/// A JPEG from the image crate with an EXIF segment holding GPS latitude 18°47'N spliced in
/// after its start marker (as a phone camera writes it).
fn jpeg_with_gps() -> Vec<u8> {
    let img = image::RgbImage::from_fn(80, 60, |x, y| image::Rgb([x as u8 * 3, y as u8 * 4, 120]));
    let mut plain = std::io::Cursor::new(Vec::new());
    img.write_to(&mut plain, image::ImageFormat::Jpeg).unwrap();
    let plain = plain.into_inner();
    let mut tiff: Vec<u8> = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        t.extend(tag.to_le_bytes());
        t.extend(kind.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(value);
    };
    // IFD0 at 8: one entry, the GPS IFD pointer (to 26).
    tiff.extend(1u16.to_le_bytes());
    entry(&mut tiff, 0x8825, 4, 1, 26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD at 26: latitude reference and latitude (three rationals at 56).
    tiff.extend(2u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, 5, 3, 56u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len(), 56);
    for (n, d) in [(18u32, 1u32), (47, 1), (0, 1)] {
        tiff.extend(n.to_le_bytes());
        tiff.extend(d.to_le_bytes());
    }
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    let mut out = plain[..2].to_vec();
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn has_gps(bytes: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .map(|e| {
            e.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_some()
        })
        .unwrap_or(false)
}

async fn upload(c: &mut Client, visit: &str, photo_id: &str, bytes: &[u8]) -> Res {
    let boundary = "----ruamjai-test-boundary";
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo_id\"\r\n\r\n{photo_id}\r\n"
        )
        .as_bytes(),
    );
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    c.send(
        Request::post(format!("/api/v1/sync/visits/{visit}/photos"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn visits_sync_once_and_photos_lose_their_gps(db: TestDb) {
    let (mine, theirs) = setup(&db).await;
    let (mut op, _) = token_client(&db, "op@example.org", Role::Operator, Some("55010101")).await;
    let (mut op2, _) = token_client(&db, "op2@example.org", Role::Operator, Some("55010102")).await;
    let id = "5d1e0c3a-7a4b-4d6e-9f00-000000000001";

    // The same visit twice in one batch, a bad one beside it, another person out of reach.
    let res = op
        .json(
            "POST",
            "/api/v1/sync/visits",
            serde_json::json!({"visits": [
                visit(id, mine, "150"),
                visit(id, mine, "150"),
                visit("5d1e0c3a-7a4b-4d6e-9f00-000000000002", mine, "999"),
                visit("5d1e0c3a-7a4b-4d6e-9f00-000000000003", theirs, "120"),
            ]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let r = res.json();
    let statuses: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied", "duplicate", "invalid", "not_found"]);
    assert_eq!(r["results"][2]["errors"][0]["field"], "systolic");
    assert!(
        !r["results"][2]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // Sent again later (a lost answer): still once.
    let again = op
        .json(
            "POST",
            "/api/v1/sync/visits",
            serde_json::json!({"visits": [visit(id, mine, "150")]}),
        )
        .await;
    assert_eq!(again.json()["results"][0]["status"], "duplicate");
    let listed = op
        .get(&format!("/api/v1/persons/{mine}/visits"))
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["adl_total"], 20);
    assert_eq!(listed["items"][0]["flags"][0], "bp_high:attention");

    // A photo with GPS in its EXIF comes back with none.
    let original = jpeg_with_gps();
    assert!(has_gps(&original), "the test photo carries GPS");
    let res = upload(
        &mut op,
        id,
        "5d1e0c3a-7a4b-4d6e-9f00-0000000000f1",
        &original,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let photo = res.json()["id"].as_i64().unwrap();
    let again = upload(
        &mut op,
        id,
        "5d1e0c3a-7a4b-4d6e-9f00-0000000000f1",
        &original,
    )
    .await;
    assert_eq!(
        (again.status, again.json()["id"].as_i64()),
        (StatusCode::OK, Some(photo))
    );
    let mut browser = Client::new(&db);
    browser.login("op@example.org").await;
    let got = browser
        .send(
            Request::get(format!("/photos/{photo}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers[header::CONTENT_TYPE], "image/jpeg");
    assert!(
        got.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    // (Read as bytes: the body went through from_utf8_lossy, so fetch it raw once more.)
    let raw = db
        .store
        .photo(
            &db.store.actor(1).await.unwrap(),
            photo,
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    assert!(!has_gps(&raw), "GPS removed");
    assert!(!raw.windows(6).any(|w| w == b"Exif\0\0"), "no EXIF at all");

    // Not a photo, or too big: a clear error on the field, nothing stored.
    let res = upload(
        &mut op,
        id,
        "5d1e0c3a-7a4b-4d6e-9f00-0000000000f2",
        b"%PDF-1.7",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "photo");
    assert_eq!(res.json()["errors"][0]["code"], "not_an_image");
    let big = vec![0xFFu8; 13 * 1024 * 1024];
    let res = upload(&mut op, id, "5d1e0c3a-7a4b-4d6e-9f00-0000000000f3", &big).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["errors"][0]["code"], "photo_too_large");
    let huge = vec![0xFFu8; 17 * 1024 * 1024];
    let res = upload(&mut op, id, "5d1e0c3a-7a4b-4d6e-9f00-0000000000f4", &huge).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let listed = op
        .get(&format!("/api/v1/persons/{mine}/visits"))
        .await
        .json();
    assert_eq!(listed["items"][0]["photos"].as_array().unwrap().len(), 1);

    // The other village's operator reaches neither the visits nor the photo.
    assert_eq!(
        op2.get(&format!("/api/v1/persons/{mine}/visits"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut other = Client::new(&db);
    other.login("op2@example.org").await;
    assert_eq!(
        other.get(&format!("/photos/{photo}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        upload(
            &mut op2,
            id,
            "5d1e0c3a-7a4b-4d6e-9f00-0000000000f5",
            &original
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // My day: the person just assessed (ADL 20: socially active) is not due for a month.
    let day = op.get("/api/v1/care/my-visits").await;
    assert_eq!(day.status, StatusCode::OK, "{}", day.body);
    // Socially active persons without a plan are not on the village list.
    assert!(day.json()["items"].as_array().unwrap().is_empty());
}

async fn the_care_page_plans_and_groups_share(db: TestDb) {
    let (mine, _) = setup(&db).await;
    user_with_role(&db.store, "nurse@example.org", Role::Staff, Some("550101")).await;
    user_with_role(&db.store, "aa@example.org", Role::AreaAdmin, Some("5501")).await;
    user_with_role(&db.store, "ngo@example.org", Role::Staff, Some("5502")).await;
    let mut nurse = Client::new(&db);
    nurse.login("nurse@example.org").await;

    // A plan with a slip first: the error stands next to its field.
    let res = nurse
        .post_form(
            &format!("/persons/{mine}/plan"),
            &[("visit_every_days", "0"), ("summary", "ติดเตียง")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"visit_every_days-error\""));
    let res = nurse
        .post_form(
            &format!("/persons/{mine}/plan"),
            &[("visit_every_days", "7"), ("summary", "ติดเตียง")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = nurse
        .post_form(
            &format!("/persons/{mine}/plan/items"),
            &[("kind", "activity"), ("text", "จัดหาที่นอนลม")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = nurse.get(&format!("/persons/{mine}/care")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("จัดหาที่นอนลม"));
    assert!(page.body.contains("data-testid=\"plan-every\">7<"));

    // The NGO from another district: 404 until an issue group brings them in.
    let mut ngo = Client::new(&db);
    ngo.login("ngo@example.org").await;
    assert_eq!(
        ngo.get(&format!("/persons/{mine}/care")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut aa = Client::new(&db);
    aa.login("aa@example.org").await;
    let res = aa
        .post_form(
            "/groups",
            &[("name", "ผู้ป่วยติดเตียงในเมือง"), ("area_code", "5501")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let group = res.location().to_owned();
    let mine_s = mine.to_string();
    aa.post_form(&format!("{group}/members"), &[("email", "ngo@example.org")])
        .await;
    aa.post_form(&format!("{group}/persons"), &[("person_id", &mine_s)])
        .await;
    let seen = ngo.get(&group).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("สมศรี"));
    assert_eq!(
        ngo.get(&format!("/persons/{mine}/care")).await.status,
        StatusCode::OK
    );

    // Signing out tells the browser to clear the field app's data.
    let res = nurse.post_form("/logout", &[]).await;
    assert!(
        res.headers["clear-site-data"]
            .to_str()
            .unwrap()
            .contains("storage")
    );
}

async fn a_conflict_is_reviewed_side_by_side(db: TestDb) {
    let (mine, _) = setup(&db).await;
    let (mut op, _) = token_client(&db, "op@example.org", Role::Operator, Some("55010101")).await;
    let (mut nurse_api, _) =
        token_client(&db, "nurse@example.org", Role::Staff, Some("550101")).await;
    let id = "c0ffee00-1111-4222-8333-000000000001";
    let first = op
        .json(
            "POST",
            "/api/v1/sync/visits",
            serde_json::json!({"visits": [visit(id, mine, "150")]}),
        )
        .await;
    assert_eq!(first.json()["results"][0]["status"], "applied");
    let edit = |op_id: &str, notes: &str, systolic: &str| {
        let mut v = visit(id, mine, systolic);
        v["op_id"] = op_id.into();
        v["base_version"] = 1.into();
        v["notes"] = notes.into();
        serde_json::json!({ "visits": [v] })
    };
    let r = nurse_api
        .json(
            "POST",
            "/api/v1/sync/visits",
            edit("c0ffee00-1111-4222-8333-0000000000a1", "พยาบาลแก้", "150"),
        )
        .await;
    assert_eq!(r.json()["results"][0]["status"], "applied");
    let r = op
        .json(
            "POST",
            "/api/v1/sync/visits",
            edit("c0ffee00-1111-4222-8333-0000000000b1", "อสม.แก้", "160"),
        )
        .await;
    assert_eq!(r.json()["results"][0]["status"], "conflict");

    // The nurse sees what the proposal would change, and only that.
    let mut nurse = Client::new(&db);
    nurse.login("nurse@example.org").await;
    let page = nurse.get("/care/conflicts").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = scraper::Html::parse_document(&page.body);
    let rows: Vec<Vec<String>> = html
        .select(&scraper::Selector::parse("section[data-conflict] tbody tr").unwrap())
        .map(|tr| {
            tr.select(&scraper::Selector::parse("th, td").unwrap())
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][1..], ["150".to_owned(), "160".to_owned()]);
    assert_eq!(rows[1][1..], ["พยาบาลแก้".to_owned(), "อสม.แก้".to_owned()]);
    // The operator may not review.
    let mut osm = Client::new(&db);
    osm.login("op@example.org").await;
    assert_eq!(
        osm.get("/care/conflicts").await.status,
        StatusCode::NOT_FOUND
    );
    // Applied: the proposal becomes version 3.
    let action = html
        .select(&scraper::Selector::parse("section[data-conflict] form").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("action")
        .unwrap()
        .to_owned();
    let res = nurse.post_form(&action, &[("apply", "1")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let v = op
        .get(&format!("/api/v1/persons/{mine}/visits"))
        .await
        .json();
    assert_eq!(v["items"][0]["notes"], "อสม.แก้");
    assert_eq!(v["items"][0]["version"], 3);
    assert!(
        nurse
            .get("/care/conflicts")
            .await
            .body
            .contains("data-testid=\"conflicts-none\"")
    );
}
