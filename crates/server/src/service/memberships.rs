//! Memberships: who belongs to which org, with which role. The platform changes any; an org's
//! admins change their org's ([`super::policy::org_to_administer`]). An org keeps at least one
//! admin once it has one.

use opending_domain::{CorpId, Membership, Org, Role, UnionId, User};

use super::{bad, not_found, parse_corp_id, policy, users::parse_union_id, Result};
use crate::{Core, Origin};

/// An org a user belongs to, with the user's role there.
#[derive(Debug, Clone)]
pub struct MyOrg {
    /// The org.
    pub org: Org,
    /// The user's role.
    pub role: Role,
}

/// Adds a user to an org or changes their role.
pub async fn set_membership(
    core: &Core,
    origin: &Origin,
    corp_id: &str,
    union_id: &str,
    role: Role,
) -> Result<Membership> {
    let m = Membership {
        corp_id: parse_corp_id(corp_id)?,
        union_id: parse_union_id(union_id)?,
        role,
    };
    policy::org_to_administer(core, origin, &m.corp_id).await?;
    if core.store.get_org(&m.corp_id).await?.is_none() {
        return Err(not_found(format!("org {} does not exist", m.corp_id)));
    }
    if core.store.get_user(&m.union_id).await?.is_none() {
        return Err(not_found(format!("user {} does not exist", m.union_id)));
    }
    if role != Role::Admin {
        keep_an_admin(core, &m.corp_id, &m.union_id).await?;
    }
    let joining = core
        .store
        .get_role(&m.corp_id, &m.union_id)
        .await?
        .is_none();
    if joining {
        super::directory::check_mobile_free(core, &m.corp_id, &m.union_id).await?;
    }
    core.store.put_membership(&m).await?;
    if joining {
        announce_joined(core, &m).await?;
    }
    tracing::info!(corp_id = %m.corp_id, union_id = %m.union_id, role = m.role.as_str(), "membership set");
    let event = super::audit::admin_action(core, origin, "set_membership")
        .org(&m.corp_id)
        .detail("user", &m.union_id)
        .detail("role", m.role.as_str());
    super::audit::record(core, origin, event).await?;
    Ok(m)
}

/// Removes a user from an org.
pub async fn remove_membership(
    core: &Core,
    origin: &Origin,
    corp_id: &str,
    union_id: &str,
) -> Result<()> {
    let (corp, user) = (parse_corp_id(corp_id)?, parse_union_id(union_id)?);
    policy::org_to_administer(core, origin, &corp).await?;
    keep_an_admin(core, &corp, &user).await?;
    let userid = super::directory::userid_of(core, &corp, &user).await?;
    core.store.delete_membership(&corp, &user).await?;
    if let Some(userid) = userid {
        super::events::member_left(core, &corp, &userid, user.as_str()).await?;
    }
    tracing::info!(corp_id = %corp, union_id = %user, "membership removed");
    let event = super::audit::admin_action(core, origin, "remove_membership")
        .org(&corp)
        .detail("user", &user);
    super::audit::record(core, origin, event).await?;
    Ok(())
}

/// The orgs a user belongs to, with the user's role in each (orgs that are gone are skipped),
/// in the store's order of memberships.
pub async fn orgs_of(core: &Core, union_id: &UnionId) -> Result<Vec<MyOrg>> {
    let mut out = Vec::new();
    for m in core.store.memberships_of(union_id).await? {
        if let Some(org) = core.store.get_org(&m.corp_id).await? {
            out.push(MyOrg { org, role: m.role });
        }
    }
    Ok(out)
}

/// A user's memberships.
pub async fn memberships_of(core: &Core, union_id: &UnionId) -> Result<Vec<Membership>> {
    Ok(core.store.memberships_of(union_id).await?)
}

/// A user's role in an org, if a member.
pub async fn role_of(core: &Core, corp: &CorpId, union_id: &UnionId) -> Result<Option<Role>> {
    Ok(core.store.get_role(corp, union_id).await?)
}

/// Brings a user's role in an org to a seed file's declaration; whether it changed.
/// Declarations are audited by their caller, as one event; a seed file declares the world and
/// raises no events (docs/events.md).
pub async fn declare_membership(core: &Core, m: &Membership) -> Result<bool> {
    if core.store.get_org(&m.corp_id).await?.is_none() {
        return Err(super::bad(format!(
            "user {}: org {} does not exist",
            m.union_id, m.corp_id
        )));
    }
    match core.store.get_role(&m.corp_id, &m.union_id).await? {
        Some(role) if role == m.role => return Ok(false),
        Some(_) => {}
        None => super::directory::check_mobile_free(core, &m.corp_id, &m.union_id).await?,
    }
    core.store.put_membership(m).await?;
    Ok(true)
}

/// Raises `user_add_org` for a new member (with the userid the membership was given).
async fn announce_joined(core: &Core, m: &Membership) -> Result<()> {
    if let Some(userid) = super::directory::userid_of(core, &m.corp_id, &m.union_id).await? {
        super::events::members_joined(core, &m.corp_id, &[userid]).await?;
    }
    Ok(())
}

/// Memberships with their users (`None` where the user is gone).
pub async fn with_users(
    core: &Core,
    members: Vec<Membership>,
) -> Result<Vec<(Membership, Option<User>)>> {
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        let user = core.store.get_user(&m.union_id).await?;
        out.push((m, user));
    }
    Ok(out)
}

/// Refuses to take the admin role away from (or remove) the org's last admin: an org nobody
/// administers has nobody to install apps, approve requests or appoint a new admin, short of
/// the platform operator. Orgs that never had an admin (possible through seed files) are not
/// affected. The check reads before the write, so two admins demoting each other at the same
/// instant could both succeed; the operator can then appoint one again.
async fn keep_an_admin(core: &Core, corp: &CorpId, leaving: &UnionId) -> Result<()> {
    let members = core.store.members_of(corp).await?;
    let admins: Vec<&UnionId> = members
        .iter()
        .filter(|m| m.role == Role::Admin)
        .map(|m| &m.union_id)
        .collect();
    if admins.len() == 1 && admins[0] == leaving {
        return Err(bad(LAST_ADMIN));
    }
    Ok(())
}

/// The message of a refused change that would leave an org without an admin.
pub const LAST_ADMIN: &str = "this member is the org's last admin: make another member admin first";

/// Adds an existing user to an org (an org admin's "add member"): refuses someone who is a
/// member already, so a typo cannot silently change a role.
pub async fn add_member(
    core: &Core,
    origin: &Origin,
    corp_id: &str,
    who: &str,
    role: Role,
) -> Result<Membership> {
    let corp = parse_corp_id(corp_id)?;
    let user = super::users::find_user(core, who).await?;
    if core.store.get_role(&corp, &user.union_id).await?.is_some() {
        return Err(bad(format!("{} is a member already", user.nick)));
    }
    set_membership(core, origin, corp.as_str(), user.union_id.as_str(), role).await
}

/// An org's members.
pub async fn members(core: &Core, corp_id: &str) -> Result<Vec<Membership>> {
    Ok(core.store.members_of(&parse_corp_id(corp_id)?).await?)
}
