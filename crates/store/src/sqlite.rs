//! SQLite backend: the embedded default, and the in-memory store for throwaway runs.
//!
//! WAL journal with `synchronous=NORMAL`: a committed write survives a crash of the process
//! (the `kill -9` guarantee) without an fsync per request; `synchronous=FULL` adds power-loss
//! durability at the cost of throughput.
//!
//! One executor, rusqlite: every write runs on the group-commit writer (`group_commit.rs`) over
//! the one connection of an sqlx write pool (which also runs the migrations and checks each
//! connection it opens, see [`can_write`] and [`leaves_no_transaction`]), so writers queue
//! in-process instead of failing with `SQLITE_BUSY`; reads run on [`InlineReader`]'s
//! connections, point reads on the caller's thread and scans on Tokio's blocking pool.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll, Waker},
    time::Duration,
};

use async_trait::async_trait;
use sqlx::{
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

use crate::{
    backend::{Backend, TxFuture},
    exec::{Dialect, EachRow, Param, Row, Stmt, Tx},
    ChangeFeed, MetaStore, Store, StoreError, StoreResult,
};

/// How often another process's changes to a shared SQLite file are looked for.
const POLL_EVERY: Duration = Duration::from_millis(250);

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    write: SqlitePool,
    /// The request path's writes, batched (see `group_commit.rs`); over `write`.
    group: crate::group_commit::GroupCommit,
    changes: ChangeFeed,
    /// Where inline reads run; `None` for the in-memory store, which has one connection
    /// (its reads go through the group-commit writer, and its in-process change count is exact:
    /// no other process can reach it).
    inline: Option<Arc<InlineReader>>,
}

/// Synchronous connections for every read: point reads run inline on the caller's thread (the
/// change counter behind [`crate::Store::fresh_change_seq`], the token endpoints' lookups), scans
/// on Tokio's blocking pool. One indexed read in WAL mode takes a few microseconds, far less
/// than handing a query to a worker thread and back. Each statement is its own read
/// transaction and so sees every commit of every process sharing the file. Connections are
/// kept in a small stack, one per thread that is reading at the same moment.
#[derive(Debug)]
struct InlineReader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    /// Connections taken out of `idle` (or opened) and not yet back.
    in_use: AtomicU32,
    /// Set by [`crate::Store::close`]: no connection is kept idle any more.
    closed: AtomicBool,
}

/// How long [`Store::close`] waits for the reads under way to finish.
const CLOSE_PATIENCE: Duration = Duration::from_secs(5);

/// Most idle inline-read connections kept.
const INLINE_IDLE_MAX: usize = 8;

impl InlineReader {
    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(conn)
    }

    fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        // Counted before `closed` is looked at, and `close` sets `closed` before it counts
        // (both sequentially consistent): either this read sees the store closed, or `close`
        // sees this read and waits for it.
        self.in_use.fetch_add(1, Ordering::SeqCst);
        let value = self.read_counted(read);
        self.in_use.fetch_sub(1, Ordering::SeqCst);
        value
    }

    /// [`Self::read`] once counted in `in_use`; the connection is back in `idle` or closed
    /// when it returns.
    fn read_counted<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(StoreError::Database(sqlx::Error::PoolClosed));
        }
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let value = read(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < INLINE_IDLE_MAX && !self.closed.load(Ordering::SeqCst) {
            idle.push(conn);
        }
        value
    }

    /// Refuses new reads, closes the idle connections and waits (at most `patience`) for the
    /// reads under way to close theirs, so that the write pool's connection is the last one
    /// open and its close removes the `-wal` and `-shm` files.
    async fn close(&self, patience: Duration) {
        self.closed.store(true, Ordering::SeqCst);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let deadline = tokio::time::Instant::now() + patience;
        while self.in_use.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    reads = self.in_use.load(Ordering::SeqCst),
                    "reads still under way at close"
                );
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn state(&self) -> crate::PoolState {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).len() as u32;
        crate::PoolState {
            pool: "read",
            size: idle + self.in_use.load(Ordering::Relaxed),
            idle,
            max: INLINE_IDLE_MAX as u32,
        }
    }

    fn change_seq(&self) -> StoreResult<i64> {
        let value: String = self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM meta WHERE name = 'change_seq'")?
                .query_row([], |r| r.get(0))?)
        })?;
        value
            .parse()
            .map_err(|e| crate::StoreError::Corrupt(format!("change_seq: {e}")))
    }
}

