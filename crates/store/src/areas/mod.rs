//! Areas: browse, search and breadcrumbs within the caller's scope; villages created by admins.

use chrono::Utc;
use ruamjai_domain::areas::{AreaCode, AreaLevel, Region};
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation, Scope};
use ruamjai_domain::{FieldError, Invalid};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;

use crate::audit::{self, NewEntry};
use crate::{Result, Store, StoreError};

pub(crate) mod entity {
    //! The `areas` table.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "areas")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub parent_code: Option<String>,
        pub level: String,
        pub name_th: String,
        pub name_en: String,
        pub postal_codes: String,
        pub region: Option<String>,
        pub health_region: Option<i16>,
        pub village_no: Option<i16>,
        pub created_at: Option<DateTimeUtc>,
        pub created_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity as Areas, Model};

/// An area as the outside world sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Area {
    /// DOPA code.
    pub code: AreaCode,
    /// Level in the tree.
    pub level: AreaLevel,
    /// Thai name (without the level word).
    pub name_th: String,
    /// English name.
    pub name_en: String,
    /// Postal codes, comma-separated.
    pub postal_codes: String,
    /// Region (provinces only).
    pub region: Option<Region>,
    /// Health region 1–13 (provinces only).
    pub health_region: Option<u8>,
    /// หมู่ที่ (villages only).
    pub village_no: Option<u8>,
}

impl From<Model> for Area {
    fn from(m: Model) -> Self {
        Self {
            code: AreaCode::parse(&m.code).expect("stored codes are valid"),
            level: AreaLevel::parse(&m.level).expect("stored levels are valid"),
            name_th: m.name_th,
            name_en: m.name_en,
            postal_codes: m.postal_codes,
            region: m.region.as_deref().and_then(Region::parse),
            health_region: m.health_region.and_then(|h| u8::try_from(h).ok()),
            village_no: m.village_no.and_then(|h| u8::try_from(h).ok()),
        }
    }
}

/// An area with its ancestors (for breadcrumbs) and children.
#[derive(Debug, Clone, Serialize)]
pub struct AreaDetail {
    /// The area.
    pub area: Area,
    /// Province first, the area's parent last.
    pub ancestors: Vec<Area>,
    /// The level below, in code order.
    pub children: Vec<Area>,
}

/// A new village (หมู่บ้าน) in a subdistrict.
#[derive(Debug, Clone)]
pub struct NewVillage {
    /// หมู่ที่ 1–99.
    pub village_no: u8,
    /// Thai name (บ้าน…).
    pub name_th: String,
    /// English name (may be empty: then the Thai name is shown).
    pub name_en: String,
}

/// One row of a village import, as read from the file (1-based line number for messages).
#[derive(Debug, Clone, Default)]
pub struct VillageRow {
    /// Line in the source file.
    pub line: usize,
    /// Subdistrict code (6 digits).
    pub subdistrict: String,
    /// หมู่ที่, as text.
    pub village_no: String,
    /// Thai name.
    pub name_th: String,
    /// English name.
    pub name_en: String,
}

/// What is wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Line in the source file.
    pub line: usize,
    /// The problems, each naming its field.
    pub errors: Vec<FieldError>,
}

/// Outcome of an import that passed validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Villages that are new.
    pub created: usize,
    /// Rows identical to a village already stored (a re-run adds nothing).
    pub unchanged: usize,
    /// True when nothing was written because it was a dry run.
    pub dry_run: bool,
}

/// SQL condition: the code in `col` lies in the subtree of `root` (starts with its code).
///
/// Written as a range, `col >= '5501' AND col < '5502'`, not `col LIKE '5501%'`: neither SQLite
/// (LIKE is case-insensitive, the column BINARY) nor PostgreSQL (outside the `C` collation)
/// answers a prefix LIKE from the column's index, so every scoped query scanned the whole table.
/// Codes are digit strings, so the range holds exactly the codes that start with `root`
/// ([`AreaCode::subtree_range`]).
pub(crate) fn within(col: impl ColumnTrait, root: &AreaCode) -> Condition {
    let (start, end) = root.subtree_range();
    let mut c = Condition::all().add(col.gte(start));
    if let Some(end) = end {
        c = c.add(col.lt(end));
    }
    c
}

