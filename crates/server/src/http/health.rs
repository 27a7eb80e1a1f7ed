//! `GET /healthz` (readiness: storage answers) and `GET /livez` (liveness: the process serves).
//!
//! A load balancer routes on `/healthz`, so an instance whose database is gone stops getting
//! traffic; an orchestrator restarts on `/livez`, which never touches storage, so a database
//! outage does not turn into a restart loop of every instance.

use std::sync::Arc;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde::Serialize;

use crate::{
    service::{self, health::Storage},
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, livez))]
pub struct ApiDoc;

/// The readiness answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    #[schema(pattern = "^(ok|unavailable)$")]
    status: &'static str,
    /// `sqlite` or `postgres`.
    backend: &'static str,
}

/// The liveness answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Alive {
    /// Always `alive`.
    #[schema(pattern = "^alive$")]
    status: &'static str,
}

/// 200 `{"status":"ok"}` when storage answers within [`service::health::READY_WITHIN`], 503
/// `{"status":"unavailable"}` otherwise.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    operation_id = "healthz",
    security(()),
    responses(
        (status = 200, description = "Storage answers", body = Health),
        (status = 503, description = "Storage does not answer within 1 s", body = Health),
    )
)]
pub async fn healthz(State(core): State<Arc<Core>>) -> impl IntoResponse {
    let (backend, storage) = service::health::storage(&core).await;
    let (status, label) = match storage {
        Storage::Ready => (StatusCode::OK, "ok"),
        Storage::Failed | Storage::TimedOut => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    };
    (
        status,
        Json(Health {
            status: label,
            backend,
        }),
    )
}

/// 200 `{"status":"alive"}` whenever the process can answer at all; never touches storage.
#[utoipa::path(
    get,
    path = "/livez",
    tag = "health",
    operation_id = "livez",
    security(()),
    responses((status = 200, description = "The process serves", body = Alive))
)]
pub async fn livez() -> impl IntoResponse {
    Json(Alive { status: "alive" })
}
