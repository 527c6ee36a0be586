//! The one set of migrations gives both backends the same schema, and can be undone.

use std::collections::BTreeSet;

use ruamjai_store::migration::Migrator;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;

use crate::{TestDb, both};

both!(migrations_go_down_and_up_again);

/// `table.column` for every user table, whatever the backend.
async fn columns(db: &DatabaseConnection) -> BTreeSet<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        _ => {
            "SELECT table_name || '.' || column_name FROM information_schema.columns \
             WHERE table_schema = 'public'"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_tables_and_columns() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let lite = TestDb::sqlite().await;
    let (a, b) = (
        columns(lite.store.raw()).await,
        columns(pg.store.raw()).await,
    );
    assert!(a.contains("audit_log.request_id") && a.len() > 40, "{a:?}");
    assert_eq!(a, b);
}

async fn migrations_go_down_and_up_again(db: TestDb) {
    let raw = db.store.raw();
    let before = columns(raw).await;
    Migrator::down(raw, None).await.unwrap();
    let empty = columns(raw).await;
    assert!(
        empty.iter().all(|c| c.starts_with("seaql_migrations.")),
        "{empty:?}"
    );
    Migrator::up(raw, None).await.unwrap();
    assert_eq!(columns(raw).await, before);
    assert_eq!(
        db.store
            .count_areas(ruamjai_domain::areas::AreaLevel::Subdistrict)
            .await
            .unwrap(),
        7_436
    );
}
