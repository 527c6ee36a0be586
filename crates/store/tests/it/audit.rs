use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::Role;
use ruamjai_store::areas::NewVillage;
use ruamjai_store::testing::{code, user_with_role};
use sea_orm::ConnectionTrait;

use crate::{TestDb, both};

both!(
    audit_rows_cannot_be_changed_or_removed,
    audit_readers_see_their_area_only
);

async fn audit_rows_cannot_be_changed_or_removed(db: TestDb) {
    let s = &db.store;
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let before = s.list_audit(&admin, None, 100).await.unwrap();
    assert!(
        before.len() >= 2,
        "user creation and grant are audited: {before:?}"
    );
    // The application's own connection (its database role) is refused by the database.
    let raw = s.raw();
    for sql in [
        "UPDATE audit_log SET action = 'tampered'",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor_user_id = NULL WHERE id = 1",
    ] {
        assert!(
            raw.execute_unprepared(sql).await.is_err(),
            "{sql} must fail"
        );
    }
    if s.backend() == ruamjai_store::Backend::Postgres {
        assert!(raw.execute_unprepared("TRUNCATE audit_log").await.is_err());
    }
    assert_eq!(s.list_audit(&admin, None, 100).await.unwrap(), before);
}

async fn audit_readers_see_their_area_only(db: TestDb) {
    let s = &db.store;
    let meta = RequestMeta::default();
    let (_, admin) = user_with_role(s, "admin@example.org", Role::Admin, None).await;
    let (_, a) = user_with_role(s, "a@example.org", Role::AreaAdmin, Some("5501")).await;
    let v = |n| NewVillage {
        village_no: n,
        name_th: format!("บ้าน {n}"),
        name_en: String::new(),
    };
    s.create_village(&admin, &code("550101"), v(1), &meta)
        .await
        .unwrap();
    s.create_village(&admin, &code("550202"), v(1), &meta)
        .await
        .unwrap();
    let seen = s.list_audit(&a, None, 100).await.unwrap();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|e| e
            .area_code
            .as_deref()
            .is_some_and(|c| c.starts_with("5501"))),
        "{seen:?}"
    );
    let all = s.list_audit(&admin, None, 100).await.unwrap();
    assert!(
        all.iter()
            .any(|e| e.area_code.as_deref() == Some("55020201"))
    );
}

/// Acknowledged audit rows (and, later, money postings) must survive a power cut: the SQLite
/// file runs in WAL mode with synchronous=FULL on every connection.
#[tokio::test]
async fn sqlite_is_durable_wal_with_full_sync() {
    use sea_orm::{ConnectionTrait, Statement};
    let db = TestDb::sqlite().await;
    let raw = db.store.raw();
    let one = |sql: &str| {
        let stmt = Statement::from_string(raw.get_database_backend(), sql.to_owned());
        async move { raw.query_one_raw(stmt).await.unwrap().unwrap() }
    };
    let mode: String = one("PRAGMA journal_mode")
        .await
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i32 = one("PRAGMA synchronous").await.try_get_by_index(0).unwrap();
    assert_eq!(sync, 2, "FULL");
    let fk: i32 = one("PRAGMA foreign_keys")
        .await
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(fk, 1);
}
