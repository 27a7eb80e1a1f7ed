//! `GET /console/apps/{clientId}/rotate` (the confirmation) and `POST` (rotation): a new
//! client secret, shown this once; the old one and every token of the app stop at once.

use std::sync::Arc;

use axum::{
    extract::{Form, Path, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

use super::{bad_csrf, refused, user, CsrfForm};
use crate::{
    http::pages::{i18n, PageCtx},
    service::{console, Error},
    Core,
};

pub(super) async fn confirm(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    let me = match user(&page) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let app = match console::manage_app(&core, &me, &client_id).await {
        Ok(a) => a,
        Err(e) => return refused(&core, &page, e),
    };
    Ok(page.render(
        &core,
        StatusCode::OK,
        "console_confirm.html",
        context! {
            title => i18n::t(page.lang, "console_rotate_title"),
            message => i18n::t(page.lang, "console_rotate_warning"),
            action => format!("/console/apps/{}/rotate", super::app::urlencode(app.app.client_id.as_str())),
            button => i18n::t(page.lang, "console_rotate"),
            button_id => "confirm-rotate",
            app_name => app.app.name,
            client_id => app.app.client_id.as_str(),
        },
    ))
}

pub(super) async fn rotate(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    let me = match user(&page) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    if !page.csrf_ok(&core, &f.csrf) {
        return Ok(bad_csrf(&core, &page));
    }
    match console::rotate_secret(&core, &me, &client_id).await {
        Ok(view) => Ok(page.render(
            &core,
            StatusCode::OK,
            "console_secret.html",
            context! {
                title => i18n::t(page.lang, "console_rotated"),
                client_id => view.client_id,
                name => view.name,
                client_secret => view.client_secret,
            },
        )),
        Err(e) => refused(&core, &page, e),
    }
}
