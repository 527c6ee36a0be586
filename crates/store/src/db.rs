//! Connecting: backend choice from the URL, durable settings, migrations.

use std::path::Path;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;

use crate::Result;
use crate::migration::Migrator;

/// Where uploaded files go unless configured: beside an SQLite file (`ruamjai.db` →
/// `ruamjai-files/`), or `ruamjai-files/` in the working directory for PostgreSQL.
pub fn default_files_dir(url: &str) -> std::path::PathBuf {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .filter(|p| !p.is_empty() && !p.contains(":memory:"));
    match path {
        Some(p) => {
            let p = Path::new(p);
            let stem = p
                .file_stem()
                .map_or("ruamjai".into(), |s| s.to_string_lossy());
            p.with_file_name(format!("{stem}-files"))
        }
        None => "ruamjai-files".into(),
    }
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded, one file.
    Sqlite,
    /// Server, shared by several `serve` processes.
    Postgres,
}

/// The persistence handle: cheap to clone (a pool inside).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    /// Where uploaded files (visit photos) live, outside the web root.
    pub(crate) files: crate::files::Files,
    /// Public gap counts by area, kept for a while: the public page must not let anyone make
    /// the server scan a province's persons on every request.
    pub(crate) public_gaps: crate::timed::TimedCache<crate::assistance::PublicGaps>,
    /// Public dashboards by area, kept for a minute (see `Store::public_dashboard`).
    pub(crate) public_dashboards: crate::timed::TimedCache<crate::registry::Dashboard>,
}

impl Store {
    /// Connect to `url` (`sqlite://FILE` or `postgres://…`). SQLite files are created if missing
    /// and opened in WAL mode with `synchronous=FULL` for the whole file: audit rows and, later,
    /// money postings must survive a power cut once acknowledged. PostgreSQL keeps its defaults
    /// (which are durable).
    pub async fn connect(url: &str) -> Result<Self> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        if url.starts_with("sqlite:") {
            // One connection: SQLite has one writer anyway, and a single connection avoids
            // SQLITE_BUSY on read-to-write upgrades inside transactions.
            opts.max_connections(1).map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // 128 MiB page cache (the default 2 MiB thrashes on the indexes of a large
                    // registry) and temporary B-trees in memory.
                    .pragma("cache_size", "-131072")
                    .pragma("temp_store", "memory")
                    // Deleted content is overwritten with zeros, not left in free space: an
                    // erased person's name must not stay readable in the file (PDPA erasure;
                    // see `registry::privacy`). Deletes are rare here, so the cost is small.
                    .pragma("secure_delete", "on")
            });
        } else {
            opts.max_connections(16);
        }
        let db = Database::connect(opts).await?;
        Ok(Self {
            db,
            files: std::sync::Arc::new(crate::files::LocalDisk::new(default_files_dir(url))),
            public_gaps: crate::timed::TimedCache::new(crate::assistance::PUBLIC_GAPS_FOR),
            public_dashboards: crate::timed::TimedCache::new(
                crate::registry::counts::PUBLIC_DASHBOARD_FOR,
            ),
        })
    }

    /// Keep uploaded files in `files` instead of the default directory.
    pub fn with_files(mut self, files: crate::files::Files) -> Self {
        self.files = files;
        self
    }

    /// A `sqlite://` URL for a file path.
    pub fn sqlite_url(path: &Path) -> String {
        format!("sqlite://{}", path.display())
    }

    /// Apply every pending migration (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>> {
        Ok(Migrator::get_pending_migrations(&self.db)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// The connected backend.
    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            DbBackend::Sqlite => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        self.db.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// The raw connection, for tests that must prove what the database itself refuses.
    #[cfg(any(test, feature = "testing"))]
    pub fn raw(&self) -> &DatabaseConnection {
        &self.db
    }
}
