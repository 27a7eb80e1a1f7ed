//! Emulator mode (docs/emulator.md): the controls that make a DingTalk stand-in easy to test
//! against — reset to the start seed, apply seeds at runtime, move the clock, mint codes without
//! the consent page, list/expire/revoke tokens and codes, and inject faults. The real rules keep
//! applying to everything else.

use opending_domain::{
    grant::split_codes, token::derive_app_token, ApiError, ClientId, ErrorCode, KeyedHash,
    PermissionCode, UnionId, UnixTime,
};
use serde::{Deserialize, Serialize};

use super::{bad, demo, seed, Result};
pub use crate::state::emulator::{
    EmulatorState, FaultAction, FaultRule, MAX_FAULTS, MAX_FAULT_MATCH, MAX_MINTED,
};
use crate::{state::emulator::lock, Core};

fn state(core: &Core) -> Result<&EmulatorState> {
    core.emulator
        .as_ref()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound).into())
}

/// Returns the world to the start seed: data wiped and re-seeded, clock, journal, faults and
/// minted plaintexts cleared.
pub async fn reset(core: &Core, origin: &crate::Origin) -> Result<seed::ApplyReport> {
    let st = state(core)?;
    core.store.wipe().await?;
    for point in opending_domain::permission::builtin_points() {
        core.store.ensure_point(&point).await?;
    }
    core.clock.reset();
    core.journal.clear();
    st.clear_faults(None);
    lock(&st.minted).clear();
    let report = match st.start_seed.get() {
        Some(text) => seed::apply(core, origin, &seed::parse(text)?).await?,
        None => seed::ApplyReport::default(),
    };
    if st.demo {
        let origins = st.demo_origins.get().cloned().unwrap_or_default();
        demo::ensure(core, origin, &origins).await?;
    }
    tracing::info!("emulator reset to the start seed");
    Ok(report)
}

/// The clock as the control API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// Server time, Unix seconds.
    pub now: i64,
    /// Seconds the clock was moved by.
    pub offset_seconds: i64,
}

/// A change of the clock.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockChange {
    /// Set the time (Unix seconds).
    #[serde(default)]
    pub now: Option<i64>,
    /// Move the time by this many seconds.
    #[serde(default)]
    pub advance_seconds: Option<i64>,
    /// Back to real (or frozen-start) time.
    #[serde(default)]
    pub reset: bool,
}

/// Reads the clock.
pub fn clock(core: &Core) -> Result<ClockView> {
    state(core)?;
    Ok(ClockView {
        now: core.now().0,
        offset_seconds: core.clock.offset(),
    })
}

/// The latest instant the emulator's clock may be set to: 9000-01-01T00:00:00Z, far enough from
/// year 9999 that every expiry computed from it is still a valid calendar date (cookies).
pub const MAX_CLOCK: i64 = 221_845_392_000;

/// Changes the clock. Every cached principal is re-checked against the new time on use.
pub fn set_clock(core: &Core, change: ClockChange) -> Result<ClockView> {
    state(core)?;
    let given = [
        change.now.is_some(),
        change.advance_seconds.is_some(),
        change.reset,
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given != 1 {
        return Err(bad("give exactly one of now, advanceSeconds, reset"));
    }
    // The clock must stay where every `now + ttl` still fits in an i64 (found by schemathesis:
    // `advanceSeconds: i64::MAX` overflowed in every later request).
    let target = match (change.now, change.advance_seconds) {
        (Some(t), _) => Some(t),
        (_, Some(d)) => core.now().0.checked_add(d),
        _ => Some(0),
    };
    if !target.is_some_and(|t| (0..=MAX_CLOCK).contains(&t)) {
        return Err(bad(format!(
            "the clock must stay between 0 and {MAX_CLOCK} (9000-01-01T00:00:00Z)"
        )));
    }
    if let Some(t) = change.now {
        core.clock.set(UnixTime(t));
    } else if let Some(d) = change.advance_seconds {
        core.clock.advance(d);
    } else {
        core.clock.reset();
    }
    core.tokens.invalidate_all();
    clock(core)
}

/// A code to mint without the consent page.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MintCode {
    /// The app.
    pub client_id: String,
    /// The user.
    pub union_id: String,
    /// The org (the user must be a member); absent: none.
    #[serde(default)]
    pub corp_id: Option<String>,
    /// Delegated points the app added.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A redirect URI to bind.
    #[serde(default)]
    pub redirect_uri: Option<String>,
}

/// A minted code.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Minted {
    /// The authorization code (exchange it at userAccessToken).
    pub auth_code: String,
    /// Its id in the token list.
    pub id: String,
}

