//! `POST /console/apps/{clientId}/points/{add|remove}`: the permission points an app added
//! (the developer backend's "apply for permission" step).

use std::sync::Arc;

use axum::{
    extract::{Form, Path, State},
    response::Response,
};
use serde::Deserialize;

use super::{app::after_change, form_user, refused};
use crate::{
    http::pages::PageCtx,
    service::{bad_input, points, Error},
    Core,
};

#[derive(Deserialize, Default)]
pub(super) struct PointForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn change(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path((client_id, action)): Path<(String, String)>,
    Form(f): Form<PointForm>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    let done = match action.as_str() {
        "add" => points::add_app_point(&core, &page.origin, &client_id, f.code.trim())
            .await
            .map(drop),
        "remove" => points::remove_app_point(&core, &page.origin, &client_id, f.code.trim())
            .await
            .map(drop),
        _ => return refused(&core, &page, bad_input("unknown action")),
    };
    after_change(&core, &page, &client_id, done, "points").await
}
