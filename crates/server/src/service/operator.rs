//! Platform operator sign-in for the `/operator` pages: whoever presents the admin key (the
//! key of the admin API and CLI) gets an operator cookie for [`OPERATOR_LIFETIME`] seconds.
//!
//! The cookie is stateless — `expiry.mac`, the MAC a keyed hash over the expiry and the admin
//! key's own hash — so it needs no table, and changing the admin key (or the hash key) ends
//! every operator sign-in at once. Without an admin key configured there are no operators.

use std::time::Duration;

use opending_domain::{secret::Purpose, ActorKind, ApiError, AuditEvent, AuditKind, ErrorCode};
use subtle::ConstantTimeEq;

use crate::{limits::Guess, Core, Origin};

/// How long an operator sign-in lasts, in seconds (8 hours).
pub const OPERATOR_LIFETIME: i64 = 8 * 3600;

fn mac(core: &Core, expires_at: i64) -> Option<String> {
    let admin = core.admin_key_hash.as_ref()?;
    let msg = format!("operator|{expires_at}|{}", admin.to_hex());
    Some(hex::encode(
        &core.key.hash(Purpose::Session, msg.as_bytes()).0[..20],
    ))
}

/// Why an operator sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    /// The key is wrong, or no admin key is configured.
    WrongKey,
    /// This address made too many wrong guesses lately; the key was not looked at. Holds how
    /// long until the address may try again.
    Throttled(Duration),
}

/// Signs an operator in with the admin key from the current request's client address;
/// returns the cookie value. Wrong keys are counted per address (`limits::Guess::AdminKey`):
/// past `limits.secret_failures` the address is refused before its key is looked at, so
/// guessing learns nothing. Every attempt is in the audit log (`sign_in_succeeded` /
/// `sign_in_failed`, actor `admin`, never the key).
pub async fn sign_in(
    core: &Core,
    origin: &Origin,
    presented_key: &str,
) -> super::Result<Result<String, SignInError>> {
    let address = origin.client_address;
    let now = core.now();
    if let Err(wait) = core.limits.failure_gate(&Guess::AdminKey, address, now) {
        if refused(core, origin, "operator_login", "throttled").await? {
            tracing::warn!(
                ?address,
                "operator sign-in refused after repeated wrong admin keys (logged once a minute per address)"
            );
        }
        return Ok(Err(SignInError::Throttled(wait)));
    }
    if !core.is_admin_key(presented_key) {
        core.limits.failed(Guess::AdminKey, address, now);
        if refused(core, origin, "operator_login", "bad_admin_key").await? {
            tracing::info!(
                ?address,
                "operator sign-in refused (logged once a minute per address)"
            );
        }
        return Ok(Err(SignInError::WrongKey));
    }
    let expires_at = now.0 + OPERATOR_LIFETIME;
    let Some(m) = mac(core, expires_at) else {
        return Ok(Err(SignInError::WrongKey));
    };
    tracing::info!(?address, "operator signed in");
    let event = AuditEvent::new(AuditKind::SignInSucceeded, now, ActorKind::Admin, None)
        .detail("via", "operator_login");
    super::audit::record(core, origin, event).await?;
    Ok(Ok(format!("{expires_at}.{m}")))
}

/// The admin API's bearer check (`/admin/v1/…`), on the same per-address throttle as
/// [`sign_in`]: wrong keys from one address, at either door, count together, and past
/// `limits.secret_failures` of them the address gets 403 `IpLimit` (with when it ends) before its
/// key is looked at. A wrong key is answered 401 `Unauthorized` and audited (`sign_in_failed`,
/// reason `bad_admin_key`, detail `via=admin_api`, never the key); a request without any key is
/// only refused, since it guesses nothing. Successful calls are not audited here: the actions they
/// take are.
pub async fn check_admin_api_key(
    core: &Core,
    origin: &Origin,
    presented: Option<&str>,
) -> super::Result<()> {
    check_admin_key(core, origin, presented, "admin_api").await
}

/// The admin-key check of every door that takes the key ([`check_admin_api_key`], token
/// introspection with `via = "introspection"`): the shared per-address throttle, a wrong key
/// counted and audited under `via`, and 401 `AdminUnauthorized` for a wrong or missing key.
pub async fn check_admin_key(
    core: &Core,
    origin: &Origin,
    presented: Option<&str>,
    via: &'static str,
) -> super::Result<()> {
    let address = origin.client_address;
    let now = core.now();
    if let Err(wait) = core.limits.failure_gate(&Guess::AdminKey, address, now) {
        if presented.is_some() && refused(core, origin, via, "throttled").await? {
            tracing::warn!(
                ?address,
                via,
                "admin key refused after repeated wrong ones (logged once a minute per address)"
            );
        }
        return Err(crate::limits::limited(ErrorCode::IpLimit, now, wait).into());
    }
    match presented {
        Some(key) if core.is_admin_key(key) => Ok(()),
        Some(_) => {
            core.limits.failed(Guess::AdminKey, address, now);
            if refused(core, origin, via, "bad_admin_key").await? {
                tracing::info!(
                    ?address,
                    via,
                    "a wrong admin key was presented (logged once a minute per address)"
                );
            }
            Err(ApiError::new(ErrorCode::AdminUnauthorized).into())
        }
        None => Err(ApiError::new(ErrorCode::AdminUnauthorized).into()),
    }
}

/// A refused admin key at door `via`, folded (see `audit::record_refusal`); whether it opened
/// a new window.
async fn refused(
    core: &Core,
    origin: &crate::Origin,
    via: &str,
    reason: &str,
) -> super::Result<bool> {
    let event = AuditEvent::new(AuditKind::SignInFailed, core.now(), ActorKind::Admin, None)
        .detail("via", via)
        .detail("reason", reason);
    super::audit::record_refusal(core, origin, event).await
}

/// Whether an operator cookie value is genuine and unexpired (constant-time comparison).
pub fn is_operator(core: &Core, cookie: &str) -> bool {
    let Some((exp, presented)) = cookie.split_once('.') else {
        return false;
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return false;
    };
    if exp <= core.now().0 {
        return false;
    }
    match mac(core, exp) {
        Some(m) => m.as_bytes().ct_eq(presented.as_bytes()).into(),
        None => false,
    }
}
