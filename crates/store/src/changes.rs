//! The change feed: how every cache of authorizations learns that a right was withdrawn.
//!
//! Each mutating store method bumps the `change_seq` counter in the same transaction and, after
//! commit, calls this process's subscribers inline — before the method returns, so the very
//! next request on this instance sees the change. Other processes learn of it by
//! PostgreSQL `NOTIFY` (instant) or by polling the counter (SQLite shared by a CLI, and as a
//! fallback for PostgreSQL), so a cache anywhere is stale for at most the poll interval.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::Duration,
};

/// Name of the PostgreSQL notification channel.
pub const CHANNEL: &str = "opending_changes";

type Callback = Arc<dyn Fn() + Send + Sync>;

/// "Something that may withdraw a right has changed", delivered to callbacks.
#[derive(Clone, Default)]
pub struct ChangeFeed {
    subscribers: Arc<RwLock<Vec<Callback>>>,
    /// Changes signalled so far (moved before the subscribers are called).
    count: Arc<AtomicU64>,
}

impl std::fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeFeed")
    }
}

impl ChangeFeed {
    /// Calls every subscriber, inline. Callbacks must be quick and must not block.
    pub fn notify(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
        let subs = self
            .subscribers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for cb in subs {
            cb();
        }
    }

    /// How many changes were signalled in this process so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Registers a callback for every future change.
    pub fn subscribe(&self, callback: impl Fn() + Send + Sync + 'static) {
        self.subscribers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::new(callback));
    }

    /// Polls `read_seq` every `every` and signals when the value moves (or cannot be read,
    /// to be safe). Runs until the runtime stops.
    pub(crate) fn spawn_poller<F, Fut>(&self, every: Duration, read_seq: F)
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Option<i64>> + Send,
    {
        let feed = self.clone();
        tokio::spawn(async move {
            let mut last = read_seq().await;
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = read_seq().await;
                if now.is_none() || now != last {
                    feed.notify();
                }
                last = now;
            }
        });
    }
}
