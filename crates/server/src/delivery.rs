//! Event delivery: the dispatcher each instance runs over the shared outbox, and the two
//! channels — a Stream connection of this instance, or the app's HTTP callback
//! (docs/events.md).
//!
//! Each round takes the oldest pending event of each app that this instance can deliver to
//! (an app with a Stream connection here, or any app with a callback), leases it in the store
//! for one attempt (only one instance wins), delivers it, and records how the attempt ended:
//! acknowledged → done; otherwise retried after `retry_base_ms · 2ⁿ` (at most `retry_max_ms`),
//! given up after `max_attempts`. An app's next event waits for the one before it, so an app
//! sees its events in the order they were raised. A lease outlives the ACK timeout, so an
//! instance that dies mid-delivery only delays the event until the lease runs out.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use opending_domain::{
    event::{retry_delay_ms, stream_ack_consumed, Outcome},
    ClientId,
};
use opending_store::{AfterAttempt, StoredEvent};
use opending_wire::{
    callback::{CallbackCrypto, EncryptedAnswer, EncryptedBody},
    stream::DownstreamFrame,
};
use rand::{Rng, RngCore};
use serde_json::{json, Map, Value};

use crate::{
    state::stream_hub::{Ack, Sent},
    Core,
};

/// Events taken per round.
const BATCH: i64 = 64;
/// Longest answer body read from a callback URL.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Longest detail kept of an attempt.
const MAX_DETAIL: usize = 200;
/// How often done events are pruned and suite tickets checked, in milliseconds.
const HOUSEKEEPING_MS: i64 = 60_000;
/// The lease an attempt holds beyond its ACK timeout.
const LEASE_MARGIN_MS: i64 = 5_000;

/// Unix milliseconds on the system clock: delivery schedules follow real time, not the
/// emulator's movable clock.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_DETAIL).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Starts this instance's dispatcher. Aborting the handle stops it and every delivery in
/// progress (their leases then expire, and any instance takes the events over).
pub fn start(core: Arc<Core>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let in_flight: Arc<Mutex<HashSet<ClientId>>> = Arc::default();
        let mut deliveries = tokio::task::JoinSet::new();
        let mut last_housekeeping = 0i64;
        loop {
            let now = wall_ms();
            if now - last_housekeeping >= HOUSEKEEPING_MS {
                last_housekeeping = now;
                housekeeping(&core).await;
            }
            if let Err(e) = round(&core, &in_flight, &mut deliveries).await {
                tracing::warn!(error = %e, "event delivery round failed");
            }
            while deliveries.try_join_next().is_some() {}
            let poll = Duration::from_millis(core.events.poll_interval_ms);
            tokio::select! {
                () = core.stream.wake.notified() => {},
                () = tokio::time::sleep(poll) => {},
            }
        }
    })
}

async fn housekeeping(core: &Core) {
    let before = wall_ms() - (core.events.retention_s as i64).saturating_mul(1000);
    match core.store.prune_events(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(pruned = n, "old events pruned"),
        Err(e) => tracing::warn!(error = %e, "pruning events failed"),
    }
    if let Err(e) = crate::service::isv::rotate_due_tickets(core).await {
        tracing::warn!(error = %e, "rotating due suite tickets failed");
    }
}

/// One round: claim what is due and deliverable here, and start each delivery.
async fn round(
    core: &Arc<Core>,
    in_flight: &Arc<Mutex<HashSet<ClientId>>>,
    deliveries: &mut tokio::task::JoinSet<()>,
) -> anyhow::Result<()> {
    let stream_apps = core.stream.apps();
    let callback_apps = core.store.callback_clients().await?;
    let mut clients: Vec<ClientId> = callback_apps.clone();
    for a in &stream_apps {
        if let Ok(id) = ClientId::parse(a) {
            if !clients.contains(&id) {
                clients.push(id);
            }
        }
    }
    if clients.is_empty() {
        return Ok(());
    }
    let now = wall_ms();
    let due = core.store.due_events(now, Some(&clients), BATCH).await?;
    for event in due {
        if in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&event.client_id)
        {
            continue;
        }
        let lease_until = now + core.events.ack_timeout_ms as i64 + LEASE_MARGIN_MS;
        let target = if callback_apps.contains(&event.client_id) {
            match core.store.get_callback(&event.client_id).await? {
                Some(row) => Target::Http(row),
                None => continue,
            }
        } else {
            let pick = rand::thread_rng().gen::<usize>();
            match core.stream.pick(event.client_id.as_str(), pick) {
                Some(conn) => Target::Stream(conn),
                None => continue,
            }
        };
        let (channel, target_name) = match &target {
            Target::Http(row) => ("http", row.url.clone()),
            Target::Stream(conn) => ("stream", conn.id.clone()),
        };
        let Some(attempt) = core
            .store
            .claim_event(
                &event.event_id,
                &core.instance_id,
                now,
                lease_until,
                channel,
                &target_name,
            )
            .await?
        else {
            continue;
        };
        in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(event.client_id.clone());
        let (core, in_flight) = (core.clone(), in_flight.clone());
        deliveries.spawn(async move {
            let client = event.client_id.clone();
            let (outcome, detail) = deliver(&core, &event, target).await;
            finish(&core, &event, attempt, outcome, &detail).await;
            in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&client);
            core.stream.wake.notify_one();
        });
    }
    Ok(())
}

