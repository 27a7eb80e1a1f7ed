//! The developer console's rules: who may see and change which app. The operations themselves
//! are the admin API's and the CLI's ([`super::admin`], [`super::permissions`],
//! [`super::users`]); this module only decides whether a signed-in user may run them.
//!
//! The rules (docs/console.md):
//! - a user sees the apps owned by the orgs they are a member of, and nothing else: an app of
//!   another org answers `NotFound`, exactly as an app that does not exist, so a member of org A
//!   cannot even learn which clientIds org B uses;
//! - any member of an org may create an app owned by it, and becomes its creator;
//! - the app's creator and the owner org's admins may change, rotate and delete it; other
//!   members see it read-only (`PermissionDenied` on a change).

use opending_domain::{
    ApiError, App, ClientId, Distribution, ErrorCode, Org, PermissionPoint, Role, User,
};
use opending_store::{AppProfile, UriKind};

use super::{
    admin::{self, AppView, NewApp},
    bad, not_found, permissions,
    users::{self, AppUris},
    Result,
};
use crate::Core;

/// An org the user belongs to, with the user's role there.
#[derive(Debug, Clone)]
pub struct MyOrg {
    /// The org.
    pub org: Org,
    /// The user's role.
    pub role: Role,
}

/// An app as the console shows it to one user.
#[derive(Debug, Clone)]
pub struct ConsoleApp {
    /// The app.
    pub app: App,
    /// Its owner org.
    pub owner: Org,
    /// Icon and creator.
    pub profile: AppProfile,
    /// Whether this user may change it (creator or owner org admin).
    pub can_manage: bool,
}

/// The orgs a user is a member of, by name.
pub async fn my_orgs(core: &Core, user: &User) -> Result<Vec<MyOrg>> {
    let mut out = Vec::new();
    for m in core.store.memberships_of(&user.union_id).await? {
        if let Some(org) = core.store.get_org(&m.corp_id).await? {
            out.push(MyOrg { org, role: m.role });
        }
    }
    out.sort_by(|a, b| a.org.name.cmp(&b.org.name));
    Ok(out)
}

