//! The admin API: installations: an app in an org, suspended or removed, and the org's grants to it.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use opending_domain::{permission::PermissionCode, Installation};
use serde::Deserialize;

use super::AdminKeyRefused;
use crate::{
    http::{
        body::JsonBody,
        error::ErrorBody,
        extract::{ApiPath as Path, ApiQuery as Query},
    },
    service::{installations, points, Error},
    Core,
};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct InstallationFilter {
    client_id: Option<String>,
    corp_id: Option<String>,
}

#[utoipa::path(
    get,
    path = "/admin/v1/installations",
    tag = "admin",
    operation_id = "admin_list_installations",
    params(
        ("clientId" = Option<String>, Query, description = "Only this app"),
        ("corpId" = Option<String>, Query, description = "Only this org"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Installations", body = Vec<Installation>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn list_installations(
    State(core): State<Arc<Core>>,
    Query(f): Query<InstallationFilter>,
) -> Result<Response, Error> {
    let list =
        installations::list_installations(&core, f.client_id.as_deref(), f.corp_id.as_deref())
            .await?;
    Ok(Json(list).into_response())
}

#[utoipa::path(
    put,
    path = "/admin/v1/apps/{clientId}/installations/{corpId}",
    tag = "admin",
    operation_id = "admin_install",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The installation (active)", body = Installation),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn install(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(installations::install(&core, &origin, &client_id, &corp_id).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/apps/{clientId}/installations/{corpId}/suspend",
    tag = "admin",
    operation_id = "admin_suspend",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The installation (suspended)", body = Installation),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn suspend(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(installations::suspend(&core, &origin, &client_id, &corp_id).await?).into_response())
}

#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{clientId}/installations/{corpId}",
    tag = "admin",
    operation_id = "admin_uninstall",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 204, description = "Uninstalled; the app's tokens in the org are revoked"),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn uninstall(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    installations::uninstall(&core, &origin, &client_id, &corp_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/admin/v1/apps/{clientId}/installations/{corpId}/grants",
    tag = "admin",
    operation_id = "admin_org_grants",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The points the org has granted the app", body = Vec<PermissionCode>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn org_grants(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(points::org_grants(&core, &client_id, &corp_id).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct GrantBody {
    /// Point codes, or `.default` for every app-type point the app added.
    points: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/admin/v1/apps/{clientId}/installations/{corpId}/grants",
    tag = "admin",
    operation_id = "admin_grant",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    request_body(content = GrantBody, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The points the org has granted the app", body = Vec<PermissionCode>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn grant(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<GrantBody>,
) -> Result<Response, Error> {
    Ok(
        Json(points::grant(&core, &origin, &client_id, &corp_id, &body.points).await?)
            .into_response(),
    )
}

#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{clientId}/installations/{corpId}/grants/{code}",
    tag = "admin",
    operation_id = "admin_revoke_grant",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("corpId" = String, Path, description = "The org's corpId"),
        ("code" = String, Path, description = "A permission point code"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The points the org has granted the app", body = Vec<PermissionCode>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn revoke_grant(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id, code)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    Ok(
        Json(points::revoke_grant(&core, &origin, &client_id, &corp_id, &code).await?)
            .into_response(),
    )
}
