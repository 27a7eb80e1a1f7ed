//! The Stream connections this instance holds, by app: the bridge between the WebSocket
//! sessions (`http/stream.rs`) and the event dispatcher (`delivery.rs`).
//!
//! Bounded everywhere: at most `max_total` connections, `max_per_app` per app, each with an
//! outbound queue of [`OUTBOUND_FRAMES`] frames and at most one event awaiting its ACK at a time
//! per app (the dispatcher's order rule), so a client that stops reading or acking costs a
//! fixed amount of memory until it is dropped.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicI64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use tokio::sync::{mpsc, oneshot, Notify};

/// Frames queued for one connection's writer before a send waits (a slow reader).
pub const OUTBOUND_FRAMES: usize = 16;
/// ACKs one connection may owe at once (events, plus the pings in flight).
const MAX_PENDING: usize = 8;

/// What a client answered to a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// Its `code`.
    pub code: i64,
    /// Its `message` (truncated).
    pub message: String,
    /// Its `data` string (truncated).
    pub data: String,
}

/// How sending a frame and waiting for its ACK ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The client answered.
    Acked(Ack),
    /// No answer in time.
    Timeout,
    /// The connection closed before answering.
    Closed,
}

/// Why a connection was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The instance holds `max_total` connections.
    InstanceFull,
    /// The app holds `max_per_app` connections here.
    AppFull,
}

/// One Stream connection.
#[derive(Debug)]
pub struct Connection {
    /// Its id (`connectionId`), shown in delivery records.
    pub id: String,
    /// The app.
    pub client_id: String,
    /// Whether it subscribed to events (`EVENT` `*`).
    pub wants_events: bool,
    outbound: mpsc::Sender<String>,
    pending: Mutex<HashMap<String, oneshot::Sender<Ack>>>,
    closed: AtomicBool,
    close: Notify,
    /// Unix ms of the last frame received.
    last_heard_ms: AtomicI64,
}

impl Connection {
    /// Queues `frame` and waits up to `timeout` for the ACK of `message_id`.
    pub async fn send_and_wait(&self, message_id: &str, frame: String, timeout: Duration) -> Sent {
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.len() >= MAX_PENDING {
                return Sent::Closed;
            }
            pending.insert(message_id.to_owned(), tx);
        }
        let outcome = tokio::time::timeout(timeout, async {
            if self.outbound.send(frame).await.is_err() {
                return Sent::Closed;
            }
            match rx.await {
                Ok(ack) => Sent::Acked(ack),
                Err(_) => Sent::Closed,
            }
        })
        .await
        .unwrap_or(Sent::Timeout);
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(message_id);
        outcome
    }

    /// Queues a frame that expects no particular answer (a ping); false when the queue is full
    /// or the connection closed.
    pub fn push(&self, frame: String) -> bool {
        self.outbound.try_send(frame).is_ok()
    }

    /// Hands an ACK to whoever waits for `message_id`; false when nobody does.
    pub fn acked(&self, message_id: &str, ack: Ack) -> bool {
        let waiter = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(message_id);
        waiter.is_some_and(|w| w.send(ack).is_ok())
    }

    /// Notes that the client sent something at `now_ms`.
    pub fn heard(&self, now_ms: i64) {
        self.last_heard_ms.store(now_ms, Ordering::Relaxed);
    }

    /// Unix ms of the last frame received.
    pub fn last_heard_ms(&self) -> i64 {
        self.last_heard_ms.load(Ordering::Relaxed)
    }

    /// Asks the session to close (a connection that stopped acking); waiters see `Closed`.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.close.notify_waiters();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Whether it was closed.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Completes when [`Connection::close`] is called.
    pub async fn closing(&self) {
        let notified = self.close.notified();
        if self.is_closed() {
            return;
        }
        notified.await;
    }
}

/// The connections of this instance.
#[derive(Debug)]
pub struct StreamHub {
    by_app: Mutex<HashMap<String, Vec<Arc<Connection>>>>,
    max_total: usize,
    max_per_app: usize,
    /// Wakes the dispatcher: an event was raised here, a connection arrived, an attempt ended.
    pub wake: Notify,
}

impl StreamHub {
    /// An empty hub with these limits.
    pub fn new(max_total: usize, max_per_app: usize) -> Self {
        Self {
            by_app: Mutex::new(HashMap::new()),
            max_total,
            max_per_app,
            wake: Notify::new(),
        }
    }

