//! People: accounts, their passwords (argon2id), lookups, and a seed file's declaration of a
//! user. Their places in orgs are [`super::memberships`]; what they consented to,
//! [`super::consents`].

use argon2::{
    password_hash::{
        rand_core::OsRng, Decimal, Ident, Output, ParamsString, PasswordHash, PasswordHasher,
        PasswordVerifier, Salt, SaltString,
    },
    Algorithm, Argon2, Block, Params, Version,
};
use opending_domain::{
    user::{check_password, parse_login},
    UnionId, User,
};
use serde::Deserialize;

use super::{bad, not_found, Declared, Result};
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
/// applied (docs/benchmarks/history.md). Reserving more than 32 MiB keeps every hash
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
    super::policy::platform_only(origin)?;
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
    super::policy::platform_only(origin)?;
    let id = parse_union_id(union_id)?;
    core.store.delete_user(&id).await?;
    tracing::info!(union_id = %id, "user deleted");
    let event = super::audit::admin_action(core, origin, "delete_user").detail("user", &id);
    super::audit::record(core, origin, event).await?;
    Ok(())
}

/// A user's display name, if the user exists.
pub async fn nick_of(core: &Core, union_id: &UnionId) -> Result<Option<String>> {
    Ok(core.store.get_user(union_id).await?.map(|u| u.nick))
}

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

/// The outcome of a seed user's password check against the account holding its login.
#[derive(Debug)]
enum PasswordCheck {
    /// The account `0` holds the login and its hash already matches the password.
    Current(opending_domain::UnionId),
    /// A fresh argon2 hash of the password (no account held the login, or its hash differs).
    New(String),
}

/// Reads the hash of the account holding `u`'s login, then checks the password against it —
/// or hashes it — on the blocking pool (argon2 must not stall an async worker).
pub async fn start_password_check(core: &Core, u: &NewUser) -> Result<PendingPassword> {
    let current = match parse_login(&u.login) {
        Ok(login) => core.store.get_user_by_login(&login).await?,
        // Refused with its proper message when the user is applied.
        Err(_) => None,
    };
    let password = u.password.clone();
    Ok(PendingPassword(tokio::task::spawn_blocking(
        move || match current {
            Some((user, hash)) if verify_password(password.expose(), &hash) => {
                Ok(PasswordCheck::Current(user.union_id))
            }
            _ => hash_password(password.expose()).map(PasswordCheck::New),
        },
    )))
}

/// A seed user's password check running on the blocking pool ([`start_password_check`]).
#[derive(Debug)]
pub struct PendingPassword(tokio::task::JoinHandle<Result<PasswordCheck>>);

/// Brings a user to a seed file's declaration: created when missing, else its profile and
/// password updated where they differ. `password` is [`start_password_check`]'s for this
/// user. Returns the user's unionId. Declarations are audited by their caller, as one event.
pub async fn declare_user(
    core: &Core,
    u: &NewUser,
    password: PendingPassword,
) -> Result<(UnionId, Declared)> {
    let password = password
        .0
        .await
        .map_err(|e| super::Error::Internal(anyhow::anyhow!("password check: {e}")))??;
    let wanted = u.profile(core).map_err(|e| match e {
        super::Error::Api(a) => bad(format!("user {}: {}", u.login, a.message())),
        other => other,
    })?;
    let declared = match core.store.get_user(&wanted.union_id).await? {
        None => {
            let hash = match password {
                PasswordCheck::New(hash) => hash,
                // The login belongs to another account (creating this one will be refused).
                PasswordCheck::Current(_) => hash_password(u.password.expose())?,
            };
            core.store.create_user(&wanted, &hash).await?;
            Declared::Created
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
                    (!verify_password(u.password.expose(), &current))
                        .then(|| hash_password(u.password.expose()))
                        .transpose()?
                }
            };
            if let Some(hash) = new_hash {
                core.store.set_password(&wanted.union_id, &hash).await?;
                changed.push("password");
            }
            Declared::from_changes(changed)
        }
    };
    Ok((wanted.union_id, declared))
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
