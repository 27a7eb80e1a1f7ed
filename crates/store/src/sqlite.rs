//! SQLite backend: the embedded default, and the in-memory store for throwaway runs.
//!
//! WAL journal with `synchronous=NORMAL`: a committed write survives a crash of the process
//! (the `kill -9` guarantee) without an fsync per request; `synchronous=FULL` adds power-loss
//! durability at the cost of throughput. Writes go through a one-connection pool so writers
//! queue in-process instead of failing with `SQLITE_BUSY`; reads use a separate pool.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use sqlx::{
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

use crate::{sql, ChangeFeed, Store, StoreResult};

/// How often another process's changes to a shared SQLite file are looked for.
const POLL_EVERY: Duration = Duration::from_millis(250);

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    /// The request path's writes, batched (see `group_commit.rs`); over `write`.
    group: crate::group_commit::GroupCommit,
    changes: ChangeFeed,
    /// Where inline reads run; `None` for the in-memory store, which has one connection
    /// (its reads go through the group-commit writer, and its in-process change count is exact:
    /// no other process can reach it).
    inline: Option<Arc<InlineReader>>,
}

/// Synchronous connections for the reads that run inline on the caller's thread: the change
/// counter behind [`crate::Store::fresh_change_seq`] and the token endpoints' point reads
/// (`reads.rs`). One indexed read in WAL mode takes a few microseconds, far less than handing
/// a query to an sqlx worker thread and back. Each statement is its own read transaction and
/// so sees every commit of every process sharing the file. Connections are kept in a small
/// stack, one per thread that is reading at the same moment.
#[derive(Debug)]
struct InlineReader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

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
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let value = read(&conn)?;
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < INLINE_IDLE_MAX {
            idle.push(conn);
        }
        Ok(value)
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
/// (seen by the database-trouble test, crates/cli/tests/cli/outage.rs). Such a connection is
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
    fn pool_states(&self) -> Vec<crate::PoolState> {
        vec![
            crate::pool_state("read", &self.read),
            crate::pool_state("write", &self.write),
        ]
    }
}

sql::impl_row_ext!(sqlx::sqlite::SqliteRow);
sql::impl_store!(SqliteStore, sqlx::Sqlite);
crate::sql_delegation::impl_delegation_store!(SqliteStore, sqlx::Sqlite);
crate::audit::impl_audit_store!(SqliteStore, sqlx::Sqlite);
crate::console::impl_console_store!(SqliteStore, sqlx::Sqlite);

impl SqliteStore {
    const MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
    const BACKEND: &'static str = "sqlite";
    const NOTIFY: Option<&'static str> = None;
    /// SQLite needs no token locks: its one writer never overlaps two writes.
    const TOKEN_LOCKS: bool = false;

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
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(acquire_timeout)
            .connect_with(opts.read_only(false))
            .await?;
        Ok(Self {
            read,
            group: crate::group_commit::GroupCommit::start(write.clone())?,
            write,
            changes: ChangeFeed::default(),
            inline: Some(Arc::new(InlineReader {
                path: data_dir.join("opending.db"),
                idle: Mutex::new(Vec::new()),
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
            read: pool.clone(),
            group: crate::group_commit::GroupCommit::start(pool.clone())?,
            write: pool,
            changes: ChangeFeed::default(),
            inline: None,
        })
    }

    /// See [`InlineReader`]; the in-memory store counts its own changes.
    async fn fresh_seq(&self) -> StoreResult<i64> {
        match &self.inline {
            Some(reader) => reader.change_seq(),
            None => Ok(self.changes.count() as i64),
        }
    }

    /// The in-process change count when it is the fresh counter (the in-memory store).
    pub(crate) fn in_process_change_count(&self) -> Option<i64> {
        self.inline.is_none().then(|| self.changes.count() as i64)
    }

    /// Runs a point read inline ([`InlineReader`]); on the in-memory store, through the writer.
    pub(crate) async fn read_inline<T: Send + 'static>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        match &self.inline {
            Some(reader) => reader.read(read),
            None => self.group.run(read).await,
        }
    }

    fn reader(&self) -> &SqlitePool {
        &self.read
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.write
    }

    pub(crate) fn group_commit(&self) -> &crate::group_commit::GroupCommit {
        &self.group
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
    use crate::{Store, StoreError};

    fn org(id: &str, name: &str) -> Org {
        Org {
            corp_id: CorpId::parse(id).unwrap(),
            name: name.to_owned(),
            created_at: UnixTime(1),
        }
    }

    /// A transaction SQLite rolled back by itself, then a failed write, must not leave the
    /// write connection inside a transaction that never commits (every later write would
    /// answer success and be lost).
    #[tokio::test]
    async fn writes_after_an_automatic_rollback_are_committed() {
        let dir = std::env::temp_dir().join(format!("opending-store-{}", uuid::Uuid::new_v4()));
        let store =
            SqliteStore::open_dir(&dir, false, Duration::from_secs(5), Duration::from_secs(5))
                .await
                .unwrap();
        store.migrate().await.unwrap();
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
        store.read.close().await;
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
        store.read.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
