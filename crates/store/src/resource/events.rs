//! Events: the outbox every instance delivers from, each attempt's record, Stream tickets and
//! HTTP callback registrations (docs/events.md).
//!
//! Delivery is claimed with a lease: [`EventStore::claim_event`] succeeds for one caller only
//! (the row's lease is free or expired, checked and taken in one `UPDATE`), and only that
//! attempt's holder can finish it, so two instances never deliver the same attempt and an
//! instance that dies leaves nothing stuck once its lease runs out.

use async_trait::async_trait;
use opending_domain::{
    event::{EventState, Outcome},
    ClientId, KeyedHash, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Param, Row, Stmt},
    StoreResult,
};

/// An event to add to the outbox, addressed to one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// `eventId` (unique).
    pub event_id: String,
    /// The recipient.
    pub client_id: ClientId,
    /// `eventCorpId`: the org where it happened.
    pub corp_id: String,
    /// `eventType`.
    pub event_type: String,
    /// The payload, a JSON document.
    pub data: String,
    /// `eventBornTime`, Unix milliseconds.
    pub born_at_ms: i64,
    /// When it may first be delivered, Unix milliseconds.
    pub next_at_ms: i64,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the outbox (orders an app's events).
    pub seq: i64,
    /// `eventId`.
    pub event_id: String,
    /// The recipient.
    pub client_id: ClientId,
    /// The org where it happened.
    pub corp_id: String,
    /// `eventType`.
    pub event_type: String,
    /// The payload.
    pub data: String,
    /// `eventBornTime`.
    pub born_at_ms: i64,
    /// Where it stands.
    pub state: EventState,
    /// Attempts started so far.
    pub attempts: i64,
    /// When the next attempt may start.
    pub next_at_ms: i64,
    /// Until when the current attempt's holder owns it.
    pub lease_until_ms: i64,
    /// When it was acknowledged or given up.
    pub done_at_ms: Option<i64>,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The event.
    pub event_id: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    /// `stream` or `http`.
    pub channel: String,
    /// The Stream connection id, or the callback URL.
    pub target: String,
    /// The instance that made it.
    pub instance: String,
    /// When it started (Unix ms).
    pub started_at_ms: i64,
    /// When it ended, if it has.
    pub finished_at_ms: Option<i64>,
    /// How it ended ([`Outcome::as_str`]).
    pub outcome: Option<String>,
    /// What the app answered or what went wrong (short).
    pub detail: Option<String>,
}

/// What becomes of an event after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Acknowledged: done.
    Done,
    /// Try again from this instant (Unix ms).
    RetryAt(i64),
    /// That was the last attempt.
    GiveUp,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this app's.
    pub client_id: Option<String>,
    /// Only this type.
    pub event_type: Option<String>,
    /// Only in this state.
    pub state: Option<EventState>,
    /// Only events after this `seq`.
    pub after_seq: Option<i64>,
    /// At most this many (the newest).
    pub limit: i64,
}

/// An app's HTTP callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRow {
    /// The app.
    pub client_id: ClientId,
    /// Where events are POSTed.
    pub url: String,
    /// The token, sealed with the hash key.
    pub sealed_token: String,
    /// The `EncodingAESKey`, sealed with the hash key.
    pub sealed_aes_key: String,
    /// When the URL passed its check (Unix seconds).
    pub verified_at: UnixTime,
}