/// Mints an authorization code as if the user had consented (the user's consent is recorded).
pub async fn mint_code(core: &Core, origin: &crate::Origin, m: MintCode) -> Result<Minted> {
    let st = state(core)?;
    let client = ClientId::parse(m.client_id).map_err(|e| bad(e.to_string()))?;
    let user = UnionId::parse(m.union_id).map_err(bad)?;
    let app = core
        .store
        .get_app(&client)
        .await?
        .ok_or_else(|| bad(format!("app {client} does not exist")))?;
    if core.store.get_user(&user).await?.is_none() {
        return Err(bad(format!("user {user} does not exist")));
    }
    if let Some(c) = &m.corp_id {
        let corp = opending_domain::CorpId::parse(c.as_str()).map_err(|e| bad(e.to_string()))?;
        if core.store.get_role(&corp, &user).await?.is_none() {
            return Err(bad(format!("user {user} is not a member of {corp}")));
        }
    }
    let added = core.store.list_app_points(&app.client_id).await?;
    let mut scopes: Vec<PermissionCode> = Vec::new();
    for s in &m.scopes {
        let p = added
            .iter()
            .find(|p| p.code.as_str() == s && p.grant_type == opending_domain::GrantType::Delegated)
            .ok_or_else(|| bad(format!("{s} is not a delegated point the app added")))?;
        scopes.push(p.code.clone());
    }
    core.store
        .add_user_grants(
            &client,
            &user,
            m.corp_id.as_deref().unwrap_or(""),
            &scopes,
            core.now(),
        )
        .await?;
    let code = super::user_token::mint_code(
        core,
        origin,
        client,
        user,
        m.corp_id,
        scopes,
        m.redirect_uri,
    )
    .await?;
    let id = core.key.hash(
        opending_domain::secret::Purpose::AuthCode,
        code.expose().as_bytes(),
    );
    st.note_minted(&id, code.expose());
    Ok(Minted {
        auth_code: code.expose().to_owned(),
        id: id.to_hex(),
    })
}

/// A token or code as the emulator lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Issued {
    /// `app_access_token`, `user_access_token` or `auth_code`.
    pub kind: String,
    /// Id (hex of the stored hash) for expire/revoke.
    pub id: String,
    /// The app.
    pub client_id: String,
    /// The org, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
    /// The user, for user tokens and codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub union_id: Option<String>,
    /// Points.
    pub scopes: Vec<String>,
    /// Issue time.
    pub issued_at: i64,
    /// Expiry.
    pub expires_at: i64,
    /// Whether it works now.
    pub active: bool,
    /// The plaintext: only for what the backdoor minted or a deterministic run issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Every token and code.
pub async fn issued(core: &Core) -> Result<Vec<Issued>> {
    let st = state(core)?;
    let now = core.now();
    let minted = lock(&st.minted).values.clone();
    let deterministic = core.entropy.is_deterministic();
    let mut out = Vec::new();
    for t in core.store.list_app_tokens().await? {
        out.push(Issued {
            kind: "app_access_token".into(),
            id: t.token_hash.to_hex(),
            client_id: t.client_id.to_string(),
            corp_id: Some(t.corp_id.to_string()),
            union_id: None,
            scopes: vec![],
            issued_at: t.issued_at.0,
            expires_at: t.expires_at.0,
            active: t.is_live(now),
            value: deterministic.then(|| derive_app_token(&core.key, &t.nonce).expose().to_owned()),
        });
    }
    for t in core.store.list_user_tokens().await? {
        let id = t.token_hash.to_hex();
        out.push(Issued {
            kind: "user_access_token".into(),
            value: minted.get(&id).cloned(),
            id,
            client_id: t.client_id.to_string(),
            corp_id: t.corp_id,
            union_id: Some(t.union_id.to_string()),
            scopes: t.scopes.iter().map(|c| c.to_string()).collect(),
            issued_at: t.issued_at.0,
            expires_at: t.expires_at.0,
            active: t.expires_at > now,
        });
    }
    for c in core.store.list_codes().await? {
        let id = c.code_hash.to_hex();
        out.push(Issued {
            kind: "auth_code".into(),
            value: minted.get(&id).cloned(),
            id,
            client_id: c.client_id.to_string(),
            corp_id: c.corp_id,
            union_id: Some(c.union_id.to_string()),
            scopes: c.scopes.iter().map(|c| c.to_string()).collect(),
            issued_at: c.created_at.0,
            expires_at: c.expires_at.0,
            active: c.used_at.is_none() && c.expires_at > now,
        });
    }
    let _ = split_codes; // (codes are already parsed by storage)
    Ok(out)
}

fn parse_id(id: &str) -> Result<KeyedHash> {
    KeyedHash::from_hex(id)
        .map_err(|_| bad("id must be 64 hex digits, as listed by GET /_opending/tokens"))
}

/// Makes a token or code expire now.
pub async fn expire(core: &Core, id: &str) -> Result<bool> {
    state(core)?;
    let h = parse_id(id)?;
    let now = core.now();
    Ok(core.store.expire_app_token(&h, now).await?
        | core.store.expire_user_token_or_code(&h, now).await?)
}

/// Makes the JSAPI ticket of (app, org) expire now, so the next fetch makes a new one;
/// whether one existed.
pub async fn expire_jsapi_ticket(core: &Core, client_id: &str, corp_id: &str) -> Result<bool> {
    state(core)?;
    let (client, corp) = (
        super::parse_client_id(client_id)?,
        super::parse_corp_id(corp_id)?,
    );
    Ok(core
        .store
        .expire_jsapi_ticket(&client, &corp, core.now())
        .await?)
}

/// Revokes a token (app or user).
pub async fn revoke(core: &Core, id: &str) -> Result<bool> {
    state(core)?;
    let h = parse_id(id)?;
    Ok(core.store.revoke_app_token(&h).await? | core.store.revoke_user_token(&h).await?)
}
