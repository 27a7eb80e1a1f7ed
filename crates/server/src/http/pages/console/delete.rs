//! `GET /console/apps/{clientId}/delete` (the confirmation) and `POST` (deletion, with the
//! app's installations, grants and tokens).

use std::sync::Arc;

use axum::{
    extract::{Form, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
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
            title => i18n::t(page.lang, "console_delete_title"),
            message => i18n::t(page.lang, "console_delete_warning"),
            action => format!("/console/apps/{}/delete", super::app::urlencode(app.app.client_id.as_str())),
            button => i18n::t(page.lang, "console_delete"),
            button_id => "confirm-delete",
            app_name => app.app.name,
            client_id => app.app.client_id.as_str(),
        },
    ))
}

pub(super) async fn delete(
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
    match console::delete_app(&core, &me, &client_id).await {
        Ok(()) => Ok(Redirect::to("/console?notice=deleted").into_response()),
        Err(e) => refused(&core, &page, e),
    }
}
