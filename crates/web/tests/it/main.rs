//! HTTP tests of the whole application (in-process, real router, real database on both
//! backends).

mod api;
mod assistance_ui;
mod care_ui;
mod hazards_ui;
mod matrix;
mod network_ui;
mod openapi;
mod privacy;
mod registry_api;
mod reports_ui;
mod ui;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use ruamjai_store::testing::TestDb;
use ruamjai_web::{WebConfig, app};
use tower::ServiceExt;

pub use ruamjai_store::both_backends as both;

/// With `RUAMJAI_TEST_LOG_DIR` set (scripts/test does), everything the application logs in
/// these tests, down to debug, goes to a file there, for `scripts/check_logs.py` to search for
/// personal data.
fn keep_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Some(dir) = std::env::var_os("RUAMJAI_TEST_LOG_DIR") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("log directory");
        let file = std::fs::File::create(dir.join(format!("web-it-{}.log", std::process::id())))
            .expect("log file");
        let _ = tracing_subscriber::fmt()
            // The tests' own HTML parsing (scraper) logs the pages it reads: not the application.
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,selectors=off,html5ever=off,markup5ever=off,scraper=off",
            ))
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    });
}

/// A response, read whole.
pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A browser-like client: keeps cookies, adds the CSRF token to forms.
pub struct Client {
    app: Router,
    pub cookies: BTreeMap<String, String>,
    pub bearer: Option<String>,
    pub accept_language: Option<&'static str>,
}

impl Client {
    pub fn new(db: &TestDb) -> Self {
        Self::with_config(db, WebConfig::default())
    }

    /// A client of the application set up with `config`.
    pub fn with_config(db: &TestDb, config: WebConfig) -> Self {
        keep_logs();
        Self {
            app: app(db.store.clone(), config),
            cookies: BTreeMap::new(),
            bearer: None,
            accept_language: None,
        }
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Res {
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req.headers_mut()
                .insert(header::COOKIE, c.join("; ").parse().unwrap());
        }
        if let Some(t) = &self.bearer {
            req.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {t}").parse().unwrap(),
            );
        }
        if let Some(l) = self.accept_language {
            req.headers_mut()
                .insert(header::ACCEPT_LANGUAGE, l.parse().unwrap());
        }
        let res = self.app.clone().oneshot(req).await.unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Res {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// POST a form the way a browser would, with the CSRF token from the cookie.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        if !self.cookies.contains_key("ruamjai_csrf") {
            self.get("/login").await;
        }
        let token = self.cookies["ruamjai_csrf"].clone();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &token)];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// POST a form exactly as given (no token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn json(&mut self, method: &str, path: &str, body: serde_json::Value) -> Res {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Sign in through the login form.
    pub async fn login(&mut self, email: &str) -> Res {
        self.get("/login").await;
        self.post_form(
            "/login",
            &[
                ("email", email),
                ("password", ruamjai_store::testing::PASSWORD),
            ],
        )
        .await
    }
}

/// A client holding an API token of a fresh user with one grant.
pub async fn token_client(
    db: &TestDb,
    email: &str,
    role: ruamjai_domain::auth::Role,
    area: Option<&str>,
) -> (Client, i64) {
    let (u, actor) = ruamjai_store::testing::user_with_role(&db.store, email, role, area).await;
    let (_, secret) = db
        .store
        .create_api_token(
            &actor,
            "test",
            ruamjai_domain::auth::TokenPurpose::Api,
            &Default::default(),
        )
        .await
        .unwrap();
    let mut c = Client::new(db);
    c.bearer = Some(secret);
    (c, u.id)
}
