//! The browser login flow (`/oauth2/auth`, docs/dingtalk/dingtalk-wire.md §4.6): sign in, consent (and pick an
//! org with scope `openid corpid`), then back to the app's registered redirect URI with `code`,
//! `authCode` (the same value) and `state`. The redirect URI must match a registered one
//! exactly (and be https, or http to a loopback host; see `users::check_redirect_uri`);
//! otherwise the error is shown here and nothing is redirected — never an open redirect. The
//! code is bound to that URI: unregistering it deletes the unused codes sent to it.

use std::sync::Arc;

use axum::{
    extract::{Form, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use minijinja::context;
use serde::Deserialize;

use super::{i18n, PageCtx};
use crate::{
    service::{login_flow, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/oauth2/auth", get(authorize))
        .route("/oauth2/auth/decision", post(decide))
        .route("/oauth2/challenge.htm", get(challenge))
        .route("/connect/qrconnect", get(sns_authorize))
        .route("/connect/oauth2/sns_authorize", get(sns_authorize))
}

/// `/oauth2/auth` with `pairs` as its query.
fn to_auth(pairs: &[(&str, &str)]) -> Response {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    Redirect::to(&format!("/oauth2/auth?{}", q.finish())).into_response()
}

/// `GET /oauth2/challenge.htm`: the entry JustAuth's DingTalk login sends browsers to, the same
/// flow as `/oauth2/auth` (dingtalk-wire-2.md §G1); its scopes may be comma-separated, and its
/// empty optional parameters are dropped.
async fn challenge(Query(q): Query<Vec<(String, String)>>) -> Response {
    let pairs: Vec<(String, String)> = q
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            if k == "scope" {
                let scope = v
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                (k, scope)
            } else {
                (k, v)
            }
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    to_auth(&borrowed)
}

/// The older authorize pages' parameters (`appid`, `redirect_uri`, `state`; `response_type`
/// and `scope=snsapi_login` fixed by DingTalk).
#[derive(Deserialize, Default)]
struct SnsQuery {
    #[serde(default)]
    appid: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
}

/// `GET /connect/qrconnect` and `GET /connect/oauth2/sns_authorize`: the personal login of the
/// older sns flow (§G1) is the browser login flow — sign in, consent to sign-in (`openid`),
/// back to `redirect_uri` with `code` (and `authCode`) and `state` — under the older names. The
/// code is for `POST /sns/getuserinfo_bycode`.
async fn sns_authorize(Query(q): Query<SnsQuery>) -> Response {
    to_auth(&[
        ("client_id", &q.appid),
        ("redirect_uri", &q.redirect_uri),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", &q.state),
        ("prompt", "consent"),
    ])
}

#[derive(Deserialize, Default, Clone)]
struct AuthQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    prompt: Option<String>,
    #[serde(rename = "corpId")]
    corp_id: Option<String>,
    #[serde(flatten)]
    _rest: std::collections::HashMap<String, String>,
}

/// `redirect_uri` with `pairs` appended to its query.
fn back_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{sep}{}", s.finish())
}

/// The origin of a URL (for CSP form-action).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!("{scheme}://{host}"))
}

impl AuthQuery {
    fn request(&self) -> login_flow::AuthRequest {
        login_flow::AuthRequest {
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            response_type: self.response_type.clone(),
            scope: self.scope.clone(),
            prompt: self.prompt.clone(),
        }
    }
}

/// The request checked by the service; a refusal already rendered: on our own page when there
/// is nowhere safe to send it, else back to the redirect URI with `error` and `state`.
async fn check(
    core: &Core,
    page: &PageCtx,
    q: &AuthQuery,
) -> std::result::Result<login_flow::Checked, Response> {
    login_flow::check(core, &q.request())
        .await
        .map_err(|refusal| match refusal {
            login_flow::Refusal::Here(key) => page.error_page(
                core,
                StatusCode::BAD_REQUEST,
                "bad_request",
                i18n::t(page.lang, key),
            ),
            login_flow::Refusal::Back {
                redirect_uri,
                error,
            } => {
                let state = q.state.clone().unwrap_or_default();
                Redirect::to(&back_to(
                    &redirect_uri,
                    &[("error", error), ("state", &state)],
                ))
                .into_response()
            }
        })
}

