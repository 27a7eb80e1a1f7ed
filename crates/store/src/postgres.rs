//! PostgreSQL backend: for several instances sharing one database.

use std::time::Duration;

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use crate::{
    changes::CHANNEL,
    pg_batch::{AppInOrgReads, AppTokenUpserts, Batcher},
    sql, ChangeFeed, Store, StoreResult,
};

/// A pooled connection idle this long is pinged before it is used again.
const IDLE_CHECK_AFTER: Duration = Duration::from_millis(500);

/// Fallback poll of the change counter, for notifications lost while the listener reconnects.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    changes: ChangeFeed,
    batched: Batched,
}

/// The batching queues of the hot statements (`pg_batch.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Batched {
    pub app_in_org: Batcher<AppInOrgReads>,
    pub app_tokens: Batcher<AppTokenUpserts>,
}

impl PgStore {
    fn pool_states(&self) -> Vec<crate::PoolState> {
        vec![crate::pool_state("main", &self.pool)]
    }
}

sql::impl_row_ext!(sqlx::postgres::PgRow);
sql::impl_store!(PgStore, sqlx::Postgres);
crate::sql_delegation::impl_delegation_store!(PgStore, sqlx::Postgres);
crate::audit::impl_audit_store!(PgStore, sqlx::Postgres);
crate::console::impl_console_store!(PgStore, sqlx::Postgres);

impl PgStore {
    const MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");
    const BACKEND: &'static str = "postgres";
    const NOTIFY: Option<&'static str> = Some("SELECT pg_notify('opending_changes', '')");
    /// Revocations lock what they revoke (see [`TokenLock`]).
    const TOKEN_LOCKS: bool = true;

    /// Starts listening for other instances' changes (`LISTEN opending_changes`, plus a
    /// once-a-second poll of the change counter as a safety net). Call after `migrate`.
    pub fn watch_other_processes(&self) {
        let store = self.clone();
        self.changes.spawn_poller(POLL_EVERY, move || {
            let store = store.clone();
            async move { store.change_seq().await.ok() }
        });
        let (pool, feed) = (self.pool.clone(), self.changes.clone());
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if listener.listen(CHANNEL).await.is_ok() {
                            // Anything may have changed while we were not listening.
                            feed.notify();
                            while listener.recv().await.is_ok() {
                                feed.notify();
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener cannot connect; retrying")
                    }
                }
                feed.notify();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Connects to `url` with at most `max_connections`, failing a checkout after
    /// `acquire_timeout` and any statement after `statement_timeout` (PostgreSQL's own
    /// `statement_timeout`), so an outage or a stuck lock answers fast instead of hanging.
    /// Connections that die with the server are replaced on the next checkout, so service
    /// resumes by itself when the database comes back.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
        statement_timeout: Duration,
    ) -> StoreResult<Self> {
        let opts: PgConnectOptions = url.parse()?;
        let opts = opts.options([(
            "statement_timeout",
            statement_timeout.as_millis().to_string(),
        )]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire_timeout)
            // A connection that broke while idle (a restart of the database) is found out before
            // a request uses it. Only after a pause: sqlx already pings every connection when
            // it is handed back, so one in steady use was checked a moment ago, and a ping on
            // every checkout too cost a third of the round trips of a token request.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_CHECK_AFTER {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts)
            .await?;
        Ok(Self {
            batched: Batched {
                app_in_org: Batcher::start(pool.clone()),
                app_tokens: Batcher::start(pool.clone()),
            },
            pool,
            changes: ChangeFeed::default(),
        })
    }

    /// A fresh read of the change counter: every read on PostgreSQL is fresh.
    async fn fresh_seq(&self) -> StoreResult<i64> {
        self.change_seq().await
    }

    /// The batching queues (`pg_batch.rs`).
    pub(crate) fn batched(&self) -> &Batched {
        &self.batched
    }

    /// The underlying pool (for change notification).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }
}

/// What a token write serializes on, on PostgreSQL (SQLite's one writer never overlaps two
/// writes). Under READ COMMITTED a revocation's `DELETE`s do not see a token pair that a
/// rotation or a code exchange commits while they run, so the pair would outlive the
/// revocation. Each revocation therefore takes the transaction-scoped advisory lock of what it
/// revokes — one family (code replay, refresh reuse), a user (leaving an org, withdrawing
/// consent), an app (its secret rotated, its tokens revoked, suspended or uninstalled in an
/// org) — exclusively, and every write that stores a pair takes its user's and its app's
/// shared and its family's exclusively, always in the order user, app, family and before any
/// row lock, so the two never interleave and never deadlock: whichever comes second sees
/// everything the first did. Advisory locks need no table; keys whose hashes collide only wait
/// for each other.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TokenLock<'a> {
    /// Every token of one user (a union id).
    User(&'a str),
    /// Every token of one app (a client id).
    App(&'a str),
    /// One token family (the hash of the code it came from).
    Family(&'a str),
}

impl TokenLock<'_> {
    /// The lock's key (hashed to the advisory lock's number by the statement).
    pub(crate) fn key(&self) -> String {
        match self {
            Self::User(u) => format!("opending/tokens-of-user/{u}"),
            Self::App(a) => format!("opending/tokens-of-app/{a}"),
            Self::Family(f) => format!("opending/token-family/{f}"),
        }
    }

    /// The statement taking it (bind [`Self::key`]), exclusively or shared.
    pub(crate) fn sql(exclusive: bool) -> &'static str {
        if exclusive {
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
        } else {
            "SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))"
        }
    }

    async fn take(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        exclusive: bool,
    ) -> crate::StoreResult<()> {
        sqlx::query(Self::sql(exclusive))
            .bind(self.key())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// What storing a new pair takes: its user's and app's locks shared, its family's
    /// exclusively.
    pub(crate) async fn for_new_pair(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        union_id: &str,
        client_id: &str,
        family: &str,
    ) -> crate::StoreResult<()> {
        TokenLock::User(union_id).take(tx, false).await?;
        TokenLock::App(client_id).take(tx, false).await?;
        TokenLock::Family(family).take(tx, true).await
    }
}
