//! The field app (ร่วมใจ ภาคสนาม): an installable page for a village health volunteer's morning
//! of home visits without signal. The server renders the shell once (the visit form and every
//! label); `assets/field.js` fills the "my visits" list and the watch stations the volunteer
//! reads from IndexedDB, queues visits with their photos and station readings there while
//! offline and sends them to the API when the phone is back online;
//! `assets/sw.js` (served from the root, so its scope is the whole site) keeps the shell and
//! its assets in the Cache API, and never personal API answers.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ruamjai_domain::auth::Operation;
use ruamjai_domain::care::Need;
use ruamjai_domain::care::adl::ITEMS;
use ruamjai_domain::hazards::{AlertLevel, StationKind};

use super::{Page, Signed};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Lang;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/field", get(shell))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
}

/// One ADL item of the form: its field name, its label and its scores with their labels.
struct AdlItem {
    name: &'static str,
    label: String,
    scores: Vec<(u8, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "field.html")]
struct FieldPage {
    page: Page,
    adl: Vec<AdlItem>,
    needs: Vec<(&'static str, String)>,
    /// Texts the script shows, as `data-t-*` attributes (CSP: no inline data).
    texts: Vec<(String, String)>,
    /// The caller enters readings of watch stations somewhere: the app lists them.
    readings: bool,
}

impl FieldPage {
    /// The vital signs, two to a row, in the order of the paper form.
    fn vital_pairs(&self) -> [[&'static str; 2]; 4] {
        [
            ["systolic", "diastolic"],
            ["pulse", "temperature"],
            ["spo2", "glucose"],
            ["weight", "height"],
        ]
    }
}

/// Messages the script needs: the name of their `data-t-*` attribute, the key, and the Fluent
/// variables, which reach the script as `{name}` placeholders it fills in.
const SCRIPT_TEXTS: &[(&str, &str, &[&str])] = &[
    ("due", "my-visits-due", &[]),
    ("overdue", "my-visits-overdue", &["days"]),
    ("in", "my-visits-in", &["days"]),
    ("never", "my-visits-never", &[]),
    ("last", "my-visits-last", &[]),
    ("assigned", "my-visits-assigned", &[]),
    ("distance", "my-visits-distance", &["km"]),
    ("empty", "my-visits-empty", &[]),
    ("record", "visit-record", &[]),
    ("adl-total", "visit-adl-total", &[]),
    ("required", "err-required", &[]),
    ("adl-bedridden", "adl-group-bedridden", &[]),
    ("adl-homebound", "adl-group-homebound", &[]),
    ("adl-socially_active", "adl-group-socially_active", &[]),
    ("house", "field-house", &["house"]),
    ("age", "field-age", &["age"]),
    ("no-home-location", "field-no-home-location", &[]),
    ("offline", "field-offline", &[]),
    ("online", "field-online", &[]),
    ("list-updated", "field-list-updated", &[]),
    ("list-stored", "field-list-stored", &[]),
    ("list-failed", "field-list-failed", &[]),
    ("sending", "field-sending", &["n", "total"]),
    ("sent", "field-sent", &[]),
    ("send-later", "field-send-later", &[]),
    ("sign-in-again", "field-sign-in-again", &[]),
    ("saved", "field-saved", &[]),
    ("waiting", "field-entry-waiting", &[]),
    ("rejected", "field-entry-rejected", &[]),
    ("not-found", "field-entry-not-found", &[]),
    ("fix", "field-entry-fix", &[]),
    ("discard", "field-entry-discard", &[]),
    ("discard-confirm", "field-entry-discard-confirm", &[]),
    ("photos", "field-entry-photos", &["n"]),
    ("locating", "field-locating", &[]),
    ("located", "field-located", &[]),
    ("locate-failed", "field-locate-failed", &[]),
    ("no-storage", "field-no-storage", &[]),
    ("server-error", "field-server-error", &[]),
    ("logout-unsent", "field-logout-unsent", &["n"]),
    ("correct", "field-sent-correct", &[]),
    ("correct-title", "field-correct-title", &[]),
    ("correction", "field-entry-correction", &[]),
    ("correction-waiting", "field-sent-correction-waiting", &[]),
    ("version", "field-sent-version", &["version"]),
    ("sent-at", "field-sent-at", &["time"]),
    ("conflict", "field-sent-conflict", &[]),
    ("conflict-status", "field-conflict-status", &["n"]),
    ("stations-stored", "field-stations-stored", &[]),
    ("stations-failed", "field-stations-failed", &[]),
    ("reading", "field-reading", &[]),
    ("reading-value", "field-reading-value", &["unit"]),
    ("reading-time", "field-reading-time", &[]),
    ("reading-save", "field-reading-save", &[]),
    ("reading-latest", "field-reading-latest", &[]),
    ("reading-none", "field-reading-none", &[]),
    ("thresholds", "field-reading-thresholds", &[]),
    ("reading-not-found", "field-reading-not-found", &[]),
    (
        "reading-discard-confirm",
        "field-reading-discard-confirm",
        &[],
    ),
];

/// The names of station kinds and alert levels, as `data-t-kind-*` and `data-t-level-*` (the
/// hazards pages' own names for them).
fn hazard_texts(lang: Lang) -> Vec<(String, String)> {
    let kinds = StationKind::ALL.iter().map(|k| {
        let k = k.as_str();
        (format!("kind-{k}"), lang.t(&format!("station-kind-{k}")))
    });
    let levels = AlertLevel::ALL.iter().map(|l| {
        let l = l.as_str();
        (format!("level-{l}"), lang.t(&format!("alert-level-{l}")))
    });
    kinds.chain(levels).collect()
}

/// A message for the script, its variables left as `{name}` placeholders.
fn script_text(lang: Lang, key: &str, vars: &[&'static str]) -> String {
    if vars.is_empty() {
        return lang.t(key);
    }
    let placeholders: Vec<(&'static str, String)> =
        vars.iter().map(|v| (*v, format!("{{{v}}}"))).collect();
    lang.t_args(key, &placeholders)
}

async fn shell(s: Signed) -> Result<Response, WebError> {
    // The app records visits: an account that cannot record any has nothing to do here.
    if !s.caller.actor.can_somewhere(Operation::RecordVisits) {
        return Err(WebError::NotFound);
    }
    let page = s.page;
    let adl = ITEMS
        .iter()
        .map(|item| AdlItem {
            name: item.name,
            label: page.code("adl", item.name),
            scores: (0..=item.max)
                .map(|v| (v, page.t(&format!("adl-{}-{v}", item.name))))
                .collect(),
        })
        .collect();
    let needs = Need::ALL
        .iter()
        .map(|n| (n.as_str(), page.code("need", n.as_str())))
        .collect();
    let mut texts: Vec<(String, String)> = SCRIPT_TEXTS
        .iter()
        .map(|(name, key, vars)| ((*name).to_owned(), script_text(page.lang, key, vars)))
        .collect();
    texts.extend(hazard_texts(page.lang));
    let readings = s.caller.actor.can_somewhere(Operation::RecordReadings);
    let body = FieldPage {
        page,
        adl,
        needs,
        texts,
        readings,
    };
    // The shell carries the CSRF token and the user's name: only the service worker keeps it.
    Ok(([(header::CACHE_CONTROL, "no-store")], body).into_response())
}

/// The service worker, from the root so that its scope is the whole site. Its cache name
/// carries a fingerprint of the assets it keeps, so a new build installs a fresh copy.
async fn service_worker() -> Response {
    let body = crate::assets::SW_JS.replace(
        "__SHELL_VERSION__",
        &format!("{:016x}", crate::assets::fingerprint()),
    );
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The web app manifest: installable, opening straight at the field app.
async fn manifest() -> Response {
    let body = serde_json::json!({
        "name": "ร่วมใจ ภาคสนาม",
        "short_name": "ร่วมใจ",
        "description": "บันทึกการเยี่ยมบ้านได้แม้ไม่มีสัญญาณ",
        "lang": "th",
        "start_url": "/field",
        "scope": "/",
        "display": "standalone",
        "background_color": "#fbfaf7",
        "theme_color": "#b4451f",
        "icons": [{
            "src": "/assets/field-icon.svg",
            "sizes": "any",
            "type": "image/svg+xml",
            "purpose": "any"
        }]
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_texts_keep_their_variables_for_the_script() {
        assert_eq!(
            script_text(Lang::En, "my-visits-overdue", &["days"]),
            "{days} days overdue"
        );
        assert_eq!(
            script_text(Lang::Th, "my-visits-in", &["days"]),
            "อีก {days} วัน"
        );
        assert_eq!(script_text(Lang::En, "my-visits-due", &[]), "Due today");
        // Every text exists in both languages with its placeholders.
        for lang in [Lang::Th, Lang::En] {
            for (_, key, vars) in SCRIPT_TEXTS {
                let t = script_text(lang, key, vars);
                assert!(!t.is_empty() && !t.contains("Unknown"), "{key}: {t}");
                for v in *vars {
                    assert!(t.contains(&format!("{{{v}}}")), "{key} lacks {{{v}}}: {t}");
                }
            }
            // Every station kind and alert level has its name for the station list.
            let hazards = hazard_texts(lang);
            assert_eq!(
                hazards.len(),
                StationKind::ALL.len() + AlertLevel::ALL.len()
            );
            for (name, t) in hazards {
                assert!(!t.is_empty() && !t.contains("Unknown"), "{name}: {t}");
            }
        }
        assert_eq!(
            script_text(Lang::Th, "field-reading-value", &["unit"]),
            "ค่าที่อ่านได้ ({unit})"
        );
        assert!(
            hazard_texts(Lang::En).contains(&("kind-water_level".into(), "Water level".into()))
        );
    }
}
