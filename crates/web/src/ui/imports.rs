//! Person imports in the browser — upload, column mapping, dry run, then the real run in the
//! background with a progress bar — and exports as CSV or XLSX.
//!
//! An upload is kept as a temporary file (readable by this process only) with a job record in
//! memory: who uploaded it, its name and SHA-256, the mapping chosen so far and where the run
//! stands. Only the uploader sees a job; jobs and their files go after 24 hours, and a file as
//! soon as its rows are in the registry. Nothing here survives a restart, which is fine: an
//! import is all or nothing, so an interrupted one can simply be uploaded again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ruamjai_domain::areas::{AreaCode, AreaLevel};
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::registry::Category;
use ruamjai_domain::registry::import::{ColumnMap, ImportField, check_map, recognise};
use ruamjai_domain::{FieldError, Invalid};
use ruamjai_store::registry::{EXPORT_COLUMNS, ExportFilter, ImportPlan, ImportReport};
use ruamjai_store::tabular::{Table, TableError, TableRow, read_table, write_csv, write_xlsx};
use ruamjai_store::{Store, StoreError};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::reports::{category_label, group_digits};
use super::{FormErrors, Page, Signed, see_other};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Lang;

/// Largest upload.
const MAX_UPLOAD: usize = 64 << 20;
/// Most data rows in one file.
const MAX_ROWS: usize = 1_000_000;
/// How long an upload waits for its import.
const JOB_TTL: Duration = Duration::from_secs(24 * 3600);
/// Phases of a run, in order (`import-phase-<phase>` are their names for people).
pub(crate) const PHASES: [&str; 7] = [
    "queued",
    "read",
    "check",
    "compare",
    "households",
    "write",
    "counts",
];

/// The import and export routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(upload_page)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/import/{job}", get(job_page))
        .route("/import/{job}/check", post(check))
        .route("/import/{job}/run", post(run))
        .route("/import/{job}/progress", get(progress))
        .route("/export", get(export_page))
        .route("/export/download", get(download))
}

// ---------------------------------------------------------------------------------------------
// Jobs

/// The uploads and imports of this process, by job id.
#[derive(Clone, Default)]
pub(crate) struct Jobs(Arc<Mutex<HashMap<String, Arc<Job>>>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Jobs {
    fn insert(&self, job: Job) -> Arc<Job> {
        let job = Arc::new(job);
        lock(&self.0).insert(job.id.clone(), job.clone());
        job
    }

    /// The caller's job; anyone else's, an expired or an unknown one is not found.
    fn get(&self, id: &str, owner: i64) -> Result<Arc<Job>, WebError> {
        self.purge();
        lock(&self.0)
            .get(id)
            .filter(|j| j.owner == owner)
            .cloned()
            .ok_or(WebError::NotFound)
    }

    /// Forget jobs older than a day (unless still running); their files go with them.
    fn purge(&self) {
        lock(&self.0).retain(|_, j| {
            j.created.elapsed() < JOB_TTL || matches!(lock(&j.state).stage, Stage::Running { .. })
        });
    }
}

/// One uploaded file and its way into the registry.
pub(crate) struct Job {
    id: String,
    owner: i64,
    file_name: String,
    sha256: String,
    path: PathBuf,
    created: Instant,
    headers: Vec<String>,
    /// Up to three non-empty values per column.
    samples: Vec<Vec<String>>,
    rows: usize,
    state: Mutex<JobState>,
}

impl Drop for Job {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

struct JobState {
    map: ColumnMap,
    default_village: String,
    /// Problems of the mapping itself, from the last check.
    map_errors: Vec<FieldError>,
    /// The last dry run (or a run that found bad rows).
    report: Option<ImportReport>,
    /// The mapping passed a clean dry run: "import" may go.
    ready: bool,
    stage: Stage,
}

enum Stage {
    Mapping,
    Running {
        phase: &'static str,
        done: usize,
        total: usize,
    },
    Finished(ImportReport),
    Failed,
}

impl Job {
    fn plan(&self, st: &JobState, dry_run: bool) -> ImportPlan {
        ImportPlan {
            file_name: self.file_name.clone(),
            file_sha256: self.sha256.clone(),
            map: st.map.clone(),
            default_village: AreaCode::parse(&st.default_village).ok(),
            dry_run,
        }
    }

    /// The data rows, read again from the kept file.
    async fn read_rows(&self) -> Result<Vec<TableRow>, WebError> {
        let path = self.path.clone();
        let name = self.file_name.clone();
        tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&path).map_err(|e| WebError::Internal(e.to_string()))?;
            read_table(&bytes, &name, MAX_ROWS)
                .map(|t| t.rows)
                .map_err(|e| WebError::Internal(e.to_string()))
        })
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
    }

    /// Rows are in the registry: the file can go.
    fn imported(&self, st: &JobState) -> bool {
        matches!(&st.stage, Stage::Finished(r) if r.import_id.is_some() || r.errors.is_empty())
    }
}

