//! Stream mode (docs/dingtalk/dingtalk-wire-2.md §H1–H5): `POST /v1.0/gateway/connections/open`
//! and the WebSocket at `/connect`. Thin: credentials and tickets are `service::events`', the
//! connection registry `state::stream_hub`'s, delivery `delivery.rs`'; this file moves frames
//! between the socket and the hub.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{
        ws::{Message, WebSocket},
        Query, State, WebSocketUpgrade,
    },
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use opending_domain::{ApiError, ErrorCode, Secret};
use opending_wire::stream::{AckFrame, DownstreamFrame, OpenConnectionResponse, Subscription};
use serde::Deserialize;

use super::{
    body::{required, JsonBody},
    context,
    error::ErrorBody,
};
use crate::{
    service::{events, Error},
    state::stream_hub::{Ack, Refused},
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(open_connection, connect))]
pub struct ApiDoc;

/// Routes of Stream mode.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/v1.0/gateway/connections/open", post(open_connection))
        .route("/connect", get(connect))
}

/// Longest `data` or `message` of an ACK kept (the rest is cut).
const MAX_ACK_TEXT: usize = 1024;
/// Undecodable frames a client may send before its connection is closed.
const MAX_BAD_FRAMES: u32 = 16;

/// `POST /v1.0/gateway/connections/open` body; absent and `""` count as missing.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenBody {
    /// The app's key.
    #[schema(required = true)]
    client_id: Option<String>,
    /// Its secret.
    #[schema(required = true)]
    client_secret: Option<String>,
    /// `[{type: EVENT|CALLBACK, topic}]`.
    #[serde(default)]
    subscriptions: Vec<Subscription>,
    /// The SDK's name and version (ignored).
    #[serde(default)]
    #[allow(dead_code)]
    ua: Option<String>,
    /// The client's addresses (ignored).
    #[serde(default)]
    #[allow(dead_code)]
    local_ip: Option<String>,
}

/// The WebSocket URL of this server as the caller reached it: the request's `Host` with the
/// public URL's scheme (`https` → `wss`).
fn endpoint(core: &Core, headers: &HeaderMap) -> String {
    let secure = core.public_url.starts_with("https://");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.len() <= 255 && !h.contains(['/', '?', '#', '@', ' ']))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            core.public_url
                .split_once("://")
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default()
        });
    format!("{}://{host}/connect", if secure { "wss" } else { "ws" })
}

#[utoipa::path(
    post,
    path = "/v1.0/gateway/connections/open",
    tag = "stream",
    operation_id = "openConnection",
    request_body(content = OpenBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The WebSocket endpoint and a single-use ticket valid for 90 s", body = OpenConnectionResponse),
        (status = 400, description = "`invalidClientIdOrSecret` (unknown app or wrong secret), `invalid.request`, `Missingbody`", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn open_connection(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    headers: HeaderMap,
    JsonBody(body): JsonBody<OpenBody>,
) -> Result<Response, Error> {
    let client_id = required("clientId", body.client_id)?;
    context::note_client(&client_id);
    let secret = Secret::new(required("clientSecret", body.client_secret)?);
    let t =
        events::open_connection(&core, &origin, &client_id, &secret, &body.subscriptions).await?;
    Ok(Json(OpenConnectionResponse {
        endpoint: endpoint(&core, &headers),
        ticket: opending_wire::Secret::new(t.ticket.expose()),
    })
    .into_response())
}

/// `GET /connect` query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectQuery {
    /// The ticket from `connections/open`.
    ticket: Option<String>,
}

#[utoipa::path(
    get,
    path = "/connect",
    tag = "stream",
    operation_id = "streamConnect",
    params(ConnectQuery),
    responses(
        (status = 101, description = "WebSocket: SYSTEM, EVENT frames down; ACK frames up"),
        (status = 400, description = "`invalid.request`: not a WebSocket upgrade", body = ErrorBody),
        (status = 401, description = "`InvalidAuthentication`: unknown, used or expired ticket", body = ErrorBody),
        (status = 503, description = "`ServiceUnavailable`: this instance holds its most connections", body = ErrorBody),
    )
)]
async fn connect(
    State(core): State<Arc<Core>>,
    Query(q): Query<ConnectQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, Error> {
    let Ok(upgrade) = upgrade else {
        return Err(ApiError::invalid_request("a WebSocket upgrade is required").into());
    };
    let Some(grant) = events::take_ticket(&core, q.ticket.as_deref().unwrap_or("")).await? else {
        return Err(ApiError::with_message(
            ErrorCode::AdminUnauthorized,
            "the ticket is unknown, used or expired: call connections/open again",
        )
        .into());
    };
    context::note_client(grant.client_id.as_str());
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::delivery::wall_ms();
    let (conn, outbound) = core
        .stream
        .register(id, grant.client_id.as_str(), grant.wants_events, now)
        .map_err(|r| {
            let msg = match r {
                Refused::InstanceFull => "this server holds its most Stream connections",
                Refused::AppFull => "this app holds its most Stream connections",
            };
            Error::from(ApiError::with_message(ErrorCode::ServiceUnavailable, msg))
        })?;
    let max = core.events.max_frame_bytes;
    Ok(upgrade
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| async move {
            core.metrics.stream_connections.inc();
            tracing::info!(client_id = %grant.client_id, connection = %conn.id, "Stream connection open");
            if let Err(e) = events::connection_registered(&core, &grant).await {
                tracing::warn!(error = %e, "announcing the suite ticket to a new connection failed");
            }
            session(&core, &conn, outbound, socket).await;
            core.stream.unregister(&conn);
            core.metrics.stream_connections.dec();
            tracing::info!(client_id = %grant.client_id, connection = %conn.id, "Stream connection closed");
        }))
}