/// Whether a connection handed back to its pool may be kept: only when no transaction is left
/// on it. When SQLite rolls a whole transaction back by itself — a failed `COMMIT` on a full
/// disk or an I/O error, `RAISE(ROLLBACK)` — sqlx's `ROLLBACK` on drop then fails ("no
/// transaction is active") and sqlx's count of open transactions stays at 1. Its next `begin`
/// would issue `SAVEPOINT` instead of `BEGIN`, and after one more failed write the connection
/// sits in a transaction that never commits: every later write answers success and is lost
/// (seen by the database-trouble test, crates/cli/tests/cli/outage/). Such a connection is
/// closed instead, and the pool opens a clean one.
async fn leaves_no_transaction(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::{Connection, TransactionManager};
    // Runs after the rollback a dropped transaction queued, so the count below is final.
    conn.ping().await?;
    let depth = <sqlx::Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(conn);
    if depth != 0 {
        tracing::warn!(
            depth,
            "SQLite connection left inside a transaction after a failed write; closing it"
        );
    }
    Ok(depth == 0)
}

/// Refuses a write connection that SQLite opened read-only. When the file cannot be opened for
/// writing (permissions, an immutable file, a read-only mount) SQLite silently opens it
/// read-only instead; kept in the pool, such a connection would fail every write with
/// `SQLITE_READONLY` for as long as it lives, even after the file is writable again. Refused,
/// the pool retries on the next checkout, so writes resume once the file can be written.
/// Says so once (and once more when it is over) while [`can_write`] finds the file read-only;
/// sqlx logs each refused connection on top.
static READ_ONLY_REPORTED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

async fn can_write(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    use std::sync::atomic::Ordering;

    use sqlx::Executor;
    // A write that is rolled back (nothing reaches the file): `SQLITE_READONLY` on a read-only
    // connection. `BEGIN IMMEDIATE` alone succeeds there; the check comes with the first write.
    // (With the file unwritable `BEGIN IMMEDIATE` may fail already.)
    let probe = async {
        conn.execute("BEGIN IMMEDIATE").await?;
        let write = conn.execute("PRAGMA user_version = 0").await;
        conn.execute("ROLLBACK").await?;
        write
    };
    match probe.await {
        Ok(_) => {
            if READ_ONLY_REPORTED.swap(false, Ordering::Relaxed) {
                tracing::warn!("the SQLite database is writable again; writes resume");
            }
            Ok(())
        }
        Err(e) => {
            let read_only = e
                .as_database_error()
                .and_then(|d| d.code())
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| c & 0xff == 8);
            if read_only && !READ_ONLY_REPORTED.swap(true, Ordering::Relaxed) {
                tracing::error!(
                    "the SQLite database cannot be written (a read-only file, directory or \
                     mount); every write fails until it is writable again"
                );
            }
            Err(e)
        }
    }
}

impl SqliteStore {
    const MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

    /// Starts watching the change counter, so changes made by another process sharing the
    /// file (e.g. `opending admin`) reach this process's subscribers. Call after `migrate`.
    pub fn watch_other_processes(&self) {
        let store = self.clone();
        self.changes.spawn_poller(POLL_EVERY, move || {
            let store = store.clone();
            async move { store.change_seq().await.ok() }
        });
    }

