//! A bare Stream mode client for tests: `connections/open`, the WebSocket, the next EVENT frame,
//! and an ACK — raw frames, so a test sees exactly what an SDK would.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// An open Stream connection.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// `POST {base}/v1.0/gateway/connections/open` for `client`, subscribed to events: the status and
/// body.
pub async fn open(base: &str, client: (&str, &str)) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1.0/gateway/connections/open"))
        .json(&json!({"clientId": client.0, "clientSecret": client.1,
                      "subscriptions": [{"type": "EVENT", "topic": "*"}], "ua": "opending-testkit"}))
        .send()
        .await
        .expect("connections/open sent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A Stream connection of `client` to the server at `base`.
pub async fn connect(base: &str, client: (&str, &str)) -> Socket {
    let (status, body) = open(base, client).await;
    assert_eq!(status, 200, "connections/open: {body}");
    let url = format!(
        "{}?ticket={}",
        body["endpoint"].as_str().expect("endpoint"),
        body["ticket"].as_str().expect("ticket")
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade")
        .0
}

/// The next EVENT frame within `within` (SYSTEM frames are skipped).
pub async fn next_event_within(ws: &mut Socket, within: Duration) -> Value {
    loop {
        let msg = tokio::time::timeout(within, ws.next())
            .await
            .expect("an event in time")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(t) = msg {
            let frame: Value = serde_json::from_str(&t).expect("frames are JSON");
            if frame["type"] == "EVENT" {
                return frame;
            }
        }
    }
}

/// The next EVENT frame within 20 s.
pub async fn next_event(ws: &mut Socket) -> Value {
    next_event_within(ws, Duration::from_secs(20)).await
}

/// The frame's `data`, parsed.
pub fn data_of(frame: &Value) -> Value {
    serde_json::from_str(frame["data"].as_str().expect("data is a string")).expect("data is JSON")
}

/// Sends an ACK of `frame` with `code` and `data` (serialized into the string DingTalk expects).
pub async fn ack_with(ws: &mut Socket, frame: &Value, code: i64, data: Value) {
    let ack = json!({"code": code, "headers": {"contentType": "application/json",
        "messageId": frame["headers"]["messageId"]}, "message": "OK", "data": data.to_string()});
    ws.send(Message::Text(ack.to_string().into()))
        .await
        .expect("ACK sent");
}

/// Acknowledges `frame` (code 200).
pub async fn ack(ws: &mut Socket, frame: &Value) {
    ack_with(ws, frame, 200, json!({})).await
}

/// Waits until the server closes `ws` (or it fails); false if it is still open after `within`.
pub async fn closed_within(ws: &mut Socket, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                _ => {}
            }
        }
    })
    .await
    .is_ok()
}
