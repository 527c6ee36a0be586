//! The SQLite import writer: a thread that owns its own connection to the database file and runs
//! one transaction, fed through a short queue.
//!
//! Batches of rows are queued without waiting, so the importing task checks the next batch while
//! this thread writes the last one (the queue holds two, which bounds memory). The first failure
//! is kept and returned by every later request, and the transaction is then rolled back. If the
//! writer is dropped before [`Writer::finish`] (a cancelled import, a panic), the thread sees its
//! queue close and the connection closes with the transaction open, which SQLite rolls back.

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::SecondsFormat;
use rusqlite::types::Value as LiteValue;
use rusqlite::{Connection, OpenFlags};
use sea_orm::sea_query::Value;
use sea_orm::{DbErr, Statement};
use tokio::sync::{mpsc, oneshot};

use super::{Cell, Rows, TextRows, Ty};
use crate::{Result, StoreError};

enum Cmd {
    Exec(Statement, oneshot::Sender<Result<u64, String>>),
    Query(Statement, oneshot::Sender<Result<TextRows, String>>),
    Insert {
        table: &'static str,
        cols: &'static [(&'static str, Ty)],
        rows: Rows,
    },
    Finish {
        commit: bool,
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// Handle to the writer thread.
pub(crate) struct Writer {
    queue: mpsc::Sender<Cmd>,
    thread: Option<JoinHandle<()>>,
}

fn lost() -> StoreError {
    db_error("the import writer stopped".to_owned())
}

fn db_error(message: String) -> StoreError {
    StoreError::Db(DbErr::Custom(format!("sqlite import writer: {message}")))
}

impl Writer {
    /// Open a connection to `path` with the store's settings and begin the transaction
    /// (`BEGIN IMMEDIATE` when it will write, waiting up to the busy timeout for the lock).
    pub(crate) async fn open(path: PathBuf, write: bool) -> Result<Self> {
        let (queue, rx) = mpsc::channel(2);
        let (ready_tx, ready_rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("import-writer".into())
            .spawn(move || run(path, write, rx, ready_tx))
            .map_err(|e| db_error(e.to_string()))?;
        let w = Self {
            queue,
            thread: Some(thread),
        };
        ready_rx.await.map_err(|_| lost())?.map_err(db_error)?;
        Ok(w)
    }

    pub(crate) async fn exec(&self, stmt: Statement) -> Result<u64> {
        let (tx, rx) = oneshot::channel();
        self.send(Cmd::Exec(stmt, tx)).await?;
        rx.await.map_err(|_| lost())?.map_err(db_error)
    }

    pub(crate) async fn query(&self, stmt: Statement) -> Result<TextRows> {
        let (tx, rx) = oneshot::channel();
        self.send(Cmd::Query(stmt, tx)).await?;
        rx.await.map_err(|_| lost())?.map_err(db_error)
    }

    pub(crate) async fn insert(
        &self,
        table: &'static str,
        cols: &'static [(&'static str, Ty)],
        rows: Rows,
    ) -> Result<()> {
        self.send(Cmd::Insert { table, cols, rows }).await
    }

    /// Commit (or roll back) and stop the thread.
    pub(crate) async fn finish(mut self, commit: bool) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.send(Cmd::Finish { commit, reply: tx }).await?;
        let r = rx.await.map_err(|_| lost())?.map_err(db_error);
        if let Some(t) = self.thread.take() {
            // The thread ends right after replying; joining keeps its connection's close (and
            // the WAL checkpoint it may run) inside the import's time.
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
        r
    }

    async fn send(&self, cmd: Cmd) -> Result<()> {
        self.queue.send(cmd).await.map_err(|_| lost())
    }
}

fn open(path: &PathBuf, write: bool) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // The store's settings (see `Store::connect`) for durable commits; a larger page cache for
    // the indexes a big import touches, freed when the import ends.
    //
    // Foreign keys are not enforced on this connection, as bulk loaders commonly do: checking
    // them cost a million-row import 0.6 s of its 8 s, and every reference an import writes is
    // one it has just made sure of (villages looked up in the same transaction, which holds
    // the write lock; household, person and import ids made in it). PostgreSQL imports do
    // enforce them, and the store tests run `PRAGMA foreign_key_check` after SQLite imports.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; PRAGMA synchronous = FULL; \
         PRAGMA cache_size = -262144; PRAGMA temp_store = memory; \
         PRAGMA secure_delete = ON;",
    )?;
    conn.execute_batch(if write { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
    Ok(conn)
}

fn run(
    path: PathBuf,
    write: bool,
    mut rx: mpsc::Receiver<Cmd>,
    ready: oneshot::Sender<Result<(), String>>,
) {
    let conn = match open(&path, write) {
        Ok(c) => {
            let _ = ready.send(Ok(()));
            c
        }
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            return;
        }
    };
    let mut failed: Option<String> = None;
    while let Some(cmd) = rx.blocking_recv() {
        match cmd {
            Cmd::Insert { table, cols, rows } => {
                if failed.is_none()
                    && let Err(e) = insert(&conn, table, cols, &rows)
                {
                    failed = Some(format!("{table}: {e}"));
                }
            }
            Cmd::Exec(stmt, reply) => {
                let r = match &failed {
                    Some(f) => Err(f.clone()),
                    None => exec(&conn, &stmt).map_err(|e| e.to_string()),
                };
                let _ = reply.send(r);
            }
            Cmd::Query(stmt, reply) => {
                let r = match &failed {
                    Some(f) => Err(f.clone()),
                    None => query(&conn, &stmt).map_err(|e| e.to_string()),
                };
                let _ = reply.send(r);
            }
            Cmd::Finish { commit, reply } => {
                let r = match (&failed, commit) {
                    (Some(f), true) => {
                        let _ = conn.execute_batch("ROLLBACK");
                        Err(f.clone())
                    }
                    (_, true) => conn.execute_batch("COMMIT").map_err(|e| e.to_string()),
                    (_, false) => conn.execute_batch("ROLLBACK").map_err(|e| e.to_string()),
                };
                drop(conn);
                let _ = reply.send(r);
                return;
            }
        }
    }
    // The queue closed without `Finish`: closing the connection rolls the transaction back.
}