    /// Opens (creating if needed) `opending.db` in `data_dir` (a new directory is made mode 0700,
    /// a new database file mode 0600; SQLite gives its `-wal` and `-shm` files the database
    /// file's mode); a request waits at most
    /// `acquire_timeout` for a connection and `busy_timeout` for a lock held by another process.
    pub async fn open_dir(
        data_dir: &Path,
        full_sync: bool,
        acquire_timeout: Duration,
        busy_timeout: Duration,
    ) -> StoreResult<Self> {
        create_private(data_dir).map_err(|e| {
            crate::StoreError::Database(sqlx::Error::Configuration(
                format!("cannot create data directory {}: {e}", data_dir.display()).into(),
            ))
        })?;
        let opts = SqliteConnectOptions::new()
            .filename(data_dir.join("opending.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if full_sync {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .busy_timeout(busy_timeout)
            .foreign_keys(true)
            .pragma("cache_size", "-16000")
            // The group-commit writer runs each write under a savepoint; SQLite keeps what a
            // savepoint may have to undo in a temporary file unless told to keep it in memory
            // (it is at most the pages of one write). Measured: a tenth of the writer's time
            // went to those files' system calls under the code-exchange benchmark.
            .pragma("temp_store", "memory")
            // SQLite copies the WAL back into the database file (two fsyncs) on the commit
            // that takes it past this many pages; 1000 by default. Every 4000 pages (16 MB)
            // instead, a page written many times in between is copied once, and the fsyncs
            // come a quarter as often: the code-exchange benchmark went from about 5.9k to
            // 6.9k/s, at the price of a longer stall for the one batch that checkpoints
            // (p99 24 -> 46 ms there). Durability is unchanged: a commit is durable once it is
            // in the WAL.
            .pragma("wal_autocheckpoint", "4000");
        // Only the write pool runs transactions, so only it needs `leaves_no_transaction` (which
        // costs a round trip to the connection's thread on every release).
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(acquire_timeout)
            .after_connect(|conn, _| Box::pin(can_write(conn)))
            .after_release(|conn, _| Box::pin(leaves_no_transaction(conn)))
            .connect_with(opts.clone())
            .await?;
        Ok(Self {
            group: crate::group_commit::GroupCommit::start(write.clone(), true)?,
            write,
            changes: ChangeFeed::default(),
            inline: Some(Arc::new(InlineReader {
                path: data_dir.join("opending.db"),
                idle: Mutex::new(Vec::new()),
                in_use: AtomicU32::new(0),
                closed: AtomicBool::new(false),
            })),
        })
    }

    /// A private in-memory database, gone when the store is dropped.
    pub async fn open_memory() -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection that never closes: the database lives exactly as long as it. (So no
        // `leaves_no_transaction` here: closing it would drop the data. What makes SQLite roll
        // a transaction back by itself — a full disk, an I/O error — does not happen in memory.)
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await?;
        Ok(Self {
            group: crate::group_commit::GroupCommit::start(pool.clone(), false)?,
            write: pool,
            changes: ChangeFeed::default(),
            inline: None,
        })
    }

    /// The write pool (tests).
    #[cfg(test)]
    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.write
    }

    /// The group-commit writer (tests).
    #[cfg(test)]
    pub(crate) fn group_commit(&self) -> &crate::group_commit::GroupCommit {
        &self.group
    }
}

/// A transaction (or read) on one SQLite connection, for a body of statements.
struct SqliteTx<'c>(&'c rusqlite::Connection);

// SAFETY: a `SqliteTx` is made on a connection's thread (the writer thread, a reading thread),
// handed as `&mut dyn Tx` to one body whose future is polled to completion on that same thread
// inside one synchronous call ([`run_body`]) and dropped there: it never crosses a thread. The
// `Send` bound is the one `Tx` carries for PostgreSQL, whose transactions do move between
// Tokio's threads.
#[allow(unsafe_code)]
unsafe impl Send for SqliteTx<'_> {}

