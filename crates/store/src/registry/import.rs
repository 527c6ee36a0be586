//! Person imports (all rows or none, idempotent, recorded) and exports (what the caller may
//! see, audited).
//!
//! An import checks every row and reports every bad one with its line and fields; when any row
//! is bad nothing is written. Rows whose identity (the ID number; names + birth date + village
//! when there is no number) is already in the registry are skipped, so the same file twice adds
//! nothing. Rows stream through one transaction in batches: checked on every core, compared with
//! the registry, and written (see [`crate::bulk`]) while the next batch is being checked.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::registry::import::{ColumnMap, parse_categories, row_to_form};
use ruamjai_domain::registry::search::person_key;
use ruamjai_domain::registry::{
    Category, CategoryInput, PersonInput, PovertyDimensions, Verification,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Statement,
};
use serde::Serialize;
use tokio::sync::mpsc;

use super::entity::{households, imports, persons};
use super::{PersonQuery, count_keys, identity_key, today};
use crate::audit::{self, NewEntry};
use crate::bulk::{BulkTx, Rows, Ty};
use crate::tabular::{TableError, TableRow};
use crate::{Result, Store, StoreError};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// File name as uploaded (recorded).
    pub file_name: String,
    /// SHA-256 of the file's bytes (recorded; a repeated file is reported).
    pub file_sha256: String,
    /// Which column feeds which field.
    pub map: ColumnMap,
    /// Village for rows without a village column or value.
    pub default_village: Option<AreaCode>,
    /// Check only; write nothing.
    pub dry_run: bool,
}

/// One bad row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRowError {
    /// Line in the file.
    pub line: usize,
    /// Problems, each naming its field.
    pub errors: Vec<FieldError>,
}

/// The result of an import (or its dry run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Data rows read.
    pub rows_total: usize,
    /// Persons added (or that would be, in a dry run).
    pub added: usize,
    /// Rows already in the registry (skipped).
    pub skipped: usize,
    /// Households created.
    pub households_added: usize,
    /// Bad rows; when not empty, nothing was written.
    pub errors: Vec<ImportRowError>,
    /// Nothing was written because this was a dry run.
    pub dry_run: bool,
    /// The import record (real runs that wrote).
    pub import_id: Option<i64>,
    /// The same file was imported before (id and when).
    pub previous: Option<(i64, DateTime<Utc>)>,
}

/// A row that passed every check.
#[derive(Debug, Clone)]
pub struct PreparedRow {
    line: usize,
    input: PersonInput,
    categories: Vec<CategoryInput>,
    dims: Option<PovertyDimensions>,
    /// Identity: see [`identity_key`].
    key: String,
    /// Folded search terms: see [`person_key`].
    search: String,
}

impl PreparedRow {
    fn new(
        line: usize,
        input: PersonInput,
        categories: Vec<CategoryInput>,
        dims: Option<PovertyDimensions>,
    ) -> Self {
        let search = person_key(
            &input.first_name,
            &input.last_name,
            input.id_number.as_deref(),
            input.phone.as_deref(),
            input.house_number.as_deref(),
        );
        Self {
            line,
            key: identity_key(&input),
            search,
            input,
            categories,
            dims,
        }
    }
}

/// Rows checked, ready to write.
#[derive(Debug, Default)]
pub struct PreparedImport {
    rows: Vec<PreparedRow>,
}

/// A person from a trusted generator: the person, their categories, and their household's
/// poverty dimensions (the first row of a household that carries them sets them).
pub type GeneratedPerson = (PersonInput, Vec<CategoryInput>, Option<PovertyDimensions>);

