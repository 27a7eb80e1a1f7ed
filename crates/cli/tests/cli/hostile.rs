//! Hostile traffic against a real server process: memory stays bounded under junk paths,
//! clientIds, logins and admin keys; slow clients cannot starve a normal one; the emulator will
//! not listen beyond loopback unless told to (docs/security.md).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::Stdio,
    time::{Duration, Instant},
};

use crate::process::*;

/// The server's resident set, in kB (Linux).
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// 30 kB of junk, different for every `i`.
fn junk(i: usize) -> String {
    format!("{i:08}{}", "q".repeat(30_000))
}

/// Sends `n` requests made by `make` (32 at a time) and waits for every answer.
async fn flood(n: usize, make: impl Fn(usize) -> reqwest::RequestBuilder) {
    use futures_util_lite::run_limited;
    run_limited(
        32,
        (0..n).map(|i| {
            let req = make(i);
            async move {
                // Any answer will do (4xx expected); only a transport error would mean a crash.
                let r = req.send().await.expect("the server answers");
                let _ = r.bytes().await;
            }
        }),
    )
    .await;
}

/// A tiny bounded-concurrency runner (no extra dependency for one test).
mod futures_util_lite {
    use std::future::Future;

    pub async fn run_limited<F: Future<Output = ()> + Send + 'static>(
        limit: usize,
        jobs: impl Iterator<Item = F>,
    ) {
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(limit));
        let mut tasks = Vec::new();
        for job in jobs {
            let permit = slots.clone().acquire_owned().await.unwrap();
            tasks.push(tokio::spawn(async move {
                job.await;
                drop(permit);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
}

/// Regression (issue 17, item 1): 20 000 requests with distinct 30 kB junk paths, clientIds,
/// logins and admin keys leave the server's memory where it was. Before, the journal's
/// counters kept every junk path (3 000 of them took a server from 24 to 109 MB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_from_callers_leaves_memory_bounded() {
    let backend = Backend::sqlite();
    let mut args = storage_args(&backend);
    args.extend(["--admin-key".to_owned(), ADMIN_KEY.to_owned()]);
    let mut cmd = bin();
    // Limits on (the default), but generous per address: every request reaches the code
    // that keys memory by what the caller sent.
    cmd.env("OPENDING_LIMITS__ADDRESS_PER_SECOND", "1000000")
        .env("OPENDING_LIMITS__ADDRESS_BURST", "1000000");
    let server = Server::start(cmd, &args);
    let base = server.base.clone();
    let pid = server.child.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let per_kind = 5_000;
    // Warm up every path once, so what is measured is growth, not first use.
    let kinds = |n: usize| {
        let (http, base) = (http.clone(), base.clone());
        move |i: usize| -> reqwest::RequestBuilder {
            let j = junk(i + n);
            match i % 4 {
                0 => http.get(format!("{base}/{j}")),
                1 => http
                    .post(format!("{base}/v1.0/oauth2/accessToken"))
                    .json(&serde_json::json!({"appKey": j, "appSecret": "wrong-secret"})),
                2 => http.post(format!("{base}/login")).form(&[
                    ("login", j.as_str()),
                    ("password", "wrong"),
                    ("csrf", "x"),
                ]),
                _ => http.get(format!("{base}/admin/v1/orgs")).bearer_auth(&j),
            }
        }
    };
    flood(400, kinds(10_000_000)).await;
    let before = rss_kb(pid);
    let started = Instant::now();
    flood(4 * per_kind, kinds(0)).await;
    let elapsed = started.elapsed();
    let after = rss_kb(pid);
    eprintln!(
        "hostile memory: {} requests in {:.1} s, RSS {:.1} MB -> {:.1} MB",
        4 * per_kind,
        elapsed.as_secs_f64(),
        before as f64 / 1024.0,
        after as f64 / 1024.0
    );
    // 20 000 × 30 kB is 600 MB of junk; a bound of 24 MB allows allocator slack only.
    assert!(
        after < before + 24 * 1024,
        "RSS grew from {before} kB to {after} kB over {} junk requests",
        4 * per_kind
    );
    // Still serving.
    let live = http.get(format!("{base}/livez")).send().await.unwrap();
    assert_eq!(live.status(), 200);
}

/// Regression (issue 17, item 8): 500 connections that send one header byte a second do not
/// keep a normal client from getting a token within a second, and each of them is closed once
/// the header-read timeout passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_do_not_starve_a_normal_one() {
    let backend = Backend::sqlite();
    let mut args = storage_args(&backend);
    args.extend(["--seed".to_owned(), world_seed().display().to_string()]);
    let mut cmd = bin();
    cmd.env("OPENDING_CONNECTIONS__HEADER_READ_TIMEOUT_MS", "3000");
    let server = Server::start(cmd, &args);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tricklers = Vec::new();
    for _ in 0..500 {
        let (addr, stop) = (addr.clone(), stop.clone());
        tricklers.push(std::thread::spawn(move || -> Option<Duration> {
            let mut s = TcpStream::connect(&addr).ok()?;
            let opened = Instant::now();
            for b in b"POST /v1.0/oauth2/accessToken HTTP/1.1\r\nHost: x\r\n"
                .iter()
                .cycle()
            {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return None;
                }
                if s.write_all(&[*b]).is_err() {
                    return Some(opened.elapsed());
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            None
        }));
    }
    // Let them all connect and start trickling.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..3 {
        let started = Instant::now();
        let (status, body) = app_token(&server.base, ACME, HR).await;
        let took = started.elapsed();
        assert_eq!(status, 200, "{body}");
        assert!(
            took < Duration::from_secs(1),
            "a token took {took:?} beside 500 slow clients"
        );
    }
    // Every trickler is cut off after about the header-read timeout (3 s), not served forever.
    let mut closed = 0;
    for t in tricklers {
        if let Some(after) = t.join().unwrap() {
            assert!(
                after < Duration::from_secs(8),
                "closed only after {after:?}"
            );
            closed += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(closed, 500, "every slow connection is closed by the server");
}

/// An idle kept-alive connection is closed once the header-read timeout passes.
#[test]
fn idle_keep_alive_connections_are_closed() {
    let backend = Backend::sqlite();
    let mut cmd = bin();
    cmd.env("OPENDING_CONNECTIONS__HEADER_READ_TIMEOUT_MS", "1000");
    let server = Server::start(cmd, &storage_args(&backend));
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    // Reads the answer, then waits for the server to close the idle connection.
    let _ = s.read_to_end(&mut buf);
    let took = started.elapsed();
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
    assert!(
        took < Duration::from_secs(5),
        "an idle connection stayed open {took:?}"
    );
}

/// Regression (issue 17, item 10): the emulator's unauthenticated control API does not listen
/// beyond loopback unless `--emulator-allow-remote` says so; either way it warns.
#[test]
fn the_emulator_refuses_a_non_loopback_address_unless_allowed() {
    let out = bin()
        .args(["serve", "--emulator", "--memory", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("emulator.allow_remote"), "{err}");

    let mut child = bin()
        .args([
            "serve",
            "--emulator",
            "--memory",
            "--emulator-allow-remote",
            "--listen",
            "0.0.0.0:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let listening = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.starts_with("opending listening on "));
    assert!(listening, "the allowed emulator starts");
    // The warning comes through the log writer thread: read until it is there, then stop.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = Vec::new();
    let warned = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("no authentication") => break true,
            Ok(line) => seen.push(line),
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        warned,
        "no warning about the control API:\n{}",
        seen.join("\n")
    );
}
