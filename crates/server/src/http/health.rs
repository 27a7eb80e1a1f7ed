//! `GET /healthz` (readiness: storage answers) and `GET /livez` (liveness: the process serves).
//!
//! A load balancer routes on `/healthz`, so an instance whose database is gone stops getting
//! traffic; an orchestrator restarts on `/livez`, which never touches storage, so a database
//! outage does not turn into a restart loop of every instance.

use std::{sync::Arc, time::Duration};

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use crate::Core;

/// How long readiness waits for storage before calling it unavailable.
pub const READY_WITHIN: Duration = Duration::from_secs(1);

/// 200 `{"status":"ok"}` when storage answers within [`READY_WITHIN`], 503
/// `{"status":"unavailable"}` otherwise.
pub async fn healthz(State(core): State<Arc<Core>>) -> impl IntoResponse {
    let outcome = tokio::time::timeout(READY_WITHIN, core.store.ping()).await;
    match outcome {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "backend": core.store.backend()})),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: storage unavailable");
            unavailable(&core)
        }
        Err(_) => {
            tracing::warn!("health check: storage did not answer within 1 s");
            unavailable(&core)
        }
    }
}

fn unavailable(core: &Core) -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"status": "unavailable", "backend": core.store.backend()})),
    )
}

/// 200 `{"status":"alive"}` whenever the process can answer at all.
pub async fn livez() -> impl IntoResponse {
    Json(json!({"status": "alive"}))
}
