//! User access tokens: `POST /v1.0/oauth2/userAccessToken` with the `authorization_code` and
//! `refresh_token` grants (docs/dingtalk/dingtalk-wire.md §4.3, docs/dingtalk/decisions.md §9–12).
//!
//! Codes are single use: a second exchange fails with `invalid.grant` and revokes every token
//! issued from the code. Refreshing rotates: the old refresh token stops working, except that
//! within a short grace window (for a client that lost the response) it may be used again;
//! reuse after the window revokes the whole family.

use opending_domain::{
    grant::{AuthCode, CodeRefusal, CodeUse, UserTokenRecord},
    secret::Purpose,
    token::access_token_hash,
    ActorKind, ApiError, AuditEvent, AuditKind, ClientId, ErrorCode, KeyedHash, PermissionCode,
    Secret, UnionId, UnixTime,
};

use super::Result;
use crate::Core;

/// A decoded userAccessToken request.
#[derive(Debug)]
pub struct UserTokenRequest {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: Secret,
    /// `grantType`.
    pub grant_type: String,
    /// `code`, for authorization_code.
    pub code: Option<String>,
    /// `refreshToken`, for refresh_token.
    pub refresh_token: Option<String>,
}

/// What the endpoint answers.
#[derive(Debug)]
pub struct IssuedUserToken {
    /// `accessToken`.
    pub access_token: Secret,
    /// `refreshToken`.
    pub refresh_token: Secret,
    /// `expireIn`.
    pub expire_in: i64,
    /// `corpId`, when the user authorized in an org.
    pub corp_id: Option<String>,
}

fn invalid_grant(msg: &'static str) -> super::Error {
    ApiError::with_message(ErrorCode::InvalidGrant, msg).into()
}

/// A fresh random token or code: 32 lowercase hex digits (128 bits).
pub fn random_token(core: &Core) -> Secret {
    let mut b = [0u8; 16];
    core.with_rng(|rng| rng.fill_bytes(&mut b));
    Secret::new(hex::encode(b))
}

/// Exchanges a code or a refresh token.
pub async fn exchange(
    core: &Core,
    origin: &crate::Origin,
    req: UserTokenRequest,
) -> Result<IssuedUserToken> {
    let refreshing = match req.grant_type.as_str() {
        "authorization_code" => false,
        "refresh_token" => true,
        _ => return Err(ApiError::new(ErrorCode::UnsupportedGrantType).into()),
    };
    let presented = if refreshing {
        req.refresh_token
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::invalid_request("refreshToken is required"))?
    } else {
        req.code
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::invalid_request("code is required"))?
    };
    core.limits
        .secret_gate_for(origin, &req.client_id, core.now())?;
    let app = match ClientId::parse(req.client_id.as_str()) {
        Ok(id) => core.store.get_app(&id).await?,
        Err(_) => None,
    };
    if !core.client_secret_matches(&req.client_secret, app.as_ref().map(|a| &a.secret_hash)) {
        core.limits
            .secret_failed_for(origin, &req.client_id, core.now());
        return Err(ApiError::new(ErrorCode::InvalidClient).into());
    }
    let app = app.expect("secret matched, so the app exists");
    core.limits
        .charge_request(origin, app.client_id.as_str(), core.now())?;
    if presented.len() > opending_domain::token::MAX_TOKEN_LEN {
        return Err(invalid_grant("invalid.grant"));
    }
    if refreshing {
        refresh(core, origin, &app.client_id, &presented).await
    } else {
        redeem(core, origin, &app.client_id, &presented).await
    }
}

