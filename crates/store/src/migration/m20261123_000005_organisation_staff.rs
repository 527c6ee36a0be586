//! Partner staff belong to an organisation: one organisation per user account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_organisation_staff"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("organisation_staff")
                .col(big_integer("user_id").primary_key())
                .col(big_integer("organisation_id"))
                .col(timestamp_with_time_zone("since"))
                .foreign_key(
                    ForeignKey::create()
                        .from("organisation_staff", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("organisation_staff", "organisation_id")
                        .to("organisations", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("organisation_staff_organisation")
                .table("organisation_staff")
                .col("organisation_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("organisation_staff").to_owned())
            .await
    }
}
