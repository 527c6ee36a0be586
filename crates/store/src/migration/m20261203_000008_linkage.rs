//! Record linkage in the product: runs, the records of imported rolls (kept as they came), the
//! clerical review queue and person merges (with what each moved, so it can be undone).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20261123_000002_registry::{index, ts};
use super::m20261123_000004_network::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000008_linkage"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.create_table(
            Table::create()
                .table("link_runs")
                .col(big_pk_auto("id"))
                .col(string_len("kind", 8))
                .col(string_len("area_code", 8))
                .col(big_integer_null("programme_id"))
                .col(text_null("file_name"))
                .col(string_len_null("file_sha256", 64))
                .col(double("auto_threshold"))
                .col(double("review_threshold"))
                .col(big_integer("records"))
                .col(big_integer("candidates"))
                .col(big_integer("applied"))
                .col(big_integer("queued"))
                .col(big_integer("unmatched"))
                .col(big_integer_null("started_by"))
                .col(ts("started_at"))
                .col(ts("finished_at"))
                .foreign_key(&mut fk("link_runs", "area_code", "areas", Restrict))
                .foreign_key(&mut fk("link_runs", "programme_id", "programmes", Cascade))
                .foreign_key(&mut fk("link_runs", "started_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        // The same roll file for the same programme is linked once.
        m.create_index(
            index(
                "link_runs",
                "link_runs_roll_file",
                &["programme_id", "file_sha256"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("roll_records")
                .col(big_pk_auto("id"))
                .col(big_integer("run_id"))
                .col(integer("line"))
                // The row as it came: {"header": "cell", …} in column order.
                .col(text("fields"))
                .col(text("name"))
                .col(string_len_null("village_code", 8))
                .col(string_len("status", 12))
                .col(big_integer_null("person_id"))
                .col(big_integer_null("assistance_id"))
                .foreign_key(&mut fk("roll_records", "run_id", "link_runs", Cascade))
                .foreign_key(&mut fk("roll_records", "person_id", "persons", SetNull))
                .foreign_key(&mut fk(
                    "roll_records",
                    "assistance_id",
                    "assistance",
                    SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "roll_records",
            "roll_records_run",
            &["run_id", "line"],
        ))
        .await?;
        m.create_index(index("roll_records", "roll_records_person", &["person_id"]))
            .await?;
        m.create_table(
            Table::create()
                .table("link_reviews")
                .col(big_pk_auto("id"))
                .col(big_integer("run_id"))
                .col(string_len("kind", 8))
                .col(big_integer("person_id"))
                .col(string_len("village_code", 8))
                .col(big_integer_null("other_person_id"))
                .col(string_len_null("other_village_code", 8))
                .col(big_integer_null("roll_record_id"))
                .col(double("probability"))
                // The weight of each field's agreement, as the model explained it.
                .col(text("explain"))
                .col(string_len("status", 12))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(big_integer_null("merge_id"))
                .foreign_key(&mut fk("link_reviews", "run_id", "link_runs", Cascade))
                .foreign_key(&mut fk("link_reviews", "person_id", "persons", Cascade))
                .foreign_key(&mut fk(
                    "link_reviews",
                    "other_person_id",
                    "persons",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "link_reviews",
                    "roll_record_id",
                    "roll_records",
                    Cascade,
                ))
                .foreign_key(&mut fk("link_reviews", "decided_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "link_reviews",
            "link_reviews_queue",
            &["status", "village_code"],
        ))
        .await?;
        m.create_index(index(
            "link_reviews",
            "link_reviews_pair",
            &["person_id", "other_person_id"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("person_merges")
                .col(big_pk_auto("id"))
                .col(big_integer("survivor_id"))
                .col(big_integer("merged_id"))
                .col(big_integer_null("review_id"))
                .col(string_len("prior_status", 10))
                .col(date_null("prior_status_date"))
                .col(integer("prior_version"))
                // What the merge moved from the merged person to the survivor: JSON rows.
                .col(text("moves"))
                .col(big_integer_null("merged_by"))
                .col(ts("merged_at"))
                .col(big_integer_null("undone_by"))
                .col(timestamp_with_time_zone_null("undone_at"))
                .foreign_key(&mut fk("person_merges", "survivor_id", "persons", Cascade))
                .foreign_key(&mut fk("person_merges", "merged_id", "persons", Cascade))
                .foreign_key(&mut fk(
                    "person_merges",
                    "review_id",
                    "link_reviews",
                    SetNull,
                ))
                .foreign_key(&mut fk("person_merges", "merged_by", "users", SetNull))
                .foreign_key(&mut fk("person_merges", "undone_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "person_merges",
            "person_merges_merged",
            &["merged_id"],
        ))
        .await?;
        m.create_index(index(
            "person_merges",
            "person_merges_survivor",
            &["survivor_id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["person_merges", "link_reviews", "roll_records", "link_runs"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