async fn redeem(
    core: &Core,
    origin: &crate::Origin,
    client: &ClientId,
    code: &str,
) -> Result<IssuedUserToken> {
    let now = core.now();
    let code_hash = core.key.hash(Purpose::AuthCode, code.as_bytes());
    let minted = Minted::new(core, now);
    // The pair is stored in the same transaction that uses the code up, when the code may be
    // exchanged by this app now (the same test as the refusals below).
    let tokens_for: opending_store::TokensFor = {
        let (client, minted, l) = (client.clone(), minted.hashes(), core.lifetimes.clone());
        Box::new(move |c: &AuthCode| {
            c.refusal(&client, now)
                .is_none()
                .then(|| minted.records(&c.code_hash.to_hex(), &TokenOwner::of_code(c), &l))
        })
    };
    match core.store.redeem_code(&code_hash, now, tokens_for).await? {
        CodeUse::Unknown => Err(invalid_grant("invalid.grant: unknown authorization code")),
        CodeUse::Replayed(c) => {
            let mut event =
                app_event(core, AuditKind::CodeReplayed, client).detail("user", &c.union_id);
            if &c.client_id == client {
                let n = core.store.revoke_family(&c.code_hash.to_hex()).await?;
                core.metrics.token("refresh", "revoked", n);
                tracing::warn!(client_id = %client, revoked = n, "authorization code replayed; its tokens are revoked");
                event = event.detail("revoked", n);
            } else {
                event = event.detail("issuedTo", &c.client_id);
            }
            super::audit::record(core, origin, with_org(event, &c.corp_id)).await?;
            Err(invalid_grant(
                "invalid.grant: the authorization code was already used",
            ))
        }
        CodeUse::Fresh(c) => match c.refusal(client, now) {
            Some(CodeRefusal::OtherApp) => {
                tracing::warn!(client_id = %client, "authorization code presented by another app");
                Err(invalid_grant(
                    "invalid.grant: the authorization code was issued to another app",
                ))
            }
            Some(CodeRefusal::Expired) => Err(invalid_grant(
                "invalid.grant: the authorization code has expired",
            )),
            None => {
                // Issuance, like the token events: batched (see `audit.rs`).
                let event =
                    app_event(core, AuditKind::CodeExchanged, client).detail("user", &c.union_id);
                super::audit::enqueue(core, origin, with_org(event, &c.corp_id)).await;
                Ok(minted
                    .issued(core, origin, &TokenOwner::of_code(&c), false)
                    .await)
            }
        },
    }
}

async fn refresh(
    core: &Core,
    origin: &crate::Origin,
    client: &ClientId,
    token: &str,
) -> Result<IssuedUserToken> {
    let now = core.now();
    let hash = core.key.hash(Purpose::RefreshToken, token.as_bytes());
    let Some(old) = core.store.find_refresh_token(&hash).await? else {
        return Err(invalid_grant("invalid.grant: unknown refresh token"));
    };
    if &old.client_id != client {
        return Err(invalid_grant(
            "invalid.grant: the refresh token was issued to another app",
        ));
    }
    if old.expires_at <= now {
        return Err(invalid_grant(
            "invalid.grant: the refresh token has expired",
        ));
    }
    // The successor is derived from the presented value, so every use of this token names
    // the same pair: the first stores it, a retry inside the grace window gets it back.
    let minted = Minted::successor(core, now, token);
    let owner = TokenOwner::of_token(&old);
    let old = if old.rotated_at.is_none() {
        let (access, refresh) = minted.hashes.records(&old.family, &owner, &core.lifetimes);
        if core
            .store
            .rotate_refresh(&old.token_hash, now, &access, &refresh)
            .await?
        {
            return Ok(minted.issued(core, origin, &owner, true).await);
        }
        // A concurrent request rotated it between our read and our write.
        match core.store.find_refresh_token(&hash).await? {
            Some(again) => again,
            None => return Err(invalid_grant("invalid.grant: unknown refresh token")),
        }
    } else {
        old
    };
    retry(core, origin, &old, minted, now).await
}

