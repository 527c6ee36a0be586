//! The identity index covers only persons without an ID number.
//!
//! A person with an ID number is identified by that number, which already has its unique
//! index; the identity key (a hash of names, birth date and village) is looked up only for
//! persons without one. Indexing it for everybody doubled the random-order index work of every
//! import for no lookup.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_identity_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX persons_identity").await?;
        // Same text on SQLite and PostgreSQL (both have partial indexes).
        db.execute_unprepared(
            "CREATE INDEX persons_identity ON persons (identity_key) WHERE id_number IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX persons_identity").await?;
        db.execute_unprepared("CREATE INDEX persons_identity ON persons (identity_key)")
            .await?;
        Ok(())
    }
}
