//! The demo world's openAuth test page (`/demo/openauth`): what a DingTalk H5 app's page does,
//! served by this server for the internal app of `serve --demo`, whose registered origins are
//! this server's own. It loads `/sdk/openauth.js`, calls `openAuth` from a button and shows the
//! result and the calls that turn the code into a user token.

use std::sync::Arc;

use axum::{extract::State, http::StatusCode, response::Response, routing::get, Router};
use minijinja::context;

use super::PageCtx;
use crate::{
    service::{demo, Error},
    Core,
};

/// The page's routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new().route("/demo/openauth", get(page))
}

async fn page(State(core): State<Arc<Core>>, page: PageCtx) -> Result<Response, Error> {
    let Some(world) = demo::current(&core).await? else {
        return Ok(page.error_page(
            &core,
            StatusCode::NOT_FOUND,
            "demo_missing_title",
            super::i18n::t(page.lang, "demo_missing"),
        ));
    };
    Ok(page.render(
        &core,
        StatusCode::OK,
        "demo_openauth.html",
        context! {
            client_id => world.internal_client_id,
            corp_id => world.demo_corp_id,
            user_login => world.user_login,
        },
    ))
}
