//! App access tokens: `POST /v1.0/oauth2/{corpId}/token` and the legacy `accessToken`.
//!
//! Checks run in a fixed order — request shape, grant type, corpId shape, client credentials,
//! then whether the app may run in the org — so each failure has one answer. Unknown clients and
//! wrong secrets are indistinguishable, in body and in timing.

use std::sync::Arc;

use opending_domain::{
    token::{derive_app_token, AppToken, NewAppToken},
    ActorKind, ApiError, AuditEvent, AuditKind, ClientId, CorpId, Distribution, ErrorCode, Secret,
};

use super::Result;
pub use crate::state::HotTokens;
use crate::{state::hot_tokens::Hot, Core};

impl HotTokens {
    /// The entry for `key` if it was made this second (a renewal now would give its token
    /// exactly the expiry stored with it).
    fn current(&self, core: &Core, key: &(ClientId, CorpId)) -> Option<Arc<Hot>> {
        let hot = self.cache.get(key)?;
        let renewed_to = core.now().plus(core.app_token_ttl);
        (hot.expires_at == renewed_to).then_some(hot)
    }
}

/// The token to hand out again from a [`HotTokens::current`] entry, when memory may answer:
/// the counter has not moved since (`seq` is a fresh read of it) and the secret is right.
fn hot_hit(core: &Core, hot: &Hot, secret: &Secret, seq: i64) -> Option<IssuedToken> {
    let secret_ok = core.client_secret_matches(secret, Some(&hot.secret_hash));
    (hot.seq == seq && secret_ok).then(|| IssuedToken {
        access_token: hot.value.clone(),
        expires_in: core.app_token_ttl,
    })
}

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
pub async fn issue(core: &Core, origin: &crate::Origin, req: TokenRequest) -> Result<IssuedToken> {
    if req.grant_type != "client_credentials" {
        return Err(ApiError::new(ErrorCode::UnsupportedGrantType).into());
    }
    let corp_id = CorpId::parse(req.corp_id)
        .map_err(|e| ApiError::invalid_request(format!("path parameter {e}")))?;
    let key = ClientId::parse(&req.client_id)
        .ok()
        .map(|id| (id, corp_id.clone()));
    // Memory may answer only with an entry made this second; the fresh counter read that
    // proves it still holds costs a query on PostgreSQL, so it is read only then.
    let hot = key.as_ref().and_then(|k| core.hot_tokens.current(core, k));
    let hit = match (&key, hot) {
        (Some(k), Some(hot)) => {
            let seq = core.store.fresh_change_seq().await?;
            hot_hit(core, &hot, &req.client_secret, seq).map(|hit| (k, hit))
        }
        _ => None,
    };
    if let Some((k, hit)) = hit {
        // Memory answers, but the limits, the metrics and the audit log see the same request
        // the storage path would have seen: a renewal of the live token.
        core.limits
            .secret_gate_for(origin, &req.client_id, core.now())?;
        core.limits
            .charge_request(origin, &req.client_id, core.now())?;
        let expires_at = core.now().plus(core.app_token_ttl);
        record_handout(core, origin, true, &k.0, &k.1, expires_at).await;
        return Ok(hit);
    }
    let standing =
        verify_secret(core, origin, &req.client_id, &req.client_secret, &corp_id).await?;
    standing
        .app
        .may_run_in(&corp_id, standing.org_exists, standing.installation)?;
    // The counter as of the read the entry below is built from (see `HotTokens`).
    let seq = standing.change_seq;
    let secret_hash = standing.app.secret_hash;
    let (issued, token) = issue_for(core, origin, standing.app.client_id, corp_id).await?;
    if let Some(key) = key {
        core.hot_tokens.cache.insert(
            key,
            Arc::new(Hot {
                seq,
                secret_hash,
                expires_at: token.expires_at,
                value: issued.access_token.clone(),
            }),
        );
    }
    Ok(issued)
}

