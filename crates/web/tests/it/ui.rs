use axum::http::StatusCode;
use ruamjai_domain::auth::Role;
use ruamjai_store::testing::{TestDb, user_with_role};
use ruamjai_web::WebConfig;
use scraper::{Html, Selector};

use crate::{Client, both};

both!(
    login_drill_down_and_language_switch,
    forms_without_csrf_token_are_refused,
    wrong_password_is_explained_and_throttled,
    district_admin_pages_stop_at_the_district,
    village_form_shows_errors_next_to_fields,
    signed_in_answers_are_not_cached_and_https_is_kept,
);

fn select(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

async fn login_drill_down_and_language_switch(db: TestDb) {
    user_with_role(&db.store, "admin@example.org", Role::Admin, None).await;
    let mut c = Client::new(&db);
    let res = c.get("/areas").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login?next=%2Fareas");
    let res = c.login("admin@example.org").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(c.cookies.contains_key("ruamjai_session"));
    let res = c.get("/areas").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<html lang=\"th\">"));
    assert!(select(&res.body, "ul.cards a").contains(&"จังหวัดน่าน".to_owned()));
    let province = c.get("/areas/55").await;
    assert_eq!(select(&province.body, "h1"), ["จังหวัดน่าน"]);
    assert_eq!(select(&province.body, "ul.cards > li a").len(), 15);
    let sub = c.get("/areas/550101").await;
    assert_eq!(select(&sub.body, "h1"), ["ตำบลในเวียง"]);
    assert_eq!(
        select(&sub.body, "nav.crumbs li"),
        ["พื้นที่", "จังหวัดน่าน", "อำเภอเมืองน่าน", "ตำบลในเวียง"]
    );
    // Switch to English: remembered on the account.
    let res = c
        .post_form("/lang", &[("lang", "en"), ("next", "/areas/550101")])
        .await;
    assert_eq!(res.location(), "/areas/550101");
    let sub = c.get("/areas/550101").await;
    assert!(sub.body.contains("<html lang=\"en\">"));
    assert_eq!(select(&sub.body, "h1"), ["Nai Wiang Subdistrict"]);
    let u = db
        .store
        .user_by_email("admin@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.locale, "en");
    // Live search fragment.
    let frag = c.get("/areas/search?q=nan").await;
    assert!(
        select(&frag.body, "a").contains(&"Nan Province".to_owned()),
        "{}",
        frag.body
    );
    c.post_form("/lang", &[("lang", "th"), ("next", "/areas")])
        .await;
    assert!(c.get("/areas").await.body.contains("<html lang=\"th\">"));
    // Sign out: the session no longer works.
    let res = c.post_form("/logout", &[]).await;
    assert_eq!(res.location(), "/login");
    assert_eq!(c.get("/areas").await.status, StatusCode::SEE_OTHER);
    // An unknown page is a localised 404 page, not an empty answer.
    let missing = c.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("ไม่พบ"));
    // Security headers on pages.
    let login = c.get("/login").await;
    assert!(login.headers.get("content-security-policy").is_some());
    assert_eq!(
        login.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert!(login.headers.get("x-request-id").is_some());
    assert!(
        login.headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("microphone=()")
    );
    // Served over plain HTTP here: no HSTS (it would lock a test or LAN set-up out).
    assert!(login.headers.get("strict-transport-security").is_none());
}

/// Pages a signed-in caller gets are not kept by browsers or proxies (they show personal
/// data); public pages and assets may be; over HTTPS, browsers are told to stay on HTTPS.
async fn signed_in_answers_are_not_cached_and_https_is_kept(db: TestDb) {
    user_with_role(&db.store, "admin@example.org", Role::Admin, None).await;
    let mut c = Client::new(&db);
    assert!(c.get("/login").await.headers.get("cache-control").is_none());
    c.login("admin@example.org").await;
    for path in [
        "/persons",
        "/areas",
        "/dashboard",
        "/hazards",
        "/map/layers.json",
    ] {
        let res = c.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert_eq!(res.headers["cache-control"], "no-store", "{path}");
    }
    let asset = c.get("/assets/app.css").await;
    assert_eq!(asset.headers["cache-control"], "public, max-age=3600");
    let mut secure = Client::with_config(
        &db,
        WebConfig {
            secure_cookies: true,
            ..WebConfig::default()
        },
    );
    let res = secure.get("/login").await;
    assert_eq!(res.headers["strict-transport-security"], "max-age=31536000");
    // Behind HTTPS every cookie is Secure; the session and CSRF cookies are out of scripts' reach.
    let mut set_cookies: Vec<String> = Vec::new();
    let mut keep = |res: &crate::Res| {
        set_cookies.extend(
            res.headers
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned()),
        )
    };
    keep(&res);
    keep(&secure.login("admin@example.org").await);
    keep(
        &secure
            .post_form("/lang", &[("lang", "en"), ("next", "/")])
            .await,
    );
    for name in ["ruamjai_csrf=", "ruamjai_session=", "ruamjai_lang="] {
        let cookie = set_cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{name} set: {set_cookies:?}"));
        assert!(cookie.contains("; Secure"), "{cookie}");
        assert!(cookie.contains("SameSite="), "{cookie}");
        if name != "ruamjai_lang=" {
            assert!(cookie.contains("; HttpOnly"), "{cookie}");
        }
    }
}

