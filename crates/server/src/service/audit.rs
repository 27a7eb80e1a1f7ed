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
//!
//! Refused attempts (a wrong password or admin key, a throttled sign-in) come through
//! [`record_refusal`], which folds a flood into a few rows: the first refusal of a kind, door,
//! reason and address (IPv6 by /64) in [`REFUSAL_WINDOW`] is written at once, like any security
//! event; the rest of that window only counts, and when the window closes one more row says how
//! many more there were (`count`, `firstAt`, `lastAt`), through the queue. At most
//! [`REFUSAL_KEYS`] keys are followed at once (the oldest is closed early when more arrive), so
//! neither the disk nor the memory grows with a flood.

use std::sync::Arc;

use opending_domain::{audit::MAX_AUDIT_PAGE, AuditEvent, AuditKind, AuditQuery, UnixTime};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{bad, Result};
pub use crate::state::audit_sink::{AuditSink, REFUSAL_KEYS, REFUSAL_WINDOW};
use crate::{
    state::audit_sink::{Folded, Msg},
    Core, Origin,
};

/// Fills in what the origin knows: the request's id and the caller's address.
fn with_origin(mut e: AuditEvent, origin: &Origin) -> AuditEvent {
    if let Some(id) = &origin.request_id {
        e.request_id.get_or_insert_with(|| id.to_string());
    }
    if e.source.is_none() {
        e.source = origin.client_address.map(|a| a.to_string());
    }
    e
}

/// Writes a security event before returning; a failure fails the caller's request.
pub async fn record(core: &Core, origin: &Origin, event: AuditEvent) -> Result<()> {
    core.audit
        .store
        .append_audit(&[with_origin(event, origin)])
        .await?;
    Ok(())
}

/// Records a refused attempt, folded with the others of its kind, door (`via`), reason and
/// address in [`REFUSAL_WINDOW`] (see the module header): the first is written before
/// returning, the rest are counted into one row written when the window closes. Returns
/// whether this refusal opened a window (so callers log a flood once per window, too).
pub async fn record_refusal(core: &Core, origin: &Origin, event: AuditEvent) -> Result<bool> {
    let event = with_origin(event, origin);
    let address = event
        .source
        .as_deref()
        .and_then(|s| s.parse().ok())
        .map(crate::limits::address_key);
    let key = crate::limits::digest(&format!(
        "{}\0{}\0{}\0{}\0{:?}",
        event.kind.as_str(),
        event.actor.as_str(),
        event.details.get("via").map_or("", String::as_str),
        event.details.get("reason").map_or("", String::as_str),
        address,
    ));
    let now = core.now();
    let folds = &core.audit.refusals;
    if let Some(open) = folds.get(&key) {
        if let Ok(mut f) = open.lock() {
            if now.0 - f.opened.0 < REFUSAL_WINDOW {
                if f.more == 0 {
                    f.first_at = now;
                }
                f.more += 1;
                f.last_at = now;
                return Ok(false);
            }
        }
        // The window has closed: its summary goes out, and this refusal opens the next.
        folds.invalidate(&key);
    }
    record(core, origin, event.clone()).await?;
    folds.insert(
        key,
        Arc::new(std::sync::Mutex::new(Folded {
            event,
            opened: now,
            born: std::time::Instant::now(),
            more: 0,
            first_at: now,
            last_at: now,
        })),
    );
    Ok(true)
}

/// Queues a high-volume event (token issued or renewed) for the batched writer.
pub async fn enqueue(core: &Core, origin: &Origin, event: AuditEvent) {
    let event = with_origin(event, origin);
    if let Err(mpsc::error::TrySendError::Full(Msg::Event(e))) =
        core.audit.tx.try_send(Msg::Event(event))
    {
        // Back-pressure instead of loss.
        if let Err(err) = core.audit.store.append_audit(&[e]).await {
            tracing::error!(error = %err, "audit: writing an event failed");
        }
    }
}

/// A new administrative event (actor: [`Origin::actor`]).
pub fn admin_event(core: &Core, origin: &Origin, kind: AuditKind) -> AuditEvent {
    let (actor, id) = origin.actor();
    AuditEvent::new(kind, core.now(), actor, id)
}

/// An `admin_action` event naming the action.
pub fn admin_action(core: &Core, origin: &Origin, action: &str) -> AuditEvent {
    admin_event(core, origin, AuditKind::AdminAction).detail("action", action)
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
        .map(super::parse_corp_id)
        .transpose()?;
    let app = filter
        .app
        .as_deref()
        .map(super::parse_client_id)
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
