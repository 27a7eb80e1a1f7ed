//! Token revocation by the platform: one token by value, or an app's tokens (optionally in one
//! org). The other ways tokens end (expiry, secret rotation, suspension, withdrawn consent)
//! belong to the resource whose change ends them.

use opending_domain::{token::access_token_hash, AuditKind, Secret};
use serde::{Deserialize, Serialize};

use super::{audit, bad, parse_client_id, parse_corp_id, Result};
use crate::{Core, Origin};

/// What to revoke.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevokeRequest {
    /// A token value.
    #[serde(default)]
    pub token: Option<Secret>,
    /// Every token of this app…
    #[serde(default)]
    pub client_id: Option<String>,
    /// …in this org only.
    #[serde(default)]
    pub corp_id: Option<String>,
}

/// How many tokens a revocation removed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Revoked {
    /// Count of tokens revoked.
    pub revoked: u64,
}

/// Revokes one token by value, or an app's tokens (optionally in one org).
pub async fn revoke(core: &Core, origin: &Origin, req: RevokeRequest) -> Result<Revoked> {
    super::policy::platform_only(origin)?;
    match (req.token, req.client_id) {
        (Some(token), None) if req.corp_id.is_none() => {
            let hash = access_token_hash(&core.key, token.expose());
            let app = u64::from(core.store.revoke_app_token(&hash).await?);
            let user = u64::from(core.store.revoke_user_token(&hash).await?);
            core.metrics.token("app", "revoked", app);
            core.metrics.token("user", "revoked", user);
            let n = app + user;
            tracing::info!(revoked = n, "token revoked by value");
            let event = audit::admin_event(core, origin, AuditKind::TokenRevoked)
                .detail("by", "value")
                .detail("revoked", n);
            audit::record(core, origin, event).await?;
            Ok(Revoked { revoked: n })
        }
        (None, Some(client_id)) => {
            let id = parse_client_id(&client_id)?;
            let corp = req.corp_id.as_deref().map(parse_corp_id).transpose()?;
            let n = core.store.revoke_app_tokens(&id, corp.as_ref()).await?;
            core.metrics.token("app", "revoked", n);
            tracing::info!(client_id = %id, revoked = n, "app tokens revoked");
            let mut event = audit::admin_event(core, origin, AuditKind::TokenRevoked)
                .app(&id)
                .detail("by", "app")
                .detail("revoked", n);
            if let Some(c) = &corp {
                event = event.org(c);
            }
            audit::record(core, origin, event).await?;
            Ok(Revoked { revoked: n })
        }
        _ => Err(bad(
            "give either token, or clientId (optionally with corpId)",
        )),
    }
}
