//! Record linkage pages: run the engine over the registry (duplicates) or link an agency's roll
//! to it, the clerical review queue (a pair side by side: the same person, not the same person,
//! later), and undoing a merge from a person's page.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::auth::Operation;
use ruamjai_domain::linkage::{Decision, RollStatus, Thresholds};
use ruamjai_store::StoreError;
use ruamjai_store::assistance::Programme;
use ruamjai_store::linkage::{ReviewDetail, ReviewSummary, RollRows, RunReport, RunSummary};
use ruamjai_store::tabular::{TableError, read_table};
use serde::Deserialize;

use super::imports::{clean_file_name, table_error};
use super::{FormErrors, Page, Signed, Typed, form_errors, see_other, typed, unprocessable};
use crate::AppState;
use crate::error::{WebError, area_code_or_404};

/// The largest roll accepted (a province's biggest agency list is a few MB).
const MAX_UPLOAD: usize = 64 << 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/linkage", get(home))
        .route("/linkage/dedup", post(dedup))
        .route(
            "/linkage/roll",
            post(roll).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/linkage/runs/{id}", get(run_rows))
        .route("/linkage/review", get(queue))
        .route("/linkage/review/{id}", get(review).post(decide))
        .route("/merges/{id}/undo", post(undo))
}

#[derive(Template, WebTemplate)]
#[template(path = "linkage.html")]
struct LinkagePage {
    page: Page,
    runs: Vec<RunSummary>,
    programmes: Vec<Programme>,
    open: usize,
    report: Option<RunReport>,
    /// Which form the values and errors belong to: `dedup` or `roll`.
    form: &'static str,
    f: Typed,
    errors: FormErrors,
}

impl LinkagePage {
    fn v(&self, form: &str, k: &str) -> String {
        if self.form == form {
            typed(&self.f, k)
        } else {
            String::new()
        }
    }
    fn err(&self, form: &str, k: &str) -> Option<&str> {
        if self.form == form {
            self.errors.get(k)
        } else {
            None
        }
    }
    /// Thresholds typed or refused stay in sight.
    fn thresholds_open(&self, form: &str) -> bool {
        ["auto", "review"]
            .iter()
            .any(|k| !self.v(form, k).is_empty() || self.err(form, k).is_some())
    }
    fn defaults(&self) -> Thresholds {
        Thresholds::default()
    }
    fn percent(&self, p: &f64) -> String {
        format!("{:.0}%", p * 100.0)
    }
    fn programme_name(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.programmes.iter().find(|p| p.id == id))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }
}

async fn linkage_page(
    state: &AppState,
    s: Signed,
    report: Option<RunReport>,
    form: &'static str,
    mut f: Typed,
    errors: FormErrors,
) -> Result<LinkagePage, WebError> {
    let actor = &s.caller.actor;
    let runs = state.store.link_runs(actor, 20).await?;
    let programmes: Vec<Programme> = state
        .store
        .programmes(actor)
        .await?
        .into_iter()
        .filter(|p| actor.can(Operation::LinkRecords, &p.area))
        .collect();
    let open = state.store.review_queue(actor, None, 500).await?.len();
    if !f.contains_key("area")
        && let Some(a) = actor.first_area(Operation::LinkRecords)
    {
        f.insert("area".into(), a.to_string());
    }
    Ok(LinkagePage {
        page: s.page,
        runs,
        programmes,
        open,
        report,
        form,
        f,
        errors,
    })
}

async fn home(State(state): State<AppState>, s: Signed) -> Result<Response, WebError> {
    s.require(Operation::LinkRecords, WebError::NotFound)?;
    Ok(
        linkage_page(&state, s, None, "", Typed::new(), FormErrors::default())
            .await?
            .into_response(),
    )
}

fn quiet() -> ruamjai_store::linkage::Progress {
    Arc::new(|_, _, _| {})
}

