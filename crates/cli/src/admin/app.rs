//! `opending admin app …`: apps, their secrets, points, URIs and event callbacks.

use clap::Subcommand;
use opending_domain::{Distribution, Secret};
use opending_server::{
    service::{apps, events as crate_events, points, Error},
    Core, Origin,
};

use super::out;

#[derive(Debug, Subcommand)]
pub(super) enum AppCommand {
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
        /// A custom third-party app (定制应用): any suite ticket is accepted from it.
        #[arg(long)]
        custom: bool,
    },
    /// Mark a third-party app custom (定制应用: any suite ticket accepted), or not.
    SetCustom {
        /// clientId.
        client_id: String,
        /// `true` or `false`.
        #[arg(action = clap::ArgAction::Set)]
        custom: bool,
    },
    /// Set the URL of an app's admin backend (SSO sends org admins there with `?code=`).
    SetAdminUrl {
        /// clientId.
        client_id: String,
        /// An absolute http(s) URL, or "" to remove it.
        url: String,
    },
    /// Register the HTTP callback the app receives its events at (after the URL passes
    /// DingTalk's check_url exchange; outside emulator mode, only under events.callback_allow).
    SetCallback {
        /// clientId.
        client_id: String,
        /// The callback URL.
        #[arg(long)]
        url: String,
        /// The token (3–32 letters or digits).
        #[arg(long, env = "OPENDING_CALLBACK_TOKEN", hide_env_values = true)]
        token: String,
        /// The EncodingAESKey (43 characters).
        #[arg(long, env = "OPENDING_CALLBACK_AES_KEY", hide_env_values = true)]
        aes_key: String,
    },
    /// Show an app's HTTP callback (never its token or key).
    ShowCallback {
        /// clientId.
        client_id: String,
    },
    /// Remove an app's HTTP callback: its events go over Stream mode again.
    RemoveCallback {
        /// clientId.
        client_id: String,
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

/// Runs `opending admin app …`.
pub(super) async fn run(core: &Core, origin: &Origin, command: AppCommand) -> Result<(), Error> {
    match command {
        AppCommand::Create {
            name,
            org,
            distribution,
            client_id,
            client_secret,
            custom,
        } => out(&apps::create_app(
            core,
            origin,
            apps::NewApp {
                name,
                owner_corp_id: org,
                distribution,
                client_id,
                client_secret: client_secret.map(Secret::new),
                icon_url: String::new(),
                custom,
            },
        )
        .await?),
        AppCommand::SetCustom { client_id, custom } => {
            let settings = apps::IsvSettings {
                custom: Some(custom),
                admin_url: None,
            };
            out(&apps::update_isv_settings(core, origin, &client_id, settings).await?)
        }
        AppCommand::SetAdminUrl { client_id, url } => {
            let settings = apps::IsvSettings {
                custom: None,
                admin_url: Some(url),
            };
            out(&apps::update_isv_settings(core, origin, &client_id, settings).await?)
        }
        AppCommand::List { org } => out(&apps::list_apps(core, org.as_deref()).await?),
        AppCommand::Show { client_id } => out(&apps::show_app(core, &client_id).await?),
        AppCommand::SetCallback {
            client_id,
            url,
            token,
            aes_key,
        } => {
            let input = crate_events::CallbackInput {
                url,
                token,
                aes_key,
            };
            out(&crate_events::set_callback(core, origin, &client_id, input).await?)
        }
        AppCommand::ShowCallback { client_id } => {
            out(&crate_events::callback(core, origin, &client_id).await?)
        }
        AppCommand::RemoveCallback { client_id } => {
            crate_events::delete_callback(core, origin, &client_id).await?;
            out(&serde_json::json!({ "removed": client_id }))
        }
        AppCommand::RotateSecret { client_id } => {
            out(&apps::rotate_secret(core, origin, &client_id, None).await?)
        }
        AppCommand::Delete { client_id } => {
            apps::delete_app(core, origin, &client_id).await?;
            out(&serde_json::json!({ "deleted": client_id }))
        }
        AppCommand::Points { client_id } => out(&points::app_points(core, &client_id).await?),
        AppCommand::AddPoint { client_id, code } => {
            out(&points::add_app_point(core, origin, &client_id, &code).await?)
        }
        AppCommand::RemovePoint { client_id, code } => {
            out(&points::remove_app_point(core, origin, &client_id, &code).await?)
        }
        AppCommand::Uris { client_id } => out(&apps::app_uris(core, &client_id).await?),
        AppCommand::AddUri {
            client_id,
            redirect_uris,
            origins,
        } => out(&apps::add_app_uris(
            core,
            origin,
            &client_id,
            &apps::AppUris {
                redirect_uris,
                origins,
            },
        )
        .await?),
        AppCommand::RemoveUri {
            client_id,
            redirect_uris,
            origins,
        } => out(&apps::remove_app_uris(
            core,
            origin,
            &client_id,
            &apps::AppUris {
                redirect_uris,
                origins,
            },
        )
        .await?),
    }
}
