//! Assistance: the programmes agencies run and what each person receives from them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20261123_000002_registry::{index, ts};
use super::m20261123_000004_network::fk;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_assistance"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        m.create_table(
            Table::create()
                .table("programmes")
                .col(big_pk_auto("id"))
                .col(text("name"))
                .col(string_len("kind", 24))
                .col(string_len("area_code", 8))
                .col(big_integer_null("organisation_id"))
                // Money in satang (whole numbers: nothing is lost to rounding).
                .col(big_integer_null("amount_satang"))
                .col(string_len_null("period", 12))
                .col(ts("created_at"))
                .col(big_integer_null("created_by"))
                .foreign_key(&mut fk("programmes", "area_code", "areas", Restrict))
                .foreign_key(&mut fk(
                    "programmes",
                    "organisation_id",
                    "organisations",
                    SetNull,
                ))
                .foreign_key(&mut fk("programmes", "created_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("programmes", "programmes_area", &["area_code"]))
            .await?;
        m.create_table(
            Table::create()
                .table("assistance")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(big_integer("programme_id"))
                .col(date_null("since"))
                .col(date_null("until"))
                .col(text_null("source"))
                .col(ts("created_at"))
                .col(big_integer_null("created_by"))
                .foreign_key(&mut fk("assistance", "person_id", "persons", Cascade))
                .foreign_key(&mut fk(
                    "assistance",
                    "programme_id",
                    "programmes",
                    Restrict,
                ))
                .foreign_key(&mut fk("assistance", "created_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("assistance", "assistance_person", &["person_id"]))
            .await?;
        m.create_index(index(
            "assistance",
            "assistance_programme",
            &["programme_id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["assistance", "programmes"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
