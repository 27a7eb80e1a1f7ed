//! `opending admin …`: the same operations as the `/admin/v1/` API, run directly on the
//! server's database. Output is JSON on stdout; errors go to stderr with a non-zero exit code
//! (2 for bad input or a missing thing, 1 for anything else).

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use opending_domain::{Distribution, Secret};
use opending_server::{
    service::{admin, permissions, seed, users, Error},
    Core, Origin,
};
use serde::Serialize;

use crate::args::StorageArgs;

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
    /// Org memberships and roles.
    #[command(subcommand)]
    Member(MemberCommand),
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

#[derive(Debug, Subcommand)]
enum OrgCommand {
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

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user.
    Create {
        /// Sign-in name.
        #[arg(long)]
        login: String,
        /// Display name.
        #[arg(long)]
        nick: String,
        /// Password (8+ characters); prefer --password-stdin.
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// A chosen unionId (default: generated).
        #[arg(long)]
        union_id: Option<String>,
        /// Mobile number.
        #[arg(long)]
        mobile: Option<String>,
        /// Country calling code (default 86 with a mobile).
        #[arg(long)]
        state_code: Option<String>,
        /// E-mail.
        #[arg(long)]
        email: Option<String>,
        /// Avatar URL.
        #[arg(long)]
        avatar_url: Option<String>,
    },
    /// List users.
    List,
    /// Delete a user with their sessions, tokens and consents.
    Delete {
        /// unionId.
        union_id: String,
    },
}

