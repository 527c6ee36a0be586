//! Dashboards, the public figures page, imports (upload → mapping → dry run → run with
//! progress) and exports, through the browser-facing routes.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use ruamjai_domain::registry::ident::complete_id;
use ruamjai_domain::registry::{CategoryForm, PersonForm};
use ruamjai_store::Store;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::registry::today;
use ruamjai_store::testing::{TestDb, code, user_with_role};
use scraper::{Html, Selector};

use crate::{Client, Res, both};

both!(
    public_page_needs_no_login_and_hides_small_counts,
    dashboard_drills_down_from_province_to_district,
    only_importers_may_import,
    import_flow_from_upload_to_counted_persons,
    export_holds_only_the_readers_rows,
);

fn select(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attr(html: &str, css: &str, name: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(name).map(str::to_owned))
        .collect()
}

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
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    }
}

/// Register a person (born 2490 BE, so elderly) with a home location and categories.
async fn person(s: &Store, a: &Actor, first: &str, village: &str, cats: &[&str]) {
    let input = PersonForm {
        first_name: first.into(),
        last_name: "ใจดีมาก".into(),
        village_code: village.into(),
        birth_date: "2490".into(),
        lat: "18.78".into(),
        lon: "100.77".into(),
        ..Default::default()
    }
    .check(today())
    .unwrap();
    let cats = cats
        .iter()
        .map(|c| {
            CategoryForm {
                category: (*c).into(),
                ..Default::default()
            }
            .check(today())
            .unwrap()
        })
        .collect();
    s.create_person(a, input, cats, None, &RequestMeta::default())
        .await
        .unwrap();
}

/// Twelve persons in village 1, three (disabled) in village 2, one in the other district.
async fn registry(s: &Store) {
    villages(s).await;
    let a = Actor::command_line();
    for i in 0..12 {
        person(s, &a, &format!("หนึ่ง{i}"), "55010101", &[]).await;
    }
    for i in 0..3 {
        person(s, &a, &format!("สอง{i}"), "55010102", &["disabled"]).await;
    }
    person(s, &a, "นอกเขต", "55020201", &[]).await;
    s.refresh_counts().await.unwrap();
}

async fn public_page_needs_no_login_and_hides_small_counts(db: TestDb) {
    registry(&db.store).await;
    let mut c = Client::new(&db);
    let res = c.get("/public").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(select(&res.body, "tbody th a").contains(&"จังหวัดน่าน".to_owned()));
    let res = c.get("/public?area=550101").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        select(&res.body, "nav.crumbs li"),
        ["ข้อมูลสาธารณะ", "จังหวัดน่าน", "อำเภอเมืองน่าน", "ตำบลในเวียง"]
    );
    // Village 2 has three persons: hidden as "<10"; the legend explains both marks.
    let village2 = select(&res.body, "tr[data-code=\"55010102\"] td");
    assert_eq!(village2[0], "<10", "{village2:?}");
    let legend = select(&res.body, "dl.legend dt");
    assert_eq!(legend, ["<10", "–"]);
    assert!(res.body.contains("ข้อมูล ณ"));
    // Aggregates only: never a name.
    for name in ["หนึ่ง", "สอง", "ใจดีมาก", "นอกเขต"] {
        assert!(!res.body.contains(name), "{name} on the public page");
    }
    // Not a sensitive column, and no sign-in needed for any level.
    assert!(!res.body.contains("เอชไอวี"));
    assert_eq!(c.get("/public?area=55010101").await.status, StatusCode::OK);
    assert_eq!(c.get("/public?area=99").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/public?area=x").await.status, StatusCode::NOT_FOUND);
    // The dashboard itself needs a sign-in.
    let res = c.get("/dashboard").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"));
    // The map's tile host is allowed for images only.
    let csp = res.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("img-src 'self' data: https://tile.openstreetmap.org;"));
}

