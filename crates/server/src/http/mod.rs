//! The HTTP face: axum routers over the services, one error renderer, one request context.

pub mod admin;
pub mod body;
pub mod contact;
pub mod context;
pub mod directory;
pub mod emulator;
pub mod error;
pub mod extract;
pub mod health;
pub mod isv;
pub mod legacy;
pub mod metrics;
pub mod oauth2;
pub mod openapi;
pub mod pages;
pub mod request;
pub mod sns;
pub mod sso;
pub mod stream;

use std::sync::Arc;

use axum::{middleware, routing::get, Router};
use tower_http::catch_panic::CatchPanicLayer;

use crate::Core;

/// The whole application router.
pub fn router(core: Arc<Core>) -> Router {
    let mut app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/livez", get(health::livez))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(oauth2::router())
        .merge(contact::router())
        .merge(legacy::router())
        .merge(directory::router())
        .merge(sns::router())
        .merge(isv::router())
        .merge(sso::router())
        .merge(stream::router())
        .merge(pages::router());
    if core.metrics_on_main {
        app = app.merge(metrics::router());
    }
    if core.admin_key_hash.is_some() {
        app = app.merge(admin::router(core.clone()));
    }
    if core.emulator.is_some() {
        app = app
            .merge(emulator::router())
            .layer(middleware::from_fn_with_state(
                core.clone(),
                emulator::inject_faults,
            ));
    }
    app.fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(middleware::from_fn_with_state(
            core.clone(),
            request::middleware,
        ))
        .with_state(core)
}

/// The router of the separate metrics listener (`metrics_listen`): `/metrics` and nothing else.
pub fn metrics_router(core: Arc<Core>) -> Router {
    metrics::router()
        .fallback(error::not_found)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(core)
}
