//! The seed document: its schema (`docs/seed-file.md`), parsing, and the checks made before
//! anything is written (names, secrets, point codes, certification info, unionIds, and that
//! nothing is declared twice).

use std::collections::BTreeMap;

use opending_domain::{
    org::parse_name, ApiError, ClientId, CorpId, Distribution, ErrorCode, InstallationStatus,
    Secret,
};
use serde::{Deserialize, Serialize};

use crate::service::{
    apps,
    points::{self, NewPoint},
    users, Error, Result,
};

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
    pub(super) fn new_user(&self) -> users::NewUser {
        users::NewUser {
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
    /// The org-scoped userid (default: derived from the org and the unionId).
    #[serde(default)]
    pub userid: Option<String>,
    /// 职位.
    #[serde(default)]
    pub title: Option<String>,
    /// 工号.
    #[serde(default)]
    pub job_number: Option<String>,
    /// 办公地点.
    #[serde(default)]
    pub work_place: Option<String>,
    /// 备注.
    #[serde(default)]
    pub remark: Option<String>,
    /// 扩展属性: a JSON object as text.
    #[serde(default)]
    pub extension: Option<String>,
    /// 企业邮箱.
    #[serde(default)]
    pub org_email: Option<String>,
    /// 分机号.
    #[serde(default)]
    pub telephone: Option<String>,
    /// 入职时间, Unix milliseconds.
    #[serde(default)]
    pub hired_date: Option<i64>,
    /// 老板.
    #[serde(default)]
    pub boss: Option<bool>,
    /// The direct manager's userid.
    #[serde(default)]
    pub manager_userid: Option<String>,
    /// Activated (default true).
    #[serde(default)]
    pub active: Option<bool>,
    /// Seats in the org's departments: `[{deptId, order?, leader?}]` (none: the root).
    #[serde(default)]
    pub departments: Option<Vec<opending_domain::directory::Seat>>,
}

impl SeedMembership {
    /// The staff profile fields given.
    pub(super) fn staff(&self) -> crate::service::directory::StaffInput {
        crate::service::directory::StaffInput {
            userid: self.userid.clone(),
            title: self.title.clone(),
            job_number: self.job_number.clone(),
            work_place: self.work_place.clone(),
            remark: self.remark.clone(),
            extension: self.extension.clone(),
            org_email: self.org_email.clone(),
            telephone: self.telephone.clone(),
            hired_date: self.hired_date,
            boss: self.boss,
            manager_userid: self.manager_userid.clone(),
            active: self.active,
            departments: self.departments.clone(),
        }
    }
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
    /// The org's SSO secret (应用管理后台免登); kept when absent.
    #[serde(default)]
    pub sso_secret: Option<Secret>,
    /// The org's departments (the root, 1, is the org itself).
    #[serde(default)]
    pub departments: Vec<crate::service::directory::DepartmentInput>,
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
    /// A third-party app developed for particular orgs (定制应用): any suite ticket accepted.
    #[serde(default)]
    pub custom: bool,
    /// The URL of the app's admin backend, where SSO sends an org admin with `?code=`.
    #[serde(default)]
    pub admin_url: Option<String>,
    /// An HTTP callback the app receives its events at (docs/events.md). Declared, it is taken
    /// as given: no `check_url` exchange (the endpoint may not be up yet).
    #[serde(default)]
    pub event_callback: Option<crate::service::events::CallbackInput>,
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

pub(super) fn invalid(msg: String) -> Error {
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
            apps::check_chosen_secret(s).map_err(|e| in_app(e.to_string()))?;
        }
        for p in &a.points {
            points::parse_code(p).map_err(|e| in_app(e.to_string()))?;
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
