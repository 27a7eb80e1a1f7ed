//! The JSON admin API under `/admin/v1/`, guarded by the admin key (`Authorization: Bearer`).
//! Mounted only when an admin key is configured. Same service layer as `opending admin`.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Json, Router,
};
use opending_domain::Secret;
use serde::Deserialize;

use super::{
    body::JsonBody,
    error::ErrorBody,
    extract::{ApiPath as Path, ApiQuery as Query},
};
use crate::{
    service::{
        admin::{self, NewApp, NewOrg, RevokeRequest},
        permissions::{self, NewPoint},
        seed, users, Error,
    },
    Core,
};
use opending_domain::{
    permission::PermissionCode, user::Membership, Installation, OrgAuthInfo, PermissionPoint,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_orgs,
    create_org,
    show_org,
    list_apps,
    create_app,
    show_app,
    delete_app,
    rotate_secret,
    list_installations,
    install,
    uninstall,
    suspend,
    org_auth_info,
    set_org_auth_info,
    list_points,
    create_point,
    delete_point,
    app_points,
    add_app_point,
    remove_app_point,
    org_grants,
    grant,
    revoke_grant,
    list_users,
    create_user,
    delete_user,
    members,
    set_member,
    remove_member,
    app_uris,
    add_app_uris,
    remove_app_uris,
    revoke,
    audit_log,
    apply,
))]
pub struct ApiDoc;

/// Routes under `/admin/v1`.
pub fn router(core: Arc<Core>) -> Router<Arc<Core>> {
    Router::new()
        .route("/admin/v1/orgs", get(list_orgs).post(create_org))
        .route("/admin/v1/orgs/{corp_id}", get(show_org))
        .route("/admin/v1/apps", get(list_apps).post(create_app))
        .route(
            "/admin/v1/apps/{client_id}",
            get(show_app).delete(delete_app),
        )
        .route(
            "/admin/v1/apps/{client_id}/rotate-secret",
            post(rotate_secret),
        )
        .route("/admin/v1/installations", get(list_installations))
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}",
            put(install).delete(uninstall),
        )
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}/suspend",
            post(suspend),
        )
        .route(
            "/admin/v1/orgs/{corp_id}/auth-info",
            get(org_auth_info).put(set_org_auth_info),
        )
        .route("/admin/v1/points", get(list_points).post(create_point))
        .route(
            "/admin/v1/points/{code}",
            axum::routing::delete(delete_point),
        )
        .route("/admin/v1/apps/{client_id}/points", get(app_points))
        .route(
            "/admin/v1/apps/{client_id}/points/{code}",
            put(add_app_point).delete(remove_app_point),
        )
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}/grants",
            get(org_grants).post(grant),
        )
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}/grants/{code}",
            axum::routing::delete(revoke_grant),
        )
        .route("/admin/v1/users", get(list_users).post(create_user))
        .route(
            "/admin/v1/users/{union_id}",
            axum::routing::delete(delete_user),
        )
        .route("/admin/v1/orgs/{corp_id}/members", get(members))
        .route(
            "/admin/v1/orgs/{corp_id}/members/{union_id}",
            put(set_member).delete(remove_member),
        )
        .route(
            "/admin/v1/apps/{client_id}/uris",
            get(app_uris).post(add_app_uris).delete(remove_app_uris),
        )
        .route("/admin/v1/tokens/revoke", post(revoke))
        .route("/admin/v1/apply", post(apply))
        .route("/admin/v1/audit", get(audit_log))
        .route_layer(middleware::from_fn_with_state(core, require_admin_key))
}

/// The answers of [`require_admin_key`], which every admin route can give: listed once here and
/// named in each route's `responses(...)`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its derived OpenAPI description is used
enum AdminKeyRefused {
    /// `Unauthorized`: no or wrong admin key.
    #[response(status = 401, description = "`Unauthorized`: no or wrong admin key")]
    Unauthorized(ErrorBody<'static>),
    /// Too many wrong admin keys from this address lately.
    #[response(
        status = 403,
        description = "`Forbidden.AccessDenied.IpLimit`: too many wrong admin keys from this address lately (limits on)"
    )]
    IpLimit(ErrorBody<'static>),
}

async fn require_admin_key(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    req: Request,
    next: Next,
) -> Result<Response, Error> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    crate::service::operator::check_admin_api_key(&core, &origin, presented).await?;
    Ok(next.run(req).await)
}

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

