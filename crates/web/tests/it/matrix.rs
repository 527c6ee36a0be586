//! The authorisation matrix: every API route of the policy table, called by every role over
//! every area relation to the objects it touches, through every way of signing in, and compared
//! with what the table and `Role::allows` say.
//!
//! The objects live in village 55010101 of subdistrict 550101 (Nai Wiang, Mueang Nan). A caller
//! holds one role over one area related to that subdistrict:
//!
//! | relation | grant over | reaches the objects |
//! | --- | --- | --- |
//! | own | 550101 (the subdistrict) | yes |
//! | child | 55010102 (another village of it) | no |
//! | parent | 5501 (the district) | yes |
//! | sibling | 550102 (the next subdistrict) | no |
//! | other province | 50 (Chiang Mai) | no |
//! | country | no area (the whole country) | yes |
//!
//! plus an account without any grant, and nobody signed in. Each caller comes three ways: a
//! browser session (with its CSRF header), an API token, and a phone's sync token.
//!
//! What is expected: a route whose operation the caller's role never allows answers 403; an
//! object outside the caller's areas answers 404 (creations naming an area outside answer as the
//! route says, see `Kind::Object`); lists, searches, exports and dashboards answer 200 and hold
//! the marked object exactly when the caller reaches it; a sync token reaches only the routes
//! marked for the field and gets 403 elsewhere; without a caller only public routes answer.
//! Every disagreement is collected and reported together.

use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role, TokenPurpose};
use ruamjai_store::auth::NewUser;
use ruamjai_store::testing::{PASSWORD, TestDb, code, villages};
use ruamjai_web::api::policy::{Needs, ROUTES, Rule};
use serde_json::{Value, json};

use crate::{Client, Res, both};

both!(every_route_answers_as_the_policy_table_says);

/// How the caller relates to subdistrict 550101, where the objects are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rel {
    Own,
    Child,
    Parent,
    Sibling,
    OtherProvince,
    Country,
}

impl Rel {
    const ALL: [Rel; 6] = [
        Rel::Own,
        Rel::Child,
        Rel::Parent,
        Rel::Sibling,
        Rel::OtherProvince,
        Rel::Country,
    ];

    fn area(self) -> Option<&'static str> {
        match self {
            Rel::Own => Some("550101"),
            Rel::Child => Some("55010102"),
            Rel::Parent => Some("5501"),
            Rel::Sibling => Some("550102"),
            Rel::OtherProvince => Some("50"),
            Rel::Country => None,
        }
    }

    fn reaches(self) -> bool {
        matches!(self, Rel::Own | Rel::Parent | Rel::Country)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    Session,
    Token,
    Sync,
}

/// One caller of the matrix.
struct Caller {
    label: String,
    /// `None`: an account without grants.
    grant: Option<(Role, Rel)>,
    path: Path,
    client: Client,
    actor: Actor,
}

/// What a route's answer is judged as.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Anybody gets the same answer (this status).
    Public(u16),
    /// About the caller themself: any account that passes the table gets 2xx.
    Mine,
    /// One object in 550101 (or a creation there): 2xx when reached, else this status.
    Object(u16),
    /// An account route where the store decides by this operation (else 404).
    ObjectVia(ruamjai_domain::auth::Operation),
    /// A list, search, export or dashboard: 200, holding the marker exactly when reached.
    List,
}

/// A request to send.
struct Req {
    method: &'static str,
    uri: String,
    body: Body,
    content_type: Option<String>,
    /// Text in the answer that shows the caller reached the object (lists).
    marker: Option<String>,
    /// Text in a 2xx answer that means "not found" inside it (sync results, import reports).
    hidden_in_body: &'static [&'static str],
}

impl Req {
    fn get(uri: impl Into<String>) -> Self {
        Self {
            method: "GET",
            uri: uri.into(),
            body: Body::empty(),
            content_type: None,
            marker: None,
            hidden_in_body: &[],
        }
    }