#[derive(Debug, Subcommand)]
enum MemberCommand {
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

#[derive(Debug, Subcommand)]
enum PointCommand {
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

#[derive(Debug, Subcommand)]
enum AppCommand {
    /// Create an app; prints its client secret once.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// Owner org's corpId.
        #[arg(long)]
        org: String,
        /// internal or third-party.
        #[arg(long, default_value = "internal")]
        distribution: Distribution,
        /// A chosen clientId (default: generated).
        #[arg(long)]
        client_id: Option<String>,
        /// A chosen client secret (default: generated). Prefer the default.
        #[arg(long)]
        client_secret: Option<String>,
    },
    /// List apps.
    List {
        /// Only apps of this owner org.
        #[arg(long)]
        org: Option<String>,
    },
    /// Show one app.
    Show {
        /// clientId.
        client_id: String,
    },
    /// Give an app a new client secret (printed once) and revoke its tokens.
    RotateSecret {
        /// clientId.
        client_id: String,
    },
    /// Delete an app with its installations and tokens.
    Delete {
        /// clientId.
        client_id: String,
    },
    /// List the points an app added.
    Points {
        /// clientId.
        client_id: String,
    },
    /// Add a catalogue point to an app (the console's "apply for permission").
    AddPoint {
        /// clientId.
        client_id: String,
        /// Point code.
        code: String,
    },
    /// Remove a point from an app.
    RemovePoint {
        /// clientId.
        client_id: String,
        /// Point code.
        code: String,
    },
    /// List an app's redirect URIs and openAuth origins.
    Uris {
        /// clientId.
        client_id: String,
    },
    /// Register redirect URIs (browser login) and origins (openAuth) for an app.
    AddUri {
        /// clientId.
        client_id: String,
        /// A redirect URI (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// An origin such as https://app.example.com (repeatable).
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
    /// Unregister redirect URIs and origins.
    RemoveUri {
        /// clientId.
        client_id: String,
        /// A redirect URI (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// An origin (repeatable).
        #[arg(long = "origin")]
        origins: Vec<String>,
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

fn print(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs an admin subcommand.
pub async fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let config = args.storage.load(|_| {})?;
    opending_server::telemetry::init(config.log_format, "warn");
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
    let out = |v: &dyn erased::Json| v.print().map_err(Error::Internal);
    // The services audit these commands as the operator's.
    let origin = &Origin::operator();
    match command {
        AdminCommand::Org(OrgCommand::Create { name, corp_id }) => {
            out(&admin::create_org(core, origin, admin::NewOrg { name, corp_id }).await?)
        }
        AdminCommand::Org(OrgCommand::List) => out(&admin::list_orgs(core).await?),
        AdminCommand::Org(OrgCommand::Show { corp_id }) => {
            out(&admin::show_org(core, &corp_id).await?)
        }
        AdminCommand::App(AppCommand::Create {
            name,
            org,
            distribution,
            client_id,
            client_secret,
        }) => out(&admin::create_app(
            core,
            origin,
            admin::NewApp {
                name,
                owner_corp_id: org,
                distribution,
                client_id,
                client_secret: client_secret.map(Secret::new),
            },
        )
        .await?),
        AdminCommand::App(AppCommand::List { org }) => {
            out(&admin::list_apps(core, org.as_deref()).await?)
        }
        AdminCommand::App(AppCommand::Show { client_id }) => {
            out(&admin::show_app(core, &client_id).await?)
        }
        AdminCommand::App(AppCommand::RotateSecret { client_id }) => {
            out(&admin::rotate_secret(core, origin, &client_id, None).await?)
        }
        AdminCommand::App(AppCommand::Delete { client_id }) => {
            admin::delete_app(core, origin, &client_id).await?;
            out(&serde_json::json!({ "deleted": client_id }))
        }
        AdminCommand::Org(OrgCommand::AuthInfo { corp_id }) => {
            out(&admin::org_auth_info(core, &corp_id).await?)
        }
        AdminCommand::Org(OrgCommand::SetAuthInfo {
            corp_id,
            auth_level,
            license_org_name,
            registration_num,
            unified_social_credit,
            organization_code,
            legal_person,
            license_url,
        }) => out(&admin::set_org_auth_info(
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
        AdminCommand::App(AppCommand::Points { client_id }) => {
            out(&permissions::app_points(core, &client_id).await?)
        }
        AdminCommand::App(AppCommand::AddPoint { client_id, code }) => {
            out(&permissions::add_app_point(core, &client_id, &code).await?)
        }
        AdminCommand::App(AppCommand::RemovePoint { client_id, code }) => {
            out(&permissions::remove_app_point(core, &client_id, &code).await?)
        }
        AdminCommand::User(UserCommand::Create {
            login,
            nick,
            password,
            password_stdin,
            union_id,
            mobile,
            state_code,
            email,
            avatar_url,
        }) => {
            let password = match (password, password_stdin) {
                (Some(p), _) => p,
                (None, true) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| Error::Internal(e.into()))?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
                (None, false) => {
                    return Err(Error::Api(opending_domain::ApiError::with_message(
                        opending_domain::ErrorCode::InvalidParameter,
                        "give --password or --password-stdin",
                    )))
                }
            };
            out(&users::create_user(
                core,
                origin,
                users::NewUser {
                    login,
                    password: Secret::new(password),
                    nick,
                    union_id,
                    avatar_url,
                    mobile,
                    state_code,
                    email,
                },
            )
            .await?)
        }
        AdminCommand::User(UserCommand::List) => out(&users::list_users(core).await?),
        AdminCommand::User(UserCommand::Delete { union_id }) => {
            users::delete_user(core, origin, &union_id).await?;
            out(&serde_json::json!({ "deleted": union_id }))
        }
        AdminCommand::Member(MemberCommand::Set { org, user, role }) => {
            out(&users::set_membership(core, origin, &org, &user, role).await?)
        }
        AdminCommand::Member(MemberCommand::Remove { org, user }) => {
            users::remove_membership(core, origin, &org, &user).await?;
            out(&serde_json::json!({ "removed": user, "corpId": org }))
        }
        AdminCommand::Member(MemberCommand::List { org }) => {
            out(&users::members(core, &org).await?)
        }
        AdminCommand::App(AppCommand::Uris { client_id }) => {
            out(&users::app_uris(core, &client_id).await?)
        }
        AdminCommand::App(AppCommand::AddUri {
            client_id,
            redirect_uris,
            origins,
        }) => out(&users::add_app_uris(
            core,
            &client_id,
            &users::AppUris {
                redirect_uris,
                origins,
            },
        )
        .await?),
        AdminCommand::App(AppCommand::RemoveUri {
            client_id,
            redirect_uris,
            origins,
        }) => out(&users::remove_app_uris(
            core,
            &client_id,
            &users::AppUris {
                redirect_uris,
                origins,
            },
        )
        .await?),
        AdminCommand::Point(PointCommand::List) => out(&permissions::list_points(core).await?),
        AdminCommand::Point(PointCommand::Create {
            code,
            name,
            kind,
            grant_type,
            description,
        }) => out(&permissions::create_point(
            core,
            permissions::NewPoint {
                code,
                name,
                kind,
                grant_type,
                description,
            },
        )
        .await?),
        AdminCommand::Point(PointCommand::Delete { code }) => {
            permissions::delete_point(core, &code).await?;
            out(&serde_json::json!({ "deleted": code }))
        }
        AdminCommand::Grant { app, org, points } => {
            out(&permissions::grant(core, origin, &app, &org, &points).await?)
        }
        AdminCommand::RevokeGrant { app, org, point } => {
            out(&permissions::revoke_grant(core, origin, &app, &org, &point).await?)
        }
        AdminCommand::Install(a) => out(&admin::install(core, origin, &a.app, &a.org).await?),
        AdminCommand::Suspend(a) => out(&admin::suspend(core, origin, &a.app, &a.org).await?),
        AdminCommand::Uninstall(a) => {
            admin::uninstall(core, origin, &a.app, &a.org).await?;
            out(&serde_json::json!({ "uninstalled": a.app, "corpId": a.org }))
        }
        AdminCommand::Installations { app, org } => {
            out(&admin::list_installations(core, app.as_deref(), org.as_deref()).await?)
        }
        AdminCommand::Token(TokenCommand::Revoke { token, app, org }) => out(&admin::revoke(
            core,
            origin,
            admin::RevokeRequest {
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
