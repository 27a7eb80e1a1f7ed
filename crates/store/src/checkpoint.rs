//! WAL checkpoints off the writer's thread.
//!
//! SQLite copies the WAL back into the database file (a checkpoint, with an fsync of each file)
//! by default inside the commit that makes the WAL pass 1000 pages: the single writer
//! (`group_commit.rs`) then stops writing for the length of a checkpoint, and every request
//! waiting on it waits too (13% of the writer's time under scenario (f) in docs/benchmarks.md,
//! plus the fsyncs' wall time). The write connection is opened with `wal_autocheckpoint=0`
//! instead, and this thread, on a connection of its own, runs a `PASSIVE` checkpoint every
//! [`EVERY`]: it copies what no reader still needs while the writer goes on, and the writer
//! starts the WAL over at its next transaction once all of it is copied. Durability is unchanged:
//! a commit is durable (to the `synchronous` setting) when it is in the WAL, checkpointed or not.

use std::{
    path::PathBuf,
    sync::{Arc, Weak},
    thread,
    time::Duration,
};

/// How often the WAL is checkpointed.
const EVERY: Duration = Duration::from_millis(100);

/// Keeps the checkpointing thread running while any clone of it lives.
#[derive(Debug, Clone)]
pub(crate) struct Checkpointer {
    _alive: Arc<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` every [`EVERY`].
    pub(crate) fn start(path: PathBuf, busy_timeout: Duration) -> std::io::Result<Self> {
        let alive = Arc::new(());
        let watch = Arc::downgrade(&alive);
        thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(path, busy_timeout, watch))?;
        Ok(Self { _alive: alive })
    }
}

fn run(path: PathBuf, busy_timeout: Duration, alive: Weak<()>) {
    let mut conn = None;
    let mut reported = false;
    while alive.strong_count() > 0 {
        thread::sleep(EVERY);
        if conn.is_none() {
            conn = rusqlite::Connection::open(&path)
                .and_then(|c| c.busy_timeout(busy_timeout).map(|()| c))
                .map_err(|e| report(&mut reported, &e))
                .ok();
        }
        let Some(c) = &conn else { continue };
        match c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            Ok(()) => reported = false,
            Err(e) => {
                report(&mut reported, &e);
                // Start over with a new connection next time (the file may have been replaced).
                conn = None;
            }
        }
    }
}

/// Logs a checkpoint failure once per run of failures (a full disk fails every attempt).
fn report(reported: &mut bool, e: &rusqlite::Error) {
    if !std::mem::replace(reported, true) {
        tracing::warn!(error = %e, "SQLite WAL checkpoint failed; retrying");
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use opending_domain::{ActorKind, AuditEvent, AuditKind, UnixTime};

    use crate::{AuditStore, SqliteStore, Store};

    /// The writer never checkpoints (`wal_autocheckpoint=0`), so rows reach the database file
    /// only through the checkpoint thread: without it the file would not grow.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_checkpoint_thread_moves_the_wal_into_the_database_file() {
        let dir = std::env::temp_dir().join(format!("opending-ckpt-{}", uuid::Uuid::new_v4()));
        let store =
            SqliteStore::open_dir(&dir, false, Duration::from_secs(5), Duration::from_secs(5))
                .await
                .unwrap();
        store.migrate().await.unwrap();
        let db = dir.join("opending.db");
        let size = || std::fs::metadata(&db).unwrap().len();
        // Let the migrations' pages settle first.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = size();
        let events: Vec<_> = (0..4000)
            .map(|i| {
                let mut e =
                    AuditEvent::new(AuditKind::TokenIssued, UnixTime(i), ActorKind::System, None);
                e.request_id = Some(format!("request-{i:0>64}"));
                e
            })
            .collect();
        store.append_audit(&events).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while size() < before + 256 * 1024 {
            assert!(
                Instant::now() < deadline,
                "the database file stayed at {} bytes (was {before})",
                size()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
