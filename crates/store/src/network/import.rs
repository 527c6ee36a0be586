//! Partner and volunteer lists from CSV or XLSX, like person lists: every bad row reported
//! with its line and fields, all rows or none, a dry run that writes nothing, rows already
//! present skipped (so the same file twice adds nothing), and the import recorded and audited.
//!
//! A partner is the same as a stored one with the same Thai name in the same area; a volunteer
//! the same as one with the same phone number, or, without a phone, the same names in the same
//! area. These lists are thousands of rows, not millions: rows are written one by one in the
//! import's transaction.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::{AuditAction, RequestMeta};
use ruamjai_domain::auth::{Actor, Operation};
use ruamjai_domain::network::import::{partner_form, volunteer_form};
use ruamjai_domain::network::{OrganisationInput, VolunteerInput};
use ruamjai_domain::registry::search::fold;
use ruamjai_domain::{FieldError, Invalid};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde::Serialize;

use super::entity::{organisations, volunteers};
use super::{insert_organisation, insert_volunteer};
use crate::audit::{self, NewEntry};
use crate::registry::ImportRowError;
use crate::registry::entity::imports;
use crate::tabular::TableRow;
use crate::{Result, Store, StoreError};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ListPlan {
    /// File name as uploaded (recorded).
    pub file_name: String,
    /// SHA-256 of the file (recorded).
    pub file_sha256: String,
    /// For each column, the field it feeds.
    pub map: Vec<Option<&'static str>>,
    /// Area for rows without one.
    pub default_area: Option<AreaCode>,
    /// Check only.
    pub dry_run: bool,
}

/// The outcome of a list import (or its dry run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListReport {
    pub rows_total: usize,
    /// Added (or that would be, in a dry run).
    pub added: usize,
    /// Already present (skipped).
    pub skipped: usize,
    /// Bad rows; when any, nothing was written.
    pub errors: Vec<ImportRowError>,
    pub dry_run: bool,
    /// The import record (real runs that wrote).
    pub import_id: Option<i64>,
}

/// One kind of list: how a row becomes an item, who it is, and how it is stored.
trait ListItem: Sized {
    const KIND: &'static str;
    const AUDIT: AuditAction;
    fn from_row(
        map: &[Option<&'static str>],
        cells: &[String],
        area: Option<&str>,
    ) -> std::result::Result<Self, Invalid>;
    fn area(&self) -> &AreaCode;
    /// Identity inside the file and against the store.
    fn identity(&self) -> String;
    /// The field a duplicate is reported on.
    fn identity_field(&self) -> &'static str;
    async fn exists(&self, txn: &DatabaseTransaction) -> Result<bool>;
    async fn insert(self, txn: &DatabaseTransaction) -> Result<i64>;
}

impl ListItem for OrganisationInput {
    const KIND: &'static str = "partners";
    const AUDIT: AuditAction = AuditAction::PartnerImport;
    fn from_row(
        map: &[Option<&'static str>],
        cells: &[String],
        area: Option<&str>,
    ) -> std::result::Result<Self, Invalid> {
        partner_form(map, cells, area).check()
    }
    fn area(&self) -> &AreaCode {
        &self.area
    }
    fn identity(&self) -> String {
        format!("{}|{}", self.area, fold(&self.name_th))
    }
    fn identity_field(&self) -> &'static str {
        "name_th"
    }
    async fn exists(&self, txn: &DatabaseTransaction) -> Result<bool> {
        Ok(organisations::Entity::find()
            .filter(organisations::Column::AreaCode.eq(self.area.as_str()))
            .filter(organisations::Column::NameTh.eq(&self.name_th))
            .count(txn)
            .await?
            > 0)
    }
    async fn insert(self, txn: &DatabaseTransaction) -> Result<i64> {
        insert_organisation(txn, self).await
    }
}

impl ListItem for VolunteerInput {
    const KIND: &'static str = "volunteers";
    const AUDIT: AuditAction = AuditAction::VolunteerImport;
    fn from_row(
        map: &[Option<&'static str>],
        cells: &[String],
        area: Option<&str>,
    ) -> std::result::Result<Self, Invalid> {
        volunteer_form(map, cells, area).check()
    }
    fn area(&self) -> &AreaCode {
        &self.area
    }
    fn identity(&self) -> String {
        match &self.phone {
            Some(p) => format!("phone|{p}"),
            None => format!(
                "name|{}|{}|{}",
                self.area,
                fold(&self.first_name),
                fold(&self.last_name)
            ),
        }
    }
    fn identity_field(&self) -> &'static str {
        if self.phone.is_some() {
            "phone"
        } else {
            "first_name"
        }
    }
    async fn exists(&self, txn: &DatabaseTransaction) -> Result<bool> {
        let q = volunteers::Entity::find();
        let q = match &self.phone {
            Some(p) => q.filter(volunteers::Column::Phone.eq(p)),
            None => q
                .filter(volunteers::Column::AreaCode.eq(self.area.as_str()))
                .filter(volunteers::Column::FirstName.eq(&self.first_name))
                .filter(volunteers::Column::LastName.eq(&self.last_name)),
        };
        Ok(q.count(txn).await? > 0)
    }
    async fn insert(self, txn: &DatabaseTransaction) -> Result<i64> {
        insert_volunteer(txn, self).await
    }
}

impl Store {
    /// Import a partner list (needs `ManageNetwork` over each row's area).
    pub async fn import_partners(
        &self,
        actor: &Actor,
        plan: &ListPlan,
        rows: Vec<TableRow>,
        meta: &RequestMeta,
    ) -> Result<ListReport> {
        self.import_list::<OrganisationInput>(actor, plan, rows, meta)
            .await
    }