    fn json(method: &'static str, uri: impl Into<String>, body: Value) -> Self {
        Self {
            method,
            uri: uri.into(),
            body: Body::from(body.to_string()),
            content_type: Some("application/json".into()),
            marker: None,
            hidden_in_body: &[],
        }
    }

    fn marked(mut self, marker: &str) -> Self {
        self.marker = Some(marker.to_owned());
        self
    }

    fn hidden_if(mut self, texts: &'static [&'static str]) -> Self {
        self.hidden_in_body = texts;
        self
    }
}

/// The objects every caller aims at, made by a national administrator.
struct Fixture {
    store: ruamjai_store::Store,
    admin_actor: Actor,
    admin: Client,
    person: i64,
    person_fields: Value,
    household: i64,
    user: i64,
    volunteer: i64,
    station: i64,
    alert_to_ack: i64,
    zone: i64,
    audit_before: i64,
    counter: u32,
}

const PERSON_NAME: &str = "มาตรวัดสิทธิ์";
const USER_EMAIL: &str = "matrix-fixture@example.org";
const VOLUNTEER_NAME: &str = "อาสาเมทริกซ์";
const STATION_NAME: &str = "มาตรน้ำเมทริกซ์";
const ZONE_NAME: &str = "เขตน้ำท่วมเมทริกซ์";
const AUDIT_MARKER: &str = "matrix-audit-marker";

impl Fixture {
    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    async fn admin_json(&mut self, method: &str, uri: &str, body: Value) -> Res {
        let res = self.admin.json(method, uri, body).await;
        assert!(
            res.status.is_success(),
            "fixture {method} {uri}: {} {}",
            res.status,
            res.body
        );
        res
    }

    /// A new person in 55010101 (for routes that change a person's state once).
    async fn fresh_person(&mut self) -> i64 {
        let n = self.next();
        self.admin_json(
            "POST",
            "/api/v1/persons",
            json!({"first_name": format!("ชั่วคราว{n}"), "last_name": "ทดลอง",
                "village_code": "55010101", "birth_date": "2500"}),
        )
        .await
        .json()["id"]
            .as_i64()
            .unwrap()
    }

    async fn fresh_user(&mut self) -> (i64, i64) {
        let n = self.next();
        let res = self
            .admin_json(
                "POST",
                "/api/v1/users",
                json!({"email": format!("matrix-fresh-{n}@example.org"), "display_name": "ชั่วคราว",
                    "password": PASSWORD, "grant": {"role": "operator", "area_code": "55010101"}}),
            )
            .await
            .json();
        let id = res["id"].as_i64().unwrap();
        let grant = res["grants"][0]["id"].as_i64().unwrap();
        (id, grant)
    }

    async fn person_versions(&mut self) -> (i64, i64) {
        let d = self
            .admin_json(
                "GET",
                &format!("/api/v1/persons/{}", self.person),
                Value::Null,
            )
            .await
            .json();
        (
            d["person"]["version"].as_i64().unwrap(),
            d["household"]["version"].as_i64().unwrap(),
        )
    }
}

fn visit(op: &str, person: i64) -> Value {
    json!({
        "op_id": op, "client_id": op, "person_id": person, "base_version": null,
        "visited_at": chrono::Utc::now().to_rfc3339(), "lat": 18.78, "lon": 100.77,
        "vitals": {"systolic": "120", "diastolic": 80, "pulse": "72"}, "adl": null,
        "needs": [], "needs_note": "", "notes": ""
    })
}

