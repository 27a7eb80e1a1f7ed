//! openAuth outside the DingTalk client (docs/dingtalk/decisions.md §17–18): one service behind the consent
//! page, its JSON API and `/sdk/openauth.js`.
//!
//! Type 0: a member of the org consents to delegated points the app added → an authCode.
//! Type 1: an org admin grants app-type points (or `.default`) to the app in the org; a
//! non-admin's request waits for an admin (`toAdmin`).

use opending_domain::{
    grant::{AuthRequest, RequestStatus},
    openauth::{self, AuthType, OpenAuthError, OpenAuthParams, ShapedRequest},
    ActorKind, App, AuditEvent, AuditKind, ClientId, CorpId, Distribution, InstallationStatus, Org,
    PermissionCode, PermissionPoint, Role, User,
};
use opending_store::UriKind;
use serde::Serialize;

use super::{user_token, Result};
use crate::Core;

/// A request that passed every check, ready for the user's decision.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The shaped parameters.
    pub request: ShapedRequest,
    /// The app.
    pub app: App,
    /// The org.
    pub org: Org,
    /// Points to consent to / grant.
    pub points: Vec<PermissionPoint>,
    /// The signed-in user's role in the org.
    pub role: Role,
}

/// What the component resolves with (the npm package's result, plus opending's error fields
/// on `failed`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenAuthResult {
    /// `ok`, `cancel`, `failed` or `toAdmin`.
    pub status: &'static str,
    /// `{authCode}` for type 0 `ok`, else null.
    pub result: Option<AuthCodeResult>,
    /// The numeric code, on `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    /// What it means, on `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<&'static str>,
}

/// `result` of a type-0 success.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthCodeResult {
    /// The authorization code.
    pub auth_code: String,
}

impl OpenAuthResult {
    /// `{status:'failed', result:null, errorCode, errorMessage}`.
    pub fn failed(e: OpenAuthError) -> Self {
        Self {
            status: "failed",
            result: None,
            error_code: Some(e.error_code),
            error_message: Some(e.error_message),
        }
    }
    fn plain(status: &'static str) -> Self {
        Self {
            status,
            result: None,
            error_code: None,
            error_message: None,
        }
    }
}

/// The app and org a shaped request names (500101, 400009), and the points it asks for
/// (500102, 500104, 500201–500205): everything that does not depend on who asks.
async fn app_org_points(
    core: &Core,
    request: &ShapedRequest,
) -> std::result::Result<(App, Org, Vec<PermissionPoint>), OpenAuthError> {
    let load = |e: super::Error| {
        tracing::error!(error = %e, "openAuth: loading failed");
        openauth::APP_LOAD_FAILED
    };
    let client_id =
        ClientId::parse(request.client_id.as_str()).map_err(|_| openauth::APP_NOT_FOUND)?;
    let app = core
        .store
        .get_app(&client_id)
        .await
        .map_err(|e| load(e.into()))?
        .ok_or(openauth::APP_NOT_FOUND)?;
    let corp_id = CorpId::parse(request.corp_id.as_str()).map_err(|_| openauth::BAD_CORP_ID)?;
    let org = core
        .store
        .get_org(&corp_id)
        .await
        .map_err(|e| load(e.into()))?
        .ok_or(openauth::BAD_CORP_ID)?;
    let added = core
        .store
        .list_app_points(&client_id)
        .await
        .map_err(|e| load(e.into()))?;
    let catalogue = core.store.list_points().await.map_err(|e| load(e.into()))?;
    let points = openauth::resolve_points(request, &added, |code| {
        catalogue.iter().find(|p| p.code.as_str() == code).cloned()
    })?;
    Ok((app, org, points))
}