/// SQL condition: the code in `col` lies in one of `roots`' subtrees (none: FALSE).
pub(crate) fn within_any(col: impl ColumnTrait, roots: &[AreaCode]) -> Condition {
    // An empty `any` renders as FALSE: nothing is reachable.
    roots
        .iter()
        .fold(Condition::any(), |any, r| any.add(within(col, r)))
}

/// SQL condition: `code` is inside one of the scope's subtrees. `None` means everything.
pub(crate) fn scope_condition(col: impl ColumnTrait, scope: &Scope) -> Option<Condition> {
    match scope {
        Scope::Everywhere => None,
        Scope::Within(roots) => Some(within_any(col, roots)),
    }
}

/// The subtrees of `scope` that lie in `area`'s subtree (their intersection, as roots): `area`
/// itself when the scope holds it, else the scope's roots below it (possibly none). Filtering
/// on these alone selects the same rows as filtering on the scope and on the area, with one
/// index range instead of two, so the narrower one is the one the database scans.
pub(crate) fn scope_in_area(scope: &Scope, area: &AreaCode) -> Vec<AreaCode> {
    match scope {
        Scope::Within(roots) if !roots.iter().any(|r| area.is_within(r)) => roots
            .iter()
            .filter(|r| r.is_within(area))
            .cloned()
            .collect(),
        _ => vec![area.clone()],
    }
}

/// Rows whose area (`col`) a caller with `scope` can *reach*: inside their subtrees, or one of
/// the areas above them (a partner or course serving the whole province is seen from a
/// district). Changing such rows still needs the area to be inside the scope.
pub(crate) fn reach_condition(col: impl ColumnTrait + Copy, scope: &Scope) -> Option<Condition> {
    let roots = match scope {
        Scope::Everywhere => return None,
        Scope::Within(roots) => roots,
    };
    let mut any = Condition::any();
    for r in roots {
        any = any.add(within(col, r));
        let above: Vec<String> = r
            .lineage()
            .into_iter()
            .filter(|a| a != r)
            .map(|a| a.to_string())
            .collect();
        if !above.is_empty() {
            any = any.add(col.is_in(above));
        }
    }
    Some(any)
}

/// True when a caller with `scope` can reach `area` (see [`reach_condition`]).
pub(crate) fn reaches(scope: &Scope, area: &AreaCode) -> bool {
    match scope {
        Scope::Everywhere => true,
        Scope::Within(roots) => roots.iter().any(|r| area.is_within(r) || r.is_within(area)),
    }
}

/// What a person types is text, not a LIKE pattern: wildcard characters (which never occur
/// in area names) are dropped.
pub(crate) fn strip_like_wildcards(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect()
}

/// A village row ready to insert (the subdistrict's postal codes carry over).
fn village_model(
    code: &AreaCode,
    name_th: String,
    name_en: &str,
    postal_codes: String,
    by: Option<&Actor>,
) -> ActiveModel {
    ActiveModel {
        code: Set(code.to_string()),
        parent_code: Set(code.parent().map(String::from)),
        level: Set(AreaLevel::Village.as_str().into()),
        name_th: Set(name_th),
        name_en: Set(name_en.trim().to_owned()),
        postal_codes: Set(postal_codes),
        region: Set(None),
        health_region: Set(None),
        village_no: Set(code.as_str()[6..].parse::<i16>().ok()),
        created_at: Set(Some(Utc::now())),
        created_by: Set(by.map(|a| a.user_id)),
    }
}

/// The audit entry of a village creation (`by == None`: the command line).
fn village_audit(code: &AreaCode, by: Option<&Actor>, meta: &RequestMeta) -> NewEntry {
    match by {
        Some(a) => NewEntry::by(a, AuditAction::VillageCreate, meta),
        None => NewEntry::anonymous(AuditAction::VillageCreate, meta),
    }
    .entity("area", code.as_str())
    .area(code)
}