fn cut(s: String) -> String {
    if s.len() <= MAX_ACK_TEXT {
        return s;
    }
    let mut end = MAX_ACK_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn ping_frame(n: u64) -> String {
    let mut headers = std::collections::BTreeMap::new();
    headers.insert("topic".to_owned(), "ping".to_owned());
    headers.insert(
        "messageId".to_owned(),
        format!("ping-{n}-{}", uuid::Uuid::new_v4()),
    );
    headers.insert("contentType".to_owned(), "application/json".to_owned());
    headers.insert("time".to_owned(), crate::delivery::wall_ms().to_string());
    let frame = DownstreamFrame {
        spec_version: "1.0".into(),
        kind: "SYSTEM".into(),
        headers,
        data: serde_json::json!({"opaque": uuid::Uuid::new_v4().to_string()}).to_string(),
    };
    serde_json::to_string(&frame).expect("frames serialize")
}

/// Moves frames until the client leaves, stops answering, or the hub closes the connection.
async fn session(
    core: &Core,
    conn: &crate::state::stream_hub::Connection,
    mut outbound: tokio::sync::mpsc::Receiver<String>,
    mut socket: WebSocket,
) {
    let interval = Duration::from_millis(core.events.ping_interval_ms);
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    let mut sent_pings = 0u64;
    let mut bad = 0u32;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(msg)) = incoming else { break };
                conn.heard(crate::delivery::wall_ms());
                match msg {
                    Message::Text(text) => match serde_json::from_str::<AckFrame>(text.as_str()) {
                        Ok(ack) => {
                            if let Some(id) = ack.message_id().map(str::to_owned) {
                                conn.acked(&id, Ack {
                                    code: ack.code,
                                    message: cut(ack.message),
                                    data: cut(ack.data),
                                });
                            }
                        }
                        Err(_) => {
                            bad += 1;
                            if bad > MAX_BAD_FRAMES {
                                let _ = socket.send(Message::Close(None)).await;
                                break;
                            }
                        }
                    },
                    Message::Close(_) => break,
                    // Pongs and pings (answered by the WebSocket layer) only prove liveness.
                    _ => {}
                }
            }
            frame = outbound.recv() => {
                let Some(frame) = frame else { break };
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
            _ = pings.tick() => {
                let silent = crate::delivery::wall_ms() - conn.last_heard_ms();
                if silent > 2 * interval.as_millis() as i64 {
                    tracing::info!(connection = %conn.id, "Stream connection silent: closed");
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                sent_pings += 1;
                if socket.send(Message::Text(ping_frame(sent_pings).into())).await.is_err() {
                    break;
                }
            }
            () = conn.closing() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
        }
    }
}
