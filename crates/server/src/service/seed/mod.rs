//! Seed files: a declared world (orgs, apps with fixed credentials, installations) applied at
//! start (`--seed`) or on demand (`opending admin apply`). Applying the same document twice
//! changes nothing. Schema: `docs/seed-file.md`.
//!
//! A seed declares what must exist; it never deletes what it does not mention. The document's
//! shape, ids, names, secrets and duplicates are checked before the first write; references to
//! things in storage are checked as it applies, in order (points, orgs, apps, installations,
//! users), so a failing document may be partly applied — fix it and apply again.

use opending_domain::{org::parse_name, App, Distribution, Installation, Org, Secret};

use super::{
    permissions::{self, Declared},
    Result,
};
use crate::Core;

mod doc;

use doc::invalid;
pub use doc::{
    parse, ApplyReport, SeedApp, SeedDoc, SeedInstallation, SeedMembership, SeedOrg, SeedUser,
};

/// Applies a document. Idempotent: a second application reports everything unchanged.
pub async fn apply(core: &Core, origin: &crate::Origin, doc: &SeedDoc) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    let now = core.now();
    // The users' argon2 work (tens of milliseconds each: most of a start-up with a seed) runs
    // on the blocking pool while the rest of the document is applied.
    let mut passwords = Vec::with_capacity(doc.users.len());
    for u in &doc.users {
        passwords.push(start_password_check(core, u).await?);
    }
    for p in &doc.points {
        let id = format!("point {}", p.code);
        match permissions::declare_point(core, p.clone()).await? {
            Declared::Created => report.created.push(id),
            Declared::Updated => report.updated.push(id),
            Declared::Unchanged => report.unchanged += 1,
        }
    }
    for o in &doc.orgs {
        let name = parse_name("org name", &o.name).map_err(invalid)?;
        match core.store.get_org(&o.corp_id).await? {
            None => {
                core.store
                    .create_org(&Org {
                        corp_id: o.corp_id.clone(),
                        name,
                        created_at: now,
                    })
                    .await?;
                report.created.push(format!("org {}", o.corp_id));
            }
            Some(existing) if existing.name != name => {
                core.store.rename_org(&o.corp_id, &name).await?;
                report.updated.push(format!("org {}: name", o.corp_id));
            }
            Some(_) => report.unchanged += 1,
        }
        if let Some(info) = &o.auth_info {
            let current = core
                .store
                .get_org_auth_info(&o.corp_id)
                .await?
                .unwrap_or_default();
            if &current != info {
                core.store.put_org_auth_info(&o.corp_id, info).await?;
                report.updated.push(format!("org {}: authInfo", o.corp_id));
            }
        }
    }
    for a in &doc.apps {
        apply_app(core, a, &mut report).await?;
    }
    for i in &doc.installations {
        let app =
            core.store.get_app(&i.client_id).await?.ok_or_else(|| {
                invalid(format!("installation: app {} does not exist", i.client_id))
            })?;
        if app.distribution == Distribution::Internal {
            return Err(invalid(format!(
                "installation: {} is an internal app and cannot be installed",
                i.client_id
            )));
        }
        if core.store.get_org(&i.corp_id).await?.is_none() {
            return Err(invalid(format!(
                "installation: org {} does not exist",
                i.corp_id
            )));
        }
        let existing = core
            .store
            .get_installation(&i.client_id, &i.corp_id)
            .await?;
        let id = format!("installation {}@{}", i.client_id, i.corp_id);
        match existing {
            Some(e) if e.status == i.status => report.unchanged += 1,
            other => {
                let created = other.is_none();
                core.store
                    .put_installation(&Installation {
                        client_id: i.client_id.clone(),
                        corp_id: i.corp_id.clone(),
                        status: i.status,
                        created_at: other.map(|e| e.created_at).unwrap_or(now),
                    })
                    .await?;
                if created {
                    report.created.push(id.clone());
                } else {
                    report.updated.push(format!("{id}: status"));
                }
            }
        }
        if !i.grants.is_empty() {
            let before = core.store.list_org_grants(&i.client_id, &i.corp_id).await?;
            let after = permissions::grant(
                core,
                origin,
                i.client_id.as_str(),
                i.corp_id.as_str(),
                &i.grants,
            )
            .await
            .map_err(|e| match e {
                super::Error::Api(a) => invalid(format!("{id}: {}", a.message())),
                other => other,
            })?;
            if before != after {
                report.updated.push(format!("{id}: grants"));
            }
        }
    }
    for (u, password) in doc.users.iter().zip(passwords) {
        apply_user(core, u, password, &mut report).await?;
    }
    if !report.created.is_empty() || !report.updated.is_empty() {
        let event = super::audit::admin_action(core, origin, "apply_seed")
            .detail("created", report.created.len())
            .detail("updated", report.updated.len());
        super::audit::record(core, origin, event).await?;
    }
    Ok(report)
}

