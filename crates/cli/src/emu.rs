//! `opending emu …`: drives a running emulator's control API (`/_opending/…`) over HTTP.
//! Output is the server's JSON; exit code 0 on success, 2 when the server refused the call,
//! 1 when it could not be reached.

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// Flags of `opending emu`.
#[derive(Debug, Args)]
pub struct EmuArgs {
    /// Base URL of the emulator.
    #[arg(long, env = "OPENDING_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    #[command(subcommand)]
    command: EmuCommand,
}

#[derive(Debug, Subcommand)]
enum EmuCommand {
    /// Return the world to the seed file the server started with.
    Reset,
    /// Apply a seed file (YAML or JSON) now.
    Seed {
        /// The seed file.
        file: PathBuf,
    },
    /// Read or move the server's clock.
    Clock {
        /// Move it by this many seconds.
        #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["set", "reset"])]
        advance: Option<i64>,
        /// Set it to this Unix time.
        #[arg(long, conflicts_with = "reset")]
        set: Option<i64>,
        /// Back to real time.
        #[arg(long)]
        reset: bool,
    },
    /// Mint an authorization code as if the user had consented.
    MintCode {
        /// The app's clientId.
        #[arg(long)]
        app: String,
        /// The user's unionId.
        #[arg(long)]
        user: String,
        /// The org (the user must be a member).
        #[arg(long)]
        corp: Option<String>,
        /// A delegated point (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// List issued tokens and codes.
    Tokens,
    /// Make a token or code expire now.
    Expire {
        /// Its id (from `emu tokens`).
        id: String,
    },
    /// Revoke a token.
    Revoke {
        /// Its id (from `emu tokens`).
        id: String,
    },
    /// The request journal.
    Journal {
        /// Only paths starting with this.
        #[arg(long)]
        path_prefix: Option<String>,
        /// Only this app's requests.
        #[arg(long)]
        client_id: Option<String>,
        /// Per-route counters instead of entries.
        #[arg(long)]
        counts: bool,
        /// Empty the journal.
        #[arg(long, conflicts_with = "counts")]
        clear: bool,
    },
    /// Fault injection.
    #[command(subcommand)]
    Fault(FaultCommand),
    /// Read a third-party app's suite ticket, or push a new one with --rotate.
    SuiteTicket {
        /// The app's clientId (suite key).
        app: String,
        /// Replace the ticket now (the replaced one stays accepted as the previous).
        #[arg(long)]
        rotate: bool,
    },
    /// Mint an SSO code as if an org admin had opened the app's admin backend.
    SsoCode {
        /// The app's clientId.
        #[arg(long)]
        app: String,
        /// The org.
        #[arg(long)]
        corp: String,
        /// The admin's unionId.
        #[arg(long)]
        user: String,
    },
    /// Raise an event (docs/events.md): an org event to every app that receives it there, or an
    /// app's own event to that app.
    RaiseEvent {
        /// `eventType`, e.g. `user_add_org`, `org_dept_create`, `suite_ticket`.
        #[arg(long = "type")]
        event_type: String,
        /// The org where it happens (org events).
        #[arg(long)]
        corp: Option<String>,
        /// Only this app (required for an app's own events).
        #[arg(long)]
        app: Option<String>,
        /// The payload, a JSON object (e.g. '{"userId":["u1"]}').
        #[arg(long)]
        data: Option<String>,
    },
    /// Events with their delivery attempts.
    Events {
        /// Only this app's.
        #[arg(long)]
        app: Option<String>,
        /// Only this type.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Only `pending`, `acked` or `failed` ones.
        #[arg(long)]
        state: Option<String>,
    },
    /// End the JSAPI ticket of (app, org) now: the next fetch makes a new one.
    ExpireJsapiTicket {
        /// The app's clientId.
        app: String,
        /// The org.
        corp: String,
    },
}

/// DingTalk's throttling answers, as fault presets.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Throttle {
    /// The app's per-API limit: 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` on v1.0
    /// paths, errcode 90018 on oapi paths.
    App,
    /// The API's global limit: `Forbidden.AccessDenied.QpsLimitForApi`, errcode 90002.
    Api,
    /// The per-address ban: `{"status":1111,…}` in neither envelope.
    Ip,
    /// The per-address ban's HTML page.
    IpHtml,
}