/// A rotated refresh token presented again. Strictly inside the grace window, and only while
/// its successor has not been used, the answer is that successor again (with what is left of
/// its lifetime); anything else is reuse, and revokes the family.
async fn retry(
    core: &Core,
    origin: &crate::Origin,
    old: &UserTokenRecord,
    minted: Minted,
    now: UnixTime,
) -> Result<IssuedUserToken> {
    let rotated = old.rotated_at.unwrap_or(now);
    // With a grace of 0, a rotated token never works again.
    if now.0 - rotated.0 >= core.lifetimes.refresh_reuse_grace {
        return Err(reuse_detected(core, origin, old).await);
    }
    let (refresh, access) = tokio::try_join!(
        core.store.find_refresh_token(&minted.hashes.refresh),
        core.store.find_user_token(&minted.hashes.access),
    )?;
    let successor = |t: &Option<UserTokenRecord>| {
        t.as_ref()
            .filter(|t| t.family == old.family && t.expires_at > now)
            .cloned()
    };
    match (successor(&refresh), successor(&access)) {
        (Some(refresh), Some(access)) if refresh.rotated_at.is_none() => {
            core.metrics.token("refresh", "retried", 1);
            tracing::info!(client_id = %old.client_id, "rotated refresh token retried inside the grace window; the same successor is returned");
            Ok(IssuedUserToken {
                access_token: minted.access,
                refresh_token: minted.refresh,
                expire_in: access.expires_at.0 - now.0,
                corp_id: old.corp_id.clone(),
            })
        }
        // The successor was refreshed in turn (or is gone): this is not the client that lost
        // an answer.
        _ => Err(reuse_detected(core, origin, old).await),
    }
}

async fn reuse_detected(
    core: &Core,
    origin: &crate::Origin,
    old: &UserTokenRecord,
) -> super::Error {
    match core.store.revoke_family(&old.family).await {
        Ok(n) => {
            core.metrics.token("refresh", "revoked", n);
            tracing::warn!(client_id = %old.client_id, revoked = n, "rotated refresh token reused; the family is revoked");
            let event = app_event(core, AuditKind::RefreshReuse, &old.client_id)
                .detail("user", &old.union_id)
                .detail("revoked", n);
            if let Err(e) = super::audit::record(core, origin, with_org(event, &old.corp_id)).await
            {
                return e;
            }
            invalid_grant(
                "invalid.grant: the refresh token was already used; its tokens are revoked",
            )
        }
        Err(e) => e.into(),
    }
}

/// Whose tokens are minted: the app, the user, the org and the points, as the code or the
/// refresh token they come from holds them.
struct TokenOwner {
    client_id: ClientId,
    union_id: UnionId,
    corp_id: Option<String>,
    scopes: Vec<PermissionCode>,
}

impl TokenOwner {
    fn of_code(c: &AuthCode) -> Self {
        Self {
            client_id: c.client_id.clone(),
            union_id: c.union_id.clone(),
            corp_id: c.corp_id.clone(),
            scopes: c.scopes.clone(),
        }
    }

    fn of_token(t: &UserTokenRecord) -> Self {
        Self {
            client_id: t.client_id.clone(),
            union_id: t.union_id.clone(),
            corp_id: t.corp_id.clone(),
            scopes: t.scopes.clone(),
        }
    }
}

/// A new access and refresh token, minted before the write that stores them.
struct Minted {
    access: Secret,
    refresh: Secret,
    hashes: MintedHashes,
}

/// What is stored of a [`Minted`] pair: its lookup hashes and issue time.
#[derive(Clone, Copy)]
struct MintedHashes {
    access: KeyedHash,
    refresh: KeyedHash,
    now: UnixTime,
}

impl Minted {
    /// A random pair (a code exchange).
    fn new(core: &Core, now: UnixTime) -> Self {
        let access =
            core.with_rng(|rng| opending_domain::token::random_access_token(&core.key, rng));
        Self::of(core, now, access, random_token(core))
    }

    /// The pair the refresh token `old` is rotated into.
    fn successor(core: &Core, now: UnixTime, old: &str) -> Self {
        let (access, refresh) = opending_domain::token::successor_pair(&core.key, old);
        Self::of(core, now, access, refresh)
    }

    fn of(core: &Core, now: UnixTime, access: Secret, refresh: Secret) -> Self {
        let hashes = MintedHashes {
            access: access_token_hash(&core.key, access.expose()),
            refresh: core
                .key
                .hash(Purpose::RefreshToken, refresh.expose().as_bytes()),
            now,
        };
        Self {
            access,
            refresh,
            hashes,
        }
    }

    fn hashes(&self) -> MintedHashes {
        self.hashes
    }

