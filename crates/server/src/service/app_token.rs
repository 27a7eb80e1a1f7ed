//! App access tokens: `POST /v1.0/oauth2/{corpId}/token` and the legacy `accessToken`.
//!
//! Checks run in a fixed order — request shape, grant type, corpId shape, client credentials,
//! then whether the app may run in the org — so each failure has one answer. Unknown clients and
//! wrong secrets are indistinguishable, in body and in timing.

use opending_domain::{
    token::{derive_app_token, NewAppToken},
    ActorKind, ApiError, AuditEvent, AuditKind, ClientId, CorpId, Distribution, ErrorCode, Secret,
};

use super::Result;
use crate::Core;

/// A validated token request.
#[derive(Debug)]
pub struct TokenRequest {
    /// The org the token is for (path parameter).
    pub corp_id: String,
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: Secret,
    /// `grant_type`.
    pub grant_type: String,
}

/// An issued token, as the handler renders it.
#[derive(Debug)]
pub struct IssuedToken {
    /// The token value.
    pub access_token: Secret,
    /// Seconds of validity left.
    pub expires_in: i64,
}

/// Issues (or hands out again, renewed) the app token for (client, corp).
pub async fn issue(core: &Core, req: TokenRequest) -> Result<IssuedToken> {
    if req.grant_type != "client_credentials" {
        return Err(ApiError::new(ErrorCode::UnsupportedGrantType).into());
    }
    let corp_id = CorpId::parse(req.corp_id)
        .map_err(|e| ApiError::invalid_request(format!("path parameter {e}")))?;
    let standing = verify_secret(core, &req.client_id, &req.client_secret, &corp_id).await?;
    standing
        .app
        .may_run_in(&corp_id, standing.org_exists, standing.installation)?;
    issue_for(core, standing.app.client_id, corp_id).await
}

/// The legacy `POST /v1.0/oauth2/accessToken`: internal apps only, in their owner org.
pub async fn issue_legacy(core: &Core, app_key: &str, app_secret: &Secret) -> Result<IssuedToken> {
    let owner = match ClientId::parse(app_key) {
        Ok(id) => core.store.get_app(&id).await?.map(|a| a.owner_corp_id),
        Err(_) => None,
    };
    // An unknown appKey still runs the full secret check below (against the decoy) so timing
    // does not tell known ids from unknown ones.
    let probe_corp = owner.unwrap_or_else(|| CorpId::parse("unknown").expect("valid literal"));
    let standing = verify_secret(core, app_key, app_secret, &probe_corp).await?;
    if standing.app.distribution != Distribution::Internal {
        return Err(ApiError::with_message(
            ErrorCode::UnauthorizedClient,
            "unauthorized.client: this endpoint serves internal apps; third-party apps use /v1.0/oauth2/{corpId}/token",
        )
        .into());
    }
    standing
        .app
        .may_run_in(&probe_corp, standing.org_exists, standing.installation)?;
    issue_for(core, standing.app.client_id, probe_corp).await
}

/// Verifies the client's secret; returns the app with its standing in `corp_id`.
async fn verify_secret(
    core: &Core,
    client_id: &str,
    secret: &Secret,
    corp_id: &CorpId,
) -> Result<opending_store::AppInOrg> {
    crate::limits::secret_gate(core, client_id)?;
    let found = match ClientId::parse(client_id) {
        Ok(id) => core.store.app_in_org(&id, corp_id).await?,
        Err(_) => None,
    };
    let secret_ok = core.client_secret_matches(secret, found.as_ref().map(|f| &f.app.secret_hash));
    let Some(found) = found.filter(|_| secret_ok) else {
        crate::limits::secret_failed(core, client_id);
        return Err(ApiError::new(ErrorCode::InvalidClient).into());
    };
    // Charged only now, with the secret proven: naming an app does not spend its budget.
    crate::limits::charge_app(core, client_id)?;
    Ok(found)
}

async fn issue_for(core: &Core, client_id: ClientId, corp_id: CorpId) -> Result<IssuedToken> {
    let now = core.now();
    let candidate = core.with_rng(|rng| {
        NewAppToken::mint(&core.key, rng, client_id, corp_id, now, core.app_token_ttl)
    });
    let stored = core.store.issue_app_token(&candidate.record, now).await?;
    let kind = if stored.nonce == candidate.record.nonce {
        AuditKind::TokenIssued
    } else {
        AuditKind::TokenRenewed
    };
    let event = AuditEvent::new(
        kind,
        now,
        ActorKind::App,
        Some(stored.client_id.to_string()),
    )
    .app(&stored.client_id)
    .org(&stored.corp_id)
    .detail("token", "app")
    .detail("expiresAt", stored.expires_at.0);
    super::audit::enqueue(core, event).await;
    let event = if stored.nonce == candidate.record.nonce {
        "issued"
    } else {
        "renewed"
    };
    core.metrics.token("app", event, 1);
    Ok(IssuedToken {
        access_token: derive_app_token(&core.key, &stored.nonce),
        expires_in: stored.expires_in(now),
    })
}
