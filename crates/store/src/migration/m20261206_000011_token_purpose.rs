//! API tokens get a purpose: `api` (every route the holder's roles allow) or `sync` (only the
//! field app's routes, for a phone). Existing tokens stay `api`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000011_token_purpose"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("api_tokens")
                .add_column(string_len("purpose", 8).default("api"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("api_tokens")
                .drop_column("purpose")
                .to_owned(),
        )
        .await
    }
}
