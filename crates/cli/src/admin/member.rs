//! `opending admin member …`: org memberships and roles.

use clap::Subcommand;
use opending_server::{
    service::{
        directory::{self, StaffInput},
        memberships, Error,
    },
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
    /// Show a member's staff profile in the org's directory, or change it with the flags given
    /// (fields not given are kept).
    Profile {
        /// corpId.
        #[arg(long)]
        org: String,
        /// unionId.
        #[arg(long)]
        user: String,
        /// The org-scoped userid.
        #[arg(long)]
        userid: Option<String>,
        /// 职位.
        #[arg(long)]
        title: Option<String>,
        /// 工号.
        #[arg(long)]
        job_number: Option<String>,
        /// The direct manager's userid ("" for none).
        #[arg(long)]
        manager: Option<String>,
        /// The departments, comma-separated ids ("" for the root only).
        #[arg(long)]
        departments: Option<String>,
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
        MemberCommand::Profile {
            org,
            user,
            userid,
            title,
            job_number,
            manager,
            departments,
        } => {
            let seats = match departments {
                None => None,
                Some(list) => Some(
                    list.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| {
                            s.parse::<i64>()
                                .map(|dept_id| opending_domain::directory::Seat {
                                    dept_id,
                                    order: 0,
                                    leader: false,
                                })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| {
                            opending_server::service::bad_input(
                                "--departments takes comma-separated department ids",
                            )
                        })?,
                ),
            };
            let input = StaffInput {
                userid,
                title,
                job_number,
                manager_userid: manager,
                departments: seats,
                ..StaffInput::default()
            };
            if input.is_empty() {
                out(&directory::profile(core, origin, &org, &user).await?)
            } else {
                out(&directory::set_profile(core, origin, &org, &user, &input).await?)
            }
        }
    }
}
