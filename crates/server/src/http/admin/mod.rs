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

use super::error::ErrorBody;
use crate::{service::Error, Core};

mod apps;
mod audit;
mod directory;
mod installations;
mod orgs;
mod points;
mod seed;
mod tokens;
mod users;

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    orgs::list_orgs,
    orgs::create_org,
    orgs::show_org,
    apps::list_apps,
    apps::create_app,
    apps::show_app,
    apps::delete_app,
    apps::rotate_secret,
    installations::list_installations,
    installations::install,
    installations::uninstall,
    installations::suspend,
    orgs::org_auth_info,
    orgs::set_org_auth_info,
    points::list_points,
    points::create_point,
    points::delete_point,
    apps::app_points,
    apps::add_app_point,
    apps::remove_app_point,
    installations::org_grants,
    installations::grant,
    installations::revoke_grant,
    users::list_users,
    users::create_user,
    users::delete_user,
    orgs::members,
    orgs::set_member,
    orgs::remove_member,
    apps::app_uris,
    apps::add_app_uris,
    apps::suite_ticket,
    apps::rotate_suite_ticket,
    apps::event_callback,
    apps::set_event_callback,
    apps::delete_event_callback,
    apps::update_app,
    apps::remove_app_uris,
    tokens::revoke,
    audit::audit_log,
    seed::apply,
    directory::list_departments,
    directory::put_department,
    directory::delete_department,
    directory::profile,
    directory::set_profile,
))]
pub struct ApiDoc;

/// Routes under `/admin/v1`.
pub fn router(core: Arc<Core>) -> Router<Arc<Core>> {
    Router::new()
        .route(
            "/admin/v1/orgs",
            get(orgs::list_orgs).post(orgs::create_org),
        )
        .route("/admin/v1/orgs/{corp_id}", get(orgs::show_org))
        .route(
            "/admin/v1/apps",
            get(apps::list_apps).post(apps::create_app),
        )
        .route(
            "/admin/v1/apps/{client_id}",
            get(apps::show_app)
                .delete(apps::delete_app)
                .patch(apps::update_app),
        )
        .route(
            "/admin/v1/apps/{client_id}/suite-ticket",
            get(apps::suite_ticket),
        )
        .route(
            "/admin/v1/apps/{client_id}/suite-ticket/rotate",
            post(apps::rotate_suite_ticket),
        )
        .route(
            "/admin/v1/apps/{client_id}/event-callback",
            get(apps::event_callback)
                .put(apps::set_event_callback)
                .delete(apps::delete_event_callback),
        )
        .route(
            "/admin/v1/apps/{client_id}/rotate-secret",
            post(apps::rotate_secret),
        )
        .route(
            "/admin/v1/installations",
            get(installations::list_installations),
        )
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}",
            put(installations::install).delete(installations::uninstall),
        )
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}/suspend",
            post(installations::suspend),
        )
        .route(
            "/admin/v1/orgs/{corp_id}/auth-info",
            get(orgs::org_auth_info).put(orgs::set_org_auth_info),
        )
        .route(
            "/admin/v1/points",
            get(points::list_points).post(points::create_point),
        )
        .route(
            "/admin/v1/points/{code}",
            axum::routing::delete(points::delete_point),
        )
        .route("/admin/v1/apps/{client_id}/points", get(apps::app_points))
        .route(
            "/admin/v1/apps/{client_id}/points/{code}",
            put(apps::add_app_point).delete(apps::remove_app_point),
        )
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}/grants",
            get(installations::org_grants).post(installations::grant),
        )
        .route(
            "/admin/v1/apps/{client_id}/installations/{corp_id}/grants/{code}",
            axum::routing::delete(installations::revoke_grant),
        )
        .route(
            "/admin/v1/users",
            get(users::list_users).post(users::create_user),
        )
        .route(
            "/admin/v1/users/{union_id}",
            axum::routing::delete(users::delete_user),
        )
        .route("/admin/v1/orgs/{corp_id}/members", get(orgs::members))
        .route(
            "/admin/v1/orgs/{corp_id}/departments",
            get(directory::list_departments),
        )
        .route(
            "/admin/v1/orgs/{corp_id}/departments/{dept_id}",
            put(directory::put_department).delete(directory::delete_department),
        )
        .route(
            "/admin/v1/orgs/{corp_id}/members/{union_id}/profile",
            get(directory::profile).patch(directory::set_profile),
        )
        .route(
            "/admin/v1/orgs/{corp_id}/members/{union_id}",
            put(orgs::set_member).delete(orgs::remove_member),
        )
        .route(
            "/admin/v1/apps/{client_id}/uris",
            get(apps::app_uris)
                .post(apps::add_app_uris)
                .delete(apps::remove_app_uris),
        )
        .route("/admin/v1/tokens/revoke", post(tokens::revoke))
        .route("/admin/v1/apply", post(seed::apply))
        .route("/admin/v1/audit", get(audit::audit_log))
        .route_layer(middleware::from_fn_with_state(core, require_admin_key))
}

/// The answers of [`require_admin_key`], which every admin route can give: listed once here and
/// named in each route's `responses(...)`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its derived OpenAPI description is used
enum AdminKeyRefused {
    /// `Unauthorized`: no or wrong admin key.
    #[response(status = 401, description = "`Unauthorized`: no or wrong admin key")]
    Unauthorized(ErrorBody),
    /// Too many wrong admin keys from this address lately.
    #[response(
        status = 403,
        description = "`Forbidden.AccessDenied.IpLimit`: too many wrong admin keys from this address lately (limits on)"
    )]
    IpLimit(ErrorBody),
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
    origin.set_acting(crate::origin::Acting::AdminKey);
    Ok(next.run(req).await)
}

/// A 201 with `body`.
fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}