async fn dashboard_drills_down_from_province_to_district(db: TestDb) {
    registry(&db.store).await;
    user_with_role(&db.store, "admin@example.org", Role::Admin, None).await;
    let mut c = Client::new(&db);
    c.login("admin@example.org").await;
    let top = c.get("/dashboard").await;
    assert_eq!(top.status, StatusCode::OK, "{}", top.body);
    assert!(attr(&top.body, "tbody th a", "href").contains(&"/dashboard?area=55".to_owned()));
    let province = c.get("/dashboard?area=55").await;
    assert_eq!(select(&province.body, "h1"), ["จังหวัดน่าน"]);
    let links = attr(&province.body, "tbody th a", "href");
    assert!(
        links.contains(&"/dashboard?area=5501".to_owned()),
        "{links:?}"
    );
    let mueang = select(&province.body, "tr[data-code=\"5501\"] td");
    assert_eq!(mueang[0], "15", "{mueang:?}");
    let district = c.get("/dashboard?area=5501&cat=disabled").await;
    assert_eq!(select(&district.body, "h1"), ["อำเภอเมืองน่าน"]);
    assert_eq!(
        select(&district.body, "nav.crumbs li"),
        ["แดชบอร์ด", "จังหวัดน่าน", "อำเภอเมืองน่าน"]
    );
    // The chart keeps the chosen category; drill-down links keep it too.
    assert!(
        district
            .body
            .contains("<option value=\"disabled\" selected>")
    );
    assert!(
        attr(&district.body, "tbody th a", "href")
            .contains(&"/dashboard?area=550101&cat=disabled".to_owned())
    );
    let sub = c.get("/dashboard?area=550101").await;
    assert_eq!(select(&sub.body, "tfoot td")[0], "15");
    assert_eq!(select(&sub.body, "ul.bars .bar-label").len(), 2);
    // Village 1 has twelve located homes: a circle on the map (village 2 has too few).
    let points = attr(&sub.body, "#area-map", "data-points");
    assert_eq!(points.len(), 1);
    let points: serde_json::Value = serde_json::from_str(&points[0]).unwrap();
    assert_eq!(points.as_array().unwrap().len(), 1, "{points}");
    assert_eq!(points[0]["href"], "/dashboard?area=55010101");
    // A district admin's breadcrumbs do not link above the district; the province is 404.
    user_with_role(&db.store, "d@example.org", Role::AreaAdmin, Some("5501")).await;
    let mut d = Client::new(&db);
    d.login("d@example.org").await;
    let res = d.get("/dashboard").await;
    assert_eq!(select(&res.body, "tbody th a"), ["อำเภอเมืองน่าน"]);
    let res = d.get("/dashboard?area=550101").await;
    assert_eq!(
        attr(&res.body, "nav.crumbs a", "href"),
        ["/dashboard", "/dashboard?area=5501"]
    );
    assert_eq!(
        d.get("/dashboard?area=55").await.status,
        StatusCode::NOT_FOUND
    );
}

