//! The middleware every request passes first: it assigns the DingTalk-style request id (sent
//! back in `x-acs-request-id`), works out the client's address, opens the tracing span every log
//! line of the request carries, charges the per-address limit, bounds the request's time, and
//! afterwards logs one access line, counts the metrics and records the journal entry.

use std::{
    sync::{Arc, OnceLock},
    time::Instant,
};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use super::{
    context::{self, ErrorCodeTag, Family, RequestContext, REQUEST_ID_HEADER},
    error,
};

/// Middleware: assigns the id, opens the span, bounds the request's time, logs the outcome and
/// records it in the journal.
pub async fn middleware(
    State(core): State<Arc<crate::Core>>,
    req: Request,
    next: Next,
) -> Response {
    let timeout = core.request_timeout;
    // Kept for the journal and the metrics after the request has been handed on: the method
    // and URI are cheap to clone (the path shares the request's bytes).
    let method = req.method().clone();
    let uri = req.uri().clone();
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
    let family = Family::of_path(req.uri().path());
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
        acting: Arc::default(),
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
                return error::render(&e);
            }
        }
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => {
                tracing::error!(timeout_ms = timeout.as_millis() as u64, "request timed out");
                error::render(&error::internal())
            }
        }
    };
    let mut response = context::scope(ctx, bounded.instrument(span.clone())).await;
    let elapsed = started.elapsed();
    let latency_us = elapsed.as_micros() as u64;
    let status = response.status().as_u16();
    let code = response.extensions().get::<ErrorCodeTag>().map(|t| t.0);
    let route_label = route
        .clone()
        .unwrap_or_else(|| crate::journal::UNMATCHED_ROUTE.clone());
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
            method: match crate::journal::bounded_method(method.as_str()) {
                "OTHER" => "other",
                m => m,
            },
            status,
            code: code.unwrap_or(""),
        })
        .inc();
    span.in_scope(|| match code {
        Some(code) => tracing::info!(status, latency_us, error_code = code, "answered"),
        None => tracing::info!(status, latency_us, "answered"),
    });
    core.journal.record(&crate::journal::Answered {
        at_ms: core.now().0 * 1000,
        method: method.as_str(),
        path: uri.path(),
        route: route.as_ref(),
        status,
        error_code: code,
        client_id: client_id.get().map(String::as_str),
        latency_us,
    });
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER.clone(), v);
    }
    response
}
