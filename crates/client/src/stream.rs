//! Stream mode: receive DingTalk's events over an outbound WebSocket, with no public URL
//! (docs/events.md; DingTalk's protocol as the official SDKs speak it). Works against DingTalk
//! itself (`https://api.dingtalk.com`) and against an opending server alike.
//!
//! ```no_run
//! use opending_client::stream::{Event, EventAck, StreamClient};
//! use opending_client::{Client, Credentials};
//!
//! # async fn run() -> Result<(), opending_client::Error> {
//! let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
//! let stream = StreamClient::new(client, Credentials::new("dingacmedir", "acme-dir-secret-0123456789abcdef"));
//! stream
//!     .run(|event: Event| async move {
//!         println!("{} in {}: {}", event.event_type, event.corp_id, event.data);
//!         EventAck::Success
//!     })
//!     .await // runs until the process ends, reconnecting with backoff
//! # }
//! ```

use std::{collections::BTreeMap, future::Future, time::Duration};

use futures_util::{SinkExt, StreamExt};
use opending_wire::{
    event::{AppLifecycleEvent, DeptChangeEvent, SuiteTicketEvent, UserChangeEvent},
    stream::{
        AckFrame, DownstreamFrame, OpenConnectionRequest, OpenConnectionResponse, Subscription,
    },
};
use rand::Rng;
use reqwest::Method;
use tokio_tungstenite::tungstenite::Message;

use crate::{ApiRequest, Client, Credentials, Error, Result};

/// What the handler tells DingTalk about an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventAck {
    /// Processed: not sent again.
    Success,
    /// Not processed now: DingTalk sends it again later.
    Later,
}

/// One event as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `eventType`, e.g. `user_add_org`.
    pub event_type: String,
    /// `eventId` (the same on a redelivery).
    pub event_id: String,
    /// `eventCorpId`: the org where it happened.
    pub corp_id: String,
    /// `eventBornTime`, Unix milliseconds.
    pub born_at_ms: i64,
    /// `messageId` of the frame.
    pub message_id: String,
    /// The payload.
    pub data: serde_json::Value,
    /// Every header as sent.
    pub headers: BTreeMap<String, String>,
}

/// An event's payload, typed for the types DingTalk documents.
#[derive(Debug, Clone, PartialEq)]
pub enum EventPayload {
    /// `suite_ticket`.
    SuiteTicket(SuiteTicketEvent),
    /// `user_add_org`, `user_modify_org`, `user_leave_org` (internal apps' shape).
    User(UserChangeEvent),
    /// `org_dept_create`, `org_dept_modify`, `org_dept_remove`.
    Department(DeptChangeEvent),
    /// `org_suite_auth`, `org_suite_change`, `org_suite_relieve`, `org_micro_app_stop`,
    /// `org_micro_app_restore`.
    App(AppLifecycleEvent),
    /// Anything else (and the third-party shape of `user_leave_org`), as JSON.
    Other(serde_json::Value),
}

impl Event {
    /// The payload, typed by `eventType`; [`EventPayload::Other`] when the type is unknown or
    /// the payload has another shape.
    pub fn payload(&self) -> EventPayload {
        let d = self.data.clone();
        let typed = match self.event_type.as_str() {
            "suite_ticket" => serde_json::from_value(d.clone()).map(EventPayload::SuiteTicket),
            "user_add_org" | "user_modify_org" | "user_leave_org" => {
                serde_json::from_value(d.clone()).map(EventPayload::User)
            }
            "org_dept_create" | "org_dept_modify" | "org_dept_remove" => {
                serde_json::from_value(d.clone()).map(EventPayload::Department)
            }
            "org_suite_auth"
            | "org_suite_change"
            | "org_suite_relieve"
            | "org_micro_app_stop"
            | "org_micro_app_restore" => serde_json::from_value(d.clone()).map(EventPayload::App),
            _ => Ok(EventPayload::Other(d.clone())),
        };
        typed.unwrap_or(EventPayload::Other(d))
    }

    fn from_frame(frame: &DownstreamFrame) -> Self {
        let h = |k: &str| frame.header(k).unwrap_or_default().to_owned();
        Self {
            event_type: h("eventType"),
            event_id: h("eventId"),
            corp_id: h("eventCorpId"),
            born_at_ms: h("eventBornTime").parse().unwrap_or(0),
            message_id: h("messageId"),
            data: serde_json::from_str(&frame.data).unwrap_or(serde_json::Value::Null),
            headers: frame.headers.clone(),
        }
    }
}

/// Reconnection backoff: `min(base · 2^attempt + jitter, max)`, reset by any frame received.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// First delay.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempt.min(16));
        let jitter = Duration::from_millis(rand::thread_rng().gen_range(0..1000));
        (exp + jitter).min(self.max)
    }
}

/// A Stream mode client of one app.
#[derive(Debug, Clone)]
pub struct StreamClient {
    client: Client,
    credentials: Credentials,
    subscriptions: Vec<Subscription>,
    backoff: Backoff,
}

/// Longest frame accepted from the server.
const MAX_FRAME: usize = 1 << 20;

