//! Care in the field: home visits (with the device-made id that makes sync idempotent), their
//! photos, the sync receipts and conflicts, operators' assignments, care plans with their items
//! and history, and issue groups.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20261123_000002_registry::{index, ts};
use super::m20261123_000004_network::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_care"
    }
}

/// Tables in creation order (dropped in reverse).
const TABLES: [&str; 12] = [
    "visits",
    "visit_photos",
    "visit_conflicts",
    "sync_receipts",
    "care_assignments",
    "care_plans",
    "care_plan_items",
    "care_plan_history",
    "issue_groups",
    "issue_group_members",
    "issue_group_persons",
    "issue_group_notes",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.create_table(
            Table::create()
                .table("visits")
                .col(big_pk_auto("id"))
                // Made on the device (a UUID): the same visit synced twice is one row.
                .col(string_len("client_id", 64).unique_key())
                .col(big_integer("person_id"))
                // The person's village when visited: scoping reads and lists by area.
                .col(string_len("village_code", 8))
                .col(big_integer_null("visitor_id"))
                .col(ts("visited_at"))
                .col(double_null("lat"))
                .col(double_null("lon"))
                .col(small_integer_null("systolic"))
                .col(small_integer_null("diastolic"))
                .col(small_integer_null("pulse"))
                .col(double_null("temperature"))
                .col(small_integer_null("spo2"))
                .col(small_integer_null("glucose"))
                .col(double_null("weight"))
                .col(double_null("height"))
                // `code:severity` pairs, comma-separated (what a nurse should look at).
                .col(text("flags").default(""))
                // Ten item scores in the form's order, comma-separated.
                .col(string_len_null("adl_scores", 32))
                .col(small_integer_null("adl_total"))
                .col(string_len_null("adl_group", 20))
                .col(text("needs").default(""))
                .col(text_null("needs_note"))
                .col(text_null("notes"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(big_integer_null("updated_by"))
                .col(integer("version").default(1))
                .foreign_key(&mut fk("visits", "person_id", "persons", Cascade))
                .foreign_key(&mut fk("visits", "village_code", "areas", Restrict))
                .foreign_key(&mut fk("visits", "visitor_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "visits",
            "visits_person",
            &["person_id", "visited_at"],
        ))
        .await?;
        m.create_index(index(
            "visits",
            "visits_village",
            &["village_code", "visited_at"],
        ))
        .await?;
        m.create_index(index(
            "visits",
            "visits_visitor",
            &["visitor_id", "visited_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("visit_photos")
                .col(big_pk_auto("id"))
                .col(string_len("client_id", 64).unique_key())
                .col(big_integer("visit_id"))
                .col(text("storage_key"))
                .col(integer("width"))
                .col(integer("height"))
                .col(integer("size"))
                .col(ts("created_at"))
                .col(big_integer_null("created_by"))
                .foreign_key(&mut fk("visit_photos", "visit_id", "visits", Cascade))
                .foreign_key(&mut fk("visit_photos", "created_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("visit_photos", "visit_photos_visit", &["visit_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("visit_conflicts")
                .col(big_pk_auto("id"))
                .col(big_integer("visit_id"))
                .col(integer("base_version"))
                .col(integer("current_version"))
                // The edit as it arrived (the visit form, JSON), kept for review.
                .col(text("payload"))
                .col(big_integer_null("submitted_by"))
                .col(ts("submitted_at"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(big_integer_null("resolved_by"))
                .col(string_len_null("resolution", 16))
                .foreign_key(&mut fk("visit_conflicts", "visit_id", "visits", Cascade))
                .foreign_key(&mut fk("visit_conflicts", "submitted_by", "users", SetNull))
                .foreign_key(&mut fk("visit_conflicts", "resolved_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "visit_conflicts",
            "visit_conflicts_visit",
            &["visit_id"],
        ))
        .await?;

        // One row per change a device sent (its own id): a retried change answers what the
        // first attempt did, and never applies twice.
        m.create_table(
            Table::create()
                .table("sync_receipts")
                .col(string_len("op_id", 64).primary_key())
                .col(big_integer_null("user_id"))
                .col(big_integer("visit_id"))
                .col(string_len("outcome", 16))
                // The visit's version this change left (a retry answers it, not a later one).
                .col(integer("version"))
                .col(big_integer_null("conflict_id"))
                .col(ts("at"))
                .foreign_key(&mut fk("sync_receipts", "visit_id", "visits", Cascade))
                .foreign_key(&mut fk("sync_receipts", "user_id", "users", SetNull))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("care_assignments")
                .col(big_integer("user_id"))
                .col(big_integer("person_id"))
                .col(big_integer_null("assigned_by"))
                .col(ts("assigned_at"))
                .primary_key(Index::create().col("user_id").col("person_id"))
                .foreign_key(&mut fk("care_assignments", "user_id", "users", Cascade))
                .foreign_key(&mut fk("care_assignments", "person_id", "persons", Cascade))
                .foreign_key(&mut fk("care_assignments", "assigned_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "care_assignments",
            "care_assignments_person",
            &["person_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("care_plans")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id").unique_key())
                .col(small_integer("visit_every_days"))
                .col(date_null("review_on"))
                .col(text_null("summary"))
                .col(string_len("status", 16).default("active"))
                .col(ts("created_at"))
                .col(big_integer_null("created_by"))
                .col(ts("updated_at"))
                .col(integer("version").default(1))
                .foreign_key(&mut fk("care_plans", "person_id", "persons", Cascade))
                .foreign_key(&mut fk("care_plans", "created_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("care_plan_items")
                .col(big_pk_auto("id"))
                .col(big_integer("plan_id"))
                .col(string_len("kind", 16))
                .col(text("text"))
                .col(big_integer_null("organisation_id"))
                .col(big_integer_null("volunteer_id"))
                .col(date_null("due_on"))
                .col(string_len("status", 16).default("open"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("care_plan_items", "plan_id", "care_plans", Cascade))
                .foreign_key(&mut fk(
                    "care_plan_items",
                    "organisation_id",
                    "organisations",
                    SetNull,
                ))
                .foreign_key(&mut fk(
                    "care_plan_items",
                    "volunteer_id",
                    "volunteers",
                    SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "care_plan_items",
            "care_plan_items_plan",
            &["plan_id"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("care_plan_history")
                .col(big_pk_auto("id"))
                .col(big_integer("plan_id"))
                .col(ts("at"))
                .col(big_integer_null("user_id"))
                // What changed: `{"change": "item_added", "kind": …, "text": …, …}`.
                .col(text("change"))
                .foreign_key(&mut fk(
                    "care_plan_history",
                    "plan_id",
                    "care_plans",
                    Cascade,
                ))
                .foreign_key(&mut fk("care_plan_history", "user_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "care_plan_history",
            "care_plan_history_plan",
            &["plan_id", "at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("issue_groups")
                .col(big_pk_auto("id"))
                .col(text("name"))
                .col(text_null("description"))
                .col(string_len("area_code", 8))
                .col(big_integer_null("created_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("issue_groups", "area_code", "areas", Restrict))
                .foreign_key(&mut fk("issue_groups", "created_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("issue_groups", "issue_groups_area", &["area_code"]))
            .await?;
        for (table, col, to) in [
            ("issue_group_members", "user_id", "users"),
            ("issue_group_persons", "person_id", "persons"),
        ] {
            m.create_table(
                Table::create()
                    .table(table)
                    .col(big_integer("group_id"))
                    .col(big_integer(col))
                    .col(big_integer_null("added_by"))
                    .col(ts("added_at"))
                    .primary_key(Index::create().col("group_id").col(col))
                    .foreign_key(&mut fk(table, "group_id", "issue_groups", Cascade))
                    .foreign_key(&mut fk(table, col, to, Cascade))
                    .foreign_key(&mut fk(table, "added_by", "users", SetNull))
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(index(
            "issue_group_members",
            "issue_group_members_user",
            &["user_id"],
        ))
        .await?;
        m.create_index(index(
            "issue_group_persons",
            "issue_group_persons_person",
            &["person_id"],
        ))
        .await?;
        // The group plans together: a running record of what members agreed and did.
        m.create_table(
            Table::create()
                .table("issue_group_notes")
                .col(big_pk_auto("id"))
                .col(big_integer("group_id"))
                .col(big_integer_null("user_id"))
                .col(text("text"))
                .col(ts("at"))
                .foreign_key(&mut fk(
                    "issue_group_notes",
                    "group_id",
                    "issue_groups",
                    Cascade,
                ))
                .foreign_key(&mut fk("issue_group_notes", "user_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().rev() {
            m.drop_table(Table::drop().table(*t).to_owned()).await?;
        }
        Ok(())
    }
}