#[derive(Debug, Subcommand)]
enum FaultCommand {
    /// Add a rule.
    Add {
        /// Only paths starting with this.
        #[arg(long)]
        path_prefix: Option<String>,
        /// Only this method.
        #[arg(long)]
        method: Option<String>,
        /// Answer this DingTalk error code (v1.0 code; the oapi errcode on legacy paths).
        #[arg(long, conflicts_with_all = ["latency_ms", "drop", "errcode", "throttle"])]
        code: Option<String>,
        /// Answer this legacy errcode (HTTP 200 `{"errcode","errmsg"}`), e.g. 90018 or -1.
        #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["latency_ms", "drop", "throttle"])]
        errcode: Option<i64>,
        /// The errmsg for --errcode [default: DingTalk's text for the codes opending knows].
        #[arg(long, requires = "errcode")]
        errmsg: Option<String>,
        /// Answer as DingTalk's throttling does.
        #[arg(long, value_enum, conflicts_with_all = ["latency_ms", "drop"])]
        throttle: Option<Throttle>,
        /// Add this much latency (ms).
        #[arg(long, conflicts_with = "drop")]
        latency_ms: Option<u64>,
        /// Drop the connection.
        #[arg(long)]
        drop: bool,
        /// Only for the next N matching requests.
        #[arg(long)]
        times: Option<u64>,
        /// Only for this fraction of matching requests.
        #[arg(long)]
        probability: Option<f64>,
    },
    /// List rules.
    List,
    /// Remove one rule (--id) or all.
    Clear {
        /// The rule's id.
        #[arg(long)]
        id: Option<u64>,
    },
}