impl StreamClient {
    /// A client of the app `credentials`, subscribed to every event, on `client`'s base URL.
    pub fn new(client: Client, credentials: Credentials) -> Self {
        Self {
            client,
            credentials,
            subscriptions: vec![Subscription::events()],
            backoff: Backoff::default(),
        }
    }

    /// Uses another reconnection backoff.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// `POST /v1.0/gateway/connections/open`: the WebSocket endpoint and a single-use ticket.
    pub async fn open(&self) -> Result<OpenConnectionResponse> {
        let body = OpenConnectionRequest {
            client_id: self.credentials.client_id.clone(),
            client_secret: self.credentials.client_secret.clone(),
            subscriptions: self.subscriptions.clone(),
            ua: Some(concat!("opending-client-rust/", env!("CARGO_PKG_VERSION")).to_owned()),
            local_ip: None,
        };
        self.client
            .send(
                ApiRequest::new(
                    "OpenConnection",
                    Method::POST,
                    "/v1.0/gateway/connections/open",
                )
                .json(&body)?
                .idempotent(true),
            )
            .await
    }

    /// Connects and handles events until the connection ends (the server closes it, asks the
    /// client to go with `disconnect`, or the network fails). Each event's handler answer is
    /// sent as its ACK; pings are answered.
    pub async fn run_once<F, Fut>(&self, handler: &F) -> Result<()>
    where
        F: Fn(Event) -> Fut + Send + Sync,
        Fut: Future<Output = EventAck> + Send,
    {
        let opened = self.open().await?;
        let url = format!(
            "{}?ticket={}",
            opened.endpoint,
            percent_encoding::utf8_percent_encode(
                opened.ticket.expose(),
                percent_encoding::NON_ALPHANUMERIC
            )
        );
        let mut config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default();
        config.max_message_size = Some(MAX_FRAME);
        config.max_frame_size = Some(MAX_FRAME);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
            .await
            .map_err(|e| Error::Config(format!("Stream WebSocket: {e}")))?;
        while let Some(msg) = ws.next().await {
            let msg = msg.map_err(|e| Error::Config(format!("Stream WebSocket: {e}")))?;
            let Message::Text(text) = msg else {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
                continue;
            };
            let Ok(frame) = serde_json::from_str::<DownstreamFrame>(text.as_str()) else {
                tracing::warn!("Stream: a frame this client cannot read was skipped");
                continue;
            };
            let id = frame.message_id().unwrap_or_default().to_owned();
            let (ack, leave) = match (frame.kind.as_str(), frame.topic()) {
                ("SYSTEM", Some("disconnect")) => {
                    (AckFrame::new(&id, 200, "OK", frame.data.clone()), true)
                }
                ("SYSTEM", _) => (AckFrame::new(&id, 200, "OK", frame.data.clone()), false),
                ("EVENT", _) => {
                    let status = match handler(Event::from_frame(&frame)).await {
                        EventAck::Success => "SUCCESS",
                        EventAck::Later => "LATER",
                    };
                    let data = serde_json::json!({"status": status, "message": ""}).to_string();
                    (AckFrame::new(&id, 200, "OK", data), false)
                }
                _ => (AckFrame::new(&id, 404, "not supported", "{}".into()), false),
            };
            let text = serde_json::to_string(&ack).expect("ACKs serialize");
            ws.send(Message::Text(text.into()))
                .await
                .map_err(|e| Error::Config(format!("Stream WebSocket: {e}")))?;
            if leave {
                let _ = ws.close(None).await;
                break;
            }
        }
        Ok(())
    }

    /// Runs forever: connects, handles events, and reconnects with [`Backoff`] whenever the
    /// connection ends or cannot be made (a wrong secret included: it is logged and retried).
    pub async fn run<F, Fut>(&self, handler: F) -> Result<()>
    where
        F: Fn(Event) -> Fut + Send + Sync,
        Fut: Future<Output = EventAck> + Send,
    {
        let mut attempt = 0u32;
        loop {
            let started = std::time::Instant::now();
            match self.run_once(&handler).await {
                Ok(()) => tracing::info!("Stream connection ended; reconnecting"),
                Err(e) => tracing::warn!(error = %e, "Stream connection failed; retrying"),
            }
            // A connection that lived a while resets the backoff.
            attempt = if started.elapsed() > Duration::from_secs(30) {
                0
            } else {
                attempt.saturating_add(1)
            };
            tokio::time::sleep(self.backoff.delay(attempt)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_typed_by_event_type() {
        let mut headers = BTreeMap::new();
        headers.insert("eventType".to_owned(), "org_dept_create".to_owned());
        headers.insert("eventBornTime".to_owned(), "1700000000000".to_owned());
        let frame = DownstreamFrame {
            spec_version: "1.0".into(),
            kind: "EVENT".into(),
            headers,
            data: r#"{"timeStamp":"1","deptId":[7]}"#.into(),
        };
        let e = Event::from_frame(&frame);
        assert_eq!(e.born_at_ms, 1_700_000_000_000);
        match e.payload() {
            EventPayload::Department(d) => assert_eq!(d.dept_id, vec![7]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn backoff_stays_under_its_cap() {
        let b = Backoff::default();
        assert!(b.delay(0) < Duration::from_secs(3));
        assert!(b.delay(30) <= Duration::from_secs(60));
    }
}
