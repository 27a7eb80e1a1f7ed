//! The rules of the browser login flow (`/oauth2/auth`, docs/dingtalk/dingtalk-wire.md §4.6),
//! without its pages: which authorization requests are valid, and what an allowed consent
//! stores. The pages (`http/pages/browser.rs`) render what these functions decide.

use opending_domain::{ClientId, CorpId, GrantType, PermissionCode, PermissionPoint, UnionId};
use opending_store::UriKind;

use super::Result;
use crate::Core;

/// An authorization request as the browser sent it (`/oauth2/auth`'s query, or the consent
/// form posting it back).
#[derive(Debug, Clone, Default)]
pub struct AuthRequest {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `response_type`.
    pub response_type: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `prompt`.
    pub prompt: Option<String>,
}

/// A valid request: the app, where the code goes, and what the user is asked to consent to.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The app.
    pub client_id: ClientId,
    /// Its name, for the consent page.
    pub app_name: String,
    /// The registered redirect URI the answer goes to.
    pub redirect_uri: String,
    /// Whether the user picks an org (scope `corpid`).
    pub pick_org: bool,
    /// The points asked for (the basic profile first, when the app added it).
    pub points: Vec<PermissionPoint>,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nowhere safe to send the answer: shown on opending's own page (the message key).
    Here(&'static str),
    /// Sent back to the (registered) redirect URI as `error=`.
    Back {
        /// The registered redirect URI.
        redirect_uri: String,
        /// The OAuth error code.
        error: &'static str,
    },
}

/// Checks the client and the redirect URI first (refused here: never an open redirect), then
/// the rest (refused back to the redirect URI).
pub async fn check(core: &Core, q: &AuthRequest) -> std::result::Result<Checked, Refusal> {
    let app = match q.client_id.as_deref().map(ClientId::parse) {
        Some(Ok(id)) => core.store.get_app(&id).await.ok().flatten(),
        _ => None,
    };
    let Some(app) = app else {
        return Err(Refusal::Here("client_unknown"));
    };
    let redirect = q.redirect_uri.clone().unwrap_or_default();
    let registered = core
        .store
        .app_uris(&app.client_id, UriKind::Redirect)
        .await
        .unwrap_or_default();
    if !registered.iter().any(|r| r == &redirect) {
        return Err(Refusal::Here("redirect_unregistered"));
    }
    // Registered before today's rule (plain http to another host): no code goes there.
    if super::apps::check_redirect_uri(core, &redirect).is_err() {
        return Err(Refusal::Here("redirect_insecure"));
    }
    let fail = |error: &'static str| {
        Err(Refusal::Back {
            redirect_uri: redirect.clone(),
            error,
        })
    };
    if q.response_type.as_deref() != Some("code") {
        return fail("unsupported_response_type");
    }
    if q.prompt.as_deref().is_some_and(|p| p != "consent") {
        return fail("invalid_request");
    }
    let scope = q.scope.clone().unwrap_or_default();
    let words: Vec<&str> = scope.split_whitespace().collect();
    if !words.contains(&"openid") {
        return fail("invalid_scope");
    }
    let added = core
        .store
        .list_app_points(&app.client_id)
        .await
        .unwrap_or_default();
    let mut points = Vec::new();
    for w in words.iter().filter(|w| !matches!(**w, "openid" | "corpid")) {
        match added
            .iter()
            .find(|p| p.code.as_str() == *w && p.grant_type == GrantType::Delegated)
        {
            Some(p) => points.push(p.clone()),
            None => return fail("invalid_scope"),
        }
    }
    // `openid` is the basic profile: it carries Contact.User.Read when the app added it.
    if let Some(p) = added
        .iter()
        .find(|p| p.code.as_str() == "Contact.User.Read")
    {
        if !points.iter().any(|x| x.code == p.code) {
            points.insert(0, p.clone());
        }
    }
    Ok(Checked {
        client_id: app.client_id,
        app_name: app.name,
        redirect_uri: redirect.clone(),
        pick_org: words.contains(&"corpid"),
        points,
    })
}

/// Records the user's consent to `checked` (in `corp`, when one was picked) and mints the
/// code bound to it and to its redirect URI; returns the code, shown once.
pub async fn allow(
    core: &Core,
    origin: &crate::Origin,
    checked: &Checked,
    user: &UnionId,
    corp: Option<&CorpId>,
) -> Result<opending_domain::Secret> {
    let codes: Vec<PermissionCode> = checked.points.iter().map(|p| p.code.clone()).collect();
    core.store
        .add_user_grants(
            &checked.client_id,
            user,
            corp.map_or("", CorpId::as_str),
            &codes,
            core.now(),
        )
        .await?;
    super::user_token::mint_code(
        core,
        origin,
        checked.client_id.clone(),
        user.clone(),
        corp.map(|c| c.to_string()),
        codes,
        Some(checked.redirect_uri.clone()),
    )
    .await
}
