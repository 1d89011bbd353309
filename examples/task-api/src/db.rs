//! The task store: one SQLite file, and a CLIENT span around every call to
//! it, child of whatever span is current (the request's SERVER span), with
//! the database semantic conventions X-Ray turns into its `sql` block.

use std::path::Path;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::{FutureExt, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{global, Context, KeyValue};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub done: bool,
}

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    /// The database's name in spans: the file's stem.
    name: String,
}

pub type DbResult<T> = Result<T, String>;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
)";

fn task(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        title: row.get(1)?,
        done: row.get(2)?,
    })
}

impl Db {
    pub fn open(path: &Path) -> DbResult<Db> {
        let conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        conn.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
        let name = path
            .file_stem()
            .map_or("tasks".into(), |s| s.to_string_lossy().into_owned());
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            name,
        })
    }

    pub async fn list(&self) -> DbResult<Vec<Task>> {
        const SQL: &str = "SELECT id, title, done FROM tasks ORDER BY id";
        self.call("SELECT", SQL, |c| {
            c.prepare(SQL)?
                .query_map([], task)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
    }

    pub async fn insert(&self, title: String) -> DbResult<Task> {
        const SQL: &str = "INSERT INTO tasks (title) VALUES (?1) RETURNING id, title, done";
        self.call("INSERT", SQL, move |c| {
            c.prepare(SQL)?.query_row(params![title], task)
        })
        .await
    }

    pub async fn set_done(&self, id: i64, done: bool) -> DbResult<Option<Task>> {
        const SQL: &str = "UPDATE tasks SET done = ?2 WHERE id = ?1 RETURNING id, title, done";
        self.call("UPDATE", SQL, move |c| {
            c.prepare(SQL)?
                .query_row(params![id, done], task)
                .optional()
        })
        .await
    }

    pub async fn delete(&self, id: i64) -> DbResult<bool> {
        const SQL: &str = "DELETE FROM tasks WHERE id = ?1";
        self.call("DELETE", SQL, move |c| {
            Ok(c.prepare(SQL)?.execute(params![id])? > 0)
        })
        .await
    }

    /// Runs `work` on a blocking thread inside a CLIENT span named
    /// `{operation} tasks`, child of the current span.
    async fn call<T: Send + 'static>(
        &self,
        operation: &'static str,
        sql: &'static str,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> DbResult<T> {
        let tracer = global::tracer("task-api");
        let span = tracer
            .span_builder(format!("{operation} tasks"))
            .with_kind(SpanKind::Client)
            .with_attributes([
                // X-Ray's translation reads the older names; current
                // semantic conventions beside them.
                KeyValue::new("db.system", "sqlite"),
                KeyValue::new("db.system.name", "sqlite"),
                KeyValue::new("db.name", self.name.clone()),
                KeyValue::new("db.namespace", self.name.clone()),
                KeyValue::new("db.operation.name", operation),
                KeyValue::new("db.collection.name", "tasks"),
                KeyValue::new("db.query.text", sql),
            ])
            .start(&tracer);
        let cx = Context::current_with_span(span);
        let conn = self.conn.clone();
        let result = tokio::task::spawn_blocking(move || {
            let conn = conn
                .lock()
                .map_err(|_| "the database lock is poisoned".to_owned())?;
            work(&conn).map_err(|e| e.to_string())
        })
        .with_context(cx.clone())
        .await
        .unwrap_or_else(|e| Err(format!("database task failed: {e}")));
        let span = cx.span();
        if let Err(e) = &result {
            span.set_status(Status::error(e.clone()));
            span.set_attribute(KeyValue::new("error.type", "sqlite"));
        }
        span.end();
        result
    }
}
