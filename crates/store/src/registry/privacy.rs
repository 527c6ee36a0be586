//! Data-subject rights (PDPA): everything held on a person exported, who accessed them, their
//! erasure, and the retention rules that erase what is no longer needed.
//!
//! **What "about a person" means** is written down once, in [`PERSON_TABLES`]: every table that
//! refers to a person, directly (`person_id`, `survivor_id`…) or through another such table (a
//! visit's photos), plus the rows a person's rows point at (their household, their issue
//! groups, their programmes). The export reads exactly these rows, every column of them; a test
//! walks the schema's foreign keys and fails when a table referring to persons is missing here,
//! so a new table cannot be forgotten by the export (nor, through the same test's erasure half,
//! by the erasure).
//!
//! **Erasure** (decided: deletion, not anonymisation in place) removes the person's row and
//! every row about them in one transaction — categories, consents, attestations, visits with
//! their photos (the files too), conflicts and sync receipts, care plan, assignments, group
//! memberships, assistance, linkage pairs and merges — and the records merged into them (the
//! same human). What stays, and why:
//! - the household, when other people still live in it (it is theirs too); an empty one goes;
//! - the rows of an agency's roll that linked to them: the run's numbers (rows, linked,
//!   unmatched) are aggregate facts of another agency's list, so the row stays, emptied, with
//!   the pseudonym as its name;
//! - the audit log, which is append-only and holds no names or ID numbers (only record numbers,
//!   which point at nothing once the rows are gone: the pseudonym of the person); the erasure
//!   adds an entry naming the pseudonym;
//! - aggregate figures: the dashboard counts are decreased in the same transaction (the person
//!   is no longer in the registry), the map centre of their areas recomputed, the public
//!   snapshot follows at its next refresh. Counts stored as numbers elsewhere (a link run's
//!   totals, an import's) are kept.
//!
//! Their full name and ID number are also replaced by the pseudonym in free text about other
//! people (notes, minutes, other agencies' rolls, signatures): see [`SCRUBBED`].
//!
//! **No trace in files either.** SQLite connections run with `secure_delete` (freed content is
//! overwritten with zeros) and after an erasure the write-ahead log is checkpointed and
//! truncated, so the database file and its WAL no longer hold the bytes. On PostgreSQL the
//! touched tables are analysed again (the planner's statistics sample values) and dead row
//! versions are removed by (auto)vacuum; PostgreSQL's WAL archive and every backup keep old
//! data until they are rotated — the operator's backup retention applies there.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use ruamjai_domain::FieldError;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::registry::privacy::{self, EraseForm, RetentionRules};
use ruamjai_domain::registry::{Category, PersonStatus};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, TransactionTrait,
};
use serde::Serialize;
use serde_json::{Map, Value};

use super::entity::persons;
use super::{birth_of, count_keys, counts, today, village_of};
use crate::audit::{self, NewEntry};
use crate::{Result, Store, StoreError};

/// How the rows of a table are found from a person's record ids.
#[derive(Debug, Clone, Copy)]
pub enum Rows {
    /// Rows where any of these columns holds one of the record ids.
    Columns(&'static [&'static str]),
    /// Rows whose `col` is among the `key` values of the parent table's rows that are the
    /// person's (through any of `parent_cols`): `col IN (SELECT key FROM parent WHERE …)`.
    Via {
        /// Column of this table.
        col: &'static str,
        /// The parent table.
        parent: &'static str,
        /// The parent's column `col` refers to.
        key: &'static str,
        /// The parent's columns holding record ids.
        parent_cols: &'static [&'static str],
    },
    /// Rows found by any of these.
    Any(&'static [Rows]),
}

/// A table holding data about persons, and how to find one person's rows in it.
#[derive(Debug, Clone, Copy)]
pub struct PersonTable {
    /// Table name.
    pub table: &'static str,
    /// How the person's rows are found.
    pub rows: Rows,
}

const fn direct(table: &'static str, cols: &'static [&'static str]) -> PersonTable {
    PersonTable {
        table,
        rows: Rows::Columns(cols),
    }
}

const fn via(
    table: &'static str,
    col: &'static str,
    parent: &'static str,
    key: &'static str,
    parent_cols: &'static [&'static str],
) -> PersonTable {
    PersonTable {
        table,
        rows: Rows::Via {
            col,
            parent,
            key,
            parent_cols,
        },
    }
}

const PERSON: &[&str] = &["person_id"];

/// Every table the export reads, in the order it shows them. A table that refers to persons
/// (by a foreign key, directly or through another table listed here) must be listed; the
/// store test `export_holds_every_column_of_every_table_about_the_person` fails otherwise.
pub const PERSON_TABLES: &[PersonTable] = &[
    direct("persons", &["id"]),
    via("households", "id", "persons", "household_id", &["id"]),
    direct("person_categories", PERSON),
    direct("consents", PERSON),
    direct("attestations", PERSON),
    direct("visits", PERSON),
    via("visit_photos", "visit_id", "visits", "id", PERSON),
    via("visit_conflicts", "visit_id", "visits", "id", PERSON),
    via("sync_receipts", "visit_id", "visits", "id", PERSON),
    direct("care_plans", PERSON),
    via("care_plan_items", "plan_id", "care_plans", "id", PERSON),
    via("care_plan_history", "plan_id", "care_plans", "id", PERSON),
    direct("care_assignments", PERSON),
    direct("issue_group_persons", PERSON),
    via(
        "issue_groups",
        "id",
        "issue_group_persons",
        "group_id",
        PERSON,
    ),
    direct("assistance", PERSON),
    via("programmes", "id", "assistance", "programme_id", PERSON),
    direct("roll_records", PERSON),
    PersonTable {
        table: "link_reviews",
        rows: Rows::Any(&[
            Rows::Columns(&["person_id", "other_person_id"]),
            Rows::Via {
                col: "roll_record_id",
                parent: "roll_records",
                key: "id",
                parent_cols: PERSON,
            },
        ]),
    },
    direct("person_merges", &["survivor_id", "merged_id"]),
];