/// The checks `/sdk/openauth.js` runs before it opens its popup (`/openauth/api/precheck`): the
/// request's shape, the app, the org and the points, then whether the calling page's `origin`
/// is registered for the app (52026). Nothing here depends on the user, so any page may learn it.
pub async fn precheck(
    core: &Core,
    params: &OpenAuthParams,
    origin: &str,
) -> std::result::Result<(), OpenAuthError> {
    let request = openauth::shape(params)?;
    let (app, _, _) = app_org_points(core, &request).await?;
    match origin_allowed(core, &app.client_id, origin).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(openauth::ORIGIN_NOT_REGISTERED),
        Err(e) => {
            tracing::error!(error = %e, "openAuth: loading the app's origins failed");
            Err(openauth::APP_LOAD_FAILED)
        }
    }
}

/// Checks a request for a signed-in user (or none: 400008).
pub async fn prepare(
    core: &Core,
    params: &OpenAuthParams,
    user: Option<&User>,
) -> std::result::Result<Prepared, OpenAuthError> {
    let request = openauth::shape(params)?;
    let user = user.ok_or(openauth::NO_USER)?;
    let (app, org, points) = app_org_points(core, &request).await?;
    let role = match core.store.get_role(&org.corp_id, &user.union_id).await {
        Ok(Some(role)) => role,
        Ok(None) => return Err(openauth::NOT_A_MEMBER),
        Err(e) => {
            tracing::error!(error = %e, "openAuth: loading failed");
            return Err(openauth::APP_LOAD_FAILED);
        }
    };
    if request.auth_type == AuthType::App && app.distribution == Distribution::ThirdParty {
        let inst = core
            .store
            .get_installation(&app.client_id, &org.corp_id)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "openAuth: loading failed");
                openauth::APP_LOAD_FAILED
            })?;
        if inst.map(|i| i.status) != Some(InstallationStatus::Active) {
            return Err(openauth::APP_NOT_OPENED);
        }
    }
    Ok(Prepared {
        request,
        app,
        org,
        points,
        role,
    })
}

/// Whether `origin` is registered for the app (openAuth results are posted only there).
pub async fn origin_allowed(core: &Core, app: &ClientId, origin: &str) -> Result<bool> {
    Ok(core
        .store
        .app_uris(app, UriKind::Origin)
        .await?
        .iter()
        .any(|o| o == origin))
}

/// Applies the user's decision.
pub async fn decide(
    core: &Core,
    origin: &crate::Origin,
    p: &Prepared,
    user: &User,
    allow: bool,
) -> OpenAuthResult {
    if !allow {
        tracing::info!(client_id = %p.app.client_id, "openAuth denied by the user");
        return OpenAuthResult::plain("cancel");
    }
    let codes: Vec<PermissionCode> = p.points.iter().map(|pt| pt.code.clone()).collect();
    let outcome = match p.request.auth_type {
        AuthType::Delegated => consent(core, origin, p, user, codes).await,
        AuthType::App if p.role == Role::Admin => {
            grant(core, origin, &p.app, &p.org.corp_id, &codes, user)
                .await
                .map(|()| OpenAuthResult::plain("ok"))
        }
        AuthType::App => to_admin(core, p, user, codes).await,
    };
    outcome.unwrap_or_else(|e| {
        tracing::error!(error = %e, "openAuth: recording the decision failed");
        OpenAuthResult::failed(openauth::GRANT_UPDATE_FAILED)
    })
}

async fn consent(
    core: &Core,
    origin: &crate::Origin,
    p: &Prepared,
    user: &User,
    codes: Vec<PermissionCode>,
) -> Result<OpenAuthResult> {
    let corp = p.org.corp_id.to_string();
    core.store
        .add_user_grants(&p.app.client_id, &user.union_id, &corp, &codes, core.now())
        .await?;
    let code = user_token::mint_code(
        core,
        origin,
        p.app.client_id.clone(),
        user.union_id.clone(),
        Some(corp),
        codes,
        None,
    )
    .await?;
    tracing::info!(client_id = %p.app.client_id, "openAuth: user consented; code issued");
    let event = user_event(core, AuditKind::ConsentGranted, user)
        .app(&p.app.client_id)
        .org(&p.org.corp_id)
        .detail(
            "points",
            opending_domain::grant::join_codes(
                &p.points
                    .iter()
                    .map(|pt| pt.code.clone())
                    .collect::<Vec<_>>(),
            ),
        );
    super::audit::record(core, origin, event).await?;
    Ok(OpenAuthResult {
        status: "ok",
        result: Some(AuthCodeResult {
            auth_code: code.expose().to_owned(),
        }),
        error_code: None,
        error_message: None,
    })
}

