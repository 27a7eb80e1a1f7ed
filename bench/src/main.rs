//! `opending-bench`: a load generator for opending (issue 7, docs/benchmarks.md).
//!
//! Opens a fixed number of keep-alive HTTP/1.1 connections, sends requests back to back on each
//! for a fixed duration per scenario, records every latency in an HdrHistogram, and writes a JSON
//! and a Markdown report (req/s, p50/p90/p99/max, errors, server RSS before/after, ratio to the
//! baseline scenario `z` measured in the same run).
//!
//! It starts the server itself (`--binary`, on the in-memory store or on SQLite with
//! `--data-dir`, seeded with docs/examples/world.yaml in emulator mode) or targets a running one
//! (`--url`, optionally `--pid` to read its RSS). `--smoke` runs every scenario for about a second
//! on the debug binary and exits non-zero on any error: CI runs it, no timing is asserted.

mod issue;

use std::{
    path::PathBuf,
    process::Stdio,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::{client::conn::http1, header, Method, Request};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::{net::TcpStream, process::Child};

/// The app and org of the seed file (docs/examples/world.yaml) every scenario uses.
const CORP: &str = "dingacme";
const CLIENT_ID: &str = "dingacmehr";
const CLIENT_SECRET: &str = "acme-hr-secret-0123456789abcdef";

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Load generator for opending (see docs/benchmarks.md)"
)]
struct Args {
    /// Target a running server (emulator mode, seeded with docs/examples/world.yaml) instead of
    /// starting one.
    #[arg(long)]
    url: Option<String>,
    /// With --url: the server's process id, to read its RSS from /proc/<pid>/status.
    #[arg(long)]
    pid: Option<u32>,
    /// The opending binary to start (default target/release/opending, target/debug/opending
    /// with --smoke).
    #[arg(long)]
    binary: Option<PathBuf>,
    /// Start the server on SQLite in this directory (emptied first) instead of the memory store.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The seed file the started server applies.
    #[arg(long, default_value = "docs/examples/world.yaml")]
    seed: PathBuf,
    /// Keep-alive connections, each sending one request at a time.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds measured per scenario.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of unmeasured warm-up per scenario.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Scenarios to run, comma-separated, in order (z = baseline).
    #[arg(long, value_delimiter = ',', default_value = "z,a,c,d")]
    scenarios: Vec<String>,
    /// Every scenario for about a second on few connections; exit 1 on any error.
    #[arg(long)]
    smoke: bool,
    /// Directory for report.json and report.md.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

/// One scenario: what each request is and which status counts as success.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scenario {
    /// `GET /_opending/ping`: the same binary doing no work.
    Baseline,
    /// `POST /v1.0/oauth2/{corp}/token`, same app and org every time.
    TokenHot,
    /// `GET /v1.0/contact/organizations/authInfos` with a valid app token.
    AuthInfos,
    /// authInfos with a distinct invalid token on every request.
    InvalidTokens,
}

impl Scenario {
    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "z" => Self::Baseline,
            "a" => Self::TokenHot,
            "c" => Self::AuthInfos,
            "d" => Self::InvalidTokens,
            other => bail!("unknown scenario {other:?} (implemented: z, a, c, d)"),
        })
    }
    fn id(self) -> &'static str {
        match self {
            Self::Baseline => "z",
            Self::TokenHot => "a",
            Self::AuthInfos => "c",
            Self::InvalidTokens => "d",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Self::Baseline => "baseline GET /_opending/ping",
            Self::TokenHot => "app token hot POST /v1.0/oauth2/{corp}/token",
            Self::AuthInfos => "authInfos, valid token",
            Self::InvalidTokens => "authInfos, distinct invalid tokens",
        }
    }
    fn expected_status(self) -> u16 {
        match self {
            Self::InvalidTokens => 400,
            _ => 200,
        }
    }
}

/// What a connection needs to build its requests.
struct Plan {
    scenario: Scenario,
    host: String,
    token: String,
    token_body: Bytes,
}

