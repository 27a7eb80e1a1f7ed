//! Starting the server under test (and, for PostgreSQL, the fresh database it runs on), and
//! waiting for a started process's first answer.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{header, Request};
use sqlx::{Connection, Executor, PgConnection};
use tokio::process::{Child, Command};

use crate::{args::Backend, client};

/// A process this tool started; killed when dropped.
pub struct Started {
    /// The process.
    pub child: Child,
    /// `host:port` it listens on.
    pub addr: String,
    /// Spawn to first answer, ms.
    pub startup_ms: f64,
    /// The PostgreSQL database it runs on, dropped by [`Started::stop`].
    db: Option<(String, String)>,
    /// Its log file, removed by [`Started::stop`] (gigabytes after a full run).
    log: Option<PathBuf>,
}

impl Started {
    /// A started process with no database of its own.
    pub fn new(child: Child, addr: String, startup_ms: f64) -> Self {
        Self {
            child,
            addr,
            startup_ms,
            db: None,
            log: None,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops it and drops its database, if it has one.
    pub async fn stop(mut self) -> Result<()> {
        let _ = self.child.kill().await;
        if let Some(log) = self.log.take() {
            let _ = std::fs::remove_file(log);
        }
        if let Some((admin_url, name)) = self.db.take() {
            let mut c = PgConnection::connect(&admin_url).await?;
            c.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await?;
        }
        Ok(())
    }
}

/// Whether `program --version` can be started (wrk answers it with status 1, so only the start
/// counts).
pub fn runs(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A free port on 127.0.0.1.
pub fn free_addr() -> Result<String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    Ok(format!("127.0.0.1:{port}"))
}

/// Waits (at most 30 s) until `child` answers `GET path` on `addr` with 200; the time from
/// `since`, in ms.
pub async fn wait_ready(child: &mut Child, addr: &str, path: &str, since: Instant) -> Result<f64> {
    let mut sender = None;
    while since.elapsed() < Duration::from_secs(30) {
        if let Some(status) = child.try_wait()? {
            bail!("the process exited at start: {status}");
        }
        if sender.is_none() {
            sender = client::connect(addr).await.ok();
        }
        if let Some(s) = sender.as_mut() {
            let req = Request::get(path)
                .header(header::HOST, addr)
                .body(Full::new(Bytes::new()))?;
            match client::send(s, req).await {
                Ok((200, _)) => return Ok(since.elapsed().as_secs_f64() * 1000.0),
                Ok((status, _)) => bail!("GET {path} answered {status}"),
                Err(_) => sender = None,
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    bail!("no answer within 30 s")
}

/// How to start the server.
pub struct ServerSpec<'a> {
    /// The opending binary.
    pub binary: &'a Path,
    /// The seed file.
    pub seed: &'a Path,
    /// Storage.
    pub backend: Backend,
    /// SQLite's directory (emptied first).
    pub data_dir: PathBuf,
    /// PostgreSQL's maintenance database URL, where the fresh database is created.
    pub postgres_url: &'a str,
    /// `--log-level` (the shipped default is `info`).
    pub log_level: &'a str,
    /// Where its logs (stderr) go: a file, as a deployment writes them; removed when it stops.
    pub log_file: PathBuf,
}

/// Starts `opending serve --emulator --seed … --listen 127.0.0.1:<free port>` on the chosen
/// storage and waits for its first answer to `GET /_opending/ping`.
pub async fn start(spec: &ServerSpec<'_>) -> Result<Started> {
    if !spec.binary.exists() {
        bail!(
            "{} not found: build it first (cargo build [--release] -p opending) or pass --binary/--url",
            spec.binary.display()
        );
    }
    let addr = free_addr()?;
    let mut cmd = Command::new(spec.binary);
    cmd.arg("serve")
        .arg("--emulator")
        .arg("--seed")
        .arg(spec.seed)
        .arg("--listen")
        .arg(&addr);
    let mut db = None;
    match spec.backend {
        Backend::Memory => {
            cmd.arg("--memory");
        }
        Backend::Sqlite => {
            let _ = std::fs::remove_dir_all(&spec.data_dir);
            std::fs::create_dir_all(&spec.data_dir)?;
            cmd.arg("--data-dir").arg(&spec.data_dir);
        }
        Backend::Postgres => {
            let name = format!(
                "opending_bench_{}_{}",
                std::process::id(),
                addr.rsplit(':').next().unwrap_or("0")
            );
            let mut c = PgConnection::connect(spec.postgres_url)
                .await
                .with_context(|| format!("connecting to {}", spec.postgres_url))?;
            c.execute(format!("CREATE DATABASE {name}").as_str())
                .await?;
            let base = spec
                .postgres_url
                .rsplit_once('/')
                .map_or(spec.postgres_url, |(b, _)| b);
            cmd.arg("--database-url").arg(format!("{base}/{name}"));
            db = Some((spec.postgres_url.to_owned(), name));
        }
    }
    if let Some(dir) = spec.log_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let log = std::fs::File::create(&spec.log_file)
        .with_context(|| format!("creating {}", spec.log_file.display()))?;
    cmd.arg("--log-level")
        .arg(spec.log_level)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    let since = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", spec.binary.display()))?;
    let startup_ms = match wait_ready(&mut child, &addr, "/_opending/ping", since).await {
        Ok(ms) => ms,
        Err(e) => {
            let s = Started {
                child,
                addr,
                startup_ms: 0.0,
                db,
                log: None,
            };
            let _ = s.stop().await;
            return Err(e.context("starting the server (is the emulator on?)"));
        }
    };
    Ok(Started {
        child,
        addr,
        startup_ms,
        db,
        log: Some(spec.log_file.clone()),
    })
}

/// A process's resident set size (`VmRSS` of /proc/<pid>/status), kB.
pub fn rss_kb(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
