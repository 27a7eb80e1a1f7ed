//! The admin API: users.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

use super::{created, AdminKeyRefused};
use crate::{
    http::{body::JsonBody, error::ErrorBody, extract::ApiPath as Path},
    service::{users, Error},
    Core,
};

#[utoipa::path(
    get,
    path = "/admin/v1/users",
    tag = "admin",
    operation_id = "admin_list_users",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Every user", body = Vec<users::UserView>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn list_users(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(users::list_users(&core).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/users",
    tag = "admin",
    operation_id = "admin_create_user",
    request_body(content = users::NewUser, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 201, description = "The created user", body = users::UserView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 409, description = "`Conflict`", body = ErrorBody),
    )
)]
pub(super) async fn create_user(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(input): JsonBody<users::NewUser>,
) -> Result<Response, Error> {
    Ok(created(users::create_user(&core, &origin, input).await?))
}

#[utoipa::path(
    delete,
    path = "/admin/v1/users/{unionId}",
    tag = "admin",
    operation_id = "admin_delete_user",
    params(
        ("unionId" = String, Path, description = "The user's unionId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn delete_user(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(union_id): Path<String>,
) -> Result<Response, Error> {
    users::delete_user(&core, &origin, &union_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
