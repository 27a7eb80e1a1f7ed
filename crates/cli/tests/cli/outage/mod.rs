//! Database trouble under a running `opending serve` (docs/operations.md#database-trouble):
//!
//! - a private PostgreSQL cluster is crashed (`pg_ctl stop -m immediate`) under load and started
//!   again, or frozen (SIGSTOP) and thawed: every request in between must answer within the
//!   configured timeouts with the opaque 500 JSON, `/healthz` must go 503 within about a second while `/livez` stays 200, and service
//!   must resume by itself, with the tokens issued before the outage still valid;
//! - the SQLite data directory runs out of space (a small tmpfs filled up), then gets it back;
//! - the SQLite files become unwritable (`chattr +i`: root ignores file modes), then writable.
//!
//! In each SQLite case writes must fail with the opaque 500 JSON (never a hang, a panic or a
//! non-JSON answer), reads must keep working, writes must resume once the trouble is gone, and
//! the file must pass `PRAGMA integrity_check` with every write the server confirmed in it.
//!
//! `#[ignore]`: they need root (`mount`, `chattr`, `runuser`) and the PostgreSQL server binaries,
//! and stop databases; scripts/test runs them serially with `--ignored --test-threads=1`. Without
//! root or the binaries each skips with a notice, unless `OPENDING_REQUIRE_ROOT=1` (root, mount,
//! chattr) or `OPENDING_REQUIRE_POSTGRES=1` (the PostgreSQL binaries) is set, as `.ci/run` does.

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use crate::process::*;

mod postgres;
mod sqlite;

/// The timeouts the server runs with here (milliseconds): small, so the test is quick and the
/// bound it checks is tight.
const DB_ACQUIRE_TIMEOUT_MS: u64 = 1000;
const DB_TIMEOUT_MS: u64 = 1000;
const REQUEST_TIMEOUT_MS: u64 = 3000;
/// Concurrent token callers during the PostgreSQL outage (plus two writers, one introspector
/// and one health prober): more than the pool's default 16 connections.
const TOKEN_CALLERS: usize = 16;
/// Slack on top of a timeout for a loaded 2-core machine (scheduling, a debug build).
const SLACK: Duration = Duration::from_millis(1500);

/// Skips (returns `false`, with a notice) or fails, as `OPENDING_REQUIRE_<var>` says.
fn available(ok: bool, var: &str, what: &str) -> bool {
    if ok {
        return true;
    }
    if std::env::var(format!("OPENDING_REQUIRE_{var}")).as_deref() == Ok("1") {
        panic!("{what} (required: OPENDING_REQUIRE_{var}=1)");
    }
    eprintln!("NOTICE: skipping this database-trouble test: {what}");
    false
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a command, panicking with its output when it fails.
fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `opending serve` with the test's timeouts, rate limits off (one address drives the load) and
/// its log in `log`.
fn serve(args: &[String], log: &Path) -> Server {
    let mut cmd = bin();
    cmd.env("OPENDING_LIMITS__ENABLED", "false")
        .env(
            "OPENDING_DB_ACQUIRE_TIMEOUT_MS",
            DB_ACQUIRE_TIMEOUT_MS.to_string(),
        )
        .env("OPENDING_DB_TIMEOUT_MS", DB_TIMEOUT_MS.to_string())
        .env(
            "OPENDING_REQUEST_TIMEOUT_MS",
            REQUEST_TIMEOUT_MS.to_string(),
        );
    let args = [
        args,
        &[
            "--seed".to_owned(),
            world_seed().display().to_string(),
            "--admin-key".to_owned(),
            ADMIN_KEY.to_owned(),
        ],
    ]
    .concat();
    Server::start_logging_to(cmd, &args, std::fs::File::create(log).unwrap())
}

/// The server process is still running and never logged a panic.
fn assert_alive(server: &mut Server, log: &Path) {
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );
    let log = std::fs::read_to_string(log).unwrap();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
}

/// One answer: when it was asked (since the test began), how long it took, what came back.
#[derive(Debug, Clone)]
struct Answer {
    what: &'static str,
    at: Duration,
    took: Duration,
    status: u16,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// DingTalk's opaque 500: `{"code":"server.error","requestid":…,"message":…}`.
    fn is_server_error(&self) -> bool {
        self.status == 500
            && self.code() == "server.error"
            && self.body["requestid"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
            && self.body["message"].is_string()
    }
}

/// Sends requests and times them; a transport failure (no answer in 20 s, refused, cut) is
/// recorded as status 0, which every test refuses.
#[derive(Clone)]
struct Caller {
    http: reqwest::Client,
    base: String,
    started: Instant,
}

impl Caller {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            base: base.to_owned(),
            started: Instant::now(),
        }
    }

    async fn send(&self, what: &'static str, req: reqwest::RequestBuilder) -> Answer {
        let begin = Instant::now();
        let (status, body) = match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                (
                    status,
                    serde_json::from_str(&text).unwrap_or(Value::String(text)),
                )
            }
            Err(e) => (0, Value::String(e.to_string())),
        };
        Answer {
            what,
            at: begin - self.started,
            took: begin.elapsed(),
            status,
            body,
        }
    }

    async fn get(&self, what: &'static str, path: &str) -> Answer {
        self.send(what, self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn token(&self, (corp, (id, secret)): (&str, (&str, &str))) -> Answer {
        let req = self
            .http
            .post(format!("{}/v1.0/oauth2/{corp}/token", self.base))
            .json(&json!({"client_id": id, "client_secret": secret, "grant_type": "client_credentials"}));
        self.send("token", req).await
    }

    async fn introspect(&self, token: &str) -> Answer {
        let req = self
            .http
            .post(format!("{}/v1.0/oauth2/introspect", self.base))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"token": token}));
        self.send("introspect", req).await
    }

    /// A read no cache answers: org `n` of [`Caller::create_org`] through the admin API.
    async fn read_org(&self, n: usize) -> Answer {
        let req = self
            .http
            .get(format!("{}/admin/v1/orgs/dingtrouble{n:05}", self.base))
            .bearer_auth(ADMIN_KEY);
        self.send("read_org", req).await
    }

    /// A write: a new org through the admin API (an org row and an audit row).
    async fn create_org(&self, n: usize) -> Answer {
        let req = self
            .http
            .post(format!("{}/admin/v1/orgs", self.base))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"corpId": format!("dingtrouble{n:05}"), "name": format!("Trouble {n:05} {}", "x".repeat(48))}));
        self.send("create_org", req).await
    }
}

/// The app token of HR in Acme, which must issue.
async fn issue_token(caller: &Caller) -> String {
    let a = caller.token((ACME, HR)).await;
    assert_eq!(a.status, 200, "{a:?}");
    a.body["access_token"].as_str().unwrap().to_owned()
}

async fn assert_active(caller: &Caller, token: &str) {
    let a = caller.introspect(token).await;
    assert!(a.status == 200 && a.body["active"] == true, "{a:?}");
}

fn max_took<'a>(answers: impl IntoIterator<Item = &'a Answer>) -> Duration {
    answers
        .into_iter()
        .map(|a| a.took)
        .max()
        .unwrap_or_default()
}
