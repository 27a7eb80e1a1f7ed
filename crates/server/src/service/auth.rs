//! Access-token validation for every protected route: token → [`Principal`] (app or user, org,
//! effective points), answered from memory when it can be.
//!
//! Two bounded caches keyed by the token's keyed hash: resolved principals, and a negative cache
//! of tokens that resolved to nothing, so a flood of garbage tokens costs one database read each
//! at most once per minute and a fixed amount of memory. Every change that may withdraw a right
//! empties both (through the store's change feed, inline for this process; by NOTIFY or polling
//! for others). A generation counter keeps a lookup that raced with such a change from putting a
//! stale answer back.

use std::sync::{atomic::Ordering, Arc};

use opending_domain::{
    isv::{MintedKind, MintedToken},
    permission::effective_app_points,
    principal::Subject,
    token::{access_token_hash, MAX_TOKEN_LEN},
    ApiError, ErrorCode, KeyedHash, Principal, UnixTime,
};

use super::Result;
pub use crate::state::TokenCache;
use crate::Core;

fn invalid(hint: &'static str) -> super::Error {
    let mut e = ApiError::new(ErrorCode::InvalidAuthentication);
    if !hint.is_empty() {
        e.message = Some(format!("不合法的access_token ({hint})").into());
    }
    e.into()
}

/// Resolves the token presented in `x-acs-dingtalk-access-token`.
pub async fn authenticate(core: &Core, token: Option<&str>) -> Result<Arc<Principal>> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(invalid("missing x-acs-dingtalk-access-token header"));
    };
    if token.len() > opending_domain::token::MAX_TOKEN_LEN
        || !token.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(invalid(""));
    }
    // A value that cannot have been issued is refused here: no storage read, no cache entry,
    // so a flood of made-up tokens costs one HMAC each and no memory (see `token.rs`).
    if !opending_domain::token::may_be_issued(&core.key, token) {
        return Err(invalid(""));
    }
    let hash = access_token_hash(&core.key, token);
    let now = core.now();
    let cache = &core.tokens;
    if let Some(p) = cache.positive.get(&hash.0) {
        if p.expires_at > now {
            core.metrics.token_cache_hits.inc();
            return Ok(p);
        }
        // Past the cached expiry: the token may have been renewed since (any instance renews
        // app tokens on repeat requests), so storage decides.
        cache.positive.invalidate(&hash.0);
    }
    if cache.negative.contains_key(&hash.0) {
        core.metrics.token_cache_hits.inc();
        return Err(invalid(""));
    }
    core.metrics.token_cache_misses.inc();
    let generation = cache.generation.load(Ordering::SeqCst);
    let resolved = resolve(core, &hash, now).await?;
    let unchanged = cache.generation.load(Ordering::SeqCst) == generation;
    match resolved {
        Some(p) => {
            let p = Arc::new(p);
            if unchanged {
                cache.positive.insert(hash.0, p.clone());
            }
            Ok(p)
        }
        None => {
            if unchanged {
                cache.negative.insert(hash.0, ());
            }
            Err(invalid(""))
        }
    }
}

/// Reads a token's principal from storage: `None` when the token is unknown, expired, or its
/// app may no longer run in its org.
pub async fn resolve(core: &Core, hash: &KeyedHash, now: UnixTime) -> Result<Option<Principal>> {
    if let Some(token) = core.store.find_app_token(hash).await? {
        return resolve_app_token(core, AppTokenFacts::from(token), now).await;
    }
    match core.store.find_minted_token(hash).await? {
        // A corp token is an app token that was minted anew (decisions §20): it follows the
        // installation the same way. Suite and SSO tokens open only their own calls.
        Some(t) => match (t.kind, t.client_id, t.corp_id) {
            (MintedKind::Corp, Some(client_id), Some(corp_id)) => {
                let facts = AppTokenFacts {
                    client_id,
                    corp_id,
                    issued_at: t.issued_at,
                    expires_at: t.expires_at,
                };
                resolve_app_token(core, facts, now).await
            }
            _ => Ok(None),
        },
        None => resolve_user_token(core, hash, now).await,
    }
}

