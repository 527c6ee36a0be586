//! Dashboard counts: a per-area, per-category count cache kept in step with every write (in the
//! same transaction) and rebuilt from the persons table by [`Store::refresh_counts`]; and the
//! public snapshot with small counts suppressed.
//!
//! Why a cache: a province page must answer in milliseconds at 10 M persons, which no
//! `GROUP BY` over the persons table does. The cache has one row per area (every level, and the
//! nation as `''`) and category that has anyone in it. *Elderly* depends on today's date, so the
//! cache is rebuilt daily (the server does it after midnight Bangkok time) and after imports.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate, Utc};
use ruamjai_domain::areas::{AreaCode, AreaLevel};
use ruamjai_domain::auth::{Actor, Operation, Scope};
use ruamjai_domain::registry::{Category, ELDERLY_AGE, PersonStatus};
use ruamjai_domain::reports::{CountNode, Published, SMALL_COUNT, suppress};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    Statement, TransactionTrait,
};
use serde::Serialize;

use crate::areas::{self, Area};
use crate::{Result, Store, StoreError};

/// The date cut-offs for *elderly*: (for year-only birth dates, for day/month dates).
pub(crate) fn elderly_cutoffs(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let y = NaiveDate::from_ymd_opt(today.year() - ELDERLY_AGE, 12, 31).expect("valid date");
    let d = today
        .checked_sub_months(Months::new(ELDERLY_AGE as u32 * 12))
        .expect("valid date");
    (y, d)
}

/// The cache rows a village's count touches: the nation, province, district, subdistrict and
/// the village itself, each with its parent.
fn lineage_rows(village: &AreaCode) -> Vec<(String, Option<String>)> {
    let mut rows = vec![(String::new(), None)];
    let mut parent = String::new();
    for c in village.lineage() {
        rows.push((c.to_string(), Some(parent.clone())));
        parent = c.to_string();
    }
    rows
}

/// Add `delta` to each key's count at every level above and including `village`.
///
/// At most one count write per transaction: a transaction that changes several counts
/// gathers them in one [`CountChanges`] and applies that once (see there why).
pub(crate) async fn adjust(
    conn: &impl ConnectionTrait,
    village: &AreaCode,
    keys: &[&str],
    delta: i64,
) -> Result<()> {
    let mut changes = CountChanges::default();
    changes.add(village, keys, delta);
    changes.apply(conn).await
}

/// The count changes of one transaction, written together by [`CountChanges::apply`].
///
/// Why together: the cache rows of the nation, a province and a district are shared by every
/// write below them, and an upsert locks each row it touches until the commit. Two
/// transactions that wrote their changes in separate statements (one takes `homebound` off a
/// person and then adds `bedridden`, the other the reverse) locked the same rows in opposite
/// orders and deadlocked on PostgreSQL. Applied at once, the changes are merged per row and
/// written in one global order, (area code, key), so every transaction takes those locks in the
/// same order and none can wait for another that waits for it.
#[derive(Debug, Default)]
pub(crate) struct CountChanges(HashMap<(AreaCode, String), i64>);

impl CountChanges {
    /// Add `delta` to each key's count at every level above and including `village`.
    pub(crate) fn add(&mut self, village: &AreaCode, keys: &[&str], delta: i64) {
        for k in keys {
            *self
                .0
                .entry((village.clone(), (*k).to_owned()))
                .or_default() += delta;
        }
    }

    /// Write the changes (rows whose changes cancel out are not touched).
    pub(crate) async fn apply(self, conn: &impl ConnectionTrait) -> Result<()> {
        apply_deltas(conn, self.0).await
    }
}

/// Apply many (village, key) → delta changes at every level, in a few statements.
pub(crate) async fn apply_deltas(
    conn: &impl ConnectionTrait,
    deltas: HashMap<(AreaCode, String), i64>,
) -> Result<()> {
    for stmt in delta_statements(conn.get_database_backend(), deltas) {
        conn.execute_raw(stmt).await?;
    }
    Ok(())
}

