//! Record linkage in the product (DESIGN.md §2 part 5): the engine (`ruamjai-linkage`) run over
//! the registry to find duplicates, and over an agency's roll to link it to the registry.
//!
//! - A run applies the pairs at or above the automatic threshold (duplicates merged, roll
//!   records linked: the person receives the programme) and puts those between the review and
//!   the automatic threshold in the **review queue**, where a person decides: the same person,
//!   not the same person (never proposed again), or later.
//! - A **merge** keeps both records: the merged one takes the status `merged` (read-only, not
//!   counted) and its links (assistance, visits, consents, care plan, assignments, issue groups,
//!   categories, roll records) move to the survivor; every move is written down, so an undo
//!   moves exactly those rows back and gives the merged record its status again.
//! - Scope: a pair is in the caller's queue when the caller may link records in the villages of
//!   both persons; anything else is `NotFound`. Runs, decisions, merges and undos are audited,
//!   and so is opening a pair (it shows two persons).

pub(crate) mod entity;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use ruamjai_domain::FieldError;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::linkage::{Decision, ReviewStatus, RollStatus, Route, RunKind, Thresholds};
use ruamjai_domain::registry::{Category, IdKind, PersonStatus, Precision};
use ruamjai_linkage::compare::{FIELDS, compare};
use ruamjai_linkage::io::{Mapping, Role};
use ruamjai_linkage::model::Model;
use ruamjai_linkage::record::{RawRecord, Record};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::areas::scope_condition;
use crate::assistance::entity::{assistance, programmes};
use crate::audit::{self, NewEntry};
use crate::registry::entity::{households, person_categories, persons};
use crate::registry::{birth_of, count_keys, counts, display_name, village_of};
use crate::tabular::Table;
use crate::{Result, Store, StoreError};
use entity::{link_reviews, link_runs, person_merges, roll_records};

/// Progress of a run: (stage, done, total), called from the engine's threads.
pub type Progress = Arc<dyn Fn(&'static str, u64, u64) + Send + Sync>;

/// The most rows a roll may have (a province's largest agency list is far below this).
pub const MAX_ROLL_ROWS: usize = 500_000;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// The run.
    pub run_id: i64,
    /// Registry duplicates or a roll.
    pub kind: RunKind,
    /// Records looked at (registry persons, or roll rows).
    pub records: u64,
    /// Pairs the engine compared.
    pub candidates: u64,
    /// Pairs applied (persons merged, roll records linked).
    pub applied: u64,
    /// Pairs put in the review queue.
    pub queued: u64,
    /// Roll records no registry person is likely enough to be (rolls only).
    pub unmatched: u64,
    /// The same roll file was linked before: this is that run, and nothing was done again.
    pub already: bool,
}

fn report_of(r: &link_runs::Model, already: bool) -> RunReport {
    RunReport {
        run_id: r.id,
        kind: RunKind::parse(&r.kind).unwrap_or(RunKind::Dedup),
        records: r.records as u64,
        candidates: r.candidates as u64,
        applied: r.applied as u64,
        queued: r.queued as u64,
        unmatched: r.unmatched as u64,
        already,
    }
}

/// One field's part in a pair's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldWeight {
    /// Field name (`national_id`, `first_name`, …).
    pub field: String,
    /// Agreement level name (`exact`, `phonetic`, …); `None` when a side has no value.
    pub level: Option<String>,
    /// Weight in bits (positive: evidence of one person).
    pub weight: f64,
}

fn explain(model: &Model, a: &Record, b: &Record) -> Vec<FieldWeight> {
    model
        .explain(&compare(a, b))
        .into_iter()
        .map(|(f, level, weight)| FieldWeight {
            field: FIELDS[f].name.to_owned(),
            level: level.map(|l| FIELDS[f].levels[l as usize].to_owned()),
            weight,
        })
        .collect()
}

/// One side of a pair as the reviewer sees it: the fields compared, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairSide {
    /// The registry person (none for a roll record).
    pub person_id: Option<i64>,
    /// Roll record (none for a person).
    pub roll_record_id: Option<i64>,
    /// Name as shown.
    pub name: String,
    /// (field label key, value): national ID, sex, birth, village, house, phone, and for roll
    /// records every other column as it came.
    pub fields: Vec<(String, String)>,
}

/// A pair in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewSummary {
    /// Id.
    pub id: i64,
    /// Duplicates or roll.
    pub kind: RunKind,
    /// Match probability.
    pub probability: f64,
    /// Status.
    pub status: ReviewStatus,
    /// Village of the registry person.
    pub village_code: AreaCode,
    /// The registry person's name.
    pub left_name: String,
    /// The other person's or the roll record's name.
    pub right_name: String,
}

/// A pair opened for review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewDetail {
    /// The pair.
    pub summary: ReviewSummary,
    /// The registry person.
    pub left: PairSide,
    /// The other person, or the roll record.
    pub right: PairSide,
    /// How each field weighed.
    pub explain: Vec<FieldWeight>,
    /// The programme a roll is for.
    pub programme: Option<String>,
    /// The merge a match made (still in force), to undo.
    pub merge_id: Option<i64>,
}

/// A merge as the person page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeInfo {
    /// Id.
    pub id: i64,
    /// The person kept.
    pub survivor_id: i64,
    /// The person merged into it.
    pub merged_id: i64,
    /// Name of the other person.
    pub other_name: String,
    /// When.
    pub merged_at: chrono::DateTime<Utc>,
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// What it did.
    pub report: RunReport,
    /// Area.
    pub area: AreaCode,
    /// The roll's file.
    pub file_name: Option<String>,
    /// The roll's programme.
    pub programme_id: Option<i64>,
    /// Thresholds used.
    pub thresholds: Thresholds,
    /// When.
    pub finished_at: chrono::DateTime<Utc>,
}

/// A row of an imported roll, as the agency wrote it, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollRow {
    /// Line in the file (1 = the header).
    pub line: i32,
    /// The name as written on the roll.
    pub name: String,
    /// Village code, when the roll gave one.
    pub village_code: Option<String>,
    /// Linked, in review, or unmatched.
    pub status: RollStatus,
    /// The registry person it is linked to.
    pub person_id: Option<i64>,
}

/// A roll run's rows of one status (or all), in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollRows {
    /// The run.
    pub run: RunSummary,
    /// Its programme's name.
    pub programme: Option<String>,
    /// Rows, at most the limit asked for.
    pub rows: Vec<RollRow>,
    /// Rows of that status in all.
    pub total: u64,
}

