//! Apps and where they may run.
//!
//! DingTalk distinguishes an app only by how it is distributed (seed 001): an *internal* app runs
//! in the org that developed it; a *third-party* app runs in every org that installed it, while
//! that installation is active (docs/dingtalk/decisions.md §14).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{error::ErrorCode, ApiError, ClientId, CorpId, KeyedHash, UnixTime};

/// How an app is distributed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Distribution {
    /// Runs only in its owner org (企业内部应用).
    Internal,
    /// Runs in orgs that installed it (第三方企业应用).
    ThirdParty,
}

impl Distribution {
    /// The stored and displayed name: `internal` or `third-party`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::ThirdParty => "third-party",
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Distribution {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "internal" => Ok(Self::Internal),
            "third-party" | "third_party" | "thirdparty" => Ok(Self::ThirdParty),
            other => Err(format!(
                "unknown distribution {other:?}: expected internal or third-party"
            )),
        }
    }
}

/// An app as stored: its secret only as a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The app's id.
    pub client_id: ClientId,
    /// Display name.
    pub name: String,
    /// The org that develops (and, for internal apps, runs) the app.
    pub owner_corp_id: CorpId,
    /// Internal or third-party.
    pub distribution: Distribution,
    /// Keyed hash of the client secret; the secret itself is never stored in the clear.
    pub secret_hash: KeyedHash,
    /// When the app was created.
    pub created_at: UnixTime,
    /// A third-party app developed for particular orgs (DingTalk's 定制应用): any suite
    /// ticket is accepted from it, as DingTalk does (docs/dingtalk/decisions.md §20). Always
    /// `false` for internal apps.
    pub custom: bool,
}

/// Whether an installation of a third-party app is in force.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstallationStatus {
    /// The app runs in the org.
    Active,
    /// The org has switched the app off; its tokens are refused until it is reactivated.
    Suspended,
}

impl InstallationStatus {
    /// The stored name: `active` or `suspended`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }
}

impl FromStr for InstallationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            other => Err(format!(
                "unknown installation status {other:?}: expected active or suspended"
            )),
        }
    }
}

/// A third-party app installed in an org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Installation {
    /// The installed app.
    pub client_id: ClientId,
    /// The org it is installed in.
    pub corp_id: CorpId,
    /// Active or suspended.
    pub status: InstallationStatus,
    /// When it was installed.
    pub created_at: UnixTime,
}

impl App {
    /// The app's `agentId`: the number DingTalk gives an app's agent in each org (`dd.config`,
    /// `apps/authInfo`). Derived from the clientId, so it is stable and needs no storage: ten
    /// digits, `1000000000`–`2999999999`.
    pub fn agent_id(&self) -> i64 {
        1_000_000_000 + derived(b"agent-id", self.client_id.as_str()) % 2_000_000_000
    }

    /// The app's `appId` (DingTalk's smaller app number in `apps/authInfo`), derived like
    /// [`App::agent_id`]: `10000`–`999999`.
    pub fn app_id(&self) -> i64 {
        10_000 + derived(b"app-id", self.client_id.as_str()) % 990_000
    }

    /// Decides whether this app may hold a token in `corp` (docs/dingtalk/decisions.md §14).
    ///
    /// `org_exists` says whether `corp` is a known org; `installation` is this app's installation
    /// there, if any. Every refusal is the same `unauthorized.client` (401), so the answer does not
    /// tell a caller which orgs exist.
    pub fn may_run_in(
        &self,
        corp: &CorpId,
        org_exists: bool,
        installation: Option<InstallationStatus>,
    ) -> Result<(), ApiError> {
        let allowed = org_exists
            && match self.distribution {
                Distribution::Internal => &self.owner_corp_id == corp,
                Distribution::ThirdParty => installation == Some(InstallationStatus::Active),
            };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::UnauthorizedClient))
        }
    }
}

/// A number derived from an id for one purpose (SHA-256, first eight bytes, non-negative).
fn derived(purpose: &[u8], id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"opending/")
        .chain_update(purpose)
        .chain_update(b"\0")
        .chain_update(id.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_and_app_ids_are_stable_numbers_in_range() {
        let a = app(Distribution::ThirdParty);
        assert_eq!(a.agent_id(), app(Distribution::Internal).agent_id());
        assert!((1_000_000_000..3_000_000_000).contains(&a.agent_id()));
        assert!((10_000..1_000_000).contains(&a.app_id()));
        let mut other = app(Distribution::ThirdParty);
        other.client_id = ClientId::parse("suiteother").unwrap();
        assert_ne!(other.agent_id(), a.agent_id());
    }

    fn app(distribution: Distribution) -> App {
        App {
            client_id: ClientId::parse("suiteabc").unwrap(),
            name: "A".into(),
            owner_corp_id: CorpId::parse("dingowner").unwrap(),
            distribution,
            secret_hash: KeyedHash([0; 32]),
            created_at: UnixTime(0),
            custom: false,
        }
    }

    #[test]
    fn internal_apps_run_only_in_their_owner_org() {
        let a = app(Distribution::Internal);
        let owner = CorpId::parse("dingowner").unwrap();
        let other = CorpId::parse("dingother").unwrap();
        assert!(a.may_run_in(&owner, true, None).is_ok());
        let err = a
            .may_run_in(&other, true, Some(InstallationStatus::Active))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::UnauthorizedClient);
        assert!(a.may_run_in(&owner, false, None).is_err());
    }

    #[test]
    fn third_party_apps_need_an_active_installation() {
        let a = app(Distribution::ThirdParty);
        let corp = CorpId::parse("dingcustomer").unwrap();
        assert!(a
            .may_run_in(&corp, true, Some(InstallationStatus::Active))
            .is_ok());
        assert!(a
            .may_run_in(&corp, true, Some(InstallationStatus::Suspended))
            .is_err());
        assert!(a.may_run_in(&corp, true, None).is_err());
        // Not even in the developer's own org without an installation.
        let owner = CorpId::parse("dingowner").unwrap();
        assert!(a.may_run_in(&owner, true, None).is_err());
    }

    #[test]
    fn distribution_round_trips() {
        for d in [Distribution::Internal, Distribution::ThirdParty] {
            assert_eq!(d.as_str().parse::<Distribution>().unwrap(), d);
        }
        assert!("both".parse::<Distribution>().is_err());
    }
}