#[async_trait]
impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, stmt: &Stmt) -> StoreResult<u64> {
        Ok(prepare(self.0, stmt)?.raw_execute()? as u64)
    }

    async fn query(
        &mut self,
        stmt: &Stmt,
        limit: Option<usize>,
        each: &mut EachRow<'_>,
    ) -> StoreResult<()> {
        let mut st = prepare(self.0, stmt)?;
        let mut rows = st.raw_query();
        let mut left = limit.unwrap_or(usize::MAX);
        while left > 0 {
            let Some(row) = rows.next()? else { break };
            each(row)?;
            left -= 1;
        }
        Ok(())
    }
}

/// Runs `body` on `conn`, to completion, on this thread. The statements of a [`SqliteTx`] never
/// wait, so the body's future is ready when first polled; one that is not awaited something
/// else, which a SQLite body must not do.
fn run_body<R, F>(conn: &rusqlite::Connection, body: F) -> StoreResult<R>
where
    F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R>,
{
    let mut tx = SqliteTx(conn);
    let mut future = body(&mut tx);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => Err(StoreError::Corrupt(
            "a SQLite statement body waited on something other than SQLite".into(),
        )),
    }
}

/// Prepares `stmt` with its parameters bound by number: SQLite numbers `$N` placeholders in
/// order of first appearance, not by `N` (PostgreSQL binds them by `N`), so each is bound by
/// its name.
fn prepare<'c>(
    conn: &'c rusqlite::Connection,
    stmt: &Stmt,
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let mut st = conn.prepare_cached(&stmt.sql)?;
    for i in 1..=st.parameter_count() {
        let name = st.parameter_name(i).unwrap_or_default();
        let param = name
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| stmt.params.get(n.wrapping_sub(1)))
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_owned()))?;
        st.raw_bind_parameter(i, param)?;
    }
    Ok(st)
}

impl rusqlite::ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Int(v) => v.to_sql(),
            Self::OptInt(v) => v.to_sql(),
            Self::Text(v) => v.to_sql(),
            Self::OptText(v) => v.to_sql(),
            Self::Ints(_) | Self::Texts(_) => Err(rusqlite::Error::ToSqlConversionFailure(
                "SQLite binds no arrays".into(),
            )),
        }
    }
}

impl Row for rusqlite::Row<'_> {
    fn text(&self, col: &str) -> StoreResult<String> {
        Ok(self.get(col)?)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        Ok(self.get(col)?)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        Ok(self.get(col)?)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        Ok(self.get(col)?)
    }
}

impl Backend for SqliteStore {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn feed(&self) -> &ChangeFeed {
        &self.changes
    }

    fn in_process_change_count(&self) -> Option<i64> {
        self.inline.is_none().then(|| self.changes.count() as i64)
    }

