//! `/v1.0/contact/*`: the contact API over the one token extractor.

use std::{collections::HashMap, sync::Arc};

use axum::{extract::State, routing::get, Json, Router};

use super::{
    error::ErrorBody,
    extract::{ApiQuery, Authenticated},
};
use crate::{
    service::{contact, Error},
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(org_auth_info, user))]
pub struct ApiDoc;

/// Routes under `/v1.0/contact`.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/v1.0/contact/organizations/authInfos", get(org_auth_info))
        .route("/v1.0/contact/users/{union_id}", get(user))
}

#[utoipa::path(
    get,
    path = "/v1.0/contact/organizations/authInfos",
    tag = "contact",
    operation_id = "getOrgAuthInfo",
    params(("targetCorpId" = Option<String>, Query, description = "The org to read; the token's org when absent")),
    security(("appToken" = [])),
    responses(
        (status = 200, description = "Certification details (only `authLevel` and `orgName` at level 0)", body = opending_wire::OrgAuthInfo),
        (status = 400, description = "`InvalidAuthentication`, `invalidParameter.system.param`, `permission.denied`, `InvalidParameter`", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.AccessTokenPermissionDenied` (with `accessdenieddetail`), rate limits", body = ErrorBody),
    )
)]
async fn org_auth_info(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    ApiQuery(query): ApiQuery<HashMap<String, String>>,
) -> Result<Json<opending_wire::OrgAuthInfo>, Error> {
    let principal = caller.require(&[contact::ORG_READ])?;
    let target = query.get("targetCorpId").map(String::as_str);
    Ok(Json(
        contact::org_auth_info(&core, principal, target).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/v1.0/contact/users/{unionId}",
    tag = "contact",
    operation_id = "getUser",
    params(("unionId" = String, Path, description = "A unionId, or `me` for the token's user")),
    security(("appToken" = [])),
    responses(
        (status = 200, description = "The user's profile (`mobile`/`stateCode`, `email` only with their field points)", body = opending_wire::User),
        (status = 400, description = "`InvalidAuthentication`, `invalidParameter.system.param` (no such user visible to the caller), `InvalidParameter`", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.AccessTokenPermissionDenied` (with `accessdenieddetail`), rate limits", body = ErrorBody),
    )
)]
async fn user(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    super::extract::ApiPath(union_id): super::extract::ApiPath<String>,
) -> Result<Json<opending_wire::User>, Error> {
    let principal = caller.require(&[contact::USER_READ])?;
    Ok(Json(contact::user(&core, principal, &union_id).await?))
}
