//! SSO into an app's admin backend (应用管理后台免登, docs/dingtalk/dingtalk-wire-2.md §F): an
//! org's SSO secret, the SSO token it buys (`ssoAccessToken`, `/sso/gettoken`), the single-use
//! code an org admin carries into an app's admin backend, and what the code says of the admin
//! (`ssoUserInfo`, `/sso/getuserinfo`).

use opending_domain::{
    isv::{MintedKind, SsoCode, MAX_LIVE_MINTED, SSO_CODE_TTL},
    secret::Purpose,
    ActorKind, ApiError, AuditEvent, AuditKind, CorpId, ErrorCode, LegacyCode, Role, Secret,
    UnixTime,
};

use super::{app_token::IssuedToken, audit, not_found, parse_client_id, parse_corp_id, Result};
use crate::{Core, Origin};

fn sso_secret_hash(core: &Core, secret: &Secret) -> opending_domain::KeyedHash {
    core.key.hash(
        Purpose::ClientSecret,
        format!("sso\0{}", secret.expose()).as_bytes(),
    )
}

/// Gives an org a new SSO secret (shown this once); the SSO tokens bought with the old one
/// end. The org's admins (its pages) and the platform may.
pub async fn rotate_secret(core: &Core, origin: &Origin, corp_id: &str) -> Result<Secret> {
    let corp = parse_corp_id(corp_id)?;
    super::policy::org_to_administer(core, origin, &corp).await?;
    if core.store.get_org(&corp).await?.is_none() {
        return Err(not_found(format!("org {corp} does not exist")));
    }
    let secret = core.with_rng(|rng| Secret::generate_client_secret(rng));
    core.store
        .set_sso_secret(&corp, &sso_secret_hash(core, &secret), core.now())
        .await?;
    let event = audit::admin_event(core, origin, AuditKind::SecretRotated)
        .org(&corp)
        .detail("secret", "sso");
    audit::record(core, origin, event).await?;
    Ok(secret)
}

/// Brings an org's SSO secret to a seed file's declaration (changed only when it differs).
pub async fn declare_secret(core: &Core, corp: &CorpId, secret: &Secret) -> Result<bool> {
    super::apps::check_chosen_secret(secret)?;
    let hash = sso_secret_hash(core, secret);
    if core.store.sso_secret(corp).await?.as_ref() == Some(&hash) {
        return Ok(false);
    }
    core.store.set_sso_secret(corp, &hash, core.now()).await?;
    Ok(true)
}

/// `ssoAccessToken` / `/sso/gettoken`: an SSO token (3600 s, a new one on each call) for the
/// org's SSO secret. A wrong corpId or secret: `invalidClientIdOrSecret` (legacy 40089), one
/// answer.
pub async fn token(
    core: &Core,
    origin: &Origin,
    corp_id: &str,
    secret: &Secret,
) -> Result<IssuedToken> {
    let refused = || {
        super::Error::from(
            ApiError::new(ErrorCode::InvalidClientIdOrSecret)
                .with_legacy(LegacyCode::InvalidCorpIdOrSecret),
        )
    };
    core.limits.secret_gate_for(origin, corp_id, core.now())?;
    let corp = CorpId::parse(corp_id).ok();
    let stored = match &corp {
        Some(c) => core.store.sso_secret(c).await?,
        None => None,
    };
    let presented = sso_secret_hash(core, secret);
    let ok = stored.as_ref() == Some(&presented);
    let (Some(corp), true) = (corp, ok) else {
        core.limits.secret_failed_for(origin, corp_id, core.now());
        return Err(refused());
    };
    let now = core.now();
    let value = core.with_rng(|rng| opending_domain::token::random_access_token(&core.key, rng));
    let minted = opending_domain::isv::MintedToken {
        kind: MintedKind::Sso,
        token_hash: opending_domain::token::access_token_hash(&core.key, value.expose()),
        client_id: None,
        corp_id: Some(corp.clone()),
        issued_at: now,
        expires_at: UnixTime(now.0 + MintedKind::Sso.ttl()),
    };
    core.store
        .put_minted_token(&minted, now, MAX_LIVE_MINTED)
        .await?;
    let event = AuditEvent::new(AuditKind::TokenIssued, now, ActorKind::System, None)
        .org(&corp)
        .detail("token", "sso")
        .detail("expiresAt", minted.expires_at.0);
    audit::enqueue(core, origin, event).await;
    core.metrics.token("sso", "issued", 1);
    Ok(IssuedToken {
        access_token: value,
        expires_in: MintedKind::Sso.ttl(),
    })
}