/// The outcome of a seed user's password check against the account holding its login.
enum PasswordCheck {
    /// The account `0` holds the login and its hash already matches the password.
    Current(opending_domain::UnionId),
    /// A fresh argon2 hash of the password (no account held the login, or its hash differs).
    New(String),
}

/// Reads the hash of the account holding `u`'s login, then checks the password against it —
/// or hashes it — on the blocking pool (argon2 must not stall an async worker).
async fn start_password_check(
    core: &Core,
    u: &SeedUser,
) -> Result<tokio::task::JoinHandle<Result<PasswordCheck>>> {
    let current = match opending_domain::user::parse_login(&u.login) {
        Ok(login) => core.store.get_user_by_login(&login).await?,
        // Refused with its proper message when the user is applied.
        Err(_) => None,
    };
    let password = u.password.clone();
    Ok(tokio::task::spawn_blocking(move || match current {
        Some((user, hash)) if super::users::verify_password(password.expose(), &hash) => {
            Ok(PasswordCheck::Current(user.union_id))
        }
        _ => super::users::hash_password(password.expose()).map(PasswordCheck::New),
    }))
}

async fn apply_user(
    core: &Core,
    u: &SeedUser,
    password: tokio::task::JoinHandle<Result<PasswordCheck>>,
    report: &mut ApplyReport,
) -> Result<()> {
    let password = password
        .await
        .map_err(|e| super::Error::Internal(anyhow::anyhow!("password check: {e}")))??;
    let new_user = u.new_user();
    let wanted = new_user.profile(core).map_err(|e| match e {
        super::Error::Api(a) => invalid(format!("user {}: {}", u.login, a.message())),
        other => other,
    })?;
    let id = format!("user {}", wanted.union_id);
    match core.store.get_user(&wanted.union_id).await? {
        None => {
            let hash = match password {
                PasswordCheck::New(hash) => hash,
                // The login belongs to another account (creating this one will be refused).
                PasswordCheck::Current(_) => super::users::hash_password(u.password.expose())?,
            };
            core.store.create_user(&wanted, &hash).await?;
            report.created.push(id.clone());
        }
        Some(existing) => {
            let mut changed = Vec::new();
            let same = existing.login == wanted.login
                && existing.nick == wanted.nick
                && existing.avatar_url == wanted.avatar_url
                && existing.mobile == wanted.mobile
                && existing.state_code == wanted.state_code
                && existing.email == wanted.email;
            if !same {
                core.store
                    .update_user(&opending_domain::User {
                        created_at: existing.created_at,
                        ..wanted.clone()
                    })
                    .await?;
                changed.push("profile");
            }
            // The check ran against the account holding the login before the profile update:
            // this account, unless the login just changed.
            let new_hash = match password {
                PasswordCheck::Current(holder)
                    if holder == wanted.union_id && existing.login == wanted.login =>
                {
                    None
                }
                PasswordCheck::New(hash) if existing.login == wanted.login => Some(hash),
                _ => {
                    let current = core
                        .store
                        .get_user_by_login(&wanted.login)
                        .await?
                        .map(|(_, h)| h)
                        .unwrap_or_default();
                    (!super::users::verify_password(u.password.expose(), &current))
                        .then(|| super::users::hash_password(u.password.expose()))
                        .transpose()?
                }
            };
            if let Some(hash) = new_hash {
                core.store.set_password(&wanted.union_id, &hash).await?;
                changed.push("password");
            }
            if changed.is_empty() {
                report.unchanged += 1;
            } else {
                report.updated.push(format!("{id}: {}", changed.join(", ")));
            }
        }
    }
    for m in &u.orgs {
        if core.store.get_org(&m.corp_id).await?.is_none() {
            return Err(invalid(format!("{id}: org {} does not exist", m.corp_id)));
        }
        if core.store.get_role(&m.corp_id, &wanted.union_id).await? != Some(m.role) {
            core.store
                .put_membership(&opending_domain::Membership {
                    corp_id: m.corp_id.clone(),
                    union_id: wanted.union_id.clone(),
                    role: m.role,
                })
                .await?;
            report.updated.push(format!(
                "{id}: member of {} as {}",
                m.corp_id,
                m.role.as_str()
            ));
        }
    }
    Ok(())
}

