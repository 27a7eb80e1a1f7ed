//! `GET /healthz`: ready when storage answers.

use std::sync::Arc;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde::Serialize;

use crate::Core;

/// The OpenAPI description of this route (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz))]
pub struct ApiDoc;

/// The health answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    #[schema(pattern = "^(ok|unavailable)$")]
    status: &'static str,
    /// `sqlite` or `postgres`.
    backend: &'static str,
}

/// 200 `{"status":"ok"}` when storage answers, 503 `{"status":"unavailable"}` otherwise.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    operation_id = "healthz",
    security(()),
    responses(
        (status = 200, description = "Storage answers", body = Health),
        (status = 503, description = "Storage does not answer", body = Health),
    )
)]
pub async fn healthz(State(core): State<Arc<Core>>) -> impl IntoResponse {
    let backend = core.store.backend();
    match core.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                backend,
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: storage unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    backend,
                }),
            )
        }
    }
}