async fn forms_without_csrf_token_are_refused(db: TestDb) {
    user_with_role(&db.store, "admin@example.org", Role::Admin, None).await;
    let mut c = Client::new(&db);
    c.get("/login").await;
    let res = c
        .post_form_raw(
            "/login",
            &[
                ("email", "admin@example.org"),
                ("password", ruamjai_store::testing::PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = c
        .post_form_raw(
            "/login",
            &[
                ("csrf", "forged"),
                ("email", "admin@example.org"),
                ("password", ruamjai_store::testing::PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!c.cookies.contains_key("ruamjai_session"));
    // Signed in, a cookie-authenticated API write without the header is refused too.
    c.login("admin@example.org").await;
    let res = c
        .json("POST", "/api/v1/tokens", serde_json::json!({"name": "x"}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["errors"][0]["code"], "csrf");
}

async fn wrong_password_is_explained_and_throttled(db: TestDb) {
    user_with_role(&db.store, "op@example.org", Role::Operator, Some("550101")).await;
    let mut c = Client::new(&db);
    c.get("/login").await;
    let res = c
        .post_form(
            "/login",
            &[
                ("email", "op@example.org"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(select(&res.body, ".form-error"), ["อีเมลหรือรหัสผ่านไม่ถูกต้อง"]);
    // The e-mail typed is kept in the form.
    assert!(res.body.contains("value=\"op@example.org\""));
    for _ in 0..4 {
        c.post_form(
            "/login",
            &[
                ("email", "op@example.org"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    }
    let res = c
        .post_form(
            "/login",
            &[
                ("email", "op@example.org"),
                ("password", ruamjai_store::testing::PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(select(&res.body, ".form-error")[0].contains("15"));
}

async fn district_admin_pages_stop_at_the_district(db: TestDb) {
    user_with_role(&db.store, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let (b, _) = user_with_role(&db.store, "b@example.org", Role::Operator, Some("5502")).await;
    let mut c = Client::new(&db);
    c.login("a@example.org").await;
    let res = c.get("/areas").await;
    assert_eq!(select(&res.body, "ul.cards a"), ["อำเภอเมืองน่าน"]);
    assert_eq!(c.get("/areas/550101").await.status, StatusCode::OK);
    for path in [
        "/areas/5502".to_owned(),
        "/areas/55".to_owned(),
        format!("/users/{}", b.id),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(res.body.contains("ไม่พบ"), "{}", res.body);
    }
    let res = c
        .post_form(
            &format!("/users/{}/grants", b.id),
            &[("role", "viewer"), ("area_code", "5501")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let users = c.get("/users").await;
    assert!(!users.body.contains("b@example.org"));
    // Creating a user outside the district names the field.
    let res = c
        .post_form(
            "/users/new",
            &[
                ("email", "new@example.org"),
                ("display_name", "ใหม่"),
                ("role", "operator"),
                ("area_code", "5502"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        select(&res.body, "#area_code-error"),
        ["พื้นที่นี้อยู่นอกพื้นที่ที่คุณดูแล"]
    );
    let res = c
        .post_form(
            "/users/new",
            &[
                ("email", "new@example.org"),
                ("display_name", "ใหม่"),
                ("role", "operator"),
                ("area_code", "550101"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let link = select(&res.body, "[data-testid=setup-link]")[0].clone();
    let path = link.trim_start_matches("http://127.0.0.1:8080").to_owned();
    // The new user chooses a password through the one-time link and can sign in.
    let mut n = Client::new(&db);
    n.get(&path).await;
    let res = n
        .post_form(
            &path,
            &[
                ("password", "a long enough pw"),
                ("password_again", "a long enough pw"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/login");
    assert_eq!(n.get(&path).await.status, StatusCode::NOT_FOUND);
    let res = n
        .post_form(
            "/login",
            &[
                ("email", "new@example.org"),
                ("password", "a long enough pw"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

async fn village_form_shows_errors_next_to_fields(db: TestDb) {
    user_with_role(&db.store, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let mut c = Client::new(&db);
    c.login("a@example.org").await;
    let res = c
        .post_form(
            "/areas/550101/villages",
            &[("village_no", "0"), ("name_th", ""), ("name_en", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        select(&res.body, "#village_no-error"),
        ["หมู่ที่ต้องเป็นตัวเลข 1–99"]
    );
    assert_eq!(select(&res.body, "#name_th-error"), ["กรุณากรอกช่องนี้"]);
    assert!(res.body.contains("aria-describedby=\"name_th-error\""));
    let res = c
        .post_form(
            "/areas/550101/villages",
            &[
                ("village_no", "4"),
                ("name_th", "บ้านห้วย"),
                ("name_en", "Ban Huai"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/areas/55010104");
    let v = c.get("/areas/55010104").await;
    assert_eq!(select(&v.body, "h1"), ["หมู่ที่ 4 บ้านห้วย"]);
    assert_eq!(select(&v.body, "nav.crumbs li").len(), 5);
    // Rename: the form starts with the current name; an empty name is refused next to the field.
    assert!(v.body.contains("value=\"บ้านห้วย\""));
    let res = c
        .post_form(
            "/areas/55010104/rename",
            &[("name_th", " "), ("name_en", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(select(&res.body, "#name_th-error"), ["กรุณากรอกช่องนี้"]);
    let res = c
        .post_form(
            "/areas/55010104/rename",
            &[("name_th", "บ้านห้วยใหม่"), ("name_en", "Ban Huai Mai")],
        )
        .await;
    assert_eq!(res.location(), "/areas/55010104");
    assert_eq!(
        select(&c.get("/areas/55010104").await.body, "h1"),
        ["หมู่ที่ 4 บ้านห้วยใหม่"]
    );
}