/// The apps owned by the user's orgs, newest first, with their owner org.
pub async fn my_apps(core: &Core, user: &User) -> Result<Vec<(App, Org)>> {
    let mut out = Vec::new();
    for m in my_orgs(core, user).await? {
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

fn no_such_app(client_id: &str) -> super::Error {
    not_found(format!("app {client_id} does not exist"))
}

/// An app the user may see; `NotFound` when it does not exist *or* belongs to an org the user
/// is not a member of (one answer for both).
pub async fn open_app(core: &Core, user: &User, client_id: &str) -> Result<ConsoleApp> {
    let Ok(id) = ClientId::parse(client_id) else {
        return Err(no_such_app(client_id));
    };
    let Some(app) = core.store.get_app(&id).await? else {
        return Err(no_such_app(client_id));
    };
    let Some(role) = core
        .store
        .get_role(&app.owner_corp_id, &user.union_id)
        .await?
    else {
        return Err(no_such_app(client_id));
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
    let can_manage = role == Role::Admin || profile.created_by.as_ref() == Some(&user.union_id);
    Ok(ConsoleApp {
        app,
        owner,
        profile,
        can_manage,
    })
}

/// An app the user may change; `PermissionDenied` for a member who is neither its creator nor
/// an admin of its owner org.
pub async fn manage_app(core: &Core, user: &User, client_id: &str) -> Result<ConsoleApp> {
    let app = open_app(core, user, client_id).await?;
    if !app.can_manage {
        return Err(ApiError::with_message(
            ErrorCode::PermissionDenied,
            "only the app's creator and the admins of its org may change it",
        )
        .into());
    }
    Ok(app)
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

/// Creates an app owned by `corp_id`, one of the user's orgs; the answer carries the client
/// secret, shown this once.
pub async fn create_app(
    core: &Core,
    origin: &crate::Origin,
    user: &User,
    corp_id: &str,
    name: &str,
    distribution: Distribution,
    icon_url: &str,
) -> Result<AppView> {
    let icon_url = check_icon_url(icon_url)?;
    let corp = super::parse_corp_id(corp_id)
        .map_err(|_| not_found(format!("org {corp_id} does not exist")))?;
    if core.store.get_role(&corp, &user.union_id).await?.is_none() {
        return Err(not_found(format!("org {corp_id} does not exist")));
    }
    let view = admin::create_app(
        core,
        origin,
        NewApp {
            name: name.to_owned(),
            owner_corp_id: corp_id.to_owned(),
            distribution,
            client_id: None,
            client_secret: None,
        },
    )
    .await?;
    let id = super::parse_client_id(&view.client_id)?;
    core.store.set_app_creator(&id, &user.union_id).await?;
    if !icon_url.is_empty() {
        core.store.set_app_icon(&id, &icon_url).await?;
    }
    tracing::info!(client_id = %id, union_id = %user.union_id, "app created in the console");
    Ok(view)
}

/// Changes an app's name and icon.
pub async fn update_app(
    core: &Core,
    user: &User,
    client_id: &str,
    name: &str,
    icon_url: &str,
) -> Result<()> {
    let app = manage_app(core, user, client_id).await?;
    let name = opending_domain::org::parse_name("name", name).map_err(bad)?;
    let icon_url = check_icon_url(icon_url)?;
    core.store.rename_app(&app.app.client_id, &name).await?;
    core.store
        .set_app_icon(&app.app.client_id, &icon_url)
        .await?;
    Ok(())
}

/// Gives the app a new client secret (shown this once) and revokes its tokens.
pub async fn rotate_secret(
    core: &Core,
    origin: &crate::Origin,
    user: &User,
    client_id: &str,
) -> Result<AppView> {
    let app = manage_app(core, user, client_id).await?;
    admin::rotate_secret(core, origin, app.app.client_id.as_str(), None).await
}

/// Deletes the app with its installations and tokens.
pub async fn delete_app(
    core: &Core,
    origin: &crate::Origin,
    user: &User,
    client_id: &str,
) -> Result<()> {
    let app = manage_app(core, user, client_id).await?;
    admin::delete_app(core, origin, app.app.client_id.as_str()).await
}

/// The app's registered redirect URIs and origins.
pub async fn uris(core: &Core, app: &ConsoleApp) -> Result<AppUris> {
    users::app_uris(core, app.app.client_id.as_str()).await
}

fn one_uri(kind: UriKind, uri: &str) -> AppUris {
    let uri = uri.trim().to_owned();
    match kind {
        UriKind::Redirect => AppUris {
            redirect_uris: vec![uri],
            origins: vec![],
        },
        UriKind::Origin => AppUris {
            redirect_uris: vec![],
            origins: vec![uri],
        },
    }
}

/// Registers a redirect URI or an openAuth origin.
pub async fn add_uri(
    core: &Core,
    user: &User,
    client_id: &str,
    kind: UriKind,
    uri: &str,
) -> Result<()> {
    let app = manage_app(core, user, client_id).await?;
    users::add_app_uris(core, app.app.client_id.as_str(), &one_uri(kind, uri)).await?;
    Ok(())
}

/// Unregisters a redirect URI or an openAuth origin.
pub async fn remove_uri(
    core: &Core,
    user: &User,
    client_id: &str,
    kind: UriKind,
    uri: &str,
) -> Result<()> {
    let app = manage_app(core, user, client_id).await?;
    users::remove_app_uris(core, app.app.client_id.as_str(), &one_uri(kind, uri)).await?;
    Ok(())
}

/// The points the app added.
pub async fn points(core: &Core, app: &ConsoleApp) -> Result<Vec<PermissionPoint>> {
    permissions::app_points(core, app.app.client_id.as_str()).await
}

/// Adds a catalogue point to the app.
pub async fn add_point(core: &Core, user: &User, client_id: &str, code: &str) -> Result<()> {
    let app = manage_app(core, user, client_id).await?;
    permissions::add_app_point(core, app.app.client_id.as_str(), code.trim()).await?;
    Ok(())
}

/// Removes a point from the app.
pub async fn remove_point(core: &Core, user: &User, client_id: &str, code: &str) -> Result<()> {
    let app = manage_app(core, user, client_id).await?;
    permissions::remove_app_point(core, app.app.client_id.as_str(), code.trim()).await?;
    Ok(())
}
