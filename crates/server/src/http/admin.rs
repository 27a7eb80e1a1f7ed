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
use opending_domain::{ApiError, ErrorCode, Secret};
use serde::Deserialize;

use super::{
    body::JsonBody,
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
use opending_domain::OrgAuthInfo;

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

async fn require_admin_key(
    State(core): State<Arc<Core>>,
    req: Request,
    next: Next,
) -> Result<Response, Error> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match presented {
        Some(key) if core.is_admin_key(key) => Ok(next.run(req).await),
        _ => Err(ApiError::new(ErrorCode::AdminUnauthorized).into()),
    }
}

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn list_orgs(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(admin::list_orgs(&core).await?).into_response())
}

async fn create_org(
    State(core): State<Arc<Core>>,
    JsonBody(input): JsonBody<NewOrg>,
) -> Result<Response, Error> {
    Ok(created(admin::create_org(&core, input).await?))
}

async fn show_org(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(admin::show_org(&core, &corp_id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AppFilter {
    owner_corp_id: Option<String>,
}

async fn list_apps(
    State(core): State<Arc<Core>>,
    Query(f): Query<AppFilter>,
) -> Result<Response, Error> {
    Ok(Json(admin::list_apps(&core, f.owner_corp_id.as_deref()).await?).into_response())
}

async fn create_app(
    State(core): State<Arc<Core>>,
    JsonBody(input): JsonBody<NewApp>,
) -> Result<Response, Error> {
    Ok(created(admin::create_app(&core, input).await?))
}

async fn show_app(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(admin::show_app(&core, &client_id).await?).into_response())
}

async fn delete_app(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    admin::delete_app(&core, &client_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn rotate_secret(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(admin::rotate_secret(&core, &client_id, None::<Secret>).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InstallationFilter {
    client_id: Option<String>,
    corp_id: Option<String>,
}

async fn list_installations(
    State(core): State<Arc<Core>>,
    Query(f): Query<InstallationFilter>,
) -> Result<Response, Error> {
    let list =
        admin::list_installations(&core, f.client_id.as_deref(), f.corp_id.as_deref()).await?;
    Ok(Json(list).into_response())
}

async fn install(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(admin::install(&core, &client_id, &corp_id).await?).into_response())
}

async fn suspend(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(admin::suspend(&core, &client_id, &corp_id).await?).into_response())
}

async fn uninstall(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    admin::uninstall(&core, &client_id, &corp_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn revoke(
    State(core): State<Arc<Core>>,
    JsonBody(req): JsonBody<RevokeRequest>,
) -> Result<Response, Error> {
    Ok(Json(admin::revoke(&core, req).await?).into_response())
}

/// `GET /admin/v1/audit?org=&app=&kind=&since=&until=&limit=&cursor=`: the audit log, newest
/// first, one page at a time.
async fn audit_log(
    State(core): State<Arc<Core>>,
    Query(f): Query<crate::service::audit::AuditFilter>,
) -> Result<Response, Error> {
    Ok(Json(crate::service::audit::list(&core, f).await?).into_response())
}

/// Applies a seed document given as the body (YAML or JSON).
async fn apply(State(core): State<Arc<Core>>, req: Request) -> Result<Response, Error> {
    let doc = seed::parse(&super::body::seed_text(req).await?)?;
    Ok(Json(seed::apply(&core, &doc).await?).into_response())
}

async fn org_auth_info(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(admin::org_auth_info(&core, &corp_id).await?).into_response())
}

async fn set_org_auth_info(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
    JsonBody(info): JsonBody<OrgAuthInfo>,
) -> Result<Response, Error> {
    Ok(Json(admin::set_org_auth_info(&core, &corp_id, info).await?).into_response())
}

async fn list_points(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(permissions::list_points(&core).await?).into_response())
}

async fn create_point(
    State(core): State<Arc<Core>>,
    JsonBody(input): JsonBody<NewPoint>,
) -> Result<Response, Error> {
    Ok(created(permissions::create_point(&core, input).await?))
}

async fn delete_point(
    State(core): State<Arc<Core>>,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    permissions::delete_point(&core, &code).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn app_points(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(permissions::app_points(&core, &client_id).await?).into_response())
}

async fn add_app_point(
    State(core): State<Arc<Core>>,
    Path((client_id, code)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(permissions::add_app_point(&core, &client_id, &code).await?).into_response())
}

async fn remove_app_point(
    State(core): State<Arc<Core>>,
    Path((client_id, code)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(permissions::remove_app_point(&core, &client_id, &code).await?).into_response())
}

async fn org_grants(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(permissions::org_grants(&core, &client_id, &corp_id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    /// Point codes, or `.default` for every app-type point the app added.
    points: Vec<String>,
}

async fn grant(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<GrantBody>,
) -> Result<Response, Error> {
    Ok(Json(permissions::grant(&core, &client_id, &corp_id, &body.points).await?).into_response())
}

async fn revoke_grant(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id, code)): Path<(String, String, String)>,
) -> Result<Response, Error> {
    Ok(Json(permissions::revoke_grant(&core, &client_id, &corp_id, &code).await?).into_response())
}

async fn list_users(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(users::list_users(&core).await?).into_response())
}

async fn create_user(
    State(core): State<Arc<Core>>,
    JsonBody(input): JsonBody<users::NewUser>,
) -> Result<Response, Error> {
    Ok(created(users::create_user(&core, input).await?))
}

async fn delete_user(
    State(core): State<Arc<Core>>,
    Path(union_id): Path<String>,
) -> Result<Response, Error> {
    users::delete_user(&core, &union_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn members(
    State(core): State<Arc<Core>>,
    Path(corp_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(users::members(&core, &corp_id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: opending_domain::Role,
}

async fn set_member(
    State(core): State<Arc<Core>>,
    Path((corp_id, union_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Response, Error> {
    Ok(Json(users::set_membership(&core, &corp_id, &union_id, body.role).await?).into_response())
}

async fn remove_member(
    State(core): State<Arc<Core>>,
    Path((corp_id, union_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    users::remove_membership(&core, &corp_id, &union_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn app_uris(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(users::app_uris(&core, &client_id).await?).into_response())
}

#[derive(Deserialize, Default)]
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

async fn add_app_uris(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
    JsonBody(body): JsonBody<UrisBody>,
) -> Result<Response, Error> {
    Ok(Json(users::add_app_uris(&core, &client_id, &body.into()).await?).into_response())
}

async fn remove_app_uris(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
    JsonBody(body): JsonBody<UrisBody>,
) -> Result<Response, Error> {
    Ok(Json(users::remove_app_uris(&core, &client_id, &body.into()).await?).into_response())
}
