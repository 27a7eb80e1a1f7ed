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
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use opending_domain::{ErrorCode, User};
use serde::Deserialize;

use super::{i18n, PageCtx};
use crate::{service::Error, Core};

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
    (
        "console_confirm.html",
        include_str!("../../../../templates/console_confirm.html"),
    ),
    (
        "pager.html",
        include_str!("../../../../templates/pager.html"),
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
            get(secret::confirm).post(secret::rotate),
        )
        .route(
            "/console/apps/{client_id}/delete",
            get(delete::confirm).post(delete::delete),
        )
}

/// A form that carries only its CSRF token. Missing fields default to empty so a form
/// without a token gets the "expired form" page, not an extractor's bare 422.
#[derive(Deserialize, Default)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// The signed-in user, or the redirect to sign-in (boxed: a `Response` is large).
pub(crate) fn user(page: &PageCtx) -> Result<User, Box<Response>> {
    page.user.clone().ok_or_else(|| Box::new(page.to_sign_in()))
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

/// Rows per page of every console list.
pub const PAGE_SIZE: usize = 20;

/// One page of a list, and the links around it.
#[derive(Debug, serde::Serialize)]
pub struct Pager {
    /// 1-based page number.
    pub page: usize,
    /// Number of pages (at least 1).
    pub pages: usize,
    /// Rows in all.
    pub total: usize,
}

/// Cuts `items` to page `raw` (`?page=`; anything unparsable is page 1).
pub fn paginate<T>(items: Vec<T>, raw: Option<&str>) -> (Vec<T>, Pager) {
    let total = items.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = raw
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows = items
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    (rows, Pager { page, pages, total })
}

/// `?page=` of a list.
#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    pub page: Option<String>,
    pub notice: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let (rows, p) = paginate((0..45).collect::<Vec<_>>(), Some("3"));
        assert_eq!(
            (rows, p.page, p.pages, p.total),
            (vec![40, 41, 42, 43, 44], 3, 3, 45)
        );
        let (rows, p) = paginate((0..45).collect::<Vec<_>>(), Some("x"));
        assert_eq!((rows.len(), p.page), (20, 1));
        let (rows, p) = paginate(Vec::<u8>::new(), Some("9"));
        assert_eq!((rows.len(), p.page, p.pages), (0, 1, 1));
    }
}