enum Target {
    Http(opending_store::CallbackRow),
    Stream(Arc<crate::state::stream_hub::Connection>),
}

async fn finish(core: &Core, event: &StoredEvent, attempt: i64, outcome: Outcome, detail: &str) {
    let now = wall_ms();
    let after = if outcome == Outcome::Acked {
        AfterAttempt::Done
    } else if attempt >= i64::from(core.events.max_attempts) {
        AfterAttempt::GiveUp
    } else {
        let delay = retry_delay_ms(
            attempt as u32,
            core.events.retry_base_ms,
            core.events.retry_max_ms,
        );
        AfterAttempt::RetryAt(now + delay as i64)
    };
    match core
        .store
        .finish_attempt(
            &event.event_id,
            attempt,
            &core.instance_id,
            outcome,
            &short(detail),
            now,
            after,
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(event_id = %event.event_id, "event lease lost before the attempt ended")
        }
        Err(e) => {
            tracing::warn!(event_id = %event.event_id, error = %e, "recording an attempt failed")
        }
    }
    core.metrics.event_attempt(outcome.as_str());
    core.journal.record_event(
        &event.event_type,
        event.client_id.as_str(),
        outcome.as_str(),
        now,
    );
    tracing::info!(event_id = %event.event_id, client_id = %event.client_id,
        event_type = %event.event_type, attempt, outcome = outcome.as_str(), "event attempt");
}

async fn deliver(core: &Core, event: &StoredEvent, target: Target) -> (Outcome, String) {
    match target {
        Target::Stream(conn) => {
            let frame = event_frame(event);
            let text = serde_json::to_string(&frame).expect("frames serialize");
            let timeout = Duration::from_millis(core.events.ack_timeout_ms);
            match conn.send_and_wait(&event.event_id, text, timeout).await {
                Sent::Acked(Ack {
                    code,
                    message,
                    data,
                }) => {
                    if stream_ack_consumed(code, &data) {
                        (Outcome::Acked, format!("{code} {message}"))
                    } else {
                        (Outcome::Refused, format!("{code} {message} {data}"))
                    }
                }
                Sent::Timeout => {
                    // A connection that stops acking is dropped; its next events go elsewhere.
                    conn.close();
                    (Outcome::Timeout, format!("no ACK from {}", conn.id))
                }
                Sent::Closed => (Outcome::Unreachable, format!("{} closed", conn.id)),
            }
        }
        Target::Http(row) => match crate::service::events::crypto_of(core, &row) {
            Ok(crypto) => {
                let plain = http_payload(event);
                let timeout = Duration::from_millis(core.events.ack_timeout_ms);
                post_encrypted(core, &row.url, &crypto, &plain, timeout).await
            }
            Err(e) => (Outcome::Unreachable, e.to_string()),
        },
    }
}

/// The Stream frame of an event (§H3): `data` is the payload serialized into a string.
pub fn event_frame(event: &StoredEvent) -> DownstreamFrame {
    let mut headers = std::collections::BTreeMap::new();
    for (k, v) in [
        ("topic", "*".to_owned()),
        ("messageId", event.event_id.clone()),
        ("contentType", "application/json".to_owned()),
        ("time", wall_ms().to_string()),
        ("eventType", event.event_type.clone()),
        ("eventId", event.event_id.clone()),
        ("eventCorpId", event.corp_id.clone()),
        ("eventBornTime", event.born_at_ms.to_string()),
        ("eventUnifiedAppId", event.client_id.to_string()),
    ] {
        headers.insert(k.to_owned(), v);
    }
    DownstreamFrame {
        spec_version: "1.0".into(),
        kind: "EVENT".into(),
        headers,
        data: event.data.clone(),
    }
}