async fn apply_app(core: &Core, a: &SeedApp, report: &mut ApplyReport) -> Result<()> {
    let name = parse_name("app name", &a.name).map_err(invalid)?;
    if core.store.get_org(&a.owner).await?.is_none() {
        return Err(invalid(format!(
            "app {}: owner org {} does not exist",
            a.client_id, a.owner
        )));
    }
    match core.store.get_app(&a.client_id).await? {
        None => {
            let secret = match &a.client_secret {
                Some(s) => s.clone(),
                None => {
                    let s = core.with_rng(|rng| Secret::generate_client_secret(rng));
                    report
                        .generated_secrets
                        .insert(a.client_id.to_string(), s.expose().to_owned());
                    s
                }
            };
            core.store
                .create_app(&App {
                    client_id: a.client_id.clone(),
                    name,
                    owner_corp_id: a.owner.clone(),
                    distribution: a.distribution,
                    secret_hash: core.hash_client_secret(&secret),
                    created_at: core.now(),
                })
                .await?;
            report.created.push(format!("app {}", a.client_id));
            add_points(core, a).await?;
        }
        Some(existing) => {
            if existing.owner_corp_id != a.owner || existing.distribution != a.distribution {
                return Err(invalid(format!(
                    "app {} exists with owner {} and distribution {}; a seed cannot change those",
                    a.client_id, existing.owner_corp_id, existing.distribution
                )));
            }
            let mut changed = Vec::new();
            if existing.name != name {
                core.store.rename_app(&a.client_id, &name).await?;
                changed.push("name");
            }
            if let Some(s) = &a.client_secret {
                if !core.client_secret_matches(s, Some(&existing.secret_hash)) {
                    core.store
                        .set_app_secret(&a.client_id, &core.hash_client_secret(s))
                        .await?;
                    changed.push("clientSecret");
                }
            }
            if add_points(core, a).await? {
                changed.push("points");
            }
            if changed.is_empty() {
                report.unchanged += 1;
            } else {
                report
                    .updated
                    .push(format!("app {}: {}", a.client_id, changed.join(", ")));
            }
        }
    }
    Ok(())
}

/// Adds the app's declared points and URIs it lacks; returns whether any was added.
async fn add_points(core: &Core, a: &SeedApp) -> Result<bool> {
    let mut added = false;
    if !a.redirect_uris.is_empty() || !a.origins.is_empty() {
        let before = super::users::app_uris(core, a.client_id.as_str()).await?;
        let wanted = super::users::AppUris {
            redirect_uris: a.redirect_uris.clone(),
            origins: a.origins.clone(),
        };
        let after = super::users::add_app_uris(core, a.client_id.as_str(), &wanted)
            .await
            .map_err(|e| match e {
                super::Error::Api(api) => {
                    invalid(format!("app {}: {}", a.client_id, api.message()))
                }
                other => other,
            })?;
        added |= before != after;
    }
    if a.points.is_empty() {
        return Ok(added);
    }
    let have: Vec<String> = core
        .store
        .list_app_points(&a.client_id)
        .await?
        .into_iter()
        .map(|p| p.code.into())
        .collect();
    for p in a.points.iter().filter(|p| !have.contains(p)) {
        permissions::add_app_point(core, a.client_id.as_str(), p)
            .await
            .map_err(|e| match e {
                super::Error::Api(api) => {
                    invalid(format!("app {}: {}", a.client_id, api.message()))
                }
                other => other,
            })?;
        added = true;
    }
    Ok(added)
}
