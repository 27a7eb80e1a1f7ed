//! The audit log: append and query, nothing else — there is no update or delete path here, and
//! the migrations' triggers refuse one from anywhere else.

use async_trait::async_trait;
use opending_domain::{audit::MAX_AUDIT_PAGE, AuditEvent, AuditQuery, UnixTime};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Dialect, Param, Row, Stmt},
    StoreResult,
};

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends events, in order, in one transaction.
    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// Events matching `query`, newest first, at most `query.limit` (and never more than
    /// [`MAX_AUDIT_PAGE`]).
    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>>;
}

fn event(r: &dyn Row) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        id: r.int("id")?,
        at: UnixTime(r.int("at")?),
        kind: r.text("kind")?.parse().map_err(|e| corrupt("kind", e))?,
        request_id: r.opt_text("request_id")?,
        actor: r.text("actor")?.parse().map_err(|e| corrupt("actor", e))?,
        actor_id: r.opt_text("actor_id")?,
        client_id: r.opt_text("client_id")?,
        corp_id: r.opt_text("corp_id")?,
        source: r.opt_text("source")?,
        details: serde_json::from_str(&r.text("details")?).map_err(|e| corrupt("details", e))?,
    })
}

/// The audit log's columns, as written.
macro_rules! audit_insert {
    ($rows:literal) => {
        concat!(
            "INSERT INTO audit_events (at, kind, request_id, actor, actor_id, client_id, corp_id, source, details) ",
            $rows
        )
    };
}

/// An event's details as stored: a JSON object.
fn details(e: &AuditEvent) -> String {
    serde_json::to_string(&e.details).unwrap_or_else(|_| "{}".to_owned())
}

/// Appends one event (SQLite: one statement per event, all in the writer's one transaction).
fn append_one(e: &AuditEvent) -> Stmt {
    stmt!(
        audit_insert!("VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        e.at.0,
        e.kind.as_str(),
        e.request_id.as_deref(),
        e.actor.as_str(),
        e.actor_id.as_deref(),
        e.client_id.as_deref(),
        e.corp_id.as_deref(),
        e.source.as_deref(),
        details(e)
    )
}

/// Appends many events in one statement (PostgreSQL), a row per event in order, not a round
/// trip each.
fn append_many(events: &[AuditEvent]) -> Stmt {
    const SQL: &str = audit_insert!(
        "SELECT at, kind, request_id, actor, actor_id, client_id, corp_id, source, details \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) \
         WITH ORDINALITY AS e (at, kind, request_id, actor, actor_id, client_id, corp_id, source, details, n) ORDER BY n"
    );
    let text = |f: fn(&AuditEvent) -> Option<&str>| {
        Param::Texts(events.iter().map(|e| f(e).map(str::to_owned)).collect())
    };
    Stmt::new(
        SQL,
        vec![
            Param::Ints(events.iter().map(|e| e.at.0).collect()),
            text(|e| Some(e.kind.as_str())),
            text(|e| e.request_id.as_deref()),
            text(|e| Some(e.actor.as_str())),
            text(|e| e.actor_id.as_deref()),
            text(|e| e.client_id.as_deref()),
            text(|e| e.corp_id.as_deref()),
            text(|e| e.source.as_deref()),
            Param::Texts(events.iter().map(|e| Some(details(e))).collect()),
        ],
    )
}

/// The query: fixed filters as `($n IS NULL OR …)`, kinds as an `IN` list of their own
/// placeholders (from `$7`).
fn list(q: &AuditQuery) -> Stmt {
    let mut sql = String::from(
        "SELECT id, at, kind, request_id, actor, actor_id, client_id, corp_id, source, details \
         FROM audit_events \
         WHERE ($1 IS NULL OR corp_id = $1) AND ($2 IS NULL OR client_id = $2) \
         AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4) AND ($5 IS NULL OR id < $5)",
    );
    if !q.kinds.is_empty() {
        let marks: Vec<String> = (0..q.kinds.len()).map(|i| format!("${}", i + 7)).collect();
        sql.push_str(&format!(" AND kind IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY id DESC LIMIT $6");
    let mut params: Vec<Param> = vec![
        q.corp_id.as_deref().into(),
        q.client_id.as_deref().into(),
        q.since.map(|t| t.0).into(),
        q.until.map(|t| t.0).into(),
        q.before_id.into(),
        i64::from(q.limit.min(MAX_AUDIT_PAGE)).into(),
    ];
    params.extend(q.kinds.iter().map(|k| Param::from(k.as_str())));
    Stmt::owned(sql, params)
}

#[async_trait]
impl<B: Backend> AuditStore for B {
    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let appends: Vec<Stmt> = match self.dialect() {
            Dialect::Postgres => vec![append_many(events)],
            Dialect::Sqlite => events.iter().map(append_one).collect(),
        };
        self.write(move |tx| {
            Box::pin(async move {
                for append in &appends {
                    tx.execute(append).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn list_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        self.all(list(q), event).await
    }
}