/// Free-text columns of any row (not only the person's) in which an erased person's full name
/// and ID number are replaced by the pseudonym.
pub const SCRUBBED: &[(&str, &str)] = &[
    ("persons", "dispute_note"),
    ("person_categories", "note"),
    ("consents", "given_by"),
    ("consents", "withdrawn_reason"),
    ("attestations", "signer_name"),
    ("attestations", "note"),
    ("visits", "notes"),
    ("visits", "needs_note"),
    ("visit_conflicts", "payload"),
    ("care_plans", "summary"),
    ("care_plan_items", "text"),
    ("care_plan_history", "change"),
    ("issue_groups", "name"),
    ("issue_groups", "description"),
    ("issue_group_notes", "text"),
    ("assistance", "source"),
    ("roll_records", "name"),
    ("roll_records", "fields"),
];

/// The audit actions whose detail lists the persons a list showed (`"ids": […]`,
/// `"persons": […]`, `"person": id`): a person appearing there was seen in a list.
const LIST_ACTIONS: &[AuditAction] = &[
    AuditAction::PersonSearch,
    AuditAction::MyVisits,
    AuditAction::GapReport,
    AuditAction::LinkRun,
    AuditAction::LinkReviewView,
    AuditAction::LinkDecide,
    AuditAction::GroupChange,
    AuditAction::EvacuationList,
];

/// Rows of one table in an export: column → value.
pub type ExportRow = Map<String, Value>;

/// Everything held on one person (a subject-access request), machine-readable.
#[derive(Debug, Clone, Serialize)]
pub struct PersonExport {
    /// Format name and version of this document.
    pub format: &'static str,
    /// When it was made.
    pub exported_at: DateTime<Utc>,
    /// The person asked about.
    pub person_id: i64,
    /// Their record ids: the person and the records merged into them (the same human).
    pub records: Vec<i64>,
    /// Every row about them, by table, every column.
    pub tables: BTreeMap<String, Vec<ExportRow>>,
    /// What was left out for the caller, and why.
    pub withheld: Vec<Withheld>,
    /// Who accessed the person (when the caller may read the audit log).
    pub accesses: Vec<AccessEntry>,
}

/// Rows left out of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withheld {
    /// Table.
    pub table: String,
    /// How many rows.
    pub rows: u64,
    /// Why: `sensitive` (the sensitive categories need that permission) or `audit` (the access
    /// list needs the audit permission).
    pub reason: &'static str,
}

/// One access to a person, from the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessEntry {
    /// Audit entry id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user id; 0 or none: the command line or an anonymous request).
    pub actor_user_id: Option<i64>,
    /// Their name as shown now.
    pub actor_name: Option<String>,
    /// What (`person.view`, `visit.record`, …).
    pub action: String,
    /// The entity acted on (`person`, `visit`, `photo`, …).
    pub entity: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// The request it came from.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// True when the person was one of the results of a list (a search, a gap report, a
    /// field worker's day) rather than the record itself.
    pub listed: bool,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// The only name the erased person has from now on (the reference to give them).
    pub pseudonym: String,
    /// Person records erased (the person and those merged into them).
    pub records: u64,
    /// Visits erased.
    pub visits: u64,
    /// Photos erased (rows and files).
    pub photos: u64,
    /// Rows elsewhere whose free text named them, scrubbed.
    pub scrubbed: u64,
}

/// What the retention rules did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Nothing was changed.
    pub dry_run: bool,
    /// The rules applied.
    pub rules: RetentionRules,
    /// Persons past their period (erased unless a dry run).
    pub persons: Vec<i64>,
    /// Pseudonyms of the erasures made.
    pub pseudonyms: Vec<String>,
    /// Roll rows past their period (emptied unless a dry run).
    pub roll_rows: u64,
}

/// The kinds of column values, read from the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int16,
    Int32,
    Int64,
    Float,
    Bool,
    Time,
    Date,
    Text,
}

/// The columns of a table with their kinds, in table order.
async fn columns_of(conn: &impl ConnectionTrait, table: &str) -> Result<Vec<(String, Kind)>> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => format!("SELECT name, type FROM pragma_table_info('{table}')"),
        _ => format!(
            "SELECT column_name, data_type FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}' \
             ORDER BY ordinal_position"
        ),
    };
    let rows = conn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let name: String = r.try_get_by_index(0)?;
        let ty: String = r.try_get_by_index::<String>(1)?.to_ascii_lowercase();
        let kind = match (backend, ty.as_str()) {
            (DbBackend::Postgres, "smallint") => Kind::Int16,
            (DbBackend::Postgres, "integer") => Kind::Int32,
            (_, t) if t.contains("timestamp") => Kind::Time,
            (_, t) if t.contains("date") => Kind::Date,
            (_, t) if t.contains("bool") => Kind::Bool,
            (_, t) if t.contains("double") || t.contains("real") || t.contains("float") => {
                Kind::Float
            }
            (_, t) if t.contains("int") => Kind::Int64,
            _ => Kind::Text,
        };
        out.push((name, kind));
    }
    Ok(out)
}

