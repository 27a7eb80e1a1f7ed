//! Seed files: a declared world (orgs, apps with fixed credentials, installations) applied at
//! start (`--seed`) or on demand (`opending admin apply`). Applying the same document twice
//! changes nothing. Schema: `docs/seed-file.md`.
//!
//! A seed declares what must exist; it never deletes what it does not mention. The document's
//! shape, ids, names, secrets and duplicates are checked before the first write; references to
//! things in storage are checked as it applies, in order (points, orgs, apps, installations,
//! users), so a failing document may be partly applied — fix it and apply again.

use std::collections::BTreeMap;

use opending_domain::{
    org::parse_name, ApiError, App, ClientId, CorpId, Distribution, ErrorCode, Installation,
    InstallationStatus, Org, Secret,
};
use serde::{Deserialize, Serialize};

use super::{
    admin,
    permissions::{self, Declared, NewPoint},
    Result,
};
use crate::Core;

/// A seed document.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedDoc {
    /// Custom permission points to exist in the catalogue.
    #[serde(default)]
    pub points: Vec<NewPoint>,
    /// Orgs to exist.
    #[serde(default)]
    pub orgs: Vec<SeedOrg>,
    /// Apps to exist.
    #[serde(default)]
    pub apps: Vec<SeedApp>,
    /// Installations of third-party apps to exist.
    #[serde(default)]
    pub installations: Vec<SeedInstallation>,
    /// Users to exist, with their org memberships.
    #[serde(default)]
    pub users: Vec<SeedUser>,
}

/// A user in a seed. The unionId is required so references stay stable across applies.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    /// unionId.
    #[serde(default)]
    pub union_id: Option<String>,
    /// Sign-in name.
    pub login: String,
    /// Password (hashed with argon2id when applied).
    pub password: opending_domain::Secret,
    /// Display name.
    pub nick: String,
    /// Avatar URL.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Mobile number.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Country calling code.
    #[serde(default)]
    pub state_code: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Memberships.
    #[serde(default)]
    pub orgs: Vec<SeedMembership>,
}

impl SeedUser {
    fn new_user(&self) -> super::users::NewUser {
        super::users::NewUser {
            login: self.login.clone(),
            password: self.password.clone(),
            nick: self.nick.clone(),
            union_id: self.union_id.clone(),
            avatar_url: self.avatar_url.clone(),
            mobile: self.mobile.clone(),
            state_code: self.state_code.clone(),
            email: self.email.clone(),
        }
    }
}

/// A membership in a seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedMembership {
    /// The org.
    pub corp_id: CorpId,
    /// `member` (default) or `admin`.
    #[serde(default = "member")]
    pub role: opending_domain::Role,
}

fn member() -> opending_domain::Role {
    opending_domain::Role::Member
}

/// An org in a seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOrg {
    /// corpId.
    pub corp_id: CorpId,
    /// Display name.
    pub name: String,
    /// Certification info (authLevel 0 when absent).
    #[serde(default)]
    pub auth_info: Option<opending_domain::OrgAuthInfo>,
}

/// An app in a seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedApp {
    /// clientId.
    pub client_id: ClientId,
    /// The client secret; generated (and reported once) when absent.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// Display name.
    pub name: String,
    /// Owner org's corpId.
    pub owner: CorpId,
    /// `internal` or `third-party`.
    pub distribution: Distribution,
    /// Points the app has added (applied for); declared points are added, others kept.
    #[serde(default)]
    pub points: Vec<String>,
    /// Registered redirect URIs of the browser login flow.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Registered openAuth origins.
    #[serde(default)]
    pub origins: Vec<String>,
}

/// An installation in a seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedInstallation {
    /// The third-party app.
    pub client_id: ClientId,
    /// The org it is installed in.
    pub corp_id: CorpId,
    /// `active` (default) or `suspended`.
    #[serde(default = "active")]
    pub status: InstallationStatus,
    /// App-type points the org grants the app (or `.default`: all it added).
    #[serde(default)]
    pub grants: Vec<String>,
}

fn active() -> InstallationStatus {
    InstallationStatus::Active
}

/// What applying a seed did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// Things created, as `kind id`.
    pub created: Vec<String>,
    /// Things changed, as `kind id: what`.
    pub updated: Vec<String>,
    /// Count of declared things already as declared.
    pub unchanged: usize,
    /// Secrets generated for apps declared without one: shown this once.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub generated_secrets: BTreeMap<String, String>,
}

fn invalid(msg: String) -> super::Error {
    ApiError::with_message(ErrorCode::InvalidParameter, msg).into()
}

/// Parses a seed document (YAML, which includes JSON).
pub fn parse(text: &str) -> Result<SeedDoc> {
    let doc: SeedDoc =
        serde_yaml_ng::from_str(text).map_err(|e| invalid(format!("seed document: {e}")))?;
    check(&doc)?;
    Ok(doc)
}

/// Checks a document before anything is written: names, secrets, point codes, certification
/// info, unionIds, and that nothing is declared twice. References to things in storage are
/// checked while applying.
fn check(doc: &SeedDoc) -> Result<()> {
    for o in &doc.orgs {
        parse_name("org name", &o.name).map_err(|e| invalid(format!("org {}: {e}", o.corp_id)))?;
        if let Some(info) = &o.auth_info {
            info.validate()
                .map_err(|e| invalid(format!("org {}: {e}", o.corp_id)))?;
        }
    }
    for a in &doc.apps {
        let in_app = |e: String| invalid(format!("app {}: {e}", a.client_id));
        parse_name("app name", &a.name).map_err(in_app)?;
        if let Some(s) = &a.client_secret {
            admin::check_chosen_secret(s).map_err(|e| in_app(e.to_string()))?;
        }
        for p in &a.points {
            permissions::parse_code(p).map_err(|e| in_app(e.to_string()))?;
        }
    }
    for u in &doc.users {
        if u.union_id.is_none() {
            return Err(invalid(format!(
                "user {}: unionId is required in seed files",
                u.login
            )));
        }
    }
    unique("point", doc.points.iter().map(|p| p.code.clone()))?;
    unique("org", doc.orgs.iter().map(|o| o.corp_id.to_string()))?;
    unique("app", doc.apps.iter().map(|a| a.client_id.to_string()))?;
    unique(
        "installation",
        doc.installations
            .iter()
            .map(|i| format!("{}@{}", i.client_id, i.corp_id)),
    )?;
    unique("user", doc.users.iter().map(|u| u.login.clone()))?;
    Ok(())
}

fn unique(kind: &str, keys: impl Iterator<Item = String>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for k in keys {
        if !seen.insert(k.clone()) {
            return Err(invalid(format!("{kind} {k} is declared twice")));
        }
    }
    Ok(())
}

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