impl PreparedImport {
    /// Rows made by a trusted generator (the demo and benchmarks), already checked by their
    /// types.
    pub fn from_inputs(rows: impl IntoIterator<Item = GeneratedPerson>) -> Self {
        Self {
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(i, (input, categories, dims))| {
                    PreparedRow::new(i + 1, input, categories, dims)
                })
                .collect(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Progress of a long import: phase and rows done of total.
pub type Progress<'a> = &'a (dyn Fn(&'static str, usize, usize) + Sync);

/// What to export.
pub type ExportFilter = PersonQuery;

/// Columns of an export; the names are import field names, so an export imports back.
pub const EXPORT_COLUMNS: [&str; 20] = [
    "person_id",
    "id_kind",
    "id_number",
    "prefix",
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "age",
    "phone",
    "village_code",
    "house_number",
    "relation",
    "lat",
    "lon",
    "status",
    "status_date",
    "verification",
    "categories",
    "updated_at",
];

/// Rows per step of an import: checked together, looked up together, written together.
const BATCH: usize = 8_192;

const HOUSEHOLD_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("village_code", Ty::Text),
    ("house_number", Ty::Text),
    ("lat", Ty::Float),
    ("lon", Ty::Float),
    ("dim_health", Ty::Bool),
    ("dim_living", Ty::Bool),
    ("dim_education", Ty::Bool),
    ("dim_income", Ty::Bool),
    ("dim_access", Ty::Bool),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
    ("version", Ty::Int),
];

const PERSON_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("id_kind", Ty::Text),
    ("id_number", Ty::Text),
    ("prefix", Ty::Text),
    ("first_name", Ty::Text),
    ("last_name", Ty::Text),
    ("sex", Ty::Text),
    ("birth_date", Ty::Date),
    ("birth_precision", Ty::Text),
    ("phone", Ty::Text),
    ("village_code", Ty::Text),
    ("household_id", Ty::Int),
    ("relation", Ty::Text),
    ("lat", Ty::Float),
    ("lon", Ty::Float),
    ("status", Ty::Text),
    ("status_date", Ty::Date),
    ("verification", Ty::Text),
    ("search_key", Ty::Text),
    ("identity_key", Ty::Text),
    ("import_id", Ty::Int),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
    ("created_by", Ty::Int),
    ("updated_by", Ty::Int),
    ("version", Ty::Int),
];

const CATEGORY_COLS: &[(&str, Ty)] = &[
    ("person_id", Ty::Int),
    ("category", Ty::Text),
    ("disability_type", Ty::Text),
    ("card_number", Ty::Text),
    ("card_expiry", Ty::Date),
    ("note", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Int),
];

/// One checked row: its line, the row when its fields are valid, and every problem found.
type Checked = (usize, Option<PreparedRow>, Vec<FieldError>);

/// What checking a row needs (shared by the checking threads).
struct CheckCtx {
    map: ColumnMap,
    default_village: Option<String>,
    actor: Actor,
    today: NaiveDate,
}

impl CheckCtx {
    fn check(&self, row: TableRow) -> Checked {
        let (form, cats) = row_to_form(&self.map, row.cells, self.default_village.as_deref());
        let mut errors = Vec::new();
        let categories = match parse_categories(&cats) {
            Ok(c) => c,
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        };
        match form.check(self.today) {
            Ok(input) => {
                if categories.iter().any(|c| c.is_sensitive())
                    && !self.actor.can(Operation::ViewSensitive, &input.village)
                {
                    errors.push(FieldError::new("categories", "sensitive_not_permitted"));
                }
                let categories = categories
                    .into_iter()
                    .map(|category| CategoryInput {
                        category,
                        disability_type: None,
                        card_number: None,
                        card_expiry: None,
                        note: None,
                    })
                    .collect();
                let r = PreparedRow::new(row.line, input, categories, None);
                (row.line, Some(r), errors)
            }
            Err(inv) => {
                errors.extend(inv.0);
                (row.line, None, errors)
            }
        }
    }
}

/// Rows of an import as they are read: a table already in memory, or a file read as it goes
/// (the import then never holds the whole file). A read error ends the rows; it is reported as
/// a bad row at its line, so nothing is written.
pub type RowSource = Box<dyn Iterator<Item = std::result::Result<TableRow, TableError>> + Send>;

/// What the checking threads hand on, in file order.
enum Piece {
    Rows(Vec<Checked>),
    /// The file could not be read from this line on.
    Unreadable(usize),
}

/// Read and check `rows` in the background: one thread reads [`BATCH`] rows at a time and deals
/// them out in turn to a checking thread per core; batch `i` goes to checker `i % n` and comes
/// back on that checker's queue, so taking the queues in turn yields the batches in file order.
/// Every queue holds one or two batches, which keeps memory bounded and the checkers just ahead
/// of the writer.
fn check_in_background(ctx: Arc<CheckCtx>, mut rows: RowSource) -> Vec<mpsc::Receiver<Piece>> {
    enum Input {
        Rows(Vec<TableRow>),
        Unreadable(usize),
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let mut inputs = Vec::with_capacity(threads);
    let mut outputs = Vec::with_capacity(threads);
    for _ in 0..threads {
        let (in_tx, in_rx) = std::sync::mpsc::sync_channel::<Input>(1);
        let (out_tx, out_rx) = mpsc::channel(2);
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            for input in in_rx {
                let piece = match input {
                    Input::Rows(batch) => {
                        Piece::Rows(batch.into_iter().map(|r| ctx.check(r)).collect())
                    }
                    Input::Unreadable(line) => Piece::Unreadable(line),
                };
                if out_tx.blocking_send(piece).is_err() {
                    return; // the import stopped
                }
            }
        });
        inputs.push(in_tx);
        outputs.push(out_rx);
    }
    std::thread::spawn(move || {
        let mut i = 0;
        let mut unreadable = None;
        while unreadable.is_none() {
            let mut batch = Vec::with_capacity(BATCH);
            for r in rows.by_ref() {
                match r {
                    Ok(row) => batch.push(row),
                    Err(e) => {
                        unreadable = Some(match e {
                            TableError::Csv { line, .. } => line,
                            _ => 0,
                        });
                        break;
                    }
                }
                if batch.len() == BATCH {
                    break;
                }
            }
            if batch.is_empty() && unreadable.is_none() {
                break;
            }
            if !batch.is_empty() {
                if inputs[i % threads].send(Input::Rows(batch)).is_err() {
                    return;
                }
                i += 1;
            }
            if let Some(line) = unreadable {
                let _ = inputs[i % threads].send(Input::Unreadable(line));
            }
        }
    });
    outputs
}

/// One import while it runs: the transaction and what has been learnt so far.
struct Run<'a> {
    tx: BulkTx,
    actor: &'a Actor,
    /// Rows are being written (not a dry run, and no bad row yet).
    writing: bool,
    dry_run: bool,
    import_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
    by: Option<i64>,
    /// The registry had persons (or households) when the import began, so rows must be
    /// compared with it; an empty registry can only hold what this import writes.
    compare: bool,
    /// Next free ids (SQLite, where the import holds the write lock); PostgreSQL draws from its
    /// sequences.
    next_person: i64,
    next_house: i64,
    next_import: i64,
    seen: HashSet<String>,
    villages: HashMap<String, bool>,
    houses: HashMap<(String, String), i64>,
    house_villages: HashSet<String>,
    deltas: HashMap<(AreaCode, String), i64>,
    report: ImportReport,
}

impl<'a> Run<'a> {
    /// Begin: the transaction, and the import record when writing.
    async fn begin(store: &Store, actor: &'a Actor, plan: &ImportPlan) -> Result<Run<'a>> {
        let tx = store.bulk_begin(!plan.dry_run).await?;
        let max_id = |table: &str| format!("SELECT CAST(MAX(id) AS TEXT) FROM {table}");
        let backend = tx.backend();
        let mut maxes = Vec::new();
        for table in ["persons", "households", "imports"] {
            let rows = tx
                .query_text(Statement::from_string(backend, max_id(table)), 1)
                .await?;
            let max = rows
                .into_iter()
                .next()
                .and_then(|mut r| r.pop().flatten())
                .and_then(|s| s.parse::<i64>().ok());
            maxes.push(max);
        }
        let mut run = Run {
            compare: maxes[0].is_some() || maxes[1].is_some(),
            next_person: maxes[0].unwrap_or(0) + 1,
            next_house: maxes[1].unwrap_or(0) + 1,
            next_import: maxes[2].unwrap_or(0) + 1,
            tx,
            actor,
            writing: !plan.dry_run,
            dry_run: plan.dry_run,
            import_id: 0,
            now: Utc::now(),
            today: today(),
            by: (actor.user_id != 0).then_some(actor.user_id),
            seen: HashSet::new(),
            villages: HashMap::new(),
            houses: HashMap::new(),
            house_villages: HashSet::new(),
            deltas: HashMap::new(),
            report: ImportReport {
                dry_run: plan.dry_run,
                ..Default::default()
            },
        };
        if !plan.dry_run {
            let id = match run.take_ids("imports", 1).await {
                Ok(ids) => ids[0],
                Err(e) => return Err(run.abandon(e).await),
            };
            let import = imports::ActiveModel {
                id: sea_orm::Set(id),
                kind: sea_orm::Set("persons".into()),
                file_name: sea_orm::Set(plan.file_name.chars().take(200).collect()),
                file_sha256: sea_orm::Set(plan.file_sha256.clone()),
                user_id: sea_orm::Set(run.by),
                started_at: sea_orm::Set(run.now),
                finished_at: sea_orm::Set(run.now),
                rows_total: sea_orm::Set(0),
                rows_added: sea_orm::Set(0),
                rows_skipped: sea_orm::Set(0),
                area_code: sea_orm::Set(
                    actor
                        .first_area(Operation::ImportPersons)
                        .map(|r| r.to_string()),
                ),
            };
            if let Err(e) = run
                .tx
                .exec(imports::Entity::insert(import).build(backend))
                .await
            {
                return Err(run.abandon(e).await);
            }
            run.import_id = id;
        }
        Ok(run)
    }

    /// Roll back after a failure and return the failure.
    async fn abandon(self, e: StoreError) -> StoreError {
        let _ = self.tx.rollback().await;
        e
    }

    /// `n` new ids for `table`: counted on from the maximum on SQLite (the import holds the
    /// write lock), drawn from the table's sequence on PostgreSQL.
    async fn take_ids(&mut self, table: &'static str, n: usize) -> Result<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let backend = self.tx.backend();
        if backend == DbBackend::Postgres {
            let rows = self
                .tx
                .query_text(
                    Statement::from_string(
                        backend,
                        format!(
                            "SELECT CAST(nextval(pg_get_serial_sequence('{table}', 'id')) AS TEXT) \
                             FROM generate_series(1, {n})"
                        ),
                    ),
                    1,
                )
                .await?;
            return Ok(rows
                .into_iter()
                .filter_map(|mut r| r.pop().flatten()?.parse().ok())
                .collect());
        }
        let next = match table {
            "persons" => &mut self.next_person,
            "households" => &mut self.next_house,
            _ => &mut self.next_import,
        };
        let first = *next;
        *next += n as i64;
        Ok((first..first + n as i64).collect())
    }

    fn bad(&mut self, line: usize, errors: Vec<FieldError>) {
        self.writing = false;
        self.report.errors.push(ImportRowError { line, errors });
    }

    /// Take one batch of checked rows: duplicates inside the file, villages, rows already in
    /// the registry; then write what is left (unless this is a dry run or a row was bad).
    async fn take(&mut self, checked: Vec<Checked>) -> Result<()> {
        let mut rows = Vec::with_capacity(checked.len());
        for (line, row, mut errors) in checked {
            if let Some(r) = row {
                if !self.seen.insert(r.key.clone()) {
                    let field = if r.input.id_number.is_some() {
                        "id_number"
                    } else {
                        "first_name"
                    };
                    errors.push(FieldError::new(field, "duplicate_in_file"));
                }
                if errors.is_empty() {
                    rows.push(r);
                }
            }
            if !errors.is_empty() {
                self.bad(line, errors);
            }
        }
        self.check_villages(&mut rows).await?;
        self.drop_existing(&mut rows).await?;
        self.report.added += rows.len();
        self.households(&rows).await?;
        if self.writing {
            self.write_persons(rows).await?;
        }
        Ok(())
    }

    /// Each village must exist and be inside the caller's import and edit scope (outside scope
    /// looks exactly like not existing).
    async fn check_villages(&mut self, rows: &mut Vec<PreparedRow>) -> Result<()> {
        let unknown: HashSet<&str> = rows
            .iter()
            .map(|r| r.input.village.as_str())
            .filter(|v| !self.villages.contains_key(*v))
            .collect();
        if !unknown.is_empty() {
            let unknown: Vec<&str> = unknown.into_iter().collect();
            let found: HashSet<String> = self
                .tx
                .existing("areas", "code", "", &unknown)
                .await?
                .into_iter()
                .collect();
            for r in rows.iter() {
                let v = &r.input.village;
                if !self.villages.contains_key(v.as_str()) {
                    let fine = found.contains(v.as_str())
                        && self.actor.can(Operation::ImportPersons, v)
                        && self.actor.can(Operation::EditPersons, v);
                    self.villages.insert(v.to_string(), fine);
                }
            }
        }
        let mut bad = Vec::new();
        rows.retain(|r| {
            let fine = self.villages[r.input.village.as_str()];
            if !fine {
                bad.push(r.line);
            }
            fine
        });
        for line in bad {
            self.bad(
                line,
                vec![FieldError::new("village_code", "village_not_found")],
            );
        }
        Ok(())
    }

    /// Rows already in the registry are skipped: this is what makes a re-run add nothing. A
    /// person with an ID number is the same person as a stored one with that number; without a
    /// number, the same names, birth date and village.
    async fn drop_existing(&mut self, rows: &mut Vec<PreparedRow>) -> Result<()> {
        if !self.compare || rows.is_empty() {
            return Ok(());
        }
        let numbers: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.input.id_number.as_deref())
            .collect();
        let keys: Vec<&str> = rows
            .iter()
            .filter(|r| r.input.id_number.is_none())
            .map(|r| r.key.as_str())
            .collect();
        let mut found: HashSet<String> = HashSet::new();
        if !numbers.is_empty() {
            found.extend(
                self.tx
                    .existing("persons", "id_number", "", &numbers)
                    .await?,
            );
        }
        if !keys.is_empty() {
            found.extend(
                self.tx
                    .existing("persons", "identity_key", " AND id_number IS NULL", &keys)
                    .await?,
            );
        }
        if found.is_empty() {
            return Ok(());
        }
        let before = rows.len();
        rows.retain(|r| {
            !found.contains(match &r.input.id_number {
                Some(n) => n.as_str(),
                None => r.key.as_str(),
            })
        });
        self.report.skipped += before - rows.len();
        Ok(())
    }

