//! In-app login (免登) in a browser: the `dd` shim (`/sdk/dingtalk.js`), the window that hands
//! a page its code (`/dd/authcode`), and the two CORS JSON checks the shim makes first — whether
//! an app of the org serves the page (`/dd/api/precheck`) and whether a `dd.config` signature
//! holds (`/dd/api/config`). Thin: `service::inapp` decides.

use std::sync::Arc;

use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::Response,
    routing::{get, post},
    Router,
};
use minijinja::context;
use serde::Deserialize;

use super::{cors_json, page_origin, PageCtx};
use crate::{
    service::{inapp, Error},
    Core,
};

/// The OpenAPI description of the shim's JSON checks (the window is HTML; docs/api.md).
#[derive(utoipa::OpenApi)]
#[openapi(paths(precheck, config))]
pub struct ApiDoc;

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route(
            "/sdk/dingtalk.js",
            get(|| {
                super::static_file(
                    "text/javascript; charset=utf-8",
                    include_str!("../../../static/dingtalk.js"),
                )
            }),
        )
        .route(
            "/static/dd.js",
            get(|| {
                super::static_file(
                    "text/javascript; charset=utf-8",
                    include_str!("../../../static/dd.js"),
                )
            }),
        )
        .route("/dd/authcode", get(authcode))
        .route("/dd/api/precheck", get(precheck))
        .route("/dd/api/config", post(config))
}

/// `requestAuthCode`'s parameters, as the shim passes them.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// The org.
    #[serde(default)]
    corp_id: String,
    /// The app (absent for `dd.runtime.permission.requestAuthCode`: found by the page's origin).
    #[serde(default)]
    client_id: Option<String>,
    /// The page's origin (the request's `Origin` header wins when present).
    #[serde(default)]
    origin: String,
}

/// What the checks answer: `{"ok":true}`, or the refusal the page's callback gets.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum CheckAnswer {
    /// Go ahead.
    Ok {
        /// `true`.
        ok: bool,
    },
    /// DingTalk's client error.
    Refused(inapp::DdError),
}

impl From<Result<(), inapp::DdError>> for CheckAnswer {
    fn from(r: Result<(), inapp::DdError>) -> Self {
        match r {
            Ok(()) => CheckAnswer::Ok { ok: true },
            Err(e) => CheckAnswer::Refused(e),
        }
    }
}

#[utoipa::path(
    get,
    path = "/dd/api/precheck",
    tag = "openauth",
    operation_id = "ddPrecheck",
    params(CodeQuery),
    security(()),
    responses((status = 200, description = "`{\"ok\":true}` when an app of the org serves the page's origin (the named app, or any for the older call); else `{\"errorCode\":3,\"errorMessage\":\"对应企业没有<host>域名微应用\"}`. CORS: any origin", body = CheckAnswer))
)]
async fn precheck(
    State(core): State<Arc<Core>>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Result<Response, Error> {
    let origin = page_origin(&headers, &q.origin);
    let found = inapp::app_for_page(&core, &q.corp_id, q.client_id.as_deref(), &origin).await?;
    Ok(cors_json(CheckAnswer::from(found.map(drop))))
}

#[utoipa::path(
    post,
    path = "/dd/api/config",
    tag = "openauth",
    operation_id = "ddConfig",
    request_body(content = inapp::ConfigCheck, description = "`dd.config`'s parameters and the page's `url` (JSON, sent as text/plain by the shim so no preflight is needed)", content_type = "text/plain"),
    security(()),
    responses((status = 200, description = "`{\"ok\":true}`, or DingTalk's client error: 52010 org, 52019 agentId, 52011 no live JSAPI ticket, 52014–52018 a parameter (52018 a stale timestamp), 52013 the signature. CORS: any origin", body = CheckAnswer))
)]
async fn config(State(core): State<Arc<Core>>, req: Request) -> Result<Response, Error> {
    let bytes = axum::body::to_bytes(req.into_body(), super::super::body::MAX_BODY)
        .await
        .unwrap_or_default();
    let check: inapp::ConfigCheck = serde_json::from_slice(&bytes).unwrap_or_default();
    Ok(cors_json(CheckAnswer::from(
        inapp::check_config(&core, &check).await?,
    )))
}

/// `GET /dd/authcode`: the window the shim opens. Signed in, it mints the code and hands it to
/// the page; otherwise it sends the user to sign in and comes back.
async fn authcode(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    origin: crate::Origin,
    Query(q): Query<CodeQuery>,
) -> Result<Response, Error> {
    let app =
        match inapp::app_for_page(&core, &q.corp_id, q.client_id.as_deref(), &q.origin).await? {
            Ok(app) => app,
            // Nothing is posted to an origin no app of the org registered.
            Err(e) => {
                return Ok(page.error_page(
                    &core,
                    StatusCode::BAD_REQUEST,
                    "cannot_authorize",
                    &e.error_message,
                ))
            }
        };
    let Some(user) = page.user.clone() else {
        return Ok(page.to_sign_in());
    };
    let corp = opending_domain::CorpId::parse(q.corp_id.as_str())
        .map_err(|e| Error::Internal(anyhow::anyhow!("checked corpId: {e}")))?;
    let minted = inapp::mint_code(&core, &origin, &app, &corp, &user.union_id).await?;
    let (message, error) = match &minted {
        Ok(code) => (serde_json::json!({"result": {"code": code.expose()}}), None),
        Err(e) => (
            serde_json::json!({"error": e}),
            Some(e.error_message.clone()),
        ),
    };
    let mut r = page.render(
        &core,
        StatusCode::OK,
        "dd_authcode.html",
        context! {
            origin => q.origin,
            message => message.to_string(),
            app_name => app.name.clone(),
            error => error,
        },
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
