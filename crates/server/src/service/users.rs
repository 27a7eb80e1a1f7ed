//! Users, org memberships, and apps' registered redirect URIs and openAuth origins. Shared by
//! the admin API, the CLI and seed files.

use argon2::{
    password_hash::{
        rand_core::OsRng, Decimal, Ident, Output, ParamsString, PasswordHash, PasswordHasher,
        PasswordVerifier, Salt, SaltString,
    },
    Algorithm, Argon2, Block, Params, Version,
};
use opending_domain::{
    user::{check_password, parse_login},
    CorpId, Membership, Role, UnionId, User,
};
use opending_store::UriKind;
use serde::{Deserialize, Serialize};

use super::{bad, not_found, parse_client_id, parse_corp_id, Result};
use crate::Core;

/// Hashes a human password with argon2id (the only slow hash in opending).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2Id::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| super::Error::Internal(anyhow::anyhow!("argon2: {e}")))
}

/// Verifies a password against a stored argon2 hash (constant-time comparison of the outputs).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2Id::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Blocks of argon2 working memory reserved per hash, at least: 32 MiB and one block.
///
/// glibc's malloc gives a request of more than 32 MiB (the ceiling of its dynamic mmap
/// threshold) a mapping of its own, unmapped when freed. The `argon2` crate allocates its
/// 19 MiB (the default `m_cost`) with `Vec`; after the first such block is freed, glibc raises
/// its mmap threshold above that size, so every later block comes from the heap and stays
/// resident after it is freed — about 20 MB of an idle server's RSS once a seed with users was
/// applied (docs/benchmarks.md, "Performance work"). Reserving more than 32 MiB keeps every hash
/// on its own mapping; the pages past `m_cost` are never touched, so they cost no memory.
const WORK_MEMORY_BLOCKS: usize = (32 << 20) / Block::SIZE + 1;

/// Argon2 with the parameters of [`Argon2::default`] (argon2id, v0x13, OWASP's m = 19 MiB,
/// t = 2, p = 1), whose working memory is allocated as [`WORK_MEMORY_BLOCKS`] explains.
/// Hashes and verifications are exactly the `argon2` crate's; [`PasswordVerifier`] comes from
/// the `password_hash` blanket implementation (constant-time output comparison).
#[derive(Debug, Clone, Default)]
struct Argon2Id {
    algorithm: Algorithm,
    version: Version,
    params: Params,
}

impl PasswordHasher for Argon2Id {
    type Params = Params;

    fn hash_password<'a>(
        &self,
        password: &[u8],
        salt: impl Into<Salt<'a>>,
    ) -> argon2::password_hash::Result<PasswordHash<'a>> {
        let salt = salt.into();
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf)?;
        let hasher = Argon2::new(self.algorithm, self.version, self.params.clone());
        let blocks = self.params.block_count();
        let mut memory = Vec::with_capacity(blocks.max(WORK_MEMORY_BLOCKS));
        memory.resize(blocks, Block::default());
        let output_len = self
            .params
            .output_len()
            .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(output_len, |out| {
            Ok(hasher.hash_password_into_with_memory(password, salt_bytes, out, &mut memory)?)
        })?;
        Ok(PasswordHash {
            algorithm: self.algorithm.ident(),
            version: Some(self.version.into()),
            params: ParamsString::try_from(&self.params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        alg_id: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> argon2::password_hash::Result<PasswordHash<'a>> {
        Self {
            algorithm: alg_id
                .map(Algorithm::try_from)
                .transpose()?
                .unwrap_or_default(),
            version: version
                .map(Version::try_from)
                .transpose()?
                .unwrap_or_default(),
            params,
        }
        .hash_password(password, salt)
    }
}

/// Parses a unionId given by an operator.
pub fn parse_union_id(s: &str) -> Result<UnionId> {
    UnionId::parse(s).map_err(bad)
}

/// Input for creating or declaring a user.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewUser {
    /// Sign-in name.
    pub login: String,
    /// Password (8+ characters), hashed with argon2id.
    pub password: opending_domain::Secret,
    /// Display name.
    pub nick: String,
    /// A chosen unionId; generated when absent.
    #[serde(default)]
    pub union_id: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Mobile number.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Country calling code (default `86` when a mobile is given).
    #[serde(default)]
    pub state_code: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

impl NewUser {
    /// Validates and builds the profile (without the password).
    pub fn profile(&self, core: &Core) -> Result<User> {
        check_password(self.password.expose()).map_err(bad)?;
        let union_id = match &self.union_id {
            Some(u) => parse_union_id(u)?,
            None => core.with_rng(|rng| UnionId::generate(rng)),
        };
        let short = |what: &str, v: &Option<String>| -> Result<()> {
            if v.as_ref()
                .is_some_and(|s| s.chars().count() > 200 || s.chars().any(char::is_control))
            {
                return Err(bad(format!("{what} must be at most 200 characters")));
            }
            Ok(())
        };
        short("avatarUrl", &self.avatar_url)?;
        short("mobile", &self.mobile)?;
        short("stateCode", &self.state_code)?;
        short("email", &self.email)?;
        Ok(User {
            union_id,
            nick: opending_domain::org::parse_name("nick", &self.nick).map_err(bad)?,
            avatar_url: self.avatar_url.clone().unwrap_or_default(),
            state_code: self
                .state_code
                .clone()
                .or_else(|| self.mobile.as_ref().map(|_| "86".to_owned())),
            mobile: self.mobile.clone(),
            email: self.email.clone(),
            login: parse_login(&self.login).map_err(bad)?,
            created_at: core.now(),
        })
    }
}

/// A user as the admin API shows it (never the password hash).
pub type UserView = User;

/// Creates a user.
pub async fn create_user(core: &Core, origin: &crate::Origin, input: NewUser) -> Result<UserView> {
    let user = input.profile(core)?;
    // Tens of milliseconds of argon2: on the blocking pool, not on an async worker.
    let password = input.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(password.expose()))
        .await
        .map_err(|e| super::Error::Internal(anyhow::anyhow!("argon2 task: {e}")))??;
    core.store.create_user(&user, &hash).await?;
    tracing::info!(union_id = %user.union_id, "user created");
    let event =
        super::audit::admin_action(core, origin, "create_user").detail("user", &user.union_id);
    super::audit::record(core, origin, event).await?;
    Ok(user)
}