async fn authorize(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Query(q): Query<AuthQuery>,
) -> Result<Response, Error> {
    let checked = match check(&core, &page, &q).await {
        Ok(c) => c,
        Err(refused) => return Ok(refused),
    };
    let Some(user) = &page.user else {
        return Ok(page.to_sign_in());
    };
    let mut orgs = Vec::new();
    if checked.pick_org {
        for m in crate::service::memberships::orgs_of(&core, &user.union_id).await? {
            orgs.push(context! { corp_id => m.org.corp_id.as_str(), name => m.org.name });
        }
        if orgs.is_empty() {
            let state = q.state.clone().unwrap_or_default();
            return Ok(Redirect::to(&back_to(
                &checked.redirect_uri,
                &[("error", "access_denied"), ("state", &state)],
            ))
            .into_response());
        }
    }
    let points: Vec<_> = checked.points.iter().map(|p| context! { code => p.code.as_str(), name => p.name.clone(), kind => p.kind.as_str() }).collect();
    let target = origin_of(&checked.redirect_uri);
    Ok(page.render_with_form_action(
        &core,
        StatusCode::OK,
        "authorize.html",
        context! {
            app => context! { name => checked.app_name, client_id => checked.client_id.as_str() },
            redirect_uri => checked.redirect_uri.clone(),
            scope => q.scope.clone().unwrap_or_default(),
            state => q.state.clone().unwrap_or_default(),
            pick_org => checked.pick_org,
            orgs => orgs,
            preselect => q.corp_id.clone().unwrap_or_default(),
            points => points,
        },
        target.as_deref(),
    ))
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    corp_id: Option<String>,
    decision: String,
}

async fn decide(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    Form(f): Form<DecisionForm>,
) -> Result<Response, Error> {
    if !page.csrf_ok(&core, &f.csrf) {
        return Ok(page.error_page(
            &core,
            StatusCode::FORBIDDEN,
            "bad_request",
            i18n::t(page.lang, "bad_csrf"),
        ));
    }
    let Some(user) = page.user.clone() else {
        // Signed out meanwhile: sign in again and come back to the consent page, not here.
        let back = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &f.client_id)
            .append_pair("redirect_uri", &f.redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &f.scope)
            .append_pair("state", &f.state)
            .finish();
        let next = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &format!("/oauth2/auth?{back}"))
            .finish();
        return Ok(Redirect::to(&format!("/login?{next}")).into_response());
    };
    let q = AuthQuery {
        client_id: Some(f.client_id),
        redirect_uri: Some(f.redirect_uri),
        response_type: Some("code".into()),
        scope: Some(f.scope),
        state: Some(f.state.clone()),
        prompt: None,
        corp_id: None,
        _rest: Default::default(),
    };
    let checked = match check(&core, &page, &q).await {
        Ok(c) => c,
        Err(refused) => return Ok(refused),
    };
    let deny = |error: &str| {
        Ok(Redirect::to(&back_to(
            &checked.redirect_uri,
            &[("error", error), ("state", &f.state)],
        ))
        .into_response())
    };
    if f.decision != "allow" {
        return deny("access_denied");
    }
    let corp = if checked.pick_org {
        let chosen = f
            .corp_id
            .as_deref()
            .and_then(|c| opending_domain::CorpId::parse(c).ok());
        let Some(corp) = chosen else {
            return deny("invalid_request");
        };
        if crate::service::memberships::role_of(&core, &corp, &user.union_id)
            .await?
            .is_none()
        {
            return deny("access_denied");
        }
        Some(corp)
    } else {
        None
    };
    let code = login_flow::allow(&core, &origin, &checked, &user.union_id, corp.as_ref()).await?;
    let code = code.expose();
    Ok(Redirect::to(&back_to(
        &checked.redirect_uri,
        &[("code", code), ("authCode", code), ("state", &f.state)],
    ))
    .into_response())
}
