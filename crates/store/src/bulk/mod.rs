//! Bulk writing for imports: one transaction that takes batches of typed rows.
//!
//! An import is one transaction ([`BulkTx`]) on either backend:
//!
//! - **PostgreSQL**: a SeaORM transaction; each batch of rows travels as one JSON parameter that
//!   the server unpacks (`json_array_elements`), so thousands of rows cost one round trip.
//! - **SQLite**: a writer thread with its own connection to the same file ([`lite`]), which
//!   inserts batches through one prepared statement per table while the importing task checks
//!   the next batch. Binding thousands of parameters through sqlx (or asking SQLite to unpack
//!   JSON) cost more than the B-tree work itself; a prepared statement bound value by value is
//!   the cheapest way into SQLite there is. Readers keep reading during an import (WAL).
//!
//! Everything else an import runs inside its transaction (the import record, counts, the audit
//! entry, lookups) is built once with SeaORM / sea-query as a [`Statement`] and executed by
//! either backend, so no query exists twice.

mod lite;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait};

use crate::{Result, Store, StoreError};

/// How a column is typed when unpacked (PostgreSQL casts the JSON text to it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Int,
    Text,
    Date,
    Ts,
    Float,
    Bool,
}

/// One cell of a batch; text lives in the batch's shared buffer (no allocation per cell).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Byte range in [`Rows::text`].
    Text(u32, u32),
}

/// A batch of rows for one table, written cell by cell in the table's column order.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    cells: Vec<Cell>,
    text: String,
    rows: usize,
}

impl Rows {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// Start a row (cells follow in column order).
    pub(crate) fn row(&mut self) -> &mut Self {
        self.rows += 1;
        self
    }

    pub(crate) fn int(&mut self, v: Option<i64>) -> &mut Self {
        self.cells.push(v.map_or(Cell::Null, Cell::Int));
        self
    }

    pub(crate) fn text(&mut self, v: Option<&str>) -> &mut Self {
        let cell = match v {
            Some(s) => {
                let start = self.text.len();
                self.text.push_str(s);
                Cell::Text(start as u32, self.text.len() as u32)
            }
            None => Cell::Null,
        };
        self.cells.push(cell);
        self
    }

    pub(crate) fn float(&mut self, v: Option<f64>) -> &mut Self {
        self.cells
            .push(v.filter(|f| f.is_finite()).map_or(Cell::Null, Cell::Float));
        self
    }

    pub(crate) fn boolean(&mut self, v: Option<bool>) -> &mut Self {
        self.cells.push(v.map_or(Cell::Null, Cell::Bool));
        self
    }

    pub(crate) fn date(&mut self, v: Option<NaiveDate>) -> &mut Self {
        match v {
            Some(d) => {
                use std::fmt::Write;
                let start = self.text.len();
                write!(self.text, "{}", d.format("%F")).expect("writing to a string");
                self.cells
                    .push(Cell::Text(start as u32, self.text.len() as u32));
            }
            None => self.cells.push(Cell::Null),
        }
        self
    }

    /// A timestamp in the form sqlx writes on SQLite (RFC 3339), which PostgreSQL also reads.
    pub(crate) fn ts(&mut self, v: DateTime<Utc>) -> &mut Self {
        let s = v.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        self.text(Some(&s))
    }

    /// The text of a [`Cell::Text`].
    fn str_of(&self, start: u32, end: u32) -> &str {
        &self.text[start as usize..end as usize]
    }

    /// The rows as a JSON array of arrays (the PostgreSQL route).
    fn to_json(&self, width: usize) -> String {
        let mut out = String::with_capacity(self.text.len() * 2 + self.cells.len() * 4);
        out.push('[');
        for (r, row) in self.cells.chunks(width).enumerate() {
            if r > 0 {
                out.push(',');
            }
            out.push('[');
            for (i, c) in row.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match *c {
                    Cell::Null => out.push_str("null"),
                    Cell::Int(v) => out.push_str(&v.to_string()),
                    Cell::Float(v) => out.push_str(&v.to_string()),
                    Cell::Bool(v) => out.push_str(if v { "true" } else { "false" }),
                    Cell::Text(s, e) => out.push_str(
                        &serde_json::to_string(self.str_of(s, e)).expect("strings serialise"),
                    ),
                }
            }
            out.push(']');
        }
        out.push(']');
        out
    }
}

/// Text cells of query results (select columns as text, `CAST(x AS TEXT)`, for both backends).
pub(crate) type TextRows = Vec<Vec<Option<String>>>;

/// The one transaction of an import.
pub(crate) enum BulkTx {
    Orm(DatabaseTransaction),
    Lite(lite::Writer),
}