    /// Households by (village, house number): existing ones are found, new ones created (or,
    /// in a dry run, counted).
    async fn households(&mut self, rows: &[PreparedRow]) -> Result<()> {
        if self.compare {
            let villages: HashSet<&str> = rows
                .iter()
                .filter(|r| r.input.house_number.is_some())
                .map(|r| r.input.village.as_str())
                .filter(|v| !self.house_villages.contains(*v))
                .collect();
            let villages: Vec<&str> = villages.into_iter().collect();
            for chunk in villages.chunks(900) {
                let q = households::Entity::find()
                    .select_only()
                    .column_as(Expr::cust("CAST(id AS TEXT)"), "id")
                    .column(households::Column::VillageCode)
                    .column(households::Column::HouseNumber)
                    .filter(households::Column::VillageCode.is_in(chunk.iter().copied()))
                    .build(self.tx.backend());
                for r in self.tx.query_text(q, 3).await? {
                    if let [Some(id), Some(v), Some(h)] = &r[..]
                        && let Ok(id) = id.parse()
                    {
                        self.houses.insert((v.clone(), h.clone()), id);
                    }
                }
            }
            self.house_villages
                .extend(villages.into_iter().map(str::to_owned));
        }
        let mut new_houses = Vec::new();
        for r in rows {
            if let Some(h) = &r.input.house_number {
                let k = (r.input.village.to_string(), h.clone());
                if !self.houses.contains_key(&k) {
                    self.houses.insert(k.clone(), 0);
                    new_houses.push((k, r.input.location, r.dims.unwrap_or_default()));
                }
            }
        }
        self.report.households_added += new_houses.len();
        if !self.writing || new_houses.is_empty() {
            return Ok(());
        }
        let ids = self.take_ids("households", new_houses.len()).await?;
        let mut out = Rows::new();
        for ((k, loc, dims), id) in new_houses.into_iter().zip(ids) {
            out.row()
                .int(Some(id))
                .text(Some(&k.0))
                .text(Some(&k.1))
                .float(loc.map(|l| l.0))
                .float(loc.map(|l| l.1))
                .boolean(dims.health)
                .boolean(dims.living)
                .boolean(dims.education)
                .boolean(dims.income)
                .boolean(dims.access)
                .ts(self.now)
                .ts(self.now)
                .int(Some(1));
            self.houses.insert(k, id);
        }
        self.tx.insert("households", HOUSEHOLD_COLS, out).await
    }

