//! Who may see and change which app: the one place the audiences' rights are written. Every
//! face (admin API, CLI, seed, demo, operator pages, developer console) calls the same resource
//! functions ([`super::apps`], [`super::points`]); those ask this module, with the call's
//! [`Origin`], before they change anything.
//!
//! The rules (docs/console.md):
//! - the platform (the operator at the CLI, seed files, the demo, the admin key's holder) may
//!   see and change every app;
//! - a signed-in person sees the apps owned by the orgs they are a member of, and nothing else:
//!   an app of another org answers `NotFound`, exactly as an app that does not exist, so a
//!   member of org A cannot even learn which clientIds org B uses;
//! - any member of an org may create an app owned by it, and becomes its creator;
//! - the app's creator and the owner org's admins may change, rotate and delete it; other
//!   members see it read-only (`PermissionDenied` on a change);
//! - a request no guard vouched for may change nothing.

use opending_domain::{ApiError, App, ClientId, CorpId, ErrorCode, Org, Role, UnionId};
use opending_store::AppProfile;

use super::{not_found, parse_client_id, parse_corp_id, Result};
use crate::{origin::Rights, Core, Origin};

/// An app as one actor may see it.
#[derive(Debug, Clone)]
pub struct AppAccess {
    /// The app.
    pub app: App,
    /// Its owner org.
    pub owner: Org,
    /// Icon and creator.
    pub profile: AppProfile,
    /// Whether this actor may change it.
    pub can_manage: bool,
}

fn no_such_app(client_id: &str) -> super::Error {
    not_found(format!("app {client_id} does not exist"))
}

fn nobody() -> super::Error {
    ApiError::with_message(ErrorCode::PermissionDenied, "sign in to make this change").into()
}

/// The signed-in member acting, if the call is a member's.
fn member(origin: &Origin) -> Result<Option<UnionId>> {
    match origin.rights() {
        Rights::Platform => Ok(None),
        Rights::Member(u) => UnionId::parse(u).map(Some).map_err(|_| nobody()),
        Rights::Nobody => Err(nobody()),
    }
}

/// An app the actor may see. For a member, `NotFound` when it does not exist *or* belongs to
/// an org they are not a member of (one answer for both); for the platform, a malformed
/// clientId is `InvalidParameter`.
pub async fn app_to_read(core: &Core, origin: &Origin, client_id: &str) -> Result<AppAccess> {
    let who = member(origin)?;
    let id = match (&who, ClientId::parse(client_id)) {
        (_, Ok(id)) => id,
        (Some(_), Err(_)) => return Err(no_such_app(client_id)),
        (None, Err(_)) => parse_client_id(client_id)?,
    };
    let app = core
        .store
        .get_app(&id)
        .await?
        .ok_or_else(|| no_such_app(client_id))?;
    let role = match &who {
        None => None,
        Some(u) => match core.store.get_role(&app.owner_corp_id, u).await? {
            Some(role) => Some(role),
            None => return Err(no_such_app(client_id)),
        },
    };
    let owner = core
        .store
        .get_org(&app.owner_corp_id)
        .await?
        .ok_or_else(|| no_such_app(client_id))?;
    let profile = core
        .store
        .app_profile(&id)
        .await?
        .ok_or_else(|| no_such_app(client_id))?;
    let can_manage = match (&who, role) {
        (None, _) => true,
        (Some(_), Some(Role::Admin)) => true,
        (Some(u), _) => profile.created_by.as_ref() == Some(u),
    };
    Ok(AppAccess {
        app,
        owner,
        profile,
        can_manage,
    })
}

/// An app the actor may change; `PermissionDenied` for a member who is neither its creator
/// nor an admin of its owner org.
pub async fn app_to_change(core: &Core, origin: &Origin, client_id: &str) -> Result<AppAccess> {
    let app = app_to_read(core, origin, client_id).await?;
    if !app.can_manage {
        return Err(ApiError::with_message(
            ErrorCode::PermissionDenied,
            "only the app's creator and the admins of its org may change it",
        )
        .into());
    }
    Ok(app)
}

/// The org an app is being created in, if the actor may create apps there; for a member,
/// `NotFound` unless they belong to it. Returns the creator to record (the member).
pub async fn org_to_create_app_in(
    core: &Core,
    origin: &Origin,
    corp_id: &str,
) -> Result<(CorpId, Option<UnionId>)> {
    let org_missing = || not_found(format!("org {corp_id} does not exist"));
    match member(origin)? {
        None => Ok((parse_corp_id(corp_id)?, None)),
        Some(u) => {
            let corp = CorpId::parse(corp_id).map_err(|_| org_missing())?;
            if core.store.get_role(&corp, &u).await?.is_none() {
                return Err(org_missing());
            }
            Ok((corp, Some(u)))
        }
    }
}

/// Checks that the actor may administer `corp`: the platform, or an admin of the org
/// (`NotFound` for a non-member, as for an org that does not exist; `PermissionDenied` for a
/// member who is not an admin).
pub async fn org_to_administer(core: &Core, origin: &Origin, corp: &CorpId) -> Result<()> {
    let Some(u) = member(origin)? else {
        return Ok(());
    };
    match core.store.get_role(corp, &u).await? {
        Some(Role::Admin) => Ok(()),
        Some(Role::Member) => Err(ApiError::with_message(
            ErrorCode::PermissionDenied,
            "only the org's admins may change this",
        )
        .into()),
        None => Err(not_found(format!("org {corp} does not exist"))),
    }
}

/// Checks that the actor is the platform (the operator, the admin key's holder, the
/// emulator): orgs, users and token revocation are nobody else's to change.
pub fn platform_only(origin: &Origin) -> Result<()> {
    match origin.rights() {
        Rights::Platform => Ok(()),
        Rights::Member(_) => Err(ApiError::with_message(
            ErrorCode::PermissionDenied,
            "only the platform operator may make this change",
        )
        .into()),
        Rights::Nobody => Err(nobody()),
    }
}