/// The statements [`apply_deltas`] runs: per-village changes summed up the area tree, added to
/// the cache 500 rows at a time, in (area code, key) order: the one order in which every
/// transaction locks the cache rows (see [`CountChanges`]).
pub(crate) fn delta_statements(
    backend: DbBackend,
    deltas: HashMap<(AreaCode, String), i64>,
) -> Vec<Statement> {
    let mut per_area: BTreeMap<(String, String), (Option<String>, i64)> = BTreeMap::new();
    for ((village, key), d) in deltas {
        for (code, parent) in lineage_rows(&village) {
            per_area.entry((code, key.clone())).or_insert((parent, 0)).1 += d;
        }
    }
    let rows: Vec<_> = per_area.into_iter().filter(|(_, (_, d))| *d != 0).collect();
    rows.chunks(500)
        .map(|chunk| {
            let mut q = Query::insert();
            q.into_table("area_counts")
                .columns(["area_code", "parent_code", "category", "n"]);
            for ((code, key), (parent, d)) in chunk {
                q.values_panic([
                    code.clone().into(),
                    parent.clone().into(),
                    key.clone().into(),
                    (*d).into(),
                ]);
            }
            q.on_conflict(
                OnConflict::columns(["area_code", "category"])
                    .value(
                        "n",
                        Expr::col(("area_counts", "n")).add(Expr::col(("excluded", "n"))),
                    )
                    .to_owned(),
            );
            backend.build(&q)
        })
        .collect()
}

/// One cell of a dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "n", rename_all = "snake_case")]
pub enum CountCell {
    /// The count.
    Count(u64),
    /// Hidden: 1–9 (public pages only).
    Small,
    /// Hidden to protect another hidden cell (public pages only).
    Withheld,
}

impl CountCell {
    /// The number, when shown.
    pub fn value(&self) -> Option<u64> {
        match self {
            Self::Count(n) => Some(*n),
            _ => None,
        }
    }
}

/// The counts of one area.
#[derive(Debug, Clone, Serialize)]
pub struct AreaCounts {
    /// The area (`None`: the whole country).
    pub area: Option<Area>,
    /// Active persons.
    pub total: CountCell,
    /// Per category, in [`Dashboard::categories`] order.
    pub cells: Vec<CountCell>,
}

/// How long a public dashboard is served from memory before it is read again.
pub const PUBLIC_DASHBOARD_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// A dashboard: an area's counts and its children's, by category.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The area (`None`: the caller's roots, or the country on the public page).
    pub area: Option<Area>,
    /// Breadcrumbs, province first.
    pub path: Vec<Area>,
    /// Columns.
    pub categories: Vec<Category>,
    /// The area's own counts (`None` when the page lists several roots).
    pub totals: Option<AreaCounts>,
    /// One row per child area (or per root).
    pub rows: Vec<AreaCounts>,
    /// Public page: small counts suppressed.
    pub public: bool,
    /// When the public snapshot was made (RFC 3339).
    pub as_of: Option<String>,
}

const META_PUBLIC_AT: &str = "public_counts_at";

/// A row of the public snapshot: area, parent, category, shown count, why hidden.
type PublicRow = (
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<&'static str>,
);

