//! `opending token …` and `opending contact …`: calls to DingTalk or any opending server
//! through `opending-client`, printing the API's JSON answer on stdout.
//!
//! Exit codes: 0 success; 2 a usage error (bad flags, missing credentials, unreadable
//! profile) or a 4xx answer other than the two below; 3 an authentication or permission
//! error (`invalid.client`, `unauthorized.client`, `invalid.grant`, `InvalidAuthentication`,
//! a missing permission point, any 401); 1 everything else: no connection, timeout, 5xx, a
//! rate limit, an unreadable answer.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Args, Subcommand};
use opending_client::{
    model::{
        GetAccessTokenRequest, GetCorpAccessTokenRequest, GetSsoAccessTokenRequest,
        GetSuiteAccessTokenRequest, GetTokenRequest, GetUserTokenRequest, IntrospectRequest,
        IntrospectionAuth,
    },
    AppTokenManager, Client, Credentials, Secret,
};
use serde::Serialize;

use crate::client_profile::{self, Profile};

/// Where to connect and as whom; every flag can also come from the environment or a profile.
#[derive(Debug, Args)]
pub struct ConnArgs {
    /// Profile to use from the profile file [default: the file's `default`].
    #[arg(long, global = true, env = "OPENDING_PROFILE", value_name = "NAME")]
    profile: Option<String>,
    /// Profile file [default: ~/.config/opending/profile.toml].
    #[arg(
        long,
        global = true,
        env = "OPENDING_PROFILE_FILE",
        value_name = "FILE"
    )]
    profile_file: Option<PathBuf>,
    /// API base URL, e.g. http://127.0.0.1:8080 [default: https://api.dingtalk.com].
    #[arg(long, global = true, env = "OPENDING_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
    /// The app's clientId (AppKey).
    #[arg(long, global = true, env = "OPENDING_CLIENT_ID", value_name = "ID")]
    client_id: Option<String>,
    /// The app's client secret (prefer the environment variable: flags show in `ps`).
    #[arg(
        long,
        global = true,
        env = "OPENDING_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    client_secret: Option<String>,
    /// An access token for `contact` commands (app token for org-auth-info, user token for me).
    #[arg(
        long,
        global = true,
        env = "OPENDING_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: Option<String>,
    /// Seconds one attempt may take.
    #[arg(long, global = true, default_value_t = 10, value_name = "SECS")]
    timeout: u64,
}

/// Flags of `opending token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    conn: ConnArgs,
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Get an app access token: POST /v1.0/oauth2/{corpId}/token (or the legacy
    /// /v1.0/oauth2/accessToken with --legacy, or DingTalk's oapi GET /gettoken with --oapi).
    App {
        /// The org the app runs in [env: OPENDING_CORP_ID; or the profile's corp_id].
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
        /// Use the legacy endpoint (internal apps, their own org; --corp is not used).
        #[arg(long, conflicts_with = "oapi")]
        legacy: bool,
        /// Use the oapi GET /gettoken (internal apps, their own org; the same token).
        #[arg(long)]
        oapi: bool,
    },
    /// Get the JSAPI ticket of an app token's (app, org): POST /v1.0/oauth2/jsapiTickets (or
    /// the oapi GET /get_jsapi_ticket with --oapi). Uses --token, or fetches an app token with
    /// the client credentials and --corp.
    Jsapi {
        /// The org to fetch an app token in, when no --token is given.
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
        /// Use the oapi endpoint (the same ticket, in the errcode envelope).
        #[arg(long)]
        oapi: bool,
    },
    /// Get a third-party app's suite token: POST /v1.0/oauth2/suiteAccessToken (or the oapi
    /// POST /service/get_suite_token with --oapi). The client credentials are the suite key
    /// and secret.
    Suite {
        /// The latest suite ticket (any string for a custom app).
        #[arg(
            long,
            env = "OPENDING_SUITE_TICKET",
            hide_env_values = true,
            value_name = "TICKET"
        )]
        ticket: String,
        /// Use the oapi endpoint (errcode envelope).
        #[arg(long)]
        oapi: bool,
    },
    /// Get a third-party app's token in an org that installed it: POST
    /// /v1.0/oauth2/corpAccessToken (or the signed oapi POST /service/get_corp_token with
    /// --signed). The token is an app token, new on each call.
    Corp {
        /// The installing org [env: OPENDING_CORP_ID; or the profile's corp_id].
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
        /// The latest suite ticket (any string for a custom app).
        #[arg(
            long,
            env = "OPENDING_SUITE_TICKET",
            hide_env_values = true,
            value_name = "TICKET"
        )]
        ticket: String,
        /// Use the signed oapi call (HMAC-SHA256 over the timestamp and the ticket).
        #[arg(long)]
        signed: bool,
    },
    /// Get an org's SSO token: POST /v1.0/oauth2/ssoAccessToken (or the oapi GET
    /// /sso/gettoken with --oapi).
    Sso {
        /// The org [env: OPENDING_CORP_ID; or the profile's corp_id].
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
        /// The org's SSO secret (prefer the environment variable: flags show in `ps`).
        #[arg(
            long,
            env = "OPENDING_SSO_SECRET",
            hide_env_values = true,
            value_name = "SECRET"
        )]
        sso_secret: String,
        /// Use the oapi endpoint (errcode envelope).
        #[arg(long)]
        oapi: bool,
    },
    /// Get a user access token: POST /v1.0/oauth2/userAccessToken.
    User {
        /// Exchange this auth code (single use).
        #[arg(long, value_name = "CODE", required_unless_present = "refresh")]
        code: Option<String>,
        /// Exchange this refresh token (it is rotated: save the new one printed).
        #[arg(long, value_name = "TOKEN", conflicts_with = "code")]
        refresh: Option<String>,
    },
    /// Ask an opending server whether a token is live, as the app (POST /v1.0/oauth2/introspect).
    Introspect {
        /// The token to examine [default: --token].
        #[arg(value_name = "TOKEN")]
        token: Option<String>,
    },
}

