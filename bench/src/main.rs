//! `opending-bench`: a load generator for opending (issue 7, docs/benchmarks.md).
//!
//! Opens a fixed number of keep-alive HTTP/1.1 connections, sends requests back to back on each
//! for a fixed duration per scenario, records every latency in an HdrHistogram, and writes a JSON
//! and a Markdown report (req/s, p50/p90/p99/max, errors, server RSS before/after, ratio to the
//! baseline scenario `z` measured in the same run, the median of `--runs` runs), the peer
//! (node-oidc-provider) measured in the same run, and with `--sweep` a chart of req/s and p99
//! against the connection count.
//!
//! It starts the server itself (`--binary`, on `--backend memory|sqlite|postgres`, seeded with
//! docs/examples/world.yaml in emulator mode) or targets a running one (`--url`, optionally
//! `--pid` to read its RSS). `--smoke` runs every scenario for about a second on the debug
//! binary and exits non-zero on any error: CI runs it, no timing is asserted.
//!
//! One concept per file: `args` (option types), `scenario` (requests and expectations),
//! `world` (what scenarios need, prepared through the emulator), `load` (the load loop),
//! `report` (figures, medians, tables), `server` (starting the server and its database),
//! `peer` (node-oidc-provider), `chart` (the PNG), `client` (the HTTP/1.1 client).

mod args;
mod bare;
mod chart;
mod client;
mod issue;
mod load;
mod peer;
mod report;
mod scenario;
mod server;
mod world;
mod wrk;

use std::{collections::BTreeMap, path::PathBuf, time::Instant};

use anyhow::{bail, Result};
use clap::Parser;
use serde_json::json;

use crate::{
    args::Backend,
    load::Load,
    report::Report,
    scenario::Scenario,
    server::{rss_kb, ServerSpec, Started},
    world::World,
};

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
    /// SQLite's data directory (emptied first) with --backend sqlite.
    #[arg(long, default_value = "target/bench/data")]
    data_dir: PathBuf,
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
    /// Scenarios to run, comma-separated, in order (z = baseline, p = the peer).
    #[arg(long, value_delimiter = ',', default_value = scenario::ALL)]
    scenarios: Vec<String>,
    /// Every scenario for about a second on few connections; exit 1 on any error.
    #[arg(long)]
    smoke: bool,
    /// Directory for report.json and report.md.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Storage of the started server.
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: Backend,
    /// The started server's log filter. The default is what `opending serve` ships with: one
    /// access-log line per request at INFO, written (pretty) to <out>/server.log.
    #[arg(long, default_value = "info")]
    server_log_level: String,
    /// With --backend postgres: the maintenance database the fresh one is created from.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// Runs of every scenario; the report gives the median run (by req/s).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Connection counts to sweep (e.g. 1,4,16,64,256), one run each, for the chart.
    #[arg(long, value_delimiter = ',')]
    sweep: Vec<usize>,
    /// Scenarios the sweep runs.
    #[arg(long, value_delimiter = ',', default_value = "a,c,p")]
    sweep_scenarios: Vec<String>,
    /// Where the sweep's chart goes (default <out>/chart.png).
    #[arg(long)]
    chart: Option<PathBuf>,
    /// Issue this many app tokens (one per generated app) before measuring, and report RSS.
    #[arg(long, default_value_t = 0)]
    live_tokens: u64,
    /// Apps in scenario b's pool (each minted once per round of the emulator clock).
    #[arg(long, default_value_t = 5_000)]
    cold_pool: u64,
    /// Expected code exchanges per second, to size scenario f's first pool of codes.
    #[arg(long, default_value_t = 5_000.0)]
    code_rate: f64,
    /// The peer's directory (package.json, server.js, node_modules).
    #[arg(long, default_value = "bench/peers/oidc-provider")]
    peer_dir: PathBuf,
    /// The ceiling's binary, bench/peers/bare-axum (default target/release/bare-axum,
    /// target/debug/bare-axum with --smoke).
    #[arg(long)]
    bare_binary: Option<PathBuf>,
    /// Also replay each scenario whose requests are all the same with wrk, once, in the same
    /// run (wrk must be installed; scripts/bench installs it).
    #[arg(long)]
    wrk: bool,
}

