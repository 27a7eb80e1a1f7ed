//! Administration: orgs, apps, installations and token revocation. One service layer behind both
//! the `opending admin` CLI and the `/admin/v1/` JSON API.
//!
//! Every change that withdraws a right (secret rotation, app deletion, suspension, uninstall,
//! revocation) deletes the affected tokens in the same transaction, so it takes effect on the
//! very next request.

use opending_domain::{
    org::parse_name, token::access_token_hash, App, ClientId, CorpId, Distribution, Installation,
    InstallationStatus, Org, OrgAuthInfo, Secret,
};
use opending_store::InstallationFilter;
use serde::{Deserialize, Serialize};

use super::{audit, bad, not_found, parse_client_id, parse_corp_id, Result};
use crate::Core;
use opending_domain::AuditKind;

/// An org as the admin API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgView {
    /// corpId.
    pub corp_id: String,
    /// Display name.
    pub name: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

impl From<Org> for OrgView {
    fn from(o: Org) -> Self {
        Self {
            corp_id: o.corp_id.into(),
            name: o.name,
            created_at: o.created_at.0,
        }
    }
}

/// An app as the admin API shows it; the secret only right after creation or rotation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    /// clientId.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Owner org's corpId.
    pub owner_corp_id: String,
    /// `internal` or `third-party`.
    pub distribution: Distribution,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// The client secret: present only in the answer that created or rotated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl AppView {
    fn new(a: App, secret: Option<&Secret>) -> Self {
        Self {
            client_id: a.client_id.into(),
            name: a.name,
            owner_corp_id: a.owner_corp_id.into(),
            distribution: a.distribution,
            created_at: a.created_at.0,
            client_secret: secret.map(|s| s.expose().to_owned()),
        }
    }
}

/// An installation as the admin API shows it.
pub type InstallationView = Installation;

/// Input for creating an org.
#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewOrg {
    /// Display name.
    pub name: String,
    /// A chosen corpId; generated when absent.
    #[serde(default)]
    pub corp_id: Option<String>,
}

/// Input for creating an app.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewApp {
    /// Display name.
    pub name: String,
    /// Owner org.
    pub owner_corp_id: String,
    /// `internal` or `third-party`.
    pub distribution: Distribution,
    /// A chosen clientId; generated when absent.
    #[serde(default)]
    pub client_id: Option<String>,
    /// A chosen client secret (at least 16 characters); generated when absent.
    #[serde(default)]
    pub client_secret: Option<Secret>,
}

/// Creates an org.
pub async fn create_org(core: &Core, origin: &crate::Origin, input: NewOrg) -> Result<OrgView> {
    let name = parse_name("name", &input.name).map_err(bad)?;
    let corp_id = match input.corp_id.as_deref() {
        Some(c) => parse_corp_id(c)?,
        None => core.with_rng(|rng| CorpId::generate(rng)),
    };
    let org = Org {
        corp_id,
        name,
        created_at: core.now(),
    };
    core.store.create_org(&org).await?;
    tracing::info!(corp_id = %org.corp_id, "org created");
    audit::record(
        core,
        origin,
        audit::admin_action(core, origin, "create_org").org(&org.corp_id),
    )
    .await?;
    Ok(org.into())
}

