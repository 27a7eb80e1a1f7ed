//! Token introspection for resource servers (RFC 7662 shape).
//!
//! The caller is an app (its own credentials) or an operator (the admin key). An app only ever
//! learns about its own tokens: anything else, like an unknown or dead token, is `active: false`.

use opending_domain::{token::access_token_hash, ApiError, ClientId, ErrorCode, Secret};
use serde::Serialize;

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

/// The introspection answer. Inactive tokens carry only `active: false`.
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Introspection {
    /// Whether the token works now.
    pub active: bool,
    /// The app holding the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The org the token is valid in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
    /// Expiry, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issue time, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// `app_access_token` or `user_access_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Space-separated permission points the token carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Introspection {
    fn inactive() -> Self {
        Self {
            active: false,
            client_id: None,
            corp_id: None,
            exp: None,
            iat: None,
            token_type: None,
            scope: None,
        }
    }
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
        return Ok(Introspection::inactive());
    }
    // Straight from storage, not the cache: introspection is the authority.
    let hash = access_token_hash(&core.key, token);
    let Some(p) = super::auth::resolve(core, &hash, core.now()).await? else {
        return Ok(Introspection::inactive());
    };
    if allowed_app.as_ref().is_some_and(|app| *app != p.client_id) {
        return Ok(Introspection::inactive());
    }
    Ok(Introspection {
        active: true,
        client_id: Some(p.client_id.to_string()),
        corp_id: Some(p.corp_id.to_string()),
        exp: Some(p.expires_at.0),
        iat: Some(p.issued_at.0),
        token_type: Some(match p.subject {
            opending_domain::Subject::App => "app_access_token",
            opending_domain::Subject::User(_) => "user_access_token",
        }),
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
            crate::limits::secret_gate(core, origin, &client_id)?;
            let app = match ClientId::parse(client_id.as_str()) {
                Ok(id) => core.store.get_app(&id).await?,
                Err(_) => None,
            };
            let ok =
                core.client_secret_matches(&client_secret, app.as_ref().map(|a| &a.secret_hash));
            match app {
                Some(a) if ok => {
                    crate::limits::charge_app(core, origin, a.client_id.as_str())?;
                    Ok(Some(a.client_id))
                }
                _ => {
                    crate::limits::secret_failed(core, origin, &client_id);
                    Err(refused())
                }
            }
        }
    }
}
