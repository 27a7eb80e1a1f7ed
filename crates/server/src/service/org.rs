//! What an org admin may do to the org's installed third-party apps, on top of the operator's
//! functions in [`super::admin`]: the same writes, with the org fixed by the admin's page and
//! the extra checks a person clicking buttons needs (installing twice, resuming what is not
//! there).

use opending_domain::{Installation, InstallationStatus};

use super::{admin, bad, not_found, parse_client_id, parse_corp_id, Result};
use crate::Core;

/// Installs a third-party app that is not installed in the org yet.
pub async fn install_new(
    core: &Core,
    origin: &crate::Origin,
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
    admin::install(core, origin, app.as_str(), corp.as_str()).await
}

/// Lets a suspended installation's app get tokens again.
pub async fn resume(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<Installation> {
    existing(core, client_id, corp_id).await?;
    admin::install(core, origin, client_id, corp_id).await
}

/// Removes an installation (and the app's tokens in the org).
pub async fn uninstall(
    core: &Core,
    origin: &crate::Origin,
    client_id: &str,
    corp_id: &str,
) -> Result<()> {
    existing(core, client_id, corp_id).await?;
    admin::uninstall(core, origin, client_id, corp_id).await
}

/// The org's installation of an app, or 404.
pub async fn existing(core: &Core, client_id: &str, corp_id: &str) -> Result<Installation> {
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    core.store
        .get_installation(&app, &corp)
        .await?
        .ok_or_else(|| not_found(format!("{app} is not installed in this org")))
}

/// An org by id, if it exists.
pub async fn find(
    core: &Core,
    corp: &opending_domain::CorpId,
) -> Result<Option<opending_domain::org::Org>> {
    Ok(core.store.get_org(corp).await?)
}

/// A user's role in an org, if a member.
pub async fn role_of(
    core: &Core,
    corp: &opending_domain::CorpId,
    union_id: &opending_domain::UnionId,
) -> Result<Option<opending_domain::Role>> {
    Ok(core.store.get_role(corp, union_id).await?)
}

/// An app's name, if the app exists.
pub async fn app_name(core: &Core, client: &opending_domain::ClientId) -> Result<Option<String>> {
    Ok(core.store.get_app(client).await?.map(|a| a.name))
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