    /// Persons and their categories, and the count changes they bring.
    async fn write_persons(&mut self, rows: Vec<PreparedRow>) -> Result<()> {
        let ids = self.take_ids("persons", rows.len()).await?;
        let unverified = Verification::Unverified.as_str();
        let mut persons = Rows::new();
        let mut cats = Rows::new();
        for (r, id) in rows.iter().zip(ids) {
            let p = &r.input;
            let hid = p.house_number.as_ref().and_then(|h| {
                self.houses
                    .get(&(p.village.to_string(), h.clone()))
                    .copied()
            });
            persons
                .row()
                .int(Some(id))
                .text(Some(p.id_kind.as_str()))
                .text(p.id_number.as_deref())
                .text(p.prefix.as_deref())
                .text(Some(&p.first_name))
                .text(Some(&p.last_name))
                .text(p.sex.map(|s| s.as_str()))
                .date(p.birth.map(|b| b.date))
                .text(p.birth.map(|b| b.precision.as_str()))
                .text(p.phone.as_deref())
                .text(Some(p.village.as_str()))
                .int(hid)
                .text(p.relation.map(|r| r.as_str()))
                .float(p.location.map(|l| l.0))
                .float(p.location.map(|l| l.1))
                .text(Some(p.status.as_str()))
                .date(p.status_date)
                .text(Some(unverified))
                .text(Some(&r.search))
                .text(Some(&r.key))
                .int(Some(self.import_id))
                .ts(self.now)
                .ts(self.now)
                .int(self.by)
                .int(self.by)
                .int(Some(1));
            for c in &r.categories {
                cats.row()
                    .int(Some(id))
                    .text(Some(c.category.as_str()))
                    .text(c.disability_type.map(|d| d.as_str()))
                    .text(c.card_number.as_deref())
                    .date(c.card_expiry)
                    .text(c.note.as_deref())
                    .ts(self.now)
                    .int(self.by);
            }
            let cs: Vec<Category> = r.categories.iter().map(|c| c.category).collect();
            for k in count_keys(p.status.as_str(), p.birth, &cs, self.today) {
                *self
                    .deltas
                    .entry((p.village.clone(), k.to_owned()))
                    .or_insert(0) += 1;
            }
        }
        self.tx.insert("persons", PERSON_COLS, persons).await?;
        self.tx
            .insert("person_categories", CATEGORY_COLS, cats)
            .await
    }