#[utoipa::path(
    get,
    path = "/admin/v1/orgs",
    tag = "admin",
    operation_id = "admin_list_orgs",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Every org", body = Vec<admin::OrgView>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
async fn list_orgs(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(admin::list_orgs(&core).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/orgs",
    tag = "admin",
    operation_id = "admin_create_org",
    request_body(content = NewOrg, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 201, description = "The created org", body = admin::OrgView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 409, description = "`Conflict`", body = ErrorBody),
    )
)]
async fn create_org(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(input): JsonBody<NewOrg>,
) -> Result<Response, Error> {
    Ok(created(admin::create_org(&core, &origin, input).await?))
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
        (status = 200, description = "The org", body = admin::OrgView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn show_org(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(admin::show_org(&core, &corp_id).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AppFilter {
    owner_corp_id: Option<String>,
}

#[utoipa::path(
    get,
    path = "/admin/v1/apps",
    tag = "admin",
    operation_id = "admin_list_apps",
    params(
        ("ownerCorpId" = Option<String>, Query, description = "Only apps owned by this org"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Apps (never with their secrets)", body = Vec<admin::AppView>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
async fn list_apps(
    State(core): State<Arc<Core>>,
    Query(f): Query<AppFilter>,
) -> Result<Response, Error> {
    Ok(Json(admin::list_apps(&core, f.owner_corp_id.as_deref()).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/apps",
    tag = "admin",
    operation_id = "admin_create_app",
    request_body(content = NewApp, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 201, description = "The created app with its client secret (shown this once)", body = admin::AppView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
        (status = 409, description = "`Conflict`", body = ErrorBody),
    )
)]
async fn create_app(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(input): JsonBody<NewApp>,
) -> Result<Response, Error> {
    Ok(created(admin::create_app(&core, &origin, input).await?))
}

#[utoipa::path(
    get,
    path = "/admin/v1/apps/{clientId}",
    tag = "admin",
    operation_id = "admin_show_app",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app", body = admin::AppView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn show_app(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(admin::show_app(&core, &client_id).await?).into_response())
}

#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{clientId}",
    tag = "admin",
    operation_id = "admin_delete_app",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn delete_app(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    admin::delete_app(&core, &origin, &client_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/apps/{clientId}/rotate-secret",
    tag = "admin",
    operation_id = "admin_rotate_secret",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app with its new client secret (shown this once)", body = admin::AppView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn rotate_secret(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(
        Json(admin::rotate_secret(&core, &origin, &client_id, None::<Secret>).await?)
            .into_response(),
    )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InstallationFilter {
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
async fn list_installations(
    State(core): State<Arc<Core>>,
    Query(f): Query<InstallationFilter>,
) -> Result<Response, Error> {
    let list =
        admin::list_installations(&core, f.client_id.as_deref(), f.corp_id.as_deref()).await?;
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
async fn install(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(admin::install(&core, &origin, &client_id, &corp_id).await?).into_response())
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
async fn suspend(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(admin::suspend(&core, &origin, &client_id, &corp_id).await?).into_response())
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
async fn uninstall(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    admin::uninstall(&core, &origin, &client_id, &corp_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/tokens/revoke",
    tag = "admin",
    operation_id = "admin_revoke",
    request_body(content = RevokeRequest, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "How many tokens were revoked", body = admin::Revoked),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn revoke(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(req): JsonBody<RevokeRequest>,
) -> Result<Response, Error> {
    Ok(Json(admin::revoke(&core, &origin, req).await?).into_response())
}

/// `GET /admin/v1/audit?org=&app=&kind=&since=&until=&limit=&cursor=`: the audit log, newest
/// first, one page at a time.
#[utoipa::path(
    get,
    path = "/admin/v1/audit",
    tag = "admin",
    operation_id = "admin_audit",
    params(crate::service::audit::AuditFilter),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "One page of audit events, newest first", body = crate::service::audit::AuditPage),
        (status = 400, description = "`invalid.request`, `InvalidParameter`: a bad filter", body = ErrorBody),
        AdminKeyRefused,
    )
)]
async fn audit_log(
    State(core): State<Arc<Core>>,
    Query(f): Query<crate::service::audit::AuditFilter>,
) -> Result<Response, Error> {
    Ok(Json(crate::service::audit::list(&core, f).await?).into_response())
}

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
async fn apply(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    req: Request,
) -> Result<Response, Error> {
    let doc = seed::parse(&super::body::seed_text(req).await?)?;
    Ok(Json(seed::apply(&core, &origin, &doc).await?).into_response())
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
async fn org_auth_info(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(admin::org_auth_info(&core, &corp_id).await?).into_response())
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
async fn set_org_auth_info(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(corp_id): Path<String>,
    JsonBody(info): JsonBody<OrgAuthInfo>,
) -> Result<Response, Error> {
    Ok(Json(admin::set_org_auth_info(&core, &origin, &corp_id, info).await?).into_response())
}

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
async fn list_points(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(permissions::list_points(&core).await?).into_response())
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
async fn create_point(
    State(core): State<Arc<Core>>,
    JsonBody(input): JsonBody<NewPoint>,
) -> Result<Response, Error> {
    Ok(created(permissions::create_point(&core, input).await?))
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
async fn delete_point(
    State(core): State<Arc<Core>>,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    permissions::delete_point(&core, &code).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/admin/v1/apps/{clientId}/points",
    tag = "admin",
    operation_id = "admin_app_points",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The points the app has added", body = Vec<PermissionPoint>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn app_points(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(permissions::app_points(&core, &client_id).await?).into_response())
}

#[utoipa::path(
    put,
    path = "/admin/v1/apps/{clientId}/points/{code}",
    tag = "admin",
    operation_id = "admin_add_app_point",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("code" = String, Path, description = "A permission point code"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The points the app has added", body = Vec<PermissionPoint>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn add_app_point(
    State(core): State<Arc<Core>>,
    Path((client_id, code)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(permissions::add_app_point(&core, &client_id, &code).await?).into_response())
}

#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{clientId}/points/{code}",
    tag = "admin",
    operation_id = "admin_remove_app_point",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
        ("code" = String, Path, description = "A permission point code"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The points the app has added", body = Vec<PermissionPoint>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn remove_app_point(
    State(core): State<Arc<Core>>,
    Path((client_id, code)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(permissions::remove_app_point(&core, &client_id, &code).await?).into_response())
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
async fn org_grants(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(permissions::org_grants(&core, &client_id, &corp_id).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct GrantBody {
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
async fn grant(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<GrantBody>,
) -> Result<Response, Error> {
    Ok(
        Json(permissions::grant(&core, &origin, &client_id, &corp_id, &body.points).await?)
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
async fn revoke_grant(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, corp_id, code)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    Ok(
        Json(permissions::revoke_grant(&core, &origin, &client_id, &corp_id, &code).await?)
            .into_response(),
    )
}

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
async fn list_users(State(core): State<Arc<Core>>) -> Result<Response, Error> {
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
async fn create_user(
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
async fn delete_user(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(union_id): Path<String>,
) -> Result<Response, Error> {
    users::delete_user(&core, &origin, &union_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
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
async fn members(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(users::members(&core, &corp_id).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RoleBody {
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
async fn set_member(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, union_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Response, Error> {
    Ok(
        Json(users::set_membership(&core, &origin, &corp_id, &union_id, body.role).await?)
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
async fn remove_member(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((corp_id, union_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    users::remove_membership(&core, &origin, &corp_id, &union_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/admin/v1/apps/{clientId}/uris",
    tag = "admin",
    operation_id = "admin_app_uris",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app's redirect URIs and openAuth origins", body = users::AppUris),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn app_uris(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(users::app_uris(&core, &client_id).await?).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UrisBody {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    origins: Vec<String>,
}

impl From<UrisBody> for users::AppUris {
    fn from(b: UrisBody) -> Self {
        Self {
            redirect_uris: b.redirect_uris,
            origins: b.origins,
        }
    }
}

#[utoipa::path(
    post,
    path = "/admin/v1/apps/{clientId}/uris",
    tag = "admin",
    operation_id = "admin_add_app_uris",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
    ),
    request_body(content = UrisBody, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app's redirect URIs and openAuth origins", body = users::AppUris),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn add_app_uris(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
    JsonBody(body): JsonBody<UrisBody>,
) -> Result<Response, Error> {
    Ok(Json(users::add_app_uris(&core, &client_id, &body.into()).await?).into_response())
}

#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{clientId}/uris",
    tag = "admin",
    operation_id = "admin_remove_app_uris",
    params(
        ("clientId" = String, Path, description = "The app's clientId"),
    ),
    request_body(content = UrisBody, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app's redirect URIs and openAuth origins", body = users::AppUris),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn remove_app_uris(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
    JsonBody(body): JsonBody<UrisBody>,
) -> Result<Response, Error> {
    Ok(Json(users::remove_app_uris(&core, &client_id, &body.into()).await?).into_response())
}