impl Store {
    /// Open the transaction of an import. `write`: take the write lock from the start (SQLite
    /// `BEGIN IMMEDIATE`); a dry run only reads.
    pub(crate) async fn bulk_begin(&self, write: bool) -> Result<BulkTx> {
        if self.db.get_database_backend() == DbBackend::Sqlite {
            let opts = self.db.get_sqlite_connection_pool().connect_options();
            let path = opts.get_filename().to_path_buf();
            if path.as_os_str() == ":memory:" {
                return Err(StoreError::Db(sea_orm::DbErr::Custom(
                    "imports need a database file, not an in-memory database".into(),
                )));
            }
            return Ok(BulkTx::Lite(lite::Writer::open(path, write).await?));
        }
        Ok(BulkTx::Orm(self.db.begin().await?))
    }
}

impl BulkTx {
    pub(crate) fn backend(&self) -> DbBackend {
        match self {
            Self::Orm(t) => t.get_database_backend(),
            Self::Lite(_) => DbBackend::Sqlite,
        }
    }

    /// Run a statement; the number of rows it changed.
    pub(crate) async fn exec(&self, stmt: Statement) -> Result<u64> {
        match self {
            Self::Orm(t) => Ok(t.execute_raw(stmt).await?.rows_affected()),
            Self::Lite(w) => w.exec(stmt).await,
        }
    }

    /// Run a query whose `width` columns are all text (or NULL).
    pub(crate) async fn query_text(&self, stmt: Statement, width: usize) -> Result<TextRows> {
        match self {
            Self::Orm(t) => {
                let rows = t.query_all_raw(stmt).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut cells = Vec::with_capacity(width);
                    for i in 0..width {
                        cells.push(r.try_get_by_index::<Option<String>>(i)?);
                    }
                    out.push(cells);
                }
                Ok(out)
            }
            Self::Lite(w) => w.query(stmt).await,
        }
    }

    /// Insert `rows` into `table` (`cols` in the order each row's cells were written). On
    /// SQLite the rows are queued to the writer thread; a failure is reported by the next
    /// statement or by [`BulkTx::commit`].
    pub(crate) async fn insert(
        &self,
        table: &'static str,
        cols: &'static [(&'static str, Ty)],
        rows: Rows,
    ) -> Result<()> {
        if rows.len() == 0 {
            return Ok(());
        }
        debug_assert_eq!(rows.cells.len(), rows.len() * cols.len());
        match self {
            Self::Orm(t) => {
                let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
                let exprs: Vec<String> = cols
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty))| {
                        let cast = match ty {
                            Ty::Int => "::bigint",
                            Ty::Text => "",
                            Ty::Date => "::date",
                            Ty::Ts => "::timestamptz",
                            Ty::Float => "::double precision",
                            Ty::Bool => "::boolean",
                        };
                        format!("(v->>{i}){cast}")
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) SELECT {} FROM json_array_elements($1::json) AS v",
                    names.join(", "),
                    exprs.join(", ")
                );
                let json = rows.to_json(cols.len());
                t.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    [json.into()],
                ))
                .await?;
                Ok(())
            }
            Self::Lite(w) => w.insert(table, cols, rows).await,
        }
    }

    /// Which of `keys` exist in `table.column` (one query per 50,000 keys); `extra` is a
    /// further SQL condition (so a partial index can serve the lookup).
    pub(crate) async fn existing(
        &self,
        table: &str,
        column: &str,
        extra: &str,
        keys: &[&str],
    ) -> Result<Vec<String>> {
        let backend = self.backend();
        let mut out = Vec::new();
        for chunk in keys.chunks(50_000) {
            let json = serde_json::to_string(chunk).expect("strings serialise");
            let source = match backend {
                DbBackend::Postgres => "SELECT json_array_elements_text($1::json)",
                _ => "SELECT value FROM json_each(?)",
            };
            let sql = format!(
                "SELECT CAST({column} AS TEXT) FROM {table} WHERE {column} IN ({source}){extra}"
            );
            let rows = self
                .query_text(
                    Statement::from_sql_and_values(backend, sql, [json.into()]),
                    1,
                )
                .await?;
            out.extend(rows.into_iter().filter_map(|mut r| r.pop().flatten()));
        }
        Ok(out)
    }

    /// Commit everything.
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Self::Orm(t) => Ok(t.commit().await?),
            Self::Lite(w) => w.finish(true).await,
        }
    }

    /// Undo everything.
    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            Self::Orm(t) => Ok(t.rollback().await?),
            Self::Lite(w) => w.finish(false).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_render_as_json_arrays() {
        let mut r = Rows::new();
        r.row()
            .int(Some(7))
            .text(Some("ก \"x\""))
            .float(Some(1.5))
            .boolean(Some(true))
            .date(NaiveDate::from_ymd_opt(2026, 11, 23));
        r.row()
            .int(None)
            .text(None)
            .float(Some(f64::NAN))
            .boolean(None)
            .date(None);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r.to_json(5),
            r#"[[7,"ก \"x\"",1.5,true,"2026-11-23"],[null,null,null,null,null]]"#
        );
    }
}