/// Flags of `opending contact`.
#[derive(Debug, Args)]
pub struct ContactArgs {
    #[command(flatten)]
    conn: ConnArgs,
    #[command(subcommand)]
    command: ContactCommand,
}

#[derive(Debug, Subcommand)]
enum ContactCommand {
    /// An org's certification info: GET /v1.0/contact/organizations/authInfos. Uses --token, or
    /// fetches an app token with the client credentials and --corp.
    OrgAuthInfo {
        /// The org to read [default: the token's own].
        #[arg(long, value_name = "CORP")]
        target: Option<String>,
        /// The org to fetch an app token in, when no --token is given.
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
    },
    /// The signed-in user's profile: GET /v1.0/contact/users/me (needs a user token).
    Me,
    /// A user's profile: GET /v1.0/contact/users/{unionId} (needs a user token).
    User {
        /// The user's unionId.
        union_id: String,
    },
    /// A member of the org's directory: topapi/v2/user/get (by --userid, or by --unionid
    /// through topapi/user/getbyunionid). Uses --token, or fetches an app token with the client
    /// credentials and --corp.
    Member {
        /// The member's userid.
        #[arg(long, required_unless_present = "unionid", conflicts_with = "unionid")]
        userid: Option<String>,
        /// The member's unionId.
        #[arg(long)]
        unionid: Option<String>,
        /// The org to fetch an app token in, when no --token is given.
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
    },
    /// A department's child departments: topapi/v2/department/listsub (the root's by default).
    Departments {
        /// The department (1 is the org).
        #[arg(long)]
        dept: Option<i64>,
        /// The org to fetch an app token in, when no --token is given.
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
    },
    /// A page of a department's members: topapi/v2/user/list.
    DeptMembers {
        /// The department (1 is the org).
        #[arg(long, default_value_t = 1)]
        dept: i64,
        /// Where to start (0, then the answer's next_cursor).
        #[arg(long, default_value_t = 0)]
        cursor: i64,
        /// How many (1 to 100).
        #[arg(long, default_value_t = 100)]
        size: i64,
        /// The org to fetch an app token in, when no --token is given.
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
    },
    /// Who an in-app login (免登) code from dd.requestAuthCode was made for:
    /// topapi/v2/user/getuserinfo (single use).
    InappUser {
        /// The code.
        #[arg(long)]
        code: String,
        /// The org to fetch an app token in, when no --token is given.
        #[arg(long, env = "OPENDING_CORP_ID", value_name = "CORP")]
        corp: Option<String>,
    },
}

/// Why a command failed, and so its exit code.
enum Failure {
    Usage(String),
    Api(opending_client::Error),
}

impl From<opending_client::Error> for Failure {
    fn from(e: opending_client::Error) -> Self {
        Failure::Api(e)
    }
}

type Outcome = Result<(), Failure>;

/// The settings after flags, environment and profile are merged.
struct Conn {
    client: Client,
    profile: Profile,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    token: Option<Secret>,
}

