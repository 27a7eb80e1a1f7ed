//! `opending admin point …`: the permission point catalogue.

use clap::Subcommand;
use opending_server::{
    service::{points, Error},
    Core,
};

use super::out;

#[derive(Debug, Subcommand)]
pub(super) enum PointCommand {
    /// List the catalogue.
    List,
    /// Add a custom point.
    Create {
        /// Code, e.g. Acme.Invoice.Read.
        #[arg(long)]
        code: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// rpc or field.
        #[arg(long)]
        kind: opending_domain::PointKind,
        /// app or delegated.
        #[arg(long)]
        grant_type: opending_domain::GrantType,
        /// What it allows.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Delete a custom point.
    Delete {
        /// The code.
        code: String,
    },
}

/// Runs `opending admin point …`.
pub(super) async fn run(core: &Core, command: PointCommand) -> Result<(), Error> {
    match command {
        PointCommand::List => out(&points::list_points(core).await?),
        PointCommand::Create {
            code,
            name,
            kind,
            grant_type,
            description,
        } => out(&points::create_point(
            core,
            points::NewPoint {
                code,
                name,
                kind,
                grant_type,
                description,
            },
        )
        .await?),
        PointCommand::Delete { code } => {
            points::delete_point(core, &code).await?;
            out(&serde_json::json!({ "deleted": code }))
        }
    }
}