/// All orgs.
pub async fn list_orgs(core: &Core) -> Result<Vec<OrgView>> {
    Ok(core
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One org.
pub async fn show_org(core: &Core, corp_id: &str) -> Result<OrgView> {
    let id = parse_corp_id(corp_id)?;
    core.store
        .get_org(&id)
        .await?
        .map(Into::into)
        .ok_or_else(|| not_found(format!("org {id} does not exist")))
}

/// An org's certification info (level 0 when never set).
pub async fn org_auth_info(core: &Core, corp_id: &str) -> Result<OrgAuthInfo> {
    let id = parse_corp_id(corp_id)?;
    if core.store.get_org(&id).await?.is_none() {
        return Err(not_found(format!("org {id} does not exist")));
    }
    Ok(core.store.get_org_auth_info(&id).await?.unwrap_or_default())
}

/// Sets an org's certification info.
pub async fn set_org_auth_info(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
    info: OrgAuthInfo,
) -> Result<OrgAuthInfo> {
    let id = parse_corp_id(corp_id)?;
    info.validate().map_err(bad)?;
    if core.store.get_org(&id).await?.is_none() {
        return Err(not_found(format!("org {id} does not exist")));
    }
    core.store.put_org_auth_info(&id, &info).await?;
    tracing::info!(corp_id = %id, auth_level = info.auth_level, "org certification info set");
    let event = audit::admin_action(core, origin, "set_org_auth_info")
        .org(&id)
        .detail("authLevel", info.auth_level);
    audit::record(core, origin, event).await?;
    Ok(info)
}

/// Shortest client secret an operator may choose.
pub const MIN_SECRET_LEN: usize = 16;

/// Checks a client secret chosen by an operator or a seed file.
pub fn check_chosen_secret(s: &Secret) -> Result<()> {
    if s.expose().len() < MIN_SECRET_LEN || s.expose().len() > 256 {
        return Err(bad(format!(
            "clientSecret must be {MIN_SECRET_LEN} to 256 characters"
        )));
    }
    if s.expose()
        .chars()
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(bad(
            "clientSecret must not contain spaces or control characters",
        ));
    }
    Ok(())
}

/// Creates an app; the answer carries the client secret, shown this once.
pub async fn create_app(core: &Core, origin: &crate::Origin, input: NewApp) -> Result<AppView> {
    let name = parse_name("name", &input.name).map_err(bad)?;
    let owner = parse_corp_id(&input.owner_corp_id)?;
    if core.store.get_org(&owner).await?.is_none() {
        return Err(not_found(format!("owner org {owner} does not exist")));
    }
    let third_party = input.distribution == Distribution::ThirdParty;
    let client_id = match input.client_id.as_deref() {
        Some(c) => parse_client_id(c)?,
        None => core.with_rng(|rng| ClientId::generate(rng, third_party)),
    };
    let secret = match input.client_secret {
        Some(s) => {
            check_chosen_secret(&s)?;
            s
        }
        None => core.with_rng(|rng| Secret::generate_client_secret(rng)),
    };
    let app = App {
        client_id,
        name,
        owner_corp_id: owner,
        distribution: input.distribution,
        secret_hash: core.hash_client_secret(&secret),
        created_at: core.now(),
    };
    core.store.create_app(&app).await?;
    tracing::info!(client_id = %app.client_id, "app created");
    let event = audit::admin_action(core, origin, "create_app")
        .app(&app.client_id)
        .org(&app.owner_corp_id);
    audit::record(core, origin, event).await?;
    Ok(AppView::new(app, Some(&secret)))
}

/// Apps, optionally of one owner org.
pub async fn list_apps(core: &Core, owner: Option<&str>) -> Result<Vec<AppView>> {
    let owner = owner.map(parse_corp_id).transpose()?;
    let apps = core.store.list_apps(owner.as_ref()).await?;
    Ok(apps.into_iter().map(|a| AppView::new(a, None)).collect())
}

/// One app (without its secret, which is not stored).
pub async fn show_app(core: &Core, client_id: &str) -> Result<AppView> {
    let id = parse_client_id(client_id)?;
    let app = core.store.get_app(&id).await?;
    app.map(|a| AppView::new(a, None))
        .ok_or_else(|| not_found(format!("app {id} does not exist")))
}

/// Gives an app a new client secret (shown this once) and revokes all its tokens.
pub async fn rotate_secret(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    chosen: Option<Secret>,
) -> Result<AppView> {
    let id = parse_client_id(client_id)?;
    let chosen_given = chosen.is_some();
    let secret = match chosen {
        Some(s) => {
            check_chosen_secret(&s)?;
            s
        }
        None => core.with_rng(|rng| Secret::generate_client_secret(rng)),
    };
    core.store
        .set_app_secret(&id, &core.hash_client_secret(&secret))
        .await?;
    let app = core
        .store
        .get_app(&id)
        .await?
        .ok_or_else(|| not_found(format!("app {id} does not exist")))?;
    tracing::info!(client_id = %id, "client secret rotated; app tokens revoked");
    let event = audit::admin_event(core, origin, AuditKind::SecretRotated)
        .app(&id)
        .org(&app.owner_corp_id)
        .detail("chosen", chosen_given);
    audit::record(core, origin, event).await?;
    Ok(AppView::new(app, Some(&secret)))
}

/// Deletes an app with its installations and tokens.
pub async fn delete_app(core: &Core, origin: &crate::Origin, client_id: &str) -> Result<()> {
    let id = parse_client_id(client_id)?;
    core.store.delete_app(&id).await?;
    tracing::info!(client_id = %id, "app deleted");
    audit::record(
        core,
        origin,
        audit::admin_action(core, origin, "delete_app").app(&id),
    )
    .await?;
    Ok(())
}

/// Installs a third-party app in an org, or reactivates a suspended installation.
pub async fn install(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<Installation> {
    set_installation(core, origin, client_id, corp_id, InstallationStatus::Active).await
}

/// Suspends an installation: the app's tokens there are revoked and new ones refused.
pub async fn suspend(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<Installation> {
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    if core.store.get_installation(&app, &corp).await?.is_none() {
        return Err(not_found(format!("{app} is not installed in {corp}")));
    }
    set_installation(
        core,
        origin,
        client_id,
        corp_id,
        InstallationStatus::Suspended,
    )
    .await
}

async fn set_installation(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    corp_id: &str,
    status: InstallationStatus,
) -> Result<Installation> {
    let (client_id, corp_id) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    let app = core
        .store
        .get_app(&client_id)
        .await?
        .ok_or_else(|| not_found(format!("app {client_id} does not exist")))?;
    if app.distribution == Distribution::Internal {
        return Err(bad(format!(
            "{client_id} is an internal app: it runs only in its owner org and cannot be installed"
        )));
    }
    if core.store.get_org(&corp_id).await?.is_none() {
        return Err(not_found(format!("org {corp_id} does not exist")));
    }
    let existing = core.store.get_installation(&client_id, &corp_id).await?;
    let inst = Installation {
        created_at: existing.map(|e| e.created_at).unwrap_or_else(|| core.now()),
        client_id,
        corp_id,
        status,
    };
    core.store.put_installation(&inst).await?;
    tracing::info!(client_id = %inst.client_id, corp_id = %inst.corp_id, status = inst.status.as_str(), "installation set");
    let event = audit::admin_action(core, origin, "set_installation")
        .app(&inst.client_id)
        .org(&inst.corp_id)
        .detail("status", inst.status.as_str());
    audit::record(core, origin, event).await?;
    Ok(inst)
}

/// Removes an installation and the app's tokens in that org.
pub async fn uninstall(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<()> {
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    core.store.delete_installation(&app, &corp).await?;
    tracing::info!(client_id = %app, corp_id = %corp, "app uninstalled; tokens revoked");
    audit::record(
        core,
        origin,
        audit::admin_action(core, origin, "uninstall")
            .app(&app)
            .org(&corp),
    )
    .await?;
    Ok(())
}

/// Installations, filtered by app and/or org.
pub async fn list_installations(
    core: &Core,
    client_id: Option<&str>,
    corp_id: Option<&str>,
) -> Result<Vec<Installation>> {
    let filter = InstallationFilter {
        client_id: client_id.map(parse_client_id).transpose()?,
        corp_id: corp_id.map(parse_corp_id).transpose()?,
    };
    Ok(core.store.list_installations(&filter).await?)
}

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
pub async fn revoke(core: &Core, origin: &crate::Origin, req: RevokeRequest) -> Result<Revoked> {
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