/// The plaintext of an event's HTTP push (§H6, §H8): the payload flattened beside `EventType`,
/// `EventTime`, `CorpId` and `eventId`; a suite ticket as `SuiteTicket` with `TimeStamp`.
pub fn http_payload(event: &StoredEvent) -> String {
    let data: Map<String, Value> = serde_json::from_str(&event.data).unwrap_or_default();
    let mut out = Map::new();
    out.insert("EventType".into(), json!(event.event_type));
    if event.event_type == "suite_ticket" {
        out.insert("SuiteKey".into(), json!(event.client_id.as_str()));
        out.insert(
            "SuiteTicket".into(),
            data.get("suiteTicket").cloned().unwrap_or(Value::Null),
        );
        out.insert("TimeStamp".into(), json!(event.born_at_ms.to_string()));
    } else {
        out.insert("EventTime".into(), json!(event.born_at_ms));
        out.insert("CorpId".into(), json!(event.corp_id));
        out.insert("eventId".into(), json!(event.event_id));
        for (k, v) in data {
            out.entry(k).or_insert(v);
        }
    }
    Value::Object(out).to_string()
}

fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b
}

/// POSTs `plain` encrypted and signed to `url`; acknowledged when the answer decrypts to
/// `success` under the app's crypto.
async fn post_encrypted(
    core: &Core,
    url: &str,
    crypto: &CallbackCrypto,
    plain: &str,
    timeout: Duration,
) -> (Outcome, String) {
    let encrypt = crypto.encrypt(random16(), plain);
    let timestamp = wall_ms().to_string();
    let nonce: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    let signature = crypto.sign(&timestamp, &nonce, &encrypt);
    let sent = core
        .outbound
        .post(url)
        .query(&[
            ("signature", signature.as_str()),
            ("timestamp", timestamp.as_str()),
            ("nonce", nonce.as_str()),
        ])
        .json(&EncryptedBody { encrypt })
        .timeout(timeout)
        .send()
        .await;
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return (Outcome::Timeout, "no answer in time".into()),
        Err(e) => return (Outcome::Unreachable, e.without_url().to_string()),
    };
    let status = resp.status();
    if !status.is_success() {
        return (Outcome::Refused, format!("HTTP {}", status.as_u16()));
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if body.len() + c.len() > MAX_ANSWER_BYTES {
                    return (Outcome::Refused, "answer too long".into());
                }
                body.extend_from_slice(&c);
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return (Outcome::Timeout, "answer cut off".into()),
            Err(e) => return (Outcome::Unreachable, e.without_url().to_string()),
        }
    }
    let Ok(answer) = serde_json::from_slice::<EncryptedAnswer>(&body) else {
        return (
            Outcome::Refused,
            format!(
                "not the encrypted answer: {}",
                String::from_utf8_lossy(&body[..body.len().min(80)])
            ),
        );
    };
    match crypto.open_answer(&answer) {
        Ok(m) if m == "success" => (Outcome::Acked, "success".into()),
        Ok(m) => (Outcome::Refused, format!("answered {m:?}, not \"success\"")),
        Err(e) => (Outcome::Refused, format!("answer refused: {e}")),
    }
}

/// Longest wait for the answer to a URL check: the registration is a request someone waits on,
/// answered well within `request_timeout_ms`.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// DingTalk's URL check: POSTs the encrypted `{"EventType":"check_url"}` and expects the
/// encrypted `success` (within `ack_timeout_ms`, at most 5 s). The reason on failure.
pub async fn check_url(core: &Core, url: &str, crypto: &CallbackCrypto) -> Result<(), String> {
    let plain = json!({"EventType": "check_url", "TimeStamp": wall_ms()}).to_string();
    let timeout = CHECK_TIMEOUT.min(Duration::from_millis(core.events.ack_timeout_ms));
    match post_encrypted(core, url, crypto, &plain, timeout).await {
        (Outcome::Acked, _) => Ok(()),
        (_, why) => Err(why),
    }
}
