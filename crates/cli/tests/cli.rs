//! The `ruamjai` binary, run as a user would: commands, `serve` over real HTTP, and two
//! `serve` processes sharing one PostgreSQL database.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use ruamjai_store::testing::{PASSWORD, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_ruamjai");

fn ruamjai(db_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("RUAMJAI_DATABASE_URL", db_url)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run ruamjai");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `ruamjai serve` child process, killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(db_url: &str, extra_env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("RUAMJAI_DATABASE_URL", db_url)
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn serve");
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/healthz", server.base)).await
                && r.status() == StatusCode::OK
            {
                return server;
            }
            assert!(Instant::now() < deadline, "server did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let s = v.to_str().ok()?;
        let kv = s.split(';').next()?;
        let (k, v) = kv.split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_owned())
    })
}

/// Sign in through the form; returns the cookie header to reuse.
async fn login(base: &str, email: &str) -> String {
    let c = client();
    let page = c.get(format!("{base}/login")).send().await.unwrap();
    let csrf = cookie(&page, "ruamjai_csrf").expect("csrf cookie");
    let res = c
        .post(format!("{base}/login"))
        .header(COOKIE, format!("ruamjai_csrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = cookie(&res, "ruamjai_session").expect("session cookie");
    format!("ruamjai_csrf={csrf}; ruamjai_session={session}")
}

#[tokio::test]
async fn areas_commands_find_nan_and_its_fifteen_districts() {
    let db = TestDb::sqlite().await;
    let (ok, out, err) = ruamjai(&db.url, &["areas", "search", "น่าน"]);
    assert!(ok, "{err}");
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("55 ") && first.contains("province") && first.contains("Nan"),
        "{out}"
    );
    let (ok, out, _) = ruamjai(&db.url, &["areas", "list", "--parent", "55"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 15);
    assert!(
        out.lines()
            .all(|l| l.starts_with("55") && l.contains("district"))
    );
    let (ok, _, err) = ruamjai(&db.url, &["areas", "list", "--parent", "5x"]);
    assert!(!ok);
    assert!(err.contains("invalid area code"), "{err}");
}

/// Settings layer: flag > environment > TOML file > default.
#[test]
fn config_file_is_used_unless_env_or_flag_overrides_it() {
    let dir = std::env::temp_dir().join(format!("ruamjai-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let from_file = dir.join("from-file.db");
    let from_flag = dir.join("from-flag.db");
    let config = dir.join("ruamjai.toml");
    std::fs::write(
        &config,
        format!("database_url = \"sqlite://{}\"\n", from_file.display()),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env_remove("RUAMJAI_DATABASE_URL")
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap()
    };
    assert!(
        run(&["--config", config.to_str().unwrap(), "migrate"])
            .status
            .success()
    );
    assert!(from_file.exists());
    let flag_url = format!("sqlite://{}", from_flag.display());
    assert!(
        run(&[
            "--config",
            config.to_str().unwrap(),
            "--database-url",
            &flag_url,
            "migrate"
        ])
        .status
        .success()
    );
    assert!(from_flag.exists());
    std::fs::write(&config, "databse_url = \"typo\"\n").unwrap();
    let out = run(&["--config", config.to_str().unwrap(), "migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid config file"));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn villages_import_from_a_thai_headed_csv() {
    let db = TestDb::sqlite().await;
    let dir = std::env::temp_dir().join(format!("ruamjai-villages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "\u{feff}รหัสตำบล,หมู่ที่,ชื่อหมู่บ้าน\n550101,1,บ้านดอน\n550101,x,บ้านผิด\n",
    )
    .unwrap();
    let (ok, _, err) = ruamjai(
        &db.url,
        &["areas", "import-villages", bad.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        err.contains("line 3: village_no: The village number must be 1–99."),
        "{err}"
    );
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "รหัสตำบล,หมู่ที่,ชื่อหมู่บ้าน,name_en\n550101,1,บ้านดอน,Ban Don\n550101,2,บ้านนา,\n",
    )
    .unwrap();
    let (ok, out, err) = ruamjai(
        &db.url,
        &["areas", "import-villages", good.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert!(out.contains("2 new village(s), 0 unchanged"), "{out}");
    let (_, out, _) = ruamjai(
        &db.url,
        &["areas", "import-villages", good.to_str().unwrap()],
    );
    assert!(out.contains("0 new village(s), 2 unchanged"), "{out}");
    let (_, out, _) = ruamjai(&db.url, &["areas", "list", "--parent", "550101"]);
    assert_eq!(out.lines().count(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn users_commands_create_grant_and_revoke() {
    let db = TestDb::sqlite().await;
    let (ok, out, err) = ruamjai(
        &db.url,
        &[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "สมชาย",
            "--role",
            "area_admin",
            "--area",
            "5501",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("/setup/"), "a set-up link is printed: {out}");
    let (ok, _, err) = ruamjai(
        &db.url,
        &["users", "grant", "a@example.org", "viewer", "56"],
    );
    assert!(ok, "{err}");
    let (_, out, _) = ruamjai(&db.url, &["users", "list"]);
    assert!(
        out.contains("area_admin@5501") && out.contains("viewer@56"),
        "{out}"
    );
    let (ok, _, _) = ruamjai(
        &db.url,
        &["users", "revoke", "a@example.org", "viewer", "56"],
    );
    assert!(ok);
    let (_, out, _) = ruamjai(&db.url, &["users", "list"]);
    assert!(!out.contains("viewer@56"), "{out}");
    let (ok, _, err) = ruamjai(
        &db.url,
        &["users", "create", "--email", "bad", "--name", "x"],
    );
    assert!(!ok);
    assert!(
        err.contains("email: Enter a valid e-mail address."),
        "{err}"
    );
    let (ok, _, err) = ruamjai(
        &db.url,
        &["users", "grant", "a@example.org", "viewer", "99"],
    );
    assert!(!ok);
    assert!(
        err.contains("area_code: There is no area with this code."),
        "{err}"
    );
}

#[tokio::test]
async fn serve_on_an_empty_database_offers_a_one_time_setup_link() {
    let db = TestDb::sqlite().await;
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RUAMJAI_DATABASE_URL", &db.url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{base}/readyz")).await.is_err() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let link = stderr
        .split_whitespace()
        .find(|w| w.contains("/setup/"))
        .unwrap_or_else(|| panic!("no set-up link printed: {stderr}"));
    assert!(link.starts_with(&format!("{base}/setup/")));
    assert!(
        !stderr.to_lowercase().contains("password:"),
        "no default password"
    );
    assert_eq!(db.store.user_count().await.unwrap(), 0);
}

/// Sessions live in the database: a sign-in on one `serve` process is valid on another
/// sharing the same PostgreSQL, and a sign-out on either ends it on both.
#[tokio::test]
async fn two_serve_processes_share_sessions_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    ruamjai_store::testing::user_with_role(
        &db.store,
        "a@example.org",
        ruamjai_domain::auth::Role::AreaAdmin,
        Some("5501"),
    )
    .await;
    let (one, two) = tokio::join!(Server::start(&db.url, &[]), Server::start(&db.url, &[]));
    let cookies = login(&one.base, "a@example.org").await;
    let c = client();
    let res = c
        .get(format!("{}/areas/5501", two.base))
        .header(COOKIE, &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("อำเภอเมืองน่าน"));
    // Sign out on the second process; the first no longer accepts the session.
    let csrf = cookies
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("ruamjai_csrf=")
        .to_owned();
    let res = c
        .post(format!("{}/logout", two.base))
        .header(COOKIE, &cookies)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = c
        .get(format!("{}/areas/5501", one.base))
        .header(COOKIE, &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

/// `ruamjai link` needs no database: a Thai-headed survey list with a duplicate written another
/// way (glued prefix, Buddhist-era year only, no ID) gives that one pair and a shared cluster;
/// a column that does not exist is named in the error.
#[test]
fn link_dedup_finds_the_same_person_written_twice() {
    let dir = std::env::temp_dir().join(format!("ruamjai-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("survey.csv");
    let mut csv =
        String::from("\u{feff}รหัส,คำนำหน้า,ชื่อ,นามสกุล,เลขประจำตัวประชาชน,วันเกิด,รหัสหมู่บ้าน,บ้านเลขที่\n");
    csv.push_str("A1,นาง,สมศรี,ใจดี,1101700230708,15/03/2490,55010101,12\n");
    csv.push_str("A2,,นางสมศรี,ใจดี,,2490,55010101,12\n");
    // Filler: other people of the same villages (varied by a small fixed generator), so the
    // model has something to learn from.
    // Names built from syllables, as varied as a real village's.
    let heads = [
        "บุญ",
        "ทอง",
        "แก้ว",
        "คำ",
        "ศรี",
        "จันทร์",
        "ประ",
        "สม",
        "วิ",
        "อรุณ",
        "นิ",
        "เกษ",
    ];
    let tails = [
        "มี",
        "ดี",
        "มา",
        "ปัน",
        "สุข",
        "เพ็ญ",
        "ยูร",
        "ชัย",
        "ภา",
        "ผัน",
        "วงศ์",
        "ทิพย์",
    ];
    let family = [
        "ใจ",
        "มี",
        "ศรี",
        "คำ",
        "ทอง",
        "บุญ",
        "แก้ว",
        "ชัย",
        "วงศ์",
        "จันทร์",
    ];
    let mut x: u64 = 2569;
    let mut next = |n: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    for k in 0..400 {
        let first = format!("{}{}", heads[next(12) as usize], tails[next(12) as usize]);
        let last = format!(
            "{}{}{}",
            family[next(10) as usize],
            family[next(10) as usize],
            tails[next(12) as usize]
        );
        let (day, month, year) = (1 + next(28), 1 + next(12), 2470 + next(60));
        let (village, house) = (1 + next(3), next(300));
        csv.push_str(&format!(
            "F{k},นาย,{first},{last},,{day}/{month}/{year},5501010{village},{house}\n"
        ));
    }
    std::fs::write(&input, csv).unwrap();
    let pairs = dir.join("pairs.csv");
    let clusters = dir.join("clusters.csv");
    let (ok, _, err) = ruamjai(
        "sqlite:///nonexistent/never-opened.db",
        &[
            "link",
            "dedup",
            input.to_str().unwrap(),
            "--out",
            pairs.to_str().unwrap(),
            "--clusters",
            clusters.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let out = std::fs::read_to_string(&pairs).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "left_id,right_id,match_probability");
    assert!(
        lines[1..].iter().any(|l| l.starts_with("A1,A2,")),
        "the duplicate is found: {out}"
    );
    assert!(
        lines[1..].iter().all(|l| l.starts_with("A1,A2,")),
        "and nothing else: {out}"
    );
    let c = std::fs::read_to_string(&clusters).unwrap();
    assert!(c.contains("A1,A1") && c.contains("A2,A1"), "{c}");

    let (ok, _, err) = ruamjai(
        "sqlite:///nonexistent/never-opened.db",
        &[
            "link",
            "dedup",
            input.to_str().unwrap(),
            "--out",
            pairs.to_str().unwrap(),
            "--phone",
            "มือถือ",
        ],
    );
    assert!(!ok);
    assert!(err.contains("มือถือ"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `ruamjai geo exposure` needs no database: points inside, on the edge of, in the hole of and
/// outside two overlapping zones (one a multipolygon) give exactly the expected rows in point
/// then zone order; a bad zone is named by its feature and a bad point row by its line.
#[test]
fn geo_exposure_lists_every_point_in_every_zone() {
    let dir = std::env::temp_dir().join(format!("ruamjai-geo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zones = dir.join("zones.geojson");
    std::fs::write(
        &zones,
        r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","id":"flood-1","properties":{"kind":"flood"},"geometry":{"type":"Polygon",
   "coordinates":[[[100.0,18.0],[101.0,18.0],[101.0,19.0],[100.0,19.0],[100.0,18.0]],
                  [[100.4,18.4],[100.6,18.4],[100.6,18.6],[100.4,18.6],[100.4,18.4]]]}},
  {"type":"Feature","properties":{"id":"slide-2"},"geometry":{"type":"MultiPolygon",
   "coordinates":[[[[100.8,18.8],[101.5,18.8],[101.5,19.5],[100.8,19.5],[100.8,18.8]]],
                  [[[99.0,17.0],[99.5,17.0],[99.5,17.5],[99.0,17.0]]]]}}
]}"#,
    )
    .unwrap();
    let points = dir.join("points.csv");
    std::fs::write(
        &points,
        "id,lat,lon\n\
         in-flood,18.2,100.2\n\
         in-hole,18.5,100.5\n\
         on-edge,18.0,100.5\n\
         in-both,18.9,100.9\n\
         far-part,17.1,99.4\n\
         outside,20.0,100.0\n\
         no-home,,\n",
    )
    .unwrap();
    let out = dir.join("out.csv");
    let args = |zones: &std::path::Path, points: &std::path::Path| {
        vec![
            "geo".to_string(),
            "exposure".into(),
            "--points".into(),
            points.to_str().unwrap().into(),
            "--zones".into(),
            zones.to_str().unwrap().into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        ruamjai("sqlite:///nonexistent/never-opened.db", &a)
    };
    let (ok, _, err) = run(args(&zones, &points));
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "point_id,zone_id\n\
         in-flood,flood-1\n\
         on-edge,flood-1\n\
         in-both,flood-1\n\
         in-both,slide-2\n\
         far-part,slide-2\n"
    );
    assert!(err.contains("6 points (1 without a location"), "{err}");

    let bad_zones = dir.join("bad.geojson");
    std::fs::write(
        &bad_zones,
        r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","id":"ok","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
  {"type":"Feature","id":"open-ring","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}
]}"#,
    )
    .unwrap();
    let (ok, _, err) = run(args(&bad_zones, &points));
    assert!(!ok);
    assert!(
        err.contains(r#"feature at index 1 (id "open-ring")"#) && err.contains("not closed"),
        "{err}"
    );

    // The same flood zone as KML.
    let kml = dir.join("zones.kml");
    std::fs::write(
        &kml,
        r#"<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark id="flood-1"><Polygon>
  <outerBoundaryIs><LinearRing><coordinates>100,18 101,18 101,19 100,19 100,18</coordinates></LinearRing></outerBoundaryIs>
  <innerBoundaryIs><LinearRing><coordinates>100.4,18.4 100.6,18.4 100.6,18.6 100.4,18.6 100.4,18.4</coordinates></LinearRing></innerBoundaryIs>
</Polygon></Placemark></Document></kml>"#,
    )
    .unwrap();
    let (ok, _, err) = run(args(&kml, &points));
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "point_id,zone_id\nin-flood,flood-1\non-edge,flood-1\nin-both,flood-1\n"
    );

    let bad_points = dir.join("bad.csv");
    std::fs::write(&bad_points, "id,lat,lon\na,18.2,100.2\nb,18.2,east\n").unwrap();
    let (ok, _, err) = run(args(&zones, &bad_points));
    assert!(!ok);
    assert!(
        err.contains("line 3: longitude \"east\" is not a number"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `ruamjai privacy`: a person's export, the retention rules (dry run, rules from the config
/// file's `[retention]` table or the flags) and an erasure.
#[tokio::test]
async fn privacy_commands_export_apply_retention_and_erase() {
    use ruamjai_domain::auth::Actor;
    use ruamjai_domain::registry::PersonForm;
    let db = TestDb::sqlite().await;
    let cli = Actor::command_line();
    db.store
        .create_village(
            &cli,
            &ruamjai_domain::areas::AreaCode::parse("550101").unwrap(),
            ruamjai_store::areas::NewVillage {
                village_no: 1,
                name_th: "บ้านดอน".into(),
                name_en: String::new(),
            },
            &Default::default(),
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (first, status, date) in [("คงอยู่", "", ""), ("จากไปนาน", "deceased", "1/1/2555")]
    {
        let p = PersonForm {
            first_name: first.into(),
            last_name: "ทดสอบสิทธิ".into(),
            birth_date: "2480".into(),
            village_code: "55010101".into(),
            status: status.into(),
            status_date: date.into(),
            ..Default::default()
        }
        .check(ruamjai_store::registry::today())
        .unwrap();
        ids.push(
            db.store
                .create_person(&cli, p, vec![], None, &Default::default())
                .await
                .unwrap(),
        );
    }
    let (ok, out, err) = ruamjai(&db.url, &["privacy", "export", &ids[0].to_string()]);
    assert!(ok, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["tables"]["persons"][0]["first_name"], "คงอยู่");

    let (ok, out, err) = ruamjai(&db.url, &["privacy", "retention", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(out.contains("1 would be erased"), "{out}");
    assert!(out.contains(&format!("person ids: {}", ids[1])), "{out}");
    // Twenty years in the config file keep the death of 2555 (2012).
    let dir = std::env::temp_dir().join(format!("ruamjai-retention-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("ruamjai.toml");
    std::fs::write(&config, "[retention]\ninactive_person_years = 20\n").unwrap();
    let (ok, out, err) = ruamjai(
        &db.url,
        &["--config", config.to_str().unwrap(), "privacy", "retention"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("0 were erased"), "{out}");
    // The flag wins over the file.
    let (ok, out, err) = ruamjai(
        &db.url,
        &[
            "--config",
            config.to_str().unwrap(),
            "privacy",
            "retention",
            "--inactive-person-years",
            "5",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("1 were erased") && out.contains("erased: erased-"),
        "{out}"
    );
    let (ok, _, err) = ruamjai(&db.url, &["privacy", "export", &ids[1].to_string()]);
    assert!(!ok && err.contains("not found"), "{err}");

    let (ok, _, err) = ruamjai(&db.url, &["privacy", "erase", &ids[0].to_string()]);
    assert!(!ok && err.contains("--reason"), "{err}");
    let (ok, out, err) = ruamjai(
        &db.url,
        &[
            "privacy",
            "erase",
            &ids[0].to_string(),
            "--reason",
            "คำขอของเจ้าของข้อมูล",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("erased: erased-"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}
