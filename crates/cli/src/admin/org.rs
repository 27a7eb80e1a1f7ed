//! `opending admin org …`: orgs and their certification info.

use clap::Subcommand;
use opending_server::{
    service::{orgs, Error},
    Core, Origin,
};

use super::out;

#[derive(Debug, Subcommand)]
pub(super) enum OrgCommand {
    /// Create an org.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// A chosen corpId (default: generated).
        #[arg(long)]
        corp_id: Option<String>,
    },
    /// List orgs.
    List,
    /// Show one org.
    Show {
        /// corpId.
        corp_id: String,
    },
    /// Show an org's certification info.
    AuthInfo {
        /// corpId.
        corp_id: String,
    },
    /// Set an org's certification info (replaces what was set).
    SetAuthInfo {
        /// corpId.
        corp_id: String,
        /// 0 none, 1 高级认证, 2 中级认证.
        #[arg(long)]
        auth_level: i64,
        /// Company name on the licence.
        #[arg(long)]
        license_org_name: Option<String>,
        /// Registration number.
        #[arg(long)]
        registration_num: Option<String>,
        /// Unified social credit code.
        #[arg(long)]
        unified_social_credit: Option<String>,
        /// Organisation code.
        #[arg(long)]
        organization_code: Option<String>,
        /// Legal representative.
        #[arg(long)]
        legal_person: Option<String>,
        /// Licence image URL.
        #[arg(long)]
        license_url: Option<String>,
    },
}

/// Runs `opending admin org …`.
pub(super) async fn run(core: &Core, origin: &Origin, command: OrgCommand) -> Result<(), Error> {
    match command {
        OrgCommand::Create { name, corp_id } => {
            out(&orgs::create_org(core, origin, orgs::NewOrg { name, corp_id }).await?)
        }
        OrgCommand::List => out(&orgs::list_orgs(core).await?),
        OrgCommand::Show { corp_id } => out(&orgs::show_org(core, &corp_id).await?),
        OrgCommand::AuthInfo { corp_id } => out(&orgs::org_auth_info(core, &corp_id).await?),
        OrgCommand::SetAuthInfo {
            corp_id,
            auth_level,
            license_org_name,
            registration_num,
            unified_social_credit,
            organization_code,
            legal_person,
            license_url,
        } => out(&orgs::set_org_auth_info(
            core,
            origin,
            &corp_id,
            opending_domain::OrgAuthInfo {
                auth_level,
                license_org_name,
                registration_num,
                unified_social_credit,
                organization_code,
                legal_person,
                license_url,
            },
        )
        .await?),
    }
}
