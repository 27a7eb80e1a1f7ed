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
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

/// Response header carrying the request id (as real DingTalk sends).
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-acs-request-id");

/// Which vocabulary a path's errors use (matters for opaque 500s: docs/dingtalk/decisions.md §6).
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
    /// The matched route pattern (`/v1.0/oauth2/{corp_id}/token`), if a route matched.
    pub route: Option<Arc<str>>,
    /// The signed-in person (unionId) making an administrative change through the pages (the
    /// org administration and console guards set it), so the audit log names them instead of
    /// "the admin API".
    pub acting_user: Arc<OnceLock<String>>,
    /// The client's address: the peer's, or the one a trusted proxy forwarded
    /// ([`crate::limits::Limits::client_address`]); the one address every limit and log uses.
    pub client_address: Option<std::net::IpAddr>,
}

impl RequestContext {
    /// What the services learn of this request ([`crate::Origin`]).
    pub fn origin(&self) -> crate::Origin {
        crate::Origin::request(
            self.request_id.clone(),
            self.client_address,
            self.route.clone(),
            self.acting_user.clone(),
        )
    }
}

/// Records that the signed-in `union_id` is acting in the current request (for the audit
/// log's actor; no-op outside a request).
pub fn set_acting_user(union_id: &str) {
    if let Some(c) = current() {
        let _ = c.acting_user.set(union_id.to_owned());
    }
}

/// The current request's client address.
pub fn client_address() -> Option<std::net::IpAddr> {
    current().and_then(|c| c.client_address)
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
    let route: Option<Arc<str>> = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().into());
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let forwarded_for = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    let client_address = core.limits.client_address(peer, forwarded_for);
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
    // The path is the caller's choice: logged cut to a bounded length.
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %crate::journal::bounded_method(req.method().as_str()),
        path = %crate::telemetry::cut(req.uri().path(), crate::telemetry::MAX_LOGGED),
    );
    let client_id = Arc::new(OnceLock::new());
    let ctx = RequestContext {
        request_id: request_id.clone(),
        family,
        client_id: client_id.clone(),
        acting_user: Arc::default(),
        route: route.clone(),
        client_address,
    };
    let limit_route = route.clone();
    let limits_core = core.clone();
    let started = Instant::now();
    let bounded = async move {
        if let Some(r) = &limit_route {
            if let Err(e) = limits_core
                .limits
                .charge_address(r, client_address, limits_core.now())
            {
                return super::error::render(&e);
            }
        }
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => {
                tracing::error!(timeout_ms = timeout.as_millis() as u64, "request timed out");
                super::error::render(&super::error::internal())
            }
        }
    };
    let mut response = CURRENT.scope(ctx, bounded.instrument(span.clone())).await;
    let elapsed = started.elapsed();
    let latency_us = elapsed.as_micros() as u64;
    let status = response.status().as_u16();
    let code = response.extensions().get::<ErrorCodeTag>().map(|t| t.0);
    let route_label = route
        .as_deref()
        .unwrap_or(crate::journal::UNMATCHED)
        .to_owned();
    core.metrics
        .latency
        .get_or_create(&crate::metrics::RouteLabels {
            route: route_label.clone(),
        })
        .observe(elapsed.as_secs_f64());
    core.metrics
        .requests
        .get_or_create(&crate::metrics::RequestLabels {
            route: route_label,
            method: match crate::journal::bounded_method(&method) {
                "OTHER" => "other".to_owned(),
                m => m.to_owned(),
            },
            status,
            code: code.unwrap_or(""),
        })
        .inc();
    span.in_scope(|| match code {
        Some(code) => tracing::info!(status, latency_us, error_code = code, "answered"),
        None => tracing::info!(status, latency_us, "answered"),
    });
    core.journal.record(crate::journal::JournalEntry {
        seq: 0,
        at_ms: core.now().0 * 1000,
        method,
        path,
        route: route.map(|r| r.to_string()),
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
