//! The admin API: token revocation.

use std::sync::Arc;

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    Json,
};

use super::AdminKeyRefused;
use crate::{
    http::{body::JsonBody, error::ErrorBody},
    service::{
        tokens::{self, RevokeRequest},
        Error,
    },
    Core,
};

#[utoipa::path(
    post,
    path = "/admin/v1/tokens/revoke",
    tag = "admin",
    operation_id = "admin_revoke",
    request_body(content = RevokeRequest, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "How many tokens were revoked", body = tokens::Revoked),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn revoke(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(req): JsonBody<RevokeRequest>,
) -> Result<Response, Error> {
    Ok(Json(tokens::revoke(&core, &origin, req).await?).into_response())
}
