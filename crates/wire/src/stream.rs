//! Stream mode: the body of `POST /v1.0/gateway/connections/open` and the frames exchanged over
//! the WebSocket (docs/dingtalk/dingtalk-wire-2.md §H1–H5).
//!
//! Frames carry their payload in `data` as a JSON **string**, never an object; the helpers here
//! build and read it. Header values are strings, numbers included (`time`, `eventBornTime`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Secret;

/// The subscription type of events (`topic` `*`).
pub const EVENT: &str = "EVENT";
/// The subscription type of callbacks (bot messages, card callbacks, …).
pub const CALLBACK: &str = "CALLBACK";
/// The frame type of the platform's own messages (`ping`, `disconnect`).
pub const SYSTEM: &str = "SYSTEM";

/// One subscription of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    /// `EVENT` or `CALLBACK`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `*` for events; the callback's topic (e.g. `/v1.0/im/bot/messages/get`).
    pub topic: String,
}

impl Subscription {
    /// Every event (`{"type":"EVENT","topic":"*"}`).
    pub fn events() -> Self {
        Self {
            kind: EVENT.into(),
            topic: "*".into(),
        }
    }
}

/// Body of `POST /v1.0/gateway/connections/open`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OpenConnectionRequest {
    /// The app's key (AppKey / SuiteKey / clientId).
    pub client_id: String,
    /// Its secret.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub client_secret: Secret,
    /// What the connection wants to receive.
    pub subscriptions: Vec<Subscription>,
    /// The SDK's name and version, e.g. `dingtalk-sdk-python/v0.24.3-union`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ua: Option<String>,
    /// The client's addresses, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_ip: Option<String>,
}

/// Answer of `POST /v1.0/gateway/connections/open`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenConnectionResponse {
    /// The WebSocket URL to connect to, with `?ticket=` appended.
    pub endpoint: String,
    /// A single-use ticket, valid for 90 seconds.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub ticket: Secret,
}

/// A frame the server sends (`SYSTEM`, `EVENT` or `CALLBACK`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownstreamFrame {
    /// `"1.0"`.
    pub spec_version: String,
    /// `SYSTEM`, `EVENT` or `CALLBACK`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `topic`, `messageId`, `contentType`, `time`, and for events `eventType`, `eventId`,
    /// `eventCorpId`, `eventBornTime`, `eventUnifiedAppId`: all strings.
    pub headers: BTreeMap<String, String>,
    /// The payload: a JSON document serialized into a string.
    pub data: String,
}

impl DownstreamFrame {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// `headers.messageId` (echoed in the acknowledgement).
    pub fn message_id(&self) -> Option<&str> {
        self.header("messageId")
    }

    /// `headers.topic`.
    pub fn topic(&self) -> Option<&str> {
        self.header("topic")
    }
}

/// An acknowledgement the client sends back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckFrame {
    /// 200 when processed; 404 topic not supported; 500 failed.
    pub code: i64,
    /// `messageId` (the downstream frame's) and `contentType`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Free text.
    #[serde(default)]
    pub message: String,
    /// A JSON document serialized into a string: `{"status":"SUCCESS"|"LATER"}` from the Node
    /// SDK, the event's own data from the Python SDK, `{"opaque":…}` for a ping.
    #[serde(default)]
    pub data: String,
}

impl AckFrame {
    /// An acknowledgement of `message_id` with `code`, `message` and `data`.
    pub fn new(message_id: &str, code: i64, message: &str, data: String) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert("contentType".to_owned(), "application/json".to_owned());
        headers.insert("messageId".to_owned(), message_id.to_owned());
        Self {
            code,
            headers,
            message: message.to_owned(),
            data,
        }
    }

    /// `headers.messageId`.
    pub fn message_id(&self) -> Option<&str> {
        self.headers.get("messageId").map(String::as_str)
    }
}