    /// End: roll back a dry run or a run with bad rows; otherwise add the counts, finish the
    /// import record, audit, commit, and refresh the public snapshot.
    async fn finish(
        mut self,
        store: &Store,
        plan: &ImportPlan,
        meta: &RequestMeta,
    ) -> Result<ImportReport> {
        self.report.errors.sort_by_key(|e| e.line);
        if self.dry_run || !self.report.errors.is_empty() {
            self.tx.rollback().await?;
            return Ok(self.report);
        }
        let backend = self.tx.backend();
        let mut stmts = super::counts::delta_statements(backend, std::mem::take(&mut self.deltas));
        stmts.push(
            imports::Entity::update_many()
                .col_expr(imports::Column::FinishedAt, Expr::value(Utc::now()))
                .col_expr(
                    imports::Column::RowsTotal,
                    Expr::value(self.report.rows_total as i64),
                )
                .col_expr(
                    imports::Column::RowsAdded,
                    Expr::value(self.report.added as i64),
                )
                .col_expr(
                    imports::Column::RowsSkipped,
                    Expr::value(self.report.skipped as i64),
                )
                .filter(imports::Column::Id.eq(self.import_id))
                .build(backend),
        );
        let mut e = NewEntry::by(self.actor, AuditAction::PersonImport, meta)
            .entity("import", self.import_id)
            .detail(serde_json::json!({
                "file_sha256": plan.file_sha256,
                "rows": self.report.rows_total,
                "added": self.report.added,
                "skipped": self.report.skipped,
                "households_added": self.report.households_added,
            }));
        if let Some(r) = self.actor.first_area(Operation::ImportPersons) {
            e = e.area(r);
        }
        stmts.push(audit::append_statement(backend, e));
        for s in stmts {
            if let Err(e) = self.tx.exec(s).await {
                return Err(self.abandon(e).await);
            }
        }
        self.tx.commit().await?;
        self.report.import_id = Some(self.import_id);
        // The public snapshot follows the new counts.
        store.refresh_public_counts().await?;
        Ok(self.report)
    }
}

impl Store {
    /// Check every row of an import and, unless it is a dry run or a row is bad, write them all
    /// in one transaction. Needs `ImportPersons` and `EditPersons` over each row's village.
    pub async fn import_persons(
        &self,
        actor: &Actor,
        plan: &ImportPlan,
        rows: Vec<TableRow>,
        progress: Progress<'_>,
        meta: &RequestMeta,
    ) -> Result<ImportReport> {
        let total = rows.len();
        self.import_persons_from(
            actor,
            plan,
            Box::new(rows.into_iter().map(Ok)),
            total,
            progress,
            meta,
        )
        .await
    }

