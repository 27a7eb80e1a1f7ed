//! Per-request context: a DingTalk-style request id, the tracing span every log line of the
//! request carries, and one access-log line per request.
//!
//! The id is kept in a task-local so the error renderer can put it in every error body without
//! each handler passing it along; it is also sent back in `x-acs-request-id`.

use std::{
    sync::{Arc, OnceLock},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

/// Response header carrying the request id (as real DingTalk sends).
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-acs-request-id");

/// Which vocabulary a path's errors use (matters for opaque 500s: decisions.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/v1.0/oauth2/*` and everything else: `server.error`.
    OAuth,
    /// `/v1.0/contact/*`: `service.system.error`.
    Contact,
}

/// What the rest of the request can learn about itself.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id, e.g. `30EE8654-1AA2-7D88-8248-9518547248AA`.
    pub request_id: Arc<str>,
    /// The path's error vocabulary.
    pub family: Family,
    /// The calling app, once a handler or extractor knows it (for the journal).
    pub client_id: Arc<OnceLock<String>>,
    /// The peer's address (for the audit log).
    pub source: Option<std::net::IpAddr>,
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// The context of the request being served, if any.
pub fn current() -> Option<RequestContext> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Notes which app is calling (the first call wins); shown in the request journal.
pub fn note_client(client_id: &str) {
    let _ = CURRENT.try_with(|c| c.client_id.set(client_id.to_owned()));
}

/// The error code a response carried, stashed by the renderer for the access log.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCodeTag(pub &'static str);

/// Middleware: assigns the id, opens the span, bounds the request's time, logs the outcome and
/// records it in the journal.
pub async fn middleware(
    State(core): State<Arc<crate::Core>>,
    req: Request,
    next: Next,
) -> Response {
    let timeout = core.request_timeout;
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut id_bytes = [0u8; 16];
    core.with_rng(|rng| rng.fill_bytes(&mut id_bytes));
    let request_id: Arc<str> = uuid::Builder::from_random_bytes(id_bytes)
        .into_uuid()
        .hyphenated()
        .encode_upper(&mut uuid::Uuid::encode_buffer())
        .into();
    let family = if req.uri().path().starts_with("/v1.0/contact/") {
        Family::Contact
    } else {
        Family::OAuth
    };
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let client_id = Arc::new(OnceLock::new());
    let source = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let ctx = RequestContext {
        request_id: request_id.clone(),
        family,
        client_id: client_id.clone(),
        source,
    };
    let started = Instant::now();
    let bounded = async move {
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => {
                tracing::error!(timeout_ms = timeout.as_millis() as u64, "request timed out");
                super::error::render(&super::error::internal())
            }
        }
    };
    let mut response = CURRENT.scope(ctx, bounded.instrument(span.clone())).await;
    let latency_us = started.elapsed().as_micros() as u64;
    let status = response.status().as_u16();
    let code = response.extensions().get::<ErrorCodeTag>().map(|t| t.0);
    span.in_scope(|| match code {
        Some(code) => tracing::info!(status, latency_us, error_code = code, "answered"),
        None => tracing::info!(status, latency_us, "answered"),
    });
    core.journal.record(crate::journal::JournalEntry {
        seq: 0,
        at_ms: core.now().0 * 1000,
        method,
        path,
        route,
        status,
        error_code: code.map(str::to_owned),
        client_id: client_id.get().cloned(),
        latency_us,
    });
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER.clone(), v);
    }
    response
}
