//! `opending admin member …`: org memberships and roles.

use clap::Subcommand;
use opending_server::{
    service::{memberships, Error},
    Core, Origin,
};

use super::out;

#[derive(Debug, Subcommand)]
pub(super) enum MemberCommand {
    /// Add a user to an org, or change their role.
    Set {
        /// corpId.
        #[arg(long)]
        org: String,
        /// unionId.
        #[arg(long)]
        user: String,
        /// member or admin.
        #[arg(long, default_value = "member")]
        role: opending_domain::Role,
    },
    /// Remove a user from an org.
    Remove {
        /// corpId.
        #[arg(long)]
        org: String,
        /// unionId.
        #[arg(long)]
        user: String,
    },
    /// List an org's members.
    List {
        /// corpId.
        #[arg(long)]
        org: String,
    },
}

/// Runs `opending admin member …`.
pub(super) async fn run(core: &Core, origin: &Origin, command: MemberCommand) -> Result<(), Error> {
    match command {
        MemberCommand::Set { org, user, role } => {
            out(&memberships::set_membership(core, origin, &org, &user, role).await?)
        }
        MemberCommand::Remove { org, user } => {
            memberships::remove_membership(core, origin, &org, &user).await?;
            out(&serde_json::json!({ "removed": user, "corpId": org }))
        }
        MemberCommand::List { org } => out(&memberships::members(core, &org).await?),
    }
}