fn photo_body(photo_id: &str) -> (Body, String) {
    let img = image::RgbImage::from_fn(16, 12, |x, y| image::Rgb([x as u8 * 9, y as u8 * 9, 90]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let boundary = "----ruamjai-matrix";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photo_id\"\r\n\r\n{photo_id}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend(jpeg.into_inner());
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        Body::from(body),
        format!("multipart/form-data; boundary={boundary}"),
    )
}

/// The request for `rule` by `caller`, after any set-up it needs, and how it is judged.
async fn case(fx: &mut Fixture, rule: &Rule, caller: &mut Caller) -> (Req, Kind) {
    let p = fx.person;
    let n = fx.next();
    match (rule.method, rule.path) {
        ("GET", "/openapi.json") => (Req::get("/api/v1/openapi.json"), Kind::Public(200)),
        ("GET", "/me") => (Req::get("/api/v1/me"), Kind::Mine),
        ("GET", "/tokens") => (Req::get("/api/v1/tokens"), Kind::Mine),
        ("POST", "/tokens") => (
            Req::json("POST", "/api/v1/tokens", json!({"name": format!("t{n}")})),
            Kind::Mine,
        ),
        ("DELETE", "/tokens/{id}") => {
            // A token of the caller's own, made beside the one in use (nobody: the admin's).
            let owner = if caller.actor.user_id < 0 {
                fx.admin_actor.clone()
            } else {
                caller.actor.clone()
            };
            let (t, _) = fx
                .store
                .create_api_token(&owner, "spare", TokenPurpose::Api, &RequestMeta::default())
                .await
                .unwrap();
            (
                Req::json("DELETE", format!("/api/v1/tokens/{}", t.id), Value::Null),
                Kind::Mine,
            )
        }
        ("GET", "/areas") => (Req::get("/api/v1/areas"), Kind::List),
        ("GET", "/areas/{code}") => (Req::get("/api/v1/areas/550101"), Kind::Object(404)),
        ("PATCH", "/areas/{code}") => (
            Req::json(
                "PATCH",
                "/api/v1/areas/55010101",
                json!({"name_th": format!("บ้านทดสอบ {n}")}),
            ),
            Kind::Object(404),
        ),
        ("POST", "/areas/{code}/villages") => (
            Req::json(
                "POST",
                "/api/v1/areas/550101/villages",
                json!({"village_no": 10 + (n % 80), "name_th": format!("บ้านใหม่ {n}")}),
            ),
            Kind::Object(404),
        ),
        ("GET", "/users") => (Req::get("/api/v1/users").marked(USER_EMAIL), Kind::List),
        ("POST", "/users") => (
            Req::json(
                "POST",
                "/api/v1/users",
                json!({"email": format!("matrix-new-{n}@example.org"), "display_name": "ใหม่",
                    "grant": {"role": "operator", "area_code": "55010101"}}),
            ),
            Kind::Object(422),
        ),
        ("GET", "/users/{id}") => (
            Req::get(format!("/api/v1/users/{}", fx.user)),
            Kind::ObjectVia(ruamjai_domain::auth::Operation::ViewUsers),
        ),
        ("POST", "/users/{id}/grants") => {
            let (user, _) = fx.fresh_user().await;
            (
                Req::json(
                    "POST",
                    format!("/api/v1/users/{user}/grants"),
                    json!({"role": "viewer", "area_code": "55010101"}),
                ),
                Kind::Object(404),
            )
        }
        ("DELETE", "/users/{id}/grants/{grant_id}") => {
            let (user, grant) = fx.fresh_user().await;
            (
                Req::json(
                    "DELETE",
                    format!("/api/v1/users/{user}/grants/{grant}"),
                    Value::Null,
                ),
                Kind::Object(404),
            )
        }
        ("GET", "/audit") => (
            Req::get(format!("/api/v1/audit?before={}&limit=5", fx.audit_before))
                .marked(AUDIT_MARKER),
            Kind::List,
        ),
        ("GET", "/persons") => (Req::get("/api/v1/persons").marked(PERSON_NAME), Kind::List),
        ("POST", "/persons") => (
            Req::json(
                "POST",
                "/api/v1/persons",
                json!({"first_name": format!("ใหม่{n}"), "last_name": "ทดลอง",
                    "village_code": "55010101", "birth_date": "2500"}),
            ),
            Kind::Object(422),
        ),
        ("GET", "/persons/export") => (
            Req::get("/api/v1/persons/export?format=csv").marked(PERSON_NAME),
            Kind::List,
        ),
        ("GET", "/persons/{id}") => (Req::get(format!("/api/v1/persons/{p}")), Kind::Object(404)),
        ("PUT", "/persons/{id}") => {
            let (version, _) = fx.person_versions().await;
            let mut body = fx.person_fields.clone();
            body["version"] = json!(version);
            // Not the house number: that would move the person to another household.
            body["phone"] = json!(format!("08{:08}", n));
            (
                Req::json("PUT", format!("/api/v1/persons/{p}"), body),
                Kind::Object(404),
            )
        }
        ("PUT", "/persons/{id}/categories/{category}") => (
            Req::json(
                "PUT",
                format!("/api/v1/persons/{p}/categories/poor"),
                json!({"note": format!("{n}")}),
            ),
            Kind::Object(404),
        ),
        ("DELETE", "/persons/{id}/categories/{category}") => {
            fx.admin_json(
                "PUT",
                &format!("/api/v1/persons/{p}/categories/homeless"),
                json!({}),
            )
            .await;
            (
                Req::json(
                    "DELETE",
                    format!("/api/v1/persons/{p}/categories/homeless"),
                    Value::Null,
                ),
                Kind::Object(404),
            )
        }
        ("GET", "/persons/{id}/export") => (
            Req::get(format!("/api/v1/persons/{p}/export")).marked(PERSON_NAME),
            Kind::Object(404),
        ),
        ("GET", "/persons/{id}/access") => (
            Req::get(format!("/api/v1/persons/{p}/access")),
            Kind::Object(404),
        ),
        ("POST", "/persons/{id}/erase") => {
            let fresh = fx.fresh_person().await;
            (
                Req::json(
                    "POST",
                    format!("/api/v1/persons/{fresh}/erase"),
                    json!({"reason": "เจ้าของข้อมูลขอให้ลบตาม พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคล"}),
                ),
                Kind::Object(404),
            )
        }
        ("PUT", "/households/{id}") => {
            let (_, version) = fx.person_versions().await;
            (
                Req::json(
                    "PUT",
                    format!("/api/v1/households/{}", fx.household),
                    json!({"version": version, "income": n.is_multiple_of(2)}),
                ),
                Kind::Object(404),
            )
        }
        ("POST", "/persons/{id}/attestations") => {
            let fresh = fx.fresh_person().await;
            (
                Req::json(
                    "POST",
                    format!("/api/v1/persons/{fresh}/attestations"),
                    json!({"role": "health_volunteer", "signer_name": "อสม. ทดสอบ"}),
                ),
                Kind::Object(404),
            )
        }
        ("POST", "/persons/{id}/dispute") => {
            let fresh = fx.fresh_person().await;
            (
                Req::json(
                    "POST",
                    format!("/api/v1/persons/{fresh}/dispute"),
                    json!({"note": "ย้ายไปอยู่ที่อื่นแล้ว"}),
                ),
                Kind::Object(404),
            )
        }
        ("POST", "/persons/{id}/dispute/resolve") => {
            let fresh = fx.fresh_person().await;
            fx.admin_json(
                "POST",
                &format!("/api/v1/persons/{fresh}/dispute"),
                json!({"note": "ย้ายไปอยู่ที่อื่นแล้ว"}),
            )
            .await;
            (
                Req::json(
                    "POST",
                    format!("/api/v1/persons/{fresh}/dispute/resolve"),
                    json!({}),
                ),
                Kind::Object(404),
            )
        }
        ("POST", "/persons/{id}/consents") => (
            Req::json(
                "POST",
                format!("/api/v1/persons/{p}/consents"),
                json!({"purpose": "care", "basis": "consent", "given_by": "ลูกสาว",
                    "given_on": "2026-12-01"}),
            ),
            Kind::Object(404),
        ),
        ("POST", "/persons/{id}/consents/{consent_id}/withdraw") => {
            let consent = fx
                .admin_json(
                    "POST",
                    &format!("/api/v1/persons/{p}/consents"),
                    json!({"purpose": "care", "basis": "consent", "given_by": "ลูกสาว",
                        "given_on": "2026-12-01"}),
                )
                .await
                .json()["id"]
                .as_i64()
                .unwrap();
            (
                Req::json(
                    "POST",
                    format!("/api/v1/persons/{p}/consents/{consent}/withdraw"),
                    json!({"withdrawn_on": "2026-12-02", "reason": "ขอถอน"}),
                ),
                Kind::Object(404),
            )
        }
        ("GET", "/villages/{code}/review") => (
            Req::get("/api/v1/villages/55010101/review"),
            Kind::Object(404),
        ),
        ("GET", "/dashboard") => (Req::get("/api/v1/dashboard?area=550101"), Kind::Object(404)),
        ("GET", "/public/dashboard") => (Req::get("/api/v1/public/dashboard"), Kind::Public(200)),
        ("POST", "/imports/persons") => {
            let csv = format!("first_name,last_name,village_code\nนำเข้า{n},ทดลอง,55010101\n");
            let mut r = Req::json(
                "POST",
                "/api/v1/imports/persons?file_name=m.csv&dry_run=true",
                Value::Null,
            );
            r.body = Body::from(csv);
            r.content_type = Some("text/csv".into());
            (r.hidden_if(&["village_not_found"]), Kind::Object(404))
        }
        ("GET", "/partners") => (Req::get("/api/v1/partners"), Kind::List),
        ("GET", "/volunteers") => (
            Req::get("/api/v1/volunteers").marked(VOLUNTEER_NAME),
            Kind::List,
        ),
        ("POST", "/volunteers") => (
            Req::json(
                "POST",
                "/api/v1/volunteers",
                json!({"prefix": "", "first_name": format!("อาสา{n}"), "last_name": "ใหม่",
                    "kind": "caregiver", "phone": "", "area_code": "55010101", "skills": [],
                    "languages": [], "availability": ""}),
            ),
            Kind::Object(422),
        ),
        ("GET", "/volunteers/match") => (
            Req::get("/api/v1/volunteers/match?lat=18.78&lon=100.77").marked(VOLUNTEER_NAME),
            Kind::List,
        ),
        ("GET", "/volunteers/{id}") => (
            Req::get(format!("/api/v1/volunteers/{}", fx.volunteer)),
            Kind::Object(404),
        ),
        ("POST", "/volunteers/{id}/hours") => (
            Req::json(
                "POST",
                format!("/api/v1/volunteers/{}/hours", fx.volunteer),
                json!({"date": "2026-12-01", "hours": 2, "activity": "เยี่ยมบ้าน"}),
            ),
            Kind::Object(404),
        ),
        ("GET", "/courses") => (Req::get("/api/v1/courses"), Kind::List),
        ("GET", "/certificates/{code}") => (
            Req::get("/api/v1/certificates/ABCDE-FGHJK"),
            Kind::Public(404),
        ),
        ("GET", "/network/dashboard") => (
            Req::get("/api/v1/network/dashboard?area=550101"),
            Kind::Object(404),
        ),
        ("GET", "/care/my-visits") => (Req::get("/api/v1/care/my-visits"), Kind::Mine),
        ("POST", "/sync/visits") => (
            Req::json(
                "POST",
                "/api/v1/sync/visits",
                json!({"visits": [visit(&format!("00000000-0000-4000-8000-{n:012}"), p)]}),
            )
            .hidden_if(&["\"not_found\"", "\"forbidden\""]),
            Kind::Object(404),
        ),
        ("GET", "/persons/{id}/visits") => (
            Req::get(format!("/api/v1/persons/{p}/visits")),
            Kind::Object(404),
        ),
        ("GET", "/stations") => (
            Req::get("/api/v1/stations").marked(STATION_NAME),
            Kind::List,
        ),
        ("POST", "/stations/{id}/readings") => (
            Req::json(
                "POST",
                format!("/api/v1/stations/{}/readings", fx.station),
                json!({"op_id": format!("matrix-{n}"), "value": 1}),
            ),
            Kind::Object(404),
        ),
        ("GET", "/alerts") => (Req::get("/api/v1/alerts").marked(STATION_NAME), Kind::List),
        ("POST", "/alerts/{id}/acknowledge") => (
            Req::json(
                "POST",
                format!("/api/v1/alerts/{}/acknowledge", fx.alert_to_ack),
                Value::Null,
            ),
            Kind::Object(404),
        ),
        ("GET", "/zones") => (Req::get("/api/v1/zones").marked(ZONE_NAME), Kind::List),
        ("GET", "/zones/{id}/evacuation") => (
            Req::get(format!("/api/v1/zones/{}/evacuation", fx.zone)),
            Kind::Object(404),
        ),
        ("POST", "/sync/visits/{client_id}/photos") => {
            // The caller records the visit first (where they may), then sends its photo.
            let client_id = format!("00000000-0000-4000-9000-{n:012}");
            let sync = Req::json(
                "POST",
                "/api/v1/sync/visits",
                json!({"visits": [visit(&client_id, p)]}),
            );
            send(caller, sync).await;
            let (body, content_type) = photo_body(&format!("00000000-0000-4000-a000-{n:012}"));
            let mut r = Req::get(format!("/api/v1/sync/visits/{client_id}/photos"));
            r.method = "POST";
            r.body = body;
            r.content_type = Some(content_type);
            (r, Kind::Object(404))
        }
        (m, path) => panic!("the matrix has no request for {m} {path}: add one"),
    }
}

async fn send(caller: &mut Caller, req: Req) -> Res {
    let mut b = Request::builder().method(req.method).uri(&req.uri);
    if let Some(ct) = &req.content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    if caller.path == Path::Session
        && req.method != "GET"
        && let Some(csrf) = caller.client.cookies.get("ruamjai_csrf")
    {
        b = b.header("x-csrf-token", csrf.clone());
    }
    caller.client.send(b.body(req.body).unwrap()).await
}

/// What the table says a caller should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Status(u16),
    /// 2xx; for a list, holding the marker or not.
    Ok {
        sees: bool,
    },
}

