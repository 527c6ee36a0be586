//! Fast multi-row inserts for imports: rows travel as one JSON array parameter per batch and
//! the database unpacks them (`json_each` on SQLite, `json_array_elements` on PostgreSQL).
//!
//! Binding thousands of separate parameters per statement spent most of an import's time in
//! building, copying and binding values (perf on 200 k rows); one text parameter per batch
//! leaves the work to the database engine. The column list is written once; only the row
//! source differs between the backends.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::Result;

/// How a column is typed when unpacked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Int,
    Text,
    Date,
    Ts,
    Float,
    Bool,
}

/// Rows written as a JSON array of arrays, cell by cell.
#[derive(Debug, Default)]
pub(crate) struct JsonRows {
    buf: String,
    rows: usize,
    first_cell: bool,
}

impl JsonRows {
    pub(crate) fn new() -> Self {
        Self {
            buf: String::from("["),
            rows: 0,
            first_cell: true,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    pub(crate) fn row(&mut self) -> &mut Self {
        if self.rows > 0 {
            self.buf.push(',');
        }
        self.buf.push('[');
        self.rows += 1;
        self.first_cell = true;
        self
    }

    pub(crate) fn end(&mut self) {
        self.buf.push(']');
    }

    fn sep(&mut self) {
        if !self.first_cell {
            self.buf.push(',');
        }
        self.first_cell = false;
    }

    pub(crate) fn int(&mut self, v: Option<i64>) -> &mut Self {
        self.sep();
        match v {
            Some(v) => self.buf.push_str(&v.to_string()),
            None => self.buf.push_str("null"),
        }
        self
    }

    pub(crate) fn text(&mut self, v: Option<&str>) -> &mut Self {
        self.sep();
        match v {
            Some(s) => {
                // serde_json escapes exactly as JSON needs.
                self.buf
                    .push_str(&serde_json::to_string(s).expect("strings serialise"));
            }
            None => self.buf.push_str("null"),
        }
        self
    }

    pub(crate) fn float(&mut self, v: Option<f64>) -> &mut Self {
        self.sep();
        match v.filter(|f| f.is_finite()) {
            Some(f) => self.buf.push_str(&f.to_string()),
            None => self.buf.push_str("null"),
        }
        self
    }

    pub(crate) fn boolean(&mut self, v: Option<bool>) -> &mut Self {
        self.sep();
        self.buf.push_str(match v {
            Some(true) => "true",
            Some(false) => "false",
            None => "null",
        });
        self
    }

    pub(crate) fn date(&mut self, v: Option<NaiveDate>) -> &mut Self {
        let s = v.map(|d| d.format("%F").to_string());
        self.text(s.as_deref())
    }

    pub(crate) fn ts(&mut self, v: DateTime<Utc>) -> &mut Self {
        // The form sqlx writes on SQLite, which PostgreSQL also reads.
        let s = v.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        self.text(Some(&s))
    }

    fn finish(mut self) -> String {
        self.buf.push(']');
        self.buf
    }
}

/// Insert `rows` into `table` (`cols` in the order each row's cells were written).
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    table: &str,
    cols: &[(&str, Ty)],
    rows: JsonRows,
) -> Result<()> {
    if rows.len() == 0 {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let exprs: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| match backend {
            DbBackend::Postgres => {
                let cast = match ty {
                    Ty::Int => "::bigint",
                    Ty::Text => "",
                    Ty::Date => "::date",
                    Ty::Ts => "::timestamptz",
                    Ty::Float => "::double precision",
                    Ty::Bool => "::boolean",
                };
                format!("(v->>{i}){cast}")
            }
            _ => format!("value->>{i}"),
        })
        .collect();
    let source = match backend {
        DbBackend::Postgres => "json_array_elements($1::json) AS v",
        _ => "jsonb_each(?)",
    };
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM {source}",
        names.join(", "),
        exprs.join(", ")
    );
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [rows.finish().into()],
    ))
    .await?;
    Ok(())
}

/// Which of `keys` exist in `table.column` (one query per 50,000 keys).
pub(crate) async fn existing(
    conn: &impl ConnectionTrait,
    table: &str,
    column: &str,
    keys: &[String],
) -> Result<Vec<String>> {
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        k: String,
    }
    use sea_orm::FromQueryResult;
    let backend = conn.get_database_backend();
    let mut out = Vec::new();
    for chunk in keys.chunks(50_000) {
        let json = serde_json::to_string(chunk).expect("strings serialise");
        let sql = match backend {
            DbBackend::Postgres => format!(
                "SELECT {column} AS k FROM {table} WHERE {column} IN \
                 (SELECT json_array_elements_text($1::json))"
            ),
            _ => format!(
                "SELECT {column} AS k FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))"
            ),
        };
        let rows =
            Row::find_by_statement(Statement::from_sql_and_values(backend, sql, [json.into()]))
                .all(conn)
                .await?;
        out.extend(rows.into_iter().map(|r| r.k));
    }
    Ok(out)
}
