//! The org directory's legacy calls (docs/dingtalk/dingtalk-wire-2.md §D): the `/topapi/`
//! reads and their older GET forms. Thin: each reads its parameters (query and body merged,
//! [`LegacyParams`]), calls `service::directory` and wraps the answer in the envelope.

use std::sync::Arc;

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use opending_wire as wire;

use super::{body::LegacyParams, extract::Authenticated};
use crate::{
    service::{
        directory::{self, Page},
        inapp, Error,
    },
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    getbyunionid,
    user_get,
    user_list,
    user_listid,
    user_getbymobile,
    user_count,
    department_listsub,
    department_get,
    department_listsubid,
    department_listparentbyuser,
    legacy_userid_by_unionid,
    legacy_userid_by_unionid_lower,
    legacy_user_get,
    inapp_user_info,
    inapp_user_info_legacy,
))]
pub struct ApiDoc;

/// Routes of the directory.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/topapi/user/getbyunionid", post(getbyunionid))
        .route("/topapi/v2/user/get", post(user_get))
        .route("/topapi/v2/user/list", post(user_list))
        .route("/topapi/user/listid", post(user_listid))
        .route("/topapi/v2/user/getbymobile", post(user_getbymobile))
        .route("/topapi/user/count", post(user_count))
        .route("/topapi/v2/department/listsub", post(department_listsub))
        .route("/topapi/v2/department/get", post(department_get))
        .route(
            "/topapi/v2/department/listsubid",
            post(department_listsubid),
        )
        .route(
            "/topapi/v2/department/listparentbyuser",
            post(department_listparentbyuser),
        )
        .route("/user/getUseridByUnionid", get(legacy_userid_by_unionid))
        .route(
            "/user/getuseridbyunionid",
            get(legacy_userid_by_unionid_lower),
        )
        .route("/user/get", get(legacy_user_get))
        .route("/topapi/v2/user/getuserinfo", post(inapp_user_info))
        .route("/user/getuserinfo", get(inapp_user_info_legacy))
}

/// A `/topapi/` success with this request's `request_id`.
fn topapi<T: serde::Serialize>(result: T) -> Response {
    let rid = super::context::current()
        .map(|c| super::error::legacy_request_id(&c.request_id))
        .unwrap_or_default();
    Json(wire::TopapiResponse::ok(result, rid)).into_response()
}

/// What a `/topapi/` directory call answers, always with HTTP 200 (the OpenAPI view): one
/// envelope for both outcomes, as DingTalk's — `errcode` 0 with `result` (see each call), or a
/// failure with its `errcode` (88 with `sub_code`/`sub_msg` for token and permission failures).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct TopapiAnswer {
    /// `errcode`: 0 on success.
    errcode: i64,
    /// `errmsg`: `"ok"` on success.
    errmsg: String,
    /// `result`: on success only.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<serde_json::Value>,
    /// `sub_code`: with errcode 88.
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_code: Option<String>,
    /// `sub_msg`: with errcode 88.
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_msg: Option<String>,
    /// `request_id`.
    request_id: String,
}

/// The common failures of the directory reads, for the descriptions.
macro_rules! directory_doc {
    ($what:literal) => {
        concat!(
            "Always 200: ",
            $what,
            "; or 88 with sub_code 40014 / 40000 / 60011 (token, missing token, missing permission point), 400002 / 40035 (parameters), 90018/90002, -1"
        )
    };
}