fn insert(
    conn: &Connection,
    table: &str,
    cols: &[(&str, Ty)],
    rows: &Rows,
) -> rusqlite::Result<()> {
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let marks = vec!["?"; cols.len()].join(", ");
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({marks})",
        names.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    for row in rows.cells.chunks(cols.len()) {
        for (i, c) in row.iter().enumerate() {
            let at = i + 1;
            match *c {
                Cell::Null => stmt.raw_bind_parameter(at, rusqlite::types::Null)?,
                Cell::Int(v) => stmt.raw_bind_parameter(at, v)?,
                Cell::Float(v) => stmt.raw_bind_parameter(at, v)?,
                Cell::Bool(v) => stmt.raw_bind_parameter(at, v as i64)?,
                Cell::Text(s, e) => stmt.raw_bind_parameter(at, rows.str_of(s, e))?,
            }
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// A SeaORM value as SQLite stores it, in the forms sqlx uses (so rows written here read back
/// through the store like any other).
fn value(v: &Value) -> std::result::Result<LiteValue, String> {
    use LiteValue as L;
    let int = |i: Option<i64>| i.map_or(L::Null, L::Integer);
    Ok(match v {
        Value::Bool(b) => int(b.map(i64::from)),
        Value::TinyInt(i) => int(i.map(i64::from)),
        Value::SmallInt(i) => int(i.map(i64::from)),
        Value::Int(i) => int(i.map(i64::from)),
        Value::BigInt(i) => int(*i),
        Value::TinyUnsigned(i) => int(i.map(i64::from)),
        Value::SmallUnsigned(i) => int(i.map(i64::from)),
        Value::Unsigned(i) => int(i.map(i64::from)),
        Value::Float(f) => f.map_or(L::Null, |f| L::Real(f64::from(f))),
        Value::Double(f) => f.map_or(L::Null, L::Real),
        Value::String(s) => s.clone().map_or(L::Null, L::Text),
        Value::Char(c) => c.map_or(L::Null, |c| L::Text(c.to_string())),
        Value::Bytes(b) => b.clone().map_or(L::Null, L::Blob),
        Value::Json(j) => j.as_ref().map_or(L::Null, |j| L::Text(j.to_string())),
        Value::ChronoDate(d) => d.map_or(L::Null, |d| L::Text(d.format("%F").to_string())),
        Value::ChronoDateTime(d) => {
            d.map_or(L::Null, |d| L::Text(d.format("%F %T%.f").to_string()))
        }
        Value::ChronoDateTimeUtc(d) => d.map_or(L::Null, |d| {
            L::Text(d.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        other => return Err(format!("unsupported value {other:?}")),
    })
}

fn params(stmt: &Statement) -> rusqlite::Result<Vec<LiteValue>> {
    stmt.values
        .iter()
        .flat_map(|v| v.0.iter())
        .map(|v| value(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into())))
        .collect()
}

fn exec(conn: &Connection, stmt: &Statement) -> rusqlite::Result<u64> {
    let p = params(stmt)?;
    let n = conn
        .prepare_cached(&stmt.sql)?
        .execute(rusqlite::params_from_iter(p))?;
    Ok(n as u64)
}

fn query(conn: &Connection, stmt: &Statement) -> rusqlite::Result<TextRows> {
    use rusqlite::types::ValueRef;
    let p = params(stmt)?;
    let mut s = conn.prepare_cached(&stmt.sql)?;
    let width = s.column_count();
    let mut rows = s.query(rusqlite::params_from_iter(p))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            cells.push(match r.get_ref(i)? {
                ValueRef::Null => None,
                ValueRef::Integer(v) => Some(v.to_string()),
                ValueRef::Real(v) => Some(v.to_string()),
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    Some(String::from_utf8_lossy(t).into_owned())
                }
            });
        }
        out.push(cells);
    }
    Ok(out)
}