// ---------------------------------------------------------------------------------------------
// Upload

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct UploadPage {
    page: Page,
    error: Option<String>,
}

async fn upload_page(s: Signed) -> Result<Response, WebError> {
    s.require(Operation::ImportPersons, WebError::Forbidden)?;
    Ok(UploadPage {
        page: s.page,
        error: None,
    }
    .into_response())
}

/// The uploaded file's name without any folder, shortened.
pub(crate) fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let base: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if base.trim().is_empty() {
        "upload".into()
    } else {
        base
    }
}

pub(crate) fn table_error(lang: Lang, e: &TableError) -> String {
    match e {
        TableError::Empty => lang.t("import-error-empty"),
        TableError::UnknownFormat => lang.t("import-error-format"),
        TableError::Csv { line, .. } => format!("{} {line}", lang.t("import-error-csv")),
        TableError::TooManyRows(_) => lang.t("import-error-too-many"),
        TableError::Xlsx(_) | TableError::Io(_) => lang.t("import-error-read"),
    }
}

/// Up to three non-empty values of each column.
fn samples(t: &Table) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new(); t.headers.len()];
    for row in &t.rows {
        if out.iter().all(|s| s.len() >= 3) {
            break;
        }
        for (i, s) in out.iter_mut().enumerate() {
            let v = row.cell(i);
            if s.len() < 3 && !v.is_empty() {
                s.push(v.chars().take(60).collect());
            }
        }
    }
    out
}

/// Keep the upload where only this process's user can read it.
fn save_upload(bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join("ruamjai-imports");
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir)?;
    let path = dir.join(uuid::Uuid::new_v4().simple().to_string());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&path)?, bytes)?;
    Ok(path)
}

