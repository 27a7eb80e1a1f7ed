//! Browser sessions: sign-in with argon2id-checked passwords, throttled per account and per
//! address; session ids random and stored as keyed hashes; CSRF tokens derived from the
//! session (or, before sign-in, from a pre-session cookie) so every form carries one.

use std::net::IpAddr;

use opending_domain::{secret::Purpose, ActorKind, AuditEvent, AuditKind, KeyedHash, Secret, User};
use subtle::ConstantTimeEq;

use super::{user_token::random_token, users::verify_password, Result};
pub use crate::state::throttle::{
    SignInThrottle, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, THROTTLE_WINDOW,
};
use crate::Core;

/// Why a sign-in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    /// Unknown login or wrong password (one answer for both).
    BadCredentials,
    /// Too many failures for this account or address; try later.
    Throttled,
}

/// Signs a user in; returns the new session id (for the cookie) and the user.
pub async fn sign_in(
    core: &Core,
    origin: &crate::Origin,
    login: &str,
    password: &str,
    address: IpAddr,
) -> Result<std::result::Result<(Secret, User), SignInError>> {
    let t = &core.throttle;
    let account = login.trim().to_lowercase();
    let address_key = crate::limits::address_key(address);
    let account_key = crate::limits::digest(&account);
    if t.per_account.get(&account_key).unwrap_or(0) >= MAX_FAILURES_PER_ACCOUNT
        || t.per_address.get(&address_key).unwrap_or(0) >= MAX_FAILURES_PER_ADDRESS
    {
        if record_sign_in(core, origin, &account, address, "throttled").await? {
            tracing::warn!(%address, "sign-in throttled (logged once a minute per address)");
        }
        return Ok(Err(SignInError::Throttled));
    }
    let found = core.store.get_user_by_login(login.trim()).await?;
    // Verify against a fixed dummy hash for unknown logins, so both cost the same. argon2 takes
    // tens of milliseconds: it runs on the blocking pool, not on an async worker.
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, DUMMY_HASH.clone()),
    };
    let presented = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&presented, &hash))
        .await
        .map_err(|e| super::Error::Internal(anyhow::anyhow!("password check: {e}")))?
        && user.is_some();
    match user.filter(|_| ok) {
        Some(user) => {
            let session = random_token(core);
            let now = core.now();
            core.store
                .create_session(
                    &session_hash(core, &session),
                    &user.union_id,
                    now,
                    now.plus(core.lifetimes.session),
                )
                .await?;
            tracing::info!(union_id = %user.union_id, "signed in");
            let event = AuditEvent::new(
                AuditKind::SignInSucceeded,
                now,
                ActorKind::User,
                Some(user.union_id.to_string()),
            )
            .detail("login", &user.login);
            super::audit::record(core, origin, event.source(address)).await?;
            Ok(Ok((session, user)))
        }
        None => {
            t.per_account.insert(
                account_key,
                t.per_account.get(&account_key).unwrap_or(0) + 1,
            );
            t.per_address.insert(
                address_key,
                t.per_address.get(&address_key).unwrap_or(0) + 1,
            );
            if record_sign_in(core, origin, &account, address, "bad_credentials").await? {
                tracing::info!(%address, "sign-in failed (logged once a minute per address)");
            }
            Ok(Err(SignInError::BadCredentials))
        }
    }
}

/// A refused sign-in's event, folded with the others from its address (see
/// `audit::record_refusal`): the login tried (cut to 64 characters; never the password).
/// Returns whether it opened a new window.
async fn record_sign_in(
    core: &Core,
    origin: &crate::Origin,
    login: &str,
    address: IpAddr,
    reason: &str,
) -> Result<bool> {
    let login: String = login.chars().take(64).collect();
    let event = AuditEvent::new(AuditKind::SignInFailed, core.now(), ActorKind::User, None)
        .detail("login", login)
        .detail("reason", reason);
    super::audit::record_refusal(core, origin, event.source(address)).await
}

/// An argon2id hash of a random string nobody knows (for timing parity), made once.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    super::users::hash_password(&hex::encode(rand::random::<[u8; 16]>())).unwrap_or_default()
});

fn session_hash(core: &Core, session: &Secret) -> KeyedHash {
    core.key.hash(Purpose::Session, session.expose().as_bytes())
}

/// The signed-in user of a session cookie value, if the session is live.
pub async fn current_user(core: &Core, session: &str) -> Result<Option<User>> {
    if session.is_empty() || session.len() > 128 {
        return Ok(None);
    }
    let hash = core.key.hash(Purpose::Session, session.as_bytes());
    match core.store.session_user(&hash, core.now()).await? {
        Some(id) => Ok(core.store.get_user(&id).await?),
        None => Ok(None),
    }
}

/// Ends a session.
pub async fn sign_out(core: &Core, session: &str) -> Result<()> {
    core.store
        .delete_session(&core.key.hash(Purpose::Session, session.as_bytes()))
        .await?;
    Ok(())
}

/// The CSRF token of forms rendered for a session (or pre-session) cookie value.
pub fn csrf_token(core: &Core, cookie_value: &str) -> String {
    hex::encode(&core.key.hash(Purpose::Csrf, cookie_value.as_bytes()).0[..16])
}

/// Whether `presented` is the CSRF token for `cookie_value` (constant time).
pub fn csrf_ok(core: &Core, cookie_value: &str, presented: &str) -> bool {
    !cookie_value.is_empty()
        && csrf_token(core, cookie_value)
            .as_bytes()
            .ct_eq(presented.as_bytes())
            .into()
}

/// A fresh pre-session id (set as a cookie before sign-in so the sign-in form has a CSRF token).
pub fn new_presession(core: &Core) -> Secret {
    random_token(core)
}
