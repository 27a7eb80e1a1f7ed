//! The admin API: an org's directory — departments (create, change, move, remove) and members'
//! staff profiles.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use opending_domain::directory::Staff;

use super::AdminKeyRefused;
use crate::{
    http::{body::JsonBody, error::ErrorBody, extract::ApiPath as Path},
    service::{
        directory::{self, DepartmentInput, DepartmentView, StaffInput},
        Error,
    },
    Core,
};

#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{corpId}/departments",
    tag = "admin",
    operation_id = "admin_list_departments",
    params(("corpId" = String, Path, description = "The org's corpId")),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The org's departments (the root, 1, is the org and not listed)", body = Vec<DepartmentView>),
        (status = 400, description = "`InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn list_departments(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(directory::list_departments(&core, &origin, &corp_id).await?).into_response())
}

/// A department's fields (its id is in the path).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct DepartmentBody {
    /// Its name.
    name: String,
    /// Its parent (default 1, the org): changing it moves the department.
    #[serde(default)]
    parent_id: Option<i64>,
    /// Its place among its siblings.
    #[serde(default)]
    order: i64,
    /// Its managers' userids.
    #[serde(default)]
    managers: Vec<String>,
}

#[utoipa::path(
    put,
    path = "/admin/v1/orgs/{corpId}/departments/{deptId}",
    tag = "admin",
    operation_id = "admin_put_department",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
        ("deptId" = i64, Path, description = "The department's id (greater than 1)"),
    ),
    request_body(content = DepartmentBody, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The department, created or changed (moved when `parentId` changed)", body = DepartmentView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter` (a bad name or id, an unknown parent, a move under its own descendant)", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`: no such org", body = ErrorBody),
    )
)]
pub(super) async fn put_department(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, dept_id)): Path<(String, i64)>,
    JsonBody(body): JsonBody<DepartmentBody>,
) -> Result<Response, Error> {
    let input = DepartmentInput {
        dept_id,
        name: body.name,
        parent_id: body
            .parent_id
            .unwrap_or(opending_domain::directory::ROOT_DEPT),
        order: body.order,
        managers: body.managers,
    };
    Ok(Json(directory::put_department(&core, &origin, &corp_id, input).await?).into_response())
}

#[utoipa::path(
    delete,
    path = "/admin/v1/orgs/{corpId}/departments/{deptId}",
    tag = "admin",
    operation_id = "admin_delete_department",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
        ("deptId" = i64, Path, description = "The department's id"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "`InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
        (status = 409, description = "`Conflict`: it still has departments under it or members", body = ErrorBody),
    )
)]
pub(super) async fn delete_department(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, dept_id)): Path<(String, i64)>,
) -> Result<Response, Error> {
    directory::delete_department(&core, &origin, &corp_id, dept_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{corpId}/members/{unionId}/profile",
    tag = "admin",
    operation_id = "admin_member_profile",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
        ("unionId" = String, Path, description = "The member's unionId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The member's staff profile in the org", body = Staff),
        (status = 400, description = "`InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`: not a member", body = ErrorBody),
    )
)]
pub(super) async fn profile(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, union_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(directory::profile(&core, &origin, &corp_id, &union_id).await?).into_response())
}

#[utoipa::path(
    patch,
    path = "/admin/v1/orgs/{corpId}/members/{unionId}/profile",
    tag = "admin",
    operation_id = "admin_set_member_profile",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
        ("unionId" = String, Path, description = "The member's unionId"),
    ),
    request_body(content = StaffInput, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The profile after the change (fields left out are kept; `departments` replaces the seats, `[]` puts the member in the root)", body = Staff),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter` (a bad field, an unknown department)", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`: not a member", body = ErrorBody),
        (status = 409, description = "`Conflict`: the userid is another member's", body = ErrorBody),
    )
)]
pub(super) async fn set_profile(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, union_id)): Path<(String, String)>,
    JsonBody(input): JsonBody<StaffInput>,
) -> Result<Response, Error> {
    Ok(
        Json(directory::set_profile(&core, &origin, &corp_id, &union_id, &input).await?)
            .into_response(),
    )
}
