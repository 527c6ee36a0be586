//! Store tests. Every test runs on SQLite and on PostgreSQL (see `ruamjai_store::testing`).

mod areas;
mod audit;
mod auth;

pub use ruamjai_store::testing::TestDb;

/// Generate `NAME::sqlite` and `NAME::postgres` tests from `async fn NAME(db: TestDb)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::TestDb::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::TestDb::postgres().await {
                    super::$name(db).await
                }
            }
        }
    )*};
}
