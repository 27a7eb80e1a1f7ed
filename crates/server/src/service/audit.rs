//! The audit log's sink: services call [`record`] (security state changes, written before the
//! response) or [`enqueue`] (token issuance and renewal, batched), and [`list`] reads it back.
//!
//! Why two paths: a revocation, a rotation, a replay or a sign-in failure is rare and must not
//! be lost, so it is committed before the caller hears back — if it cannot be written, the
//! request fails. Token issuance is the hot path (thousands per second); one INSERT per
//! request would make the log the hot path's bottleneck, so those events go through a bounded
//! in-memory queue that a background task writes in batches: it gathers for up to [`LINGER`]
//! after the first event, folds the repeated hand-outs of each live app token into one row with a
//! `count` ([`coalesce_renewals`]), and writes the batch in one transaction. The queue is flushed
//! on graceful shutdown; a `kill -9` or power loss loses what was queued but not yet written (the
//! last [`LINGER`] or so). The tokens themselves are durable
//! either way: only their audit lines can go. When the queue is full the caller writes its
//! event itself, so a slow database slows issuance instead of dropping events.

use std::sync::Arc;

use opending_domain::{
    audit::{coalesce_renewals, MAX_AUDIT_PAGE},
    ActorKind, AuditEvent, AuditKind, AuditQuery, UnixTime,
};
use opending_store::Store;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

use super::{bad, Result};
use crate::Core;

/// Most events waiting in the queue.
const QUEUE: usize = 8192;
/// Most events gathered for one write (before renewals are folded).
const BATCH: usize = 4096;
/// How long the writer gathers events after the first before writing them.
const LINGER: std::time::Duration = std::time::Duration::from_millis(50);

enum Msg {
    Event(AuditEvent),
    Flush(oneshot::Sender<()>),
}

/// Where events go: straight to storage, or through the batching queue.
pub struct AuditSink {
    store: Arc<dyn Store>,
    tx: mpsc::Sender<Msg>,
}

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditSink")
    }
}

impl AuditSink {
    /// Starts the background writer (needs a Tokio runtime).
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
        let writer = store.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            let mut waiters = Vec::new();
            while let Some(first) = rx.recv().await {
                // Gather for up to LINGER (or BATCH events, or until a flush), so one write
                // carries a busy moment's renewals folded into a few rows.
                let deadline = tokio::time::Instant::now() + LINGER;
                let mut next = Some(first);
                while let Some(msg) = next.take() {
                    match msg {
                        Msg::Event(e) => batch.push(e),
                        Msg::Flush(w) => {
                            waiters.push(w);
                            break;
                        }
                    }
                    if batch.len() < BATCH {
                        next = tokio::time::timeout_at(deadline, rx.recv())
                            .await
                            .ok()
                            .flatten();
                    }
                }
                let rows = coalesce_renewals(std::mem::take(&mut batch));
                if !rows.is_empty() {
                    if let Err(e) = writer.append_audit(&rows).await {
                        tracing::error!(error = %e, lost = rows.len(), "audit: writing queued events failed");
                    }
                }
                for w in waiters.drain(..) {
                    let _ = w.send(());
                }
            }
        });
        Self { store, tx }
    }

    /// Waits until every event queued so far is written (graceful shutdown).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// Fills in what the request context knows: its id and the caller's address.
fn with_context(mut e: AuditEvent) -> AuditEvent {
    if let Some(ctx) = crate::http::context::current() {
        e.request_id
            .get_or_insert_with(|| ctx.request_id.to_string());
        if e.source.is_none() {
            e.source = ctx.client_address.map(|a| a.to_string());
        }
    }
    e
}

/// Writes a security event before returning; a failure fails the caller's request.
pub async fn record(core: &Core, event: AuditEvent) -> Result<()> {
    core.audit
        .store
        .append_audit(&[with_context(event)])
        .await?;
    Ok(())
}

/// Queues a high-volume event (token issued or renewed) for the batched writer.
pub async fn enqueue(core: &Core, event: AuditEvent) {
    let event = with_context(event);
    if let Err(mpsc::error::TrySendError::Full(Msg::Event(e))) =
        core.audit.tx.try_send(Msg::Event(event))
    {
        // Back-pressure instead of loss.
        if let Err(err) = core.audit.store.append_audit(&[e]).await {
            tracing::error!(error = %err, "audit: writing an event failed");
        }
    }
}

/// Who is acting in an administrative call: the signed-in user when the change is made
/// through the pages (org administration, developer console), else the admin API's caller
/// inside an HTTP request, else the operator at the CLI.
pub fn admin_actor() -> (ActorKind, Option<String>) {
    match crate::http::context::current() {
        Some(ctx) => match ctx.acting_user.get() {
            Some(user) => (ActorKind::User, Some(user.clone())),
            None => (ActorKind::Admin, None),
        },
        None => (ActorKind::Operator, None),
    }
}

/// A new administrative event (actor: [`admin_actor`]).
pub fn admin_event(core: &Core, kind: AuditKind) -> AuditEvent {
    let (actor, id) = admin_actor();
    AuditEvent::new(kind, core.now(), actor, id)
}

/// An `admin_action` event naming the action.
pub fn admin_action(core: &Core, action: &str) -> AuditEvent {
    admin_event(core, AuditKind::AdminAction).detail("action", action)
}

/// Filters of the admin API's and the CLI's audit query (all optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditFilter {
    /// Only this org's events (corpId).
    #[serde(default)]
    pub org: Option<String>,
    /// Only this app's events (clientId).
    #[serde(default)]
    pub app: Option<String>,
    /// Only these kinds, comma-separated (e.g. `token_revoked,secret_rotated`).
    #[serde(default)]
    pub kind: Option<String>,
    /// At or after this Unix time.
    #[serde(default)]
    pub since: Option<i64>,
    /// Before this Unix time.
    #[serde(default)]
    pub until: Option<i64>,
    /// Most events (default 100, at most 1000).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One page of events, newest first.
#[derive(Debug, Clone, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditEvent>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next_cursor: Option<String>,
}

/// Lists events matching `filter`.
pub async fn list(core: &Core, filter: AuditFilter) -> Result<AuditPage> {
    let limit = filter.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_AUDIT_PAGE {
        return Err(bad(format!("limit must be 1 to {MAX_AUDIT_PAGE}")));
    }
    let kinds = match filter.kind.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|k| k.trim().parse::<AuditKind>().map_err(bad))
            .collect::<Result<_>>()?,
    };
    let before_id = filter
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("cursor is not one this server gave"))
        })
        .transpose()?;
    let org = filter
        .org
        .as_deref()
        .map(super::admin::parse_corp_id)
        .transpose()?;
    let app = filter
        .app
        .as_deref()
        .map(super::admin::parse_client_id)
        .transpose()?;
    let query = AuditQuery {
        corp_id: org.map(String::from),
        client_id: app.map(String::from),
        kinds,
        since: filter.since.map(UnixTime),
        until: filter.until.map(UnixTime),
        before_id,
        limit,
    };
    let events = core.store.list_audit(&query).await?;
    let next_cursor = (events.len() == limit as usize)
        .then(|| events.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(AuditPage {
        events,
        next_cursor,
    })
}