/// Runs an emulator command.
pub async fn run(args: EmuArgs) -> anyhow::Result<ExitCode> {
    let base = format!("{}/_opending", args.url.trim_end_matches('/'));
    let http = reqwest::Client::new();
    let (method, path, body): (reqwest::Method, String, Option<Value>) = match args.command {
        EmuCommand::Reset => (reqwest::Method::POST, "/reset".into(), None),
        EmuCommand::Seed { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            return send(http.post(format!("{base}/seed")).body(text)).await;
        }
        EmuCommand::Clock {
            advance,
            set,
            reset,
        } => match (advance, set, reset) {
            (Some(d), _, _) => (
                reqwest::Method::POST,
                "/clock".into(),
                Some(json!({"advanceSeconds": d})),
            ),
            (_, Some(t), _) => (
                reqwest::Method::POST,
                "/clock".into(),
                Some(json!({"now": t})),
            ),
            (_, _, true) => (
                reqwest::Method::POST,
                "/clock".into(),
                Some(json!({"reset": true})),
            ),
            _ => (reqwest::Method::GET, "/clock".into(), None),
        },
        EmuCommand::MintCode {
            app,
            user,
            corp,
            scopes,
        } => (
            reqwest::Method::POST,
            "/codes".into(),
            Some(json!({"clientId": app, "unionId": user, "corpId": corp, "scopes": scopes})),
        ),
        EmuCommand::Tokens => (reqwest::Method::GET, "/tokens".into(), None),
        EmuCommand::Expire { id } => (
            reqwest::Method::POST,
            format!("/tokens/{}/expire", segment(&id)),
            None,
        ),
        EmuCommand::Revoke { id } => (
            reqwest::Method::POST,
            format!("/tokens/{}/revoke", segment(&id)),
            None,
        ),
        EmuCommand::Journal {
            path_prefix,
            client_id,
            counts,
            clear,
        } => {
            if clear {
                (reqwest::Method::DELETE, "/requests".into(), None)
            } else if counts {
                (reqwest::Method::GET, "/requests/counts".into(), None)
            } else {
                let mut q = Vec::new();
                if let Some(p) = path_prefix {
                    q.push(("pathPrefix", p));
                }
                if let Some(c) = client_id {
                    q.push(("clientId", c));
                }
                return send(http.get(format!("{base}/requests")).query(&q)).await;
            }
        }
        EmuCommand::Fault(FaultCommand::Add {
            path_prefix,
            method,
            code,
            errcode,
            errmsg,
            throttle,
            latency_ms,
            drop,
            times,
            probability,
        }) => {
            let action = match (code, errcode, throttle, latency_ms, drop) {
                (Some(code), ..) => json!({"kind": "error", "code": code}),
                (_, Some(errcode), ..) => {
                    json!({"kind": "errcode", "errcode": errcode, "errmsg": errmsg})
                }
                (_, _, Some(Throttle::App), ..) => {
                    json!({"kind": "error", "code": "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"})
                }
                (_, _, Some(Throttle::Api), ..) => {
                    json!({"kind": "error", "code": "Forbidden.AccessDenied.QpsLimitForApi"})
                }
                (_, _, Some(Throttle::Ip), ..) => json!({"kind": "ipBan"}),
                (_, _, Some(Throttle::IpHtml), ..) => json!({"kind": "ipBan", "html": true}),
                (_, _, _, Some(ms), _) => json!({"kind": "latency", "ms": ms}),
                (_, _, _, _, true) => json!({"kind": "drop"}),
                _ => {
                    anyhow::bail!("give one of --code, --errcode, --throttle, --latency-ms, --drop")
                }
            };
            (
                reqwest::Method::POST,
                "/faults".into(),
                Some(
                    json!({"pathPrefix": path_prefix, "method": method, "action": action, "times": times, "probability": probability}),
                ),
            )
        }
        EmuCommand::Fault(FaultCommand::List) => (reqwest::Method::GET, "/faults".into(), None),
        EmuCommand::SuiteTicket { app, rotate } => {
            let app = segment(&app);
            if rotate {
                (
                    reqwest::Method::POST,
                    format!("/suite-tickets/{app}/rotate"),
                    None,
                )
            } else {
                (reqwest::Method::GET, format!("/suite-tickets/{app}"), None)
            }
        }
        EmuCommand::SsoCode { app, corp, user } => (
            reqwest::Method::POST,
            "/sso-codes".into(),
            Some(json!({"corpId": corp, "clientId": app, "unionId": user})),
        ),
        EmuCommand::RaiseEvent {
            event_type,
            corp,
            app,
            data,
        } => {
            let data: Option<Value> = match data {
                Some(d) => Some(
                    serde_json::from_str(&d)
                        .map_err(|e| anyhow::anyhow!("--data is not JSON: {e}"))?,
                ),
                None => None,
            };
            (
                reqwest::Method::POST,
                "/events".into(),
                Some(
                    json!({"eventType": event_type, "corpId": corp, "clientId": app, "data": data}),
                ),
            )
        }
        EmuCommand::Events {
            app,
            event_type,
            state,
        } => {
            let mut q: Vec<(&str, String)> = Vec::new();
            q.extend(app.map(|a| ("clientId", a)));
            q.extend(event_type.map(|t| ("eventType", t)));
            q.extend(state.map(|s| ("state", s)));
            return send(http.get(format!("{base}/events")).query(&q)).await;
        }
        EmuCommand::ExpireJsapiTicket { app, corp } => (
            reqwest::Method::POST,
            format!("/jsapi-tickets/{}/{}/expire", segment(&app), segment(&corp)),
            None,
        ),
        EmuCommand::Fault(FaultCommand::Clear { id }) => match id {
            Some(id) => (reqwest::Method::DELETE, format!("/faults/{id}"), None),
            None => (reqwest::Method::DELETE, "/faults".into(), None),
        },
    };
    let mut req = http.request(method, format!("{base}{path}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

/// `s` as one path segment (everything but letters and digits percent-encoded).
fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn send(req: reqwest::RequestBuilder) -> anyhow::Result<ExitCode> {
    let resp = req
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("the emulator cannot be reached: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let pretty = serde_json::from_str::<Value>(&text)
        .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
        .unwrap_or(text);
    if status.is_success() {
        if !pretty.is_empty() {
            println!("{pretty}");
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: HTTP {status}: {pretty}");
        Ok(ExitCode::from(2))
    }
}
