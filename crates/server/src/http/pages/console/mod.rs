//! The developer backend (`/console`): a signed-in user's apps in the orgs they belong to —
//! create, credentials, basic info, URIs, permission points, secret rotation and deletion.
//! Thin handlers over `service::console`, which holds the access rules; one concept per file.

mod app;
mod create;
mod delete;
mod list;
mod points;
mod secret;
mod uris;

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use opending_domain::{ErrorCode, User};
use serde::Deserialize;

use super::{i18n, Confirm, PageCtx};
use crate::{
    service::{self, Error},
    Core,
};

/// Templates of the console pages (registered with the others in `pages/mod.rs`).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "console_list.html",
        include_str!("../../../../templates/console_list.html"),
    ),
    (
        "console_new.html",
        include_str!("../../../../templates/console_new.html"),
    ),
    (
        "console_app.html",
        include_str!("../../../../templates/console_app.html"),
    ),
    (
        "console_secret.html",
        include_str!("../../../../templates/console_secret.html"),
    ),
];

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/console", get(list::show))
        .route("/console/apps", post(create::submit))
        .route("/console/apps/new", get(create::show))
        .route("/console/apps/{client_id}", get(app::show))
        .route("/console/apps/{client_id}/settings", post(app::save))
        .route("/console/apps/{client_id}/isv", post(app::save_isv))
        .route("/console/apps/{client_id}/events", post(app::save_callback))
        .route(
            "/console/apps/{client_id}/events/remove",
            post(app::remove_callback),
        )
        .route(
            "/console/apps/{client_id}/uris/{action}",
            post(uris::change),
        )
        .route(
            "/console/apps/{client_id}/points/{action}",
            post(points::change),
        )
        .route(
            "/console/apps/{client_id}/rotate",
            get(|s, p, id| confirm(s, p, id, &secret::CONFIRM)).post(secret::rotate),
        )
        .route(
            "/console/apps/{client_id}/delete",
            get(|s, p, id| confirm(s, p, id, &delete::CONFIRM)).post(delete::delete),
        )
}

pub(crate) use super::CsrfForm;

/// The user's orgs, by name (the org pickers of the console).
pub(crate) async fn my_orgs(
    core: &Core,
    me: &User,
) -> Result<Vec<service::memberships::MyOrg>, Error> {
    let mut orgs = service::memberships::orgs_of(core, &me.union_id).await?;
    orgs.sort_by(|a, b| a.org.name.cmp(&b.org.name));
    Ok(orgs)
}

/// The signed-in user, or the redirect to sign-in (boxed: a `Response` is large).
/// Changes made by this request are the user's in the audit log.
pub(crate) fn user(page: &PageCtx) -> Result<User, Box<Response>> {
    let user = page
        .user
        .clone()
        .ok_or_else(|| Box::new(page.to_sign_in()))?;
    page.origin
        .set_acting(crate::origin::Acting::User(user.union_id.to_string()));
    Ok(user)
}

/// The signed-in user of a form whose CSRF token is this session's; else the way to sign-in
/// or the refusal page.
pub(crate) fn form_user(core: &Core, page: &PageCtx, csrf: &str) -> Result<User, Box<Response>> {
    let me = user(page)?;
    if !page.csrf_ok(core, csrf) {
        return Err(Box::new(bad_csrf(core, page)));
    }
    Ok(me)
}

/// A destructive change of an app that asks first (`GET` asks, `POST` does it): the i18n keys
/// of its confirmation page and the last segment of its path.
pub(crate) struct Danger {
    /// The page title's key.
    pub title: &'static str,
    /// The warning's key.
    pub warning: &'static str,
    /// The button's key.
    pub button: &'static str,
    /// `/console/apps/{clientId}/{action}`; the button's id is `confirm-{action}`.
    pub action: &'static str,
}

/// `GET /console/apps/{clientId}/{delete|rotate}`: the confirmation page, for those who may
/// make the change (others get what [`refused`] says).
async fn confirm(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
    danger: &'static Danger,
) -> Result<Response, Error> {
    if let Err(r) = user(&page) {
        return Ok(*r);
    }
    let app = match service::policy::app_to_change(&core, &page.origin, &client_id).await {
        Ok(a) => a.app,
        Err(e) => return refused(&core, &page, e),
    };
    let id = app.client_id.as_str();
    let view = Confirm {
        title: i18n::t(page.lang, danger.title).to_owned(),
        subject: app.name.clone(),
        subject_id: id.to_owned(),
        message: i18n::t(page.lang, danger.warning).to_owned(),
        action: format!("/console/apps/{}/{}", app::urlencode(id), danger.action),
        back: format!("/console/apps/{}", app::urlencode(id)),
        button: i18n::t(page.lang, danger.button).to_owned(),
        button_id: format!("confirm-{}", danger.action),
    };
    Ok(page.render(&core, StatusCode::OK, "confirm.html", view.view()))
}

/// The page for a refused CSRF token.
pub(crate) fn bad_csrf(core: &Core, page: &PageCtx) -> Response {
    page.error_page(
        core,
        StatusCode::FORBIDDEN,
        "bad_request",
        i18n::t(page.lang, "bad_csrf"),
    )
}

/// What a failed console operation shows: not found (also for other orgs' apps), not allowed,
/// or the input's problem — never a 5xx for the caller's mistakes.
pub(crate) fn refused(core: &Core, page: &PageCtx, e: Error) -> Result<Response, Error> {
    let Error::Api(api) = e else { return Err(e) };
    Ok(match api.code {
        ErrorCode::NotFound => page.error_page(
            core,
            StatusCode::NOT_FOUND,
            "not_found",
            i18n::t(page.lang, "console_not_found"),
        ),
        ErrorCode::PermissionDenied => page.error_page(
            core,
            StatusCode::FORBIDDEN,
            "error",
            i18n::t(page.lang, "console_not_manager"),
        ),
        _ => page.error_page(
            core,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &input_error(page, &api),
        ),
    })
}

/// A localized lead-in and the service's precise reason.
pub(crate) fn input_error(page: &PageCtx, api: &opending_domain::ApiError) -> String {
    format!("{}{}", i18n::t(page.lang, "invalid_input"), api.message())
}

/// `?page=` of a list.
#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    pub page: Option<String>,
    pub notice: Option<String>,
}