/// One column's value as JSON (numbers stay numbers, times are RFC 3339, dates ISO).
fn json_of(r: &sea_orm::QueryResult, col: &str, kind: Kind) -> Result<Value> {
    Ok(match kind {
        Kind::Int16 => r
            .try_get::<Option<i16>>("", col)?
            .map_or(Value::Null, Value::from),
        Kind::Int32 => r
            .try_get::<Option<i32>>("", col)?
            .map_or(Value::Null, Value::from),
        Kind::Int64 => r
            .try_get::<Option<i64>>("", col)?
            .map_or(Value::Null, Value::from),
        Kind::Float => r
            .try_get::<Option<f64>>("", col)?
            .map_or(Value::Null, Value::from),
        Kind::Bool => r
            .try_get::<Option<bool>>("", col)?
            .map_or(Value::Null, Value::from),
        Kind::Time => r
            .try_get::<Option<DateTime<Utc>>>("", col)?
            .map_or(Value::Null, |t| Value::from(t.to_rfc3339())),
        Kind::Date => r
            .try_get::<Option<NaiveDate>>("", col)?
            .map_or(Value::Null, |d| Value::from(d.to_string())),
        Kind::Text => r
            .try_get::<Option<String>>("", col)?
            .map_or(Value::Null, Value::from),
    })
}

/// The condition selecting one person's rows of a table.
fn rows_condition(rows: Rows, ids: &[i64]) -> Condition {
    let any_of = |cols: &[&'static str]| {
        let mut c = Condition::any();
        for col in cols {
            c = c.add(Expr::col(Alias::new(*col)).is_in(ids.iter().copied()));
        }
        c
    };
    match rows {
        Rows::Columns(cols) => any_of(cols),
        Rows::Via {
            col,
            parent,
            key,
            parent_cols,
        } => Condition::all().add(
            Expr::col(Alias::new(col)).in_subquery(
                Query::select()
                    .column(Alias::new(key))
                    .from(Alias::new(parent))
                    .cond_where(any_of(parent_cols))
                    .to_owned(),
            ),
        ),
        Rows::Any(all) => {
            let mut c = Condition::any();
            for r in all {
                c = c.add(rows_condition(*r, ids));
            }
            c
        }
    }
}

/// The person and every record merged into them (transitively, merges in force only).
async fn cluster(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>> {
    use crate::linkage::entity::person_merges;
    let mut all = vec![id];
    let mut frontier = vec![id];
    while !frontier.is_empty() {
        let merged: Vec<i64> = person_merges::Entity::find()
            .filter(person_merges::Column::SurvivorId.is_in(frontier.clone()))
            .filter(person_merges::Column::UndoneAt.is_null())
            .all(conn)
            .await?
            .into_iter()
            .map(|m| m.merged_id)
            .filter(|m| !all.contains(m))
            .collect();
        all.extend(&merged);
        frontier = merged;
    }
    Ok(all)
}

/// Ids (as the audit log writes them) of a table's rows selected by `cond`.
async fn ids_where(
    conn: &impl ConnectionTrait,
    table: &str,
    cond: Condition,
) -> Result<Vec<String>> {
    let q = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new(table))
        .cond_where(cond)
        .to_owned();
    let mut out = Vec::new();
    for r in conn.query_all(&q).await? {
        out.push(r.try_get_by_index::<i64>(0)?.to_string());
    }
    Ok(out)
}

fn by_person(ids: &[i64]) -> Condition {
    Condition::all().add(Expr::col(Alias::new("person_id")).is_in(ids.iter().copied()))
}

fn by_visit(ids: &[i64]) -> Condition {
    Condition::all().add(
        Expr::col(Alias::new("visit_id")).in_subquery(
            Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("visits"))
                .cond_where(by_person(ids))
                .to_owned(),
        ),
    )
}

fn by_plan(ids: &[i64]) -> Condition {
    Condition::all().add(
        Expr::col(Alias::new("plan_id")).in_subquery(
            Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("care_plans"))
                .cond_where(by_person(ids))
                .to_owned(),
        ),
    )
}

/// `DELETE FROM table WHERE cond`, answering the number of rows.
async fn delete_where(conn: &impl ConnectionTrait, table: &str, cond: Condition) -> Result<u64> {
    let q = Query::delete()
        .from_table(Alias::new(table))
        .cond_where(cond)
        .to_owned();
    Ok(conn.execute(&q).await?.rows_affected())
}

/// A LIKE pattern matching `s` anywhere, with LIKE's own characters escaped.
fn contains_pattern(s: &str) -> LikeExpr {
    let mut p = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    LikeExpr::new(p).escape('\\')
}

