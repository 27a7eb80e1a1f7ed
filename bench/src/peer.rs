//! The peer: node-oidc-provider (`bench/peers/oidc-provider/`), started with `node server.js`
//! on a free port and measured with the same load as opending (scenario p).

use std::{path::Path, process::Stdio, time::Instant};

use anyhow::{bail, Context, Result};
use tokio::process::Command;

use crate::server::{self, Started};

/// The client_credentials request, as server.js's one client sends it.
pub const TOKEN_FORM: &str = "grant_type=client_credentials&client_id=bench-client&client_secret=bench-client-secret-0123456789abcdef";

/// Whether `node` can be run.
pub fn node_available() -> bool {
    server::runs("node")
}

/// Starts the peer from `dir` and waits for its discovery document.
pub async fn start(dir: &Path) -> Result<Started> {
    if !dir.join("node_modules/oidc-provider").exists() {
        bail!(
            "{}/node_modules is missing: run `npm ci` there (scripts/test and scripts/bench do)",
            dir.display()
        );
    }
    let addr = server::free_addr()?;
    let port = addr.rsplit(':').next().unwrap_or_default().to_owned();
    let since = Instant::now();
    let mut child = Command::new("node")
        .arg("server.js")
        .current_dir(dir)
        .env("PORT", port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting node server.js")?;
    let startup_ms = server::wait_ready(
        &mut child,
        &addr,
        "/.well-known/openid-configuration",
        since,
    )
    .await
    .context("starting the peer")?;
    Ok(Started::new(child, addr, startup_ms))
}