/// POST a file as `multipart/form-data` the way a browser without JavaScript sends the form
/// (CSRF token in the action's query string).
async fn upload(c: &mut Client, file_name: &str, content: &[u8]) -> Res {
    if !c.cookies.contains_key("ruamjai_csrf") {
        c.get("/login").await;
    }
    let boundary = "----ruamjaiTestBoundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let token = c.cookies["ruamjai_csrf"].clone();
    c.send(
        Request::post(format!("/import?csrf={token}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Submit the mapping form.
async fn check(c: &mut Client, job: &str, fields: &[(String, String)]) -> Res {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&**k, &**v)).collect();
    c.post_form(&format!("{job}/check"), &refs).await
}

async fn only_importers_may_import(db: TestDb) {
    villages(&db.store).await;
    user_with_role(
        &db.store,
        "op@example.org",
        Role::Operator,
        Some("55010101"),
    )
    .await;
    let mut c = Client::new(&db);
    c.login("op@example.org").await;
    for path in ["/import", "/export", "/export/download?format=csv"] {
        let res = c.get(path).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
    }
    let res = upload(&mut c, "list.csv", "ชื่อ\nสมศรี\n".as_bytes()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Without the token the upload is refused before anything is read.
    let mut anon = Client::new(&db);
    let res = anon
        .send(
            Request::post("/import")
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                .body(Body::from("--x--\r\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn import_flow_from_upload_to_counted_persons(db: TestDb) {
    villages(&db.store).await;
    user_with_role(&db.store, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let mut c = Client::new(&db);
    c.login("a@example.org").await;
    let form = c.get("/import").await;
    assert_eq!(form.status, StatusCode::OK);
    // An importer's upload with a forged token in the query is refused.
    let res = c
        .send(
            Request::post("/import?csrf=forged")
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                .body(Body::from("--x--\r\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    assert_eq!(
        attr(&form.body, "input[type=file]", "accept"),
        [".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    );
    // An empty upload is explained next to the file field.
    let res = upload(&mut c, "empty.csv", b"").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&res.body, "#file-error"), ["กรุณาเลือกไฟล์ที่จะนำเข้า"]);

    // Line 3 has no village code.
    let csv = format!(
        "เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน,กลุ่มเปราะบาง\n\
         {},นาง,สมศรี,ศรีสุข,15/03/2490,12,55010101,\"คนพิการ, ติดเตียง\"\n\
         ,นาย,ทองคำ,ใจมา,2485,12,,\n\
         ,นางสาว,บัวผัน,ปัญญาดี,1990-07-01,7/1,55010102,คนจน\n",
        complete_id("110170023070")
    );
    let res = upload(&mut c, "list.csv", csv.as_bytes()).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let job = res.location().to_owned();
    assert!(job.starts_with("/import/"), "{job}");

    // The mapping step: every column with its header, samples and a recognised field.
    let map = c.get(&job).await;
    assert_eq!(map.status, StatusCode::OK);
    let selected = attr(&map.body, "select option[selected]", "value");
    assert_eq!(
        selected,
        [
            "id_number",
            "prefix",
            "first_name",
            "last_name",
            "birth_date",
            "house_number",
            "village_code",
            "categories"
        ]
    );
    assert!(select(&map.body, "#col-2-samples")[0].contains("สมศรี · ทองคำ · บัวผัน"));
    assert!(select(&map.body, "[data-testid=run]").is_empty());
    let mapping: Vec<(String, String)> = selected
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("col-{i}"), f.clone()))
        .collect();
    let fields = |village: &str, change: Option<(usize, &str)>| {
        let mut f: Vec<(String, String)> = mapping.clone();
        if let Some((i, v)) = change {
            f[i].1 = v.to_owned();
        }
        f.push(("default_village".into(), village.into()));
        f
    };

    // A field chosen twice is named next to both selects; nothing is checked.
    let res = check(&mut c, &job, &fields("", Some((3, "first_name")))).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        select(&res.body, "#col-2-error"),
        ["เลือกคอลัมน์ให้ข้อมูลนี้มากกว่าหนึ่งคอลัมน์"]
    );
    assert_eq!(select(&res.body, "#col-3-error").len(), 1);
    assert!(!res.body.contains("id=\"report\""));

    // The dry run reports line 3 in Thai, and writes nothing.
    let res = check(&mut c, &job, &fields("", None)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        select(&res.body, "table.bad-rows tbody td:first-child"),
        ["3"]
    );
    assert_eq!(
        select(&res.body, "tr[data-line=\"3\"] li"),
        ["รหัสหมู่บ้าน: กรุณากรอกช่องนี้"]
    );
    assert_eq!(
        select(&res.body, "#col-6-problems"),
        ["แถวที่มีปัญหาในคอลัมน์นี้: 1"]
    );
    assert!(select(&res.body, "[data-testid=run]").is_empty());
    assert_eq!(db.store.count_persons().await.unwrap(), 0);
    // Running before a clean check does nothing.
    let res = c.post_form(&format!("{job}/run"), &[]).await;
    assert_eq!(res.location(), job);
    assert_eq!(db.store.count_persons().await.unwrap(), 0);

    // Fix: one village for rows without one. The dry run is clean; "import" appears.
    let res = check(&mut c, &job, &fields("55010101", None)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        select(&res.body, "table.bad-rows").is_empty(),
        "{}",
        res.body
    );
    assert_eq!(select(&res.body, "[data-testid=report-added]"), ["3"]);
    assert_eq!(select(&res.body, "[data-testid=report-households]"), ["2"]);
    assert_eq!(select(&res.body, "[data-testid=run]").len(), 1);
    assert!(res.body.contains("value=\"55010101\""));
    assert_eq!(db.store.count_persons().await.unwrap(), 0);

    // Someone else cannot see or run the job.
    user_with_role(&db.store, "b@example.org", Role::AreaAdmin, Some("5501")).await;
    let mut other = Client::new(&db);
    other.login("b@example.org").await;
    assert_eq!(other.get(&job).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.post_form(&format!("{job}/run"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("{job}/progress")).await.status,
        StatusCode::NOT_FOUND
    );

    // The run: the page polls the progress fragment until it is done.
    let res = c.post_form(&format!("{job}/run"), &[]).await;
    assert_eq!(res.location(), job);
    let page = c.get(&job).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(select(&page.body, "#import-progress").len(), 1);
    let started = Instant::now();
    let done = loop {
        let frag = c.get(&format!("{job}/progress")).await;
        assert_eq!(frag.status, StatusCode::OK);
        let state = attr(&frag.body, "#import-progress", "data-state");
        match state[0].as_str() {
            "running" => {
                assert!(frag.body.contains("hx-trigger=\"every 500ms\""));
                assert!(frag.body.contains(&format!("hx-get=\"{job}/progress\"")));
            }
            "done" => break frag,
            other => panic!("{other}: {}", frag.body),
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never done");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!done.body.contains("hx-trigger"));
    assert_eq!(select(&done.body, "[data-testid=added]"), ["3"]);
    assert_eq!(select(&done.body, "[data-testid=households]"), ["2"]);
    assert!(!select(&done.body, "[data-testid=import-id]")[0].is_empty());
    assert_eq!(db.store.count_persons().await.unwrap(), 3);
    // The persons are counted on the dashboard.
    let dash = c.get("/dashboard?area=550101").await;
    assert_eq!(select(&dash.body, "tfoot td")[0], "3");
    // A second run does nothing more.
    c.post_form(&format!("{job}/run"), &[]).await;
    assert_eq!(db.store.count_persons().await.unwrap(), 3);
}

async fn export_holds_only_the_readers_rows(db: TestDb) {
    registry(&db.store).await;
    user_with_role(&db.store, "s@example.org", Role::Staff, Some("5501")).await;
    let mut c = Client::new(&db);
    c.login("s@example.org").await;
    let page = c.get("/export").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(attr(&page.body, "main form", "method"), ["get"]);
    let res = c.get("/export/download?area=&category=&format=csv").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.starts_with('\u{feff}'),
        "a byte order mark for Excel"
    );
    assert!(
        res.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"ruamjai-persons-all-")
    );
    let lines: Vec<&str> = res.body.lines().collect();
    assert!(lines[0].ends_with("person_id,id_kind,id_number,prefix,first_name,last_name,sex,birth_date,age,phone,village_code,house_number,relation,lat,lon,status,status_date,verification,categories,updated_at"));
    assert_eq!(lines.len(), 1 + 15);
    assert!(res.body.contains("หนึ่ง0"));
    assert!(
        !res.body.contains("นอกเขต"),
        "outside the reader's district"
    );
    // Filtered by area and category.
    let res = c
        .get("/export/download?area=55010102&category=disabled&format=csv")
        .await;
    assert_eq!(res.body.lines().count(), 1 + 3);
    // XLSX is a zip workbook.
    let res = c.get("/export/download?area=5501&format=xlsx").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.starts_with("PK"));
    assert!(
        res.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    // Bad filters are explained next to their fields.
    let res = c.get("/export/download?area=55x&format=csv").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        select(&res.body, "#area-error"),
        ["รหัสพื้นที่ต้องเป็นตัวเลข 2, 4, 6 หรือ 8 หลัก"]
    );
    let res = c.get("/export/download?area=5502&format=csv").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&res.body, "#area-error"), ["ไม่พบรหัสพื้นที่นี้"]);
}
