//! Fresh reads shared by the requests waiting for one: how [`crate::Store::fresh_change_seq`]
//! stays a fresh read on PostgreSQL without a round trip per request.
//!
//! A caller needs a value read *after it asked*: a read that started earlier may predate a
//! change committed before the caller arrived. Each caller takes a ticket; each read notes the
//! last ticket handed out before it starts and so serves every caller up to that ticket. One
//! read runs at a time: callers that arrive while it runs wait for it to end, and then either
//! find themselves served by a read that started after they arrived, or the first of them runs
//! the next read for all of them. Under load, one round trip answers every request that arrived
//! during the previous one; alone, a caller pays one read as before.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
};

/// Shares fresh reads of one `i64` between concurrent callers.
#[derive(Debug, Default)]
pub struct FreshRead {
    /// Tickets handed out so far.
    tickets: AtomicU64,
    /// The newest completed read: the last ticket it serves and its value.
    latest: Mutex<(u64, i64)>,
    /// Held while a read runs.
    running: tokio::sync::Mutex<()>,
}

impl FreshRead {
    /// A value read by `read` after this call began (possibly for another caller too).
    pub async fn get<E, F, Fut>(&self, read: F) -> Result<i64, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<i64, E>>,
    {
        let ticket = self.tickets.fetch_add(1, Ordering::SeqCst) + 1;
        let _running = self.running.lock().await;
        if let Some(v) = self.served(ticket) {
            return Ok(v);
        }
        // Every ticket up to here was handed out before this read starts.
        let serves = self.tickets.load(Ordering::SeqCst);
        let value = read().await?;
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if serves > latest.0 {
            *latest = (serves, value);
        }
        Ok(value)
    }

    fn served(&self, ticket: u64) -> Option<i64> {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        (latest.0 >= ticket).then_some(latest.1)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        atomic::{AtomicI64, AtomicUsize, Ordering},
        Arc,
    };

    use super::FreshRead;

    #[tokio::test]
    async fn a_caller_never_gets_a_value_read_before_it_asked() {
        let fresh = Arc::new(FreshRead::default());
        // The "database": a counter bumped before each caller asks. Every answer must be at
        // least the value as of the caller's arrival.
        let db = Arc::new(AtomicI64::new(0));
        let reads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (fresh, db, reads) = (fresh.clone(), db.clone(), reads.clone());
            tasks.push(tokio::spawn(async move {
                let at_arrival = db.fetch_add(1, Ordering::SeqCst) + 1;
                let got = fresh
                    .get(|| async {
                        reads.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        let v = db.load(Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                        Ok::<_, ()>(v)
                    })
                    .await
                    .unwrap();
                assert!(got >= at_arrival, "stale: {got} < {at_arrival}");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let reads = reads.load(Ordering::SeqCst);
        assert!(
            reads < 200,
            "concurrent callers share reads ({reads} reads for 200)"
        );
    }

    #[tokio::test]
    async fn a_failed_read_fails_its_caller_and_the_next_caller_reads_again() {
        let fresh = FreshRead::default();
        assert_eq!(
            fresh.get(|| async { Err::<i64, _>("down") }).await,
            Err("down")
        );
        assert_eq!(fresh.get(|| async { Ok::<_, &str>(5) }).await, Ok(5));
        assert_eq!(fresh.get(|| async { Ok::<_, &str>(6) }).await, Ok(6));
    }
}