/// The processes under test.
struct Targets {
    server: Option<Started>,
    addr: String,
    pid: Option<u32>,
    peer: Option<Started>,
    bare: Option<Started>,
}

impl Targets {
    fn addr_and_pid(&self, s: Scenario) -> (String, Option<u32>) {
        match (s, &self.peer, &self.bare) {
            (Scenario::Peer, Some(p), _) => (p.addr.clone(), p.pid()),
            (s, _, Some(b)) if s.is_bare() => (b.addr.clone(), b.pid()),
            _ => (self.addr.clone(), self.pid),
        }
    }
}

/// Runs `scenario` once under `load`: prepares it (unmeasured), then measures it.
async fn measure(
    world: &mut World,
    targets: &Targets,
    scenario: Scenario,
    load: Load,
) -> Result<Report> {
    let (addr, pid) = targets.addr_and_pid(scenario);
    let plan = world
        .plan(
            scenario,
            &addr,
            load.connections,
            load.warmup + load.duration,
        )
        .await?;
    eprintln!(
        "running {} ({}) on {} connections",
        scenario.id(),
        scenario.name(),
        load.connections
    );
    let r = load::run(plan, load, pid).await?;
    eprintln!(
        "  {:.0} req/s, p99 {:.2} ms, {} errors",
        r.rps, r.p99_ms, r.errors
    );
    if scenario == Scenario::CodeExchange && r.rps > 0.0 {
        // The next run's pool follows the best rate measured so far (a run ends early if its
        // pool was too small, so its rate is a true one either way).
        world.code_rate = world.code_rate.max(r.rps);
    }
    Ok(r)
}

fn parse_scenarios(list: &[String], with_peer: bool) -> Result<Vec<Scenario>> {
    let mut out = Vec::new();
    for s in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let s = Scenario::parse(s)?;
        if s == Scenario::Peer && !with_peer {
            continue;
        }
        out.push(s);
    }
    Ok(out)
}

