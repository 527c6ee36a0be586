//! Test helpers: a fresh, migrated database per test, on SQLite or PostgreSQL.
//!
//! SQLite tests use a new file in the temp directory. PostgreSQL tests create a new database
//! on the server named by `RUAMJAI_TEST_DATABASE_URL` (e.g. `postgres://127.0.0.1:5432/test`)
//! and drop it afterwards, so tests run in parallel without sharing state. When that variable
//! is unset PostgreSQL tests are skipped, except under `CI=true`, where they fail instead: a
//! green CI must mean both backends passed.

use std::path::PathBuf;

use ruamjai_domain::areas::AreaCode;
use ruamjai_domain::audit::RequestMeta;
use ruamjai_domain::auth::{Actor, Role};
use sea_orm::{ConnectionTrait, Database};

use crate::Store;
use crate::auth::{NewUser, User};

/// Environment variable naming the PostgreSQL server for tests.
pub const PG_ENV: &str = "RUAMJAI_TEST_DATABASE_URL";

/// A password that satisfies the password rules, for fixtures.
pub const PASSWORD: &str = "correct horse battery";

/// A migrated throwaway database; removed when dropped.
pub struct TestDb {
    /// The store connected to it.
    pub store: Store,
    /// Its URL (for tests that start a server process on the same database).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh SQLite file.
    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("ruamjai-test-{}.db", uuid::Uuid::new_v4()));
        let url = Store::sqlite_url(&path);
        let store = Store::connect(&url).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        Self {
            store,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    /// A fresh PostgreSQL database, or `None` when no server is configured (outside CI).
    pub async fn postgres() -> Option<Self> {
        let admin_url = match std::env::var(PG_ENV) {
            Ok(u) if !u.is_empty() => u,
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("{PG_ENV} must be set under CI: PostgreSQL tests may not be skipped")
            }
            _ => return None,
        };
        let name = format!("ruamjai_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = replace_db_name(&admin_url, &name);
        let store = Store::connect(&url)
            .await
            .expect("connect test database")
            .with_files(std::sync::Arc::new(crate::files::LocalDisk::new(
                files_dir_for(&name),
            )));
        store.migrate().await.expect("migrate postgres");
        Some(Self {
            store,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }
}

impl TestDb {
    /// Where this database's uploaded files (visit photos) are kept.
    pub fn files_dir(&self) -> PathBuf {
        match &self.cleanup {
            Cleanup::File(_) => crate::default_files_dir(&self.url),
            Cleanup::Postgres { name, .. } => files_dir_for(name),
        }
    }

    /// The database file, when the database is SQLite.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &self.cleanup {
            Cleanup::File(p) => Some(p),
            Cleanup::Postgres { .. } => None,
        }
    }
}

/// The file store directory of a PostgreSQL test database.
fn files_dir_for(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{name}-files"))
}

/// `postgres://host:port/db?x` with `db` replaced.
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                let _ = std::fs::remove_dir_all(crate::default_files_dir(&self.url));
            }
            Cleanup::Postgres { admin_url, name } => {
                let _ = std::fs::remove_dir_all(files_dir_for(name));
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: do the async work on a thread of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Create a user with one grant (through the trusted command-line path) and return it with
/// its actor.
pub async fn user_with_role(
    store: &Store,
    email: &str,
    role: Role,
    area: Option<&str>,
) -> (User, Actor) {
    let area = area.map(|a| AreaCode::parse(a).expect("test area code"));
    let created = store
        .create_user(
            None,
            NewUser {
                email: email.into(),
                display_name: email.split('@').next().unwrap_or(email).into(),
                password: Some(PASSWORD.into()),
                locale: "th".into(),
            },
            Some((role, area)),
            &RequestMeta::cli(),
        )
        .await
        .expect("create fixture user");
    let actor = store.actor(created.user.id).await.expect("actor");
    (created.user, actor)
}

/// Make villages `(subdistrict, number)`, named `บ้านทดสอบ N`, as the command line would.
pub async fn villages(store: &Store, list: &[(&str, u8)]) {
    for (sub, no) in list {
        store
            .create_village(
                &Actor::command_line(),
                &code(sub),
                crate::areas::NewVillage {
                    village_no: *no,
                    name_th: format!("บ้านทดสอบ {no}"),
                    name_en: String::new(),
                },
                &RequestMeta::default(),
            )
            .await
            .expect("fixture village");
    }
}

/// Parse an area code in tests.
pub fn code(s: &str) -> AreaCode {
    AreaCode::parse(s).expect("test area code")
}

/// Generate `NAME::sqlite` and `NAME::postgres` tests from `async fn NAME(db: TestDb)`, so one
/// test body runs against both backends. The calling crate needs `tokio` (macros, rt-multi-thread).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::testing::TestDb::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::testing::TestDb::postgres().await {
                    super::$name(db).await
                }
            }
        }
    )*};
}