impl Store {
    /// Run an area query in code order.
    async fn fetch_areas(&self, q: sea_orm::Select<Areas>) -> Result<Vec<Area>> {
        Ok(q.order_by_asc(Column::Code)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Area::from)
            .collect())
    }

    /// Codes of the areas at `level` inside `root`, in code order, within the actor's scope.
    pub async fn area_codes_under(
        &self,
        actor: &Actor,
        root: &AreaCode,
        level: AreaLevel,
    ) -> Result<Vec<AreaCode>> {
        let mut q = Areas::find()
            .filter(Column::Level.eq(level.as_str()))
            .filter(within(Column::Code, root));
        if let Some(c) = scope_condition(Column::Code, &actor.scope(Operation::ViewAreas)) {
            q = q.filter(c);
        }
        Ok(q.order_by_asc(Column::Code)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|m| AreaCode::parse(&m.code).ok())
            .collect())
    }

    /// Total number of areas at a level (no scope: for health checks and tests).
    pub async fn count_areas(&self, level: AreaLevel) -> Result<u64> {
        Ok(Areas::find()
            .filter(Column::Level.eq(level.as_str()))
            .count(&self.db)
            .await?)
    }

    /// One area, if it is inside `scope`.
    async fn area_in(&self, scope: &Scope, code: &AreaCode) -> Result<Area> {
        if !scope.contains(code) {
            return Err(StoreError::NotFound);
        }
        Areas::find_by_id(code.as_str())
            .one(&self.db)
            .await?
            .map(Area::from)
            .ok_or(StoreError::NotFound)
    }

    /// An area with breadcrumbs and children, or `NotFound` when it is outside the caller's
    /// scope. Ancestors above the caller's scope are still named in the breadcrumbs (they are
    /// public geography), but cannot be opened.
    pub async fn area_detail(&self, actor: &Actor, code: &AreaCode) -> Result<AreaDetail> {
        let scope = actor.scope(Operation::ViewAreas);
        let area = self.area_in(&scope, code).await?;
        let lineage: Vec<String> = code
            .parent()
            .map(|p| p.lineage())
            .unwrap_or_default()
            .into_iter()
            .map(String::from)
            .collect();
        let ancestors = self
            .fetch_areas(Areas::find().filter(Column::Code.is_in(lineage)))
            .await?;
        let children = self
            .fetch_areas(Areas::find().filter(Column::ParentCode.eq(code.as_str())))
            .await?;
        Ok(AreaDetail {
            area,
            ancestors,
            children,
        })
    }

    /// Where the caller's area browser starts: all provinces for a national role, otherwise
    /// the roots of the caller's grants.
    pub async fn area_roots(&self, actor: &Actor) -> Result<Vec<Area>> {
        let q = match actor.scope(Operation::ViewAreas) {
            Scope::Everywhere => {
                Areas::find().filter(Column::Level.eq(AreaLevel::Province.as_str()))
            }
            Scope::Within(roots) => Areas::find().filter(
                Column::Code.is_in(roots.into_iter().map(String::from).collect::<Vec<_>>()),
            ),
        };
        self.fetch_areas(q).await
    }

    /// Search areas by Thai or English name (substring, case-insensitive) or code prefix,
    /// within the actor's scope, shallow levels first. At most `limit` rows.
    pub async fn search_areas(
        &self,
        actor: &Actor,
        query: &str,
        level: Option<AreaLevel>,
        limit: u64,
    ) -> Result<Vec<Area>> {
        let q = strip_like_wildcards(query.trim());
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let pattern = format!("%{}%", q.to_lowercase());
        let mut cond = Condition::any()
            .add(Column::NameTh.like(format!("%{q}%")))
            .add(Expr::expr(Func::lower(Expr::col(Column::NameEn))).like(pattern));
        if q.bytes().all(|b| b.is_ascii_digit()) {
            cond = cond.add(Column::Code.starts_with(&q));
        }
        let mut find = Areas::find().filter(cond);
        if let Some(level) = level {
            find = find.filter(Column::Level.eq(level.as_str()));
        }
        if let Some(c) = scope_condition(Column::Code, &actor.scope(Operation::ViewAreas)) {
            find = find.filter(c);
        }
        let mut rows: Vec<Area> = find
            .order_by_asc(Expr::expr(Func::char_length(Expr::col(Column::Code))))
            .order_by_asc(Column::Code)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Area::from)
            .collect();
        // Exact name matches first (น่าน the province before เมืองน่าน the district).
        rows.sort_by_key(|a| !(a.name_th == q || a.name_en.eq_ignore_ascii_case(&q)));
        Ok(rows)
    }

    /// Import villages: every row is checked first and every bad row reported with its line
    /// and field; only when all rows are good are they written, in one transaction (all or
    /// nothing). A row identical to a stored village is counted as unchanged, so running the
    /// same file twice adds nothing. `by` is the acting user (`None`: the trusted command line).
    pub async fn import_villages(
        &self,
        by: Option<&Actor>,
        rows: &[VillageRow],
        dry_run: bool,
        meta: &RequestMeta,
    ) -> Result<std::result::Result<ImportReport, Vec<RowError>>> {
        let existing: std::collections::HashMap<String, Model> = Areas::find()
            .filter(
                Column::Level.is_in([AreaLevel::Subdistrict.as_str(), AreaLevel::Village.as_str()]),
            )
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.code.clone(), m))
            .collect();
        let mut bad = Vec::new();
        let mut todo: Vec<(AreaCode, &VillageRow, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut unchanged = 0;
        for row in rows {
            let mut errors = Vec::new();
            let sub = AreaCode::parse(&row.subdistrict).ok().filter(|c| {
                existing
                    .get(c.as_str())
                    .is_some_and(|m| m.level == AreaLevel::Subdistrict.as_str())
                    && by.is_none_or(|a| a.can(Operation::ManageVillages, c))
            });
            if sub.is_none() {
                errors.push(FieldError::new("subdistrict_code", "unknown_area"));
            }
            let no = row
                .village_no
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=99).contains(n));
            if no.is_none() {
                errors.push(FieldError::new("village_no", "invalid_village_no"));
            }
            let name_th = row.name_th.trim().to_owned();
            if name_th.is_empty() {
                errors.push(FieldError::new("name_th", "required"));
            }
            if let (Some(sub), Some(no)) = (&sub, no) {
                let code = sub.village(no).expect("checked subdistrict and number");
                if !seen.insert(code.clone()) {
                    errors.push(FieldError::new("village_no", "duplicate_in_file"));
                } else if let Some(m) = existing.get(code.as_str()) {
                    if m.name_th == name_th && m.name_en == row.name_en.trim() {
                        unchanged += 1;
                    } else {
                        errors.push(FieldError::new("village_no", "village_exists"));
                    }
                } else if errors.is_empty() {
                    todo.push((code, row, name_th));
                }
            }
            if !errors.is_empty() {
                bad.push(RowError {
                    line: row.line,
                    errors,
                });
            }
        }
        if !bad.is_empty() {
            return Ok(Err(bad));
        }
        let report = ImportReport {
            created: todo.len(),
            unchanged,
            dry_run,
        };
        if dry_run || todo.is_empty() {
            return Ok(Ok(report));
        }
        let txn = self.db.begin().await?;
        for (code, row, name_th) in &todo {
            let postal = existing[code.parent().expect("village").as_str()]
                .postal_codes
                .clone();
            village_model(code, name_th.clone(), &row.name_en, postal, by)
                .insert(&txn)
                .await?;
            audit::append(&txn, village_audit(code, by, meta)).await?;
        }
        txn.commit().await?;
        Ok(Ok(report))
    }

    /// Rename a village (typos happen; the number and code never change, other records point
    /// at the code). Needs `ManageVillages` over the village.
    pub async fn rename_village(
        &self,
        actor: &Actor,
        code: &AreaCode,
        name_th: &str,
        name_en: &str,
        meta: &RequestMeta,
    ) -> Result<Area> {
        let area = self
            .area_in(&actor.scope(Operation::ViewAreas), code)
            .await?;
        if !actor.can(Operation::ManageVillages, code) {
            return Err(StoreError::Forbidden);
        }
        if area.level != AreaLevel::Village {
            return Err(FieldError::new("area_code", "not_a_village").into());
        }
        let name_th = name_th.trim();
        if name_th.is_empty() {
            return Err(FieldError::new("name_th", "required").into());
        }
        let txn = self.db.begin().await?;
        let model = ActiveModel {
            code: Set(code.to_string()),
            name_th: Set(name_th.to_owned()),
            name_en: Set(name_en.trim().to_owned()),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, AuditAction::VillageUpdate, meta)
                .entity("area", code.as_str())
                .area(code),
        )
        .await?;
        txn.commit().await?;
        Ok(model.into())
    }

    /// Create village `no` of a subdistrict. Needs `ManageVillages` over the subdistrict.
    pub async fn create_village(
        &self,
        actor: &Actor,
        subdistrict: &AreaCode,
        v: NewVillage,
        meta: &RequestMeta,
    ) -> Result<Area> {
        let parent = self
            .area_in(&actor.scope(Operation::ViewAreas), subdistrict)
            .await?;
        if !actor.can(Operation::ManageVillages, subdistrict) {
            return Err(StoreError::Forbidden);
        }
        if parent.level != AreaLevel::Subdistrict {
            return Err(FieldError::new("area_code", "not_a_subdistrict").into());
        }
        let mut errors = Vec::new();
        let name_th = v.name_th.trim().to_owned();
        if name_th.is_empty() {
            errors.push(FieldError::new("name_th", "required"));
        }
        let code = match subdistrict.village(v.village_no) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if !errors.is_empty() {
            return Err(Invalid(errors).into());
        }
        let code = code.expect("no errors");
        let txn = self.db.begin().await?;
        let model = village_model(
            &code,
            name_th,
            &v.name_en,
            parent.postal_codes.clone(),
            Some(actor),
        );
        let model = match model.insert(&txn).await {
            Ok(m) => m,
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(FieldError::new("village_no", "village_exists").into());
            }
            Err(e) => return Err(e.into()),
        };
        audit::append(&txn, village_audit(&code, Some(actor), meta)).await?;
        txn.commit().await?;
        Ok(model.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap()
    }

    #[test]
    fn subtree_filters_are_ranges_not_like() {
        let scope = Scope::Within(vec![code("5509"), code("550101"), code("99")]);
        let q = Areas::find().filter(scope_condition(Column::Code, &scope).unwrap());
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = q.build(backend).to_string();
            assert!(!sql.contains("LIKE"), "{sql}");
            for part in [
                r#""areas"."code" >= '5509' AND "areas"."code" < '551'"#,
                r#""areas"."code" >= '550101' AND "areas"."code" < '550102'"#,
                r#"OR "areas"."code" >= '99'"#,
            ] {
                assert!(sql.contains(part), "{part} in {sql}");
            }
        }
        // No roots: nothing.
        let none =
            Areas::find().filter(scope_condition(Column::Code, &Scope::Within(vec![])).unwrap());
        assert!(none.build(DbBackend::Sqlite).to_string().contains("FALSE"));
    }

    #[test]
    fn a_scope_narrowed_to_an_area_is_their_intersection() {
        let within = |roots: &[&str]| Scope::Within(roots.iter().map(|r| code(r)).collect());
        let narrowed = |scope: &Scope, area: &str| {
            scope_in_area(scope, &code(area))
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(narrowed(&Scope::Everywhere, "5501"), ["5501"]);
        let district = within(&["5501"]);
        assert_eq!(narrowed(&district, "55"), ["5501"]);
        assert_eq!(narrowed(&district, "5501"), ["5501"]);
        assert_eq!(narrowed(&district, "550101"), ["550101"]);
        assert!(narrowed(&district, "5502").is_empty());
        assert!(narrowed(&district, "56").is_empty());
        let two = within(&["550101", "5502"]);
        assert_eq!(narrowed(&two, "55"), ["550101", "5502"]);
        assert_eq!(narrowed(&two, "5501"), ["550101"]);
        assert_eq!(narrowed(&two, "550201"), ["550201"]);
        assert!(narrowed(&within(&[]), "55").is_empty());
    }
}
