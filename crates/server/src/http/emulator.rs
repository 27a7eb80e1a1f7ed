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

use super::{
    body::JsonBody,
    error::ErrorBody,
    extract::{ApiPath as Path, ApiQuery as Query},
};
use crate::{
    journal::{JournalEntry, JournalFilter, RouteCount},
    service::{
        emulator::{
            self, ClockChange, ClockView, FaultAction, FaultRule, Issued, MintCode, Minted,
        },
        seed, Error,
    },
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`, tagged `emulator`: they
/// exist only in emulator mode).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    reset,
    apply_seed,
    clock,
    set_clock,
    mint_code,
    tokens,
    expire,
    expire_jsapi_ticket,
    revoke,
    requests,
    clear_requests,
    counts,
    faults,
    add_fault,
    clear_faults,
    clear_fault,
    ping,
    suite_ticket,
    rotate_suite_ticket,
    sso_code,
    login_code,
    raise_event,
    list_events,
))]
pub struct ApiDoc;

/// `{"expired": bool}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Expired {
    /// Whether a live token had that id.
    expired: bool,
}

/// `{"revoked": bool}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct RevokedFlag {
    /// Whether a live token had that id.
    revoked: bool,
}

/// `{"cleared": true}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Cleared {
    /// Always true.
    cleared: bool,
}

/// `{"cleared": n}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ClearedCount {
    /// Rules removed.
    cleared: usize,
}

/// `{}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Empty {}

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
        .route(
            "/_opending/jsapi-tickets/{client_id}/{corp_id}/expire",
            post(expire_jsapi_ticket),
        )
        .route("/_opending/requests", get(requests).delete(clear_requests))
        .route("/_opending/requests/counts", get(counts))
        .route(
            "/_opending/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/_opending/faults/{id}", delete(clear_fault))
        .route("/_opending/ping", get(ping))
        .route("/_opending/suite-tickets/{client_id}", get(suite_ticket))
        .route(
            "/_opending/suite-tickets/{client_id}/rotate",
            post(rotate_suite_ticket),
        )
        .route("/_opending/sso-codes", post(sso_code))
        .route("/_opending/login-codes", post(login_code))
        .route("/_opending/events", post(raise_event).get(list_events))
        .route_layer(axum::middleware::from_fn(act_as_emulator))
}

/// Every control call acts as the emulator (the platform's rights): the control API exists
/// only in emulator mode, where it is the test's own backdoor.
async fn act_as_emulator(origin: crate::Origin, req: Request, next: Next) -> Response {
    origin.set_acting(crate::origin::Acting::Emulator);
    next.run(req).await
}

/// `GET /_opending/ping`: answers `{}` without touching storage, the clock or any service. The
/// benchmark's baseline (scenario z in docs/benchmarks.md): the same binary, router and
/// middleware as every other route, doing no work of its own.
#[utoipa::path(
    get,
    path = "/_opending/ping",
    tag = "emulator",
    operation_id = "emulator_ping",
    security(()),
    responses(
        (status = 200, description = "`{}` (the benchmark's baseline)", body = Empty),
    )
)]
async fn ping() -> Response {
    Json(Empty {}).into_response()
}