/// Where an org admin goes when opening an app's admin backend: the app's admin URL with a
/// fresh single-use code appended (`?code=` or `&code=`). The signed-in admin opens it from
/// the org pages; the platform (the emulator's control API) names the admin in `as_admin`.
pub async fn open_admin_backend(
    core: &Core,
    origin: &Origin,
    corp_id: &str,
    client_id: &str,
    as_admin: Option<&str>,
) -> Result<String> {
    let corp = parse_corp_id(corp_id)?;
    super::policy::org_to_administer(core, origin, &corp).await?;
    let who = match (origin.rights(), as_admin) {
        (crate::origin::Rights::Member(u), _) => u.to_owned(),
        (crate::origin::Rights::Platform, Some(u)) => u.to_owned(),
        _ => {
            return Err(super::bad(
                "name the org admin who opens the app's admin backend",
            ))
        }
    };
    let union_id = opending_domain::UnionId::parse(who).map_err(super::bad)?;
    if core.store.get_role(&corp, &union_id).await? != Some(Role::Admin) {
        return Err(super::bad(format!(
            "{union_id:?} is not an admin of {corp}"
        )));
    }
    let id = parse_client_id(client_id)?;
    let standing = core
        .store
        .app_in_org(&id, &corp)
        .await?
        .ok_or_else(|| not_found(format!("app {id} does not exist")))?;
    standing
        .app
        .may_run_in(&corp, standing.org_exists, standing.installation)
        .map_err(|_| not_found(format!("app {id} does not run in {corp}")))?;
    let url = core
        .store
        .app_profile(&id)
        .await?
        .map(|p| p.admin_url)
        .unwrap_or_default();
    if url.is_empty() {
        return Err(super::bad(format!("app {id} has no admin backend URL")));
    }
    let code = core.with_rng(|rng| Secret::generate_client_secret(rng));
    let code = Secret::new(&code.expose()[..32]);
    core.store
        .put_sso_code(&SsoCode {
            code_hash: core.key.hash(Purpose::SsoCode, code.expose().as_bytes()),
            corp_id: corp.clone(),
            union_id,
            client_id: id.clone(),
            expires_at: UnixTime(core.now().0 + SSO_CODE_TTL),
        })
        .await?;
    let event = audit::admin_event(core, origin, AuditKind::CodeIssued)
        .app(&id)
        .org(&corp)
        .detail("code", "sso");
    audit::record(core, origin, event).await?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{sep}code={}", code.expose()))
}

/// What an SSO code says of the admin who carried it.
#[derive(Debug, Clone)]
pub struct SsoUser {
    /// The org.
    pub corp_id: CorpId,
    /// Its name.
    pub corp_name: String,
    /// The admin's userid in the org.
    pub userid: String,
    /// E-mail (`""` when none).
    pub email: String,
    /// Name.
    pub name: String,
    /// Avatar URL.
    pub avatar: String,
    /// Whether they still administer the org.
    pub is_admin: bool,
}

/// `ssoUserInfo` / `/sso/getuserinfo`: takes the code (single use) with a live SSO token of
/// the same org. Token problems: `InvalidAuthentication`-family answers (`invalidToken`,
/// legacy 40014; missing: `MissingParameter` / 41001); a code that is unknown, used, expired,
/// of another org, or whose admin left: `invalidCode` (legacy 41007).
pub async fn user_info(core: &Core, token: Option<&str>, code: &str) -> Result<SsoUser> {
    if token.is_none_or(str::is_empty) {
        return Err(ApiError::new(ErrorCode::MissingAuthParameter).into());
    }
    let minted = super::auth::minted(core, token, MintedKind::Sso)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
    let bad_code = || super::Error::from(ApiError::new(ErrorCode::InvalidCode));
    if code.is_empty() || code.len() > 256 {
        return Err(bad_code());
    }
    let taken = core
        .store
        .take_sso_code(
            &core.key.hash(Purpose::SsoCode, code.as_bytes()),
            core.now(),
        )
        .await?
        .ok_or_else(bad_code)?;
    if Some(&taken.corp_id) != minted.corp_id.as_ref() {
        return Err(bad_code());
    }
    let role = core.store.get_role(&taken.corp_id, &taken.union_id).await?;
    let (Some(role), Some(user), Some(org)) = (
        role,
        core.store.get_user(&taken.union_id).await?,
        core.store.get_org(&taken.corp_id).await?,
    ) else {
        return Err(bad_code());
    };
    let userid = super::directory::userid_of(core, &taken.corp_id, &taken.union_id)
        .await?
        .ok_or_else(bad_code)?;
    Ok(SsoUser {
        userid,
        corp_id: taken.corp_id,
        corp_name: org.name,
        email: user.email.unwrap_or_default(),
        name: user.nick,
        avatar: user.avatar_url,
        is_admin: role == Role::Admin,
    })
}