    /// The audit event, the metrics and the answer, once the pair is stored.
    async fn issued(
        self,
        core: &Core,
        origin: &crate::Origin,
        owner: &TokenOwner,
        renewed: bool,
    ) -> IssuedUserToken {
        let (now, l) = (self.hashes.now, &core.lifetimes);
        note_if_deterministic(core, &self.hashes.access, &self.access);
        let kind = if renewed {
            AuditKind::TokenRenewed
        } else {
            AuditKind::TokenIssued
        };
        let event = app_event(core, kind, &owner.client_id)
            .detail("token", "user")
            .detail("user", &owner.union_id)
            .detail("scopes", opending_domain::grant::join_codes(&owner.scopes))
            .detail("expiresAt", now.plus(l.user_token).0);
        super::audit::enqueue(core, origin, with_org(event, &owner.corp_id)).await;
        // A code exchange issues a pair; a refresh renews the user token and rotates (renews)
        // the refresh token.
        let event = if renewed { "renewed" } else { "issued" };
        core.metrics.token("user", event, 1);
        core.metrics.token("refresh", event, 1);
        IssuedUserToken {
            access_token: self.access,
            refresh_token: self.refresh,
            expire_in: l.user_token,
            corp_id: owner.corp_id.clone(),
        }
    }
}

impl MintedHashes {
    /// The access and refresh token records of `family`, for `owner`.
    fn records(
        &self,
        family: &str,
        owner: &TokenOwner,
        l: &crate::core::Lifetimes,
    ) -> (UserTokenRecord, UserTokenRecord) {
        let record = |token_hash: KeyedHash, expires: i64| UserTokenRecord {
            token_hash,
            family: family.to_owned(),
            client_id: owner.client_id.clone(),
            union_id: owner.union_id.clone(),
            corp_id: owner.corp_id.clone(),
            scopes: owner.scopes.clone(),
            issued_at: self.now,
            expires_at: self.now.plus(expires),
            rotated_at: None,
        };
        (
            record(self.access, l.user_token),
            record(self.refresh, l.refresh_token),
        )
    }
}

/// Mints an authorization code for a user's consent (openAuth type 0, the browser flow, or the
/// emulator's backdoor). Returns the code value, shown once.
pub async fn mint_code(
    core: &Core,
    origin: &crate::Origin,
    client_id: ClientId,
    union_id: UnionId,
    corp_id: Option<String>,
    scopes: Vec<PermissionCode>,
    redirect_uri: Option<String>,
) -> Result<Secret> {
    let now = core.now();
    let code = random_token(core);
    let code_hash = core.key.hash(Purpose::AuthCode, code.expose().as_bytes());
    note_if_deterministic(core, &code_hash, &code);
    let event = AuditEvent::new(
        AuditKind::CodeIssued,
        now,
        ActorKind::User,
        Some(union_id.to_string()),
    )
    .app(&client_id)
    .detail("scopes", opending_domain::grant::join_codes(&scopes));
    let event = with_org(event, &corp_id);
    core.store
        .create_code(&AuthCode {
            code_hash,
            client_id,
            union_id,
            corp_id,
            scopes,
            redirect_uri,
            created_at: now,
            expires_at: now.plus(core.lifetimes.auth_code),
            used_at: None,
        })
        .await?;
    super::audit::record(core, origin, event).await?;
    Ok(code)
}

/// An event whose actor is the app presenting its credentials.
fn app_event(core: &Core, kind: AuditKind, client: &ClientId) -> AuditEvent {
    AuditEvent::new(kind, core.now(), ActorKind::App, Some(client.to_string())).app(client)
}

fn with_org(event: AuditEvent, corp_id: &Option<String>) -> AuditEvent {
    match corp_id {
        Some(c) => event.org(c),
        None => event,
    }
}

/// In deterministic emulator runs, the emulator may list plaintexts (they are reproducible
/// from the seed anyway).
fn note_if_deterministic(core: &Core, id: &opending_domain::KeyedHash, value: &Secret) {
    if let (Some(emu), true) = (&core.emulator, core.entropy.is_deterministic()) {
        emu.note_minted(id, value.expose());
    }
}
