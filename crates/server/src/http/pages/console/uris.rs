//! `POST /console/apps/{clientId}/uris/{add|remove}`: registered redirect URIs (browser login
//! flow) and openAuth origins.

use std::sync::Arc;

use crate::service::UriKind;
use axum::{
    extract::{Form, Path, State},
    response::Response,
};
use serde::Deserialize;

use super::{app::after_change, form_user, refused};
use crate::{
    http::pages::PageCtx,
    service::{
        apps::{self, AppUris},
        bad_input, Error,
    },
    Core,
};

#[derive(Deserialize, Default)]
pub(super) struct UriForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    uri: String,
}

pub(super) async fn change(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path((client_id, action)): Path<(String, String)>,
    Form(f): Form<UriForm>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    let kind = match f.kind.as_str() {
        "redirect" => UriKind::Redirect,
        "origin" => UriKind::Origin,
        _ => return refused(&core, &page, bad_input("kind must be redirect or origin")),
    };
    let done = match action.as_str() {
        "add" => apps::add_app_uris(&core, &page.origin, &client_id, &AppUris::one(kind, &f.uri))
            .await
            .map(drop),
        "remove" => {
            apps::remove_app_uris(&core, &page.origin, &client_id, &AppUris::one(kind, &f.uri))
                .await
                .map(drop)
        }
        _ => return refused(&core, &page, bad_input("unknown action")),
    };
    after_change(&core, &page, &client_id, done, "uris").await
}
