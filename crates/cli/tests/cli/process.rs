//! Running `opending` as a child process.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub use opending_testkit::*;

/// Path of the binary under test.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_opending"));
    // Keep the developer's OPENDING_* settings out of the tests.
    for (k, _) in std::env::vars() {
        if k.starts_with("OPENDING_")
            && !k.starts_with("OPENDING_TEST")
            && !k.starts_with("OPENDING_REQUIRE")
        {
            c.env_remove(k);
        }
    }
    c.env("OPENDING_LOG_LEVEL", "warn");
    c
}

/// A TCP port free on 127.0.0.1 at the moment of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Storage flags for a backend.
pub fn storage_args(backend: &Backend) -> Vec<String> {
    let mut v = vec!["--hash-key".to_owned(), HASH_KEY.to_owned()];
    match backend {
        Backend::Sqlite(dir) => {
            v.extend(["--data-dir".to_owned(), dir.path().display().to_string()])
        }
        Backend::Postgres(db) => v.extend(["--database-url".to_owned(), db.url.clone()]),
    }
    v
}

/// A running server process.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Lines printed on stdout before the "listening" line.
    pub banner: Vec<String>,
}

impl Server {
    /// Starts `opending serve` with `args` on a free port and waits until it listens.
    pub fn start(cmd: Command, args: &[String]) -> Server {
        Self::start_logging_to(cmd, args, Stdio::inherit())
    }

    /// Like [`Server::start`], with the server's log (stderr) sent to `log`.
    pub fn start_logging_to(mut cmd: Command, args: &[String], log: impl Into<Stdio>) -> Server {
        cmd.arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args);
        cmd.stdout(Stdio::piped()).stderr(log);
        // Owned by a `Server` at once, so a failed start still kills and reaps the child.
        let mut server = Server {
            child: cmd.spawn().expect("opending starts"),
            base: String::new(),
            banner: Vec::new(),
        };
        let stdout = server.child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            assert!(Instant::now() < deadline, "server did not start in time");
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(url) = line.strip_prefix("opending listening on ") {
                // Keep draining stdout so the child never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                server.base = url.trim().to_owned();
                return server;
            }
            server.banner.push(line);
        }
    }

    /// SIGTERM, and waits for the exit: the server drains, writes its queued log lines and
    /// closes the database. Answers the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM");
        self.child.wait().unwrap()
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs JSON and returns (status, body).
pub async fn post(
    url: &str,
    body: serde_json::Value,
    bearer: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().post(url).json(&body);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// Gets an app token.
pub async fn app_token(
    base: &str,
    corp: &str,
    (id, secret): (&str, &str),
) -> (u16, serde_json::Value) {
    post(
        &format!("{base}/v1.0/oauth2/{corp}/token"),
        serde_json::json!({"client_id": id, "client_secret": secret, "grant_type": "client_credentials"}),
        None,
    )
    .await
}

/// Introspects with the admin key.
pub async fn introspect(base: &str, token: &str) -> serde_json::Value {
    post(
        &format!("{base}/v1.0/oauth2/introspect"),
        serde_json::json!({"token": token}),
        Some(ADMIN_KEY),
    )
    .await
    .1
}

/// Runs `opending admin …` on a backend and returns (exit code, stdout as JSON or Null, stderr).
pub fn admin(backend: &Backend, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = bin()
        .arg("admin")
        .args(storage_args(backend))
        .args(args)
        .output()
        .expect("opending admin runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}