/// All users.
pub async fn list_users(core: &Core) -> Result<Vec<UserView>> {
    Ok(core.store.list_users().await?)
}

/// Deletes a user with everything that is theirs.
pub async fn delete_user(core: &Core, origin: &crate::Origin, union_id: &str) -> Result<()> {
    let id = parse_union_id(union_id)?;
    core.store.delete_user(&id).await?;
    tracing::info!(union_id = %id, "user deleted");
    let event = super::audit::admin_action(core, origin, "delete_user").detail("user", &id);
    super::audit::record(core, origin, event).await?;
    Ok(())
}

/// Adds a user to an org or changes their role.
pub async fn set_membership(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
    union_id: &str,
    role: Role,
) -> Result<Membership> {
    let m = Membership {
        corp_id: parse_corp_id(corp_id)?,
        union_id: parse_union_id(union_id)?,
        role,
    };
    if core.store.get_org(&m.corp_id).await?.is_none() {
        return Err(not_found(format!("org {} does not exist", m.corp_id)));
    }
    if core.store.get_user(&m.union_id).await?.is_none() {
        return Err(not_found(format!("user {} does not exist", m.union_id)));
    }
    if role != Role::Admin {
        keep_an_admin(core, &m.corp_id, &m.union_id).await?;
    }
    core.store.put_membership(&m).await?;
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
    origin: &crate::Origin,
    corp_id: &str,
    union_id: &str,
) -> Result<()> {
    let (corp, user) = (parse_corp_id(corp_id)?, parse_union_id(union_id)?);
    keep_an_admin(core, &corp, &user).await?;
    core.store.delete_membership(&corp, &user).await?;
    tracing::info!(corp_id = %corp, union_id = %user, "membership removed");
    let event = super::audit::admin_action(core, origin, "remove_membership")
        .org(&corp)
        .detail("user", &user);
    super::audit::record(core, origin, event).await?;
    Ok(())
}

/// A signed-in user withdraws their consents to an app, which kills its tokens for them;
/// returns how many tokens went.
pub async fn revoke_own_consent(
    core: &Core,
    origin: &crate::Origin,
    client: &opending_domain::ClientId,
    union_id: &UnionId,
) -> Result<u64> {
    let n = core.store.revoke_user_app(client, union_id).await?;
    tracing::info!(client_id = %client, union_id = %union_id, revoked_tokens = n, "user revoked an app's authorization");
    let event = opending_domain::AuditEvent::new(
        opending_domain::AuditKind::ConsentRevoked,
        core.now(),
        opending_domain::ActorKind::User,
        Some(union_id.to_string()),
    )
    .app(client)
    .detail("revoked", n);
    super::audit::record(core, origin, event).await?;
    Ok(n)
}

/// One app a user has authorized ("My authorizations"): the app and the org it was
/// authorized in, with the points consented to (code and display name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The app.
    pub client_id: String,
    /// Its name (empty when the app is gone).
    pub app_name: String,
    /// The org's name, or `None` for a consent given without an org.
    pub org_name: Option<String>,
    /// The points: (code, display name from the catalogue).
    pub points: Vec<(String, String)>,
}

