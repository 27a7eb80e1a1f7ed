//! The admin API: applying a seed document.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    response::{IntoResponse, Response},
    Json,
};

use super::AdminKeyRefused;
use crate::{
    http::error::ErrorBody,
    service::{seed, Error},
    Core,
};

/// Applies a seed document given as the body (YAML or JSON).
#[utoipa::path(
    post,
    path = "/admin/v1/apply",
    tag = "admin",
    operation_id = "admin_apply",
    request_body(description = "A seed document (docs/seed-file.md), YAML or JSON, any content type, at most 1 MiB", content((String = "application/yaml"), (serde_json::Value = "application/json"))),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "What applying the seed document did", body = seed::ApplyReport),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn apply(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    req: Request,
) -> Result<Response, Error> {
    let doc = seed::parse(&crate::http::body::seed_text(req).await?)?;
    Ok(Json(seed::apply(&core, &origin, &doc).await?).into_response())
}
