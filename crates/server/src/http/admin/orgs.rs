//! The admin API: orgs: the org itself, its certification info and its members.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use opending_domain::{user::Membership, OrgAuthInfo};
use serde::Deserialize;

use super::{created, AdminKeyRefused};
use crate::{
    http::{body::JsonBody, error::ErrorBody, extract::ApiPath as Path},
    service::{
        memberships,
        orgs::{self, NewOrg},
        Error,
    },
    Core,
};

#[utoipa::path(
    get,
    path = "/admin/v1/orgs",
    tag = "admin",
    operation_id = "admin_list_orgs",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Every org", body = Vec<orgs::OrgView>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn list_orgs(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(orgs::list_orgs(&core).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/orgs",
    tag = "admin",
    operation_id = "admin_create_org",
    request_body(content = NewOrg, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 201, description = "The created org", body = orgs::OrgView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 409, description = "`Conflict`", body = ErrorBody),
    )
)]
pub(super) async fn create_org(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(input): JsonBody<NewOrg>,
) -> Result<Response, Error> {
    Ok(created(orgs::create_org(&core, &origin, input).await?))
}

#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{corpId}",
    tag = "admin",
    operation_id = "admin_show_org",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The org", body = orgs::OrgView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn show_org(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(orgs::show_org(&core, &corp_id).await?).into_response())
}

#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{corpId}/auth-info",
    tag = "admin",
    operation_id = "admin_org_auth_info",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The stored certification details", body = OrgAuthInfo),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn org_auth_info(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(orgs::org_auth_info(&core, &corp_id).await?).into_response())
}

#[utoipa::path(
    put,
    path = "/admin/v1/orgs/{corpId}/auth-info",
    tag = "admin",
    operation_id = "admin_set_org_auth_info",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    request_body(content = OrgAuthInfo, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The stored certification details", body = OrgAuthInfo),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn set_org_auth_info(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(corp_id): Path<String>,
    JsonBody(info): JsonBody<OrgAuthInfo>,
) -> Result<Response, Error> {
    Ok(Json(orgs::set_org_auth_info(&core, &origin, &corp_id, info).await?).into_response())
}

#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{corpId}/members",
    tag = "admin",
    operation_id = "admin_members",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The org's members", body = Vec<Membership>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn members(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(memberships::members(&core, &corp_id).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RoleBody {
    role: opending_domain::Role,
}

#[utoipa::path(
    put,
    path = "/admin/v1/orgs/{corpId}/members/{unionId}",
    tag = "admin",
    operation_id = "admin_set_member",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
        ("unionId" = String, Path, description = "The user's unionId"),
    ),
    request_body(content = RoleBody, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The membership", body = Membership),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn set_member(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, union_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Response, Error> {
    Ok(
        Json(memberships::set_membership(&core, &origin, &corp_id, &union_id, body.role).await?)
            .into_response(),
    )
}

#[utoipa::path(
    delete,
    path = "/admin/v1/orgs/{corpId}/members/{unionId}",
    tag = "admin",
    operation_id = "admin_remove_member",
    params(
        ("corpId" = String, Path, description = "The org's corpId"),
        ("unionId" = String, Path, description = "The user's unionId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn remove_member(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, union_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    memberships::remove_membership(&core, &origin, &corp_id, &union_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
