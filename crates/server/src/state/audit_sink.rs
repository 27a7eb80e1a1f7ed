//! The audit log's in-memory side: the bounded queue of batched events, its background writer,
//! and the open windows of folded refusals. What goes in, and when, is `service/audit.rs`'s.

use std::sync::Arc;

use opending_domain::{audit::coalesce_renewals, AuditEvent, UnixTime};
use opending_store::Store;
use tokio::sync::{mpsc, oneshot};

/// Most events waiting in the queue.
pub(crate) const QUEUE: usize = 8192;
/// Most events gathered for one write (before renewals are folded).
pub(crate) const BATCH: usize = 4096;
/// How long the writer gathers events after the first before writing them.
pub(crate) const LINGER: std::time::Duration = std::time::Duration::from_millis(50);
/// Seconds during which refusals of one key fold into one row (see the module header).
pub const REFUSAL_WINDOW: i64 = 60;
/// Most refusal keys followed at once.
pub const REFUSAL_KEYS: u64 = 10_000;
/// How often closed refusal windows are written out.
pub(crate) const REFUSAL_SWEEP: std::time::Duration = std::time::Duration::from_secs(10);

/// The refusals of one key in its window, after the first (which is written at once).
pub(crate) struct Folded {
    /// The first refusal as written (its details, actor and source are the summary's).
    pub(crate) event: AuditEvent,
    /// When the window opened (the server's clock).
    pub(crate) opened: UnixTime,
    /// When it opened in monotonic time (for the sweeper).
    pub(crate) born: std::time::Instant,
    /// Refusals since the first.
    pub(crate) more: u64,
    /// The first and last of those.
    pub(crate) first_at: UnixTime,
    pub(crate) last_at: UnixTime,
}

impl Folded {
    /// The row standing for the refusals after the first, if there were any.
    pub(crate) fn summary(&self) -> Option<AuditEvent> {
        (self.more > 0).then(|| {
            let mut e = self.event.clone();
            e.at = self.last_at;
            e.request_id = None;
            e.detail("count", self.more)
                .detail("firstAt", self.first_at.0)
                .detail("lastAt", self.last_at.0)
        })
    }
}

pub(crate) type Folds = moka::sync::Cache<[u8; 16], Arc<std::sync::Mutex<Folded>>>;

pub(crate) enum Msg {
    Event(AuditEvent),
    Flush(oneshot::Sender<()>),
}

/// Where events go: straight to storage, or through the batching queue.
pub struct AuditSink {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) tx: mpsc::Sender<Msg>,
    pub(crate) refusals: Folds,
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
        // A window that closes (swept, pushed out by newer keys, or at shutdown) leaves its
        // summary row in the queue.
        let queue = tx.clone();
        let refusals: Folds = moka::sync::Cache::builder()
            .max_capacity(REFUSAL_KEYS)
            .eviction_listener(move |_, folded: Arc<std::sync::Mutex<Folded>>, _| {
                let summary = folded.lock().map(|f| f.summary()).unwrap_or(None);
                if let Some(e) = summary {
                    if queue.try_send(Msg::Event(e)).is_err() {
                        tracing::error!("audit: the queue is full; a folded refusal row is lost");
                    }
                }
            })
            .build();
        let swept = refusals.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFUSAL_SWEEP);
            let window = std::time::Duration::from_secs(REFUSAL_WINDOW as u64);
            loop {
                tick.tick().await;
                let _ = swept.invalidate_entries_if(move |_, f| {
                    f.lock().map_or(true, |f| f.born.elapsed() >= window)
                });
                swept.run_pending_tasks();
            }
        });
        Self {
            store,
            tx,
            refusals,
        }
    }

    /// Closes every open refusal window and waits until every event queued so far is written
    /// (graceful shutdown).
    pub async fn flush(&self) {
        self.refusals.invalidate_all();
        self.refusals.run_pending_tasks();
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