/// The outbox and its neighbours.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Adds events to the outbox, in order, in one transaction.
    async fn add_events(&self, events: &[NewEvent]) -> StoreResult<()>;
    /// The oldest pending event of each app whose attempt is due at `now_ms` and not leased,
    /// restricted to `clients` when given; oldest first, at most `limit`. An app's later events
    /// wait until its oldest is acknowledged or given up (per-app order).
    async fn due_events(
        &self,
        now_ms: i64,
        clients: Option<&[ClientId]>,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>>;
    /// Takes the lease of a due event for one attempt and records the attempt; the attempt's
    /// number, or `None` when another holder has it or it is no longer pending.
    async fn claim_event(
        &self,
        event_id: &str,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
        channel: &str,
        target: &str,
    ) -> StoreResult<Option<i64>>;
    /// Records how attempt `attempt` (held by `owner`) ended and what follows; a no-op when
    /// the lease was lost meanwhile.
    #[allow(clippy::too_many_arguments)]
    async fn finish_attempt(
        &self,
        event_id: &str,
        attempt: i64,
        owner: &str,
        outcome: Outcome,
        detail: &str,
        now_ms: i64,
        after: AfterAttempt,
    ) -> StoreResult<bool>;
    /// Events, newest last.
    async fn list_events(&self, filter: &EventFilter) -> StoreResult<Vec<StoredEvent>>;
    /// The attempts of these events.
    async fn event_deliveries(&self, event_ids: &[String]) -> StoreResult<Vec<DeliveryRecord>>;
    /// Deletes events acknowledged or given up before `before_ms`; how many.
    async fn prune_events(&self, before_ms: i64) -> StoreResult<u64>;
    /// Keeps a Stream ticket.
    async fn put_stream_ticket(
        &self,
        hash: &KeyedHash,
        client_id: &ClientId,
        subscriptions: &str,
        expires_at: UnixTime,
    ) -> StoreResult<()>;
    /// Takes (deletes) a live Stream ticket: its app and subscriptions.
    async fn take_stream_ticket(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<Option<(ClientId, String)>>;
    /// An app's HTTP callback.
    async fn get_callback(&self, client_id: &ClientId) -> StoreResult<Option<CallbackRow>>;
    /// Sets an app's HTTP callback.
    async fn put_callback(&self, row: &CallbackRow) -> StoreResult<()>;
    /// Removes an app's HTTP callback; whether there was one.
    async fn delete_callback(&self, client_id: &ClientId) -> StoreResult<bool>;
    /// The apps that have an HTTP callback.
    async fn callback_clients(&self) -> StoreResult<Vec<ClientId>>;
}

const EVENT_COLS: &str = "seq, event_id, client_id, corp_id, event_type, data, born_at_ms, state, \
                          attempts, next_at_ms, lease_until_ms, done_at_ms";

fn event(r: &dyn Row) -> StoreResult<StoredEvent> {
    let state = r.text("state")?;
    Ok(StoredEvent {
        seq: r.int("seq")?,
        event_id: r.text("event_id")?,
        client_id: super::client_id(r, "client_id")?,
        corp_id: r.text("corp_id")?,
        event_type: r.text("event_type")?,
        data: r.text("data")?,
        born_at_ms: r.int("born_at_ms")?,
        state: EventState::parse(&state).ok_or_else(|| corrupt("state", state))?,
        attempts: r.int("attempts")?,
        next_at_ms: r.int("next_at_ms")?,
        lease_until_ms: r.int("lease_until_ms")?,
        done_at_ms: r.opt_int("done_at_ms")?,
    })
}

fn delivery(r: &dyn Row) -> StoreResult<DeliveryRecord> {
    Ok(DeliveryRecord {
        event_id: r.text("event_id")?,
        attempt: r.int("attempt")?,
        channel: r.text("channel")?,
        target: r.text("target")?,
        instance: r.text("instance")?,
        started_at_ms: r.int("started_at_ms")?,
        finished_at_ms: r.opt_int("finished_at_ms")?,
        outcome: r.opt_text("outcome")?,
        detail: r.opt_text("detail")?,
    })
}

fn callback(r: &dyn Row) -> StoreResult<CallbackRow> {
    Ok(CallbackRow {
        client_id: super::client_id(r, "client_id")?,
        url: r.text("url")?,
        sealed_token: r.text("sealed_token")?,
        sealed_aes_key: r.text("sealed_aes_key")?,
        verified_at: UnixTime(r.int("verified_at")?),
    })
}

/// `$first, $first+1, …` for `n` parameters.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Most apps named in one `IN (…)` of [`EventStore::due_events`]; more are asked in turns.
const CLIENTS_PER_QUERY: usize = 200;

#[async_trait]
impl<B: Backend> EventStore for B {
    async fn add_events(&self, events: &[NewEvent]) -> StoreResult<()> {
        let inserts: Vec<Stmt> = events
            .iter()
            .map(|e| {
                stmt!(
                    "INSERT INTO events (event_id, client_id, corp_id, event_type, data, born_at_ms, \
                     state, attempts, next_at_ms, lease_until_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, 0)",
                    e.event_id.as_str(),
                    e.client_id.as_str(),
                    e.corp_id.as_str(),
                    e.event_type.as_str(),
                    e.data.as_str(),
                    e.born_at_ms,
                    e.next_at_ms
                )
            })
            .collect();
        if inserts.is_empty() {
            return Ok(());
        }
        self.write(move |tx| {
            Box::pin(async move {
                for s in &inserts {
                    tx.execute(s).await.map_err(|e| e.on_write("an event"))?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn due_events(
        &self,
        now_ms: i64,
        clients: Option<&[ClientId]>,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>> {
        let base = format!(
            "SELECT {EVENT_COLS} FROM events e WHERE e.state = 'pending' AND e.next_at_ms <= $1 \
             AND e.lease_until_ms <= $1 AND NOT EXISTS (SELECT 1 FROM events p \
             WHERE p.client_id = e.client_id AND p.state = 'pending' AND p.seq < e.seq)"
        );
        let Some(clients) = clients else {
            let sql = format!("{base} ORDER BY e.seq LIMIT $2");
            return self
                .all(
                    Stmt::owned(sql, vec![Param::Int(now_ms), Param::Int(limit)]),
                    event,
                )
                .await;
        };
        let mut found = Vec::new();
        for chunk in clients.chunks(CLIENTS_PER_QUERY) {
            let sql = format!(
                "{base} AND e.client_id IN ({}) ORDER BY e.seq LIMIT $2",
                placeholders(3, chunk.len())
            );
            let mut params = vec![Param::Int(now_ms), Param::Int(limit)];
            params.extend(chunk.iter().map(|c| Param::Text(c.as_str().to_owned())));
            found.extend(self.all(Stmt::owned(sql, params), event).await?);
        }
        found.sort_by_key(|e| e.seq);
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    async fn claim_event(
        &self,
        event_id: &str,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
        channel: &str,
        target: &str,
    ) -> StoreResult<Option<i64>> {
        let take = stmt!(
            "UPDATE events SET lease_owner = $2, lease_until_ms = $4, attempts = attempts + 1 \
             WHERE event_id = $1 AND state = 'pending' AND lease_until_ms <= $3 \
             RETURNING attempts",
            event_id,
            owner,
            now_ms,
            lease_until_ms
        );
        let (event_id, owner, channel, target) = (
            event_id.to_owned(),
            owner.to_owned(),
            channel.to_owned(),
            target.to_owned(),
        );
        self.write(move |tx| {
            Box::pin(async move {
                let Some(attempt) = tx.one(&take, |r| r.int("attempts")).await? else {
                    return Ok(None);
                };
                tx.execute(&stmt!(
                    "INSERT INTO event_deliveries (event_id, attempt, channel, target, instance, \
                     started_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                    event_id.as_str(),
                    attempt,
                    channel.as_str(),
                    target.as_str(),
                    owner.as_str(),
                    now_ms
                ))
                .await?;
                Ok(Some(attempt))
            })
        })
        .await
    }

    async fn finish_attempt(
        &self,
        event_id: &str,
        attempt: i64,
        owner: &str,
        outcome: Outcome,
        detail: &str,
        now_ms: i64,
        after: AfterAttempt,
    ) -> StoreResult<bool> {
        let (state, next_at, done_at) = match after {
            AfterAttempt::Done => (EventState::Acked, now_ms, Some(now_ms)),
            AfterAttempt::RetryAt(at) => (EventState::Pending, at, None),
            AfterAttempt::GiveUp => (EventState::Failed, now_ms, Some(now_ms)),
        };
        let update = stmt!(
            "UPDATE events SET state = $4, next_at_ms = $5, done_at_ms = $6, lease_owner = NULL, \
             lease_until_ms = 0 WHERE event_id = $1 AND attempts = $2 AND lease_owner = $3 \
             AND state = 'pending'",
            event_id,
            attempt,
            owner,
            state.as_str(),
            next_at,
            done_at
        );
        let record = stmt!(
            "UPDATE event_deliveries SET finished_at_ms = $3, outcome = $4, detail = $5 \
             WHERE event_id = $1 AND attempt = $2",
            event_id,
            attempt,
            now_ms,
            outcome.as_str(),
            detail
        );
        self.write(move |tx| {
            Box::pin(async move {
                let held = tx.execute(&update).await? > 0;
                tx.execute(&record).await?;
                Ok(held)
            })
        })
        .await
    }

    async fn list_events(&self, f: &EventFilter) -> StoreResult<Vec<StoredEvent>> {
        let mut sql = format!("SELECT {EVENT_COLS} FROM events WHERE 1 = 1");
        let mut params = Vec::new();
        let add = |cond: &str, p: Param, params: &mut Vec<Param>, sql: &mut String| {
            params.push(p);
            sql.push_str(&format!(" AND {cond} ${}", params.len()));
        };
        if let Some(c) = &f.client_id {
            add("client_id =", Param::Text(c.clone()), &mut params, &mut sql);
        }
        if let Some(t) = &f.event_type {
            add(
                "event_type =",
                Param::Text(t.clone()),
                &mut params,
                &mut sql,
            );
        }
        if let Some(s) = f.state {
            add(
                "state =",
                Param::Text(s.as_str().into()),
                &mut params,
                &mut sql,
            );
        }
        if let Some(a) = f.after_seq {
            add("seq >", Param::Int(a), &mut params, &mut sql);
        }
        params.push(Param::Int(f.limit));
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", params.len()));
        let mut rows = self.all(Stmt::owned(sql, params), event).await?;
        rows.reverse();
        Ok(rows)
    }

    async fn event_deliveries(&self, event_ids: &[String]) -> StoreResult<Vec<DeliveryRecord>> {
        let mut found = Vec::new();
        for chunk in event_ids.chunks(CLIENTS_PER_QUERY) {
            let sql = format!(
                "SELECT event_id, attempt, channel, target, instance, started_at_ms, \
                 finished_at_ms, outcome, detail FROM event_deliveries WHERE event_id IN ({}) \
                 ORDER BY event_id, attempt",
                placeholders(1, chunk.len())
            );
            let params = chunk.iter().map(|c| Param::Text(c.clone())).collect();
            found.extend(self.all(Stmt::owned(sql, params), delivery).await?);
        }
        Ok(found)
    }

    async fn prune_events(&self, before_ms: i64) -> StoreResult<u64> {
        self.write_one(stmt!(
            "DELETE FROM events WHERE state <> 'pending' AND done_at_ms < $1",
            before_ms
        ))
        .await
    }

    async fn put_stream_ticket(
        &self,
        hash: &KeyedHash,
        client_id: &ClientId,
        subscriptions: &str,
        expires_at: UnixTime,
    ) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO stream_tickets (ticket_hash, client_id, subscriptions, expires_at) \
             VALUES ($1, $2, $3, $4)",
            hash.to_hex(),
            client_id.as_str(),
            subscriptions,
            expires_at.0
        );
        // Expired tickets go with each new one, so the table holds at most 90 s of them.
        let sweep = stmt!(
            "DELETE FROM stream_tickets WHERE expires_at <= $1",
            expires_at.0 - 2 * opending_domain::event::STREAM_TICKET_TTL
        );
        self.write(move |tx| {
            Box::pin(async move {
                tx.execute(&sweep).await?;
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("a Stream ticket"))?;
                Ok(())
            })
        })
        .await
    }

    async fn take_stream_ticket(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<Option<(ClientId, String)>> {
        let take = stmt!(
            "DELETE FROM stream_tickets WHERE ticket_hash = $1 RETURNING client_id, subscriptions, \
             expires_at",
            hash.to_hex()
        );
        let found = self
            .write(move |tx| {
                Box::pin(async move {
                    tx.one(&take, |r| {
                        Ok((
                            super::client_id(r, "client_id")?,
                            r.text("subscriptions")?,
                            r.int("expires_at")?,
                        ))
                    })
                    .await
                })
            })
            .await?;
        Ok(found
            .filter(|(_, _, exp)| *exp > now.0)
            .map(|(c, s, _)| (c, s)))
    }

    async fn get_callback(&self, client_id: &ClientId) -> StoreResult<Option<CallbackRow>> {
        self.one(
            stmt!(
                "SELECT client_id, url, sealed_token, sealed_aes_key, verified_at \
                 FROM event_callbacks WHERE client_id = $1",
                client_id.as_str()
            ),
            callback,
        )
        .await
    }

    async fn put_callback(&self, row: &CallbackRow) -> StoreResult<()> {
        let upsert = stmt!(
            "INSERT INTO event_callbacks (client_id, url, sealed_token, sealed_aes_key, verified_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id) DO UPDATE SET url = excluded.url, \
             sealed_token = excluded.sealed_token, sealed_aes_key = excluded.sealed_aes_key, \
             verified_at = excluded.verified_at",
            row.client_id.as_str(),
            row.url.as_str(),
            row.sealed_token.as_str(),
            row.sealed_aes_key.as_str(),
            row.verified_at.0
        );
        self.write_one(upsert)
            .await
            .map_err(|e| e.on_write("a callback"))?;
        Ok(())
    }

    async fn delete_callback(&self, client_id: &ClientId) -> StoreResult<bool> {
        Ok(self
            .write_one(stmt!(
                "DELETE FROM event_callbacks WHERE client_id = $1",
                client_id.as_str()
            ))
            .await?
            > 0)
    }

    async fn callback_clients(&self) -> StoreResult<Vec<ClientId>> {
        self.all(
            stmt!("SELECT client_id FROM event_callbacks ORDER BY client_id"),
            |r| super::client_id(r, "client_id"),
        )
        .await
    }
}
