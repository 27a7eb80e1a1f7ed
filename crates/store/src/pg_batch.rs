//! Group commit for PostgreSQL's app-token upserts: the requests that arrive while a batch is
//! being written wait in a queue, and the next batch writes them all in one statement.
//!
//! Why: a cold app-token request (a new token every time, scenario (b) in docs/benchmarks.md)
//! is one read and one write. Written one by one, every write is a statement, a commit (a WAL
//! flush) and sqlx's ping when the connection goes back to the pool; under load PostgreSQL's
//! backends spend their core on those, not on the rows. Here a batch is one `INSERT … SELECT
//! FROM unnest(…) ON CONFLICT …` in autocommit: one statement, one commit, one ping for every
//! request waiting at that moment. Nobody hears back before that commit, so durability is as
//! with one statement each.
//!
//! Rules the batch keeps:
//! - one row per (app, org): requests for the same key share the row (the candidate that
//!   expires last goes in, as the last of them would have renewed the expiry to), and each
//!   of them gets the row the upsert returned, as each would have one after the other;
//! - rows are sorted by key, so two batches in flight lock rows in the same order and cannot
//!   deadlock;
//! - if the statement fails (an app or org deleted meanwhile, say), every request of the batch
//!   is written again on its own, so each gets its own answer and one bad row fails only itself.

use std::{collections::BTreeMap, sync::Arc};

use opending_domain::{token::AppToken, UnixTime};
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::{writes, StoreError, StoreResult};

/// Most requests in one statement; more wait for the next.
const MAX_BATCH: usize = 512;

/// Batches written at the same time: while one is in PostgreSQL, the next gathers and starts.
const IN_FLIGHT: usize = 2;

/// One queued request.
struct Job {
    candidate: AppToken,
    now: UnixTime,
    caller: oneshot::Sender<StoreResult<AppToken>>,
}

/// The queue of app-token upserts and the task that writes them (it ends with the last handle).
#[derive(Debug, Clone)]
pub(crate) struct AppTokenBatcher {
    queue: mpsc::UnboundedSender<Job>,
}

impl AppTokenBatcher {
    /// Starts the writing task on the current Tokio runtime.
    pub(crate) fn start(pool: PgPool) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(gather(pool, jobs));
        Self { queue }
    }

    /// Keeps or takes the app token `candidate` stands for (see [`crate::Store::issue_app_token`]),
    /// in the next batch.
    pub(crate) async fn issue(&self, candidate: &AppToken, now: UnixTime) -> StoreResult<AppToken> {
        let (caller, answer) = oneshot::channel();
        let job = Job {
            candidate: candidate.clone(),
            now,
            caller,
        };
        self.queue.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// Takes what is queued whenever a batch may start, and starts it.
async fn gather(pool: PgPool, mut jobs: mpsc::UnboundedReceiver<Job>) {
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
            write(&pool, batch).await;
            drop(slot);
        });
    }
}

/// Writes one batch and answers its callers.
async fn write(pool: &PgPool, batch: Vec<Job>) {
    if batch.len() > 1 {
        if let Ok(rows) = upsert(pool, &batch).await {
            for job in batch {
                let key = (
                    job.candidate.client_id.to_string(),
                    job.candidate.corp_id.to_string(),
                );
                let answer = rows.get(&key).cloned().ok_or_else(|| {
                    StoreError::Corrupt("the batched token upsert returned no row for a key".into())
                });
                let _ = job.caller.send(answer);
            }
            return;
        }
        // One of them failed the statement: each alone, for its own answer.
    }
    for job in batch {
        let _ = job
            .caller
            .send(upsert_one(pool, &job.candidate, job.now).await);
    }
}

/// One statement for the whole batch; the rows it returned, by (app, org).
async fn upsert(pool: &PgPool, batch: &[Job]) -> StoreResult<BTreeMap<(String, String), AppToken>> {
    // One candidate per key, the one that expires last; keys in order.
    let mut rows: BTreeMap<(String, String), &AppToken> = BTreeMap::new();
    for job in batch {
        let c = &job.candidate;
        let key = (c.client_id.to_string(), c.corp_id.to_string());
        let slot = rows.entry(key).or_insert(c);
        if c.expires_at > slot.expires_at {
            *slot = c;
        }
    }
    let now = batch
        .iter()
        .map(|j| j.now)
        .max()
        .expect("a batch is never empty");
    let (mut clients, mut corps, mut nonces, mut hashes, mut issued, mut expires) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for ((client, corp), c) in &rows {
        clients.push(client.clone());
        corps.push(corp.clone());
        nonces.push(c.nonce.to_hex());
        hashes.push(c.token_hash.to_hex());
        issued.push(c.issued_at.0);
        expires.push(c.expires_at.0);
    }
    let returned = sqlx::query(crate::sql::ISSUE_APP_TOKENS_PG)
        .bind(clients)
        .bind(corps)
        .bind(nonces)
        .bind(hashes)
        .bind(issued)
        .bind(expires)
        .bind(now.0)
        .fetch_all(pool)
        .await?;
    returned
        .iter()
        .map(|r| {
            let t = crate::sql::app_token(r)?;
            Ok(((t.client_id.to_string(), t.corp_id.to_string()), t))
        })
        .collect()
}

/// One request on its own statement.
pub(crate) async fn upsert_one(
    pool: &PgPool,
    candidate: &AppToken,
    now: UnixTime,
) -> StoreResult<AppToken> {
    let stmt = writes::issue_app_token(candidate, now);
    let row = writes::sqlx_query(&stmt)
        .fetch_one(pool)
        .await
        .map_err(|e| StoreError::from_write(e, "an app token"))?;
    crate::sql::app_token(&row)
}