async fn run(mut args: Args) -> Result<bool> {
    if args.smoke {
        args.duration = args.duration.min(1.0);
        args.warmup = args.warmup.min(0.2);
        args.connections = args.connections.min(4);
        args.runs = 1;
        args.cold_pool = args.cold_pool.min(200);
        args.code_rate = args.code_rate.min(500.0);
        args.sweep.clear();
    }
    if args.connections == 0 || args.duration <= 0.0 || args.runs == 0 {
        bail!("--connections, --duration and --runs must be positive");
    }
    if args.wrk && !wrk::available() {
        bail!("--wrk: wrk not found (Debian: apt-get install wrk; scripts/bench installs it)");
    }
    let has_p = |list: &[String]| list.iter().any(|s| s.trim() == "p");
    let wants_peer =
        has_p(&args.scenarios) || (!args.sweep.is_empty() && has_p(&args.sweep_scenarios));
    let with_peer = wants_peer && (peer::node_available() || !args.smoke);
    if wants_peer && !with_peer {
        eprintln!("NOTICE: node not found: the smoke run skips the peer (scenario p)");
    }
    let scenarios = parse_scenarios(&args.scenarios, with_peer)?;
    let sweep_scenarios = parse_scenarios(&args.sweep_scenarios, with_peer)?;

    let mut targets = match &args.url {
        Some(url) => Targets {
            server: None,
            addr: url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned(),
            pid: args.pid,
            peer: None,
            bare: None,
        },
        None => {
            let binary = args.binary.clone().unwrap_or_else(|| {
                PathBuf::from(if args.smoke {
                    "target/debug/opending"
                } else {
                    "target/release/opending"
                })
            });
            let s = server::start(&ServerSpec {
                binary: &binary,
                seed: &args.seed,
                backend: args.backend,
                data_dir: args.data_dir.clone(),
                postgres_url: &args.postgres_url,
                log_level: &args.server_log_level,
                log_file: args.out.join("server.log"),
            })
            .await?;
            eprintln!(
                "started the server ({}) on {} in {:.0} ms",
                args.backend.name(),
                s.addr,
                s.startup_ms
            );
            Targets {
                addr: s.addr.clone(),
                pid: s.pid(),
                server: Some(s),
                peer: None,
                bare: None,
            }
        }
    };
    let idle_rss_kb = rss_kb(targets.pid);
    if with_peer {
        let p = peer::start(&args.peer_dir).await?;
        eprintln!("started the peer on {} in {:.0} ms", p.addr, p.startup_ms);
        targets.peer = Some(p);
    }
    let peer_idle_rss_kb = targets.peer.as_ref().and_then(|p| rss_kb(p.pid()));
    if scenarios
        .iter()
        .chain(&sweep_scenarios)
        .any(|s| s.is_bare())
    {
        let binary = args.bare_binary.clone().unwrap_or_else(|| {
            PathBuf::from(if args.smoke {
                "target/debug/bare-axum"
            } else {
                "target/release/bare-axum"
            })
        });
        let b = bare::start(&binary).await?;
        eprintln!("started bare axum on {} in {:.0} ms", b.addr, b.startup_ms);
        targets.bare = Some(b);
    }
    let startup_ms = targets.server.as_ref().map(|s| s.startup_ms);
    let peer_startup_ms = targets.peer.as_ref().map(|p| p.startup_ms);
    let outcome = measure_all(&args, &targets, &scenarios, &sweep_scenarios).await;
    if let Some(s) = targets.server.take() {
        s.stop().await?;
    }
    if let Some(p) = targets.peer.take() {
        p.stop().await?;
    }
    if let Some(b) = targets.bare.take() {
        b.stop().await?;
    }
    let (mut reports, live, sweep) = outcome?;
    report::set_ratios(&mut reports, |id| {
        Scenario::parse(id).map_or("x", |s| s.ceiling())
    });

    let mut md = format!(
        "Backend: {}; {} connections, {} s measured per scenario after {} s warm-up; median of {} run(s). \
         × bare axum: req/s over bare axum's GET (x) for a GET, its JSON POST (y) for a POST, same run; \
         × z: over opending's own no-op route; wrk: the same request replayed once by wrk -t2.\n\n",
        if args.url.is_some() { "external server" } else { args.backend.name() },
        args.connections,
        args.duration,
        args.warmup,
        args.runs
    );
    if !reports.is_empty() {
        md += &report::table(&reports);
        md += "\n";
    }
    md += &format!(
        "- opending: start to first answer {}, RSS after start {}\n",
        ms(startup_ms),
        mb(idle_rss_kb)
    );
    if peer_startup_ms.is_some() {
        md += &format!(
            "- peer (node-oidc-provider): start to first answer {}, RSS after start {}\n",
            ms(peer_startup_ms),
            mb(peer_idle_rss_kb)
        );
    }
    if let Some(l) = &live {
        md += &format!(
            "- live tokens: {} app tokens issued in {:.1} s before measuring; server RSS after issuing them {}\n",
            l.0, l.1, mb(l.2)
        );
    }
    if !sweep.is_empty() {
        md += "\nSweep (one run per point):\n\n| Scenario | connections | req/s | p99 ms | errors |\n|---|---:|---:|---:|---:|\n";
        for r in &sweep {
            md += &format!(
                "| {} | {} | {:.0} | {:.2} | {} |\n",
                r.id, r.connections, r.rps, r.p99_ms, r.errors
            );
        }
    }
    std::fs::create_dir_all(&args.out)?;
    if !sweep.is_empty() {
        let mut series: BTreeMap<&str, chart::Series> = BTreeMap::new();
        for r in &sweep {
            let s = series.entry(r.id).or_insert_with(|| chart::Series {
                id: r.id,
                label: format!("{}: {}", r.id, r.scenario),
                points: Vec::new(),
            });
            s.points.push((r.connections as f64, r.rps, r.p99_ms));
        }
        let order: Vec<&str> = sweep_scenarios.iter().map(|s| s.id()).collect();
        let mut lines: Vec<chart::Series> = Vec::new();
        for id in order {
            if let Some(s) = series.remove(id) {
                lines.push(s);
            }
        }
        let path = args
            .chart
            .clone()
            .unwrap_or_else(|| args.out.join("chart.png"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        chart::draw(
            &path,
            &format!(
                "opending ({}) and node-oidc-provider: req/s and p99 against connections",
                args.backend.name()
            ),
            &lines,
        )?;
        eprintln!("wrote {}", path.display());
    }
    let doc = json!({
        "backend": if args.url.is_some() { "external" } else { args.backend.name() },
        "connections": args.connections,
        "durationSeconds": args.duration,
        "warmupSeconds": args.warmup,
        "runs": args.runs,
        "startupMs": startup_ms,
        "idleRssKb": idle_rss_kb,
        "peerStartupMs": peer_startup_ms,
        "peerIdleRssKb": peer_idle_rss_kb,
        "liveTokens": live.map(|l| json!({"count": l.0, "seconds": l.1, "rssKb": l.2})),
        "scenarios": reports,
        "sweep": sweep,
    });
    std::fs::write(
        args.out.join("report.json"),
        serde_json::to_string_pretty(&doc)?,
    )?;
    std::fs::write(args.out.join("report.md"), &md)?;
    print!("{md}");
    let mut ok = true;
    for r in reports.iter() {
        if r.requests == 0 || r.errors > 0 || r.wrk.is_some_and(|w| w.errors > 0) {
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
    Ok(ok)
}

fn ms(v: Option<f64>) -> String {
    v.map_or("–".to_owned(), |x| format!("{x:.0} ms"))
}

fn mb(v: Option<u64>) -> String {
    v.map_or("–".to_owned(), |k| format!("{:.1} MB", k as f64 / 1024.0))
}

/// (tokens, seconds to issue them, server RSS after, kB).
type Live = (u64, f64, Option<u64>);

/// Everything measured against the started processes: the live tokens first, then `runs`
/// rounds of every scenario (interleaved, so a slow moment of the machine spreads over all of
/// them), then the sweep. Answers the median reports, the live-token figures and the sweep.
async fn measure_all(
    args: &Args,
    targets: &Targets,
    scenarios: &[Scenario],
    sweep_scenarios: &[Scenario],
) -> Result<(Vec<Report>, Option<Live>, Vec<Report>)> {
    let mut world = World::new(&targets.addr, args.code_rate, args.cold_pool).await?;
    let live = if args.live_tokens > 0 {
        eprintln!("issuing {} live app tokens", args.live_tokens);
        let took = world.live_tokens(args.live_tokens).await?;
        let rss = rss_kb(targets.pid);
        eprintln!("  {:.1} s; server RSS {}", took.as_secs_f64(), mb(rss));
        Some((args.live_tokens, took.as_secs_f64(), rss))
    } else {
        None
    };
    let load = Load {
        connections: args.connections,
        warmup: args.warmup,
        duration: args.duration,
    };
    let mut runs: Vec<Vec<Report>> = vec![Vec::new(); scenarios.len()];
    let started = Instant::now();
    for round in 0..args.runs {
        if args.runs > 1 {
            eprintln!("== run {} of {}", round + 1, args.runs);
        }
        for (i, s) in scenarios.iter().enumerate() {
            runs[i].push(measure(&mut world, targets, *s, load).await?);
        }
    }
    let mut reports: Vec<Report> = runs.into_iter().map(report::median).collect();
    if args.wrk {
        for (r, s) in reports.iter_mut().zip(scenarios) {
            if !s.is_replayable() {
                continue;
            }
            let (addr, _) = targets.addr_and_pid(*s);
            let plan = world.plan(*s, &addr, 1, 1.0).await?;
            let mut worker = scenario::Worker::new(std::sync::Arc::new(plan), 0);
            let Some(req) = worker.next(0).await? else {
                continue;
            };
            eprintln!("wrk: {} ({})", s.id(), s.name());
            let w = wrk::run(req, &addr, args.connections, args.duration, &args.out).await?;
            eprintln!(
                "  {:.0} req/s, p99 {:.2} ms, {} errors",
                w.rps, w.p99_ms, w.errors
            );
            r.wrk = Some(w);
        }
    }
    let mut sweep = Vec::new();
    for &connections in &args.sweep {
        for s in sweep_scenarios {
            sweep.push(
                measure(
                    &mut world,
                    targets,
                    *s,
                    Load {
                        connections,
                        ..load
                    },
                )
                .await?,
            );
        }
    }
    eprintln!("measured in {:.0} s", started.elapsed().as_secs_f64());
    Ok((reports, live, sweep))
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