fn want(rule: &Rule, kind: Kind, caller: Option<&Caller>) -> Want {
    let Some(caller) = caller else {
        return match (rule.needs, kind) {
            (Needs::Public, Kind::Public(s)) => public(s),
            (Needs::Public, _) => Want::Ok { sees: false },
            _ => Want::Status(401),
        };
    };
    if let Kind::Public(s) = kind {
        return public(s);
    }
    if caller.path == Path::Sync && !rule.sync && rule.needs != Needs::Public {
        return Want::Status(403);
    }
    let reaches = caller.grant.is_some_and(|(_, rel)| rel.reaches());
    let allows = |op| caller.grant.is_some_and(|(role, _)| role.allows(op));
    if let Needs::Op(op) = rule.needs
        && !allows(op)
    {
        return Want::Status(403);
    }
    match kind {
        Kind::Public(s) => public(s),
        Kind::Mine => Want::Ok { sees: true },
        Kind::Object(out) => {
            if reaches {
                Want::Ok { sees: true }
            } else {
                Want::Status(out)
            }
        }
        Kind::ObjectVia(op) => {
            if reaches && allows(op) {
                Want::Ok { sees: true }
            } else {
                Want::Status(404)
            }
        }
        Kind::List => Want::Ok { sees: reaches },
    }
}

