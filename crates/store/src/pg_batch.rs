//! Batching for PostgreSQL's hot statements: the requests that arrive while a batch is in
//! PostgreSQL wait in a queue, and the next batch runs them all as one statement over arrays
//! (`unnest`). Two kinds are batched: the cold token request's read of the app in the org
//! ([`AppInOrgReads`]) and its app-token upsert ([`AppTokenUpserts`]).
//!
//! Why: a cold app-token request (a new token every time, scenario (b) in docs/benchmarks.md)
//! is one read and one write. Run one by one, each costs a statement, a transaction, and the
//! ping sqlx sends when the connection goes back to the pool; under load PostgreSQL's backends
//! and the kernel's loopback spend two cores on those round trips, not on the rows. Batched, a
//! busy moment's requests cost one statement each kind. Nobody hears back before their batch's
//! statement returned (for the upsert: committed), so what a caller is told is as durable and
//! as fresh as with a statement of its own: its read ran after it asked.
//!
//! When a batch's statement fails (an app or org deleted meanwhile, say), each request of it
//! runs again on its own, so each gets its own answer and one bad row fails only itself.

use std::{collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use opending_domain::{token::AppToken, ClientId, CorpId, UnixTime};
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::{
    pg_exec::bind,
    resource::{app_tokens, apps},
    AppInOrg, StoreError, StoreResult,
};

/// Most requests in one statement; more wait for the next.
const MAX_BATCH: usize = 512;

/// Batches of one kind in PostgreSQL at the same time: while one runs, the next gathers and
/// may start.
const IN_FLIGHT: usize = 2;

/// One kind of batched statement.
#[async_trait]
pub(crate) trait Batched: Send + Sync + 'static {
    /// One request.
    type Item: Send + Sync + 'static;
    /// Its answer.
    type Answer: Send + 'static;
    /// Runs `items` as one statement: an answer per item, in order.
    async fn many(pool: &PgPool, items: &[Self::Item]) -> StoreResult<Vec<Self::Answer>>;
    /// Runs one item on its own.
    async fn one(pool: &PgPool, item: &Self::Item) -> StoreResult<Self::Answer>;
}

type Job<B> = (
    <B as Batched>::Item,
    oneshot::Sender<StoreResult<<B as Batched>::Answer>>,
);

/// The queue of one kind of statement and the task that runs it (ending with the last handle).
pub(crate) struct Batcher<B: Batched> {
    queue: mpsc::UnboundedSender<Job<B>>,
}

impl<B: Batched> Clone for Batcher<B> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<B: Batched> std::fmt::Debug for Batcher<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::any::type_name::<B>())
    }
}

impl<B: Batched> Batcher<B> {
    /// Starts the task on the current Tokio runtime.
    pub(crate) fn start(pool: PgPool) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(gather::<B>(pool, jobs));
        Self { queue }
    }

    /// Runs `item` in the next batch.
    pub(crate) async fn run(&self, item: B::Item) -> StoreResult<B::Answer> {
        let (caller, answer) = oneshot::channel();
        self.queue.send((item, caller)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// Takes what is queued whenever a batch may start, and starts it.
async fn gather<B: Batched>(pool: PgPool, mut jobs: mpsc::UnboundedReceiver<Job<B>>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = jobs.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        // Whatever came while waiting for a slot joins this batch.
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            run_batch::<B>(&pool, batch).await;
            drop(slot);
        });
    }
}

/// Runs one batch and answers its callers.
async fn run_batch<B: Batched>(pool: &PgPool, batch: Vec<Job<B>>) {
    let (items, callers): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    if items.len() > 1 {
        match B::many(pool, &items).await {
            Ok(answers) if answers.len() == items.len() => {
                for (caller, answer) in callers.into_iter().zip(answers) {
                    let _ = caller.send(Ok(answer));
                }
                return;
            }
            // One of them failed the statement: each alone, for its own answer.
            Ok(_) | Err(_) => {}
        }
    }
    for (item, caller) in items.iter().zip(callers) {
        let _ = caller.send(B::one(pool, item).await);
    }
}

/// The batching queues of the hot statements, one per kind.
#[derive(Debug, Clone)]
pub(crate) struct Batches {
    /// [`AppInOrgReads`].
    pub app_in_org: Batcher<AppInOrgReads>,
    /// [`AppTokenUpserts`].
    pub app_tokens: Batcher<AppTokenUpserts>,
}