async fn dedup(
    State(state): State<AppState>,
    s: Signed,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    s.require(Operation::LinkRecords, WebError::NotFound)?;
    let area = AreaCode::parse(typed(&t, "area").trim()).map_err(|_| {
        StoreError::Invalid(ruamjai_domain::FieldError::new("area", "area_not_found").into())
    });
    let result = match (
        area,
        Thresholds::parse(&typed(&t, "auto"), &typed(&t, "review")),
    ) {
        (Ok(area), Ok(th)) => {
            if s.caller.actor.can(Operation::LinkRecords, &area) {
                state
                    .store
                    .link_registry(&s.caller.actor, &area, th, &s.page.meta, quiet())
                    .await
            } else {
                Err(StoreError::Invalid(
                    ruamjai_domain::FieldError::new("area", "area_not_found").into(),
                ))
            }
        }
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(StoreError::Invalid(threshold_error(e).into())),
    };
    match result {
        Ok(r) => Ok(
            linkage_page(&state, s, Some(r), "", Typed::new(), FormErrors::default())
                .await?
                .into_response(),
        ),
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                linkage_page(&state, s, None, "dedup", t, errors).await?,
            ))
        }
    }
}

/// Threshold errors name the form's fields (`auto`, `review`).
fn threshold_error(e: ruamjai_domain::FieldError) -> ruamjai_domain::FieldError {
    let field = if e.field == "auto_threshold" {
        "auto"
    } else {
        "review"
    };
    ruamjai_domain::FieldError::new(field, e.code)
}

async fn roll(
    State(state): State<AppState>,
    s: Signed,
    mut form: Multipart,
) -> Result<Response, WebError> {
    s.require(Operation::LinkRecords, WebError::NotFound)?;
    let mut t = Typed::new();
    let mut file: Option<(String, axum::body::Bytes)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(WebError::PayloadTooLarge);
            }
            Err(_) => {
                return Err(WebError::Invalid(
                    ruamjai_domain::FieldError::new("file", "invalid").into(),
                ));
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = clean_file_name(field.file_name().unwrap_or(""));
            match field.bytes().await {
                Ok(b) => file = Some((file_name, b)),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(WebError::PayloadTooLarge);
                }
                Err(_) => {
                    return Err(WebError::Invalid(
                        ruamjai_domain::FieldError::new("file", "invalid").into(),
                    ));
                }
            }
        } else if let Ok(v) = field.text().await {
            t.insert(name, v);
        }
    }
    let lang = s.page.lang;
    let st = &state;
    let fail = |s: Signed, t: Typed, field: &'static str, message: String| async move {
        let errors = FormErrors::from_field(field, message);
        Ok::<_, WebError>(unprocessable(
            linkage_page(st, s, None, "roll", t, errors).await?,
        ))
    };
    let Ok(programme_id) = typed(&t, "programme_id").trim().parse::<i64>() else {
        return fail(s, t, "programme_id", lang.error("required")).await;
    };
    let th = match Thresholds::parse(&typed(&t, "auto"), &typed(&t, "review")) {
        Ok(th) => th,
        Err(e) => {
            let e = threshold_error(e);
            return fail(s, t, e.field, lang.error(e.code)).await;
        }
    };
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return fail(s, t, "file", lang.t("import-error-no-file")).await;
    };
    let read = {
        let (bytes, name) = (bytes.clone(), file_name.clone());
        tokio::task::spawn_blocking(move || {
            read_table(&bytes, &name, ruamjai_store::linkage::MAX_ROLL_ROWS)
        })
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
    };
    let table = match read {
        Ok(table) if table.rows.is_empty() => {
            return fail(s, t, "file", lang.t("import-error-no-rows")).await;
        }
        Ok(table) => table,
        Err(TableError::Io(e)) => return Err(WebError::Internal(e.to_string())),
        Err(e) => return fail(s, t, "file", table_error(lang, &e)).await,
    };
    let result = state
        .store
        .link_roll(
            &s.caller.actor,
            programme_id,
            &file_name,
            &bytes,
            &table,
            th,
            &s.page.meta,
            quiet(),
        )
        .await;
    match result {
        Ok(r) => Ok(
            linkage_page(&state, s, Some(r), "", Typed::new(), FormErrors::default())
                .await?
                .into_response(),
        ),
        Err(StoreError::NotFound | StoreError::Forbidden) => {
            fail(s, t, "programme_id", lang.error("invalid_choice")).await
        }
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            Ok(unprocessable(
                linkage_page(&state, s, None, "roll", t, errors).await?,
            ))
        }
    }
}

