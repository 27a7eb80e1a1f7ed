//! Group commit for SQLite's single writer: the writes that arrive while one batch is being
//! written wait in a queue, and the next batch writes them all in one transaction.
//!
//! Why: SQLite has one writer. Through sqlx each write costs a checkout of the write
//! connection, a hand-off to its worker thread per statement and back, and a commit that writes
//! every page it touched to the WAL; under load the requests queue for the connection and the
//! thread hand-offs, not SQLite, set the pace (the (b) and (f) profiles in docs/benchmarks/history.md).
//! Here one dedicated thread takes everything queued, checks the write connection out of the
//! same sqlx pool (so it stays the only writer, and keeps its pool's health checks; once per run
//! of back-to-back batches, see [`writer`]), and runs the batch synchronously on the
//! connection's handle: `BEGIN IMMEDIATE`, each write under its own savepoint (a write that
//! fails is undone alone and answered with its error), one
//! `COMMIT`. Only then does any caller hear back: durability is the same as one transaction per
//! write, since nobody is told of a write before the commit that holds it. When a statement or
//! the commit fails so that SQLite gives up the whole transaction (a full disk, an I/O error),
//! every write of the batch fails with that error: none of them was committed.

use std::{
    ptr::NonNull,
    sync::{mpsc, Arc},
    thread,
    time::{Duration, Instant},
};

use rusqlite::Connection;
use sqlx::SqlitePool;
use tokio::sync::oneshot;

use crate::{StoreError, StoreResult};

/// Most writes in one transaction; more wait for the next.
const MAX_BATCH: usize = 512;

/// One queued write.
trait Write: Send {
    /// Runs on the batch's connection; on failure, why (its changes are then undone).
    fn run(&mut self, conn: &Connection) -> Result<(), String>;
    /// Answers the caller: its own result when the batch committed, else the batch's error.
    fn answer(self: Box<Self>, batch_failed: Option<&Arc<StoreError>>);
}

struct Pending<F, R> {
    write: Option<F>,
    result: Option<StoreResult<R>>,
    caller: oneshot::Sender<StoreResult<R>>,
}

impl<F, R> Write for Pending<F, R>
where
    F: FnOnce(&Connection) -> StoreResult<R> + Send,
    R: Send,
{
    fn run(&mut self, conn: &Connection) -> Result<(), String> {
        let write = self.write.take().expect("a write runs once");
        // A panic in one write must not take the writer thread (and so every later write)
        // down: it fails that write alone, whose changes the savepoint then undoes.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(conn)))
            .unwrap_or_else(|_| {
                Err(StoreError::Corrupt(
                    "a write panicked on the SQLite writer thread; it was undone".into(),
                ))
            });
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.to_string());
        self.result = Some(result);
        outcome
    }

    fn answer(self: Box<Self>, batch_failed: Option<&Arc<StoreError>>) {
        let answer = match (batch_failed, self.result) {
            // The write's own failure explains itself, even when it took the batch down.
            (_, Some(Err(e))) => Err(e),
            (None, Some(ok)) => ok,
            (Some(e), _) => Err(StoreError::Batch(e.clone())),
            (None, None) => Err(StoreError::Batch(Arc::new(stopped()))),
        };
        let _ = self.caller.send(answer);
    }
}

/// The queue of writes and its writer thread (which ends when the last handle is dropped).
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Box<dyn Write>>,
}

impl GroupCommit {
    /// Starts the writer thread over `pool`'s connections. Needs a Tokio runtime: the thread
    /// checks the connection out through it. With `recycle`, a connection on which a whole
    /// batch failed is closed, so the pool opens (and checks) a new one; never for an
    /// in-memory database, whose one connection is the database.
    pub(crate) fn start(pool: SqlitePool, recycle: bool) -> StoreResult<Self> {
        let (queue, jobs) = mpsc::channel();
        let runtime = tokio::runtime::Handle::current();
        thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer(runtime, pool, recycle, jobs))
            .map_err(|e| {
                StoreError::Database(sqlx::Error::Configuration(
                    format!("cannot start the SQLite writer thread: {e}").into(),
                ))
            })?;
        Ok(Self { queue })
    }

    /// Runs `write` in the next batch and returns its result once that batch is committed.
    /// `write` runs on the writer thread and must not block on anything but SQLite.
    pub(crate) async fn run<R: Send + 'static>(
        &self,
        write: impl FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        let (caller, answer) = oneshot::channel();
        let job = Box::new(Pending {
            write: Some(write),
            result: None,
            caller,
        });
        self.queue.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// The writer thread: one batch per turn until every [`GroupCommit`] handle is gone.