/// Replace the needles by `with` in one free-text column of every row of a table.
async fn scrub_column(
    conn: &impl ConnectionTrait,
    table: &str,
    col: &str,
    needles: &[String],
    with: &str,
) -> Result<u64> {
    if needles.is_empty() {
        return Ok(0);
    }
    let mut value: Expr = Expr::col(Alias::new(col));
    let mut any = Condition::any();
    for n in needles {
        value = Func::cust("REPLACE")
            .arg(value)
            .arg(n.as_str())
            .arg(with)
            .into();
        any = any.add(Expr::col(Alias::new(col)).like(contains_pattern(n)));
    }
    let q = Query::update()
        .table(Alias::new(table))
        .value(Alias::new(col), value)
        .cond_where(any)
        .to_owned();
    Ok(conn.execute(&q).await?.rows_affected())
}

impl Store {
    /// Everything held on a person, every column of every row about them (see
    /// [`PERSON_TABLES`]), as JSON: a PDPA subject-access request. Needs `ExportPersons` over
    /// the person's village (staff and administrators of the area: the people who answer such
    /// requests; a field volunteer sees the person but does not hand out their whole file).
    /// Sensitive categories only with the `sensitive` permission, the access list only with
    /// the audit permission; what is left out is named in `withheld`. Audited.
    pub async fn export_person_data(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<PersonExport> {
        let txn = self.db.begin().await?;
        let p = self.visible_person(&txn, actor, id).await?;
        let village = village_of(&p);
        if !actor.can(Operation::ExportPersons, &village) {
            return Err(StoreError::Forbidden);
        }
        let sees_sensitive = actor.can(Operation::ViewSensitive, &village);
        let records = cluster(&txn, id).await?;
        let mut tables = BTreeMap::new();
        let mut withheld = Vec::new();
        let mut total = 0usize;
        for t in PERSON_TABLES {
            let cols = columns_of(&txn, t.table).await?;
            let mut q = Query::select();
            q.from(Alias::new(t.table))
                .cond_where(rows_condition(t.rows, &records));
            for (c, _) in &cols {
                q.column(Alias::new(c.as_str()));
            }
            for (c, _) in cols.iter().take(2) {
                q.order_by(Alias::new(c.as_str()), sea_orm::Order::Asc);
            }
            let mut rows = Vec::new();
            let mut hidden = 0u64;
            for r in txn.query_all(&q).await? {
                let mut row = Map::new();
                for (c, kind) in &cols {
                    row.insert(c.clone(), json_of(&r, c, *kind)?);
                }
                if t.table == "person_categories"
                    && !sees_sensitive
                    && row
                        .get("category")
                        .and_then(Value::as_str)
                        .and_then(Category::parse)
                        .is_some_and(Category::is_sensitive)
                {
                    hidden += 1;
                    continue;
                }
                rows.push(row);
            }
            if hidden > 0 {
                withheld.push(Withheld {
                    table: t.table.to_owned(),
                    rows: hidden,
                    reason: "sensitive",
                });
            }
            total += rows.len();
            tables.insert(t.table.to_owned(), rows);
        }
        let accesses = if actor.can(Operation::ViewAudit, &village) {
            self.accesses(&txn, &records, &p, 1000).await?
        } else {
            withheld.push(Withheld {
                table: "audit_log".into(),
                rows: 0,
                reason: "audit",
            });
            Vec::new()
        };
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::PersonDataExport, meta)
                .entity("person", id)
                .area(&village)
                .detail(serde_json::json!({
                    "records": records, "rows": total,
                    "withheld": withheld.iter().map(|w| w.reason).collect::<Vec<_>>(),
                })),
        )
        .await?;
        txn.commit().await?;
        Ok(PersonExport {
            format: "ruamjai.person-export.v1",
            exported_at: Utc::now(),
            person_id: id,
            records,
            tables,
            withheld,
            accesses,
        })
    }

    /// The name of a person the caller may see, for the heading of a page whose own read is
    /// audited (the access list, the erasure form).
    pub async fn person_name(&self, actor: &Actor, id: i64) -> Result<String> {
        let p = self.visible_person(&self.db, actor, id).await?;
        Ok(super::display_name(
            p.prefix.as_deref(),
            &p.first_name,
            &p.last_name,
        ))
    }

    /// Who accessed a person, newest first (at most `limit`): the audit entries about their
    /// record, visits, photos, care plan, linkage pairs and household, and those of lists that
    /// showed them. For whoever may read the audit log of the person's village (area
    /// administrators); audited itself.
    pub async fn person_access_log(
        &self,
        actor: &Actor,
        id: i64,
        limit: u64,
        meta: &RequestMeta,
    ) -> Result<Vec<AccessEntry>> {
        let p = self.visible_person(&self.db, actor, id).await?;
        let village = village_of(&p);
        if !actor.can(Operation::ViewAudit, &village) {
            return Err(StoreError::Forbidden);
        }
        let records = cluster(&self.db, id).await?;
        let out = self.accesses(&self.db, &records, &p, limit).await?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::PersonAccessView, meta)
                .entity("person", id)
                .area(&village)
                .detail(serde_json::json!({ "shown": out.len() })),
        )
        .await?;
        Ok(out)
    }

    async fn accesses(
        &self,
        conn: &impl ConnectionTrait,
        records: &[i64],
        p: &persons::Model,
        limit: u64,
    ) -> Result<Vec<AccessEntry>> {
        use crate::audit::entity::{Column, Entity as AuditLog};
        let as_text = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>();
        let mut direct: Vec<(&'static str, Vec<String>)> = vec![("person", as_text(records))];
        direct.push((
            "visit",
            ids_where(conn, "visits", by_person(records)).await?,
        ));
        direct.push((
            "photo",
            ids_where(conn, "visit_photos", by_visit(records)).await?,
        ));
        direct.push((
            "care_plan",
            ids_where(conn, "care_plans", by_person(records)).await?,
        ));
        direct.push((
            "link_review",
            ids_where(
                conn,
                "link_reviews",
                rows_condition(Rows::Columns(&["person_id", "other_person_id"]), records),
            )
            .await?,
        ));
        if let Some(h) = p.household_id {
            direct.push(("household", vec![h.to_string()]));
        }
        let mut any = Condition::any();
        for (entity, ids) in &direct {
            if !ids.is_empty() {
                any = any.add(
                    Condition::all()
                        .add(Column::Entity.eq(*entity))
                        .add(Column::EntityId.is_in(ids.clone())),
                );
            }
        }
        let mut listed = Condition::any();
        for id in records {
            for pat in [
                format!("[{id}]"),
                format!("[{id},"),
                format!(",{id},"),
                format!(",{id}]"),
                format!("\"person\":{id},"),
                format!("\"person\":{id}}}"),
            ] {
                listed = listed.add(Expr::col(Column::Detail).like(contains_pattern(&pat)));
            }
        }
        any = any.add(
            Condition::all()
                .add(Column::Action.is_in(LIST_ACTIONS.iter().map(|a| a.as_str())))
                .add(listed),
        );
        // A group's page lists its persons.
        let groups: Vec<String> = {
            let q = Query::select()
                .column(Alias::new("group_id"))
                .from(Alias::new("issue_group_persons"))
                .cond_where(by_person(records))
                .to_owned();
            let mut out = Vec::new();
            for r in conn.query_all(&q).await? {
                out.push(r.try_get_by_index::<i64>(0)?.to_string());
            }
            out
        };
        if !groups.is_empty() {
            any = any.add(
                Condition::all()
                    .add(Column::Action.eq(AuditAction::GroupView.as_str()))
                    .add(Column::Entity.eq("issue_group"))
                    .add(Column::EntityId.is_in(groups)),
            );
        }
        // A list export (CSV, XLSX) holds no ids in its entry: those of an area around their
        // village, or of the whole scope of someone who reaches it, may have held them (refined
        // below, where the exporter's areas are read).
        let village = p.village_code.clone();
        let lineage: Vec<String> = [2usize, 4, 6, 8]
            .iter()
            .filter_map(|n| village.get(..*n).map(str::to_owned))
            .collect();
        any = any.add(
            Condition::all()
                .add(Column::Action.eq(AuditAction::PersonExport.as_str()))
                .add(
                    Condition::any()
                        .add(Column::AreaCode.is_in(lineage))
                        .add(Column::AreaCode.is_null()),
                ),
        );
        // Nothing before the oldest record existed can be about them (and the time index
        // keeps the scan of list entries short).
        let since = persons::Entity::find()
            .filter(persons::Column::Id.is_in(records.iter().copied()))
            .all(conn)
            .await?
            .iter()
            .map(|m| m.created_at)
            .min()
            .unwrap_or(p.created_at);
        let rows = AuditLog::find()
            .filter(any)
            .filter(Column::At.gte(since - chrono::Duration::seconds(1)))
            .order_by_desc(Column::Id)
            .limit(limit.clamp(1, 5000))
            .all(conn)
            .await?;
        let actors: Vec<i64> = rows.iter().filter_map(|r| r.actor_user_id).collect();
        let names: HashMap<i64, String> = if actors.is_empty() {
            HashMap::new()
        } else {
            crate::auth::entity::user::Entity::find()
                .filter(crate::auth::entity::user::Column::Id.is_in(actors))
                .all(conn)
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect()
        };
        let reaches = |areas: &Option<String>| {
            areas.as_deref().is_some_and(|a| {
                a.split(',')
                    .any(|a| a == "*" || (!a.is_empty() && village.starts_with(a)))
            })
        };
        Ok(rows
            .into_iter()
            .filter(|r| {
                r.action != AuditAction::PersonExport.as_str()
                    || r.area_code.is_some()
                    || reaches(&r.actor_areas)
            })
            .map(|r| {
                let is_direct = direct.iter().any(|(e, ids)| {
                    r.entity.as_deref() == Some(*e)
                        && r.entity_id.as_ref().is_some_and(|i| ids.contains(i))
                });
                AccessEntry {
                    id: r.id,
                    at: r.at,
                    actor_name: r.actor_user_id.and_then(|u| names.get(&u).cloned()),
                    actor_user_id: r.actor_user_id,
                    action: r.action,
                    entity: r.entity,
                    entity_id: r.entity_id,
                    request_id: r.request_id,
                    ip: r.ip,
                    listed: !is_direct,
                }
            })
            .collect())
    }

    /// Erase a person and everything about them (see the module's documentation for what is
    /// removed and what stays), in one transaction, with the photo files. Only with
    /// `ErasePersons` over the village of the person and of every record merged into them (area
    /// administrators and administrators), and with a reason (kept in the audit log with their
    /// name and ID number taken out). A merged record is erased with the record it was merged
    /// into (`erase_merged_record` on `status` otherwise). Cannot be undone.
    pub async fn erase_person(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Erasure> {
        let reason = EraseForm {
            reason: reason.to_owned(),
            confirm: true,
        }
        .check(false)?;
        let txn = self.db.begin().await?;
        let p = self.visible_person(&txn, actor, id).await?;
        if !actor.can(Operation::ErasePersons, &village_of(&p)) {
            return Err(StoreError::Forbidden);
        }
        let out = self.erase_in(&txn, actor, &p, &reason, meta).await?;
        txn.commit().await?;
        self.after_erasure().await;
        Ok(out)
    }

    /// The erasure itself, inside the caller's transaction.
    async fn erase_in(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        p: &persons::Model,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Erasure> {
        if p.status == PersonStatus::Merged.as_str() {
            return Err(FieldError::new("status", "erase_merged_record").into());
        }
        let records = cluster(conn, p.id).await?;
        let rows = persons::Entity::find()
            .filter(persons::Column::Id.is_in(records.clone()))
            .all(conn)
            .await?;
        if rows
            .iter()
            .any(|m| !actor.can(Operation::ErasePersons, &village_of(m)))
        {
            return Err(StoreError::Forbidden);
        }
        // PostgreSQL: hold their rows and visits until the erasure commits, so a visit or a
        // photo synced meanwhile waits and then finds nothing to attach to (no photo file can
        // be stored after its keys were read here). SQLite has one writer at a time anyway.
        if conn.get_database_backend() == DbBackend::Postgres {
            for (table, cond) in [
                (
                    "persons",
                    Condition::all()
                        .add(Expr::col(Alias::new("id")).is_in(records.iter().copied())),
                ),
                ("visits", by_person(&records)),
            ] {
                let q = Query::select()
                    .column(Alias::new("id"))
                    .from(Alias::new(table))
                    .cond_where(cond)
                    .lock(sea_orm::sea_query::LockType::Update)
                    .to_owned();
                conn.query_all(&q).await?;
            }
        }
        let pseudonym = privacy::pseudonym(rand::random());
        let mut needles: Vec<String> = Vec::new();
        for m in &rows {
            for n in privacy::needles(&m.first_name, &m.last_name, m.id_number.as_deref()) {
                if !needles.contains(&n) {
                    needles.push(n);
                }
            }
        }
        // Longest first, so a name glued to more text is replaced whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));

        // The count cache: they are no longer in the registry.
        let t = today();
        for m in &rows {
            let cats = Self::all_categories(conn, m.id).await?;
            counts::adjust(
                conn,
                &village_of(m),
                &count_keys(&m.status, birth_of(m), &cats, t),
                -1,
            )
            .await?;
        }

        let photo_keys: Vec<String> = {
            let q = Query::select()
                .column(Alias::new("storage_key"))
                .from(Alias::new("visit_photos"))
                .cond_where(by_visit(&records))
                .to_owned();
            let mut keys = Vec::new();
            for r in conn.query_all(&q).await? {
                keys.push(r.try_get_by_index::<String>(0)?);
            }
            keys
        };
        let assistance_ids: Vec<i64> = ids_where(conn, "assistance", by_person(&records))
            .await?
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();

        // Rows about them, children first.
        for table in ["sync_receipts", "visit_conflicts", "visit_photos"] {
            delete_where(conn, table, by_visit(&records)).await?;
        }
        let visits = delete_where(conn, "visits", by_person(&records)).await?;
        for table in ["care_plan_history", "care_plan_items"] {
            delete_where(conn, table, by_plan(&records)).await?;
        }
        // Roll rows stay (another agency's list and its totals), emptied of what they copied:
        // the rows linked to them, and any other roll's row carrying their ID number or full
        // name (the same person on a list that did not link). Pairs proposed for those rows go.
        let mut roll_cond = Condition::any()
            .add(Expr::col(Alias::new("person_id")).is_in(records.iter().copied()))
            .add(Expr::col(Alias::new("assistance_id")).is_in(assistance_ids.iter().copied()));
        for n in &needles {
            roll_cond = roll_cond
                .add(Expr::col(Alias::new("fields")).like(contains_pattern(n)))
                .add(Expr::col(Alias::new("name")).like(contains_pattern(n)));
        }
        let roll_ids: Vec<i64> = ids_where(conn, "roll_records", roll_cond)
            .await?
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
        if !roll_ids.is_empty() {
            delete_where(
                conn,
                "link_reviews",
                Condition::all()
                    .add(Expr::col(Alias::new("roll_record_id")).is_in(roll_ids.iter().copied())),
            )
            .await?;
            let q = Query::update()
                .table(Alias::new("roll_records"))
                .values([
                    (Alias::new("fields"), "{}".into()),
                    (Alias::new("name"), pseudonym.clone().into()),
                    (Alias::new("person_id"), Option::<i64>::None.into()),
                    (Alias::new("assistance_id"), Option::<i64>::None.into()),
                ])
                .cond_where(
                    Condition::all()
                        .add(Expr::col(Alias::new("id")).is_in(roll_ids.iter().copied())),
                )
                .to_owned();
            conn.execute(&q).await?;
        }
        for table in [
            "care_plans",
            "person_categories",
            "consents",
            "attestations",
            "care_assignments",
            "issue_group_persons",
            "assistance",
        ] {
            delete_where(conn, table, by_person(&records)).await?;
        }
        delete_where(
            conn,
            "person_merges",
            rows_condition(Rows::Columns(&["survivor_id", "merged_id"]), &records),
        )
        .await?;
        delete_where(
            conn,
            "link_reviews",
            rows_condition(Rows::Columns(&["person_id", "other_person_id"]), &records),
        )
        .await?;
        delete_where(
            conn,
            "idempotency_keys",
            Condition::all()
                .add(Expr::col(Alias::new("entity")).eq("person"))
                .add(
                    Expr::col(Alias::new("entity_id"))
                        .is_in(records.iter().map(i64::to_string).collect::<Vec<_>>()),
                ),
        )
        .await?;
        delete_where(
            conn,
            "persons",
            Condition::all().add(Expr::col(Alias::new("id")).is_in(records.iter().copied())),
        )
        .await?;
        // Their household, when nobody else lives there any more.
        let households: BTreeSet<i64> = rows.iter().filter_map(|m| m.household_id).collect();
        for h in households {
            let others = persons::Entity::find()
                .filter(persons::Column::HouseholdId.eq(h))
                .limit(1)
                .all(conn)
                .await?;
            if others.is_empty() {
                delete_where(
                    conn,
                    "households",
                    Condition::all().add(Expr::col(Alias::new("id")).eq(h)),
                )
                .await?;
            }
        }

        // Their name and ID number in free text about others.
        let mut scrubbed = 0;
        for (table, col) in SCRUBBED {
            scrubbed += scrub_column(conn, table, col, &needles, &pseudonym).await?;
        }

        // The map centres of their areas (a village's centre may be one home).
        let villages: BTreeSet<String> = rows.iter().map(|m| m.village_code.clone()).collect();
        for v in &villages {
            recentre(conn, v).await?;
        }

        let reason = privacy::scrub(reason, &needles, &pseudonym).unwrap_or_else(|| reason.into());
        let village = village_of(p);
        audit::append(
            conn,
            NewEntry::by(actor, AuditAction::PersonErase, meta)
                .entity("person", p.id)
                .area(&village)
                .detail(serde_json::json!({
                    "pseudonym": pseudonym, "records": records, "visits": visits,
                    "photos": photo_keys.len(), "reason": reason,
                })),
        )
        .await?;

        // The photo files last: if one cannot be removed, nothing is erased (the transaction
        // rolls back) and the erasure can be tried again.
        for key in &photo_keys {
            let files = self.files.clone();
            let key = key.clone();
            tokio::task::spawn_blocking(move || files.delete(&key))
                .await
                .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?
                .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("file store: {e}"))))?;
        }
        Ok(Erasure {
            pseudonym,
            records: records.len() as u64,
            visits,
            photos: photo_keys.len() as u64,
            scrubbed,
        })
    }

    /// After erasures: leave no copy of the erased bytes in the database's files (SQLite: the
    /// WAL checkpointed into the file, whose freed content `secure_delete` has zeroed, and
    /// truncated; PostgreSQL: the planner's sampled statistics taken again). Best effort: a
    /// failure is logged, and the next erasure or retention run tries again.
    async fn after_erasure(&self) {
        let sql = match self.db.get_database_backend() {
            DbBackend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)".to_owned(),
            _ => {
                let tables: BTreeSet<&str> = PERSON_TABLES
                    .iter()
                    .map(|t| t.table)
                    .chain(SCRUBBED.iter().map(|(t, _)| *t))
                    .collect();
                format!(
                    "ANALYZE {}",
                    tables.into_iter().collect::<Vec<_>>().join(", ")
                )
            }
        };
        match self
            .db
            .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql))
            .await
        {
            Ok(Some(r)) if self.db.get_database_backend() == DbBackend::Sqlite => {
                // (busy, log frames, checkpointed frames): busy means a reader kept the WAL.
                if r.try_get_by_index::<i64>(0).unwrap_or(0) != 0 {
                    tracing::warn!("after an erasure the SQLite WAL could not be truncated yet");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "after an erasure: database upkeep failed"),
        }
    }

    /// Apply the retention rules (see [`RetentionRules`]) as the system: erase the persons past
    /// their period (each in its own transaction, exactly as an erasure on request) and empty
    /// old roll rows. `dry_run`: only say what would go. Audited.
    pub async fn apply_retention(
        &self,
        rules: RetentionRules,
        dry_run: bool,
        meta: &RequestMeta,
    ) -> Result<RetentionReport> {
        rules.check()?;
        let system = Actor::command_line();
        let t = today();
        let mut persons_due = Vec::new();
        if rules.inactive_person_years > 0 {
            let cut = privacy::cutoff(t, rules.inactive_person_years);
            let cut_ts = cut.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            persons_due = persons::Entity::find()
                .select_only()
                .column(persons::Column::Id)
                .filter(persons::Column::Status.is_in([
                    PersonStatus::Moved.as_str(),
                    PersonStatus::Deceased.as_str(),
                ]))
                .filter(
                    Condition::any()
                        .add(persons::Column::StatusDate.lt(cut))
                        .add(
                            Condition::all()
                                .add(persons::Column::StatusDate.is_null())
                                .add(persons::Column::UpdatedAt.lt(cut_ts)),
                        ),
                )
                .order_by_asc(persons::Column::Id)
                .into_tuple::<i64>()
                .all(&self.db)
                .await?;
        }
        let roll_cond = if rules.roll_years > 0 {
            let cut = privacy::cutoff(t, rules.roll_years)
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc();
            Some(
                Condition::all()
                    .add(
                        Expr::col(Alias::new("run_id")).in_subquery(
                            Query::select()
                                .column(Alias::new("id"))
                                .from(Alias::new("link_runs"))
                                .and_where(Expr::col(Alias::new("finished_at")).lt(cut))
                                .to_owned(),
                        ),
                    )
                    .add(
                        Condition::any()
                            .add(Expr::col(Alias::new("fields")).ne("{}"))
                            .add(Expr::col(Alias::new("name")).ne("")),
                    ),
            )
        } else {
            None
        };
        let mut report = RetentionReport {
            dry_run,
            rules,
            persons: persons_due.clone(),
            pseudonyms: Vec::new(),
            roll_rows: 0,
        };
        if dry_run {
            if let Some(c) = roll_cond {
                let q = Query::select()
                    .expr(Func::count(Expr::col(Alias::new("id"))))
                    .from(Alias::new("roll_records"))
                    .cond_where(c)
                    .to_owned();
                report.roll_rows = match self.db.query_one(&q).await? {
                    Some(r) => r.try_get_by_index::<i64>(0)? as u64,
                    None => 0,
                };
            }
        } else {
            let reason = format!(
                "retention: moved away or deceased more than {} years ago",
                rules.inactive_person_years
            );
            for id in &persons_due {
                let txn = self.db.begin().await?;
                let Some(p) = persons::Entity::find_by_id(*id).one(&txn).await? else {
                    continue; // erased meanwhile
                };
                if p.status == PersonStatus::Merged.as_str() {
                    continue;
                }
                let e = self.erase_in(&txn, &system, &p, &reason, meta).await?;
                txn.commit().await?;
                report.pseudonyms.push(e.pseudonym);
            }
            if let Some(c) = roll_cond {
                let q = Query::update()
                    .table(Alias::new("roll_records"))
                    .values([
                        (Alias::new("fields"), "{}".into()),
                        (Alias::new("name"), "".into()),
                    ])
                    .cond_where(c)
                    .to_owned();
                report.roll_rows = self.db.execute(&q).await?.rows_affected();
            }
            if !persons_due.is_empty() || report.roll_rows > 0 {
                self.after_erasure().await;
            }
        }
        audit::append(
            &self.db,
            NewEntry::by(&system, AuditAction::RetentionRun, meta).detail(serde_json::json!({
                "dry_run": dry_run,
                "inactive_person_years": rules.inactive_person_years,
                "roll_years": rules.roll_years,
                "persons": report.persons.len(),
                "pseudonyms": report.pseudonyms,
                "roll_rows": report.roll_rows,
            })),
        )
        .await?;
        Ok(report)
    }

    /// The daily run of the retention rules by `serve`: once per Thai day across every process
    /// sharing the database. Answers the report when this process ran them.
    pub async fn retention_upkeep(&self, rules: RetentionRules) -> Result<Option<RetentionReport>> {
        let day = today().to_string();
        if !self.claim("retention_ran_on", &day, |v| v != day).await? {
            return Ok(None);
        }
        let meta = RequestMeta {
            request_id: Some("retention".into()),
            ip: None,
        };
        self.apply_retention(rules, false, &meta).await.map(Some)
    }
}

