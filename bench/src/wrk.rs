//! The same request replayed by wrk (Debian's `wrk`, a load tool we did not write), so that each
//! headline figure has a second one from outside this crate: `wrk -t2 -c<connections>
//! -d<seconds>s --latency` with a generated Lua script that sets the method, headers and body.
//! Only for scenarios whose every request is the same ([`Scenario::is_replayable`]).
//!
//! [`Scenario::is_replayable`]: crate::scenario::Scenario::is_replayable

use std::{path::Path, process::Stdio};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{header, Request};
use tokio::process::Command;

use crate::report::WrkFigures;

/// Whether `wrk` can be run.
pub fn available() -> bool {
    crate::server::runs("wrk")
}

/// Replays `req` against `addr` for `seconds` on `connections` connections (two threads).
pub async fn run(
    req: Request<Full<Bytes>>,
    addr: &str,
    connections: usize,
    seconds: f64,
    scratch: &Path,
) -> Result<WrkFigures> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let mut lua = format!("wrk.method = {}\n", lua_string(parts.method.as_str()));
    if !body.is_empty() {
        lua += &format!(
            "wrk.body = {}\n",
            lua_string(&String::from_utf8_lossy(&body))
        );
    }
    for (name, value) in &parts.headers {
        if name == header::HOST {
            continue;
        }
        lua += &format!(
            "wrk.headers[ {} ] = {}\n",
            lua_string(name.as_str()),
            lua_string(value.to_str().unwrap_or_default())
        );
    }
    std::fs::create_dir_all(scratch)?;
    let script = scratch.join("wrk-request.lua");
    std::fs::write(&script, lua)?;
    let url = format!("http://{addr}{}", parts.uri);
    let out = Command::new("wrk")
        .arg("-t2")
        .arg(format!("-c{}", connections.max(2)))
        .arg(format!("-d{}s", seconds.ceil().max(1.0) as u64))
        .arg("--latency")
        .arg("-s")
        .arg(&script)
        .arg(&url)
        .stdin(Stdio::null())
        .output()
        .await
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
}

/// A Lua long string holding `s` verbatim.
fn lua_string(s: &str) -> String {
    let mut level = 0;
    while s.contains(&format!("]{}]", "=".repeat(level))) {
        level += 1;
    }
    let eq = "=".repeat(level);
    format!("[{eq}[{s}]{eq}]")
}

/// Reads `Requests/sec`, the 99% line of `--latency` and the error counts.
fn parse(text: &str) -> Result<WrkFigures> {
    let mut rps = None;
    let mut p99 = None;
    let mut errors = 0u64;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            rps = v.trim().parse::<f64>().ok();
        } else if let Some(v) = line.strip_prefix("99%") {
            p99 = duration_ms(v.trim());
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            errors += v.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("Socket errors:") {
            errors += v
                .split(',')
                .filter_map(|kv| kv.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    match (rps, p99) {
        (Some(rps), Some(p99_ms)) => Ok(WrkFigures {
            rps,
            p99_ms,
            errors,
        }),
        _ => bail!("no Requests/sec or 99% line"),
    }
}

/// `812.00us`, `3.21ms`, `1.02s` in ms.
fn duration_ms(v: &str) -> Option<f64> {
    let (num, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    num.trim().parse::<f64>().ok().map(|x| x * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrks_report() {
        let out = "Running 8s test @ http://127.0.0.1:1/ok\n  2 threads and 64 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency   640.12us  300.00us  10.00ms   90.00%\n  Latency Distribution\n     50%  600.00us\n     75%  700.00us\n     90%  800.00us\n     99%    2.50ms\n  800000 requests in 8.00s, 80.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 4\nRequests/sec: 100000.50\nTransfer/sec:     10.00MB\n";
        let f = parse(out).unwrap();
        assert_eq!(f.rps, 100000.5);
        assert_eq!(f.p99_ms, 2.5);
        assert_eq!(f.errors, 7);
        assert_eq!(duration_ms("812.00us"), Some(0.812));
        assert_eq!(duration_ms("1.50s"), Some(1500.0));
        assert_eq!(lua_string("a]]b"), "[=[a]]b]=]");
    }
}