/// A row a merge moved to the survivor: `UPDATE table SET person_id = survivor WHERE
/// person_id = merged AND key = value` (and back for the undo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Move {
    table: String,
    key: String,
    value: KeyValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
enum KeyValue {
    Int(i64),
    Text(String),
}

impl From<KeyValue> for sea_orm::Value {
    fn from(v: KeyValue) -> Self {
        match v {
            KeyValue::Int(i) => i.into(),
            KeyValue::Text(s) => s.into(),
        }
    }
}

/// The tables that point at a person, with the column naming each row, and whether a row moves
/// only when the survivor has no row of the same key (one care plan per person; one assignment
/// per field worker, one membership per group, one row per category).
const LINKS: [(&str, &str, bool); 8] = [
    ("assistance", "id", false),
    ("visits", "id", false),
    ("consents", "id", false),
    ("roll_records", "id", false),
    ("care_plans", "person_id", true),
    ("care_assignments", "user_id", true),
    ("issue_group_persons", "group_id", true),
    ("person_categories", "category", true),
];

async fn keys_of(
    conn: &impl ConnectionTrait,
    table: &str,
    key: &str,
    person: i64,
) -> Result<Vec<KeyValue>> {
    let q = Query::select()
        .column(Alias::new(key))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("person_id")).eq(person))
        .to_owned();
    let rows = conn.query_all(&q).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(match r.try_get_by_index::<i64>(0) {
            Ok(i) => KeyValue::Int(i),
            Err(_) => KeyValue::Text(r.try_get_by_index::<String>(0)?),
        });
    }
    Ok(out)
}

async fn move_row(conn: &impl ConnectionTrait, m: &Move, from: i64, to: i64) -> Result<u64> {
    let mut q = Query::update();
    q.table(Alias::new(m.table.as_str()))
        .value(Alias::new("person_id"), to)
        .and_where(Expr::col(Alias::new("person_id")).eq(from));
    if m.key != "person_id" {
        q.and_where(
            Expr::col(Alias::new(m.key.as_str())).eq(sea_orm::Value::from(m.value.clone())),
        );
    }
    Ok(conn.execute(&q).await?.rows_affected())
}

/// The records the engine compares, made from registry rows.
fn record_of(p: &persons::Model, house: Option<&str>) -> Record {
    let birth = birth_of(p);
    let (birth_date, birth_year) = match birth {
        Some(b) if b.precision == Precision::Day => (b.iso(), String::new()),
        Some(b) => (String::new(), chrono::Datelike::year(&b.date).to_string()),
        None => (String::new(), String::new()),
    };
    Record::from_raw(&RawRecord {
        id: p.id.to_string(),
        national_id: if p.id_kind == IdKind::Citizen.as_str() {
            p.id_number.clone().unwrap_or_default()
        } else {
            String::new()
        },
        prefix: p.prefix.clone().unwrap_or_default(),
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        other_last_name: String::new(),
        full_name: String::new(),
        sex: p.sex.clone().unwrap_or_default(),
        birth_date,
        birth_year,
        village_code: p.village_code.clone(),
        house_number: house.unwrap_or_default().to_owned(),
        phone: p.phone.clone().unwrap_or_default(),
    })
}

fn settings(t: Thresholds) -> ruamjai_linkage::run::Settings {
    ruamjai_linkage::run::Settings {
        threshold: t.review,
        ..Default::default()
    }
}

/// The registry persons of an area (not merged ones) the caller may link, with their records
/// for the engine.
async fn registry_records(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    area: &AreaCode,
) -> Result<(Vec<persons::Model>, Vec<Record>)> {
    let mut q = persons::Entity::find()
        .filter(crate::areas::within(persons::Column::VillageCode, area))
        .filter(persons::Column::Status.ne(PersonStatus::Merged.as_str()));
    if let Some(c) = scope_condition(
        persons::Column::VillageCode,
        &actor.scope(Operation::LinkRecords),
    ) {
        q = q.filter(c);
    }
    let people = q.order_by_asc(persons::Column::Id).all(conn).await?;
    let hh: HashSet<i64> = people.iter().filter_map(|p| p.household_id).collect();
    let mut houses: HashMap<i64, String> = HashMap::new();
    for chunk in hh.into_iter().collect::<Vec<_>>().chunks(5_000) {
        for h in households::Entity::find()
            .filter(households::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            houses.insert(h.id, h.house_number);
        }
    }
    let records = people
        .iter()
        .map(|p| {
            record_of(
                p,
                p.household_id
                    .and_then(|h| houses.get(&h))
                    .map(String::as_str),
            )
        })
        .collect();
    Ok((people, records))
}

/// Run the engine off the async runtime.
async fn engine<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("linkage engine: {e}"))))
}

fn person_side(p: &persons::Model, house: Option<String>) -> PairSide {
    let mut fields = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            fields.push((k.to_owned(), v));
        }
    };
    push("id_number", p.id_number.clone());
    push("sex", p.sex.clone());
    push("birth", birth_of(p).map(|b| b.iso()));
    push("village_code", Some(p.village_code.clone()));
    push("house_number", house);
    push("phone", p.phone.clone());
    push("status", Some(p.status.clone()));
    PairSide {
        person_id: Some(p.id),
        roll_record_id: None,
        name: display_name(p.prefix.as_deref(), &p.first_name, &p.last_name),
        fields,
    }
}

fn roll_side(r: &roll_records::Model) -> PairSide {
    let fields: Vec<(String, String)> = serde_json::from_str(&r.fields).unwrap_or_default();
    PairSide {
        person_id: None,
        roll_record_id: Some(r.id),
        name: r.name.clone(),
        fields: fields.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
    }
}