/// Recompute the map centres (mean home location of active persons) of a village and the
/// areas above it.
async fn recentre(conn: &impl ConnectionTrait, village: &str) -> Result<()> {
    let backend = conn.get_database_backend();
    let active = PersonStatus::Active.as_str();
    for len in [2usize, 4, 6, 8] {
        let Some(code) = village.get(..len) else {
            continue;
        };
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        conn.execute_raw(Statement::from_string(
            backend,
            format!("DELETE FROM area_centres WHERE area_code = '{code}'"),
        ))
        .await?;
        conn.execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO area_centres (area_code, lat, lon, located) \
                 SELECT substr(village_code, 1, {len}), AVG(lat), AVG(lon), COUNT(*) \
                 FROM persons WHERE lat IS NOT NULL AND lon IS NOT NULL \
                 AND status = '{active}' AND village_code LIKE '{code}%' \
                 GROUP BY substr(village_code, 1, {len})"
            ),
        ))
        .await?;
    }
    Ok(())
}

impl Store {
    /// Rebuild the tables from their live rows, leaving no remnant of erased data in free or
    /// unused space (SQLite: `VACUUM` of the whole file, then the WAL truncated; PostgreSQL:
    /// `VACUUM FULL` of the tables about persons). `secure_delete` already zeroes what a
    /// deletion frees; this also clears copies SQLite may leave in unused page space after
    /// moving rows between pages, and PostgreSQL's dead row versions. Slow on a large database
    /// and it holds other writers meanwhile: for a quiet hour (`ruamjai privacy retention
    /// --vacuum`).
    pub async fn vacuum(&self) -> Result<()> {
        match self.db.get_database_backend() {
            DbBackend::Sqlite => {
                self.db.execute_unprepared("VACUUM").await?;
                self.db
                    .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await?;
            }
            _ => {
                let tables: BTreeSet<&str> = PERSON_TABLES
                    .iter()
                    .map(|t| t.table)
                    .chain(SCRUBBED.iter().map(|(t, _)| *t))
                    .collect();
                self.db
                    .execute_unprepared(&format!(
                        "VACUUM (FULL, ANALYZE) {}",
                        tables.into_iter().collect::<Vec<_>>().join(", ")
                    ))
                    .await?;
            }
        }
        Ok(())
    }
}