impl Plan {
    fn request(&self, conn: usize, n: u64) -> Request<Full<Bytes>> {
        let b = Request::builder()
            .header(header::HOST, &self.host)
            .header(header::USER_AGENT, "opending-bench");
        let r = match self.scenario {
            Scenario::Baseline => b
                .method(Method::GET)
                .uri("/_opending/ping")
                .body(Full::new(Bytes::new())),
            Scenario::TokenHot => b
                .method(Method::POST)
                .uri(format!("/v1.0/oauth2/{CORP}/token"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(self.token_body.clone())),
            Scenario::AuthInfos => b
                .method(Method::GET)
                .uri("/v1.0/contact/organizations/authInfos")
                .header("x-acs-dingtalk-access-token", &self.token)
                .body(Full::new(Bytes::new())),
            Scenario::InvalidTokens => b
                .method(Method::GET)
                .uri("/v1.0/contact/organizations/authInfos")
                // 32 hex characters like a real token, never issued.
                .header(
                    "x-acs-dingtalk-access-token",
                    format!("{:08x}{:024x}", conn, n),
                )
                .body(Full::new(Bytes::new())),
        };
        r.expect("a valid request")
    }
}

/// The measured figures of one scenario.
#[derive(Serialize, Debug)]
struct Report {
    id: &'static str,
    scenario: &'static str,
    connections: usize,
    seconds: f64,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    rps: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    rss_before_kb: Option<u64>,
    rss_after_kb: Option<u64>,
    ratio_to_baseline: Option<f64>,
}

/// Per-connection results.
struct ConnResult {
    hist: Histogram<u64>,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
}

type Sender = http1::SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> Result<Sender> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Sends one request and reads the whole answer; the status on success.
async fn send(sender: &mut Sender, req: Request<Full<Bytes>>) -> Result<(u16, Bytes)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// One connection's loop: requests back to back until `stop`, recorded once `measuring`.
async fn run_connection(
    addr: Arc<str>,
    plan: Arc<Plan>,
    conn: usize,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    counter: Arc<AtomicU64>,
) -> ConnResult {
    let mut r = ConnResult {
        hist: Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds"),
        requests: 0,
        errors: 0,
        first_error: None,
    };
    let mut sender: Option<Sender> = None;
    let expected = plan.scenario.expected_status();
    while !stop.load(Ordering::Relaxed) {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let outcome = async {
            if sender.is_none() {
                sender = Some(connect(&addr).await?);
            }
            send(sender.as_mut().expect("connected"), plan.request(conn, n)).await
        }
        .await;
        let micros = started.elapsed().as_micros() as u64;
        let error = match outcome {
            Ok((status, _)) if status == expected => None,
            Ok((status, body)) => Some(format!(
                "status {status}, expected {expected}: {}",
                String::from_utf8_lossy(&body)
            )),
            Err(e) => {
                sender = None;
                Some(format!("{e:#}"))
            }
        };
        if !measuring.load(Ordering::Relaxed) {
            continue;
        }
        r.requests += 1;
        r.hist.saturating_record(micros.max(1));
        if let Some(e) = error {
            r.errors += 1;
            r.first_error.get_or_insert(e);
        }
    }
    r
}

fn rss_kb(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

async fn run_scenario(addr: &str, plan: Plan, args: &Args, pid: Option<u32>) -> Result<Report> {
    let scenario = plan.scenario;
    let plan = Arc::new(plan);
    let addr: Arc<str> = addr.into();
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let rss_before_kb = rss_kb(pid);
    let tasks: Vec<_> = (0..args.connections)
        .map(|conn| {
            tokio::spawn(run_connection(
                addr.clone(),
                plan.clone(),
                conn,
                measuring.clone(),
                stop.clone(),
                counter.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(args.duration)).await;
    // Requests still in flight when the time is up finish and are counted.
    stop.store(true, Ordering::Relaxed);
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut requests, mut errors, mut first_error) = (0, 0, None);
    for t in tasks {
        let r = t.await?;
        hist.add(&r.hist)?;
        requests += r.requests;
        errors += r.errors;
        if first_error.is_none() {
            first_error = r.first_error;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    Ok(Report {
        id: scenario.id(),
        scenario: scenario.name(),
        connections: args.connections,
        seconds,
        requests,
        errors,
        first_error,
        rps: requests as f64 / seconds,
        p50_ms: ms(0.50),
        p90_ms: ms(0.90),
        p99_ms: ms(0.99),
        max_ms: hist.max() as f64 / 1000.0,
        rss_before_kb,
        rss_after_kb: rss_kb(pid),
        ratio_to_baseline: None,
    })
}

/// A server this tool started; killed when dropped.
struct Started {
    child: Child,
    addr: String,
    startup_ms: f64,
}

async fn start_server(args: &Args) -> Result<Started> {
    let binary = args.binary.clone().unwrap_or_else(|| {
        PathBuf::from(if args.smoke {
            "target/debug/opending"
        } else {
            "target/release/opending"
        })
    });
    if !binary.exists() {
        bail!(
            "{} not found: build it first (cargo build {}-p opending) or pass --binary/--url",
            binary.display(),
            if args.smoke { "" } else { "--release " }
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = tokio::process::Command::new(&binary);
    cmd.arg("serve")
        .arg("--emulator")
        .arg("--seed")
        .arg(&args.seed)
        .arg("--listen")
        .arg(&addr);
    match &args.data_dir {
        Some(dir) => {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir)?;
            cmd.arg("--data-dir").arg(dir);
        }
        None => {
            cmd.arg("--memory");
        }
    }
    cmd.env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let mut sender = None;
    while started.elapsed() < Duration::from_secs(30) {
        if let Some(status) = child.try_wait()? {
            bail!("the server exited at start: {status}");
        }
        if sender.is_none() {
            sender = connect(&addr).await.ok();
        }
        if let Some(s) = sender.as_mut() {
            let req = Request::get("/_opending/ping")
                .header(header::HOST, &addr)
                .body(Full::new(Bytes::new()))?;
            match send(s, req).await {
                Ok((200, _)) => {
                    return Ok(Started {
                        child,
                        addr,
                        startup_ms: started.elapsed().as_secs_f64() * 1000.0,
                    })
                }
                Ok((status, _)) => {
                    bail!("GET /_opending/ping answered {status}: is the emulator on?")
                }
                Err(_) => sender = None,
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    bail!("the server did not answer within 30 s")
}

/// Fetches an app token for the scenarios that need a valid one.
async fn app_token(addr: &str, body: &Bytes) -> Result<String> {
    let mut s = connect(addr).await?;
    let req = Request::post(format!("/v1.0/oauth2/{CORP}/token"))
        .header(header::HOST, addr)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(body.clone()))?;
    let (status, body) = send(&mut s, req).await?;
    let v: Value = serde_json::from_slice(&body)?;
    match v["access_token"].as_str() {
        Some(t) if status == 200 => Ok(t.to_owned()),
        _ => bail!("token request answered {status}: {v}"),
    }
}

fn markdown(reports: &[Report], args: &Args, startup_ms: Option<f64>) -> String {
    let mut md = format!(
        "{} connections, {} s per scenario (after {} s warm-up)\n\n",
        args.connections, args.duration, args.warmup
    );
    if let Some(ms) = startup_ms {
        md += &format!("Start to first answer: {ms:.0} ms\n\n");
    }
    md += "| | Scenario | req/s | × baseline | p50 ms | p90 ms | p99 ms | max ms | errors | RSS before → after |\n";
    md += "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
    let kb =
        |v: Option<u64>| v.map_or("–".to_owned(), |k| format!("{:.1} MB", k as f64 / 1024.0));
    for r in reports {
        md += &format!(
            "| {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} → {} |\n",
            r.id,
            r.scenario,
            r.rps,
            r.ratio_to_baseline
                .map_or("–".to_owned(), |x| format!("{x:.2}")),
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms,
            r.errors,
            kb(r.rss_before_kb),
            kb(r.rss_after_kb),
        );
    }
    md
}

async fn run(mut args: Args) -> Result<bool> {
    if args.smoke {
        args.duration = args.duration.min(1.0);
        args.warmup = args.warmup.min(0.2);
        args.connections = args.connections.min(4);
    }
    if args.connections == 0 || args.duration <= 0.0 {
        bail!("--connections and --duration must be positive");
    }
    let scenarios = args
        .scenarios
        .iter()
        .map(|s| Scenario::parse(s.trim()))
        .collect::<Result<Vec<_>>>()?;
    let (server, addr, pid) = match &args.url {
        Some(url) => {
            let addr = url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned();
            (None, addr, args.pid)
        }
        None => {
            let s = start_server(&args).await?;
            let (addr, pid) = (s.addr.clone(), s.child.id());
            eprintln!("started the server on {addr} in {:.0} ms", s.startup_ms);
            (Some(s), addr, pid)
        }
    };
    let token_body = Bytes::from(
        json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"})
            .to_string(),
    );
    let token = if scenarios.iter().any(|s| matches!(s, Scenario::AuthInfos)) {
        app_token(&addr, &token_body).await?
    } else {
        String::new()
    };
    let mut reports = Vec::new();
    for scenario in scenarios {
        eprintln!("running {} ({})", scenario.id(), scenario.name());
        let plan = Plan {
            scenario,
            host: addr.clone(),
            token: token.clone(),
            token_body: token_body.clone(),
        };
        let r = run_scenario(&addr, plan, &args, pid).await?;
        eprintln!(
            "  {:.0} req/s, p99 {:.2} ms, {} errors",
            r.rps, r.p99_ms, r.errors
        );
        reports.push(r);
    }
    let baseline = reports.iter().find(|r| r.id == "z").map(|r| r.rps);
    for r in &mut reports {
        r.ratio_to_baseline = baseline.filter(|b| *b > 0.0).map(|b| r.rps / b);
    }
    let startup_ms = server.as_ref().map(|s| s.startup_ms);
    let md = markdown(&reports, &args, startup_ms);
    std::fs::create_dir_all(&args.out)?;
    let doc = json!({
        "connections": args.connections,
        "durationSeconds": args.duration,
        "warmupSeconds": args.warmup,
        "server": if args.url.is_some() { "external" } else if args.data_dir.is_some() { "sqlite" } else { "memory" },
        "startupMs": startup_ms,
        "scenarios": reports,
    });
    std::fs::write(
        args.out.join("report.json"),
        serde_json::to_string_pretty(&doc)?,
    )?;
    std::fs::write(args.out.join("report.md"), &md)?;
    print!("{md}");
    let mut ok = true;
    for r in &reports {
        if r.requests == 0 || r.errors > 0 {
            ok = false;
            eprintln!(
                "scenario {}: {} requests, {} errors; first: {}",
                r.id,
                r.requests,
                r.errors,
                r.first_error.as_deref().unwrap_or("none")
            );
        }
    }
    drop(server);
    Ok(ok)
}

#[tokio::main]
async fn main() -> Result<()> {
    if issue::run_if_asked().await? {
        return Ok(());
    }
    let args = Args::parse();
    let smoke = args.smoke;
    if !run(args).await? && smoke {
        std::process::exit(1);
    }
    Ok(())
}
