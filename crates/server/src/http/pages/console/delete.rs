//! `GET /console/apps/{clientId}/delete` (the confirmation, [`CONFIRM`]) and `POST` (deletion,
//! with the app's installations, grants and tokens).

use std::sync::Arc;

use axum::{
    extract::{Form, Path, State},
    response::{IntoResponse, Redirect, Response},
};

use super::{form_user, refused, CsrfForm, Danger};
use crate::{
    http::pages::PageCtx,
    service::{apps, Error},
    Core,
};

/// The confirmation page's words.
pub(super) const CONFIRM: Danger = Danger {
    title: "console_delete_title",
    warning: "console_delete_warning",
    button: "console_delete",
    action: "delete",
};

pub(super) async fn delete(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    Path(client_id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    match apps::delete_app(&core, &origin, &client_id).await {
        Ok(()) => Ok(Redirect::to("/console?notice=deleted").into_response()),
        Err(e) => refused(&core, &page, e),
    }
}
