//! The emulator's control API under `/_opending/` (mounted only in emulator mode), and the
//! fault-injection middleware. See docs/emulator.md.

use std::{sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Json, Router,
};
use opending_domain::{ApiError, ErrorCode};
use serde_json::json;

use super::{
    body::JsonBody,
    extract::{ApiPath as Path, ApiQuery as Query},
};
use crate::{
    journal::JournalFilter,
    service::{
        emulator::{self, ClockChange, FaultAction, FaultRule, MintCode},
        seed, Error,
    },
    Core,
};

/// Routes under `/_opending`.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/_opending/reset", post(reset))
        .route("/_opending/seed", post(apply_seed))
        .route("/_opending/clock", get(clock).post(set_clock))
        .route("/_opending/codes", post(mint_code))
        .route("/_opending/tokens", get(tokens))
        .route("/_opending/tokens/{id}/expire", post(expire))
        .route("/_opending/tokens/{id}/revoke", post(revoke))
        .route("/_opending/requests", get(requests).delete(clear_requests))
        .route("/_opending/requests/counts", get(counts))
        .route(
            "/_opending/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/_opending/faults/{id}", delete(clear_fault))
        .route("/_opending/ping", get(ping))
}

/// `GET /_opending/ping`: answers `{}` without touching storage, the clock or any service. The
/// benchmark's baseline (scenario z in docs/benchmarks.md): the same binary, router and
/// middleware as every other route, doing no work of its own.
async fn ping() -> Response {
    Json(json!({})).into_response()
}

async fn reset(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(emulator::reset(&core).await?).into_response())
}

async fn apply_seed(State(core): State<Arc<Core>>, req: Request) -> Result<Response, Error> {
    let doc = seed::parse(&super::body::seed_text(req).await?)?;
    Ok(Json(seed::apply(&core, &doc).await?).into_response())
}

async fn clock(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(emulator::clock(&core)?).into_response())
}

async fn set_clock(
    State(core): State<Arc<Core>>,
    JsonBody(change): JsonBody<ClockChange>,
) -> Result<Response, Error> {
    Ok(Json(emulator::set_clock(&core, change)?).into_response())
}

async fn mint_code(
    State(core): State<Arc<Core>>,
    JsonBody(m): JsonBody<MintCode>,
) -> Result<Response, Error> {
    Ok((
        StatusCode::CREATED,
        Json(emulator::mint_code(&core, m).await?),
    )
        .into_response())
}

async fn tokens(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(emulator::issued(&core).await?).into_response())
}

async fn expire(State(core): State<Arc<Core>>, Path(id): Path<String>) -> Result<Response, Error> {
    Ok(Json(json!({ "expired": emulator::expire(&core, &id).await? })).into_response())
}

async fn revoke(State(core): State<Arc<Core>>, Path(id): Path<String>) -> Result<Response, Error> {
    Ok(Json(json!({ "revoked": emulator::revoke(&core, &id).await? })).into_response())
}

async fn requests(
    State(core): State<Arc<Core>>,
    Query(filter): Query<JournalFilter>,
) -> Result<Response, Error> {
    Ok(Json(core.journal.entries(&filter)).into_response())
}

async fn counts(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(core.journal.counts()).into_response())
}

async fn clear_requests(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    core.journal.clear();
    Ok(Json(json!({ "cleared": true })).into_response())
}

fn state(core: &Core) -> Result<&emulator::EmulatorState, Error> {
    core.emulator
        .as_ref()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound).into())
}

async fn faults(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(state(&core)?.faults()).into_response())
}

async fn add_fault(
    State(core): State<Arc<Core>>,
    JsonBody(rule): JsonBody<FaultRule>,
) -> Result<Response, Error> {
    Ok((StatusCode::CREATED, Json(state(&core)?.add_fault(rule)?)).into_response())
}

async fn clear_faults(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(json!({ "cleared": state(&core)?.clear_faults(None) })).into_response())
}

async fn clear_fault(
    State(core): State<Arc<Core>>,
    Path(id): Path<u64>,
) -> Result<Response, Error> {
    Ok(Json(json!({ "cleared": state(&core)?.clear_faults(Some(id)) })).into_response())
}

/// Fault injection: applies the first matching rule to every request outside `/_opending/`.
pub async fn inject_faults(State(core): State<Arc<Core>>, req: Request, next: Next) -> Response {
    let action = match &core.emulator {
        Some(emu) if !req.uri().path().starts_with("/_opending/") => {
            emu.fault_for(&core, req.method().as_str(), req.uri().path())
        }
        _ => None,
    };
    match action {
        None => next.run(req).await,
        Some(FaultAction::Latency { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Some(FaultAction::Error { code, message }) => {
            let code = ErrorCode::from_code(&code).unwrap_or(ErrorCode::ServerError);
            let err = match message {
                Some(m) => ApiError::with_message(code, m),
                None => ApiError::new(code),
            };
            super::error::render(&err)
        }
        Some(FaultAction::Drop) => {
            // Headers go out, then the body fails: the client sees the connection break.
            let failing = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "injected fault: drop",
                ))
            });
            let mut r = Response::new(Body::from_stream(failing));
            r.headers_mut().insert(
                axum::http::header::CONTENT_LENGTH,
                axum::http::HeaderValue::from_static("100"),
            );
            r
        }
    }
}
