//! Apps: creation, names and icons, client secrets, deletion, and the redirect URIs and
//! openAuth origins they register. Every face calls these functions; [`super::policy`] decides
//! with the call's origin whether its actor may (the platform: always; a member: the console's
//! rules).
//!
//! Every change that withdraws a right (secret rotation, deletion) deletes the affected tokens
//! in the same transaction, so it takes effect on the very next request.

use opending_domain::{
    org::parse_name, App, AuditKind, ClientId, CorpId, Distribution, Org, Secret, UnionId,
};
use opending_store::UriKind;
use serde::{Deserialize, Serialize};

use super::{
    audit, bad, not_found, parse_client_id, parse_corp_id,
    policy::{self, AppAccess},
    Declared, Result,
};
use crate::{Core, Origin};

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
    /// A third-party app developed for particular orgs (定制应用): any suite ticket accepted.
    pub custom: bool,
    /// The app's agentId (`dd.config`, `apps/authInfo`), derived from its clientId.
    pub agent_id: i64,
    /// The client secret: present only in the answer that created or rotated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl AppView {
    fn new(a: App, secret: Option<&Secret>) -> Self {
        Self {
            custom: a.custom,
            agent_id: a.agent_id(),
            client_id: a.client_id.into(),
            name: a.name,
            owner_corp_id: a.owner_corp_id.into(),
            distribution: a.distribution,
            created_at: a.created_at.0,
            client_secret: secret.map(|s| s.expose().to_owned()),
        }
    }
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
    /// An icon URL (the developer console's form; checked by [`check_icon_url`]).
    #[serde(skip)]
    pub icon_url: String,
    /// A third-party app developed for particular orgs (定制应用): any suite ticket is
    /// accepted from it. Only for `third-party` apps.
    #[serde(default)]
    pub custom: bool,
}

/// Refuses `custom` on an internal app (DingTalk's custom apps are third-party apps).
fn check_custom(distribution: Distribution, custom: bool) -> Result<()> {
    if custom && distribution != Distribution::ThirdParty {
        return Err(bad("only a third-party app can be custom"));
    }
    Ok(())
}

