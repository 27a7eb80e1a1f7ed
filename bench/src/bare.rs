//! The ceiling: `bench/peers/bare-axum`, the smallest axum server on opending's own tokio, axum
//! and serde versions and release profile, started on a free port and measured with the same
//! load as opending (scenarios x and y). Every ratio of the report is taken against it.

use std::{path::Path, process::Stdio, time::Instant};

use anyhow::{bail, Context, Result};
use tokio::process::Command;

use crate::server::{self, Started};

/// Starts `binary` and waits for its first answer on `GET /ok`.
pub async fn start(binary: &Path) -> Result<Started> {
    if !binary.exists() {
        bail!(
            "{} not found: build it first (cargo build [--release] -p bare-axum)",
            binary.display()
        );
    }
    let addr = server::free_addr()?;
    let since = Instant::now();
    let mut child = Command::new(binary)
        .arg(&addr)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let startup_ms = server::wait_ready(&mut child, &addr, "/ok", since)
        .await
        .context("starting bare-axum")?;
    Ok(Started::new(child, addr, startup_ms))
}