#[utoipa::path(
    post,
    path = "/_opending/reset",
    tag = "emulator",
    operation_id = "emulator_reset",
    security(()),
    responses(
        (status = 200, description = "Everything deleted, the startup seed applied again", body = seed::ApplyReport),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn reset(State(core): State<Arc<Core>>, origin: crate::Origin) -> Result<Response, Error> {
    Ok(Json(emulator::reset(&core, &origin).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/seed",
    tag = "emulator",
    operation_id = "emulator_apply_seed",
    request_body(description = "A seed document (docs/seed-file.md), YAML or JSON, any content type, at most 1 MiB", content((String = "application/yaml"), (serde_json::Value = "application/json"))),
    security(()),
    responses(
        (status = 200, description = "What applying the seed document did", body = seed::ApplyReport),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn apply_seed(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    req: Request,
) -> Result<Response, Error> {
    let doc = seed::parse(&super::body::seed_text(req).await?)?;
    Ok(Json(seed::apply(&core, &origin, &doc).await?).into_response())
}

#[utoipa::path(
    get,
    path = "/_opending/clock",
    tag = "emulator",
    operation_id = "emulator_clock",
    security(()),
    responses(
        (status = 200, description = "The server clock", body = ClockView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn clock(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(emulator::clock(&core)?).into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/clock",
    tag = "emulator",
    operation_id = "emulator_set_clock",
    request_body(content = ClockChange, content_type = "application/json"),
    security(()),
    responses(
        (status = 200, description = "The server clock after the change", body = ClockView),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn set_clock(
    State(core): State<Arc<Core>>,
    JsonBody(change): JsonBody<ClockChange>,
) -> Result<Response, Error> {
    Ok(Json(emulator::set_clock(&core, change)?).into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/codes",
    tag = "emulator",
    operation_id = "emulator_mint_code",
    request_body(content = MintCode, content_type = "application/json"),
    security(()),
    responses(
        (status = 201, description = "An authorization code, as if the user had consented", body = Minted),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn mint_code(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(m): JsonBody<MintCode>,
) -> Result<Response, Error> {
    Ok((
        StatusCode::CREATED,
        Json(emulator::mint_code(&core, &origin, m).await?),
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/_opending/tokens",
    tag = "emulator",
    operation_id = "emulator_tokens",
    security(()),
    responses(
        (status = 200, description = "Tokens and codes issued", body = Vec<Issued>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn tokens(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(emulator::issued(&core).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/tokens/{id}/expire",
    tag = "emulator",
    operation_id = "emulator_expire",
    params(
        ("id" = String, Path, description = "The id from `GET /_opending/tokens`"),
    ),
    security(()),
    responses(
        (status = 200, description = "Whether a token was expired", body = Expired),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn expire(State(core): State<Arc<Core>>, Path(id): Path<String>) -> Result<Response, Error> {
    Ok(Json(Expired {
        expired: emulator::expire(&core, &id).await?,
    })
    .into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/jsapi-tickets/{clientId}/{corpId}/expire",
    tag = "emulator",
    operation_id = "emulator_expire_jsapi_ticket",
    params(
        ("clientId" = String, Path, description = "The app"),
        ("corpId" = String, Path, description = "The org its ticket is for"),
    ),
    security(()),
    responses(
        (status = 200, description = "Whether a ticket was expired (the next fetch makes a new one)", body = Expired),
        (status = 400, description = "`InvalidParameter`: a malformed clientId or corpId", body = ErrorBody),
    )
)]
async fn expire_jsapi_ticket(
    State(core): State<Arc<Core>>,
    Path((client_id, corp_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    Ok(Json(Expired {
        expired: emulator::expire_jsapi_ticket(&core, &client_id, &corp_id).await?,
    })
    .into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/tokens/{id}/revoke",
    tag = "emulator",
    operation_id = "emulator_revoke",
    params(
        ("id" = String, Path, description = "The id from `GET /_opending/tokens`"),
    ),
    security(()),
    responses(
        (status = 200, description = "Whether a token was revoked", body = RevokedFlag),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn revoke(State(core): State<Arc<Core>>, Path(id): Path<String>) -> Result<Response, Error> {
    Ok(Json(RevokedFlag {
        revoked: emulator::revoke(&core, &id).await?,
    })
    .into_response())
}

#[utoipa::path(
    get,
    path = "/_opending/requests",
    tag = "emulator",
    operation_id = "emulator_requests",
    params(
        JournalFilter,
    ),
    security(()),
    responses(
        (status = 200, description = "Requests answered, oldest first", body = Vec<JournalEntry>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn requests(
    State(core): State<Arc<Core>>,
    Query(filter): Query<JournalFilter>,
) -> Result<Response, Error> {
    Ok(Json(core.journal.entries(&filter)).into_response())
}

#[utoipa::path(
    get,
    path = "/_opending/requests/counts",
    tag = "emulator",
    operation_id = "emulator_counts",
    security(()),
    responses(
        (status = 200, description = "Requests answered per route", body = Vec<RouteCount>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn counts(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(core.journal.counts()).into_response())
}

#[utoipa::path(
    delete,
    path = "/_opending/requests",
    tag = "emulator",
    operation_id = "emulator_clear_requests",
    security(()),
    responses(
        (status = 200, description = "The journal was emptied", body = Cleared),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn clear_requests(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    core.journal.clear();
    Ok(Json(Cleared { cleared: true }).into_response())
}

fn state(core: &Core) -> Result<&emulator::EmulatorState, Error> {
    core.emulator
        .as_ref()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound).into())
}

#[utoipa::path(
    get,
    path = "/_opending/faults",
    tag = "emulator",
    operation_id = "emulator_faults",
    security(()),
    responses(
        (status = 200, description = "The fault rules in force", body = Vec<FaultRule>),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn faults(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(state(&core)?.faults()).into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/faults",
    tag = "emulator",
    operation_id = "emulator_add_fault",
    request_body(content = FaultRule, content_type = "application/json"),
    security(()),
    responses(
        (status = 201, description = "The rule, with its id", body = FaultRule),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn add_fault(
    State(core): State<Arc<Core>>,
    JsonBody(rule): JsonBody<FaultRule>,
) -> Result<Response, Error> {
    Ok((StatusCode::CREATED, Json(state(&core)?.add_fault(rule)?)).into_response())
}

#[utoipa::path(
    delete,
    path = "/_opending/faults",
    tag = "emulator",
    operation_id = "emulator_clear_faults",
    security(()),
    responses(
        (status = 200, description = "How many rules were removed", body = ClearedCount),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn clear_faults(State(core): State<Arc<Core>>) -> Result<Response, Error> {
    Ok(Json(ClearedCount {
        cleared: state(&core)?.clear_faults(None),
    })
    .into_response())
}

#[utoipa::path(
    delete,
    path = "/_opending/faults/{id}",
    tag = "emulator",
    operation_id = "emulator_clear_fault",
    params(
        ("id" = u64, Path, description = "The rule's id"),
    ),
    security(()),
    responses(
        (status = 200, description = "How many rules were removed (0 or 1)", body = ClearedCount),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn clear_fault(
    State(core): State<Arc<Core>>,
    Path(id): Path<u64>,
) -> Result<Response, Error> {
    Ok(Json(ClearedCount {
        cleared: state(&core)?.clear_faults(Some(id)),
    })
    .into_response())
}

/// Fault injection: applies the first matching rule to every request outside `/_opending/`.
pub async fn inject_faults(State(core): State<Arc<Core>>, req: Request, next: Next) -> Response {
    let action = match &core.emulator {
        Some(emu) if !req.uri().path().starts_with("/_opending/") => {
            emu.fault_for(req.method().as_str(), req.uri().path(), || {
                core.with_rng(|rng| {
                    let mut b = [0u8; 8];
                    rand::RngCore::fill_bytes(rng, &mut b);
                    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
                })
            })
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
        Some(FaultAction::Errcode { errcode, errmsg }) => {
            let known = opending_domain::LegacyCode::from_errcode(errcode).map(|c| c.errmsg());
            let errmsg = errmsg.as_deref().or(known).unwrap_or("injected fault");
            super::error::render_errcode(errcode, errmsg)
        }
        Some(FaultAction::IpBan { html, status }) => {
            let status = status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            let mut uuid = [0u8; 16];
            core.with_rng(|rng| rand::RngCore::fill_bytes(rng, &mut uuid));
            let uuid = uuid::Builder::from_random_bytes(uuid)
                .into_uuid()
                .simple()
                .to_string();
            if html {
                let page = format!("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>访问被拒绝</title></head><body><h1>访问被拒绝</h1><p>您的访问过于频繁，已被暂时禁止，请 5 分钟后再试。</p><p>uuid: {uuid}</p></body></html>\n");
                (
                    status,
                    [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    page,
                )
                    .into_response()
            } else {
                let body = serde_json::json!({"status": 1111, "wait": 5, "source": "x5", "punish": "deny", "uuid": uuid});
                (status, Json(body)).into_response()
            }
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

#[utoipa::path(
    get,
    path = "/_opending/suite-tickets/{clientId}",
    tag = "emulator",
    operation_id = "emulator_suite_ticket",
    params(("clientId" = String, Path, description = "A third-party app")),
    security(()),
    responses(
        (status = 200, description = "The app's current suite ticket (and the previous one, still accepted)", body = crate::service::isv::TicketView),
        (status = 400, description = "`InvalidParameter`: not a third-party app", body = ErrorBody),
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn suite_ticket(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(crate::service::isv::ticket(&core, &origin, &client_id).await?).into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/suite-tickets/{clientId}/rotate",
    tag = "emulator",
    operation_id = "emulator_rotate_suite_ticket",
    params(("clientId" = String, Path, description = "A third-party app")),
    security(()),
    responses(
        (status = 200, description = "A new ticket, as DingTalk pushes one; the replaced one stays accepted as the previous", body = crate::service::isv::TicketView),
        (status = 400, description = "`InvalidParameter`: not a third-party app", body = ErrorBody),
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn rotate_suite_ticket(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Path(client_id): Path<String>,
) -> Result<Response, Error> {
    Ok(Json(crate::service::isv::rotate_ticket(&core, &origin, &client_id).await?).into_response())
}

/// An org admin opening an app's admin backend.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SsoCodeRequest {
    /// The org.
    corp_id: String,
    /// The app (it must run in the org and have an admin URL).
    client_id: String,
    /// The admin (an admin of the org).
    union_id: String,
}

/// Where the admin lands, and the code in it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct SsoCodeMinted {
    /// The app's admin URL with `code` appended.
    url: String,
    /// The single-use SSO code (5 minutes).
    code: String,
}

#[utoipa::path(
    post,
    path = "/_opending/sso-codes",
    tag = "emulator",
    operation_id = "emulator_sso_code",
    request_body(content = SsoCodeRequest, content_type = "application/json"),
    security(()),
    responses(
        (status = 201, description = "An SSO code, as if the admin had opened the app's admin backend from the org pages", body = SsoCodeMinted),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter` (not an admin, no admin URL)", body = ErrorBody),
        (status = 404, description = "`NotFound`", body = ErrorBody),
    )
)]
async fn sso_code(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(r): JsonBody<SsoCodeRequest>,
) -> Result<Response, Error> {
    let url = crate::service::sso::open_admin_backend(
        &core,
        &origin,
        &r.corp_id,
        &r.client_id,
        Some(&r.union_id),
    )
    .await?;
    let code = url.rsplit("code=").next().unwrap_or_default().to_owned();
    Ok((StatusCode::CREATED, Json(SsoCodeMinted { url, code })).into_response())
}

/// A member signing in to an app inside DingTalk (免登).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LoginCodeRequest {
    /// The app (it must run in the org).
    client_id: String,
    /// The org.
    corp_id: String,
    /// The member, by unionId (or give `userid`).
    #[serde(default)]
    union_id: Option<String>,
    /// The member, by userid.
    #[serde(default)]
    userid: Option<String>,
}

/// The minted 免登 code.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct LoginCodeMinted {
    /// The single-use code (5 minutes), for `topapi/v2/user/getuserinfo`.
    code: String,
}

#[utoipa::path(
    post,
    path = "/_opending/login-codes",
    tag = "emulator",
    operation_id = "emulator_login_code",
    request_body(content = LoginCodeRequest, content_type = "application/json"),
    security(()),
    responses(
        (status = 201, description = "A 免登 code, as if the member had opened the app inside DingTalk and the page called dd.requestAuthCode", body = LoginCodeMinted),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter` (the app does not run in the org; neither or both of unionId and userid)", body = ErrorBody),
        (status = 404, description = "`NotFound`: no such app or member", body = ErrorBody),
    )
)]
async fn login_code(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(r): JsonBody<LoginCodeRequest>,
) -> Result<Response, Error> {
    let code = crate::service::inapp::mint_for(
        &core,
        &origin,
        &r.client_id,
        &r.corp_id,
        r.union_id.as_deref(),
        r.userid.as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(LoginCodeMinted {
            code: code.expose().to_owned(),
        }),
    )
        .into_response())
}

#[utoipa::path(
    post,
    path = "/_opending/events",
    tag = "emulator",
    operation_id = "emulator_raise_event",
    request_body(content = crate::service::events::RaiseRequest, content_type = "application/json"),
    security(()),
    responses(
        (status = 201, description = "The events raised, one per recipient app (docs/events.md)", body = crate::service::events::Raised),
        (status = 400, description = "`invalid.request`, `Missingbody`, `InvalidParameter` (unknown eventType, no corpId/clientId where needed, data not an object or over 16 KiB, no app receives it)", body = ErrorBody),
        (status = 404, description = "`NotFound`: no such app or org", body = ErrorBody),
    )
)]
async fn raise_event(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(r): JsonBody<crate::service::events::RaiseRequest>,
) -> Result<Response, Error> {
    let raised = crate::service::events::raise(&core, &origin, r).await?;
    Ok((StatusCode::CREATED, Json(raised)).into_response())
}

#[utoipa::path(
    get,
    path = "/_opending/events",
    tag = "emulator",
    operation_id = "emulator_list_events",
    params(crate::service::events::ListQuery),
    security(()),
    responses(
        (status = 200, description = "Events, oldest first, each with its delivery attempts and how they ended", body = [crate::service::events::EventView]),
        (status = 400, description = "`invalid.request`, `InvalidParameter`", body = ErrorBody),
    )
)]
async fn list_events(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    Query(q): Query<crate::service::events::ListQuery>,
) -> Result<Response, Error> {
    Ok(Json(crate::service::events::list(&core, &origin, &q).await?).into_response())
}
