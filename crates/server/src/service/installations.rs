//! Installations of third-party apps in orgs: installing, suspending, resuming and removing
//! them, the lists, and a seed file's declaration. The platform may change any; an org's
//! admins change their org's ([`super::policy::org_to_administer`]), with the extra checks a
//! person clicking buttons needs (installing twice, resuming what is not there).
//!
//! Suspending or removing an installation deletes the app's tokens in that org in the same
//! transaction, so it takes effect on the very next request.

use opending_domain::{
    event::EventType, ClientId, CorpId, Distribution, Installation, InstallationStatus,
};
use opending_store::InstallationFilter;

use super::{audit, bad, not_found, parse_client_id, parse_corp_id, policy, Declared, Result};
use crate::{Core, Origin};

/// An installation as the admin API shows it.
pub type InstallationView = Installation;

/// Installs a third-party app in an org, or reactivates a suspended installation.
pub async fn install(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<Installation> {
    let (_, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    policy::org_to_administer(core, origin, &corp).await?;
    set_installation(core, origin, client_id, corp_id, InstallationStatus::Active).await
}

/// Suspends an installation: the app's tokens there are revoked and new ones refused.
pub async fn suspend(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<Installation> {
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    policy::org_to_administer(core, origin, &corp).await?;
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

/// Writes an installation's status; the caller checked the actor's rights.
async fn set_installation(
    core: &Core,
    origin: &Origin,
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
    let before = existing.as_ref().map(|e| e.status);
    let inst = Installation {
        created_at: existing.map(|e| e.created_at).unwrap_or_else(|| core.now()),
        client_id,
        corp_id,
        status,
    };
    core.store.put_installation(&inst).await?;
    announce(core, &inst, before).await?;
    tracing::info!(client_id = %inst.client_id, corp_id = %inst.corp_id, status = inst.status.as_str(), "installation set");
    let event = audit::admin_action(core, origin, "set_installation")
        .app(&inst.client_id)
        .org(&inst.corp_id)
        .detail("status", inst.status.as_str());
    audit::record(core, origin, event).await?;
    Ok(inst)
}

/// Raises the event of an installation's change from `before` (none: a new installation).
async fn announce(
    core: &Core,
    inst: &Installation,
    before: Option<InstallationStatus>,
) -> Result<()> {
    use InstallationStatus::{Active, Suspended};
    let kind = match (before, inst.status) {
        (None, _) => EventType::OrgSuiteAuth,
        (Some(Suspended), Active) => EventType::OrgMicroAppRestore,
        (Some(Active), Suspended) => EventType::OrgMicroAppStop,
        _ => return Ok(()),
    };
    super::events::installation_changed(core, &inst.client_id, &inst.corp_id, kind).await
}

/// Removes an installation and the app's tokens in that org.
pub async fn uninstall(core: &Core, origin: &Origin, client_id: &str, corp_id: &str) -> Result<()> {
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    policy::org_to_administer(core, origin, &corp).await?;
    let existed = core.store.get_installation(&app, &corp).await?.is_some();
    core.store.delete_installation(&app, &corp).await?;
    if existed {
        super::events::installation_changed(core, &app, &corp, EventType::OrgSuiteRelieve).await?;
    }
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

/// Installs a third-party app that is not installed in the org yet.
pub async fn install_new(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<Installation> {
    let client_id = client_id.trim();
    if client_id.is_empty() {
        return Err(bad("give the app's clientId"));
    }
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    if let Some(existing) = core.store.get_installation(&app, &corp).await? {
        return Err(bad(match existing.status {
            InstallationStatus::Active => format!("{app} is installed already"),
            InstallationStatus::Suspended => {
                format!("{app} is installed already, suspended: resume it instead")
            }
        }));
    }
    install(core, origin, app.as_str(), corp.as_str()).await
}

/// Lets a suspended installation's app get tokens again.
pub async fn resume(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<Installation> {
    existing(core, client_id, corp_id).await?;
    install(core, origin, client_id, corp_id).await
}

/// Removes an installation that exists (and the app's tokens in the org); `NotFound` for one
/// that does not.
pub async fn uninstall_existing(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<()> {
    existing(core, client_id, corp_id).await?;
    uninstall(core, origin, client_id, corp_id).await
}

/// The org's installation of an app, or 404.
pub async fn existing(core: &Core, client_id: &str, corp_id: &str) -> Result<Installation> {
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    core.store
        .get_installation(&app, &corp)
        .await?
        .ok_or_else(|| not_found(format!("{app} is not installed in this org")))
}

/// An installation as the org's installations tab shows it.
#[derive(Debug, Clone)]
pub struct InstallationRow {
    /// The installation.
    pub installation: Installation,
    /// The app's name (empty when the app is gone).
    pub app_name: String,
    /// The name of the org that owns the app (empty when unknown).
    pub owner_name: String,
    /// The app-type points the org granted it.
    pub granted: Vec<String>,
}

/// `installations` with their app, its owner org and the points granted.
pub async fn installation_rows(
    core: &Core,
    installations: Vec<Installation>,
) -> Result<Vec<InstallationRow>> {
    let mut rows = Vec::with_capacity(installations.len());
    for i in installations {
        let app = core.store.get_app(&i.client_id).await?;
        let owner_name = match &app {
            Some(a) => core.store.get_org(&a.owner_corp_id).await?.map(|o| o.name),
            None => None,
        };
        let granted = core
            .store
            .list_org_grants(&i.client_id, &i.corp_id)
            .await?
            .into_iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        rows.push(InstallationRow {
            installation: i,
            app_name: app.map(|a| a.name).unwrap_or_default(),
            owner_name: owner_name.unwrap_or_default(),
            granted,
        });
    }
    Ok(rows)
}

/// Brings an installation to a seed file's declaration (its status). Declarations are audited
/// by their caller, as one event.
pub async fn declare_installation(
    core: &Core,
    client_id: &ClientId,
    corp_id: &CorpId,
    status: InstallationStatus,
) -> Result<Declared> {
    let invalid = super::bad;
    let app = core
        .store
        .get_app(client_id)
        .await?
        .ok_or_else(|| invalid(format!("installation: app {client_id} does not exist")))?;
    if app.distribution == Distribution::Internal {
        return Err(invalid(format!(
            "installation: {client_id} is an internal app and cannot be installed"
        )));
    }
    if core.store.get_org(corp_id).await?.is_none() {
        return Err(invalid(format!(
            "installation: org {corp_id} does not exist"
        )));
    }
    let existing = core.store.get_installation(client_id, corp_id).await?;
    if existing.as_ref().is_some_and(|e| e.status == status) {
        return Ok(Declared::Unchanged);
    }
    let created = existing.is_none();
    core.store
        .put_installation(&Installation {
            client_id: client_id.clone(),
            corp_id: corp_id.clone(),
            status,
            created_at: existing.map(|e| e.created_at).unwrap_or_else(|| core.now()),
        })
        .await?;
    Ok(if created {
        Declared::Created
    } else {
        Declared::Updated(vec!["status"])
    })
}