#[utoipa::path(
    post,
    path = "/topapi/user/getbyunionid",
    tag = "directory",
    operation_id = "topapiUserGetByUnionid",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_member`")),
    request_body(description = "`{\"unionid\"}` (JSON or form; the query is read too)", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"contact_type\":0,\"userid\"}`; 60121 not a member of the token's org"), body = TopapiAnswer))
)]
async fn getbyunionid(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    Ok(topapi(
        directory::userid_by_unionid(&core, &caller.0, params.get("unionid")).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/v2/user/get",
    tag = "directory",
    operation_id = "topapiV2UserGet",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_member` (and `fieldMobile`, `fieldEmail` for those fields)")),
    request_body(description = "`{\"userid\",\"language\"?}`", content = String),
    responses((status = 200, description = directory_doc!("`result`: the member's profile, gated fields absent unless the app may see them; 33012 malformed userid, 60121 unknown"), body = TopapiAnswer))
)]
async fn user_get(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    Ok(topapi(
        directory::user(&core, &caller.0, params.get("userid")).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/v2/user/list",
    tag = "directory",
    operation_id = "topapiV2UserList",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_department_member`")),
    request_body(description = "`{\"dept_id\",\"cursor\",\"size\" (1–100),\"order_field\"?,\"contain_access_limit\"?,\"language\"?}`", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"has_more\",\"next_cursor\"?,\"list\":[…]}`, the department's direct members; 60003 unknown department"), body = TopapiAnswer))
)]
async fn user_list(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    let dept_id = directory::int_param("dept_id", params.get("dept_id"))?;
    let page = Page {
        cursor: directory::int_param("cursor", params.get("cursor"))?,
        size: directory::int_param("size", params.get("size"))?,
    };
    Ok(topapi(
        directory::list_users(&core, &caller.0, dept_id, page, params.get("order_field")).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/user/listid",
    tag = "directory",
    operation_id = "topapiUserListid",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_member`")),
    request_body(description = "`{\"dept_id\"}`", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"userid_list\":[…]}`, the department's direct members; 60003 unknown department"), body = TopapiAnswer))
)]
async fn user_listid(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    let dept_id = directory::int_param("dept_id", params.get("dept_id"))?;
    Ok(topapi(
        directory::list_user_ids(&core, &caller.0, dept_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/v2/user/getbymobile",
    tag = "directory",
    operation_id = "topapiV2UserGetbymobile",
    params(("access_token" = String, Query, description = "An internal app's token holding `qyapi_get_member_by_mobile`")),
    request_body(description = "`{\"mobile\"}`", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"userid\"}` of the active member with that mobile; 40104 malformed mobile, 60121 none; third-party apps 60011"), body = TopapiAnswer))
)]
async fn user_getbymobile(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    Ok(topapi(
        directory::userid_by_mobile(&core, &caller.0, params.get("mobile")).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/user/count",
    tag = "directory",
    operation_id = "topapiUserCount",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_member`")),
    request_body(description = "`{\"only_active\": true|false}` (required)", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"count\"}`"), body = TopapiAnswer))
)]
async fn user_count(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    let only_active = directory::bool_param("only_active", params.get("only_active"))?;
    Ok(topapi(
        directory::count(&core, &caller.0, only_active).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/v2/department/listsub",
    tag = "directory",
    operation_id = "topapiV2DepartmentListsub",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_department_list`")),
    request_body(description = "`{\"dept_id\"?,\"language\"?}` (the root, 1, when left out)", content = String),
    responses((status = 200, description = directory_doc!("`result`: the child departments `[{\"auto_add_user\",\"create_dept_group\",\"dept_id\",\"name\",\"parent_id\"}]`; 60003 unknown department"), body = TopapiAnswer))
)]
async fn department_listsub(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    let dept_id = match params.get("dept_id") {
        None => None,
        some => Some(directory::int_param("dept_id", some)?),
    };
    Ok(topapi(
        directory::list_sub(&core, &caller.0, dept_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/v2/department/get",
    tag = "directory",
    operation_id = "topapiV2DepartmentGet",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_department_list`")),
    request_body(description = "`{\"dept_id\",\"language\"?}`", content = String),
    responses((status = 200, description = directory_doc!("`result`: the department (the root, 1, is the org, without `parent_id`); 60003 unknown"), body = TopapiAnswer))
)]
async fn department_get(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    let dept_id = directory::int_param("dept_id", params.get("dept_id"))?;
    Ok(topapi(
        directory::department(&core, &caller.0, dept_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/v2/department/listsubid",
    tag = "directory",
    operation_id = "topapiV2DepartmentListsubid",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_department_list`")),
    request_body(description = "`{\"dept_id\"}`", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"dept_id_list\":[…]}`; 60003 unknown department"), body = TopapiAnswer))
)]
async fn department_listsubid(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    let dept_id = directory::int_param("dept_id", params.get("dept_id"))?;
    Ok(topapi(
        directory::list_sub_ids(&core, &caller.0, dept_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/topapi/v2/department/listparentbyuser",
    tag = "directory",
    operation_id = "topapiV2DepartmentListparentbyuser",
    params(("access_token" = String, Query, description = "An app token holding `qyapi_get_department_list`")),
    request_body(description = "`{\"userid\"}`", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"parent_list\":[{\"parent_dept_id_list\":[dept, …, 1]}]}`, one path per department of the member; 60121 unknown member"), body = TopapiAnswer))
)]
async fn department_listparentbyuser(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    Ok(topapi(
        directory::parents_of_user(&core, &caller.0, params.get("userid")).await?,
    ))
}

/// The older `getUseridByUnionid`, both spellings.
async fn userid_by_unionid(
    core: &Core,
    caller: &Authenticated,
    params: &LegacyParams,
) -> Result<Response, Error> {
    let found = directory::userid_by_unionid(core, &caller.0, params.get("unionid")).await?;
    Ok(Json(wire::UseridByUnionidLegacy {
        errcode: 0,
        errmsg: "ok".into(),
        contact_type: found.contact_type,
        userid: found.userid,
    })
    .into_response())
}

/// What the older GETs answer, always with HTTP 200.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum OlderAnswer {
    /// `errcode` 0, the fields at the top level.
    UseridByUnionid(wire::UseridByUnionidLegacy),
    /// `errcode` 0, the member at the top level.
    User(Box<wire::UserGetLegacy>),
    /// A failure: `{"errcode","errmsg"}`.
    Failure(wire::LegacyErrorBody),
}

#[utoipa::path(
    get,
    path = "/user/getUseridByUnionid",
    tag = "directory",
    operation_id = "legacyUserGetUseridByUnionid",
    params(
        ("access_token" = String, Query, description = "An app token holding `qyapi_get_member`"),
        ("unionid" = String, Query, description = "The user's unionId"),
    ),
    responses((status = 200, description = "Always 200: `{\"errcode\":0,\"errmsg\":\"ok\",\"contactType\":0,\"userid\"}`; or 40014, 41001, 60011, 400002, 60121", body = OlderAnswer))
)]
async fn legacy_userid_by_unionid(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    userid_by_unionid(&core, &caller, &params).await
}

