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
    changes: ChangeFeed,
    /// Where fresh reads of the change counter come from; `None` for the in-memory store,
    /// which no other process can reach (its in-process change count is exact).
    fresh: Option<Arc<FreshReader>>,
}

/// Synchronous connections for [`crate::Store::fresh_change_seq`]: one indexed read of one row
/// in WAL mode takes a few microseconds, far less than handing a query to an sqlx worker
/// thread and back, so it runs inline on the caller's thread. Each statement is its own read
/// transaction and so sees every commit of every process sharing the file. Connections are
/// kept in a small stack, one per thread that is reading at the same moment.
#[derive(Debug)]
struct FreshReader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// Most idle fresh-read connections kept.
const FRESH_IDLE_MAX: usize = 8;

impl FreshReader {
    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(conn)
    }

    fn read(&self) -> StoreResult<i64> {
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => self.open().map_err(fresh_error)?,
        };
        let value: String = conn
            .prepare_cached("SELECT value FROM meta WHERE name = 'change_seq'")
            .and_then(|mut st| st.query_row([], |r| r.get(0)))
            .map_err(fresh_error)?;
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < FRESH_IDLE_MAX {
            idle.push(conn);
        }
        drop(idle);
        value
            .parse()
            .map_err(|e| crate::StoreError::Corrupt(format!("change_seq: {e}")))
    }
}

fn fresh_error(e: rusqlite::Error) -> crate::StoreError {
    crate::StoreError::Database(sqlx::Error::Protocol(format!(
        "reading the change counter: {e}"
    )))
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

    /// Starts watching the change counter, so changes made by another process sharing the
    /// file (e.g. `opending admin`) reach this process's subscribers. Call after `migrate`.
    pub fn watch_other_processes(&self) {
        let store = self.clone();
        self.changes.spawn_poller(POLL_EVERY, move || {
            let store = store.clone();
            async move { store.change_seq().await.ok() }
        });
    }

    /// Opens (creating if needed) `opending.db` in `data_dir`; a request waits at most
    /// `acquire_timeout` for a connection and `busy_timeout` for a lock held by another process.
    pub async fn open_dir(
        data_dir: &Path,
        full_sync: bool,
        acquire_timeout: Duration,
        busy_timeout: Duration,
    ) -> StoreResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
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
            .pragma("cache_size", "-16000");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(acquire_timeout)
            .connect_with(opts.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(acquire_timeout)
            .connect_with(opts.read_only(false))
            .await?;
        Ok(Self {
            read,
            write,
            changes: ChangeFeed::default(),
            fresh: Some(Arc::new(FreshReader {
                path: data_dir.join("opending.db"),
                idle: Mutex::new(Vec::new()),
            })),
        })
    }

    /// A private in-memory database, gone when the store is dropped.
    pub async fn open_memory() -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection that never closes: the database lives exactly as long as it.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
            changes: ChangeFeed::default(),
            fresh: None,
        })
    }

    /// See [`FreshReader`]; the in-memory store counts its own changes.
    async fn fresh_seq(&self) -> StoreResult<i64> {
        match &self.fresh {
            Some(reader) => reader.read(),
            None => Ok(self.changes.count() as i64),
        }
    }

    fn reader(&self) -> &SqlitePool {
        &self.read
    }

    fn writer(&self) -> &SqlitePool {
        &self.write
    }
}