async fn upload(
    State(state): State<AppState>,
    s: Signed,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, WebError> {
    s.require(Operation::ImportPersons, WebError::Forbidden)?;
    let htmx = headers.contains_key("hx-request");
    let lang = s.page.lang;
    let fail = |page: Page, message: String| {
        // htmx swaps only successful answers; a browser without it gets the proper status.
        let status = if htmx {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Ok((
            status,
            UploadPage {
                page,
                error: Some(message),
            },
        )
            .into_response())
    };
    let mut file: Option<(String, Bytes)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(WebError::PayloadTooLarge);
            }
            Err(_) => return fail(s.page, lang.t("import-error-read")),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = clean_file_name(field.file_name().unwrap_or(""));
        match field.bytes().await {
            Ok(b) => file = Some((name, b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(WebError::PayloadTooLarge);
            }
            Err(_) => return fail(s.page, lang.t("import-error-read")),
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return fail(s.page, lang.t("import-error-no-file"));
    };
    let read = {
        let (bytes, name) = (bytes.clone(), file_name.clone());
        tokio::task::spawn_blocking(move || {
            let table = read_table(&bytes, &name, MAX_ROWS)?;
            let path = save_upload(&bytes).map_err(TableError::Io)?;
            Ok::<_, TableError>((table, path))
        })
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
    };
    let (table, path) = match read {
        Ok(x) => x,
        Err(TableError::Io(e)) => return Err(WebError::Internal(e.to_string())),
        Err(e) => return fail(s.page, table_error(lang, &e)),
    };
    if table.rows.is_empty() {
        let _ = std::fs::remove_file(&path);
        return fail(s.page, lang.t("import-error-no-rows"));
    }
    let job = state.import_jobs.insert(Job {
        id: uuid::Uuid::new_v4().simple().to_string(),
        owner: s.caller.user.id,
        file_name,
        sha256: hex::encode(Sha256::digest(&bytes)),
        path,
        created: Instant::now(),
        samples: samples(&table),
        rows: table.rows.len(),
        state: Mutex::new(JobState {
            map: recognise(&table.headers),
            default_village: String::new(),
            map_errors: Vec::new(),
            report: None,
            ready: false,
            stage: Stage::Mapping,
        }),
        headers: table.headers,
    });
    state.import_jobs.purge();
    let to = format!("/import/{}", job.id);
    if htmx {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().insert(
            "hx-redirect",
            HeaderValue::from_str(&to).map_err(|e| WebError::Internal(e.to_string()))?,
        );
        Ok(r)
    } else {
        Ok(see_other(&to))
    }
}

// ---------------------------------------------------------------------------------------------
// Mapping and dry run

/// A field's name for people (error lists name fields that are not mapping choices too).
fn field_label(lang: Lang, field: &str) -> String {
    let known = ImportField::ALL.iter().any(|f| f.as_str() == field)
        || matches!(field, "status" | "status_date");
    if known {
        lang.t(&format!("import-field-{field}"))
    } else {
        field.to_owned()
    }
}

/// Spreadsheet column letters: A, B, …, Z, AA, AB, …
fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// One column of the file in the mapping form.
struct ColumnView {
    /// `col-<n>`: the select's name and id.
    id: String,
    letter: String,
    header: String,
    samples: String,
    /// The chosen field (stable name; empty: ignored).
    selected: String,
    error: Option<String>,
    /// Rows whose problems are in this column.
    problems: usize,
}

/// One bad row.
struct BadRowView {
    line: usize,
    /// (field, message)
    items: Vec<(String, String)>,
}

struct ReportView {
    rows_total: String,
    added: String,
    skipped: String,
    households: String,
    previous: Option<String>,
    bad: Vec<BadRowView>,
}

fn bad_rows(lang: Lang, r: &ImportReport) -> Vec<BadRowView> {
    r.errors
        .iter()
        .map(|e| BadRowView {
            line: e.line,
            items: e
                .errors
                .iter()
                .map(|f| (field_label(lang, f.field), lang.error(f.code)))
                .collect(),
        })
        .collect()
}

fn report_view(page: &Page, r: &ImportReport) -> ReportView {
    ReportView {
        rows_total: group_digits(r.rows_total as u64),
        added: group_digits(r.added as u64),
        skipped: group_digits(r.skipped as u64),
        households: group_digits(r.households_added as u64),
        previous: r.previous.map(|(_, at)| page.datetime(&at)),
        bad: bad_rows(page.lang, r),
    }
}

/// What the job page header shows about the file.
struct JobView {
    id: String,
    file_name: String,
    rows: String,
}

fn job_view(job: &Job) -> JobView {
    JobView {
        id: job.id.clone(),
        file_name: job.file_name.clone(),
        rows: group_digits(job.rows as u64),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import_map.html")]
struct MapPage {
    page: Page,
    job: JobView,
    columns: Vec<ColumnView>,
    /// (stable name, label)
    fields: Vec<(&'static str, String)>,
    default_village: String,
    village_error: Option<String>,
    general_errors: Vec<String>,
    report: Option<ReportView>,
    ready: bool,
}

fn map_page(page: Page, job: &Job) -> MapPage {
    let lang = page.lang;
    let st = lock(&job.state);
    let mut general_errors = Vec::new();
    let mut village_error = None;
    let mut twice: Vec<(&str, String)> = Vec::new();
    for e in &st.map_errors {
        let message = format!("{}: {}", field_label(lang, e.field), lang.error(e.code));
        match (e.field, e.code) {
            ("default_village", _) => village_error = Some(lang.error(e.code)),
            (f, "column_twice") => twice.push((f, lang.error(e.code))),
            ("village_code", _) => {
                village_error.get_or_insert_with(|| message.clone());
                general_errors.push(message);
            }
            _ => general_errors.push(message),
        }
    }
    let report = st.report.as_ref().map(|r| report_view(&page, r));
    let columns = job
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let field = st.map.get(i).copied().flatten();
            let selected = field.map_or("", |f| f.as_str());
            let problems = match (field, &st.report) {
                (Some(f), Some(r)) => r
                    .errors
                    .iter()
                    .filter(|e| {
                        e.errors.iter().any(|x| {
                            x.field == f.as_str()
                                || (f == ImportField::FullName
                                    && matches!(x.field, "first_name" | "last_name"))
                        })
                    })
                    .count(),
                _ => 0,
            };
            ColumnView {
                id: format!("col-{i}"),
                letter: column_letter(i),
                header: h.clone(),
                samples: job
                    .samples
                    .get(i)
                    .map(|s| s.join(" · "))
                    .unwrap_or_default(),
                selected: selected.to_owned(),
                error: twice
                    .iter()
                    .find(|(f, _)| !selected.is_empty() && *f == selected)
                    .map(|(_, m)| m.clone()),
                problems,
            }
        })
        .collect();
    MapPage {
        job: job_view(job),
        columns,
        fields: ImportField::ALL
            .iter()
            .map(|f| (f.as_str(), lang.t(&format!("import-field-{}", f.as_str()))))
            .collect(),
        default_village: st.default_village.clone(),
        village_error,
        general_errors,
        report,
        ready: st.ready,
        page,
    }
}

#[derive(Deserialize, Default)]
pub struct JobQuery {
    #[serde(default)]
    step: String,
}

/// The job's page: the mapping form, or the run's progress once it started.
async fn job_page(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    Query(q): Query<JobQuery>,
) -> Result<Response, WebError> {
    s.require(Operation::ImportPersons, WebError::Forbidden)?;
    let job = state.import_jobs.get(&id, s.caller.user.id)?;
    let mapping = {
        let st = lock(&job.state);
        match st.stage {
            Stage::Mapping => true,
            Stage::Running { .. } => false,
            Stage::Finished(_) | Stage::Failed => {
                q.step == "map" && !job.imported(&st) && job.path.exists()
            }
        }
    };
    if mapping {
        Ok(map_page(s.page, &job).into_response())
    } else {
        let p = progress_view(&s.page, &job);
        Ok(RunPage {
            job: job_view(&job),
            p,
            page: s.page,
        }
        .into_response())
    }
}

/// The mapping form's choices: `col-<n>` → field (empty: ignored), and the default village.
fn read_mapping(columns: usize, form: &[(String, String)]) -> (ColumnMap, String) {
    let mut map: ColumnMap = vec![None; columns];
    let mut village = String::new();
    for (k, v) in form {
        if k == "default_village" {
            village = v.trim().to_owned();
        } else if let Some(i) = k.strip_prefix("col-").and_then(|n| n.parse::<usize>().ok())
            && i < columns
        {
            map[i] = ImportField::parse(v);
        }
    }
    (map, village)
}

async fn check(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    s.require(Operation::ImportPersons, WebError::Forbidden)?;
    let job = state.import_jobs.get(&id, s.caller.user.id)?;
    let (map, village) = read_mapping(job.headers.len(), &form);
    let mut problems = check_map(&map, !village.is_empty())
        .err()
        .unwrap_or_default();
    if !village.is_empty() {
        match AreaCode::parse(&village) {
            Ok(c) if c.level() == AreaLevel::Village => {}
            Ok(_) => problems.push(FieldError::new("default_village", "not_a_village")),
            Err(_) => problems.push(FieldError::new("default_village", "invalid_area_code")),
        }
    }
    let plan = {
        let mut st = lock(&job.state);
        if matches!(st.stage, Stage::Running { .. }) || job.imported(&st) {
            return Ok(see_other(&format!("/import/{id}")));
        }
        st.stage = Stage::Mapping;
        st.map = map;
        st.default_village = village;
        st.ready = false;
        st.report = None;
        st.map_errors = problems.clone();
        job.plan(&st, true)
    };
    if !problems.is_empty() {
        let page = map_page(s.page, &job);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let rows = job.read_rows().await?;
    let report = state
        .store
        .import_persons(&s.caller.actor, &plan, rows, &|_, _, _| {}, &s.page.meta)
        .await?;
    {
        let mut st = lock(&job.state);
        // Only if nobody changed the mapping meanwhile (another tab).
        if st.map == plan.map {
            st.ready = report.errors.is_empty();
            st.report = Some(report);
        }
    }
    Ok(map_page(s.page, &job).into_response())
}

// ---------------------------------------------------------------------------------------------
// The real run and its progress

async fn run(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    s.require(Operation::ImportPersons, WebError::Forbidden)?;
    let job = state.import_jobs.get(&id, s.caller.user.id)?;
    let to = format!("/import/{id}");
    let plan = {
        let mut st = lock(&job.state);
        if !st.ready || !matches!(st.stage, Stage::Mapping) {
            return Ok(see_other(&to));
        }
        st.ready = false;
        st.stage = Stage::Running {
            phase: "queued",
            done: 0,
            total: 0,
        };
        job.plan(&st, false)
    };
    let task = tokio::spawn(run_job(
        state.store.clone(),
        s.caller.actor.clone(),
        s.page.meta.clone(),
        job.clone(),
        plan,
    ));
    // A run that panicked must not look like it is still going.
    tokio::spawn(async move {
        if task.await.is_err() {
            lock(&job.state).stage = Stage::Failed;
        }
    });
    Ok(see_other(&to))
}

async fn run_job(store: Store, actor: Actor, meta: RequestMeta, job: Arc<Job>, plan: ImportPlan) {
    let set = |phase: &'static str, done: usize, total: usize| {
        lock(&job.state).stage = Stage::Running { phase, done, total };
    };
    set("read", 0, 0);
    let rows = match job.read_rows().await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error.cause = %e, "import: reading the upload failed");
            lock(&job.state).stage = Stage::Failed;
            return;
        }
    };
    let result = store.import_persons(&actor, &plan, rows, &set, &meta).await;
    let mut st = lock(&job.state);
    match result {
        Ok(report) => {
            if report.errors.is_empty() {
                let _ = std::fs::remove_file(&job.path);
            } else {
                // The registry changed since the dry run: show the rows on the mapping page too.
                st.report = Some(report.clone());
            }
            st.stage = Stage::Finished(report);
        }
        Err(e) => {
            if let StoreError::Db(cause) = &e {
                tracing::error!(error.cause = %cause, "import failed");
            }
            st.stage = Stage::Failed;
        }
    }
}