#[utoipa::path(
    get,
    path = "/user/getuseridbyunionid",
    tag = "directory",
    operation_id = "legacyUserGetuseridbyunionid",
    params(
        ("access_token" = String, Query, description = "An app token holding `qyapi_get_member`"),
        ("unionid" = String, Query, description = "The user's unionId"),
    ),
    responses((status = 200, description = "The lowercase spelling some documents use: as `/user/getUseridByUnionid`", body = OlderAnswer))
)]
async fn legacy_userid_by_unionid_lower(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    userid_by_unionid(&core, &caller, &params).await
}

#[utoipa::path(
    get,
    path = "/user/get",
    tag = "directory",
    operation_id = "legacyUserGet",
    params(
        ("access_token" = String, Query, description = "An app token holding `qyapi_get_member`"),
        ("userid" = String, Query, description = "The member's userid"),
    ),
    responses((status = 200, description = "Always 200: the member with the older names at the top level (`position`, `jobnumber`, `department`, `orderInDepts`, `isAdmin`, …); or 40014, 41001, 60011, 33012, 60121", body = OlderAnswer))
)]
async fn legacy_user_get(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    Ok(Json(directory::user_legacy(&core, &caller.0, params.get("userid")).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/topapi/v2/user/getuserinfo",
    tag = "directory",
    operation_id = "topapiV2UserGetuserinfo",
    params(("access_token" = String, Query, description = "A token of the app the 免登 code was made for, in its org")),
    request_body(description = "`{\"code\"}` (the query is read too)", content = String),
    responses((status = 200, description = directory_doc!("`result`: `{\"associated_unionid\",\"unionid\",\"device_id\",\"sys_level\",\"name\",\"sys\",\"userid\"}`; 40078 an unknown, expired, used or another app's code (or an OAuth code)"), body = TopapiAnswer))
)]
async fn inapp_user_info(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    Ok(topapi(
        inapp::user_info(&core, &caller.0, params.get("code")).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/user/getuserinfo",
    tag = "directory",
    operation_id = "legacyUserGetuserinfo",
    params(
        ("access_token" = String, Query, description = "A token of the app the 免登 code was made for"),
        ("code" = String, Query, description = "The 免登 code"),
    ),
    responses((status = 200, description = "Always 200: `{\"errcode\":0,\"errmsg\":\"ok\",\"sys_level\",\"is_sys\",\"name\",\"deviceId\",\"userid\"}`; or 40014, 41001, 40078", body = OlderAnswer))
)]
async fn inapp_user_info_legacy(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    params: LegacyParams,
) -> Result<Response, Error> {
    Ok(Json(inapp::user_info_legacy(&core, &caller.0, params.get("code")).await?).into_response())
}