/// Grants app-type points to an app in an org (internal apps at home hold them already).
async fn grant(
    core: &Core,
    origin: &crate::Origin,
    app: &App,
    corp: &CorpId,
    codes: &[PermissionCode],
    by: &User,
) -> Result<()> {
    if app.distribution == Distribution::Internal && &app.owner_corp_id == corp {
        return Ok(());
    }
    for code in codes {
        core.store
            .grant_org_point(&app.client_id, corp, code)
            .await?;
    }
    tracing::info!(client_id = %app.client_id, corp_id = %corp, points = codes.len(), "openAuth: org granted points");
    let event = user_event(core, AuditKind::ConsentGranted, by)
        .app(&app.client_id)
        .org(corp)
        .detail("points", opending_domain::grant::join_codes(codes));
    super::audit::record(core, origin, event).await?;
    Ok(())
}

async fn to_admin(
    core: &Core,
    p: &Prepared,
    user: &User,
    codes: Vec<PermissionCode>,
) -> Result<OpenAuthResult> {
    let id = user_token::random_token(core).expose().to_owned();
    core.store
        .create_auth_request(&AuthRequest {
            id,
            client_id: p.app.client_id.clone(),
            corp_id: p.org.corp_id.clone(),
            requested_by: user.union_id.clone(),
            points: codes,
            status: RequestStatus::Pending,
            created_at: core.now(),
            decided_by: None,
        })
        .await?;
    tracing::info!(client_id = %p.app.client_id, corp_id = %p.org.corp_id, "openAuth: request sent to the org's admins");
    Ok(OpenAuthResult::plain("toAdmin"))
}

/// An event whose actor is a signed-in user.
fn user_event(core: &Core, kind: AuditKind, user: &User) -> AuditEvent {
    AuditEvent::new(
        kind,
        core.now(),
        ActorKind::User,
        Some(user.union_id.to_string()),
    )
}

/// The org's pending type-1 requests, for its admins.
pub async fn pending_requests(core: &Core, corp: &CorpId) -> Result<Vec<AuthRequest>> {
    Ok(core
        .store
        .auth_requests(corp, RequestStatus::Pending)
        .await?)
}

/// An admin approves or rejects a pending request. Returns false if it was not pending (or not
/// this org's).
pub async fn decide_request(
    core: &Core,
    origin: &crate::Origin,
    corp: &CorpId,
    id: &str,
    admin: &User,
    approve: bool,
) -> Result<bool> {
    let Some(req) = core.store.get_auth_request(id).await? else {
        return Ok(false);
    };
    if &req.corp_id != corp || req.status != RequestStatus::Pending {
        return Ok(false);
    }
    let status = if approve {
        RequestStatus::Approved
    } else {
        RequestStatus::Rejected
    };
    if !core
        .store
        .decide_auth_request(id, status, &admin.union_id, core.now())
        .await?
    {
        return Ok(false);
    }
    if approve {
        if let Some(app) = core.store.get_app(&req.client_id).await? {
            // Only points the app still has added.
            let added = core.store.list_app_type_points(&req.client_id).await?;
            let codes: Vec<PermissionCode> = req
                .points
                .into_iter()
                .filter(|c| added.contains(c))
                .collect();
            grant(core, origin, &app, corp, &codes, admin).await?;
        }
    }
    tracing::info!(request = id, approve, "type-1 request decided");
    if !approve {
        let event = user_event(core, AuditKind::AdminAction, admin)
            .app(&req.client_id)
            .org(corp)
            .detail("action", "reject_request");
        super::audit::record(core, origin, event).await?;
    }
    Ok(true)
}
