//! `opending admin …`: the same operations as the `/admin/v1/` API, run directly on the
//! server's database. Output is JSON on stdout; errors go to stderr with a non-zero exit code
//! (2 for bad input or a missing thing, 1 for anything else).

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use opending_domain::Secret;
use opending_server::{
    service::{installations, points, seed, tokens, Error},
    Core, Origin,
};
use serde::Serialize;

use crate::args::StorageArgs;

mod app;
mod dept;
mod member;
mod org;
mod point;
mod user;

use self::{
    app::AppCommand, dept::DeptCommand, member::MemberCommand, org::OrgCommand,
    point::PointCommand, user::UserCommand,
};

/// Flags of `opending admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Orgs.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Apps.
    #[command(subcommand)]
    App(AppCommand),
    /// Install a third-party app in an org (or reactivate a suspended installation).
    Install(AppInOrg),
    /// Suspend an installation: the app's tokens there stop working at once.
    Suspend(AppInOrg),
    /// Remove an installation and the app's tokens in that org.
    Uninstall(AppInOrg),
    /// List installations.
    Installations {
        /// Only this app's.
        #[arg(long)]
        app: Option<String>,
        /// Only in this org.
        #[arg(long)]
        org: Option<String>,
    },
    /// Tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The permission point catalogue.
    #[command(subcommand)]
    Point(PointCommand),
    /// Users (who sign in to consent pages).
    #[command(subcommand)]
    User(UserCommand),
    /// Org memberships and roles, and members' staff profiles.
    #[command(subcommand)]
    Member(MemberCommand),
    /// An org's directory departments.
    #[command(subcommand)]
    Dept(DeptCommand),
    /// An org grants app-type points to a third-party app installed there.
    Grant {
        /// The app's clientId.
        #[arg(long)]
        app: String,
        /// The org's corpId.
        #[arg(long)]
        org: String,
        /// Point codes (repeatable), or `.default` for every app-type point the app added.
        #[arg(long = "point", required = true)]
        points: Vec<String>,
    },
    /// An org withdraws a grant.
    RevokeGrant {
        /// The app's clientId.
        #[arg(long)]
        app: String,
        /// The org's corpId.
        #[arg(long)]
        org: String,
        /// The point code.
        #[arg(long)]
        point: String,
    },
    /// Apply a seed file (YAML or JSON); applying it twice changes nothing.
    Apply {
        /// The seed file.
        file: PathBuf,
    },
    /// The audit log (security events), newest first, one page at a time.
    Audit {
        /// Only this org's events (corpId).
        #[arg(long)]
        org: Option<String>,
        /// Only this app's events (clientId).
        #[arg(long)]
        app: Option<String>,
        /// Only these kinds, comma-separated (e.g. token_revoked,secret_rotated).
        #[arg(long)]
        kind: Option<String>,
        /// At or after this Unix time.
        #[arg(long)]
        since: Option<i64>,
        /// Before this Unix time.
        #[arg(long)]
        until: Option<i64>,
        /// Most events (default 100, at most 1000).
        #[arg(long)]
        limit: Option<u32>,
        /// The nextCursor of the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
}

#[derive(Debug, Args)]
struct AppInOrg {
    /// The app's clientId.
    #[arg(long)]
    app: String,
    /// The org's corpId.
    #[arg(long)]
    org: String,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Revoke one token (--token) or an app's tokens (--app [--org]).
    Revoke {
        /// The token value.
        #[arg(long, conflicts_with_all = ["app", "org"])]
        token: Option<String>,
        /// Every token of this app…
        #[arg(long, required_unless_present = "token")]
        app: Option<String>,
        /// …in this org only.
        #[arg(long, requires = "app")]
        org: Option<String>,
    },
}

/// Prints an answer as pretty JSON on stdout.
fn out(value: &dyn erased::Json) -> Result<(), Error> {
    value.print().map_err(Error::Internal)
}

fn print(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs an admin subcommand.
pub async fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let config = args.storage.load(|_| {})?;
    let _log = opending_server::telemetry::init(config.log_format, "warn");
    let core = Core::open(&config).await?;
    match execute(&core, args.command).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Error::Api(e)) => {
            eprintln!("error: {} ({})", e.message(), e.code.code());
            Ok(ExitCode::from(2))
        }
        Err(Error::Internal(e)) => Err(e),
    }
}

async fn execute(core: &Core, command: AdminCommand) -> Result<(), Error> {
    // The services audit these commands as the operator's.
    let origin = &Origin::operator();
    match command {
        AdminCommand::Point(command) => point::run(core, command).await,
        AdminCommand::Member(command) => member::run(core, origin, command).await,
        AdminCommand::Dept(command) => dept::run(core, origin, command).await,
        AdminCommand::User(command) => user::run(core, origin, command).await,
        AdminCommand::App(command) => app::run(core, origin, command).await,
        AdminCommand::Org(command) => org::run(core, origin, command).await,
        AdminCommand::Grant { app, org, points } => {
            out(&points::grant(core, origin, &app, &org, &points).await?)
        }
        AdminCommand::RevokeGrant { app, org, point } => {
            out(&points::revoke_grant(core, origin, &app, &org, &point).await?)
        }
        AdminCommand::Install(a) => {
            out(&installations::install(core, origin, &a.app, &a.org).await?)
        }
        AdminCommand::Suspend(a) => {
            out(&installations::suspend(core, origin, &a.app, &a.org).await?)
        }
        AdminCommand::Uninstall(a) => {
            installations::uninstall(core, origin, &a.app, &a.org).await?;
            out(&serde_json::json!({ "uninstalled": a.app, "corpId": a.org }))
        }
        AdminCommand::Installations { app, org } => {
            out(&installations::list_installations(core, app.as_deref(), org.as_deref()).await?)
        }
        AdminCommand::Token(TokenCommand::Revoke { token, app, org }) => out(&tokens::revoke(
            core,
            origin,
            tokens::RevokeRequest {
                token: token.map(Secret::new),
                client_id: app,
                corp_id: org,
            },
        )
        .await?),
        AdminCommand::Apply { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                Error::Api(opending_domain::ApiError::with_message(
                    opending_domain::ErrorCode::InvalidParameter,
                    format!("cannot read {}: {e}", file.display()),
                ))
            })?;
            let doc = seed::parse(&text)?;
            out(&seed::apply(core, origin, &doc).await?)
        }
        AdminCommand::Audit {
            org,
            app,
            kind,
            since,
            until,
            limit,
            cursor,
        } => out(&opending_server::service::audit::list(
            core,
            opending_server::service::audit::AuditFilter {
                org,
                app,
                kind,
                since,
                until,
                limit,
                cursor,
            },
        )
        .await?),
    }
}

/// Printing any serialisable answer through one closure.
mod erased {
    /// A value printable as pretty JSON.
    pub trait Json {
        /// Prints it to stdout.
        fn print(&self) -> anyhow::Result<()>;
    }

    impl<T: serde::Serialize> Json for T {
        fn print(&self) -> anyhow::Result<()> {
            super::print(self)
        }
    }
}