impl Batches {
    /// Starts every queue on the current Tokio runtime.
    pub(crate) fn start(pool: &PgPool) -> Self {
        Self {
            app_in_org: Batcher::start(pool.clone()),
            app_tokens: Batcher::start(pool.clone()),
        }
    }
}

/// The cold token request's read: an app with its standing in an org (see
/// [`crate::Store::app_in_org`]).
pub(crate) struct AppInOrgReads;

#[async_trait]
impl Batched for AppInOrgReads {
    type Item = (ClientId, CorpId);
    type Answer = Option<AppInOrg>;

    async fn many(pool: &PgPool, items: &[Self::Item]) -> StoreResult<Vec<Self::Answer>> {
        let (clients, corps): (Vec<&str>, Vec<&str>) =
            items.iter().map(|(a, o)| (a.as_str(), o.as_str())).unzip();
        let rows = sqlx::query(apps::APP_IN_ORGS_PG)
            .bind(clients)
            .bind(corps)
            .fetch_all(pool)
            .await?;
        let mut answers: Vec<Self::Answer> = items.iter().map(|_| None).collect();
        for row in &rows {
            let n: i64 = sqlx::Row::try_get(row, "n")?;
            let slot = usize::try_from(n - 1)
                .ok()
                .and_then(|i| answers.get_mut(i))
                .ok_or_else(|| StoreError::Corrupt(format!("a batched read's row {n}")))?;
            *slot = Some(apps::app_in_org_row(row)?);
        }
        Ok(answers)
    }

    async fn one(pool: &PgPool, (client, corp): &Self::Item) -> StoreResult<Self::Answer> {
        let stmt = apps::app_in_org_stmt(client, corp);
        let row = bind(&stmt).fetch_optional(pool).await?;
        row.as_ref().map(|r| apps::app_in_org_row(r)).transpose()
    }
}

/// The cold token request's write: keep or take the app token (see
/// [`crate::Store::issue_app_token`]).
///
/// Requests for the same (app, org) share one row, the candidate that expires last (as the
/// last of them would have renewed the expiry to), and each gets the row the upsert returned,
/// as each would have one after the other. Rows go in sorted by key, so two batches in flight
/// lock rows in the same order and cannot deadlock.
pub(crate) struct AppTokenUpserts;

#[async_trait]
impl Batched for AppTokenUpserts {
    type Item = (AppToken, UnixTime);
    type Answer = AppToken;

    async fn many(pool: &PgPool, items: &[Self::Item]) -> StoreResult<Vec<Self::Answer>> {
        let key = |c: &AppToken| (c.client_id.to_string(), c.corp_id.to_string());
        let mut rows: BTreeMap<(String, String), &AppToken> = BTreeMap::new();
        for (c, _) in items {
            let slot = rows.entry(key(c)).or_insert(c);
            if c.expires_at > slot.expires_at {
                *slot = c;
            }
        }
        let now = items
            .iter()
            .map(|(_, now)| *now)
            .max()
            .unwrap_or(UnixTime(0));
        let (mut clients, mut corps, mut nonces, mut hashes, mut issued, mut expires) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for ((client, corp), c) in &rows {
            clients.push(client.as_str());
            corps.push(corp.as_str());
            nonces.push(c.nonce.to_hex());
            hashes.push(c.token_hash.to_hex());
            issued.push(c.issued_at.0);
            expires.push(c.expires_at.0);
        }
        let returned = sqlx::query(app_tokens::ISSUE_APP_TOKENS_PG)
            .bind(clients)
            .bind(corps)
            .bind(nonces)
            .bind(hashes)
            .bind(issued)
            .bind(expires)
            .bind(now.0)
            .fetch_all(pool)
            .await?;
        let mut stored = BTreeMap::new();
        for row in &returned {
            let t = app_tokens::app_token(row)?;
            stored.insert(key(&t), t);
        }
        items
            .iter()
            .map(|(c, _)| {
                stored.get(&key(c)).cloned().ok_or_else(|| {
                    StoreError::Corrupt("the batched token upsert returned no row for a key".into())
                })
            })
            .collect()
    }

    async fn one(pool: &PgPool, (candidate, now): &Self::Item) -> StoreResult<Self::Answer> {
        let stmt = app_tokens::issue(candidate, *now);
        let row = bind(&stmt)
            .fetch_one(pool)
            .await
            .map_err(|e| StoreError::from_write(e, "an app token"))?;
        app_tokens::app_token(&row)
    }
}