    /// Import a volunteer list (needs `ManageNetwork` over each row's area).
    pub async fn import_volunteers(
        &self,
        actor: &Actor,
        plan: &ListPlan,
        rows: Vec<TableRow>,
        meta: &RequestMeta,
    ) -> Result<ListReport> {
        self.import_list::<VolunteerInput>(actor, plan, rows, meta)
            .await
    }

    async fn import_list<T: ListItem>(
        &self,
        actor: &Actor,
        plan: &ListPlan,
        rows: Vec<TableRow>,
        meta: &RequestMeta,
    ) -> Result<ListReport> {
        if !actor.can_somewhere(Operation::ManageNetwork) {
            return Err(StoreError::Forbidden);
        }
        let mut report = ListReport {
            rows_total: rows.len(),
            dry_run: plan.dry_run,
            ..Default::default()
        };
        let default_area = plan.default_area.as_ref().map(|a| a.to_string());
        let txn = self.db.begin().await?;
        let mut areas: HashMap<String, bool> = HashMap::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut added = Vec::new();
        for row in rows {
            let item = match T::from_row(&plan.map, &row.cells, default_area.as_deref()) {
                Ok(i) => i,
                Err(inv) => {
                    report.errors.push(ImportRowError {
                        line: row.line,
                        errors: inv.0,
                    });
                    continue;
                }
            };
            let area = item.area().clone();
            let fine = match areas.get(area.as_str()) {
                Some(f) => *f,
                None => {
                    let f = crate::areas::entity::Entity::find_by_id(area.as_str())
                        .one(&txn)
                        .await?
                        .is_some()
                        && actor.can(Operation::ManageNetwork, &area);
                    areas.insert(area.to_string(), f);
                    f
                }
            };
            if !fine {
                report.errors.push(ImportRowError {
                    line: row.line,
                    errors: vec![FieldError::new("area_code", "area_not_found")],
                });
                continue;
            }
            if !seen.insert(item.identity()) {
                report.errors.push(ImportRowError {
                    line: row.line,
                    errors: vec![FieldError::new(item.identity_field(), "duplicate_in_file")],
                });
                continue;
            }
            if item.exists(&txn).await? {
                report.skipped += 1;
                continue;
            }
            report.added += 1;
            if report.errors.is_empty() && !plan.dry_run {
                added.push(item.insert(&txn).await?);
            }
        }
        if plan.dry_run || !report.errors.is_empty() {
            txn.rollback().await?;
            return Ok(report);
        }
        let now = Utc::now();
        let import = imports::ActiveModel {
            kind: Set(T::KIND.into()),
            file_name: Set(plan.file_name.chars().take(200).collect()),
            file_sha256: Set(plan.file_sha256.clone()),
            user_id: Set((actor.user_id != 0).then_some(actor.user_id)),
            started_at: Set(now),
            finished_at: Set(now),
            rows_total: Set(report.rows_total as i64),
            rows_added: Set(report.added as i64),
            rows_skipped: Set(report.skipped as i64),
            area_code: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            NewEntry::by(actor, T::AUDIT, meta)
                .entity("import", import.id)
                .detail(serde_json::json!({
                    "file_sha256": plan.file_sha256,
                    "rows": report.rows_total,
                    "added": report.added,
                    "skipped": report.skipped,
                    "ids": added,
                })),
        )
        .await?;
        txn.commit().await?;
        report.import_id = Some(import.id);
        Ok(report)
    }
}
