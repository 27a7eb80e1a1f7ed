//! `GET /console/apps/{clientId}/rotate` (the confirmation, [`CONFIRM`]) and `POST` (rotation):
//! a new client secret, shown this once; the old one and every token of the app stop at once.

use std::sync::Arc;

use axum::{
    extract::{Form, Path, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

use super::{form_user, refused, CsrfForm, Danger};
use crate::{
    http::pages::{i18n, PageCtx},
    service::{apps, Error},
    Core,
};

/// The confirmation page's words.
pub(super) const CONFIRM: Danger = Danger {
    title: "console_rotate_title",
    warning: "console_rotate_warning",
    button: "console_rotate",
    action: "rotate",
};

pub(super) async fn rotate(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    Path(client_id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    match apps::rotate_secret(&core, &origin, &client_id, None).await {
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
