//! `opending serve`.

use std::{path::PathBuf, process::ExitCode};

use clap::Args;
use opending_server::{config::LogFormat, startup, telemetry, Application};

use crate::args::StorageArgs;

/// Flags of `opending serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Keep everything in memory; nothing is written to disk.
    #[arg(long)]
    memory: bool,
    /// Seed file (YAML or JSON) applied at start.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Create the demo world if missing and print how to get a token.
    #[arg(long)]
    demo: bool,
    /// Enable the admin API under /admin/v1/ with this bearer key (16+ characters).
    #[arg(long, value_name = "KEY")]
    admin_key: Option<String>,
    /// App access token lifetime in seconds [default: 7200].
    #[arg(long, value_name = "SECS")]
    app_token_ttl: Option<i64>,
    /// Log format [default: pretty].
    #[arg(long, value_enum)]
    log_format: Option<LogFormatArg>,
    /// Log filter, e.g. `info` or `opending_server=debug` [default: info].
    #[arg(long, value_name = "FILTER")]
    log_level: Option<String>,
    /// Emulator mode: the control API under /_opending/ and the request journal.
    #[arg(long)]
    emulator: bool,
    /// With --emulator: derive every id, secret, code, token and request id from SEED and
    /// freeze the clock (moved only through /_opending/clock).
    #[arg(long, value_name = "SEED")]
    deterministic: Option<u64>,
    /// With --emulator: allow a non-loopback --listen address. The control API has no
    /// authentication; expose it only on a network you trust.
    #[arg(long)]
    emulator_allow_remote: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormatArg {
    Pretty,
    Json,
}

/// Runs the server until SIGINT/SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = args.storage.load(|o| {
        o.listen = args.listen.clone();
        o.memory = args.memory.then_some(true);
        o.seed = args.seed.clone();
        o.demo = args.demo.then_some(true);
        o.admin_key = args.admin_key.clone();
        o.app_token_ttl = args.app_token_ttl;
        o.log_format = args.log_format.map(|f| match f {
            LogFormatArg::Pretty => LogFormat::Pretty,
            LogFormatArg::Json => LogFormat::Json,
        });
        o.log_level = args.log_level.clone();
        if args.emulator || args.deterministic.is_some() || args.emulator_allow_remote {
            o.emulator = Some(opending_server::config::EmulatorOverrides {
                enabled: args.emulator.then_some(true),
                deterministic: args.deterministic,
                allow_remote: args.emulator_allow_remote.then_some(true),
            });
        }
    })?;
    // Held to the end: dropping it writes the lines still queued.
    let _log = telemetry::init(config.log_format, &config.log_level);
    let app = Application::build(config).await?;
    let addr = app.local_addr();
    // Installed before the address is announced: a signal from then on shuts down cleanly.
    let stop = startup::shutdown_signal();
    if let Some(world) = app.demo() {
        println!("{}", world.banner(app.base_url()));
    }
    // A line scripts and tests can wait for.
    println!("opending listening on http://{addr}");
    let core = app.core();
    app.run_until_stopped(stop).await?;
    // The process ends here: the database is closed (SQLite leaves no write-ahead log behind).
    core.store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
