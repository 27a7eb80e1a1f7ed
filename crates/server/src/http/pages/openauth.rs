//! The openAuth consent page (`/openauth`, opened in a popup by `/sdk/openauth.js`) and the
//! JSON API it posts the decision to.

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use minijinja::context;
use opending_domain::{
    openauth::{self as rules, AuthType, OpenAuthParams},
    ClientId, GrantType, PointKind,
};
use serde::Deserialize;

use super::{i18n, PageCtx};
use crate::{
    service::{openauth as svc, Error},
    Core,
};

/// The OpenAPI description of the JSON API the consent page posts to (the page itself is HTML
/// and not described; see docs/api.md).
#[derive(utoipa::OpenApi)]
#[openapi(paths(decision, precheck))]
pub struct ApiDoc;

/// What `/openauth/api/precheck` answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum PrecheckAnswer {
    /// Go ahead: open the popup.
    Ok {
        /// `true`.
        ok: bool,
    },
    /// `openAuth` resolves `{status:'failed', result:null, errorCode, errorMessage}` with this.
    Refused(rules::OpenAuthError),
}

/// What `/openauth/api/decision` answers: the component's result, or (for a malformed body) the
/// usual error body. Only describes the wire; never built.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum DecisionAnswer {
    /// The component's result.
    Result(svc::OpenAuthResult),
    /// A body that could not be read.
    Error(super::super::error::ErrorBody),
}

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/openauth", get(page))
        .route("/openauth/api/decision", post(decision))
        .route("/openauth/api/precheck", get(precheck))
}

/// The consent page's query string (`axum::extract::Query<PageQuery>`); public for the fuzz
/// target that decodes it exactly as the page does.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    /// The component's parameters.
    #[serde(flatten)]
    pub params: OpenAuthParams,
    /// The opener's origin.
    pub origin: Option<String>,
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

fn kind_name(k: PointKind) -> &'static str {
    k.as_str()
}

fn grant_name(g: GrantType) -> &'static str {
    g.as_str()
}

#[utoipa::path(
    get,
    path = "/openauth/api/precheck",
    tag = "openauth",
    operation_id = "openAuthPrecheck",
    params(
        ("clientId" = Option<String>, Query, description = "openAuth's clientId"),
        ("corpId" = Option<String>, Query, description = "openAuth's corpId"),
        ("rpcScope" = Option<String>, Query, description = "openAuth's rpcScope"),
        ("fieldScope" = Option<String>, Query, description = "openAuth's fieldScope"),
        ("type" = Option<String>, Query, description = "0 (delegated) or 1 (app)"),
        ("origin" = Option<String>, Query, description = "The calling page's origin, when the browser sends no Origin header"),
    ),
    security(()),
    responses((status = 200, description = "`{\"ok\":true}`, or the failure `openAuth` resolves at once, before any popup: 400001, 400002, 400006, 400007, 400009, 500101, 500102, 500104, 500201–500205, 52026 (the page's origin is not registered for the app). CORS: any origin", body = PrecheckAnswer))
)]
async fn precheck(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let origin = super::page_origin(&headers, q.origin.as_deref().unwrap_or(""));
    let answer = match svc::precheck(&core, &q.params, &origin).await {
        Ok(()) => PrecheckAnswer::Ok { ok: true },
        Err(e) => PrecheckAnswer::Refused(e),
    };
    Ok(super::cors_json(answer))
}