impl Conn {
    fn open(args: ConnArgs) -> Result<Self, Failure> {
        let profile = client_profile::load(args.profile_file.as_deref(), args.profile.as_deref())
            .map_err(Failure::Usage)?;
        let mut builder = Client::builder().timeout(Duration::from_secs(args.timeout.max(1)));
        if let Some(base) = args.base_url.or_else(|| profile.base_url.clone()) {
            builder = builder.base_url(base);
        }
        let client = builder.build().map_err(|e| Failure::Usage(e.to_string()))?;
        Ok(Self {
            client,
            client_id: args.client_id.or_else(|| profile.client_id.clone()),
            client_secret: args
                .client_secret
                .map(Secret::new)
                .or_else(|| profile.client_secret.clone()),
            token: args
                .token
                .map(Secret::new)
                .or_else(|| profile.access_token.clone()),
            profile,
        })
    }

    fn credentials(&self) -> Result<Credentials, Failure> {
        match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) => Ok(Credentials::new(id.clone(), secret.clone())),
            _ => Err(Failure::Usage(
                "client credentials are needed: --client-id and --client-secret, \
                 OPENDING_CLIENT_ID and OPENDING_CLIENT_SECRET, or a profile"
                    .into(),
            )),
        }
    }

    fn corp(&self, flag: Option<String>) -> Result<String, Failure> {
        flag.or_else(|| self.profile.corp_id.clone())
            .ok_or_else(|| {
                Failure::Usage(
                    "an org is needed: --corp, OPENDING_CORP_ID, or corp_id in the profile".into(),
                )
            })
    }

    fn token(&self, what: &str) -> Result<Secret, Failure> {
        self.token.clone().ok_or_else(|| {
            Failure::Usage(format!(
                "{what} is needed: --token, OPENDING_ACCESS_TOKEN, or access_token in the profile"
            ))
        })
    }
}

