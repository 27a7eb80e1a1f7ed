//! Token introspection for resource servers (RFC 7662 shape).
//!
//! The caller is an app (its own credentials) or an operator (the admin key). An app only ever
//! learns about its own tokens: anything else, like an unknown or dead token, is `active: false`.

use opending_domain::{token::access_token_hash, ApiError, ClientId, ErrorCode, Secret};

use super::Result;
use crate::Core;

/// Who is asking.
#[derive(Debug)]
pub enum Caller {
    /// An operator holding the admin key.
    Admin(Secret),
    /// An app with its client credentials.
    App {
        /// `client_id`.
        client_id: String,
        /// `client_secret`.
        client_secret: Secret,
    },
}

/// The introspection answer (the wire crate's, which the SDK reads). Inactive tokens carry
/// only `active: false`.
pub use opending_wire::Introspection;

fn inactive() -> Introspection {
    Introspection::default()
}

/// Introspects `token` on behalf of `caller`.
pub async fn introspect(
    core: &Core,
    origin: &crate::Origin,
    caller: Caller,
    token: &str,
) -> Result<Introspection> {
    let allowed_app = authenticate(core, origin, caller).await?;
    if token.is_empty() {
        return Err(ApiError::invalid_request("token is required").into());
    }
    if token.len() > opending_domain::token::MAX_TOKEN_LEN {
        return Ok(inactive());
    }
    // Straight from storage, not the cache: introspection is the authority.
    let hash = access_token_hash(&core.key, token);
    let Some(p) = super::auth::resolve(core, &hash, core.now()).await? else {
        return Ok(inactive());
    };
    if allowed_app.as_ref().is_some_and(|app| *app != p.client_id) {
        return Ok(inactive());
    }
    Ok(Introspection {
        active: true,
        client_id: Some(p.client_id.to_string()),
        corp_id: Some(p.corp_id.to_string()),
        exp: Some(p.expires_at.0),
        iat: Some(p.issued_at.0),
        token_type: Some(
            match p.subject {
                opending_domain::Subject::App => "app_access_token",
                opending_domain::Subject::User(_) => "user_access_token",
            }
            .to_owned(),
        ),
        scope: Some(p.scope()),
    })
}

/// Returns `None` for the operator (sees every token) or the app the caller is.
async fn authenticate(
    core: &Core,
    origin: &crate::Origin,
    caller: Caller,
) -> Result<Option<ClientId>> {
    let refused = || ApiError::new(ErrorCode::IntrospectionUnauthorized).into();
    match caller {
        // The admin key is guessed here as at the admin API: the same throttle and audit.
        Caller::Admin(key) => {
            match super::operator::check_admin_key(
                core,
                origin,
                Some(key.expose()),
                "introspection",
            )
            .await
            {
                Ok(()) => Ok(None),
                Err(super::Error::Api(e)) if e.code == ErrorCode::AdminUnauthorized => {
                    Err(refused())
                }
                Err(e) => Err(e),
            }
        }
        Caller::App {
            client_id,
            client_secret,
        } => {
            core.limits
                .secret_gate_for(origin, &client_id, core.now())?;
            let app = match ClientId::parse(client_id.as_str()) {
                Ok(id) => core.store.get_app(&id).await?,
                Err(_) => None,
            };
            let ok =
                core.client_secret_matches(&client_secret, app.as_ref().map(|a| &a.secret_hash));
            match app {
                Some(a) if ok => {
                    core.limits
                        .charge_request(origin, a.client_id.as_str(), core.now())?;
                    Ok(Some(a.client_id))
                }
                _ => {
                    core.limits
                        .secret_failed_for(origin, &client_id, core.now());
                    Err(refused())
                }
            }
        }
    }
}
