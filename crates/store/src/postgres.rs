//! PostgreSQL backend: for several instances sharing one database.

//!
//! One executor, sqlx: reads on a pooled connection, writes in a transaction each (PostgreSQL
//! commits concurrent transactions in parallel and groups their WAL flushes itself), and the
//! hottest statements of the token endpoint batched (`pg_batch.rs`).

use std::{future::Future, time::Duration};

use async_trait::async_trait;
use opending_domain::{token::AppToken, ClientId, CorpId, UnixTime};
use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use crate::{
    backend::{Backend, TxFuture},
    changes::CHANNEL,
    exec::{Dialect, EachRow, Stmt, Tx},
    pg_batch::Batches,
    pg_exec::bind,
    AppInOrg, ChangeFeed, MetaStore, Store, StoreResult,
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
    batches: Batches,
    /// Fresh reads of the change counter, shared by the requests that wait at the same time.
    fresh_seq: std::sync::Arc<crate::fresh_read::FreshRead>,
}

impl PgStore {
    const MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

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
            batches: Batches::start(&pool),
            pool,
            changes: ChangeFeed::default(),
            fresh_seq: Default::default(),
        })
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A transaction or pooled connection, for a body of statements.
struct PgTx<'c>(&'c mut sqlx::PgConnection);

#[async_trait]
impl Tx for PgTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, stmt: &Stmt) -> StoreResult<u64> {
        Ok(bind(stmt).execute(&mut *self.0).await?.rows_affected())
    }

    async fn query(
        &mut self,
        stmt: &Stmt,
        limit: Option<usize>,
        each: &mut EachRow<'_>,
    ) -> StoreResult<()> {
        if limit == Some(1) {
            if let Some(row) = bind(stmt).fetch_optional(&mut *self.0).await? {
                each(&row)?;
            }
            return Ok(());
        }
        let rows = bind(stmt).fetch_all(&mut *self.0).await?;
        for row in rows.iter().take(limit.unwrap_or(usize::MAX)) {
            each(row)?;
        }
        Ok(())
    }
}

impl Backend for PgStore {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn feed(&self) -> &ChangeFeed {
        &self.changes
    }

    fn batched_app_in_org(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> Option<impl Future<Output = StoreResult<Option<AppInOrg>>> + Send> {
        let key = (client_id.clone(), corp_id.clone());
        Some(self.batches.app_in_org.run(key))
    }

    fn batched_app_token(
        &self,
        candidate: &AppToken,
        now: UnixTime,
    ) -> Option<impl Future<Output = StoreResult<AppToken>> + Send> {
        Some(self.batches.app_tokens.run((candidate.clone(), now)))
    }

    async fn read<R, F>(&self, body: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
    {
        let mut conn = self.pool.acquire().await?;
        body(&mut PgTx(&mut conn)).await
    }

    async fn scan<R, F>(&self, body: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
    {
        self.read(body).await
    }

    async fn write<R, F>(&self, body: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
    {
        let mut tx = self.pool.begin().await?;
        let value = body(&mut PgTx(&mut tx)).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Without `BEGIN` and `COMMIT`: one round trip, not three.
    async fn write_one(&self, stmt: Stmt) -> StoreResult<u64> {
        Ok(bind(&stmt).execute(&self.pool).await?.rows_affected())
    }
}

#[async_trait]
impl Store for PgStore {
    async fn migrate(&self) -> StoreResult<()> {
        Self::MIGRATOR.run(&self.pool).await?;
        crate::resource::directory::backfill_userids(self).await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn changes(&self) -> &ChangeFeed {
        &self.changes
    }

    fn pool_state(&self) -> Vec<crate::PoolState> {
        vec![crate::pool_state("main", &self.pool)]
    }

    /// A read that started after the call did, shared with the calls waiting at the same time
    /// ([`crate::fresh_read`]): one round trip per wave of requests, not per request.
    async fn fresh_change_seq(&self) -> StoreResult<i64> {
        self.fresh_seq.get(|| self.change_seq()).await
    }
}
