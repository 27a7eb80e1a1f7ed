//! Crash safety under load: `opending serve` on SQLite is killed with SIGKILL at random moments
//! while `opending-bench --issue-tokens` drives app-token issuance and records every token the
//! server returned; the server is restarted on the same data each time. At the end every
//! recorded token must still be active (docs/operations.md#crash-safety).
//!
//! `#[ignore]`: it runs for about 15 seconds and needs the bench binary; scripts/test runs it
//! serially with `--ignored --test-threads=1` after building opending-bench.

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader},
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use crate::process::*;

const APPS: usize = 40;
const KILLS: usize = 7;

/// The bench binary next to the test's own build output.
fn bench_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bench = dir.join("opending-bench");
    assert!(
        bench.exists(),
        "{} is missing: run `cargo build -p opending-bench` first (scripts/test does)",
        bench.display()
    );
    bench
}

/// A small xorshift seeded from the clock: random kill moments without a dependency.
struct Jitter(u64);

impl Jitter {
    fn new() -> Self {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Self(u64::from(t) | 1)
    }
    fn millis(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo)
    }
}

/// Starts the server on a fixed port and waits until it listens.
fn start(args: &[String], port: u16) -> Child {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // The load comes from one address far above any production limit: this test is about
        // durability, so the rate limits (tested in tests/api/limits.rs) are off.
        let mut child = bin()
            .env("OPENDING_LIMITS__ENABLED", "false")
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("opending starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines.any(|l| {
            l.map(|l| l.starts_with("opending listening on"))
                .unwrap_or(false)
        });
        if listening {
            std::thread::spawn(move || for _ in lines {});
            return child;
        }
        // The port may still be held by the killed process for a moment.
        let _ = child.kill();
        let _ = child.wait();
        assert!(Instant::now() < deadline, "server did not restart");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow; run serially by scripts/test"]
async fn every_token_returned_survives_repeated_sigkill() {
    let bench = bench_binary();
    let backend = Backend::sqlite();
    let Backend::Sqlite(dir) = &backend else {
        unreachable!()
    };
    let work = tempdir::Dir::new();
    // One org, APPS internal apps: each (app, org) has its own token.
    let mut seed = String::from("orgs:\n  - corpId: dingcrash\n    name: Crash\napps:\n");
    let mut targets = Vec::new();
    for i in 0..APPS {
        let (id, secret) = (
            format!("dingcrash{i:03}"),
            format!("crash-secret-{i:03}-0123456789"),
        );
        seed.push_str(&format!(
            "  - clientId: {id}\n    clientSecret: {secret}\n    name: Crash {i}\n    owner: dingcrash\n    distribution: internal\n"
        ));
        targets.push(
            serde_json::json!({"corpId": "dingcrash", "clientId": id, "clientSecret": secret}),
        );
    }
    let seed_path = work.path().join("seed.yaml");
    std::fs::write(&seed_path, seed).unwrap();
    let targets_path = work.path().join("targets.json");
    std::fs::write(&targets_path, serde_json::to_vec(&targets).unwrap()).unwrap();
    let tokens_path = work.path().join("tokens.txt");

    let args = vec![
        "--hash-key".to_owned(),
        HASH_KEY.to_owned(),
        "--data-dir".to_owned(),
        dir.path().display().to_string(),
        "--admin-key".to_owned(),
        ADMIN_KEY.to_owned(),
    ];
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(
        &[
            args.clone(),
            vec!["--seed".into(), seed_path.display().to_string()],
        ]
        .concat(),
        port,
    );

    let mut load = std::process::Command::new(&bench)
        .arg("--issue-tokens")
        .arg(&tokens_path)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .arg("--targets")
        .arg(&targets_path)
        .args(["--connections", "4", "--duration", "14"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("opending-bench starts");

    let mut jitter = Jitter::new();
    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(jitter.millis(300, 1300)));
        server.kill().unwrap();
        server.wait().unwrap();
        server = start(&args, port);
    }
    let out = load.wait_with_output_piped();
    // A std `Child` is not killed on drop: the guard stops the last server however the test ends.
    let _server = KillOnDrop(server);

    let text = std::fs::read_to_string(&tokens_path).unwrap();
    let recorded: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let distinct: BTreeSet<&str> = recorded.iter().copied().collect();
    assert!(
        recorded.len() > APPS,
        "the load recorded too few tokens ({}); bench said {out}",
        recorded.len()
    );
    let mut inactive = Vec::new();
    for token in &distinct {
        let i = introspect(&base, token).await;
        if i["active"] != true {
            inactive.push((token.to_string(), i));
        }
    }
    eprintln!(
        "crash test: {} tokens recorded ({} distinct) across {KILLS} SIGKILLs; {} inactive; bench: {out}",
        recorded.len(),
        distinct.len(),
        inactive.len()
    );
    assert!(inactive.is_empty(), "tokens lost: {inactive:?}");
}

trait WaitPiped {
    fn wait_with_output_piped(&mut self) -> String;
}

impl WaitPiped for Child {
    fn wait_with_output_piped(&mut self) -> String {
        let mut s = String::new();
        if let Some(mut out) = self.stdout.take() {
            let _ = std::io::Read::read_to_string(&mut out, &mut s);
        }
        let status = self.wait().unwrap();
        assert!(status.success(), "opending-bench failed: {status:?}");
        s.trim().to_owned()
    }
}

/// Kills and reaps the child when dropped (a std `Child` is left running otherwise).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
