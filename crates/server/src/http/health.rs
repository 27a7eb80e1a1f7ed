//! `GET /healthz`: ready when storage answers.

use std::sync::Arc;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use crate::Core;

/// 200 `{"status":"ok"}` when storage answers, 503 `{"status":"unavailable"}` otherwise.
pub async fn healthz(State(core): State<Arc<Core>>) -> impl IntoResponse {
    match core.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "backend": core.store.backend()})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: storage unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "backend": core.store.backend()})),
            )
        }
    }
}
