//! Storage of the audit log: append and query, nothing else — there is no update or delete
//! path here, and the migrations' triggers refuse one from anywhere else. Same SQL on both
//! backends (see `sql.rs`).

use async_trait::async_trait;
use opending_domain::{AuditEvent, AuditQuery, UnixTime};

use crate::{sql::RowExt, StoreError, StoreResult};

/// The audit part of the storage port.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends events, in order, in one transaction.
    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// Events matching `query`, newest first.
    async fn list_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>>;
}

pub(crate) const AUDIT_COLUMNS: &str =
    "id, at, kind, request_id, actor, actor_id, client_id, corp_id, source, details";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn event(r: &impl RowExt) -> StoreResult<AuditEvent> {
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

/// The query's SQL: fixed filters as `($n IS NULL OR …)`, kinds as an `IN` list of their own
/// placeholders (from `$7`).
pub(crate) fn list_sql(q: &AuditQuery) -> String {
    let mut sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events \
         WHERE ($1 IS NULL OR corp_id = $1) AND ($2 IS NULL OR client_id = $2) \
         AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4) AND ($5 IS NULL OR id < $5)"
    );
    if !q.kinds.is_empty() {
        let marks: Vec<String> = (0..q.kinds.len()).map(|i| format!("${}", i + 7)).collect();
        sql.push_str(&format!(" AND kind IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY id DESC LIMIT $6");
    sql
}

/// Expands [`AuditStore`] for a backend (same contract as `impl_store!`).
macro_rules! impl_audit_store {
    ($ty:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl crate::AuditStore for $ty {
            async fn append_audit(
                &self,
                events: &[opending_domain::AuditEvent],
            ) -> crate::StoreResult<()> {
                crate::writes::RequestWrites::append_audit(self, events).await
            }

            async fn list_audit(
                &self,
                q: &opending_domain::AuditQuery,
            ) -> crate::StoreResult<Vec<opending_domain::AuditEvent>> {
                let sql = crate::audit::list_sql(q);
                let mut query = sqlx::query(&sql)
                    .bind(q.corp_id.as_deref())
                    .bind(q.client_id.as_deref())
                    .bind(q.since.map(|t| t.0))
                    .bind(q.until.map(|t| t.0))
                    .bind(q.before_id)
                    .bind(i64::from(
                        q.limit.min(opending_domain::audit::MAX_AUDIT_PAGE),
                    ));
                for k in &q.kinds {
                    query = query.bind(k.as_str());
                }
                let rows = query.fetch_all(self.reader()).await?;
                rows.iter().map(crate::audit::event).collect()
            }
        }
    };
}
pub(crate) use impl_audit_store;