struct ResultView {
    added: String,
    skipped: String,
    households: String,
    import_id: String,
}

struct ProgressView {
    id: String,
    running: bool,
    phase: String,
    done: usize,
    total: usize,
    count: String,
    result: Option<ResultView>,
    bad: Vec<BadRowView>,
    failed: bool,
    can_remap: bool,
}

fn progress_view(page: &Page, job: &Job) -> ProgressView {
    let lang = page.lang;
    let st = lock(&job.state);
    let mut v = ProgressView {
        id: job.id.clone(),
        running: false,
        phase: String::new(),
        done: 0,
        total: 0,
        count: String::new(),
        result: None,
        bad: Vec::new(),
        failed: false,
        can_remap: false,
    };
    match &st.stage {
        Stage::Mapping => {
            v.phase = lang.t("import-phase-queued");
            v.running = true;
        }
        Stage::Running { phase, done, total } => {
            v.running = true;
            // A phase the store may add later is shown as the writing phase.
            let phase = if PHASES.contains(phase) {
                phase
            } else {
                &"write"
            };
            v.phase = lang.t(&format!("import-phase-{phase}"));
            v.done = (*done).min(*total);
            v.total = *total;
            if *total > 0 {
                v.count = format!(
                    "{} / {}",
                    group_digits(v.done as u64),
                    group_digits(*total as u64)
                );
            }
        }
        Stage::Finished(r) if r.errors.is_empty() => {
            v.result = Some(ResultView {
                added: group_digits(r.added as u64),
                skipped: group_digits(r.skipped as u64),
                households: group_digits(r.households_added as u64),
                import_id: r.import_id.map(|i| i.to_string()).unwrap_or_default(),
            });
        }
        Stage::Finished(r) => {
            v.bad = bad_rows(lang, r);
            v.can_remap = job.path.exists();
        }
        Stage::Failed => {
            v.failed = true;
            v.can_remap = job.path.exists();
        }
    }
    v
}