    /// Registers a connection of `client_id`; its outbound queue's receiving end goes to the
    /// session's writer.
    pub fn register(
        &self,
        id: String,
        client_id: &str,
        wants_events: bool,
        now_ms: i64,
    ) -> Result<(Arc<Connection>, mpsc::Receiver<String>), Refused> {
        let mut by_app = self.by_app.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = by_app.values().map(Vec::len).sum();
        if total >= self.max_total {
            return Err(Refused::InstanceFull);
        }
        let list = by_app.entry(client_id.to_owned()).or_default();
        if list.len() >= self.max_per_app {
            return Err(Refused::AppFull);
        }
        let (tx, rx) = mpsc::channel(OUTBOUND_FRAMES);
        let conn = Arc::new(Connection {
            id,
            client_id: client_id.to_owned(),
            wants_events,
            outbound: tx,
            pending: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
            close: Notify::new(),
            last_heard_ms: AtomicI64::new(now_ms),
        });
        list.push(conn.clone());
        drop(by_app);
        self.wake.notify_one();
        Ok((conn, rx))
    }

    /// Forgets a connection (its session ended).
    pub fn unregister(&self, conn: &Connection) {
        conn.close();
        let mut by_app = self.by_app.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = by_app.get_mut(&conn.client_id) {
            list.retain(|c| c.id != conn.id);
            if list.is_empty() {
                by_app.remove(&conn.client_id);
            }
        }
    }

    /// A live connection of `client_id` that subscribed to events, chosen at random among
    /// them (DingTalk: "each message goes to one randomly chosen connection").
    pub fn pick(&self, client_id: &str, random: usize) -> Option<Arc<Connection>> {
        let by_app = self.by_app.lock().unwrap_or_else(|e| e.into_inner());
        let live: Vec<&Arc<Connection>> = by_app
            .get(client_id)?
            .iter()
            .filter(|c| c.wants_events && !c.is_closed())
            .collect();
        (!live.is_empty()).then(|| live[random % live.len()].clone())
    }

    /// The apps with at least one live connection that wants events.
    pub fn apps(&self) -> Vec<String> {
        let by_app = self.by_app.lock().unwrap_or_else(|e| e.into_inner());
        by_app
            .iter()
            .filter(|(_, l)| l.iter().any(|c| c.wants_events && !c.is_closed()))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Connections held, in all.
    pub fn len(&self) -> usize {
        let by_app = self.by_app.lock().unwrap_or_else(|e| e.into_inner());
        by_app.values().map(Vec::len).sum()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every connection (for the pinger).
    pub fn all(&self) -> Vec<Arc<Connection>> {
        let by_app = self.by_app.lock().unwrap_or_else(|e| e.into_inner());
        by_app.values().flatten().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_acks_and_closing() {
        let hub = StreamHub::new(2, 1);
        let (a, mut rx) = hub.register("c1".into(), "app", true, 0).unwrap();
        assert_eq!(
            hub.register("c2".into(), "app", true, 0).unwrap_err(),
            Refused::AppFull
        );
        let (_b, _rxb) = hub.register("c3".into(), "other", false, 0).unwrap();
        assert_eq!(
            hub.register("c4".into(), "third", true, 0).unwrap_err(),
            Refused::InstanceFull
        );
        assert_eq!(
            hub.apps(),
            vec!["app".to_owned()],
            "only connections wanting events"
        );
        let waiter = {
            let a = a.clone();
            tokio::spawn(async move {
                a.send_and_wait("m1", "frame".into(), Duration::from_secs(5))
                    .await
            })
        };
        assert_eq!(rx.recv().await.unwrap(), "frame");
        let ack = Ack {
            code: 200,
            message: "OK".into(),
            data: String::new(),
        };
        assert!(a.acked("m1", ack.clone()));
        assert_eq!(waiter.await.unwrap(), Sent::Acked(ack));
        assert_eq!(
            a.send_and_wait("m2", "f".into(), Duration::from_millis(20))
                .await,
            Sent::Timeout
        );
        hub.unregister(&a);
        assert!(hub.pick("app", 0).is_none());
        assert_eq!(hub.len(), 1);
    }
}
