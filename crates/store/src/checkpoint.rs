//! WAL checkpoints off the writer's thread.
//!
//! SQLite copies the WAL back into the database file (a checkpoint, with an fsync of each file)
//! by default inside the commit that makes the WAL pass 1000 pages: the single writer
//! (`group_commit.rs`) then stops writing for the length of a checkpoint, and every request
//! waiting on it waits too (13% of the writer's time under scenario (f) in docs/benchmarks.md,
//! plus the fsyncs' wall time). The write connection is opened with `wal_autocheckpoint=0`
//! instead, and this thread, on a connection of its own, runs a `PASSIVE` checkpoint every
//! [`EVERY`]: it copies what no reader still needs while the writer goes on.
//!
//! Copying is not enough to keep the WAL small: under a steady stream of writes new frames land
//! while this thread copies, so the WAL is never wholly copied when the next write begins, and it
//! would never start over (it grew past 1.7 GB in a benchmark before this was handled). So once
//! the WAL holds [`RESTART_AT_PAGES`] pages, this thread raises a flag ([`RestartDue`]); the
//! writer, between two batches (after answering the first), checkpoints on its own connection:
//! it copies the few frames this thread has not, with no writer to wait for, and its next write
//! starts the WAL from the beginning. Taking turns that way avoids SQLite's busy waits (whole
//! milliseconds of sleep) that a checkpoint here holding the writer off would cost.
//!
//! Durability is unchanged: a commit is durable (to the `synchronous` setting) once it is in the
//! WAL, checkpointed or not.

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Weak,
    },
    thread,
    time::Duration,
};

/// How often the WAL is checkpointed.
const EVERY: Duration = Duration::from_millis(50);

/// WAL pages (of 4 KiB) past which the WAL is made to start over (a `RESTART` checkpoint).
pub(crate) const RESTART_AT_PAGES: i64 = 10_000;

/// Set when the WAL has grown past [`RESTART_AT_PAGES`]: the writer should checkpoint between
/// batches ([`RestartDue::take`]), so the WAL starts over.
#[derive(Debug, Clone, Default)]
pub(crate) struct RestartDue(Arc<AtomicBool>);

impl RestartDue {
    /// Whether a checkpoint is due; clears the flag.
    pub(crate) fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }

    /// Asks the writer for a checkpoint (again, when its last one could not finish).
    pub(crate) fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Keeps the checkpointing thread running while any clone of it lives.
#[derive(Debug, Clone)]
pub(crate) struct Checkpointer {
    _alive: Arc<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` every [`EVERY`], raising `due` when the
    /// writer should restart the WAL.
    pub(crate) fn start(
        path: PathBuf,
        busy_timeout: Duration,
        due: RestartDue,
    ) -> std::io::Result<Self> {
        let alive = Arc::new(());
        let watch = Arc::downgrade(&alive);
        thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(path, busy_timeout, watch, due))?;
        Ok(Self { _alive: alive })
    }
}

fn run(path: PathBuf, busy_timeout: Duration, alive: Weak<()>, due: RestartDue) {
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
        // While the writer's checkpoint is due, stay out of its way: two checkpoints cannot run
        // at once, and the writer's would give up at once.
        if due.is_raised() {
            continue;
        }
        let Some(c) = &conn else { continue };
        match checkpoint(c) {
            Ok(pages) => {
                reported = false;
                if pages >= RESTART_AT_PAGES {
                    due.raise();
                }
            }
            Err(e) => {
                report(&mut reported, &e);
                // Start over with a new connection next time (the file may have been replaced).
                conn = None;
            }
        }
    }
}

/// Copies what no reader needs; the WAL's size in pages.
fn checkpoint(c: &rusqlite::Connection) -> rusqlite::Result<i64> {
    c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
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

    use crate::AuditStore;

    /// The writer never checkpoints (`wal_autocheckpoint=0`), so rows reach the database file
    /// only through the checkpoint thread: without it the file would not grow.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_checkpoint_thread_moves_the_wal_into_the_database_file() {
        let (store, dir) = crate::temp_sqlite_store().await;
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

    /// Under a steady stream of writes the WAL stays bounded: the writer's checkpoints when one is
    /// due make it start over (with this thread's passive ones alone, it grows with every write).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_steady_writes() {
        let (store, dir) = crate::temp_sqlite_store().await;
        let wal = dir.join("opending.db-wal");
        // The WAL's high-water mark: the restart point plus what lands before each restart is seen
        // (the thread looks every 50 ms; slower when the test shares the machine), with room to
        // spare; without restarts it holds everything written (435 MB here).
        let bound = 3 * super::RESTART_AT_PAGES as u64 * 4_200;
        let mut written = 0u64;
        let mut largest = 0u64;
        for round in 0..90 {
            let events: Vec<_> = (0..5_000)
                .map(|i| {
                    let mut e = AuditEvent::new(
                        AuditKind::TokenIssued,
                        UnixTime(i),
                        ActorKind::System,
                        None,
                    );
                    e.request_id = Some(format!("{round}-{i:0>300}"));
                    e
                })
                .collect();
            store.append_audit(&events).await.unwrap();
            written += 5_000 * 300;
            largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        }
        assert!(written > bound, "the test writes past the bound: {written}");
        assert!(
            largest < bound,
            "the WAL reached {largest} bytes (bound {bound})"
        );
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