/// The user's consents, one entry per (app, org), ordered by app and org.
pub async fn authorizations(core: &Core, union_id: &UnionId) -> Result<Vec<Authorization>> {
    let catalogue = core.store.list_points().await?;
    let mut by_app: std::collections::BTreeMap<(String, String), Vec<(String, String)>> =
        Default::default();
    for g in core.store.user_grants(union_id).await? {
        let name = catalogue
            .iter()
            .find(|p| p.code == g.code)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        by_app
            .entry((g.client_id.to_string(), g.corp_id.clone()))
            .or_default()
            .push((g.code.as_str().to_owned(), name));
    }
    let mut out = Vec::with_capacity(by_app.len());
    for ((client, corp), points) in by_app {
        let app_name = match opending_domain::ClientId::parse(client.as_str()) {
            Ok(id) => core.store.get_app(&id).await?.map(|a| a.name),
            Err(_) => None,
        };
        let org_name = match CorpId::parse(corp.as_str()) {
            Ok(id) => Some(
                core.store
                    .get_org(&id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default(),
            ),
            Err(_) => None,
        };
        out.push(Authorization {
            client_id: client,
            app_name: app_name.unwrap_or_default(),
            org_name,
            points,
        });
    }
    Ok(out)
}

/// The orgs a user belongs to, with the user's role in each (orgs that are gone are skipped).
pub async fn orgs_of(
    core: &Core,
    union_id: &UnionId,
) -> Result<Vec<(Role, opending_domain::org::Org)>> {
    let mut out = Vec::new();
    for m in core.store.memberships_of(union_id).await? {
        if let Some(o) = core.store.get_org(&m.corp_id).await? {
            out.push((m.role, o));
        }
    }
    Ok(out)
}

/// A user's memberships.
pub async fn memberships_of(core: &Core, union_id: &UnionId) -> Result<Vec<Membership>> {
    Ok(core.store.memberships_of(union_id).await?)
}

/// A user's display name, if the user exists.
pub async fn nick_of(core: &Core, union_id: &UnionId) -> Result<Option<String>> {
    Ok(core.store.get_user(union_id).await?.map(|u| u.nick))
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

/// Finds a user by unionId or, failing that, by sign-in name (what an org admin types).
pub async fn find_user(core: &Core, who: &str) -> Result<User> {
    let who = who.trim();
    if who.is_empty() {
        return Err(bad("give the user's sign-in name or unionId"));
    }
    if let Ok(id) = UnionId::parse(who) {
        if let Some(u) = core.store.get_user(&id).await? {
            return Ok(u);
        }
    }
    match core.store.get_user_by_login(who).await? {
        Some((u, _)) => Ok(u),
        None => Err(not_found(format!(
            "no user has the sign-in name or unionId {who:?}"
        ))),
    }
}

/// Adds an existing user to an org (an org admin's "add member"): refuses someone who is a
/// member already, so a typo cannot silently change a role.
pub async fn add_member(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
    who: &str,
    role: Role,
) -> Result<Membership> {
    let corp = parse_corp_id(corp_id)?;
    let user = find_user(core, who).await?;
    if core.store.get_role(&corp, &user.union_id).await?.is_some() {
        return Err(bad(format!("{} is a member already", user.nick)));
    }
    set_membership(core, origin, corp.as_str(), user.union_id.as_str(), role).await
}

/// An org's members.
pub async fn members(core: &Core, corp_id: &str) -> Result<Vec<Membership>> {
    Ok(core.store.members_of(&parse_corp_id(corp_id)?).await?)
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
pub async fn add_app_uris(core: &Core, client_id: &str, add: &AppUris) -> Result<AppUris> {
    let id = parse_client_id(client_id)?;
    if core.store.get_app(&id).await?.is_none() {
        return Err(not_found(format!("app {id} does not exist")));
    }
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
    app_uris(core, client_id).await
}

/// Removes redirect URIs and origins from an app; returns the full lists. The unused codes
/// issued for a removed redirect URI are deleted with it: a code is bound to its redirect URI,
/// and one sent to an address the app no longer trusts is never exchanged.
pub async fn remove_app_uris(core: &Core, client_id: &str, remove: &AppUris) -> Result<AppUris> {
    let id = parse_client_id(client_id)?;
    for u in &remove.redirect_uris {
        core.store.remove_app_uri(&id, UriKind::Redirect, u).await?;
    }
    for o in &remove.origins {
        core.store.remove_app_uri(&id, UriKind::Origin, o).await?;
    }
    app_uris(core, client_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hasher with its own working memory is the `argon2` crate's argon2id: hashes made
    /// before it (stored in existing databases) verify, its hashes verify with the crate's
    /// own verifier, and a wrong password is refused either way.
    #[test]
    fn argon2id_matches_the_crate_default_both_ways() {
        let salt = SaltString::generate(&mut OsRng);
        let stock = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .expect("hash")
            .to_string();
        let ours = hash_password("correct horse").expect("hash");
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(verify_password("correct horse", &stock));
        assert!(!verify_password("correct horsf", &stock));
        let parsed = PasswordHash::new(&ours).expect("PHC string");
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
        assert!(!verify_password("wrong", &ours));
        // Same salt, same password: the same hash as the crate's.
        let same = Argon2Id::default()
            .hash_password(b"correct horse", &salt)
            .expect("hash")
            .to_string();
        assert_eq!(same, stock);
    }
}