/// The legacy `POST /v1.0/oauth2/accessToken`: internal apps only, in their owner org.
pub async fn issue_legacy(
    core: &Core,
    origin: &crate::Origin,
    app_key: &str,
    app_secret: &Secret,
) -> Result<IssuedToken> {
    let owner = match ClientId::parse(app_key) {
        Ok(id) => core.store.get_app(&id).await?.map(|a| a.owner_corp_id),
        Err(_) => None,
    };
    // An unknown appKey still runs the full secret check below (against the decoy) so timing
    // does not tell known ids from unknown ones.
    let probe_corp = owner.unwrap_or_else(|| CorpId::parse("unknown").expect("valid literal"));
    let standing = verify_secret(core, origin, app_key, app_secret, &probe_corp).await?;
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
    issue_for(core, origin, standing.app.client_id, probe_corp)
        .await
        .map(|(issued, _)| issued)
}

/// Records an app token handed out: new (`renewed` false) or the live one again with its
/// expiry renewed, in the metrics and (queued) in the audit log.
async fn record_handout(
    core: &Core,
    origin: &crate::Origin,
    renewed: bool,
    client_id: &ClientId,
    corp_id: &CorpId,
    expires_at: opending_domain::UnixTime,
) {
    let kind = if renewed {
        AuditKind::TokenRenewed
    } else {
        AuditKind::TokenIssued
    };
    let event = AuditEvent::new(
        kind,
        core.now(),
        ActorKind::App,
        Some(client_id.to_string()),
    )
    .app(client_id)
    .org(corp_id)
    .detail("token", "app")
    .detail("expiresAt", expires_at.0);
    super::audit::enqueue(core, origin, event).await;
    core.metrics
        .token("app", if renewed { "renewed" } else { "issued" }, 1);
}

/// Verifies the client's secret; returns the app with its standing in `corp_id`.
async fn verify_secret(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    secret: &Secret,
    corp_id: &CorpId,
) -> Result<opending_store::AppInOrg> {
    core.limits.secret_gate_for(origin, client_id, core.now())?;
    let found = match ClientId::parse(client_id) {
        Ok(id) => core.store.app_in_org(&id, corp_id).await?,
        Err(_) => None,
    };
    let secret_ok = core.client_secret_matches(secret, found.as_ref().map(|f| &f.app.secret_hash));
    let Some(found) = found.filter(|_| secret_ok) else {
        core.limits.secret_failed_for(origin, client_id, core.now());
        return Err(ApiError::new(ErrorCode::InvalidClient).into());
    };
    // Charged only now, with the secret proven: naming an app does not spend its budget.
    core.limits.charge_request(origin, client_id, core.now())?;
    Ok(found)
}

async fn issue_for(
    core: &Core,
    origin: &crate::Origin,
    client_id: ClientId,
    corp_id: CorpId,
) -> Result<(IssuedToken, AppToken)> {
    let now = core.now();
    let candidate = core.with_rng(|rng| {
        NewAppToken::mint(&core.key, rng, client_id, corp_id, now, core.app_token_ttl)
    });
    let mut stored = core.store.issue_app_token(&candidate.record, now).await?;
    let mut value = derive_app_token(&core.key, &stored.nonce);
    if opending_domain::token::access_token_hash(&core.key, value.expose()) != stored.token_hash {
        // A token issued before values carried their check (see `token.rs`): its value can no
        // longer be derived, so it is replaced by a fresh one.
        core.store.revoke_app_token(&stored.token_hash).await?;
        stored = core.store.issue_app_token(&candidate.record, now).await?;
        value = derive_app_token(&core.key, &stored.nonce);
    }
    let renewed = stored.nonce != candidate.record.nonce;
    record_handout(
        core,
        origin,
        renewed,
        &stored.client_id,
        &stored.corp_id,
        stored.expires_at,
    )
    .await;
    let issued = IssuedToken {
        access_token: value,
        expires_in: stored.expires_in(now),
    };
    Ok((issued, stored))
}
