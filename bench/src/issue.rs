//! `--issue-tokens FILE`: drives app-token issuance against a server that may die and come back
//! (the crash-safety test kills it with SIGKILL), and appends every token the server returned to
//! FILE, one per line, flushed before the next request — so FILE holds exactly what callers
//! were handed, however the server ends.
//!
//! Independent of the scenarios in `main.rs`: it reads its own flags, keeps going through
//! refused or dropped connections (reconnecting every 20 ms), and stops after `--duration`.

use std::{
    io::Write,
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::{client::conn::http1, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Flags of the issuing mode.
#[derive(Parser, Debug)]
#[command(about = "Issue app tokens and record every one returned")]
struct IssueArgs {
    /// Append every returned access_token to this file (one per line).
    #[arg(long)]
    issue_tokens: PathBuf,
    /// Server address, e.g. 127.0.0.1:8080 (reconnected to whenever it goes away).
    #[arg(long)]
    addr: String,
    /// JSON file: an array of {"corpId","clientId","clientSecret"} to request tokens for.
    #[arg(long)]
    targets: PathBuf,
    /// Connections, each sending one request at a time.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    corp_id: String,
    client_id: String,
    client_secret: String,
}

/// Runs the issuing mode when `--issue-tokens` is among the arguments; returns whether it ran.
pub async fn run_if_asked() -> Result<bool> {
    if !std::env::args().any(|a| a == "--issue-tokens" || a.starts_with("--issue-tokens=")) {
        return Ok(false);
    }
    let args = IssueArgs::parse();
    let targets: Vec<Target> = serde_json::from_slice(
        &std::fs::read(&args.targets).with_context(|| format!("{}", args.targets.display()))?,
    )?;
    anyhow::ensure!(!targets.is_empty(), "no targets");
    let bodies: Vec<(String, Bytes)> = targets
        .iter()
        .map(|t| {
            (
                format!("/v1.0/oauth2/{}/token", t.corp_id),
                Bytes::from(
                    serde_json::json!({
                        "client_id": t.client_id,
                        "client_secret": t.client_secret,
                        "grant_type": "client_credentials",
                    })
                    .to_string(),
                ),
            )
        })
        .collect();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.issue_tokens)?;
    let file = std::sync::Arc::new(std::sync::Mutex::new(file));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let mut tasks = Vec::new();
    for c in 0..args.connections {
        let (addr, bodies, file) = (args.addr.clone(), bodies.clone(), file.clone());
        tasks.push(tokio::spawn(async move {
            let mut stats = (0u64, 0u64);
            let mut n = c;
            while Instant::now() < deadline {
                let Ok(stream) = TcpStream::connect(&addr).await else {
                    stats.1 += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let Ok((mut sender, conn)) = http1::handshake(TokioIo::new(stream)).await else {
                    continue;
                };
                tokio::spawn(conn);
                while Instant::now() < deadline {
                    let (path, body) = &bodies[n % bodies.len()];
                    n += args.connections;
                    let req = Request::post(path.as_str())
                        .header("host", addr.as_str())
                        .header("content-type", "application/json")
                        .body(Full::new(body.clone()))
                        .expect("valid request");
                    let Ok(resp) = sender.send_request(req).await else {
                        stats.1 += 1;
                        break;
                    };
                    let status = resp.status().as_u16();
                    let Ok(bytes) = resp.into_body().collect().await.map(|b| b.to_bytes()) else {
                        stats.1 += 1;
                        break;
                    };
                    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                    match (status, v["access_token"].as_str()) {
                        (200, Some(token)) => {
                            let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
                            let _ = writeln!(f, "{token}");
                            let _ = f.flush();
                            stats.0 += 1;
                        }
                        _ => stats.1 += 1,
                    }
                }
            }
            stats
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        let (o, f) = t.await?;
        ok += o;
        failed += f;
    }
    println!("{}", serde_json::json!({"recorded": ok, "failed": failed}));
    Ok(true)
}