///
/// The write connection is checked out of its pool once per *run* of batches, not once per
/// batch: while writes keep arriving it stays checked out, for at most [`HOLD_AT_MOST`], so the
/// pool's other users (admin writes, which go through sqlx) wait no longer than that. Checking
/// it out and back in costs round trips to sqlx's connection thread and the pool's release
/// check; measured under the code-exchange benchmark, that was a fifth of the writer's time
/// when paid per batch (docs/benchmarks/history.md). A run also ends at the first failed batch, so the
/// pool's checks see the connection before the next write.
fn writer(
    runtime: tokio::runtime::Handle,
    pool: SqlitePool,
    recycle: bool,
    jobs: mpsc::Receiver<Box<dyn Write>>,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = next_batch(first, &jobs);
        let checked_out = runtime.block_on(async {
            let mut conn = pool.acquire().await?;
            let failed = {
                let mut handle = conn.lock_handle().await?;
                write_run(handle.as_raw_handle().cast(), &mut batch, &jobs)
            };
            if failed && recycle {
                // A batch failed as a whole (not one write of it): the transaction itself did,
                // which is what a read-only or unwritable file, an I/O error or a full disk
                // do. The connection goes, so that the pool checks the next one it opens
                // (`can_write` in sqlite.rs, which says why writes fail) rather than every
                // later write failing on this one with a bare I/O error.
                let _ = conn.close().await;
            }
            Ok::<_, StoreError>(())
        });
        if let Err(e) = checked_out {
            // The connection could not be had: the batch formed before was not written.
            answer(&mut batch, Some(&Arc::new(e)));
        }
    }
}

/// Longest time the writer keeps the write connection checked out while writes keep coming.
const HOLD_AT_MOST: Duration = Duration::from_millis(50);

/// `first` and whatever else is queued, up to [`MAX_BATCH`].
fn next_batch(first: Box<dyn Write>, jobs: &mpsc::Receiver<Box<dyn Write>>) -> Vec<Box<dyn Write>> {
    let mut batch = vec![first];
    batch.extend(jobs.try_iter().take(MAX_BATCH - 1));
    batch
}

/// Answers every write of `batch` (leaving it empty).
fn answer(batch: &mut Vec<Box<dyn Write>>, failed: Option<&Arc<StoreError>>) {
    for job in batch.drain(..) {
        job.answer(failed);
    }
}

/// Writes `batch`, then the batches queued behind it, on one checked-out connection: until the
/// queue is empty, a batch fails, or [`HOLD_AT_MOST`] has passed. Answers whether a batch
/// failed.
fn write_run(
    raw: NonNull<rusqlite::ffi::sqlite3>,
    batch: &mut Vec<Box<dyn Write>>,
    jobs: &mpsc::Receiver<Box<dyn Write>>,
) -> bool {
    // SAFETY: the handle stays valid, and unused by anyone else (sqlx's worker thread waits
    // for the lock), while the caller holds its sqlx lock guard, which it does for this whole
    // synchronous call; `from_handle` makes a non-owning connection that never closes it, and
    // `conn` is dropped (finalizing its cached statements) before this function returns.
    #[allow(unsafe_code)]
    let conn = match unsafe { Connection::from_handle(raw.as_ptr()) } {
        Ok(c) => c,
        Err(e) => {
            let e = StoreError::from_sqlite(e, "a batch of writes");
            answer(batch, Some(&Arc::new(e)));
            return true;
        }
    };
    let since = Instant::now();
    loop {
        let failed = write_batch(&conn, batch);
        let stop = failed.is_some() || since.elapsed() >= HOLD_AT_MOST;
        answer(batch, failed.as_ref());
        if stop {
            return failed.is_some();
        }
        match jobs.try_recv() {
            Ok(first) => *batch = next_batch(first, jobs),
            Err(_) => return false,
        }
    }
}