#[derive(Template, WebTemplate)]
#[template(path = "import_run.html")]
struct RunPage {
    page: Page,
    job: JobView,
    p: ProgressView,
}

#[derive(Template, WebTemplate)]
#[template(path = "import_progress.html")]
struct ProgressFragment {
    page: Page,
    p: ProgressView,
}

/// The progress fragment htmx polls; once the run is over it comes without the trigger.
async fn progress(
    State(state): State<AppState>,
    s: Signed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    s.require(Operation::ImportPersons, WebError::Forbidden)?;
    let job = state.import_jobs.get(&id, s.caller.user.id)?;
    let p = progress_view(&s.page, &job);
    let mut r = ProgressFragment { page: s.page, p }.into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Export

#[derive(Deserialize, Default)]
pub struct ExportParams {
    #[serde(default)]
    area: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    format: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "export.html")]
struct ExportPage {
    page: Page,
    area: String,
    category: String,
    format: String,
    /// (stable name, label)
    categories: Vec<(&'static str, String)>,
    errors: FormErrors,
}

fn exporter(s: &Signed) -> Result<(), WebError> {
    if s.caller.actor.can_somewhere(Operation::ExportPersons) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

fn export_form(s: Signed, p: ExportParams, errors: FormErrors) -> ExportPage {
    let lang = s.page.lang;
    let sensitive = s.caller.actor.can_somewhere(Operation::ViewSensitive);
    ExportPage {
        categories: Category::ALL
            .into_iter()
            .filter(|c| sensitive || !c.is_sensitive())
            .map(|c| (c.as_str(), category_label(lang, c)))
            .collect(),
        page: s.page,
        area: p.area,
        category: p.category,
        format: if p.format == "xlsx" {
            "xlsx".into()
        } else {
            "csv".into()
        },
        errors,
    }
}

async fn export_page(s: Signed, Query(p): Query<ExportParams>) -> Result<Response, WebError> {
    exporter(&s)?;
    Ok(export_form(s, p, FormErrors::default()).into_response())
}

async fn download(
    State(state): State<AppState>,
    s: Signed,
    Query(p): Query<ExportParams>,
) -> Result<Response, WebError> {
    exporter(&s)?;
    let mut problems = Vec::new();
    let area = match p.area.trim() {
        "" => None,
        a => match AreaCode::parse(a) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.push(FieldError::new("area", e.code));
                None
            }
        },
    };
    let category = match p.category.trim() {
        "" => None,
        c => {
            let c = Category::parse(c);
            if c.is_none() {
                problems.push(FieldError::new("category", "invalid_choice"));
            }
            c
        }
    };
    let xlsx = match p.format.as_str() {
        "" | "csv" => false,
        "xlsx" => true,
        _ => {
            problems.push(FieldError::new("format", "invalid_choice"));
            false
        }
    };
    let refuse = |s: Signed, p: ExportParams, problems: Vec<FieldError>| {
        let errors = FormErrors::from_invalid(&Invalid(problems), s.page.lang);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, export_form(s, p, errors)).into_response())
    };
    if !problems.is_empty() {
        return refuse(s, p, problems);
    }
    let filter = ExportFilter {
        area: area.clone(),
        category,
        ..Default::default()
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let exported = state
        .store
        .export_persons(&s.caller.actor, &filter, &s.page.meta, |r| {
            rows.push(r);
            Ok(())
        })
        .await;
    match exported {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            return refuse(s, p, vec![FieldError::new("area", "unknown_area")]);
        }
        Err(e) => return Err(e.into()),
    }
    let bytes = tokio::task::spawn_blocking(move || {
        if xlsx {
            write_xlsx("persons", &EXPORT_COLUMNS, rows.into_iter())
                .map_err(|e| WebError::Internal(e.to_string()))
        } else {
            let mut out = Vec::new();
            write_csv(&EXPORT_COLUMNS, rows.into_iter(), &mut out)
                .map_err(|e| WebError::Internal(e.to_string()))?;
            Ok(out)
        }
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))??;
    let today = ruamjai_store::registry::today().format("%Y%m%d");
    let scope = area.as_ref().map_or("all", |a| a.as_str());
    let (ext, mime) = if xlsx {
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        ("csv", "text/csv; charset=utf-8")
    };
    let disposition = format!("attachment; filename=\"ruamjai-persons-{scope}-{today}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn uploaded_names_lose_their_folders() {
        assert_eq!(clean_file_name("C:\\Users\\a\\รายชื่อ.xlsx"), "รายชื่อ.xlsx");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name(""), "upload");
    }

    #[test]
    fn the_mapping_form_is_read_by_column_number() {
        let form = vec![
            ("csrf".to_owned(), "x".to_owned()),
            ("col-1".to_owned(), "first_name".to_owned()),
            ("col-0".to_owned(), "".to_owned()),
            ("col-9".to_owned(), "last_name".to_owned()),
            ("default_village".to_owned(), " 55010101 ".to_owned()),
        ];
        let (map, village) = read_mapping(2, &form);
        assert_eq!(map, vec![None, Some(ImportField::FirstName)]);
        assert_eq!(village, "55010101");
    }
}