fn print(value: &impl Serialize) -> Outcome {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Usage(format!("cannot print the answer: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Runs `opending token …`.
pub async fn run_token(args: TokenArgs) -> anyhow::Result<ExitCode> {
    Ok(finish(token(args).await))
}

/// Runs `opending contact …`.
pub async fn run_contact(args: ContactArgs) -> anyhow::Result<ExitCode> {
    Ok(finish(contact(args).await))
}

async fn token(args: TokenArgs) -> Outcome {
    let conn = Conn::open(args.conn)?;
    match args.command {
        TokenCommand::App { oapi: true, .. } => {
            print(&conn.client.get_token_legacy(&conn.credentials()?).await?)
        }
        TokenCommand::Jsapi { corp, oapi } => {
            let token = match &conn.token {
                Some(t) => t.clone(),
                None => {
                    let corp = conn.corp(corp)?;
                    let req = GetTokenRequest::client_credentials(&conn.credentials()?);
                    conn.client.get_token(&corp, &req).await?.access_token
                }
            };
            if oapi {
                print(&conn.client.get_jsapi_ticket(&token).await?)
            } else {
                print(&conn.client.create_jsapi_ticket(&token).await?)
            }
        }
        TokenCommand::App { legacy: true, .. } => {
            let req = GetAccessTokenRequest::new(&conn.credentials()?);
            print(&conn.client.get_access_token(&req).await?)
        }
        TokenCommand::App { corp, .. } => {
            let corp = conn.corp(corp)?;
            let req = GetTokenRequest::client_credentials(&conn.credentials()?);
            print(&conn.client.get_token(&corp, &req).await?)
        }
        TokenCommand::Suite { ticket, oapi } => {
            let creds = conn.credentials()?;
            let ticket = Secret::new(ticket);
            if oapi {
                print(&conn.client.get_suite_token_legacy(&creds, &ticket).await?)
            } else {
                let req = GetSuiteAccessTokenRequest::new(&creds, &ticket);
                print(&conn.client.get_suite_access_token(&req).await?)
            }
        }
        TokenCommand::Corp {
            corp,
            ticket,
            signed,
        } => {
            let corp = conn.corp(corp)?;
            let creds = conn.credentials()?;
            let ticket = Secret::new(ticket);
            if signed {
                print(
                    &conn
                        .client
                        .get_corp_token_signed(&creds, &ticket, &corp)
                        .await?,
                )
            } else {
                let req = GetCorpAccessTokenRequest::new(&creds, &corp, &ticket);
                print(&conn.client.get_corp_access_token(&req).await?)
            }
        }
        TokenCommand::Sso {
            corp,
            sso_secret,
            oapi,
        } => {
            let creds = Credentials::new(conn.corp(corp)?, Secret::new(sso_secret));
            if oapi {
                print(&conn.client.get_sso_token_legacy(&creds).await?)
            } else {
                let req = GetSsoAccessTokenRequest::new(&creds);
                print(&conn.client.get_sso_access_token(&req).await?)
            }
        }
        TokenCommand::User { code, refresh } => {
            let creds = conn.credentials()?;
            let req = match (code, refresh) {
                (Some(code), _) => GetUserTokenRequest::authorization_code(&creds, code),
                (None, Some(refresh)) => GetUserTokenRequest::refresh_token(&creds, refresh),
                (None, None) => return Err(Failure::Usage("give --code or --refresh".into())),
            };
            print(&conn.client.get_user_token(&req).await?)
        }
        TokenCommand::Introspect { token } => {
            let token = match token {
                Some(t) => Secret::new(t),
                None => conn.token("a token to examine")?,
            };
            let auth = IntrospectionAuth::Client(conn.credentials()?);
            print(
                &conn
                    .client
                    .introspect(&auth, &IntrospectRequest::new(token))
                    .await?,
            )
        }
    }
}

/// The app token of --token, or one fetched with the client credentials in `corp`.
async fn app_token(conn: &Conn, corp: Option<String>) -> Result<Secret, Failure> {
    if let Some(token) = &conn.token {
        return Ok(token.clone());
    }
    let creds = conn.credentials().map_err(|_| {
        Failure::Usage(
            "an app token is needed: --token, or client credentials and --corp to fetch one".into(),
        )
    })?;
    let manager = AppTokenManager::new(conn.client.clone(), creds, conn.corp(corp)?);
    Ok(manager.get_token().await?)
}

async fn contact(args: ContactArgs) -> Outcome {
    let conn = Conn::open(args.conn)?;
    match args.command {
        ContactCommand::Member {
            userid,
            unionid,
            corp,
        } => {
            let token = app_token(&conn, corp).await?;
            let userid = match (userid, unionid) {
                (Some(u), _) => u,
                (None, Some(union)) => {
                    conn.client
                        .get_userid_by_unionid(&token, &union)
                        .await?
                        .userid
                }
                (None, None) => return Err(Failure::Usage("give --userid or --unionid".into())),
            };
            print(&conn.client.get_directory_user(&token, &userid).await?)
        }
        ContactCommand::Departments { dept, corp } => {
            let token = app_token(&conn, corp).await?;
            print(&conn.client.list_sub_departments(&token, dept).await?)
        }
        ContactCommand::DeptMembers {
            dept,
            cursor,
            size,
            corp,
        } => {
            let token = app_token(&conn, corp).await?;
            print(
                &conn
                    .client
                    .list_directory_users(&token, dept, cursor, size)
                    .await?,
            )
        }
        ContactCommand::InappUser { code, corp } => {
            let token = app_token(&conn, corp).await?;
            print(
                &conn
                    .client
                    .get_inapp_user_info(&token, &Secret::new(code))
                    .await?,
            )
        }
        ContactCommand::OrgAuthInfo { target, corp } => {
            let target = target.as_deref();
            if let Some(token) = &conn.token {
                return print(&conn.client.get_org_auth_info(token, target).await?);
            }
            let creds = conn.credentials().map_err(|_| {
                Failure::Usage(
                    "an app token is needed: --token, or client credentials and --corp to fetch one"
                        .into(),
                )
            })?;
            let manager = AppTokenManager::new(conn.client.clone(), creds, conn.corp(corp)?);
            let client = conn.client.clone();
            let info = manager
                .call_with_app_token(|t| {
                    let client = client.clone();
                    async move { client.get_org_auth_info(&t, target).await }
                })
                .await?;
            print(&info)
        }
        ContactCommand::Me => {
            let token = conn.token("a user access token")?;
            print(&conn.client.get_me(&token).await?)
        }
        ContactCommand::User { union_id } => {
            let token = conn.token("a user access token")?;
            print(&conn.client.get_user(&token, &union_id).await?)
        }
    }
}

/// Reports a failure on stderr and picks the exit code.
fn finish(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Api(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// 3 for authentication and permission errors, 2 for other 4xx, 1 for the rest.
fn exit_code(e: &opending_client::Error) -> u8 {
    if e.is_auth_error() {
        3
    } else if e.is_retryable() {
        1
    } else if matches!(e, opending_client::Error::Config(_)) {
        2
    } else {
        match e.status() {
            // A legacy (oapi) refusal is an errcode in a 200.
            Some(s) if (400..500).contains(&s) || s == 200 => 2,
            _ => 1,
        }
    }
}
