//! `GET /metrics`: every metric in the OpenMetrics text format Prometheus scrapes
//! (docs/metrics.md). Open unless `metrics_token` is set, then it wants
//! `Authorization: Bearer <token>`; it can also live on its own address (`metrics_listen`), which
//! keeps it off the public listener altogether.

use std::sync::Arc;

use crate::{service, Core};
use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `/metrics` route alone (merged into the main router, or served on `metrics_listen`).
pub fn router() -> Router<Arc<Core>> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(core): State<Arc<Core>>, headers: HeaderMap) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !service::health::metrics_allowed(&core, presented) {
        let mut resp = (StatusCode::UNAUTHORIZED, "a metrics token is required\n").into_response();
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return resp;
    }
    let body = service::health::metrics(&core);
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        body,
    )
        .into_response()
}
