//! The platform operator's pages (`/operator/...`): orgs, users and the permission-point
//! catalogue. Reached by signing in with the admin key (`service::operator`); the forms'
//! CSRF tokens are derived from the operator cookie.

mod orgs;
mod points;
mod signin;
mod users;

use std::sync::Arc;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use minijinja::{context, Value};

use super::{i18n, PageCtx};
use crate::{service::session, Core};

/// Templates of the operator pages (registered with the others in `pages/mod.rs`).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "operator_login.html",
        include_str!("../../../../templates/operator_login.html"),
    ),
    (
        "operator_orgs.html",
        include_str!("../../../../templates/operator_orgs.html"),
    ),
    (
        "operator_users.html",
        include_str!("../../../../templates/operator_users.html"),
    ),
    (
        "operator_points.html",
        include_str!("../../../../templates/operator_points.html"),
    ),
];

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route(
            "/operator",
            get(|page: PageCtx| async move {
                if page.operator.is_some() {
                    Redirect::to("/operator/orgs")
                } else {
                    Redirect::to("/operator/login")
                }
            }),
        )
        .route("/operator/login", get(signin::show).post(signin::submit))
        .route("/operator/logout", post(signin::sign_out))
        .route("/operator/orgs", get(orgs::show).post(orgs::create))
        .route("/operator/users", get(users::show))
        .route("/operator/points", get(points::show).post(points::create))
}

/// The operator's cookie value, or the way to the operator sign-in (boxed: a `Response` is
/// large).
/// Changes made by this request are the admin key holder's.
pub(crate) fn operator(page: &PageCtx) -> Result<String, Box<Response>> {
    let cookie = page
        .operator
        .clone()
        .ok_or_else(|| Box::new(Redirect::to("/operator/login").into_response()))?;
    page.origin.set_acting(crate::origin::Acting::AdminKey);
    Ok(cookie)
}

/// Renders an operator page: the CSRF token of its forms comes from the operator cookie.
pub(crate) fn render(
    core: &Core,
    page: &PageCtx,
    cookie: &str,
    status: StatusCode,
    name: &str,
    extra: Value,
) -> Response {
    let op = context! { op_csrf => session::csrf_token(core, cookie) };
    page.render(core, status, name, context! { ..op, ..extra })
}

/// Whether a form's token is the operator cookie's.
pub(crate) fn csrf_ok(core: &Core, cookie: &str, presented: &str) -> bool {
    session::csrf_ok(core, cookie, presented)
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