/// Rows listed on a roll's page at most (a province's roll has tens of thousands; the
/// unmatched are what needs work, and there are few).
const ROLL_ROWS: u64 = 500;

#[derive(Debug, Deserialize)]
pub struct RollQuery {
    status: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "link_run.html")]
struct RollPage {
    page: Page,
    r: RollRows,
    /// `unmatched`, `review`, `linked` or `all`.
    status: String,
}

impl RollPage {
    /// The filters offered: (status, label key).
    fn filters(&self) -> [(&'static str, &'static str); 4] {
        [
            ("unmatched", "linkage-unmatched"),
            ("review", "linkage-queued"),
            ("linked", "linkage-linked"),
            ("all", "linkage-run-all"),
        ]
    }
    fn shown(&self) -> String {
        self.page.lang.t_args(
            "linkage-run-shown",
            &[
                ("shown", self.r.rows.len().to_string()),
                ("total", self.r.total.to_string()),
            ],
        )
    }
    fn status_label(&self, s: &RollStatus) -> &'static str {
        match s {
            RollStatus::Linked => "linkage-linked",
            RollStatus::Review => "linkage-queued",
            RollStatus::Unmatched => "linkage-unmatched",
        }
    }
}

/// One roll run's rows: by default those on the roll but not in the registry.
async fn run_rows(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Query(q): Query<RollQuery>,
) -> Result<Response, WebError> {
    s.require(Operation::LinkRecords, WebError::NotFound)?;
    let status = q.status.unwrap_or_else(|| "unmatched".to_owned());
    let filter = match status.as_str() {
        "all" => None,
        other => Some(RollStatus::parse(other).ok_or(WebError::NotFound)?),
    };
    let r = state
        .store
        .roll_rows(&s.caller.actor, id, filter, ROLL_ROWS, &s.page.meta)
        .await?;
    Ok(RollPage {
        page: s.page,
        r,
        status,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    area: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "link_queue.html")]
struct QueuePage {
    page: Page,
    area: String,
    items: Vec<ReviewSummary>,
}

impl QueuePage {
    fn percent(&self, p: &f64) -> String {
        format!("{:.0}%", p * 100.0)
    }
}

async fn queue(
    State(state): State<AppState>,
    s: Signed,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    s.require(Operation::LinkRecords, WebError::NotFound)?;
    let area = match q.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(area_code_or_404(a)?),
        None => None,
    };
    let items = state
        .store
        .review_queue(&s.caller.actor, area.as_ref(), 200)
        .await?;
    Ok(QueuePage {
        page: s.page,
        area: area.map(|a| a.to_string()).unwrap_or_default(),
        items,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "link_review.html")]
struct ReviewPage {
    page: Page,
    d: ReviewDetail,
    errors: FormErrors,
}

impl ReviewPage {
    fn percent(&self, p: &f64) -> String {
        format!("{:.0}%", p * 100.0)
    }
    /// The compared fields in one table: (label, left value, right value, same?).
    fn rows(&self) -> Vec<(String, String, String, bool)> {
        let mut keys: Vec<&str> = Vec::new();
        for (k, _) in self.d.left.fields.iter().chain(self.d.right.fields.iter()) {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        let get = |side: &ruamjai_store::linkage::PairSide, k: &str| {
            side.fields
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut out = vec![(
            self.page.t("link-name"),
            self.d.left.name.clone(),
            self.d.right.name.clone(),
            self.d.left.name == self.d.right.name,
        )];
        for k in keys {
            let (l, r) = (
                self.shown(k, get(&self.d.left, k)),
                self.shown(k, get(&self.d.right, k)),
            );
            let label = match self.page.lang.try_t(&format!("link-field-{k}")) {
                Some(t) => t,
                None => k.to_owned(),
            };
            let same = !l.is_empty() && l == r;
            out.push((label, l, r, same));
        }
        out
    }
    /// A registry value as people read it (sex and status named, dates in the Buddhist era);
    /// a roll's cells stay as they came.
    fn shown(&self, k: &str, v: String) -> String {
        let lang = self.page.lang;
        match k {
            "sex" | "status" => lang.try_t(&format!("{k}-{v}")).unwrap_or(v),
            "birth" => ruamjai_domain::registry::PartialDate::parse_any("birth", &v)
                .map(|d| self.page.pdate(&d))
                .unwrap_or(v),
            _ => v,
        }
    }
    fn field_name(&self, f: &str) -> String {
        self.page.t(&format!("link-weight-{f}"))
    }
    fn level_name(&self, l: &Option<String>) -> String {
        match l {
            Some(l) => self
                .page
                .lang
                .try_t(&format!(
                    "link-level-{}",
                    l.replace([' ', '±', '>', '='], "_")
                ))
                .unwrap_or_else(|| l.clone()),
            None => self.page.t("link-level-missing"),
        }
    }
    fn weight(&self, w: &f64) -> String {
        format!("{w:+.1}")
    }
    fn is_open(&self) -> bool {
        matches!(
            self.d.summary.status,
            ruamjai_domain::linkage::ReviewStatus::Open
                | ruamjai_domain::linkage::ReviewStatus::Skipped
        )
    }
}

async fn review(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    s.require(Operation::LinkRecords, WebError::NotFound)?;
    let d = state
        .store
        .review_item(&s.caller.actor, id, &s.page.meta)
        .await?;
    Ok(ReviewPage {
        page: s.page,
        d,
        errors: FormErrors::default(),
    }
    .into_response())
}

async fn decide(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    s.require(Operation::LinkRecords, WebError::NotFound)?;
    let Some(decision) = Decision::parse(&typed(&t, "decision")) else {
        return Err(WebError::Invalid(
            ruamjai_domain::FieldError::new("decision", "invalid_choice").into(),
        ));
    };
    match state
        .store
        .decide(&s.caller.actor, id, decision, &s.page.meta)
        .await
    {
        Ok(_) => {
            // On to the next pair, if there is one.
            let next = state
                .store
                .review_queue(&s.caller.actor, None, 2)
                .await?
                .into_iter()
                .find(|r| r.id != id && r.status == ruamjai_domain::linkage::ReviewStatus::Open);
            Ok(see_other(&match next {
                Some(r) => format!("/linkage/review/{}", r.id),
                None => "/linkage/review".to_owned(),
            }))
        }
        Err(e) => {
            let errors = form_errors(e, s.page.lang)?;
            let d = state
                .store
                .review_item(&s.caller.actor, id, &s.page.meta)
                .await?;
            Ok(unprocessable(ReviewPage {
                page: s.page,
                d,
                errors,
            }))
        }
    }
}

async fn undo(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<i64>,
    Form(t): Form<Typed>,
) -> Result<Response, WebError> {
    let person: i64 = typed(&t, "person_id")
        .parse()
        .map_err(|_| WebError::NotFound)?;
    match state
        .store
        .undo_merge(&s.caller.actor, id, &s.page.meta)
        .await
    {
        Ok(()) | Err(StoreError::Invalid(_)) => Ok(see_other(&format!("/persons/{person}"))),
        Err(e) => Err(e.into()),
    }
}