/// A suite or SSO token presented to the one call it opens (uncached: these calls are rare):
/// the token when it is of `kind`, live, and well-formed; `None` otherwise.
pub async fn minted(
    core: &Core,
    token: Option<&str>,
    kind: MintedKind,
) -> Result<Option<MintedToken>> {
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN) else {
        return Ok(None);
    };
    if !opending_domain::token::may_be_issued(&core.key, token) {
        return Ok(None);
    }
    let hash = access_token_hash(&core.key, token);
    let found = core.store.find_minted_token(&hash).await?;
    Ok(found.filter(|t| t.kind == kind && t.is_live(core.now())))
}

/// What an app token (stored in place, or minted) says of itself.
struct AppTokenFacts {
    client_id: opending_domain::ClientId,
    corp_id: opending_domain::CorpId,
    issued_at: UnixTime,
    expires_at: UnixTime,
}

impl From<opending_domain::token::AppToken> for AppTokenFacts {
    fn from(t: opending_domain::token::AppToken) -> Self {
        Self {
            client_id: t.client_id,
            corp_id: t.corp_id,
            issued_at: t.issued_at,
            expires_at: t.expires_at,
        }
    }
}

async fn resolve_app_token(
    core: &Core,
    token: AppTokenFacts,
    now: UnixTime,
) -> Result<Option<Principal>> {
    if token.expires_at <= now {
        return Ok(None);
    }
    let Some(standing) = core
        .store
        .app_in_org(&token.client_id, &token.corp_id)
        .await?
    else {
        return Ok(None);
    };
    if standing
        .app
        .may_run_in(&token.corp_id, standing.org_exists, standing.installation)
        .is_err()
    {
        return Ok(None);
    }
    let added = core.store.list_app_type_points(&token.client_id).await?;
    let granted = core
        .store
        .list_org_grants(&token.client_id, &token.corp_id)
        .await?;
    let points = effective_app_points(
        standing.app.distribution,
        &standing.app.owner_corp_id,
        &token.corp_id,
        &added,
        &granted,
    );
    Ok(Some(Principal {
        subject: Subject::App,
        client_id: token.client_id,
        corp_id: token.corp_id,
        points: points.into(),
        issued_at: token.issued_at,
        expires_at: token.expires_at,
    }))
}

/// A user token carries the points the user consented to that the app still has added (plus
/// the base point), and dies with the user's membership of the org it was issued in.
async fn resolve_user_token(
    core: &Core,
    hash: &KeyedHash,
    now: UnixTime,
) -> Result<Option<Principal>> {
    let Some(token) = core.store.find_user_token(hash).await? else {
        return Ok(None);
    };
    if token.expires_at <= now {
        return Ok(None);
    }
    let Some(app) = core.store.get_app(&token.client_id).await? else {
        return Ok(None);
    };
    let corp = match &token.corp_id {
        Some(c) => {
            let Ok(corp) = opending_domain::CorpId::parse(c.as_str()) else {
                return Ok(None);
            };
            if core.store.get_role(&corp, &token.union_id).await?.is_none() {
                return Ok(None);
            }
            corp
        }
        // Tokens from a browser login without an org choice act in the developer's org.
        None => app.owner_corp_id.clone(),
    };
    let added = core.store.list_app_points(&token.client_id).await?;
    let mut points: Vec<opending_domain::PermissionCode> = token
        .scopes
        .into_iter()
        .filter(|c| added.iter().any(|p| &p.code == c))
        .collect();
    points.push(opending_domain::PermissionCode::parse("open_app_api_base").expect("valid"));
    points.sort();
    points.dedup();
    Ok(Some(Principal {
        subject: Subject::User(token.union_id.to_string()),
        client_id: token.client_id,
        corp_id: corp,
        points: points.into(),
        issued_at: token.issued_at,
        expires_at: token.expires_at,
    }))
}
