//! `opending admin dept …`: an org's directory departments.

use clap::Subcommand;
use opending_server::{
    service::{
        directory::{self, DepartmentInput},
        Error,
    },
    Core, Origin,
};

use super::out;

#[derive(Debug, Subcommand)]
pub(super) enum DeptCommand {
    /// List an org's departments (the root, 1, is the org).
    List {
        /// corpId.
        #[arg(long)]
        org: String,
    },
    /// Create or change a department; a new --parent moves it.
    Set {
        /// corpId.
        #[arg(long)]
        org: String,
        /// The department's id (greater than 1).
        #[arg(long)]
        id: i64,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its parent (1, the org, by default).
        #[arg(long, default_value_t = 1)]
        parent: i64,
        /// Its place among its siblings.
        #[arg(long, default_value_t = 0)]
        order: i64,
        /// A manager's userid (repeatable).
        #[arg(long = "manager")]
        managers: Vec<String>,
    },
    /// Remove a department (it must have no departments under it and no members).
    Remove {
        /// corpId.
        #[arg(long)]
        org: String,
        /// The department's id.
        #[arg(long)]
        id: i64,
    },
}

/// Runs `opending admin dept …`.
pub(super) async fn run(core: &Core, origin: &Origin, command: DeptCommand) -> Result<(), Error> {
    match command {
        DeptCommand::List { org } => out(&directory::list_departments(core, origin, &org).await?),
        DeptCommand::Set {
            org,
            id,
            name,
            parent,
            order,
            managers,
        } => {
            let input = DepartmentInput {
                dept_id: id,
                name,
                parent_id: parent,
                order,
                managers,
            };
            out(&directory::put_department(core, origin, &org, input).await?)
        }
        DeptCommand::Remove { org, id } => {
            directory::delete_department(core, origin, &org, id).await?;
            out(&serde_json::json!({ "removed": id, "corpId": org }))
        }
    }
}