    /// Inline, on the caller's thread; on the in-memory store (one connection), through the
    /// writer.
    async fn read<R, F>(&self, body: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
    {
        match &self.inline {
            Some(reader) => reader.read(|conn| run_body(conn, body)),
            None => self.group.run(move |conn| run_body(conn, body)).await,
        }
    }

    /// On Tokio's blocking pool; on the in-memory store, through the writer.
    async fn scan<R, F>(&self, body: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
    {
        match &self.inline {
            Some(reader) => {
                let reader = reader.clone();
                tokio::task::spawn_blocking(move || reader.read(|conn| run_body(conn, body)))
                    .await
                    .map_err(|e| StoreError::Corrupt(format!("a SQLite read failed: {e}")))?
            }
            None => self.group.run(move |conn| run_body(conn, body)).await,
        }
    }

    /// In the writer's next batch (`group_commit.rs`), under a savepoint of its own.
    async fn write<R, F>(&self, body: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
    {
        self.group.run(move |conn| run_body(conn, body)).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        Self::MIGRATOR.run(&self.write).await?;
        crate::resource::directory::backfill_userids(self).await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|tx| {
            Box::pin(async move {
                tx.query(&crate::exec::stmt!("SELECT 1"), Some(1), &mut |_| Ok(()))
                    .await
            })
        })
        .await
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn close(&self) {
        if let Some(inline) = &self.inline {
            inline.close(CLOSE_PATIENCE).await;
        }
        // Copies the log into the database and empties it, even should a connection outlive
        // the pool; then the last connection's close removes the `-wal` and `-shm` files.
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.write)
            .await
        {
            tracing::warn!(error = %e, "checkpoint at close failed");
        }
        // sqlx's `Pool::close` can return with a connection still open (launchbadge/sqlx#3217):
        // a connection whose return to the pool began before the close (the checkpoint's, a
        // batch's) lands in the idle queue after the close emptied it, and stays open for the
        // life of the process, keeping the `-wal` file. Closing again closes it.
        let deadline = tokio::time::Instant::now() + CLOSE_PATIENCE;
        self.write.close().await;
        while self.write.size() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
            self.write.close().await;
        }
        if self.write.size() > 0 {
            tracing::warn!("the write connection was still in use at close");
        }
    }

    fn changes(&self) -> &ChangeFeed {
        &self.changes
    }

    fn pool_state(&self) -> Vec<crate::PoolState> {
        let mut pools = vec![crate::pool_state("write", &self.write)];
        pools.extend(self.inline.as_ref().map(|r| r.state()));
        pools
    }

    /// See [`InlineReader`]; the in-memory store counts its own changes.
    async fn fresh_change_seq(&self) -> StoreResult<i64> {
        match &self.inline {
            Some(reader) => reader.change_seq(),
            None => Ok(self.changes.count() as i64),
        }
    }
}

/// Creates `data_dir` (mode 0700 when new) and an empty `opending.db` in it (mode 0600 when
/// new), so that the database, and the WAL and shared-memory files SQLite makes with the same
/// mode, are readable by the server's own user only. Existing files keep their mode.
fn create_private(data_dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)?;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(data_dir.join("opending.db"))
        {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(data_dir)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use opending_domain::{CorpId, Org, UnixTime};

    use super::SqliteStore;
    use crate::{OrgStore, Store, StoreError};

    fn org(id: &str, name: &str) -> Org {
        Org {
            corp_id: CorpId::parse(id).unwrap(),
            name: name.to_owned(),
            created_at: UnixTime(1),
        }
    }

    /// A migrated store in a new directory under the system's temporary one.
    async fn migrated_in_new_dir() -> (std::path::PathBuf, SqliteStore) {
        let dir = std::env::temp_dir().join(format!("opending-store-{}", uuid::Uuid::new_v4()));
        let store =
            SqliteStore::open_dir(&dir, false, Duration::from_secs(5), Duration::from_secs(5))
                .await
                .unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    /// A transaction SQLite rolled back by itself, then a failed write, must not leave the
    /// write connection inside a transaction that never commits (every later write would
    /// answer success and be lost).
    #[tokio::test]
    async fn writes_after_an_automatic_rollback_are_committed() {
        let (dir, store) = migrated_in_new_dir().await;
        // What a full disk does to a COMMIT, on demand: SQLite rolls the whole transaction back.
        sqlx::query(
            "CREATE TRIGGER boom BEFORE INSERT ON orgs WHEN NEW.name = 'boom' \
             BEGIN SELECT RAISE(ROLLBACK, 'boom'); END",
        )
        .execute(&store.write)
        .await
        .unwrap();
        store.create_org(&org("dingfirst", "First")).await.unwrap();
        assert!(store.create_org(&org("dingboom", "boom")).await.is_err());
        assert!(matches!(
            store.create_org(&org("dingfirst", "Again")).await,
            Err(StoreError::Conflict(_))
        ));
        for id in ["dingafter1", "dingafter2"] {
            store.create_org(&org(id, "After")).await.unwrap();
            // Committed: another connection sees it.
            let seen = store.get_org(&CorpId::parse(id).unwrap()).await.unwrap();
            assert!(
                seen.is_some(),
                "{id} answered success but was not committed"
            );
        }
        store.write.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A connection SQLite opened read-only (what it silently does when the file cannot be
    /// opened for writing) is refused for the write pool; a writable one is accepted.
    #[tokio::test]
    async fn a_read_only_connection_is_refused_for_writing() {
        use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions};
        let dir = std::env::temp_dir().join(format!("opending-store-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let opts = SqliteConnectOptions::new()
            .filename(dir.join("opending.db"))
            .create_if_missing(true);
        let mut writable = opts.connect().await.unwrap();
        sqlx::Executor::execute(&mut writable, "PRAGMA journal_mode=WAL; CREATE TABLE t (x)")
            .await
            .unwrap();
        super::can_write(&mut writable).await.unwrap();
        let mut read_only = opts.read_only(true).connect().await.unwrap();
        let err = super::can_write(&mut read_only).await.unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A new data directory and database are readable by the server's user only.
    #[cfg(unix)]
    #[tokio::test]
    async fn new_database_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("opending-store-{}", uuid::Uuid::new_v4()));
        let store = super::SqliteStore::open_dir(
            &dir,
            false,
            std::time::Duration::from_secs(5),
            std::time::Duration::from_secs(5),
        )
        .await
        .unwrap();
        crate::Store::migrate(&store).await.unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for f in ["opending.db", "opending.db-wal", "opending.db-shm"] {
            let p = dir.join(f);
            assert!(p.exists(), "{f} missing");
            assert_eq!(mode(&p), 0o600, "{f}");
        }
        store.write.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Closing while reads run on other threads (the change poller, a scan on the blocking
    /// pool, a request) leaves no `-wal` file: the reads under way finish and close their
    /// connections first, later ones are refused, and the write pool's connection is the last.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn close_during_reads_leaves_no_write_ahead_log() {
        for round in 0..20 {
            let (dir, store) = migrated_in_new_dir().await;
            store.create_org(&org("ding1", "Acme")).await.unwrap();
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let readers: Vec<_> = (0..3)
                .map(|_| {
                    let (store, stop) = (store.clone(), stop.clone());
                    std::thread::spawn(move || {
                        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                            match store.inline.as_ref().unwrap().change_seq() {
                                Ok(_) | Err(StoreError::Database(sqlx::Error::PoolClosed)) => {}
                                Err(e) => panic!("a read failed other than by the close: {e}"),
                            }
                        }
                    })
                })
                .collect();
            tokio::time::sleep(Duration::from_millis(5)).await;
            store.close().await;
            assert!(
                matches!(
                    store.inline.as_ref().unwrap().change_seq(),
                    Err(StoreError::Database(sqlx::Error::PoolClosed))
                ),
                "a read after the close is refused"
            );
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for r in readers {
                r.join().unwrap();
            }
            assert!(dir.join("opending.db").exists());
            assert!(
                !dir.join("opending.db-wal").exists(),
                "round {round}: a WAL file was left behind"
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    /// `$N` binds the N-th parameter even where `$2` comes before `$1` in the text (SQLite
    /// alone would number them by first appearance).
    #[test]
    fn placeholders_bind_by_number_not_by_position() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let stmt = crate::exec::stmt!("SELECT $2 AS second, $1 AS first, $2 AS again", 1, "two");
        let row = super::run_body(&conn, move |tx| {
            Box::pin(async move {
                tx.one(&stmt, |r| {
                    Ok((r.text("second")?, r.int("first")?, r.text("again")?))
                })
                .await
            })
        })
        .unwrap();
        assert_eq!(row, Some(("two".to_owned(), 1, "two".to_owned())));
    }
}