/// The hash and the sealed form of a client secret, as stored.
fn stored_secret(core: &Core, secret: &Secret) -> (opending_domain::KeyedHash, String) {
    let sealed = core.with_rng(|rng| core.key.seal(rng, secret.expose()));
    (core.hash_client_secret(secret), sealed)
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

/// Checks the URL of an app's admin backend (where SSO sends an org admin with `?code=`):
/// empty, or an absolute http(s) URL without whitespace, at most 2,000 characters.
pub fn check_admin_url(url: &str) -> Result<String> {
    let url = url.trim();
    let ok = url.is_empty()
        || ((url.starts_with("https://") || url.starts_with("http://"))
            && url.len() <= 2000
            && !url.contains('#')
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\'));
    if ok {
        Ok(url.to_owned())
    } else {
        Err(bad(format!(
            "admin URL {:?} must be an absolute http(s) URL without a fragment",
            crate::telemetry::cut(url, 100)
        )))
    }
}

/// The URL of an app's admin backend (`""` when none, or no such app).
pub async fn admin_url(core: &Core, client_id: &ClientId) -> Result<String> {
    Ok(core
        .store
        .app_profile(client_id)
        .await?
        .map(|p| p.admin_url)
        .unwrap_or_default())
}

/// A third-party app's settings to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct IsvSettings {
    /// Custom (定制应用: any suite ticket accepted), or not. Only for third-party apps.
    pub custom: Option<bool>,
    /// The URL of its admin backend (`""` removes it).
    pub admin_url: Option<String>,
}

/// Changes a third-party app's settings: all are checked before any is applied, so a refused
/// change leaves the app as it was. Answers the app.
pub async fn update_isv_settings(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    settings: IsvSettings,
) -> Result<AppView> {
    let app = policy::app_to_change(core, origin, client_id).await?.app;
    let admin_url = settings
        .admin_url
        .as_deref()
        .map(check_admin_url)
        .transpose()?;
    if let Some(custom) = settings.custom {
        check_custom(app.distribution, custom)?;
    }
    if let Some(url) = &admin_url {
        core.store.set_app_admin_url(&app.client_id, url).await?;
        let event = audit::admin_action(core, origin, "set_app_admin_url")
            .app(&app.client_id)
            .org(&app.owner_corp_id);
        audit::record(core, origin, event).await?;
    }
    if let Some(custom) = settings.custom.filter(|c| *c != app.custom) {
        core.store.set_app_custom(&app.client_id, custom).await?;
        let event = audit::admin_action(core, origin, "set_app_custom")
            .app(&app.client_id)
            .org(&app.owner_corp_id)
            .detail("custom", custom);
        audit::record(core, origin, event).await?;
    }
    let app = core
        .store
        .get_app(&app.client_id)
        .await?
        .ok_or_else(|| not_found(format!("app {client_id} does not exist")))?;
    Ok(AppView::new(app, None))
}

/// Checks an icon URL: empty, or an absolute https URL (the pages' CSP loads images only
/// from `https:`).
pub fn check_icon_url(url: &str) -> Result<String> {
    let url = url.trim();
    let ok = url.is_empty()
        || (url.starts_with("https://")
            && url.len() > "https://".len()
            && url.len() <= 2000
            && !url.chars().any(|c| c.is_whitespace() || c.is_control()));
    if ok {
        Ok(url.to_owned())
    } else {
        Err(bad(format!(
            "icon URL {url:?} must be an absolute https:// URL"
        )))
    }
}

/// Creates an app; the answer carries the client secret, shown this once. A member creates
/// apps only in their own orgs, and becomes the app's creator.
pub async fn create_app(core: &Core, origin: &Origin, input: NewApp) -> Result<AppView> {
    let icon_url = check_icon_url(&input.icon_url)?;
    let (owner, creator) = policy::org_to_create_app_in(core, origin, &input.owner_corp_id).await?;
    let name = parse_name("name", &input.name).map_err(bad)?;
    if core.store.get_org(&owner).await?.is_none() {
        return Err(not_found(format!("owner org {owner} does not exist")));
    }
    let third_party = input.distribution == Distribution::ThirdParty;
    let client_id = match input.client_id.as_deref() {
        Some(c) => parse_client_id(c)?,
        None => core.with_rng(|rng| ClientId::generate(rng, third_party)),
    };
    check_custom(input.distribution, input.custom)?;
    let secret = chosen_or_new_secret(core, input.client_secret)?;
    let (secret_hash, sealed) = stored_secret(core, &secret);
    let app = App {
        client_id,
        name,
        owner_corp_id: owner,
        distribution: input.distribution,
        secret_hash,
        created_at: core.now(),
        custom: input.custom,
    };
    core.store.create_app(&app, Some(&sealed)).await?;
    if let Some(creator) = &creator {
        core.store.set_app_creator(&app.client_id, creator).await?;
    }
    if !icon_url.is_empty() {
        core.store.set_app_icon(&app.client_id, &icon_url).await?;
    }
    tracing::info!(client_id = %app.client_id, created_by = creator.as_ref().map(UnionId::as_str), "app created");
    let event = audit::admin_action(core, origin, "create_app")
        .app(&app.client_id)
        .org(&app.owner_corp_id);
    audit::record(core, origin, event).await?;
    Ok(AppView::new(app, Some(&secret)))
}

fn chosen_or_new_secret(core: &Core, chosen: Option<Secret>) -> Result<Secret> {
    match chosen {
        Some(s) => {
            check_chosen_secret(&s)?;
            Ok(s)
        }
        None => Ok(core.with_rng(|rng| Secret::generate_client_secret(rng))),
    }
}

/// Apps, optionally of one owner org.
pub async fn list_apps(core: &Core, owner: Option<&str>) -> Result<Vec<AppView>> {
    let owner = owner.map(parse_corp_id).transpose()?;
    let apps = core.store.list_apps(owner.as_ref()).await?;
    Ok(apps.into_iter().map(|a| AppView::new(a, None)).collect())
}

/// The apps owned by a member's orgs, newest first, with their owner org.
pub async fn apps_of_member(core: &Core, union_id: &UnionId) -> Result<Vec<(App, Org)>> {
    let mut out = Vec::new();
    for m in super::memberships::orgs_of(core, union_id).await? {
        for app in core.store.list_apps(Some(&m.org.corp_id)).await? {
            out.push((app, m.org.clone()));
        }
    }
    out.sort_by(|a, b| {
        b.0.created_at
            .0
            .cmp(&a.0.created_at.0)
            .then_with(|| a.0.client_id.as_str().cmp(b.0.client_id.as_str()))
    });
    Ok(out)
}

/// One app (without its secret, which is not stored).
pub async fn show_app(core: &Core, client_id: &str) -> Result<AppView> {
    let id = parse_client_id(client_id)?;
    let app = core.store.get_app(&id).await?;
    app.map(|a| AppView::new(a, None))
        .ok_or_else(|| not_found(format!("app {id} does not exist")))
}

/// An app's name, if the app exists.
pub async fn app_name(core: &Core, client: &ClientId) -> Result<Option<String>> {
    Ok(core.store.get_app(client).await?.map(|a| a.name))
}

/// An app as the actor may see it (the console's app page).
pub async fn open_app(core: &Core, origin: &Origin, client_id: &str) -> Result<AppAccess> {
    policy::app_to_read(core, origin, client_id).await
}

/// Changes an app's name and icon.
pub async fn update_app(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    name: &str,
    icon_url: &str,
) -> Result<()> {
    let app = policy::app_to_change(core, origin, client_id).await?;
    let name = parse_name("name", name).map_err(bad)?;
    let icon_url = check_icon_url(icon_url)?;
    core.store.rename_app(&app.app.client_id, &name).await?;
    core.store
        .set_app_icon(&app.app.client_id, &icon_url)
        .await?;
    Ok(())
}

/// Gives an app a new client secret (shown this once) and revokes all its tokens.
pub async fn rotate_secret(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    chosen: Option<Secret>,
) -> Result<AppView> {
    let chosen_given = chosen.is_some();
    let secret = chosen_or_new_secret(core, chosen)?;
    let id = policy::app_to_change(core, origin, client_id)
        .await?
        .app
        .client_id;
    let (hash, sealed) = stored_secret(core, &secret);
    core.store.set_app_secret(&id, &hash, Some(&sealed)).await?;
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
pub async fn delete_app(core: &Core, origin: &Origin, client_id: &str) -> Result<()> {
    let id = policy::app_to_change(core, origin, client_id)
        .await?
        .app
        .client_id;
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

/// What a seed file declares of an app.
#[derive(Debug, Clone, Copy)]
pub struct AppDeclaration<'a> {
    /// clientId.
    pub client_id: &'a ClientId,
    /// Display name.
    pub name: &'a str,
    /// Owner org.
    pub owner: &'a CorpId,
    /// internal or third-party.
    pub distribution: Distribution,
    /// A fixed client secret, or `None` to generate one at creation (and keep it after).
    pub client_secret: Option<&'a Secret>,
    /// A custom third-party app (定制应用).
    pub custom: bool,
    /// The URL of the app's admin backend (SSO), when declared.
    pub admin_url: Option<&'a str>,
}

/// Brings an app to a seed file's declaration: created when missing (returning a generated
/// secret when none was declared), else renamed and given the declared secret where they
/// differ. The owner and distribution of an existing app cannot change. Declarations are
/// audited by their caller, as one event.
pub async fn declare_app(core: &Core, d: AppDeclaration<'_>) -> Result<(Declared, Option<Secret>)> {
    let invalid = super::bad;
    let name = parse_name("app name", d.name).map_err(invalid)?;
    if core.store.get_org(d.owner).await?.is_none() {
        return Err(invalid(format!(
            "app {}: owner org {} does not exist",
            d.client_id, d.owner
        )));
    }
    check_custom(d.distribution, d.custom).map_err(|_| {
        invalid(format!(
            "app {}: only a third-party app can be custom",
            d.client_id
        ))
    })?;
    let admin_url = d.admin_url.map(check_admin_url).transpose()?;
    let Some(existing) = core.store.get_app(d.client_id).await? else {
        let (secret, generated) = match d.client_secret {
            Some(s) => (s.clone(), None),
            None => {
                let s = core.with_rng(|rng| Secret::generate_client_secret(rng));
                (s.clone(), Some(s))
            }
        };
        let (secret_hash, sealed) = stored_secret(core, &secret);
        core.store
            .create_app(
                &App {
                    client_id: d.client_id.clone(),
                    name,
                    owner_corp_id: d.owner.clone(),
                    distribution: d.distribution,
                    secret_hash,
                    created_at: core.now(),
                    custom: d.custom,
                },
                Some(&sealed),
            )
            .await?;
        if let Some(url) = &admin_url {
            core.store.set_app_admin_url(d.client_id, url).await?;
        }
        return Ok((Declared::Created, generated));
    };
    if &existing.owner_corp_id != d.owner || existing.distribution != d.distribution {
        return Err(invalid(format!(
            "app {} exists with owner {} and distribution {}; a seed cannot change those",
            d.client_id, existing.owner_corp_id, existing.distribution
        )));
    }
    let mut changed = Vec::new();
    if existing.name != name {
        core.store.rename_app(d.client_id, &name).await?;
        changed.push("name");
    }
    if let Some(s) = d.client_secret {
        if !core.client_secret_matches(s, Some(&existing.secret_hash)) {
            let (hash, sealed) = stored_secret(core, s);
            core.store
                .set_app_secret(d.client_id, &hash, Some(&sealed))
                .await?;
            changed.push("clientSecret");
        }
    }
    if existing.custom != d.custom {
        core.store.set_app_custom(d.client_id, d.custom).await?;
        changed.push("custom");
    }
    if let Some(url) = admin_url {
        let profile = core
            .store
            .app_profile(d.client_id)
            .await?
            .unwrap_or_default();
        if profile.admin_url != url {
            core.store.set_app_admin_url(d.client_id, &url).await?;
            changed.push("adminUrl");
        }
    }
    Ok((Declared::from_changes(changed), None))
}

/// An app's registered redirect URIs and openAuth origins.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppUris {
    /// Redirect URIs of the browser login flow (matched exactly).
    pub redirect_uris: Vec<String>,
    /// Origins the openAuth popup may post its result to.
    pub origins: Vec<String>,
}

impl AppUris {
    /// One URI of one kind.
    pub fn one(kind: UriKind, uri: &str) -> Self {
        let uri = uri.trim().to_owned();
        match kind {
            UriKind::Redirect => Self {
                redirect_uris: vec![uri],
                origins: vec![],
            },
            UriKind::Origin => Self {
                redirect_uris: vec![],
                origins: vec![uri],
            },
        }
    }
}
/// Checks a redirect URI: an absolute `https://` URL with a host, no user name or password and
/// no fragment, at most 2000 bytes. Plain `http://` is for loopback hosts only (`localhost`,
/// 127.0.0.0/8, `[::1]`: a redirect that never leaves the machine), except in emulator mode,
/// where test apps run on any host.
pub fn check_redirect_uri(core: &Core, uri: &str) -> Result<()> {
    let refuse = |why: &str| Err(bad(format!("redirect URI {uri:?} {why}")));
    if uri.len() > 2000 || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("must be an absolute https URL of at most 2000 characters, without spaces or control characters");
    }
    // The registered text is what is matched and redirected to, so it must say what the parser
    // reads: a host right after `scheme://` (no `https:///x`, which browsers read as host `x`),
    // and no backslash (read as a slash).
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    let after_scheme = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return refuse("must be an absolute https URL");
    };
    let authority = &uri[after_scheme..];
    let Ok(url) = url::Url::parse(uri) else {
        return refuse("must be an absolute https URL");
    };
    if authority.is_empty() || authority.starts_with('/') || uri.contains('\\') {
        return refuse("must name its host right after the scheme and contain no backslash");
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return refuse("must have no fragment and no user name or password");
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if core.emulator.is_some() || url.host().is_some_and(|h| is_loopback(&h)) => Ok(()),
        "http" if url.host().is_some() => {
            refuse("must use https (plain http is for localhost, 127.0.0.0/8 and [::1] only)")
        }
        _ => refuse("must be an absolute https URL"),
    }
}

/// Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or `[::1]`.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Checks an origin: `scheme://host[:port]`, nothing after.
pub fn check_origin(origin: &str) -> Result<()> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        !r.is_empty() && !r.contains('/') && !r.chars().any(|c| c.is_whitespace() || c.is_control())
    });
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "origin {origin:?} must look like https://host[:port]"
        )))
    }
}

/// An app's URIs.
pub async fn app_uris(core: &Core, client_id: &str) -> Result<AppUris> {
    let id = parse_client_id(client_id)?;
    if core.store.get_app(&id).await?.is_none() {
        return Err(not_found(format!("app {id} does not exist")));
    }
    Ok(AppUris {
        redirect_uris: core.store.app_uris(&id, UriKind::Redirect).await?,
        origins: core.store.app_uris(&id, UriKind::Origin).await?,
    })
}

/// Adds redirect URIs and origins to an app (idempotent); returns the full lists.
pub async fn add_app_uris(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    add: &AppUris,
) -> Result<AppUris> {
    let id = policy::app_to_change(core, origin, client_id)
        .await?
        .app
        .client_id;
    for u in &add.redirect_uris {
        check_redirect_uri(core, u)?;
    }
    for o in &add.origins {
        check_origin(o)?;
    }
    for u in &add.redirect_uris {
        core.store.add_app_uri(&id, UriKind::Redirect, u).await?;
    }
    for o in &add.origins {
        core.store.add_app_uri(&id, UriKind::Origin, o).await?;
    }
    app_uris(core, id.as_str()).await
}

/// Removes redirect URIs and origins from an app; returns the full lists. The unused codes
/// issued for a removed redirect URI are deleted with it: a code is bound to its redirect URI,
/// and one sent to an address the app no longer trusts is never exchanged.
pub async fn remove_app_uris(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    remove: &AppUris,
) -> Result<AppUris> {
    let id = policy::app_to_change(core, origin, client_id)
        .await?
        .app
        .client_id;
    for u in &remove.redirect_uris {
        core.store.remove_app_uri(&id, UriKind::Redirect, u).await?;
    }
    for o in &remove.origins {
        core.store.remove_app_uri(&id, UriKind::Origin, o).await?;
    }
    app_uris(core, id.as_str()).await
}
