//! Platform operator sign-in for the `/operator` pages: whoever presents the admin key (the
//! key of the admin API and CLI) gets an operator cookie for [`OPERATOR_LIFETIME`] seconds.
//!
//! The cookie is stateless — `expiry.mac`, the MAC a keyed hash over the expiry and the admin
//! key's own hash — so it needs no table, and changing the admin key (or the hash key) ends
//! every operator sign-in at once. Without an admin key configured there are no operators.

use opending_domain::secret::Purpose;
use subtle::ConstantTimeEq;

use crate::Core;

/// How long an operator sign-in lasts, in seconds (8 hours).
pub const OPERATOR_LIFETIME: i64 = 8 * 3600;

fn mac(core: &Core, expires_at: i64) -> Option<String> {
    let admin = core.admin_key_hash.as_ref()?;
    let msg = format!("operator|{expires_at}|{}", admin.to_hex());
    Some(hex::encode(
        &core.key.hash(Purpose::Session, msg.as_bytes()).0[..20],
    ))
}

/// Signs an operator in with the admin key; returns the cookie value, or `None` when the key
/// is wrong or no admin key is configured.
pub fn sign_in(core: &Core, presented_key: &str) -> Option<String> {
    if !core.is_admin_key(presented_key) {
        tracing::info!("operator sign-in refused");
        return None;
    }
    let expires_at = core.now().0 + OPERATOR_LIFETIME;
    let m = mac(core, expires_at)?;
    tracing::info!("operator signed in");
    Some(format!("{expires_at}.{m}"))
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
