//! `bare-axum`: the ceiling every ratio of docs/benchmarks.md is taken against. The smallest
//! axum server that answers what the headline scenarios send — a `GET` and a JSON `POST` shaped
//! like DingTalk's token request — with opending's own tokio, axum and serde (one Cargo.lock) and
//! release profile, and nothing else: no middleware, no logging, no storage.
//!
//! `bare-axum [ADDR]` (default 127.0.0.1:0) prints `listening on http://ADDR` when it answers.

use axum::{
    extract::Path,
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

/// The body of `POST /v1.0/oauth2/{corpId}/token`, as opending reads it.
#[derive(Deserialize)]
struct TokenRequest {
    client_id: String,
    client_secret: String,
    grant_type: String,
}

/// A body shaped like opending's token answer.
#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
}

async fn token(Path(corp_id): Path<String>, Json(req): Json<TokenRequest>) -> Json<TokenResponse> {
    // Uses every field, so the parse cannot be optimised away; no lookup, no hashing.
    let len = corp_id.len() + req.client_id.len() + req.client_secret.len() + req.grant_type.len();
    Json(TokenResponse {
        access_token: format!("{len:032x}"),
        token_type: "Bearer",
        expires_in: 7200,
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let app = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/v1.0/oauth2/{corp_id}/token", post(token));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