fn public(status: u16) -> Want {
    if (200..300).contains(&status) {
        Want::Ok { sees: true }
    } else {
        Want::Status(status)
    }
}

fn got(req_marker: Option<&str>, hidden: &[&str], res: &Res) -> Want {
    if res.status.is_success() {
        if hidden.iter().any(|h| res.body.contains(h)) {
            return Want::Status(404);
        }
        return Want::Ok {
            sees: req_marker.is_none_or(|m| res.body.contains(m)),
        };
    }
    Want::Status(res.status.as_u16())
}

fn agrees(want: Want, got: Want, marked: bool) -> bool {
    match (want, got) {
        (Want::Ok { sees: w }, Want::Ok { sees: g }) => !marked || w == g,
        (Want::Status(a), Want::Status(b)) => a == b,
        // A route judged by its body (a list) passes with the answer it should give.
        _ => false,
    }
}

async fn setup(db: &TestDb) -> Fixture {
    villages(&db.store, &[("550101", 1), ("550101", 2), ("550102", 1)]).await;
    let (_, admin_actor) = ruamjai_store::testing::user_with_role(
        &db.store,
        "matrix-admin@example.org",
        Role::Admin,
        None,
    )
    .await;
    let (_, secret) = db
        .store
        .create_api_token(
            &admin_actor,
            "fixture",
            TokenPurpose::Api,
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    let mut admin = Client::new(db);
    admin.bearer = Some(secret);

    let person_fields = json!({"first_name": PERSON_NAME, "last_name": "ทดสอบ",
        "id_number": "1-1017-00230-70-8", "village_code": "55010101", "birth_date": "2480",
        "house_number": "1"});
    let mut body = person_fields.clone();
    body["categories"] = json!([{"category": "bedridden"}]);
    let res = admin
        .send(
            Request::post("/api/v1/persons")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-request-id", AUDIT_MARKER)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let person = res.json()["id"].as_i64().unwrap();
    let detail = admin.get(&format!("/api/v1/persons/{person}")).await.json();
    let household = detail["household"]["id"].as_i64().unwrap();
    let res = admin
        .json(
            "PUT",
            &format!("/api/v1/households/{household}"),
            json!({"version": detail["household"]["version"], "lat": "18.78", "lon": "100.77"}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    let audit = admin.get("/api/v1/audit?limit=500").await.json();
    let marked = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["request_id"] == AUDIT_MARKER)
        .map(|e| e["id"].as_i64().unwrap())
        .max()
        .expect("the fixture's creation is audited with its request id");

    let res = admin
        .json(
            "POST",
            "/api/v1/users",
            json!({"email": USER_EMAIL, "display_name": "ผู้ใช้ทดสอบ", "password": PASSWORD,
                "grant": {"role": "operator", "area_code": "55010101"}}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    let user = res.json()["id"].as_i64().unwrap();
    let res = admin
        .json(
            "POST",
            "/api/v1/volunteers",
            json!({"prefix": "", "first_name": VOLUNTEER_NAME, "last_name": "ใจดี",
                "kind": "caregiver", "phone": "0812345678", "area_code": "55010101",
                "lat": 18.781, "lon": 100.771, "skills": [], "languages": [],
                "availability": "always"}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    let volunteer = res.json()["id"].as_i64().unwrap();

    let mut stations = Vec::new();
    for name in [STATION_NAME, "มาตรฝุ่นรับทราบ"] {
        let input = ruamjai_domain::hazards::StationForm {
            name: name.into(),
            kind: "pm25".into(),
            village_code: "55010101".into(),
            watch: "37.5".into(),
            warning: "75".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        stations.push(db.store.create_station(&admin_actor, &input).await.unwrap());
    }
    for (i, station) in stations.iter().enumerate() {
        let res = admin
            .json(
                "POST",
                &format!("/api/v1/stations/{station}/readings"),
                json!({"op_id": format!("fixture-{i}"), "value": 80}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    let alerts = admin.get("/api/v1/alerts").await.json();
    let alert_to_ack = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["station_id"] == json!(stations[1]))
        .unwrap_or_else(|| panic!("an alert of the second station: {alerts}"))["id"]
        .as_i64()
        .unwrap();
    let zone = db
        .store
        .create_zone(
            &admin_actor,
            &ruamjai_domain::hazards::ZoneForm {
                name: ZONE_NAME.into(),
                kind: "flood".into(),
                area_code: "55010101".into(),
                ..Default::default()
            },
            &json!({"type": "Polygon", "coordinates": [[[100.76, 18.77], [100.79, 18.77],
                [100.79, 18.79], [100.76, 18.79], [100.76, 18.77]]]})
            .to_string(),
            None,
            &RequestMeta::default(),
        )
        .await
        .unwrap()
        .unwrap();
    Fixture {
        store: db.store.clone(),
        admin_actor,
        admin,
        person,
        person_fields,
        household,
        user,
        volunteer,
        station: stations[0],
        alert_to_ack,
        zone,
        audit_before: marked + 1,
        counter: 0,
    }
}

/// The callers: every role over every relation (where such a grant can be made), and an
/// account without grants, each signed in three ways.
async fn callers(db: &TestDb) -> Vec<Caller> {
    let mut grants: Vec<Option<(Role, Rel)>> = vec![None];
    for role in Role::ALL {
        for rel in Rel::ALL {
            grants.push(Some((role, rel)));
        }
    }
    let mut out = Vec::new();
    for (i, grant) in grants.into_iter().enumerate() {
        let email = format!("matrix-{i}@example.org");
        let created = db
            .store
            .create_user(
                None,
                NewUser {
                    email: email.clone(),
                    display_name: format!("ผู้เรียก {i}"),
                    password: Some(PASSWORD.into()),
                    locale: "th".into(),
                },
                grant.map(|(role, rel)| (role, rel.area().map(code))),
                &RequestMeta::cli(),
            )
            .await;
        let Ok(created) = created else {
            // Not a grant anyone can hold (the table of grants refuses it): nothing to test.
            continue;
        };
        let actor = db.store.actor(created.user.id).await.unwrap();
        let label = match grant {
            None => "no grant".to_owned(),
            Some((role, rel)) => format!("{} over {rel:?}", role.as_str()),
        };
        for path in [Path::Session, Path::Token, Path::Sync] {
            let mut client = Client::new(db);
            match path {
                Path::Session => {
                    let res = client.login(&email).await;
                    assert_eq!(res.status, StatusCode::SEE_OTHER, "{label}: {}", res.body);
                }
                Path::Token | Path::Sync => {
                    let purpose = if path == Path::Sync {
                        TokenPurpose::Sync
                    } else {
                        TokenPurpose::Api
                    };
                    let (_, secret) = db
                        .store
                        .create_api_token(&actor, "matrix", purpose, &RequestMeta::default())
                        .await
                        .unwrap();
                    client.bearer = Some(secret);
                }
            }
            out.push(Caller {
                label: format!("{label} by {path:?}"),
                grant,
                path,
                client,
                actor: actor.clone(),
            });
        }
    }
    out
}

async fn every_route_answers_as_the_policy_table_says(db: TestDb) {
    let mut fx = setup(&db).await;
    let mut callers = callers(&db).await;
    assert!(callers.len() >= 3 * 30, "only {} callers", callers.len());
    let mut anonymous = Caller {
        label: "nobody".into(),
        grant: None,
        path: Path::Token,
        client: Client::new(&db),
        actor: Actor {
            user_id: -1,
            grants: vec![],
        },
    };
    let mut wrong = String::new();
    let mut checked = 0;
    for rule in ROUTES {
        for i in 0..=callers.len() {
            let signed_in = i < callers.len();
            let caller = if !signed_in {
                &mut anonymous
            } else {
                &mut callers[i]
            };
            let (req, kind) = case(&mut fx, rule, caller).await;
            let marker = req.marker.clone();
            let hidden = req.hidden_in_body;
            let expected = want(rule, kind, signed_in.then_some(&*caller));
            let res = send(caller, req).await;
            let answer = got(marker.as_deref(), hidden, &res);
            checked += 1;
            if !agrees(expected, answer, marker.is_some()) {
                let _ = writeln!(
                    wrong,
                    "{} {} by {}: want {expected:?}, got {answer:?} ({}: {})",
                    rule.method,
                    rule.path,
                    caller.label,
                    res.status,
                    res.body.chars().take(160).collect::<String>()
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the API disagrees with the table:\n{wrong}"
    );
    assert!(checked > 4_500, "{checked} calls");
}