async fn page(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    if page.user.is_none() {
        return Ok(page.to_sign_in());
    }
    // The result is posted only to an origin registered for the app.
    let origin = match (
        &q.origin,
        q.params.client_id.as_deref().map(ClientId::parse),
    ) {
        (Some(o), Some(Ok(app))) if svc::origin_allowed(&core, &app, o).await? => o.clone(),
        (Some(_), _) => {
            return Ok(page.error_page(
                &core,
                StatusCode::BAD_REQUEST,
                "cannot_authorize",
                i18n::t(page.lang, "origin_not_registered"),
            ));
        }
        (None, _) => String::new(),
    };
    let params_json = serde_json::to_string(&q.params).unwrap_or_else(|_| "{}".into());
    let base = context! { origin => origin, params_json => params_json };
    match svc::prepare(&core, &q.params, page.user.as_ref()).await {
        Err(e) => Ok(page.render(&core, StatusCode::OK, "consent.html", context! {
            ..base,
            ..context! { error => context! { code => e.error_code, message => e.error_message } }
        })),
        Ok(p) => {
            let points: Vec<_> = p.points.iter().map(|pt| context! {
                code => pt.code.as_str(), name => pt.name.clone(), kind => kind_name(pt.kind), grant_type => grant_name(pt.grant_type),
            }).collect();
            Ok(page.render(&core, StatusCode::OK, "consent.html", context! {
                ..base,
                ..context! {
                    app => context! { name => p.app.name.clone(), client_id => p.app.client_id.as_str() },
                    org => context! { name => p.org.name.clone(), corp_id => p.org.corp_id.as_str() },
                    points => points,
                    kind => if p.request.auth_type == AuthType::App { "app" } else { "delegated" },
                    is_admin => p.role == opending_domain::Role::Admin,
                }
            }))
        }
    }
}

/// The consent page's decision: the component's parameters plus `decision`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DecisionBody {
    #[serde(flatten)]
    params: OpenAuthParams,
    /// `allow` or `deny`.
    decision: String,
    /// The opener's origin (must be registered for the app).
    origin: Option<String>,
}

/// `POST /openauth/api/decision`: the page's decision. Needs the session cookie and the
/// session's CSRF token in `x-csrf-token`; answers the component's result as JSON.
#[utoipa::path(
    post,
    path = "/openauth/api/decision",
    tag = "openauth",
    operation_id = "openAuthDecision",
    params(("x-csrf-token" = String, Header, description = "The session's CSRF token")),
    request_body(content = DecisionBody, content_type = "application/json"),
    security(("session" = [])),
    responses(
        (status = 200, description = "The component's result (`failed` with `errorCode` when not signed in or the request is refused)", body = svc::OpenAuthResult),
        (status = 400, description = "A malformed body (error body), an unregistered origin or an unknown decision (`failed` result)", body = DecisionAnswer),
        (status = 403, description = "Wrong CSRF token (`failed` result)", body = svc::OpenAuthResult),
    )
)]
async fn decision(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    headers: HeaderMap,
    super::super::body::JsonBody(body): super::super::body::JsonBody<DecisionBody>,
) -> Result<Response, Error> {
    let presented = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(user) = page.user.clone() else {
        return Ok(Json(svc::OpenAuthResult::failed(rules::NO_USER)).into_response());
    };
    if !page.csrf_ok(&core, presented) {
        return Ok((
            StatusCode::FORBIDDEN,
            Json(svc::OpenAuthResult::failed(rules::NO_USER)),
        )
            .into_response());
    }
    if let (Some(o), Some(Ok(app))) = (
        &body.origin,
        body.params.client_id.as_deref().map(ClientId::parse),
    ) {
        if !o.is_empty() && !svc::origin_allowed(&core, &app, o).await? {
            return Ok((
                StatusCode::BAD_REQUEST,
                Json(svc::OpenAuthResult::failed(rules::APP_NOT_FOUND)),
            )
                .into_response());
        }
    }
    let allow = match body.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => {
            return Ok((
                StatusCode::BAD_REQUEST,
                Json(svc::OpenAuthResult::failed(rules::EMPTY_REQUEST)),
            )
                .into_response())
        }
    };
    let result = match svc::prepare(&core, &body.params, Some(&user)).await {
        Err(e) => svc::OpenAuthResult::failed(e),
        Ok(p) => svc::decide(&core, &origin, &p, &user, allow).await,
    };
    Ok(Json(result).into_response())
}
