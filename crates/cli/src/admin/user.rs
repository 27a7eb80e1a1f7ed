//! `opending admin user …`: users.

use clap::Subcommand;
use opending_domain::Secret;
use opending_server::{
    service::{users, Error},
    Core, Origin,
};

use super::out;

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
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

/// Runs `opending admin user …`.
pub(super) async fn run(core: &Core, origin: &Origin, command: UserCommand) -> Result<(), Error> {
    match command {
        UserCommand::Create {
            login,
            nick,
            password,
            password_stdin,
            union_id,
            mobile,
            state_code,
            email,
            avatar_url,
        } => {
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
        UserCommand::List => out(&users::list_users(core).await?),
        UserCommand::Delete { union_id } => {
            users::delete_user(core, origin, &union_id).await?;
            out(&serde_json::json!({ "deleted": union_id }))
        }
    }
}