/// Runs one batch in one transaction; why it failed, if it did.
fn write_batch(conn: &Connection, batch: &mut [Box<dyn Write>]) -> Option<Arc<StoreError>> {
    let fail = |e: rusqlite::Error| Some(Arc::new(StoreError::from_sqlite(e, "a batch of writes")));
    // The statements a batch runs for every write, prepared once per run.
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut st| st.execute([]));
    if let Err(e) = run("BEGIN IMMEDIATE") {
        return fail(e);
    }
    let mut failed = None;
    for job in batch.iter_mut() {
        if let Err(e) = run("SAVEPOINT w") {
            failed = fail(e);
            break;
        }
        let outcome = job.run(conn);
        if conn.is_autocommit() {
            // SQLite rolled the whole transaction back by itself (a full disk, an I/O error):
            // every write of the batch is lost, and the rest must not run outside it.
            failed = Some(Arc::new(StoreError::Database(sqlx::Error::Protocol(
                format!(
                    "SQLite rolled back a batch of writes: {}",
                    outcome.err().unwrap_or_default()
                ),
            ))));
            break;
        }
        let end = match outcome {
            Ok(()) => run("RELEASE w").map(drop),
            Err(_) => conn.execute_batch("ROLLBACK TO w; RELEASE w"),
        };
        if let Err(e) = end {
            failed = fail(e);
            break;
        }
    }
    if failed.is_none() {
        if let Err(e) = run("COMMIT") {
            failed = fail(e);
        }
    }
    if !conn.is_autocommit() {
        // Leave the connection as sqlx expects it: outside any transaction. (Should even this
        // fail, the pool's release check closes the connection.)
        let _ = conn.execute_batch("ROLLBACK");
    }
    failed
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use opending_domain::{ActorKind, AuditEvent, AuditKind, AuditQuery, UnixTime};

    use crate::{AuditStore, SqliteStore, Store};

    async fn store() -> (SqliteStore, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("opending-batch-{}", uuid::Uuid::new_v4()));
        // Long enough for the pool's other users to wait out any run of batches in these tests.
        let acquire_timeout = Duration::from_secs(30);
        let store = SqliteStore::open_dir(&dir, false, acquire_timeout, Duration::from_secs(5))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }

    fn event(request_id: String) -> AuditEvent {
        let mut e = AuditEvent::new(AuditKind::TokenIssued, UnixTime(1), ActorKind::System, None);
        e.request_id = Some(request_id);
        e
    }

    /// Appends `n` events concurrently (so they share batches); each request id with its answer.
    async fn append_concurrently(
        store: &SqliteStore,
        n: usize,
        name: impl Fn(usize) -> String,
    ) -> Vec<(String, bool)> {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (store, id) = (store.clone(), name(i));
                tokio::spawn(async move {
                    // Two statements: when the second fails, the first must be undone too.
                    let pair = [event(format!("first-{id}")), event(id.clone())];
                    let ok = store.append_audit(&pair).await.is_ok();
                    (id, ok)
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }

    async fn stored_ids(store: &SqliteStore) -> Vec<String> {
        let q = AuditQuery {
            limit: 1000,
            ..Default::default()
        };
        let events = store.list_audit(&q).await.unwrap();
        events.into_iter().filter_map(|e| e.request_id).collect()
    }

    /// What a write answered is what was committed: every write that answered success is
    /// stored, every write that failed is not, whether it failed alone or with its batch.
    fn answers_match_storage(answers: &[(String, bool)], stored: &[String]) {
        for (id, ok) in answers {
            for stored_id in [id.clone(), format!("first-{id}")] {
                assert_eq!(
                    stored.contains(&stored_id),
                    *ok,
                    "{stored_id}: answered ok={ok}"
                );
            }
        }
    }

    /// A write that panics fails alone (its changes undone) and the writer thread lives on:
    /// the next write works. Before, the panic ended the thread and every later write failed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_fails_alone_and_the_writer_lives_on() {
        let (store, dir) = store().await;
        let panicked = store
            .group_commit()
            .run(|conn| -> crate::StoreResult<()> {
                conn.execute_batch("INSERT INTO meta (name, value) VALUES ('half', 'done')")
                    .unwrap();
                panic!("a bug in a write closure");
            })
            .await;
        assert!(panicked.is_err(), "{panicked:?}");
        let answers = append_concurrently(&store, 8, |i| format!("after-{i}")).await;
        assert!(answers.iter().all(|(_, ok)| *ok), "{answers:?}");
        let half: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE name = 'half'")
            .fetch_optional(store.writer())
            .await
            .unwrap();
        assert_eq!(half, None, "the panicking write's changes were undone");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A write that fails on its own (a statement-level abort) is undone alone; the writes
    /// batched with it commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_is_undone_alone() {
        let (store, dir) = store().await;
        sqlx::query(
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_events WHEN NEW.request_id LIKE 'bad%' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        .execute(store.writer())
        .await
        .unwrap();
        let answers = append_concurrently(&store, 300, |i| {
            if i % 7 == 3 {
                format!("bad{i}")
            } else {
                format!("ok{i}")
            }
        })
        .await;
        for (id, ok) in &answers {
            assert_eq!(*ok, id.starts_with("ok"), "{id}");
        }
        answers_match_storage(&answers, &stored_ids(&store).await);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A write that makes SQLite abandon the whole transaction (what a full disk does) fails
    /// its batch: the others of that batch answer an error too and none is stored; later
    /// batches commit as usual.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_that_loses_the_transaction_fails_its_batch_and_only_it() {
        let (store, dir) = store().await;
        sqlx::query(
            "CREATE TRIGGER boom BEFORE INSERT ON audit_events WHEN NEW.request_id LIKE 'boom%' \
             BEGIN SELECT RAISE(ROLLBACK, 'boom'); END",
        )
        .execute(store.writer())
        .await
        .unwrap();
        let answers = append_concurrently(&store, 300, |i| {
            if i % 50 == 25 {
                format!("boom{i}")
            } else {
                format!("ok{i}")
            }
        })
        .await;
        assert!(answers
            .iter()
            .filter(|(id, _)| id.starts_with("boom"))
            .all(|(_, ok)| !ok));
        answers_match_storage(&answers, &stored_ids(&store).await);
        store.append_audit(&[event("after".into())]).await.unwrap();
        assert!(stored_ids(&store).await.contains(&"after".to_owned()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// While writes keep the writer busy, the write pool's other users (the migrator, through
    /// sqlx) still get the connection: the writer hands it back at least every `HOLD_AT_MOST`
    /// instead of keeping it until the queue is empty.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_busy_writer_lets_the_pools_other_writes_through() {
        use std::sync::{
            atomic::{AtomicUsize, Ordering},
            Arc,
        };

        let (store, dir) = store().await;
        // Each write costs the writer about a tenth of a millisecond or more: the queue below
        // takes well over a second to write, in batches of MAX_BATCH.
        sqlx::query(
            "CREATE TRIGGER slow AFTER INSERT ON audit_events BEGIN SELECT count(*) FROM \
             (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) \
             SELECT x FROM c); END",
        )
        .execute(store.writer())
        .await
        .unwrap();
        const QUEUED: usize = 6 * super::MAX_BATCH;
        let answered = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..QUEUED)
            .map(|i| {
                let (store, answered) = (store.clone(), answered.clone());
                tokio::spawn(async move {
                    store.append_audit(&[event(format!("q{i}"))]).await.unwrap();
                    answered.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        sqlx::query("INSERT INTO meta (name, value) VALUES ('other', 'user')")
            .execute(store.writer())
            .await
            .unwrap();
        let done_before = answered.load(Ordering::SeqCst);
        for t in tasks {
            t.await.unwrap();
        }
        assert!(
            done_before < QUEUED / 2,
            "the pool's other write waited for {done_before} of {QUEUED} queued writes"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