    /// [`Store::import_persons`] from rows as they are read; `expected` rows (an estimate, for
    /// progress only).
    ///
    /// The rows stream through: checked on every core a batch at a time, compared with the
    /// registry and written while the next batch is checked. The first bad row stops the
    /// writing (checking goes on, so every bad row is reported) and the transaction is rolled
    /// back at the end: all rows or none.
    pub async fn import_persons_from(
        &self,
        actor: &Actor,
        plan: &ImportPlan,
        rows: RowSource,
        expected: usize,
        progress: Progress<'_>,
        meta: &RequestMeta,
    ) -> Result<ImportReport> {
        if !actor.can_somewhere(Operation::ImportPersons) {
            return Err(StoreError::Forbidden);
        }
        let previous = imports::Entity::find()
            .filter(imports::Column::FileSha256.eq(&plan.file_sha256))
            .order_by_desc(imports::Column::Id)
            .one(&self.db)
            .await?
            .map(|m| (m.id, m.finished_at));
        let ctx = Arc::new(CheckCtx {
            map: plan.map.clone(),
            default_village: plan.default_village.as_ref().map(|v| v.to_string()),
            actor: actor.clone(),
            today: today(),
        });
        let mut run = Run::begin(self, actor, plan).await?;
        let phase = if plan.dry_run { "check" } else { "write" };
        progress(phase, 0, expected);
        let mut queues = check_in_background(ctx, rows);
        let mut done = 0;
        for i in 0.. {
            let n = queues.len();
            let batch = match queues[i % n].recv().await {
                None => break,
                Some(Piece::Rows(b)) => b,
                Some(Piece::Unreadable(line)) => {
                    run.bad(line, vec![FieldError::new("file", "file_unreadable")]);
                    break;
                }
            };
            done += batch.len();
            if let Err(e) = run.take(batch).await {
                return Err(run.abandon(e).await);
            }
            progress(phase, done, expected.max(done));
        }
        drop(queues);
        run.report.rows_total = done;
        progress("counts", 0, 1);
        let mut report = run.finish(self, plan, meta).await?;
        progress("counts", 1, 1);
        report.previous = previous;
        Ok(report)
    }

