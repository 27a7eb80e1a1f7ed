//! The admin API: apps: the app, its secret, its registered URIs and the points it added.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use opending_domain::{PermissionPoint, Secret};
use serde::Deserialize;

use super::{created, AdminKeyRefused};
use crate::{
    http::{
        body::JsonBody,
        error::ErrorBody,
        extract::{ApiPath as Path, ApiQuery as Query},
    },
    service::{
        apps::{self, AppUris, NewApp},
        points, Error,
    },
    Core,
};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct AppFilter {
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
        (status = 200, description = "Apps (never with their secrets)", body = Vec<apps::AppView>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn list_apps(
    State(core): State<Arc<Core>>,
    Query(f): Query<AppFilter>,
) -> Result<Response, Error> {
    Ok(Json(apps::list_apps(&core, f.owner_corp_id.as_deref()).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/admin/v1/apps",
    tag = "admin",
    operation_id = "admin_create_app",
    request_body(content = NewApp, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 201, description = "The created app with its client secret (shown this once)", body = apps::AppView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
        (status = 409, description = "`Conflict`", body = ErrorBody),
    )
)]
pub(super) async fn create_app(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(input): JsonBody<NewApp>,
) -> Result<Response, Error> {
    Ok(created(apps::create_app(&core, &origin, input).await?))
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
        (status = 200, description = "The app", body = apps::AppView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn show_app(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(apps::show_app(&core, &client_id).await?).into_response())
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
pub(super) async fn delete_app(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    apps::delete_app(&core, &origin, &client_id).await?;
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
        (status = 200, description = "The app with its new client secret (shown this once)", body = apps::AppView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn rotate_secret(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(
        Json(apps::rotate_secret(&core, &origin, &client_id, None::<Secret>).await?)
            .into_response(),
    )
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
pub(super) async fn app_points(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(points::app_points(&core, &client_id).await?).into_response())
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
pub(super) async fn add_app_point(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, code)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(points::add_app_point(&core, &origin, &client_id, &code).await?).into_response())
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
pub(super) async fn remove_app_point(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path((client_id, code)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(points::remove_app_point(&core, &origin, &client_id, &code).await?).into_response())
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
        (status = 200, description = "The app's redirect URIs and openAuth origins", body = AppUris),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn app_uris(
    State(core): State<Arc<Core>>,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(apps::app_uris(&core, &client_id).await?).into_response())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct UrisBody {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    origins: Vec<String>,
}

impl From<UrisBody> for AppUris {
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
        (status = 200, description = "The app's redirect URIs and openAuth origins", body = AppUris),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn add_app_uris(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
    JsonBody(body): JsonBody<UrisBody>,
) -> Result<Response, Error> {
    Ok(Json(apps::add_app_uris(&core, &origin, &client_id, &body.into()).await?).into_response())
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
        (status = 200, description = "The app's redirect URIs and openAuth origins", body = AppUris),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn remove_app_uris(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
    JsonBody(body): JsonBody<UrisBody>,
) -> Result<Response, Error> {
    Ok(
        Json(apps::remove_app_uris(&core, &origin, &client_id, &body.into()).await?)
            .into_response(),
    )
}

#[utoipa::path(
    get,
    path = "/admin/v1/apps/{clientId}/suite-ticket",
    tag = "admin",
    operation_id = "admin_suite_ticket",
    params(("clientId" = String, Path, description = "A third-party app's clientId")),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app's current suite ticket (and the previous one, still accepted)", body = crate::service::isv::TicketView),
        (status = 400, description = "`InvalidParameter`: not a third-party app", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn suite_ticket(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Json<crate::service::isv::TicketView>, Error> {
    Ok(Json(
        crate::service::isv::ticket(&core, &origin, &client_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/admin/v1/apps/{clientId}/suite-ticket/rotate",
    tag = "admin",
    operation_id = "admin_rotate_suite_ticket",
    params(("clientId" = String, Path, description = "A third-party app's clientId")),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The new ticket; the one it replaced stays accepted as the previous one", body = crate::service::isv::TicketView),
        (status = 400, description = "`InvalidParameter`: not a third-party app", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn rotate_suite_ticket(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Json<crate::service::isv::TicketView>, Error> {
    Ok(Json(
        crate::service::isv::rotate_ticket(&core, &origin, &client_id).await?,
    ))
}

/// An app's settings that the admin API changes one by one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct AppSettings {
    /// Mark a third-party app custom (定制应用: any suite ticket accepted), or not.
    custom: Option<bool>,
    /// The URL of the app's admin backend (SSO); `""` removes it.
    admin_url: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/admin/v1/apps/{clientId}",
    tag = "admin",
    operation_id = "admin_update_app",
    params(("clientId" = String, Path, description = "The app's clientId")),
    request_body(content = AppSettings, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app", body = apps::AppView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter` (custom on an internal app, a bad URL)", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn update_app(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
    JsonBody(settings): JsonBody<AppSettings>,
) -> Result<Json<apps::AppView>, Error> {
    let isv = apps::IsvSettings {
        custom: settings.custom,
        admin_url: settings.admin_url,
    };
    apps::update_isv_settings(&core, &origin, &client_id, isv).await?;
    Ok(Json(apps::show_app(&core, &client_id).await?))
}

#[utoipa::path(
    get,
    path = "/admin/v1/apps/{clientId}/event-callback",
    tag = "admin",
    operation_id = "admin_event_callback",
    params(("clientId" = String, Path, description = "The app's clientId")),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The app's HTTP callback (the token and AES key are never shown)", body = crate::service::events::CallbackView),
        (status = 400, description = "`InvalidParameter`: not a clientId", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`: no such app, or it has no callback", body = ErrorBody),
    )
)]
pub(super) async fn event_callback(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    match crate::service::events::callback(&core, &origin, &client_id).await? {
        Some(v) => Ok(Json(v).into_response()),
        None => Err(opending_domain::ApiError::with_message(
            opending_domain::ErrorCode::NotFound,
            format!("{client_id} has no callback"),
        )
        .into()),
    }
}

#[utoipa::path(
    put,
    path = "/admin/v1/apps/{clientId}/event-callback",
    tag = "admin",
    operation_id = "admin_set_event_callback",
    params(("clientId" = String, Path, description = "The app's clientId")),
    request_body(content = crate::service::events::CallbackInput, content_type = "application/json"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Registered after the URL answered the `check_url` exchange; the app's events now go to it", body = crate::service::events::CallbackView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter` (bad token or AES key, URL not allowed, the check failed: the reason is in the message)", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn set_event_callback(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
    JsonBody(body): JsonBody<crate::service::events::CallbackInput>,
) -> Result<Response, Error> {
    Ok(
        Json(crate::service::events::set_callback(&core, &origin, &client_id, body).await?)
            .into_response(),
    )
}

#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{clientId}/event-callback",
    tag = "admin",
    operation_id = "admin_delete_event_callback",
    params(("clientId" = String, Path, description = "The app's clientId")),
    security(("adminKey" = [])),
    responses(
        (status = 204, description = "Removed: the app's events go over Stream again"),
        (status = 400, description = "`InvalidParameter`: not a clientId", body = ErrorBody),
        AdminKeyRefused,
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
pub(super) async fn delete_event_callback(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    crate::service::events::delete_callback(&core, &origin, &client_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
