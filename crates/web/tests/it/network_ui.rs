//! The network pages through the browser-facing routes: who may see volunteers, forms that
//! name their fields, the college flow, and the public certificate check.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_store::areas::NewVillage;
use ruamjai_store::testing::{TestDb, code, user_with_role};

use crate::{Client, Res, both, token_client};

both!(
    accounts_link_through_the_pages,
    lists_upload_checked_then_imported,
    the_api_adds_and_matches_volunteers,
    volunteers_are_seen_in_scope_only,
    the_college_flow_issues_a_certificate_anyone_can_check,
);

async fn villages(db: &TestDb) {
    for (sub, no) in [("550101", 1), ("550202", 1)] {
        db.store
            .create_village(
                &Actor::command_line(),
                &code(sub),
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
}

fn id_from(location: &str) -> String {
    location
        .split(['/', '#'])
        .rfind(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
        .unwrap()
        .to_owned()
}

async fn volunteers_are_seen_in_scope_only(db: TestDb) {
    villages(&db).await;
    user_with_role(&db.store, "staff@example.org", Role::Staff, Some("5501")).await;
    user_with_role(&db.store, "other@example.org", Role::Staff, Some("5502")).await;
    user_with_role(&db.store, "viewer@example.org", Role::Viewer, Some("55")).await;
    let mut staff = Client::new(&db);
    staff.login("staff@example.org").await;

    // A bad form: every error next to its field, nothing stored.
    let res = staff
        .post_form(
            "/volunteers",
            &[
                ("first_name", ""),
                ("kind", "vhv"),
                ("area_code", "55010101"),
                ("availability", "whenever"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["first_name-error", "availability-error"] {
        assert!(res.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // Outside the staff's district: refused on the area field.
    let res = staff
        .post_form(
            "/volunteers",
            &[
                ("first_name", "นอก"),
                ("kind", "vhv"),
                ("area_code", "55020201"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"area_code-error\""));
    let res = staff
        .post_form(
            "/volunteers",
            &[
                ("first_name", "บุญมี"),
                ("last_name", "ใจงาม"),
                ("kind", "vhv"),
                ("area_code", "55010101"),
                ("skills", "first_aid"),
                ("skills", "driving"),
                ("languages", "th"),
                ("languages", "hmn"),
                ("availability", "always"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let path = res.location().to_owned();
    let page = staff.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("บุญมี ใจงาม"));
    assert!(page.body.contains("data-skill=\"first_aid\""));
    assert!(page.body.contains("data-skill=\"driving\""));
    assert!(page.body.contains("ม้ง"));

    // Editing: the form comes filled; a stale version is refused.
    let edit = staff.get(&format!("{path}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"บุญมี\""));
    assert!(edit.body.contains("name=\"version\" value=\"1\""));
    let fields = [
        ("version", "1"),
        ("first_name", "บุญมี"),
        ("last_name", "ใจงาม"),
        ("kind", "caregiver"),
        ("area_code", "55010101"),
        ("skills", "first_aid"),
        ("active", "true"),
    ];
    let res = staff.post_form(&format!("{path}/edit"), &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = staff.post_form(&format!("{path}/edit"), &fields).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "version 1 is stale now"
    );
    let page = staff.get(&path).await;
    assert!(page.body.contains("ผู้ดูแลผู้สูงอายุ (CG)"), "the kind changed");
    assert!(!page.body.contains("ไม่ได้ปฏิบัติงานแล้ว"), "still active");
    assert!(
        !page.body.contains("data-skill=\"driving\""),
        "declared skills replaced"
    );

    // Hours given add up on the page.
    let res = staff
        .post_form(
            &format!("{path}/hours"),
            &[
                ("date", "20/11/2569"),
                ("hours", "2.5"),
                ("activity", "เยี่ยมบ้าน"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = staff.get(&path).await;
    assert!(
        page.body.contains("data-testid=\"hours-total\">2.5<"),
        "{}",
        page.body
    );
    let res = staff
        .post_form(
            &format!("{path}/hours"),
            &[("date", "20/11/2569"), ("hours", "30"), ("activity", "x")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"hours-error\""));

    // Another district's staff: the volunteer does not exist; the list is empty.
    let mut other = Client::new(&db);
    other.login("other@example.org").await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    assert!(!other.get("/volunteers").await.body.contains("บุญมี"));
    // A viewer sees the network dashboard (aggregates), not volunteers.
    let mut viewer = Client::new(&db);
    viewer.login("viewer@example.org").await;
    assert_eq!(
        viewer.get("/volunteers").await.status,
        StatusCode::NOT_FOUND
    );
    let dash = viewer.get("/network").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(!dash.body.contains("บุญมี"));
    assert!(
        dash.body.contains("ปฐมพยาบาล"),
        "first aid is covered in one village"
    );
}

async fn the_college_flow_issues_a_certificate_anyone_can_check(db: TestDb) {
    villages(&db).await;
    user_with_role(&db.store, "college@example.org", Role::Staff, Some("5501")).await;
    let mut c = Client::new(&db);
    c.login("college@example.org").await;
    let v = c
        .post_form(
            "/volunteers",
            &[
                ("first_name", "สมใจ"),
                ("last_name", "รักถิ่น"),
                ("kind", "caregiver"),
                ("area_code", "55010101"),
            ],
        )
        .await;
    let volunteer = id_from(v.location());
    let res = c
        .post_form(
            "/college",
            &[
                ("title_th", "การดูแลผู้ป่วยติดเตียง"),
                ("area_code", "5501"),
                ("skills", "bedridden_care"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let course = id_from(res.location());
    let res = c
        .post_form(
            &format!("/college/courses/{course}"),
            &[("date", "11/2569"), ("place", "x")],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a month is not a date"
    );
    assert!(res.body.contains("id=\"date-error\""));
    let res = c
        .post_form(
            &format!("/college/courses/{course}"),
            &[("date", "20/11/2569"), ("place", "วัดภูมินทร์")],
        )
        .await;
    let session = id_from(res.location());
    let res = c
        .post_form(
            &format!("/college/sessions/{session}"),
            &[("volunteer_id", &volunteer)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = c.get(&format!("/college/sessions/{session}")).await;
    let enrolment = page
        .body
        .split("/college/enrolments/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    // Completing before attendance is refused with a message; then it works.
    let complete = format!("/college/enrolments/{enrolment}/complete");
    let res = c
        .post_form(
            &complete,
            &[("date", "20/11/2569"), ("session_id", &session)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("บันทึกการเข้าร่วมก่อน"));
    c.post_form(
        &format!("/college/enrolments/{enrolment}/attendance"),
        &[("attended", "true"), ("session_id", &session)],
    )
    .await;
    let res = c
        .post_form(
            &complete,
            &[("date", "20/11/2569"), ("session_id", &session)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = c.get(&format!("/college/sessions/{session}")).await;
    let code = page
        .body
        .split("data-testid=\"certificate-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let vpage = c.get(&format!("/volunteers/{volunteer}")).await;
    assert!(vpage.body.contains("data-skill=\"bedridden_care\""));

    // Anyone checks it, without an account.
    let mut anyone = Client::new(&db);
    let res = anyone
        .get(&format!("/verify?code={}", code.to_lowercase()))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("data-testid=\"verify-ok\""));
    assert!(res.body.contains("สมใจ รักถิ่น"));
    assert!(res.body.contains("การดูแลผู้ป่วยติดเตียง"));
    assert!(!res.body.contains("55010101"));
    let res = anyone.get("/verify?code=ABCDE-FGHJK").await;
    assert!(res.body.contains("data-testid=\"verify-bad\""));
    // The printable certificate is for those who run the course.
    assert_eq!(
        anyone
            .get(&format!("/college/enrolments/{enrolment}/certificate"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let paper = c
        .get(&format!("/college/enrolments/{enrolment}/certificate"))
        .await;
    assert!(paper.body.contains(&code));
}

async fn the_api_adds_and_matches_volunteers(db: TestDb) {
    villages(&db).await;
    let (mut c, _) = token_client(&db, "api@example.org", Role::Staff, Some("5501")).await;
    let res = c
        .json(
            "POST",
            "/api/v1/volunteers",
            serde_json::json!({
                "first_name": "บุญมี", "kind": "vhv", "area_code": "55010101",
                "lat": 18.78, "lon": 100.77, "skills": ["first_aid"], "availability": "always"
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.json()["id"].as_i64().unwrap();
    // Every problem named by its field.
    let res = c
        .json(
            "POST",
            "/api/v1/volunteers",
            serde_json::json!({"kind": "wizard", "area_code": "55010101", "skills": ["juggling"]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["first_name", "kind", "skills"]);

    let res = c
        .get("/api/v1/volunteers/match?lat=18.781&lon=100.77&skills=first_aid&at=2026-11-23T12:00:00")
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let found = res.json();
    assert_eq!(found[0]["volunteer"]["id"].as_i64(), Some(id));
    assert_eq!(found[0]["distance_m"].as_f64(), Some(111.0));
    let res = c
        .get("/api/v1/volunteers/match?lat=18.781&lon=100.77&skills=driving")
        .await;
    assert_eq!(res.json().as_array().unwrap().len(), 0, "nobody drives");
    let res = c
        .get("/api/v1/volunteers/match?lat=95&lon=100&skills=x")
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    let res = c
        .json(
            "POST",
            &format!("/api/v1/volunteers/{id}/hours"),
            serde_json::json!({"date": "2026-11-20", "hours": 2.5, "activity": "เยี่ยมบ้าน"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let v = c.get(&format!("/api/v1/volunteers/{id}")).await.json();
    assert_eq!(v["hours_given"].as_f64(), Some(2.5));
    let d = c.get("/api/v1/network/dashboard?area=5501").await.json();
    assert_eq!(d["hours_by_month"][0], serde_json::json!(["2026-11", 2.5]));

    // Another district's token sees nothing of this volunteer.
    let (mut other, _) = token_client(&db, "api2@example.org", Role::Staff, Some("5502")).await;
    assert_eq!(
        other.get(&format!("/api/v1/volunteers/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = other
        .get("/api/v1/volunteers/match?lat=18.781&lon=100.77&skills=first_aid")
        .await;
    assert_eq!(res.json().as_array().unwrap().len(), 0);
    // A made-up certificate code: 404, no sign-in needed.
    let mut anyone = Client::new(&db);
    assert_eq!(
        anyone.get("/api/v1/certificates/ABCDE-FGHJK").await.status,
        StatusCode::NOT_FOUND
    );
}

/// POST the list-import form (multipart, CSRF token in the action's query string).
async fn upload_list(c: &mut Client, fields: &[(&str, &str)], csv: &str) -> Res {
    let boundary = "----ruamjaiListBoundary";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ));
    let token = c.cookies["ruamjai_csrf"].clone();
    c.send(
        Request::post(format!("/network/import?csrf={token}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn lists_upload_checked_then_imported(db: TestDb) {
    villages(&db).await;
    user_with_role(&db.store, "lists@example.org", Role::Staff, Some("5501")).await;
    let mut c = Client::new(&db);
    c.login("lists@example.org").await;
    assert_eq!(c.get("/network/import").await.status, StatusCode::OK);
    let csv = "ชื่อ,นามสกุล,ประเภท,เบอร์โทร\nบุญมี,ใจงาม,อสม.,0812345678\nสมพร,ดีงาม,นักบิน,\n";
    // The area comes from the form; a bad row is named, nothing written.
    let res = upload_list(&mut c, &[("kind", "volunteers"), ("area", "55010101")], csv).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("data-testid=\"list-import-errors\""));
    assert!(res.body.contains("บรรทัด 3"), "{}", res.body);
    assert!(
        !c.get("/volunteers").await.body.contains("บุญมี"),
        "nothing written"
    );
    let good = "ชื่อ,นามสกุล,ประเภท,เบอร์โทร\nบุญมี,ใจงาม,อสม.,0812345678\n";
    let res = upload_list(
        &mut c,
        &[
            ("kind", "volunteers"),
            ("area", "55010101"),
            ("dry_run", "1"),
        ],
        good,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        !c.get("/volunteers").await.body.contains("บุญมี"),
        "a dry run writes nothing"
    );
    let res = upload_list(
        &mut c,
        &[("kind", "volunteers"), ("area", "55010101")],
        good,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(c.get("/volunteers").await.body.contains("บุญมี ใจงาม"));
    // A header the importer does not know is mapped by hand.
    let csv = "ชื่อหน่วย,ภาคส่วน,ประเภทองค์กร\nวัดภูมินทร์,ศาสนา,วัด\n";
    let res = upload_list(
        &mut c,
        &[
            ("kind", "partners"),
            ("area", "550101"),
            ("map", "ชื่อหน่วย=name_th"),
        ],
        csv,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(c.get("/partners").await.body.contains("วัดภูมินทร์"));
    let res = upload_list(
        &mut c,
        &[
            ("kind", "partners"),
            ("area", "550101"),
            ("map", "ชื่อหน่วย=wings"),
        ],
        csv,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"file-error\""));
    // A required column missing is said before anything is read.
    let res = upload_list(&mut c, &[("kind", "partners")], "ชื่อองค์กร\nวัด\n").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"file-error\""));
}

async fn accounts_link_through_the_pages(db: TestDb) {
    villages(&db).await;
    user_with_role(&db.store, "aa@example.org", Role::AreaAdmin, Some("5501")).await;
    let (staff, _) = user_with_role(&db.store, "st@example.org", Role::Staff, Some("550101")).await;
    let mut c = Client::new(&db);
    c.login("aa@example.org").await;
    let res = c
        .post_form(
            "/partners",
            &[
                ("name_th", "โรงพยาบาลน่าน"),
                ("sector", "government"),
                ("org_type", "hospital"),
                ("area_code", "5501"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = c.get(&format!("/users/{}", staff.id)).await;
    let org = page
        .body
        .split("<option value=\"")
        .nth(2)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let res = c
        .post_form(
            &format!("/users/{}/organisation", staff.id),
            &[("organisation_id", &org)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = c.get(&format!("/users/{}", staff.id)).await;
    assert!(
        page.body
            .contains("data-testid=\"user-organisation\">โรงพยาบาลน่าน")
    );

    let v = c
        .post_form(
            "/volunteers",
            &[
                ("first_name", "สมใจ"),
                ("kind", "vhv"),
                ("area_code", "55010101"),
            ],
        )
        .await;
    let path = v.location().to_owned();
    let res = c
        .post_form(&format!("{path}/login"), &[("email", "nobody@example.org")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"email-error\""));
    let res = c
        .post_form(&format!("{path}/login"), &[("email", "st@example.org")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(c.get(&path).await.body.contains("มีบัญชีผู้ใช้ของตนเอง"));
}