    /// Write rows from a trusted generator (demo data, benchmarks) as one recorded import, all
    /// or nothing: the caller guarantees the rows are valid; rows already in the registry are
    /// skipped as in any import.
    pub async fn import_prepared(
        &self,
        actor: &Actor,
        file_name: &str,
        prepared: PreparedImport,
        progress: Progress<'_>,
        meta: &RequestMeta,
    ) -> Result<ImportReport> {
        let plan = ImportPlan {
            file_name: file_name.to_owned(),
            file_sha256: String::new(),
            map: Vec::new(),
            default_village: None,
            dry_run: false,
        };
        let total = prepared.rows.len();
        let mut run = Run::begin(self, actor, &plan).await?;
        run.report.rows_total = total;
        let mut rows = prepared.rows.into_iter();
        let mut done = 0;
        loop {
            let batch: Vec<Checked> = rows
                .by_ref()
                .take(BATCH)
                .map(|r| (r.line, Some(r), Vec::new()))
                .collect();
            if batch.is_empty() {
                break;
            }
            done += batch.len();
            if let Err(e) = run.take(batch).await {
                return Err(run.abandon(e).await);
            }
            progress("write", done, total);
        }
        run.finish(self, &plan, meta).await
    }

    /// Export what the caller may see (active persons matching `filter`), row by row through
    /// `sink`, in the [`EXPORT_COLUMNS`] order; sensitive categories only where the caller holds
    /// the permission. Audited with the number of rows. Returns the number of rows.
    pub async fn export_persons(
        &self,
        actor: &Actor,
        filter: &ExportFilter,
        meta: &RequestMeta,
        mut sink: impl FnMut(Vec<String>) -> std::io::Result<()>,
    ) -> Result<usize> {
        if !actor.can_somewhere(Operation::ExportPersons) {
            return Err(StoreError::Forbidden);
        }
        if let Some(a) = &filter.area
            && !actor.scope(Operation::ExportPersons).contains(a)
        {
            return Err(StoreError::NotFound);
        }
        let base = Self::person_select(actor, filter);
        // Export scope is the narrower of view and export scopes.
        let base = match crate::areas::scope_condition(
            persons::Column::VillageCode,
            &actor.scope(Operation::ExportPersons),
        ) {
            Some(c) => base.filter(c),
            None => base,
        };
        let t = today();
        let mut after = 0i64;
        let mut n = 0usize;
        loop {
            let rows = base
                .clone()
                .filter(persons::Column::Id.gt(after))
                .order_by_asc(persons::Column::Id)
                .limit(5000)
                .all(&self.db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let mut cats: HashMap<i64, Vec<String>> = HashMap::new();
            for c in super::entity::person_categories::Entity::find()
                .filter(super::entity::person_categories::Column::PersonId.is_in(ids))
                .order_by_asc(super::entity::person_categories::Column::Category)
                .all(&self.db)
                .await?
            {
                cats.entry(c.person_id).or_default().push(c.category);
            }
            let hh: Vec<i64> = rows.iter().filter_map(|r| r.household_id).collect();
            let mut houses: HashMap<i64, String> = HashMap::new();
            if !hh.is_empty() {
                for h in households::Entity::find()
                    .filter(households::Column::Id.is_in(hh))
                    .all(&self.db)
                    .await?
                {
                    houses.insert(h.id, h.house_number);
                }
            }
            for m in rows {
                let village = super::village_of(&m);
                let sees = actor.can(Operation::ViewSensitive, &village);
                let birth = super::birth_of(&m);
                let cs: Vec<String> = cats
                    .remove(&m.id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| sees || Category::parse(c).is_some_and(|c| !c.is_sensitive()))
                    .collect();
                let opt = |v: Option<String>| v.unwrap_or_default();
                sink(vec![
                    m.id.to_string(),
                    m.id_kind,
                    opt(m.id_number),
                    opt(m.prefix),
                    m.first_name,
                    m.last_name,
                    opt(m.sex),
                    birth.map(|b| b.iso()).unwrap_or_default(),
                    birth.map(|b| b.age_on(t).to_string()).unwrap_or_default(),
                    opt(m.phone),
                    m.village_code,
                    opt(m.household_id.and_then(|h| houses.get(&h).cloned())),
                    opt(m.relation),
                    m.lat.map(|v| v.to_string()).unwrap_or_default(),
                    m.lon.map(|v| v.to_string()).unwrap_or_default(),
                    m.status,
                    m.status_date.map(|d| d.to_string()).unwrap_or_default(),
                    m.verification,
                    cs.join(","),
                    m.updated_at.to_rfc3339(),
                ])
                .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("export sink: {e}"))))?;
                n += 1;
            }
        }
        let mut e = NewEntry::by(actor, AuditAction::PersonExport, meta)
            .detail(serde_json::json!({ "rows": n }));
        if let Some(a) = &filter.area {
            e = e.area(a);
        }
        audit::append(&self.db, e).await?;
        Ok(n)
    }
}
