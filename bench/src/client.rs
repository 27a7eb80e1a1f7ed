//! The HTTP/1.1 client every part of the tool uses: one keep-alive connection per task, one
//! request in flight on it (hyper's low-level client, so nothing pools or retries behind our back),
//! plus small JSON helpers for the unmeasured setup calls.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{client::conn::http1, header, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// One open connection.
pub type Sender = http1::SendRequest<Full<Bytes>>;

/// Opens a keep-alive connection to `addr` (`host:port`).
pub async fn connect(addr: &str) -> Result<Sender> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Sends one request and reads the whole answer: status and body.
pub async fn send(sender: &mut Sender, req: Request<Full<Bytes>>) -> Result<(u16, Bytes)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// A setup call (not measured): `method path` with an optional JSON body; fails unless the
/// status is `expect`, and answers the parsed JSON.
pub async fn call(
    sender: &mut Sender,
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    expect: u16,
) -> Result<Value> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, addr)
        .header(header::USER_AGENT, "opending-bench");
    let payload = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Bytes::from(serde_json::to_vec(v)?)
        }
        None => Bytes::new(),
    };
    let (status, body) = send(sender, b.body(Full::new(payload))?).await?;
    if status != expect {
        bail!(
            "{method} {path} answered {status} (expected {expect}): {}",
            String::from_utf8_lossy(&body)
        );
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body).with_context(|| format!("{method} {path}: not JSON"))
}
