//! Orgs: creation, the catalogue of orgs, certification info, and a seed file's declaration
//! of an org. Org creation is the platform's (admin API, CLI, operator pages, seed); members
//! administer an org through [`super::memberships`] and [`super::installations`].

use opending_domain::{org::parse_name, CorpId, Org, OrgAuthInfo};
use serde::{Deserialize, Serialize};

use super::{audit, bad, not_found, parse_corp_id, Declared, Result};
use crate::Core;

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

/// Creates an org.
pub async fn create_org(core: &Core, origin: &crate::Origin, input: NewOrg) -> Result<OrgView> {
    super::policy::platform_only(origin)?;
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
    super::policy::org_to_administer(core, origin, &id).await?;
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

/// An org by id, if it exists.
pub async fn find(core: &Core, corp: &CorpId) -> Result<Option<Org>> {
    Ok(core.store.get_org(corp).await?)
}

/// Brings an org to a seed file's declaration: created with `name` when missing, renamed when
/// its name differs. Declarations are audited by their caller, as one event.
pub async fn declare(core: &Core, corp_id: &CorpId, name: &str) -> Result<Declared> {
    let name = parse_name("org name", name).map_err(super::bad)?;
    match core.store.get_org(corp_id).await? {
        None => {
            let org = Org {
                corp_id: corp_id.clone(),
                name,
                created_at: core.now(),
            };
            core.store.create_org(&org).await?;
            Ok(Declared::Created)
        }
        Some(existing) if existing.name != name => {
            core.store.rename_org(corp_id, &name).await?;
            Ok(Declared::Updated(vec!["name"]))
        }
        Some(_) => Ok(Declared::Unchanged),
    }
}

/// Brings an org's certification info to a seed file's declaration; whether it changed.
pub async fn declare_auth_info(core: &Core, corp_id: &CorpId, info: &OrgAuthInfo) -> Result<bool> {
    let current = core
        .store
        .get_org_auth_info(corp_id)
        .await?
        .unwrap_or_default();
    if &current == info {
        return Ok(false);
    }
    core.store.put_org_auth_info(corp_id, info).await?;
    Ok(true)
}
