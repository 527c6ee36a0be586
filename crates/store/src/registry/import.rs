//! Person imports (all rows or none, idempotent, recorded) and exports (what the caller may
//! see, audited).
//!
//! An import first checks every row and reports every bad one with its line and fields; when
//! any row is bad nothing is written. Rows whose identity (ID number, or names + birth date +
//! village when there is no number) is already in the registry are skipped, so the same file
//! twice adds nothing. Valid rows are written in one transaction with multi-row inserts and
//! ids reserved up front, which is what makes a million rows take seconds.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
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
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionTrait,
};
use serde::Serialize;

use super::entity::{households, imports, persons};
use super::{PersonQuery, count_keys, identity_key, today};
use crate::audit::{self, NewEntry};
use crate::bulk::{self, JsonRows, Ty};
use crate::tabular::TableRow;
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
    key: String,
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
                .map(|(i, (input, categories, dims))| PreparedRow {
                    line: i + 1,
                    key: identity_key(&input),
                    input,
                    categories,
                    dims,
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

const CHUNK: usize = 900;

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

/// A household to create: village, house number, location.
type NewHouse = (String, String, Option<(f64, f64)>, PovertyDimensions);

#[derive(FromQueryResult)]
struct IdRow {
    id: i64,
}

async fn reserve_ids(conn: &impl ConnectionTrait, table: &str, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    match backend {
        DbBackend::Postgres => {
            let rows = IdRow::find_by_statement(Statement::from_string(
                backend,
                format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id \
                     FROM generate_series(1, {n})"
                ),
            ))
            .all(conn)
            .await?;
            Ok(rows.into_iter().map(|r| r.id).collect())
        }
        _ => {
            // SQLite: the caller already holds the write lock (it wrote the import record), so
            // nobody else can take these ids.
            let max = IdRow::find_by_statement(Statement::from_string(
                backend,
                format!("SELECT COALESCE(MAX(id), 0) AS id FROM {table}"),
            ))
            .one(conn)
            .await?
            .map(|r| r.id)
            .unwrap_or(0);
            Ok((1..=n as i64).map(|i| max + i).collect())
        }
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
        if !actor.can_somewhere(Operation::ImportPersons) {
            return Err(StoreError::Forbidden);
        }
        let mut report = ImportReport {
            rows_total: rows.len(),
            dry_run: plan.dry_run,
            ..Default::default()
        };
        report.previous = imports::Entity::find()
            .filter(imports::Column::FileSha256.eq(&plan.file_sha256))
            .order_by_desc(imports::Column::Id)
            .one(&self.db)
            .await?
            .map(|m| (m.id, m.finished_at));
        let prepared = self
            .prepare_import(actor, plan, rows, progress, &mut report)
            .await?;
        if !report.errors.is_empty() || plan.dry_run {
            if plan.dry_run {
                report.households_added = self.count_new_households(&prepared).await?;
            }
            return Ok(report);
        }
        self.write_import(actor, plan, prepared, progress, meta, &mut report)
            .await?;
        Ok(report)
    }

    /// Check rows: fields, villages (existing and in scope), sensitive categories, duplicates
    /// inside the file; and drop rows already in the registry.
    async fn prepare_import(
        &self,
        actor: &Actor,
        plan: &ImportPlan,
        rows: Vec<TableRow>,
        progress: Progress<'_>,
        report: &mut ImportReport,
    ) -> Result<PreparedImport> {
        let t = today();
        let total = rows.len();
        let default_village = plan.default_village.as_ref().map(|v| v.to_string());
        let mut ok: Vec<PreparedRow> = Vec::with_capacity(total);
        // Checking a row is pure CPU: the rows are checked on every core, in order-keeping
        // chunks; duplicates inside the file are then found in one ordered pass.
        type Checked = (
            usize,
            Result<(PersonInput, Vec<Category>, String), ()>,
            Vec<FieldError>,
        );
        let check_row = |row: &TableRow| -> Checked {
            let (form, cats) = row_to_form(&plan.map, &row.cells, default_village.as_deref());
            let mut errors = Vec::new();
            let categories = match parse_categories(&cats) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(e);
                    Vec::new()
                }
            };
            match form.check(t) {
                Ok(input) => {
                    if categories.iter().any(|c| c.is_sensitive())
                        && !actor.can(Operation::ViewSensitive, &input.village)
                    {
                        errors.push(FieldError::new("categories", "sensitive_not_permitted"));
                    }
                    let key = identity_key(&input);
                    (row.line, Ok((input, categories, key)), errors)
                }
                Err(inv) => {
                    errors.extend(inv.0);
                    (row.line, Err(()), errors)
                }
            }
        };
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        let per = total.div_ceil(threads).max(1);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let checked: Vec<Checked> = std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(per)
                .map(|chunk| {
                    let done = &done;
                    let check_row = &check_row;
                    scope.spawn(move || {
                        let mut out = Vec::with_capacity(chunk.len());
                        for (i, row) in chunk.iter().enumerate() {
                            out.push(check_row(row));
                            if i % 10_000 == 9_999 {
                                let d =
                                    done.fetch_add(10_000, std::sync::atomic::Ordering::Relaxed);
                                progress("check", d + 10_000, total);
                            }
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("row checking does not panic"))
                .collect()
        });
        drop(rows);
        let mut first_line: HashMap<String, usize> = HashMap::with_capacity(total);
        for (line, result, mut errors) in checked {
            if let Ok((input, categories, key)) = result {
                if first_line.contains_key(&key) {
                    errors.push(FieldError::new(
                        if input.id_number.is_some() {
                            "id_number"
                        } else {
                            "first_name"
                        },
                        "duplicate_in_file",
                    ));
                } else {
                    first_line.insert(key.clone(), line);
                }
                if errors.is_empty() {
                    ok.push(PreparedRow {
                        line,
                        input,
                        categories: categories
                            .into_iter()
                            .map(|category| CategoryInput {
                                category,
                                disability_type: None,
                                card_number: None,
                                card_expiry: None,
                                note: None,
                            })
                            .collect(),
                        dims: None,
                        key,
                    });
                }
            }
            if !errors.is_empty() {
                report.errors.push(ImportRowError { line, errors });
            }
        }
        progress("check", total, total);

        // Villages: each must exist and be inside the caller's import and edit scope (outside
        // scope looks exactly like not existing).
        let villages: HashSet<String> = ok.iter().map(|r| r.input.village.to_string()).collect();
        let mut known: HashSet<String> = HashSet::new();
        let villages: Vec<String> = villages.into_iter().collect();
        for chunk in villages.chunks(CHUNK) {
            for a in crate::areas::entity::Entity::find()
                .filter(crate::areas::entity::Column::Code.is_in(chunk.iter().cloned()))
                .all(&self.db)
                .await?
            {
                known.insert(a.code);
            }
        }
        let mut bad_village = Vec::new();
        ok.retain(|r| {
            let v = &r.input.village;
            let fine = known.contains(v.as_str())
                && actor.can(Operation::ImportPersons, v)
                && actor.can(Operation::EditPersons, v);
            if !fine {
                bad_village.push(ImportRowError {
                    line: r.line,
                    errors: vec![FieldError::new("village_code", "village_not_found")],
                });
            }
            fine
        });
        report.errors.extend(bad_village);
        report.errors.sort_by_key(|e| e.line);

        // Already in the registry: skipped (this is what makes a re-run add nothing).
        let keys: Vec<String> = ok.iter().map(|r| r.key.clone()).collect();
        progress("compare", 0, keys.len());
        let existing: HashSet<String> = bulk::existing(&self.db, "persons", "identity_key", &keys)
            .await?
            .into_iter()
            .collect();
        // A number already stored under another identity (another kind) would break the unique
        // index: report it rather than fail the transaction.
        let numbers: Vec<String> = ok
            .iter()
            .filter(|r| !existing.contains(&r.key))
            .filter_map(|r| r.input.id_number.clone())
            .collect();
        let taken: HashSet<String> = bulk::existing(&self.db, "persons", "id_number", &numbers)
            .await?
            .into_iter()
            .collect();
        let before = ok.len();
        let mut taken_errors = Vec::new();
        ok.retain(|r| {
            if existing.contains(&r.key) {
                return false;
            }
            if r.input
                .id_number
                .as_ref()
                .is_some_and(|n| taken.contains(n))
            {
                taken_errors.push(ImportRowError {
                    line: r.line,
                    errors: vec![FieldError::new("id_number", "id_taken")],
                });
                return false;
            }
            true
        });
        report.skipped = before - ok.len() - taken_errors.len();
        if !taken_errors.is_empty() {
            report.errors.extend(taken_errors);
            report.errors.sort_by_key(|e| e.line);
        }
        report.added = ok.len();
        progress("compare", keys.len(), keys.len());
        Ok(PreparedImport { rows: ok })
    }

    async fn existing_households(
        &self,
        conn: &impl ConnectionTrait,
        prepared: &PreparedImport,
    ) -> Result<HashMap<(String, String), i64>> {
        let villages: HashSet<String> = prepared
            .rows
            .iter()
            .filter(|r| r.input.house_number.is_some())
            .map(|r| r.input.village.to_string())
            .collect();
        let villages: Vec<String> = villages.into_iter().collect();
        let mut out = HashMap::new();
        for chunk in villages.chunks(CHUNK) {
            let rows: Vec<(i64, String, String)> = households::Entity::find()
                .select_only()
                .column(households::Column::Id)
                .column(households::Column::VillageCode)
                .column(households::Column::HouseNumber)
                .filter(households::Column::VillageCode.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(conn)
                .await?;
            for (id, v, h) in rows {
                out.insert((v, h), id);
            }
        }
        Ok(out)
    }

    async fn count_new_households(&self, prepared: &PreparedImport) -> Result<usize> {
        let existing = self.existing_households(&self.db, prepared).await?;
        let new: HashSet<(String, String)> = prepared
            .rows
            .iter()
            .filter_map(|r| {
                let k = (r.input.village.to_string(), r.input.house_number.clone()?);
                (!existing.contains_key(&k)).then_some(k)
            })
            .collect();
        Ok(new.len())
    }

    /// Write rows from a trusted generator (demo data, benchmarks) as one recorded import, all
    /// or nothing: the caller guarantees the rows are new and valid.
    pub async fn import_prepared(
        &self,
        actor: &Actor,
        file_name: &str,
        prepared: PreparedImport,
        progress: Progress<'_>,
        meta: &RequestMeta,
    ) -> Result<ImportReport> {
        let mut report = ImportReport {
            rows_total: prepared.rows.len(),
            added: prepared.rows.len(),
            ..Default::default()
        };
        let plan = ImportPlan {
            file_name: file_name.to_owned(),
            file_sha256: String::new(),
            map: Vec::new(),
            default_village: None,
            dry_run: false,
        };
        self.write_import(actor, &plan, prepared, progress, meta, &mut report)
            .await?;
        Ok(report)
    }

    async fn write_import(
        &self,
        actor: &Actor,
        plan: &ImportPlan,
        prepared: PreparedImport,
        progress: Progress<'_>,
        meta: &RequestMeta,
        report: &mut ImportReport,
    ) -> Result<()> {
        let started = Utc::now();
        let txn = self.db.begin().await?;
        // The import record first: on SQLite this takes the write lock for the whole run.
        let root = actor
            .grants
            .iter()
            .find(|g| g.role.allows(Operation::ImportPersons))
            .and_then(|g| g.area.clone());
        let import = imports::ActiveModel {
            kind: sea_orm::Set("persons".into()),
            file_name: sea_orm::Set(plan.file_name.chars().take(200).collect()),
            file_sha256: sea_orm::Set(plan.file_sha256.clone()),
            user_id: sea_orm::Set((actor.user_id != 0).then_some(actor.user_id)),
            started_at: sea_orm::Set(started),
            finished_at: sea_orm::Set(started),
            rows_total: sea_orm::Set(report.rows_total as i64),
            rows_added: sea_orm::Set(0),
            rows_skipped: sea_orm::Set(0),
            area_code: sea_orm::Set(root.as_ref().map(|r| r.to_string())),
            ..Default::default()
        };
        let import = sea_orm::ActiveModelTrait::insert(import, &txn).await?;

        // Households: existing ones by (village, house number); new ones get reserved ids.
        let mut houses = self.existing_households(&txn, &prepared).await?;
        let mut new_houses: Vec<NewHouse> = Vec::new();
        for r in &prepared.rows {
            if let Some(h) = &r.input.house_number {
                let k = (r.input.village.to_string(), h.clone());
                if !houses.contains_key(&k) {
                    houses.insert(k.clone(), 0);
                    new_houses.push((k.0, k.1, r.input.location, r.dims.unwrap_or_default()));
                }
            }
        }
        let hids = reserve_ids(&txn, "households", new_houses.len()).await?;
        let now = Utc::now();
        const BULK: usize = 5_000;
        for (chunk_no, (chunk, ids)) in new_houses.chunks(BULK).zip(hids.chunks(BULK)).enumerate() {
            progress("households", chunk_no * BULK, new_houses.len());
            let mut rows = JsonRows::new();
            for ((v, h, loc, dims), id) in chunk.iter().zip(ids) {
                houses.insert((v.clone(), h.clone()), *id);
                rows.row()
                    .int(Some(*id))
                    .text(Some(v))
                    .text(Some(h))
                    .float(loc.map(|l| l.0))
                    .float(loc.map(|l| l.1))
                    .boolean(dims.health)
                    .boolean(dims.living)
                    .boolean(dims.education)
                    .boolean(dims.income)
                    .boolean(dims.access)
                    .ts(now)
                    .ts(now)
                    .int(Some(1))
                    .end();
            }
            bulk::insert(&txn, "households", HOUSEHOLD_COLS, rows).await?;
        }
        report.households_added = new_houses.len();

        // Persons and their categories.
        let pids = reserve_ids(&txn, "persons", prepared.rows.len()).await?;
        let total = prepared.rows.len();
        let t = today();
        let mut deltas: HashMap<(AreaCode, String), i64> = HashMap::new();
        let by = (actor.user_id != 0).then_some(actor.user_id);
        let unverified = Verification::Unverified.as_str();
        for (chunk_no, (chunk, ids)) in prepared
            .rows
            .chunks(BULK)
            .zip(pids.chunks(BULK))
            .enumerate()
        {
            progress("write", chunk_no * BULK, total);
            let mut rows = JsonRows::new();
            let mut cats = JsonRows::new();
            for (r, id) in chunk.iter().zip(ids) {
                let p = &r.input;
                let hid = p
                    .house_number
                    .as_ref()
                    .and_then(|h| houses.get(&(p.village.to_string(), h.clone())).copied());
                let key = person_key(
                    &p.first_name,
                    &p.last_name,
                    p.id_number.as_deref(),
                    p.phone.as_deref(),
                    p.house_number.as_deref(),
                );
                rows.row()
                    .int(Some(*id))
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
                    .text(Some(&key))
                    .text(Some(&r.key))
                    .int(Some(import.id))
                    .ts(now)
                    .ts(now)
                    .int(by)
                    .int(by)
                    .int(Some(1))
                    .end();
                for c in &r.categories {
                    cats.row()
                        .int(Some(*id))
                        .text(Some(c.category.as_str()))
                        .text(c.disability_type.map(|d| d.as_str()))
                        .text(c.card_number.as_deref())
                        .date(c.card_expiry)
                        .text(c.note.as_deref())
                        .ts(now)
                        .int(by)
                        .end();
                }
                let cs: Vec<Category> = r.categories.iter().map(|c| c.category).collect();
                for k in count_keys(p.status.as_str(), p.birth, &cs, t) {
                    *deltas.entry((p.village.clone(), k.to_owned())).or_insert(0) += 1;
                }
            }
            bulk::insert(&txn, "persons", PERSON_COLS, rows).await?;
            bulk::insert(&txn, "person_categories", CATEGORY_COLS, cats).await?;
        }
        progress("write", total, total);
        progress("counts", 0, 1);
        super::counts::apply_deltas(&txn, deltas).await?;
        let finished = Utc::now();
        imports::Entity::update_many()
            .col_expr(imports::Column::FinishedAt, Expr::value(finished))
            .col_expr(imports::Column::RowsAdded, Expr::value(report.added as i64))
            .col_expr(
                imports::Column::RowsSkipped,
                Expr::value(report.skipped as i64),
            )
            .filter(imports::Column::Id.eq(import.id))
            .exec(&txn)
            .await?;
        let mut e = NewEntry::by(actor, AuditAction::PersonImport, meta)
            .entity("import", import.id)
            .detail(serde_json::json!({
                "file_sha256": plan.file_sha256,
                "rows": report.rows_total,
                "added": report.added,
                "skipped": report.skipped,
                "households_added": report.households_added,
            }));
        if let Some(r) = &root {
            e = e.area(r);
        }
        audit::append(&txn, e).await?;
        txn.commit().await?;
        progress("counts", 1, 1);
        report.import_id = Some(import.id);
        // The public snapshot follows the new counts.
        self.refresh_public_counts().await?;
        Ok(())
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
