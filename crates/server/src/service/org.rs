//! What an org admin may do to the org's installed third-party apps, on top of the operator's
//! functions in [`super::admin`]: the same writes, with the org fixed by the admin's page and
//! the extra checks a person clicking buttons needs (installing twice, resuming what is not
//! there).

use opending_domain::{Installation, InstallationStatus};

use super::{admin, bad, not_found, parse_client_id, parse_corp_id, Result};
use crate::Core;

/// Installs a third-party app that is not installed in the org yet.
pub async fn install_new(core: &Core, client_id: &str, corp_id: &str) -> Result<Installation> {
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
    admin::install(core, app.as_str(), corp.as_str()).await
}

/// Lets a suspended installation's app get tokens again.
pub async fn resume(core: &Core, client_id: &str, corp_id: &str) -> Result<Installation> {
    existing(core, client_id, corp_id).await?;
    admin::install(core, client_id, corp_id).await
}

/// Removes an installation (and the app's tokens in the org).
pub async fn uninstall(core: &Core, client_id: &str, corp_id: &str) -> Result<()> {
    existing(core, client_id, corp_id).await?;
    admin::uninstall(core, client_id, corp_id).await
}

/// The org's installation of an app, or 404.
pub async fn existing(core: &Core, client_id: &str, corp_id: &str) -> Result<Installation> {
    let (app, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    core.store
        .get_installation(&app, &corp)
        .await?
        .ok_or_else(|| not_found(format!("{app} is not installed in this org")))
}