impl Store {
    /// Claim a periodic job for this process: set `key` to `value` unless it already holds it.
    /// Exactly one of several `serve` processes sharing a database wins each claim.
    pub(crate) async fn claim(
        &self,
        key: &str,
        value: &str,
        only_if: impl Fn(&str) -> bool,
    ) -> Result<bool> {
        #[derive(FromQueryResult)]
        struct Meta {
            value: String,
        }
        let backend = self.db.get_database_backend();
        let ph = |n: usize| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        };
        let current = Meta::find_by_statement(sea_orm::Statement::from_sql_and_values(
            backend,
            format!("SELECT value FROM store_meta WHERE key = {}", ph(1)),
            [key.into()],
        ))
        .one(&self.db)
        .await?;
        match current {
            None => {
                let mut q = Query::insert();
                q.into_table("store_meta")
                    .columns(["key", "value"])
                    .values_panic([key.into(), value.into()])
                    .on_conflict(OnConflict::column("key").do_nothing().to_owned());
                Ok(self.db.execute(&q).await?.rows_affected() == 1)
            }
            Some(m) if only_if(&m.value) => {
                // Compare-and-set: only the process that still sees the old value wins.
                let r = self
                    .db
                    .execute_raw(sea_orm::Statement::from_sql_and_values(
                        backend,
                        format!(
                            "UPDATE store_meta SET value = {} WHERE key = {} AND value = {}",
                            ph(1),
                            ph(2),
                            ph(3)
                        ),
                        [value.into(), key.into(), m.value.into()],
                    ))
                    .await?;
                Ok(r.rows_affected() == 1)
            }
            Some(_) => Ok(false),
        }
    }

    /// Periodic upkeep for `serve` (call every few minutes from every process; one does the
    /// work): the count cache is rebuilt once per Thai calendar day, since *elderly* follows the
    /// date, and the public snapshot at most every `public_every` so that single edits reach
    /// the public page. Returns what was done.
    pub async fn counts_upkeep(&self, public_every: chrono::Duration) -> Result<&'static str> {
        let today = super::today().to_string();
        if self
            .claim("counts_refreshed_on", &today, |v| v != today)
            .await?
        {
            self.refresh_counts().await?;
            return Ok("counts");
        }
        let now = Utc::now();
        let stale = |v: &str| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| now.signed_duration_since(t) >= public_every)
                .unwrap_or(true)
        };
        if self
            .claim("public_refresh_claim", &now.to_rfc3339(), stale)
            .await?
        {
            self.refresh_public_counts().await?;
            return Ok("public");
        }
        Ok("nothing")
    }

    /// Rebuild the count cache from the persons table (after imports, and daily for *elderly*),
    /// then the public snapshot.
    pub async fn refresh_counts(&self) -> Result<()> {
        let t = super::today();
        let (year_cut, day_cut) = elderly_cutoffs(t);
        let txn = self.db.begin().await?;
        txn.execute_unprepared("DELETE FROM area_counts").await?;
        let active = PersonStatus::Active.as_str();
        // (level code length, parent expression)
        let levels: [(usize, &str); 4] = [
            (2, "''"),
            (4, "substr(p.village_code, 1, 2)"),
            (6, "substr(p.village_code, 1, 4)"),
            (8, "substr(p.village_code, 1, 6)"),
        ];
        let elderly = format!(
            "((p.birth_precision = 'year' AND p.birth_date <= '{year_cut}') OR \
             (p.birth_precision <> 'year' AND p.birth_date <= '{day_cut}'))"
        );
        let mut sources: Vec<(String, String)> = vec![
            ("'total'".into(), "persons p".into()),
            (
                format!("'{}'", Category::Elderly.as_str()),
                format!("persons p WHERE {elderly}"),
            ),
            (
                "c.category".into(),
                "persons p JOIN person_categories c ON c.person_id = p.id".into(),
            ),
        ];
        for (_, from) in &mut sources {
            let glue = if from.contains(" WHERE ") {
                " AND "
            } else {
                " WHERE "
            };
            from.push_str(&format!("{glue}p.status = '{active}'"));
        }
        for (key, from) in &sources {
            let group_key = if key.starts_with('\'') {
                ""
            } else {
                ", c.category"
            };
            for (len, parent) in levels {
                // PostgreSQL wants the parent expression grouped too (it cannot see that it
                // follows from the area code); a constant cannot be grouped.
                let group_parent = if parent.starts_with('\'') {
                    String::new()
                } else {
                    format!(", {parent}")
                };
                txn.execute_unprepared(&format!(
                    "INSERT INTO area_counts (area_code, parent_code, category, n) \
                     SELECT substr(p.village_code, 1, {len}), {parent}, {key}, COUNT(*) \
                     FROM {from} GROUP BY substr(p.village_code, 1, {len}){group_parent}{group_key}"
                ))
                .await?;
            }
            txn.execute_unprepared(&format!(
                "INSERT INTO area_counts (area_code, parent_code, category, n) \
                 SELECT '', NULL, {key}, COUNT(*) FROM {from} {}",
                if group_key.is_empty() {
                    String::new()
                } else {
                    "GROUP BY c.category".into()
                }
            ))
            .await?;
        }
        // An empty registry still has a national total of 0 rows: drop zero rows.
        txn.execute_unprepared("DELETE FROM area_counts WHERE n = 0")
            .await?;
        txn.execute_unprepared("DELETE FROM area_centres").await?;
        for len in [2usize, 4, 6, 8] {
            txn.execute_unprepared(&format!(
                "INSERT INTO area_centres (area_code, lat, lon, located) \
                 SELECT substr(village_code, 1, {len}), AVG(lat), AVG(lon), COUNT(*) \
                 FROM persons WHERE lat IS NOT NULL AND lon IS NOT NULL AND status = '{active}' \
                 GROUP BY substr(village_code, 1, {len})"
            ))
            .await?;
        }
        // Today's rebuild is done: the daily upkeep of every `serve` process skips it.
        let mut q = Query::insert();
        q.into_table("store_meta")
            .columns(["key", "value"])
            .values_panic(["counts_refreshed_on".into(), t.to_string().into()])
            .on_conflict(OnConflict::column("key").update_column("value").to_owned());
        txn.execute(&q).await?;
        txn.commit().await?;
        self.refresh_public_counts().await
    }

    /// Rebuild the public snapshot: non-sensitive categories, small counts suppressed with
    /// complementary suppression over the whole tree, so no hidden cell can be recovered from
    /// any combination of public pages.
    pub async fn refresh_public_counts(&self) -> Result<()> {
        #[derive(sea_orm::FromQueryResult)]
        struct Row {
            area_code: String,
            parent_code: Option<String>,
            category: String,
            n: i64,
        }
        let rows = Row::find_by_statement(sea_orm::Statement::from_string(
            self.db.get_database_backend(),
            "SELECT area_code, parent_code, category, n FROM area_counts",
        ))
        .all(&self.db)
        .await?;
        let mut by_cat: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        for r in rows {
            let public = r.category == "total"
                || Category::parse(&r.category).is_some_and(|c| !c.is_sensitive());
            if public {
                by_cat.entry(r.category.clone()).or_default().push(r);
            }
        }
        let mut out: Vec<PublicRow> = Vec::new();
        for (cat, rows) in by_cat {
            let index: HashMap<&str, usize> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.area_code.as_str(), i))
                .collect();
            let nodes: Vec<CountNode> = rows
                .iter()
                .map(|r| CountNode {
                    code: r.area_code.clone(),
                    parent: r.parent_code.as_deref().and_then(|p| index.get(p).copied()),
                    count: u64::try_from(r.n).unwrap_or(0),
                })
                .collect();
            for (r, p) in rows.iter().zip(suppress(&nodes)) {
                let (n, hidden) = match p {
                    Published::Shown(n) => (Some(n as i64), None),
                    Published::Suppressed if (r.n as u64) < SMALL_COUNT => (None, Some("small")),
                    Published::Suppressed => (None, Some("secondary")),
                };
                out.push((
                    r.area_code.clone(),
                    r.parent_code.clone(),
                    cat.clone(),
                    n,
                    hidden,
                ));
            }
        }
        let txn = self.db.begin().await?;
        txn.execute_unprepared("DELETE FROM public_counts").await?;
        for chunk in out.chunks(500) {
            let mut q = Query::insert();
            q.into_table("public_counts").columns([
                "area_code",
                "parent_code",
                "category",
                "n",
                "hidden",
            ]);
            for (code, parent, cat, n, hidden) in chunk {
                q.values_panic([
                    code.clone().into(),
                    parent.clone().into(),
                    cat.clone().into(),
                    (*n).into(),
                    hidden.map(str::to_owned).into(),
                ]);
            }
            txn.execute(&q).await?;
        }
        let now = Utc::now().to_rfc3339();
        let mut q = Query::insert();
        q.into_table("store_meta")
            .columns(["key", "value"])
            .values_panic([META_PUBLIC_AT.into(), now.into()])
            .on_conflict(OnConflict::column("key").update_column("value").to_owned());
        txn.execute(&q).await?;
        txn.commit().await?;
        self.public_dashboards.clear();
        Ok(())
    }

    /// The dashboard of an area (or the caller's roots) for a signed-in caller: counts in their
    /// `ViewAreas` scope; sensitive categories only with the `sensitive` permission and only at
    /// province and district level.
    pub async fn dashboard(&self, actor: &Actor, area: Option<&AreaCode>) -> Result<Dashboard> {
        let scope = actor.scope(Operation::ViewAreas);
        let (area_row, path, child_codes) = self.dashboard_frame(&scope, area).await?;
        let level = area.map(|a| a.level());
        // Rows are the children: their level decides whether sensitive columns may show.
        let child_level = match level {
            None => match &scope {
                Scope::Everywhere => Some(AreaLevel::Province),
                Scope::Within(_) => None,
            },
            Some(l) => l.child(),
        };
        let sensitive_ok = |lvl: Option<AreaLevel>, code: Option<&AreaCode>| {
            matches!(lvl, Some(AreaLevel::Province | AreaLevel::District))
                && code.is_some_and(|c| actor.can(Operation::ViewSensitive, c))
        };
        let show_sensitive = child_codes
            .iter()
            .all(|(c, _)| sensitive_ok(Some(c.level()), Some(c)))
            && child_level.is_none_or(|l| matches!(l, AreaLevel::Province | AreaLevel::District))
            && !child_codes.is_empty();
        let categories: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| !c.is_sensitive() || show_sensitive)
            .collect();
        let mut codes: Vec<String> = child_codes.iter().map(|(c, _)| c.to_string()).collect();
        if let Some(a) = area {
            codes.push(a.to_string());
        }
        let counts = self.load_counts("area_counts", &codes).await?;
        let cell = |code: &str, key: &str| {
            CountCell::Count(
                counts
                    .get(&(code.to_owned(), key.to_owned()))
                    .and_then(|c| c.value())
                    .unwrap_or(0),
            )
        };
        let make = |code: &str, area: Option<Area>| AreaCounts {
            area,
            total: cell(code, "total"),
            cells: categories.iter().map(|c| cell(code, c.as_str())).collect(),
        };
        let totals = match (area, &area_row) {
            (Some(a), Some(row)) => {
                let mut t = make(a.as_str(), Some(row.clone()));
                // The area's own sensitive figures follow its own level.
                if !sensitive_ok(Some(a.level()), Some(a)) {
                    for (i, c) in categories.iter().enumerate() {
                        if c.is_sensitive() {
                            t.cells[i] = CountCell::Withheld;
                        }
                    }
                }
                Some(t)
            }
            _ => None,
        };
        let rows = child_codes
            .into_iter()
            .map(|(code, a)| make(code.as_str(), Some(a)))
            .collect();
        Ok(Dashboard {
            area: area_row,
            path,
            categories,
            totals,
            rows,
            public: false,
            as_of: None,
        })
    }

    /// The public transparency dashboard: no login, aggregates only, from the suppressed
    /// snapshot; never a sensitive category.
    ///
    /// Kept in memory for [`PUBLIC_DASHBOARD_FOR`] per area: it is the one page anyone may open
    /// as often as they like, and it changes only when the snapshot is rebuilt (which empties
    /// the cache at once, [`Store::refresh_public_counts`]). A change to the area catalogue
    /// shows within that time.
    pub async fn public_dashboard(&self, area: Option<&AreaCode>) -> Result<Dashboard> {
        let key = area.map(|a| a.to_string()).unwrap_or_default();
        self.public_dashboards
            .get_or(key, self.count_public_dashboard(area))
            .await
    }

    async fn count_public_dashboard(&self, area: Option<&AreaCode>) -> Result<Dashboard> {
        let (area_row, path, child_codes) = self.dashboard_frame(&Scope::Everywhere, area).await?;
        let categories: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| !c.is_sensitive())
            .collect();
        let mut codes: Vec<String> = child_codes.iter().map(|(c, _)| c.to_string()).collect();
        let own = area.map(|a| a.to_string()).unwrap_or_default();
        codes.push(own.clone());
        let counts = self.load_counts("public_counts", &codes).await?;
        let cell = |code: &str, key: &str| {
            counts
                .get(&(code.to_owned(), key.to_owned()))
                .copied()
                .unwrap_or(CountCell::Count(0))
        };
        let make = |code: &str, area: Option<Area>| AreaCounts {
            area,
            total: cell(code, "total"),
            cells: categories.iter().map(|c| cell(code, c.as_str())).collect(),
        };
        let totals = Some(make(&own, area_row.clone()));
        let rows = child_codes
            .into_iter()
            .map(|(code, a)| make(code.as_str(), Some(a)))
            .collect();
        #[derive(sea_orm::FromQueryResult)]
        struct Meta {
            value: String,
        }
        let as_of = Meta::find_by_statement(sea_orm::Statement::from_sql_and_values(
            self.db.get_database_backend(),
            match self.db.get_database_backend() {
                DbBackend::Postgres => "SELECT value FROM store_meta WHERE key = $1",
                _ => "SELECT value FROM store_meta WHERE key = ?",
            },
            [META_PUBLIC_AT.into()],
        ))
        .one(&self.db)
        .await?
        .map(|m| m.value);
        Ok(Dashboard {
            area: area_row,
            path,
            categories,
            totals,
            rows,
            public: true,
            as_of,
        })
    }

    /// The area (checked against `scope`), its breadcrumbs, and the rows to show: its
    /// children, or without an area the caller's roots (provinces for a national caller).
    async fn dashboard_frame(
        &self,
        scope: &Scope,
        area: Option<&AreaCode>,
    ) -> Result<(Option<Area>, Vec<Area>, Vec<(AreaCode, Area)>)> {
        use areas::entity::{Column, Entity};
        let (area_row, path, children) = match area {
            Some(code) => {
                if !scope.contains(code) {
                    return Err(StoreError::NotFound);
                }
                let row = Entity::find_by_id(code.as_str())
                    .one(&self.db)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let lineage: Vec<String> = code.lineage().iter().map(|c| c.to_string()).collect();
                let path = Entity::find()
                    .filter(Column::Code.is_in(lineage))
                    .order_by_asc(Column::Code)
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(Area::from)
                    .collect();
                let children = Entity::find()
                    .filter(Column::ParentCode.eq(code.as_str()))
                    .order_by_asc(Column::Code)
                    .all(&self.db)
                    .await?;
                (Some(Area::from(row)), path, children)
            }
            None => {
                let q = match scope {
                    Scope::Everywhere => {
                        Entity::find().filter(Column::Level.eq(AreaLevel::Province.as_str()))
                    }
                    Scope::Within(roots) => Entity::find().filter(
                        Column::Code.is_in(roots.iter().map(|r| r.to_string()).collect::<Vec<_>>()),
                    ),
                };
                (
                    None,
                    Vec::new(),
                    q.order_by_asc(Column::Code).all(&self.db).await?,
                )
            }
        };
        let children = children
            .into_iter()
            .map(Area::from)
            .map(|a| (a.code.clone(), a))
            .collect();
        Ok((area_row, path, children))
    }

    /// Map positions of areas (mean home location of their located persons, as of the last
    /// [`Store::refresh_counts`]); areas with fewer than `min_located` located persons are left
    /// out so that a point never sits on one family's home.
    pub async fn area_centres(
        &self,
        codes: &[AreaCode],
        min_located: i64,
    ) -> Result<HashMap<String, (f64, f64)>> {
        #[derive(FromQueryResult)]
        struct Row {
            area_code: String,
            lat: f64,
            lon: f64,
        }
        let mut out = HashMap::new();
        let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        for chunk in codes.chunks(500) {
            let mut q = Query::select();
            q.columns(["area_code", "lat", "lon"])
                .from("area_centres")
                .and_where(Expr::col("area_code").is_in(chunk.iter().cloned()))
                .and_where(Expr::col("located").gte(min_located));
            let stmt = self.db.get_database_backend().build(&q);
            for r in Row::find_by_statement(stmt).all(&self.db).await? {
                out.insert(r.area_code, (r.lat, r.lon));
            }
        }
        Ok(out)
    }

    /// Counts of `codes` from `table` (`area_counts` or `public_counts`).
    async fn load_counts(
        &self,
        table: &str,
        codes: &[String],
    ) -> Result<HashMap<(String, String), CountCell>> {
        #[derive(sea_orm::FromQueryResult)]
        struct Row {
            area_code: String,
            category: String,
            n: Option<i64>,
            hidden: Option<String>,
        }
        let mut out = HashMap::new();
        let hidden_col = if table == "public_counts" {
            "hidden"
        } else {
            "NULL AS hidden"
        };
        for chunk in codes.chunks(500) {
            let mut q = Query::select();
            q.expr(Expr::cust(format!("area_code, category, n, {hidden_col}")))
                .from(sea_orm::sea_query::Alias::new(table))
                .and_where(Expr::col("area_code").is_in(chunk.iter().cloned()));
            let stmt = self.db.get_database_backend().build(&q);
            for r in Row::find_by_statement(stmt).all(&self.db).await? {
                let cell = match (r.n, r.hidden.as_deref()) {
                    (Some(n), _) => CountCell::Count(u64::try_from(n).unwrap_or(0)),
                    (None, Some("small")) => CountCell::Small,
                    (None, _) => CountCell::Withheld,
                };
                out.insert((r.area_code, r.category), cell);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elderly_cutoffs_match_the_domain_age_rule() {
        use ruamjai_domain::registry::{PartialDate, Precision};
        let t = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (y, d) = elderly_cutoffs(t);
        for year in 1960..1972 {
            let p = PartialDate::year(year).unwrap();
            assert_eq!(p.date <= y, p.age_on(t) >= ELDERLY_AGE, "{year}");
        }
        let mut day = NaiveDate::from_ymd_opt(1966, 1, 1).unwrap();
        while day.year() < 1968 {
            let p = PartialDate::from_parts(day, Precision::Day);
            assert_eq!(p.date <= d, p.age_on(t) >= ELDERLY_AGE, "{day}");
            day = day.succ_opt().unwrap();
        }
    }
}