impl Store {
    /// Find duplicates among the registry persons of an area: pairs at or above the automatic
    /// threshold are merged (each group of duplicates into one survivor: the record with a
    /// national ID, then the verified one, then the oldest), pairs above the review threshold
    /// queued. Pairs a reviewer said are different people are never proposed again.
    pub async fn link_registry(
        &self,
        actor: &Actor,
        area: &AreaCode,
        thresholds: Thresholds,
        meta: &RequestMeta,
        progress: Progress,
    ) -> Result<RunReport> {
        if !actor.can(Operation::LinkRecords, area) {
            return Err(StoreError::NotFound);
        }
        let started = Utc::now();
        let (people, records) = registry_records(&self.db, actor, area).await?;
        let records = Arc::new(records);
        let outcome = {
            let records = records.clone();
            let progress = progress.clone();
            engine(move || {
                ruamjai_linkage::run::dedup(&records, &settings(thresholds), &|s, d, t| {
                    progress(s, d, t)
                })
            })
            .await?
        };
        let txn = self.db.begin().await?;
        let decided = decided_pairs(&txn).await?;
        let mut applied = Vec::new();
        let mut queued = Vec::new();
        for &(i, j, p) in &outcome.pairs {
            let (a, b) = (&people[i as usize], &people[j as usize]);
            if decided.contains(&pair_key(a.id, b.id)) {
                continue;
            }
            match thresholds.route(p as f64) {
                Route::Apply => applied.push((i, j, p)),
                Route::Review => queued.push((i, j, p)),
                Route::Leave => {}
            }
        }
        let run = new_run(
            actor,
            RunKind::Dedup,
            area.as_str(),
            thresholds,
            (people.len(), outcome.candidates as usize),
            started,
        )
        .insert(&txn)
        .await?;
        // Groups of sure duplicates, each merged into its best record.
        let cluster = ruamjai_linkage::run::clusters(people.len(), &applied);
        let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for &(i, j, _) in &applied {
            for k in [i, j] {
                let g = groups.entry(cluster[k as usize]).or_default();
                if !g.contains(&(k as usize)) {
                    g.push(k as usize);
                }
            }
        }
        let mut merged_into: HashMap<i64, i64> = HashMap::new();
        let mut merges = 0u64;
        for members in groups.values() {
            let best = *members
                .iter()
                .min_by_key(|&&k| {
                    let p = &people[k];
                    (
                        p.id_kind != IdKind::Citizen.as_str() || p.id_number.is_none(),
                        p.verification != "verified",
                        p.status != PersonStatus::Active.as_str(),
                        p.id,
                    )
                })
                .expect("a group has members");
            for &k in members {
                if k == best {
                    continue;
                }
                let survivor = persons::Entity::find_by_id(people[best].id)
                    .one(&txn)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let merged = persons::Entity::find_by_id(people[k].id)
                    .one(&txn)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                merge_rows(&txn, actor, &survivor, &merged, None, meta).await?;
                merged_into.insert(merged.id, survivor.id);
                merges += 1;
            }
        }
        let mut n_queued = 0u64;
        for (i, j, p) in queued {
            let (a, b) = (&people[i as usize], &people[j as usize]);
            let same = |x: i64| merged_into.get(&x).copied().unwrap_or(x);
            if same(a.id) == same(b.id) {
                continue;
            }
            link_reviews::ActiveModel {
                run_id: Set(run.id),
                kind: Set(RunKind::Dedup.as_str().into()),
                person_id: Set(a.id),
                village_code: Set(a.village_code.clone()),
                other_person_id: Set(Some(b.id)),
                other_village_code: Set(Some(b.village_code.clone())),
                roll_record_id: Set(None),
                probability: Set(p as f64),
                explain: Set(serde_json::to_string(&explain(
                    &outcome.model,
                    &records[i as usize],
                    &records[j as usize],
                ))
                .expect("serialisable")),
                status: Set(ReviewStatus::Open.as_str().into()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            n_queued += 1;
        }
        let mut r: link_runs::ActiveModel = run.into();
        r.applied = Set(merges as i64);
        r.queued = Set(n_queued as i64);
        r.finished_at = Set(Utc::now());
        let run = r.update(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::LinkRun, meta)
                .entity("link_run", run.id)
                .area(area)
                .detail(serde_json::json!({
                    "kind": "dedup", "records": run.records, "merged": merges,
                    "queued": n_queued,
                })),
        )
        .await?;
        txn.commit().await?;
        Ok(report_of(&run, false))
    }

    /// Link an agency's roll (a table read from its file) to the registry persons a programme
    /// serves: sure matches receive the programme (the roll's file named as the source), likely
    /// ones go to the review queue, the rest are kept as "on the roll, not in the registry".
    /// Every row is kept as it came. The same file for the same programme is linked once.
    #[allow(clippy::too_many_arguments)]
    pub async fn link_roll(
        &self,
        actor: &Actor,
        programme_id: i64,
        file_name: &str,
        file_bytes: &[u8],
        table: &Table,
        thresholds: Thresholds,
        meta: &RequestMeta,
        progress: Progress,
    ) -> Result<RunReport> {
        let programme = programmes::Entity::find_by_id(programme_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let area = AreaCode::parse(&programme.area_code).expect("stored codes are valid");
        let scope = actor.scope(Operation::LinkRecords);
        if !crate::areas::reaches(&scope, &area) {
            return Err(StoreError::NotFound);
        }
        // A roll is linked as a whole, by someone who covers every village its programme
        // serves (a district's staff would find only their district and leave the rest
        // unmatched).
        if !actor.can(Operation::LinkRecords, &area)
            || !actor.can(Operation::ManageAssistance, &area)
        {
            return Err(StoreError::Forbidden);
        }
        let sha = hex::encode(Sha256::digest(file_bytes));
        if let Some(r) = link_runs::Entity::find()
            .filter(link_runs::Column::ProgrammeId.eq(programme_id))
            .filter(link_runs::Column::FileSha256.eq(sha.as_str()))
            .one(&self.db)
            .await?
        {
            return Ok(report_of(&r, true));
        }
        let mapping = Mapping::recognise(&table.headers);
        if !mapping.0.contains_key(&Role::FirstName)
            && !mapping.0.contains_key(&Role::FullName)
            && !mapping.0.contains_key(&Role::NationalId)
        {
            return Err(FieldError::new("file", "roll_no_name_column").into());
        }
        let get = |cells: &[String], role: Role| -> String {
            mapping
                .0
                .get(&role)
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let mut roll = Vec::with_capacity(table.rows.len());
        let mut kept = Vec::with_capacity(table.rows.len());
        for row in &table.rows {
            let raw = RawRecord {
                id: row.line.to_string(),
                national_id: get(&row.cells, Role::NationalId),
                prefix: get(&row.cells, Role::Prefix),
                first_name: get(&row.cells, Role::FirstName),
                last_name: get(&row.cells, Role::LastName),
                other_last_name: get(&row.cells, Role::OtherLastName),
                full_name: get(&row.cells, Role::FullName),
                sex: get(&row.cells, Role::Sex),
                birth_date: get(&row.cells, Role::BirthDate),
                birth_year: get(&row.cells, Role::BirthYear),
                village_code: get(&row.cells, Role::Village),
                house_number: get(&row.cells, Role::House),
                phone: get(&row.cells, Role::Phone),
            };
            let name = if raw.first_name.is_empty() && raw.last_name.is_empty() {
                format!("{}{}", raw.prefix, raw.full_name)
            } else {
                display_name(
                    Some(raw.prefix.as_str()).filter(|p| !p.is_empty()),
                    &raw.first_name,
                    &raw.last_name,
                )
            };
            let fields: Vec<(String, String)> = table
                .headers
                .iter()
                .cloned()
                .zip(row.cells.iter().cloned())
                .collect();
            kept.push((row.line, name, fields, raw.village_code.clone()));
            roll.push(Record::from_raw(&raw));
        }
        let started = Utc::now();
        let (people, records) = registry_records(&self.db, actor, &area).await?;
        let (records, roll) = (Arc::new(records), Arc::new(roll));
        let outcome = {
            let (records, roll, progress) = (records.clone(), roll.clone(), progress.clone());
            engine(move || {
                ruamjai_linkage::run::link(&records, &roll, &settings(thresholds), &|s, d, t| {
                    progress(s, d, t)
                })
            })
            .await?
        };
        // The best registry person for each roll row.
        let mut best: HashMap<u32, (u32, f32)> = HashMap::new();
        for &(i, j, p) in &outcome.pairs {
            let e = best.entry(j).or_insert((i, p));
            if p > e.1 {
                *e = (i, p);
            }
        }
        let txn = self.db.begin().await?;
        let run = link_runs::ActiveModel {
            programme_id: Set(Some(programme_id)),
            file_name: Set(Some(file_name.to_owned())),
            file_sha256: Set(Some(sha)),
            ..new_run(
                actor,
                RunKind::Roll,
                area.as_str(),
                thresholds,
                (kept.len(), outcome.candidates as usize),
                started,
            )
        }
        .insert(&txn)
        .await?;
        let (mut applied, mut queued, mut unmatched) = (0i64, 0i64, 0i64);
        let mut linked_persons = Vec::new();
        for (j, (line, name, fields, village)) in kept.into_iter().enumerate() {
            let candidate = best.get(&(j as u32)).copied();
            let route = candidate.map_or(Route::Leave, |(_, p)| thresholds.route(p as f64));
            let status = match route {
                Route::Apply => RollStatus::Linked,
                Route::Review => RollStatus::Review,
                Route::Leave => RollStatus::Unmatched,
            };
            let rec = roll_records::ActiveModel {
                run_id: Set(run.id),
                line: Set(line as i32),
                fields: Set(serde_json::to_string(&fields).expect("serialisable")),
                name: Set(name),
                village_code: Set(Some(village).filter(|v| !v.is_empty())),
                status: Set(status.as_str().into()),
                person_id: Set(None),
                assistance_id: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            match (route, candidate) {
                (Route::Apply, Some((i, _))) => {
                    let person = &people[i as usize];
                    link_roll_record(&txn, actor, &rec, person.id, &programme).await?;
                    linked_persons.push(person.id);
                    applied += 1;
                }
                (Route::Review, Some((i, p))) => {
                    let person = &people[i as usize];
                    link_reviews::ActiveModel {
                        run_id: Set(run.id),
                        kind: Set(RunKind::Roll.as_str().into()),
                        person_id: Set(person.id),
                        village_code: Set(person.village_code.clone()),
                        other_person_id: Set(None),
                        other_village_code: Set(None),
                        roll_record_id: Set(Some(rec.id)),
                        probability: Set(p as f64),
                        explain: Set(serde_json::to_string(&explain(
                            &outcome.model,
                            &records[i as usize],
                            &roll[j],
                        ))
                        .expect("serialisable")),
                        status: Set(ReviewStatus::Open.as_str().into()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                    queued += 1;
                }
                _ => unmatched += 1,
            }
        }
        let mut r: link_runs::ActiveModel = run.into();
        r.applied = Set(applied);
        r.queued = Set(queued);
        r.unmatched = Set(unmatched);
        r.finished_at = Set(Utc::now());
        let run = r.update(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::LinkRun, meta)
                .entity("link_run", run.id)
                .area(&area)
                .detail(serde_json::json!({
                    "kind": "roll", "programme": programme_id, "records": run.records,
                    "linked": applied, "queued": queued, "unmatched": unmatched,
                    "persons": linked_persons,
                })),
        )
        .await?;
        txn.commit().await?;
        Ok(report_of(&run, false))
    }

    /// Put two registry persons in the review queue by hand ("these may be one person"), at
    /// the probability given (a person's hunch: 0.5 unless the caller knows better). Refused
    /// when the pair is already in the queue or decided.
    pub async fn propose_duplicate(
        &self,
        actor: &Actor,
        a: i64,
        b: i64,
        meta: &RequestMeta,
    ) -> Result<i64> {
        if a == b {
            return Err(FieldError::new("other_person_id", "same_person").into());
        }
        let txn = self.db.begin().await?;
        let pa = linkable(&txn, actor, a).await?;
        let pb = linkable(&txn, actor, b)
            .await
            .map_err(|_| FieldError::new("other_person_id", "person_not_found"))?;
        let exists = link_reviews::Entity::find()
            .filter(pair_condition(a, b))
            .filter(link_reviews::Column::Status.ne(ReviewStatus::Matched.as_str()))
            .one(&txn)
            .await?;
        if exists.is_some() {
            return Err(FieldError::new("other_person_id", "pair_already_queued").into());
        }
        // A proposal by hand: a run of one pair, queued whatever its score.
        let run = link_runs::ActiveModel {
            queued: Set(1),
            ..new_run(
                actor,
                RunKind::Dedup,
                &pa.village_code,
                Thresholds {
                    auto: 1.0,
                    review: 0.0,
                },
                (2, 1),
                Utc::now(),
            )
        }
        .insert(&txn)
        .await?;
        let (hb, ha) = (house_of(&txn, &pb).await?, house_of(&txn, &pa).await?);
        let model = ruamjai_linkage::model::Model::start(
            &FIELDS.iter().map(|f| f.levels.len()).collect::<Vec<_>>(),
        );
        let ex = explain(
            &model,
            &record_of(&pa, ha.as_deref()),
            &record_of(&pb, hb.as_deref()),
        );
        let r = link_reviews::ActiveModel {
            run_id: Set(run.id),
            kind: Set(RunKind::Dedup.as_str().into()),
            person_id: Set(pa.id),
            village_code: Set(pa.village_code.clone()),
            other_person_id: Set(Some(pb.id)),
            other_village_code: Set(Some(pb.village_code.clone())),
            roll_record_id: Set(None),
            probability: Set(0.5),
            explain: Set(serde_json::to_string(&ex).expect("serialisable")),
            status: Set(ReviewStatus::Open.as_str().into()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::LinkRun, meta)
                .entity("link_review", r.id)
                .area(&village_of(&pa))
                .detail(serde_json::json!({ "kind": "proposed", "persons": [a, b] })),
        )
        .await?;
        txn.commit().await?;
        Ok(r.id)
    }

    /// The review queue: open pairs first (most likely first), then skipped ones; only pairs
    /// whose persons are both in the caller's linking scope (and inside `area` when given).
    pub async fn review_queue(
        &self,
        actor: &Actor,
        area: Option<&AreaCode>,
        limit: u64,
    ) -> Result<Vec<ReviewSummary>> {
        let scope = actor.scope(Operation::LinkRecords);
        let mut q = link_reviews::Entity::find().filter(
            link_reviews::Column::Status
                .is_in([ReviewStatus::Open.as_str(), ReviewStatus::Skipped.as_str()]),
        );
        if let Some(c) = scope_condition(link_reviews::Column::VillageCode, &scope) {
            q = q.filter(c);
        }
        if let Some(c) = scope_condition(link_reviews::Column::OtherVillageCode, &scope) {
            q = q.filter(
                sea_orm::Condition::any()
                    .add(link_reviews::Column::OtherVillageCode.is_null())
                    .add(c),
            );
        }
        if let Some(a) = area {
            q = q.filter(crate::areas::within(link_reviews::Column::VillageCode, a));
        }
        let rows = q
            .order_by_desc(link_reviews::Column::Status.eq(ReviewStatus::Open.as_str()))
            .order_by_desc(link_reviews::Column::Probability)
            .order_by_asc(link_reviews::Column::Id)
            .limit(std::cmp::min(limit, 500))
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.summary_of(&self.db, &r).await?);
        }
        Ok(out)
    }

    /// Open queued pairs in the caller's scope (for the menu's badge).
    pub async fn review_count(&self, actor: &Actor) -> Result<u64> {
        Ok(self
            .review_queue(actor, None, 500)
            .await?
            .iter()
            .filter(|r| r.status == ReviewStatus::Open)
            .count() as u64)
    }

    async fn summary_of(
        &self,
        conn: &impl ConnectionTrait,
        r: &link_reviews::Model,
    ) -> Result<ReviewSummary> {
        let left = persons::Entity::find_by_id(r.person_id)
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let right_name = match (r.other_person_id, r.roll_record_id) {
            (Some(o), _) => persons::Entity::find_by_id(o)
                .one(conn)
                .await?
                .map(|p| display_name(p.prefix.as_deref(), &p.first_name, &p.last_name))
                .unwrap_or_default(),
            (None, Some(rr)) => roll_records::Entity::find_by_id(rr)
                .one(conn)
                .await?
                .map(|x| x.name)
                .unwrap_or_default(),
            _ => String::new(),
        };
        Ok(ReviewSummary {
            id: r.id,
            kind: RunKind::parse(&r.kind).unwrap_or(RunKind::Dedup),
            probability: r.probability,
            status: ReviewStatus::parse(&r.status).unwrap_or(ReviewStatus::Open),
            village_code: AreaCode::parse(&r.village_code).expect("stored codes are valid"),
            left_name: display_name(left.prefix.as_deref(), &left.first_name, &left.last_name),
            right_name,
        })
    }

    /// The review row if the caller may link records in the villages of its persons.
    async fn visible_review(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<link_reviews::Model> {
        let r = link_reviews::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let can = |v: &str| AreaCode::parse(v).is_ok_and(|a| actor.can(Operation::LinkRecords, &a));
        if !can(&r.village_code) || r.other_village_code.as_deref().is_some_and(|v| !can(v)) {
            return Err(StoreError::NotFound);
        }
        Ok(r)
    }

    /// One pair, both sides in full, with the weights. Audited (it shows two persons).
    pub async fn review_item(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<ReviewDetail> {
        let r = self.visible_review(&self.db, actor, id).await?;
        let left = persons::Entity::find_by_id(r.person_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let left_house = house_of(&self.db, &left).await?;
        let (right, programme) = match (r.other_person_id, r.roll_record_id) {
            (Some(o), _) => {
                let p = persons::Entity::find_by_id(o)
                    .one(&self.db)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let h = house_of(&self.db, &p).await?;
                (person_side(&p, h), None)
            }
            (None, Some(rr)) => {
                let rec = roll_records::Entity::find_by_id(rr)
                    .one(&self.db)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let run = link_runs::Entity::find_by_id(rec.run_id)
                    .one(&self.db)
                    .await?;
                let prog = match run.and_then(|x| x.programme_id) {
                    Some(pid) => programmes::Entity::find_by_id(pid)
                        .one(&self.db)
                        .await?
                        .map(|g| g.name),
                    None => None,
                };
                (roll_side(&rec), prog)
            }
            _ => return Err(StoreError::NotFound),
        };
        let merge_id = match r.merge_id {
            Some(m) => person_merges::Entity::find_by_id(m)
                .one(&self.db)
                .await?
                .filter(|m| m.undone_at.is_none())
                .map(|m| m.id),
            None => None,
        };
        let summary = self.summary_of(&self.db, &r).await?;
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::LinkReviewView, meta)
                .entity("link_review", r.id)
                .area(&summary.village_code)
                .detail(serde_json::json!({
                    "persons": [Some(r.person_id), r.other_person_id],
                    "roll_record": r.roll_record_id,
                })),
        )
        .await?;
        Ok(ReviewDetail {
            summary,
            left: person_side(&left, left_house),
            right,
            explain: serde_json::from_str(&r.explain).unwrap_or_default(),
            programme,
            merge_id,
        })
    }

    /// Decide a pair. A match merges two registry persons (the one with a national ID, else
    /// the verified, else the older record kept) or links a roll record (the person receives
    /// the programme); not a match closes the pair for good; skip puts it after the others.
    /// A pair already decided is refused (field `decision`, `already_decided`).
    pub async fn decide(
        &self,
        actor: &Actor,
        id: i64,
        decision: Decision,
        meta: &RequestMeta,
    ) -> Result<Option<i64>> {
        let txn = self.db.begin().await?;
        let r = self.visible_review(&txn, actor, id).await?;
        let status = ReviewStatus::parse(&r.status).unwrap_or(ReviewStatus::Open);
        if !matches!(status, ReviewStatus::Open | ReviewStatus::Skipped) {
            return Err(FieldError::new("decision", "already_decided").into());
        }
        let mut merge_id = None;
        if decision == Decision::Match {
            match (r.other_person_id, r.roll_record_id) {
                (Some(o), _) => {
                    let a = current_person(&txn, r.person_id).await?;
                    let b = current_person(&txn, o).await?;
                    if a.id != b.id {
                        let (survivor, merged) = if keeps_first(&a, &b) { (a, b) } else { (b, a) };
                        merge_id = Some(
                            merge_rows(&txn, actor, &survivor, &merged, Some(r.id), meta).await?,
                        );
                    }
                }
                (None, Some(rr)) => {
                    let rec = roll_records::Entity::find_by_id(rr)
                        .one(&txn)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    let run = link_runs::Entity::find_by_id(rec.run_id)
                        .one(&txn)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    let programme = programmes::Entity::find_by_id(run.programme_id.unwrap_or(0))
                        .one(&txn)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    let person = current_person(&txn, r.person_id).await?;
                    link_roll_record(&txn, actor, &rec, person.id, &programme).await?;
                }
                _ => return Err(StoreError::NotFound),
            }
        } else if decision == Decision::NotMatch
            && let Some(rr) = r.roll_record_id
        {
            // The roll record stays on the roll, not in the registry (unless another pair of
            // it is still open).
            if let Some(rec) = roll_records::Entity::find_by_id(rr).one(&txn).await? {
                let mut am: roll_records::ActiveModel = rec.into();
                am.status = Set(RollStatus::Unmatched.as_str().into());
                am.update(&txn).await?;
            }
        }
        let village = AreaCode::parse(&r.village_code).expect("stored codes are valid");
        let (person_id, other, roll_record) = (r.person_id, r.other_person_id, r.roll_record_id);
        let mut am: link_reviews::ActiveModel = r.into();
        am.status = Set(decision.status().as_str().into());
        if decision != Decision::Skip {
            am.decided_by = Set(Some(actor.user_id));
            am.decided_at = Set(Some(Utc::now()));
        }
        am.merge_id = Set(merge_id);
        am.update(&txn).await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::LinkDecide, meta)
                .entity("link_review", id)
                .area(&village)
                .detail(serde_json::json!({
                    "decision": decision.as_str(), "persons": [Some(person_id), other],
                    "roll_record": roll_record, "merge": merge_id,
                })),
        )
        .await?;
        txn.commit().await?;
        Ok(merge_id)
    }

    /// Merge one registry person into another by hand (both in the caller's linking scope).
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        survivor: i64,
        merged: i64,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let txn = self.db.begin().await?;
        let s = linkable(&txn, actor, survivor).await?;
        let m = linkable(&txn, actor, merged).await?;
        let id = merge_rows(&txn, actor, &s, &m, None, meta).await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Undo a merge: the rows it moved go back to the merged person, who gets their status
    /// back; a pair it came from returns to the queue. Rows added to the survivor since stay.
    pub async fn undo_merge(&self, actor: &Actor, merge_id: i64, meta: &RequestMeta) -> Result<()> {
        let txn = self.db.begin().await?;
        let m = person_merges::Entity::find_by_id(merge_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let survivor = linkable_any(&txn, actor, m.survivor_id).await?;
        let merged = linkable_any(&txn, actor, m.merged_id).await?;
        if m.undone_at.is_some() || merged.status != PersonStatus::Merged.as_str() {
            return Err(FieldError::new("merge", "merge_already_undone").into());
        }
        let today = crate::registry::today();
        let before_s = keys_now(&txn, &survivor, today).await?;
        let moves: Vec<Move> = serde_json::from_str(&m.moves).unwrap_or_default();
        for mv in &moves {
            move_row(&txn, mv, survivor.id, merged.id).await?;
        }
        let mut am: persons::ActiveModel = merged.clone().into();
        am.status = Set(m.prior_status.clone());
        am.status_date = Set(m.prior_status_date);
        am.version = Set(merged.version + 1);
        am.updated_at = Set(Utc::now());
        am.updated_by = Set(Some(actor.user_id));
        let merged = am.update(&txn).await?;
        let after_s = keys_now(&txn, &survivor, today).await?;
        let after_m = keys_now(&txn, &merged, today).await?;
        let mut changes = counts::CountChanges::default();
        adjust_keys(&mut changes, &village_of(&survivor), &before_s, &after_s);
        adjust_keys(&mut changes, &village_of(&merged), &[], &after_m);
        changes.apply(&txn).await?;
        if let Some(rid) = m.review_id
            && let Some(r) = link_reviews::Entity::find_by_id(rid).one(&txn).await?
        {
            let mut ar: link_reviews::ActiveModel = r.into();
            ar.status = Set(ReviewStatus::Open.as_str().into());
            ar.decided_by = Set(None);
            ar.decided_at = Set(None);
            ar.merge_id = Set(None);
            ar.update(&txn).await?;
        }
        let (sid, mid) = (m.survivor_id, m.merged_id);
        let mut am: person_merges::ActiveModel = m.into();
        am.undone_by = Set(Some(actor.user_id));
        am.undone_at = Set(Some(Utc::now()));
        am.update(&txn).await?;
        for (p, other) in [(&survivor, mid), (&merged, sid)] {
            audit::append(
                &txn,
                NewEntry::by(actor, AuditAction::PersonUnmerge, meta)
                    .entity("person", p.id)
                    .area(&village_of(p))
                    .detail(serde_json::json!({ "merge": merge_id, "other": other, "moved_back": moves.len() })),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The merges (in force) a person takes part in, for their page: the persons merged into
    /// them, or the person they were merged into. Only what the caller may see.
    pub async fn merges_of(&self, actor: &Actor, person_id: i64) -> Result<Vec<MergeInfo>> {
        self.visible_person(&self.db, actor, person_id).await?;
        let rows = person_merges::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(person_merges::Column::SurvivorId.eq(person_id))
                    .add(person_merges::Column::MergedId.eq(person_id)),
            )
            .filter(person_merges::Column::UndoneAt.is_null())
            .order_by_asc(person_merges::Column::Id)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for m in rows {
            let other = if m.survivor_id == person_id {
                m.merged_id
            } else {
                m.survivor_id
            };
            let Ok(o) = self.visible_person(&self.db, actor, other).await else {
                continue;
            };
            out.push(MergeInfo {
                id: m.id,
                survivor_id: m.survivor_id,
                merged_id: m.merged_id,
                other_name: display_name(o.prefix.as_deref(), &o.first_name, &o.last_name),
                merged_at: m.merged_at,
            });
        }
        Ok(out)
    }

    /// Recent runs in the caller's linking scope.
    pub async fn link_runs(&self, actor: &Actor, limit: u64) -> Result<Vec<RunSummary>> {
        let scope = actor.scope(Operation::LinkRecords);
        let mut q = link_runs::Entity::find();
        if let Some(c) = crate::areas::reach_condition(link_runs::Column::AreaCode, &scope) {
            q = q.filter(c);
        }
        Ok(q.order_by_desc(link_runs::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .iter()
            .map(run_summary)
            .collect())
    }

    /// The rows of a roll run, `status` ones only when given (the unmatched: on the agency's
    /// roll but nobody in the registry is likely enough — persons to find and register, or
    /// rows to correct). A run outside the caller's linking scope is not found; within part
    /// of it, only the rows of the caller's villages are listed and counted. Audited: the rows
    /// hold names.
    pub async fn roll_rows(
        &self,
        actor: &Actor,
        run_id: i64,
        status: Option<RollStatus>,
        limit: u64,
        meta: &RequestMeta,
    ) -> Result<RollRows> {
        let run = link_runs::Entity::find_by_id(run_id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let area = AreaCode::parse(&run.area_code).expect("stored codes are valid");
        if run.kind != RunKind::Roll.as_str()
            || !crate::areas::reaches(&actor.scope(Operation::LinkRecords), &area)
        {
            return Err(StoreError::NotFound);
        }
        let mut q = roll_records::Entity::find().filter(roll_records::Column::RunId.eq(run_id));
        // Someone who covers part of the programme's area (a district of a province-wide
        // roll) sees the rows of their villages only; a row without a village belongs to
        // whoever covers the whole area.
        let scope = actor.scope(Operation::LinkRecords);
        if !actor.can(Operation::LinkRecords, &area)
            && let Some(c) = scope_condition(roll_records::Column::VillageCode, &scope)
        {
            q = q.filter(c);
        }
        if let Some(st) = status {
            q = q.filter(roll_records::Column::Status.eq(st.as_str()));
        }
        let total = q.clone().count(&self.db).await?;
        let rows: Vec<RollRow> = q
            .order_by_asc(roll_records::Column::Line)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| RollRow {
                line: r.line,
                name: r.name,
                village_code: r.village_code,
                status: RollStatus::parse(&r.status).unwrap_or(RollStatus::Unmatched),
                person_id: r.person_id,
            })
            .collect();
        audit::append(
            &self.db,
            NewEntry::by(actor, AuditAction::LinkRollView, meta)
                .entity("link_run", run.id)
                .area(&area)
                .detail(serde_json::json!({
                    "status": status.map(|s| s.as_str()),
                    "rows": rows.len(),
                })),
        )
        .await?;
        let programme = match run.programme_id {
            Some(id) => programmes::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .map(|p| p.name),
            None => None,
        };
        Ok(RollRows {
            run: run_summary(&run),
            programme,
            rows,
            total,
        })
    }
}

/// A run's row as it starts: nothing applied, queued or unmatched yet.
fn new_run(
    actor: &Actor,
    kind: RunKind,
    area: &str,
    thresholds: Thresholds,
    (records, candidates): (usize, usize),
    at: chrono::DateTime<Utc>,
) -> link_runs::ActiveModel {
    link_runs::ActiveModel {
        kind: Set(kind.as_str().into()),
        area_code: Set(area.to_owned()),
        auto_threshold: Set(thresholds.auto),
        review_threshold: Set(thresholds.review),
        records: Set(records as i64),
        candidates: Set(candidates as i64),
        applied: Set(0),
        queued: Set(0),
        unmatched: Set(0),
        started_by: Set(Some(actor.user_id)),
        started_at: Set(at),
        finished_at: Set(at),
        ..Default::default()
    }
}

fn run_summary(r: &link_runs::Model) -> RunSummary {
    RunSummary {
        report: report_of(r, false),
        area: AreaCode::parse(&r.area_code).expect("stored codes are valid"),
        file_name: r.file_name.clone(),
        programme_id: r.programme_id,
        thresholds: Thresholds {
            auto: r.auto_threshold,
            review: r.review_threshold,
        },
        finished_at: r.finished_at,
    }
}

fn pair_key(a: i64, b: i64) -> (i64, i64) {
    (std::cmp::min(a, b), std::cmp::max(a, b))
}

fn pair_condition(a: i64, b: i64) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(
            sea_orm::Condition::all()
                .add(link_reviews::Column::PersonId.eq(a))
                .add(link_reviews::Column::OtherPersonId.eq(b)),
        )
        .add(
            sea_orm::Condition::all()
                .add(link_reviews::Column::PersonId.eq(b))
                .add(link_reviews::Column::OtherPersonId.eq(a)),
        )
}

/// Pairs of persons already in the queue or decided: a run does not propose them again.
async fn decided_pairs(conn: &impl ConnectionTrait) -> Result<HashSet<(i64, i64)>> {
    Ok(link_reviews::Entity::find()
        .filter(link_reviews::Column::OtherPersonId.is_not_null())
        .select_only()
        .column(link_reviews::Column::PersonId)
        .column(link_reviews::Column::OtherPersonId)
        .into_tuple::<(i64, Option<i64>)>()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(a, b)| b.map(|b| pair_key(a, b)))
        .collect())
}

/// Which of two persons a merge keeps: the one with a national ID, then the verified one, then
/// the active one, then the older record.
fn keeps_first(a: &persons::Model, b: &persons::Model) -> bool {
    let rank = |p: &persons::Model| {
        (
            p.id_kind != IdKind::Citizen.as_str() || p.id_number.is_none(),
            p.verification != "verified",
            p.status != PersonStatus::Active.as_str(),
            p.id,
        )
    };
    rank(a) <= rank(b)
}

/// A person, or the person they were merged into (following merges in force).
async fn current_person(conn: &impl ConnectionTrait, id: i64) -> Result<persons::Model> {
    let mut id = id;
    for _ in 0..32 {
        let p = persons::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if p.status != PersonStatus::Merged.as_str() {
            return Ok(p);
        }
        let m = person_merges::Entity::find()
            .filter(person_merges::Column::MergedId.eq(id))
            .filter(person_merges::Column::UndoneAt.is_null())
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        id = m.survivor_id;
    }
    Err(StoreError::NotFound)
}

async fn house_of(conn: &impl ConnectionTrait, p: &persons::Model) -> Result<Option<String>> {
    Ok(match p.household_id {
        Some(h) => households::Entity::find_by_id(h)
            .one(conn)
            .await?
            .map(|h| h.house_number),
        None => None,
    })
}

/// A person the caller may link (not merged).
async fn linkable(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> Result<persons::Model> {
    let p = linkable_any(conn, actor, id).await?;
    if p.status == PersonStatus::Merged.as_str() {
        return Err(FieldError::new("person", "person_merged").into());
    }
    Ok(p)
}

async fn linkable_any(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<persons::Model> {
    let p = persons::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !actor.can(Operation::LinkRecords, &village_of(&p)) {
        return Err(StoreError::NotFound);
    }
    Ok(p)
}

/// The count-cache keys of a person as stored now.
async fn keys_now(
    conn: &impl ConnectionTrait,
    p: &persons::Model,
    today: chrono::NaiveDate,
) -> Result<Vec<&'static str>> {
    let cats: Vec<Category> = person_categories::Entity::find()
        .filter(person_categories::Column::PersonId.eq(p.id))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|c| Category::parse(&c.category))
        .collect();
    Ok(count_keys(&p.status, birth_of(p), &cats, today))
}

/// Gather the count changes from `before` to `after` (written by one `apply` per transaction:
/// one lock order on the shared cache rows, see `counts::CountChanges`).
fn adjust_keys(
    changes: &mut counts::CountChanges,
    village: &AreaCode,
    before: &[&str],
    after: &[&str],
) {
    let gone: Vec<&str> = before
        .iter()
        .filter(|k| !after.contains(k))
        .copied()
        .collect();
    let new: Vec<&str> = after
        .iter()
        .filter(|k| !before.contains(k))
        .copied()
        .collect();
    changes.add(village, &gone, -1);
    changes.add(village, &new, 1);
}

/// Merge `merged` into `survivor` inside the caller's transaction: move its links (writing down
/// each), mark it merged, keep the count cache alike, audit both. Returns the merge's id.
async fn merge_rows(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    survivor: &persons::Model,
    merged: &persons::Model,
    review_id: Option<i64>,
    meta: &RequestMeta,
) -> Result<i64> {
    if survivor.id == merged.id {
        return Err(FieldError::new("person", "same_person").into());
    }
    for p in [survivor, merged] {
        if p.status == PersonStatus::Merged.as_str() {
            return Err(FieldError::new("person", "person_merged").into());
        }
        if !actor.can(Operation::LinkRecords, &village_of(p)) {
            return Err(StoreError::NotFound);
        }
    }
    let today = crate::registry::today();
    let before_s = keys_now(conn, survivor, today).await?;
    let before_m = keys_now(conn, merged, today).await?;
    let mut moves = Vec::new();
    for (table, key, unique) in LINKS {
        let theirs = keys_of(conn, table, key, merged.id).await?;
        if theirs.is_empty() {
            continue;
        }
        let ours: HashSet<KeyValue> = if unique {
            keys_of(conn, table, key, survivor.id)
                .await?
                .into_iter()
                .collect()
        } else {
            HashSet::new()
        };
        let taken = key == "person_id" && !ours.is_empty();
        for value in theirs {
            if taken || ours.contains(&value) {
                continue;
            }
            let m = Move {
                table: table.to_owned(),
                key: key.to_owned(),
                value,
            };
            move_row(conn, &m, merged.id, survivor.id).await?;
            moves.push(m);
        }
    }
    let mut am: persons::ActiveModel = merged.clone().into();
    am.status = Set(PersonStatus::Merged.as_str().into());
    am.status_date = Set(Some(today));
    am.version = Set(merged.version + 1);
    am.updated_at = Set(Utc::now());
    am.updated_by = Set(Some(actor.user_id));
    am.update(conn).await?;
    let after_s = keys_now(conn, survivor, today).await?;
    let mut changes = counts::CountChanges::default();
    adjust_keys(&mut changes, &village_of(survivor), &before_s, &after_s);
    adjust_keys(&mut changes, &village_of(merged), &before_m, &[]);
    changes.apply(conn).await?;
    let m = person_merges::ActiveModel {
        survivor_id: Set(survivor.id),
        merged_id: Set(merged.id),
        review_id: Set(review_id),
        prior_status: Set(merged.status.clone()),
        prior_status_date: Set(merged.status_date),
        prior_version: Set(merged.version),
        moves: Set(serde_json::to_string(&moves).expect("serialisable")),
        merged_by: Set(Some(actor.user_id)),
        merged_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for (p, other) in [(survivor, merged.id), (merged, survivor.id)] {
        audit::append(
            conn,
            NewEntry::by(actor, AuditAction::PersonMerge, meta)
                .entity("person", p.id)
                .area(&village_of(p))
                .detail(serde_json::json!({
                    "merge": m.id, "survivor": survivor.id, "merged": merged.id,
                    "other": other, "moved": moves.len(), "review": review_id,
                })),
        )
        .await?;
    }
    Ok(m.id)
}

/// Link a roll record to a person: the person receives the roll's programme (an assistance row
/// with the roll's file as the source, unless they already receive it).
async fn link_roll_record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    rec: &roll_records::Model,
    person_id: i64,
    programme: &programmes::Model,
) -> Result<()> {
    let today = crate::registry::today();
    let existing = assistance::Entity::find()
        .filter(assistance::Column::PersonId.eq(person_id))
        .filter(assistance::Column::ProgrammeId.eq(programme.id))
        .all(conn)
        .await?
        .into_iter()
        .find(|a| a.until.is_none_or(|u| u >= today));
    let assistance_id = match existing {
        Some(a) => a.id,
        None => {
            let run = link_runs::Entity::find_by_id(rec.run_id).one(conn).await?;
            assistance::ActiveModel {
                person_id: Set(person_id),
                programme_id: Set(programme.id),
                since: Set(None),
                until: Set(None),
                source: Set(run.and_then(|r| r.file_name)),
                created_at: Set(Utc::now()),
                created_by: Set(Some(actor.user_id)),
                ..Default::default()
            }
            .insert(conn)
            .await?
            .id
        }
    };
    let mut am: roll_records::ActiveModel = rec.clone().into();
    am.status = Set(RollStatus::Linked.as_str().into());
    am.person_id = Set(Some(person_id));
    am.assistance_id = Set(Some(assistance_id));
    am.update(conn).await?;
    Ok(())
}
