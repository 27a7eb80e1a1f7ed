//! The admin API: the permission point catalogue.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use opending_domain::PermissionPoint;

use super::{created, AdminKeyRefused};
use crate::{
    http::{body::JsonBody, error::ErrorBody, extract::ApiPath as Path},
    service::{
        points::{self, NewPoint},
        Error,
    },
    Core,
};

#[utoipa::path(
    get,
    path = "/admin/v1/points",
    tag = "admin",
    operation_id = "admin_list_points",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The catalogue", body = Vec<PermissionPoint>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn list_points(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(points::list_points(&core).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/points",
    tag = "admin",
    operation_id = "admin_create_point",
    request_body(content = NewPoint, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 201, description = "The created point", body = PermissionPoint),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 409, description = "`Conflict`", body = ErrorBody),
    )
)]
pub(super) async fn create_point(
    State(core): State<Arc<Core>>,
    JsonBody(input): JsonBody<NewPoint>,
) -> Result<Response, Error> {
    Ok(created(points::create_point(&core, input).await?))
}

#[utoipa::path(
    delete,
    path = "/admin/v1/points/{code}",
    tag = "admin",
    operation_id = "admin_delete_point",
    params(
        ("code" = String, Path, description = "A permission point code"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
        (status = 409, description = "`Conflict`", body = ErrorBody),
    )
)]
pub(super) async fn delete_point(
    State(core): State<Arc<Core>>,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    points::delete_point(&core, &code).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
