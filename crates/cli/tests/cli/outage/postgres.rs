//! A private PostgreSQL cluster crashed or frozen under load, then back.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::*;

/// The newest PostgreSQL server binaries (`/usr/lib/postgresql/<major>/bin`), if installed.
fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

/// A PostgreSQL cluster of this test's own (the shared one on 5432 is never touched), owned by
/// the `postgres` user, on a free port, its socket in its own directory; stopped and removed
/// on drop.
struct Cluster {
    bin: PathBuf,
    dir: tempdir::Dir,
    port: u16,
}

impl Cluster {
    fn init(bin: PathBuf) -> Self {
        let dir = tempdir::Dir::new();
        run(Command::new("chown").arg("postgres:").arg(dir.path()));
        let cluster = Self {
            bin,
            dir,
            port: free_port(),
        };
        run(cluster
            .pg("initdb")
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(cluster.data()));
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `tool` of the cluster's binaries, run as `postgres` in the cluster's directory.
    fn pg(&self, tool: &str) -> Command {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        c
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        run(self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("postgres.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]));
    }

    /// Kills the server the hard way: no checkpoint, every connection cut (a crash).
    fn crash(&self) {
        run(self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]));
    }
}

impl Cluster {
    /// The postmaster and every backend and helper process of the cluster (none when it is not
    /// running).
    fn processes(&self) -> Vec<String> {
        let Ok(pid_file) = std::fs::read_to_string(self.data().join("postmaster.pid")) else {
            return Vec::new();
        };
        let Some(postmaster) = pid_file.lines().next().map(|l| l.trim().to_owned()) else {
            return Vec::new();
        };
        let Ok(children) = Command::new("pgrep").args(["-P", &postmaster]).output() else {
            return vec![postmaster];
        };
        let mut pids = vec![postmaster];
        pids.extend(
            String::from_utf8_lossy(&children.stdout)
                .split_whitespace()
                .map(str::to_owned),
        );
        pids
    }

    /// Freezes the server (SIGSTOP to every process): connections stay open, nothing answers.
    fn freeze(&self) -> Vec<String> {
        let pids = self.processes();
        assert!(!pids.is_empty(), "the cluster is not running");
        run(Command::new("kill").arg("-STOP").args(&pids));
        pids
    }

    /// Lets a frozen server run again.
    fn thaw(&self, pids: &[String]) {
        run(Command::new("kill").arg("-CONT").args(pids));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // A test that failed while the server was frozen: let it run, so it can stop.
        let pids = self.processes();
        if !pids.is_empty() {
            let _ = Command::new("kill")
                .arg("-CONT")
                .args(&pids)
                .stderr(Stdio::null())
                .status();
        }
        let _ = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// Everything answered in a load run, shared by the load tasks.
type Answers = Arc<Mutex<Vec<Answer>>>;

/// Runs `body` again and again until `stop` is set, recording each answer.
fn keep_calling<F, Fut>(
    answers: &Answers,
    stop: &Arc<std::sync::atomic::AtomicBool>,
    body: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(usize) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Answer> + Send,
{
    let (answers, stop) = (answers.clone(), stop.clone());
    tokio::spawn(async move {
        let mut n = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let a = body(n).await;
            answers.lock().unwrap().push(a);
            n += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

/// How the PostgreSQL test takes the database away.
#[derive(Clone, Copy, PartialEq)]
enum Outage {
    /// `pg_ctl stop -m immediate`, then `pg_ctl start` (crash recovery).
    Crash,
    /// SIGSTOP to every server process, then SIGCONT: open connections hang, nothing is refused.
    Freeze,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "stops a database; needs root and the PostgreSQL binaries; run serially by scripts/test"]
async fn postgres_crash_under_load_fails_fast_and_recovers() {
    postgres_outage(Outage::Crash).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "freezes a database; needs root and the PostgreSQL binaries; run serially by scripts/test"]
async fn postgres_freeze_under_load_fails_fast_and_recovers() {
    postgres_outage(Outage::Freeze).await;
}

/// A private cluster under `opending serve` and load is taken away as `how` says for 6 s, then
/// given back: every request in between must answer the opaque 500 within the timeouts,
/// `/healthz` 503 within about a second, `/livez` 200, and service must resume by itself with
/// the tokens from before still valid.
async fn postgres_outage(how: Outage) {
    let bin_dir = pg_bin_dir();
    if !available(is_root(), "ROOT", "not root (runuser -u postgres)")
        || !available(
            bin_dir.is_some(),
            "POSTGRES",
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin",
        )
    {
        return;
    }
    let cluster = Cluster::init(bin_dir.unwrap());
    cluster.start();
    let work = tempdir::Dir::new();
    let log = work.path().join("server.log");
    let mut server = serve(
        &[
            "--hash-key".into(),
            HASH_KEY.into(),
            "--database-url".into(),
            cluster.url(),
        ],
        &log,
    );
    let caller = Caller::new(&server.base);
    let before = issue_token(&caller).await;
    let globex_before = caller.token((GLOBEX, OPS)).await;
    assert_eq!(globex_before.status, 200, "{globex_before:?}");

    // Load: token issuance for two apps, introspection of a token from before, and writes.
    let answers: Answers = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    // More callers than the pool's 16 connections, so some wait for a checkout too.
    for i in 0..TOKEN_CALLERS {
        let target = [(ACME, HR), (GLOBEX, OPS)][i % 2];
        let c = caller.clone();
        load.push(keep_calling(&answers, &stop, move |_| {
            let c = c.clone();
            async move { c.token(target).await }
        }));
    }
    let (c, t) = (caller.clone(), before.clone());
    load.push(keep_calling(&answers, &stop, move |_| {
        let (c, t) = (c.clone(), t.clone());
        async move { c.introspect(&t).await }
    }));
    for w in 1..=2 {
        let c = caller.clone();
        load.push(keep_calling(&answers, &stop, move |n| {
            let c = c.clone();
            async move { c.create_org(w * 10_000 + n).await }
        }));
    }
    let c = caller.clone();
    load.push(keep_calling(&answers, &stop, move |_| {
        let c = c.clone();
        async move {
            let h = c.get("healthz", "/healthz").await;
            let l = c.get("livez", "/livez").await;
            assert!(l.status == 200 && l.body["status"] == "alive", "{l:?}");
            h
        }
    }));

    tokio::time::sleep(Duration::from_secs(2)).await;
    let down_at = caller.started.elapsed();
    let frozen = tokio::task::block_in_place(|| match how {
        Outage::Crash => {
            cluster.crash();
            Vec::new()
        }
        Outage::Freeze => cluster.freeze(),
    });
    let down = caller.started.elapsed();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let up_at = caller.started.elapsed();
    tokio::task::block_in_place(|| match how {
        Outage::Crash => cluster.start(),
        Outage::Freeze => cluster.thaw(&frozen),
    });
    let up = caller.started.elapsed();

    // Recovery: the first token issued after the database accepts connections again.
    let deadline = Instant::now() + Duration::from_secs(30);
    let recovered = loop {
        let first_ok = answers
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.what == "token" && a.at >= up && a.status == 200)
            .map(|a| a.at + a.took)
            .min();
        if let Some(t) = first_ok {
            break t;
        }
        assert!(
            Instant::now() < deadline,
            "no token issued within 30 s of the database's return"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let answers = answers.lock().unwrap().clone();
    assert_alive(&mut server, &log);
    let served_before = answers
        .iter()
        .filter(|a| a.what == "token" && a.status == 200 && a.at + a.took < down_at)
        .count();
    assert!(
        served_before > 20,
        "too little load before the outage: {served_before}"
    );

    // Nothing ever went unanswered or hung past the request timeout (requests caught in flight
    // by the outage included), and nothing but success or the opaque 500 came back.
    let bound = Duration::from_millis(REQUEST_TIMEOUT_MS) + SLACK;
    for a in &answers {
        assert!(
            matches!(a.status, 200 | 201) || a.is_server_error() || a.what == "healthz",
            "unexpected answer: {a:?}"
        );
        assert!(a.took <= bound, "answered too late ({:?}): {a:?}", a.took);
    }
    // While the database was down (from its stop until its start was asked for), every request
    // that needs it answered the opaque 500 within the timeouts.
    let outage: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.at >= down && a.at + a.took <= up_at)
        .collect();
    for a in &outage {
        match a.what {
            "healthz" => {
                assert!(
                    a.status == 503 && a.body["status"] == "unavailable",
                    "{a:?}"
                );
                assert!(a.took <= Duration::from_secs(1) + SLACK, "{a:?}");
            }
            // A token may still be answered from the token cache for up to a second, until
            // the change poller notices storage is gone and empties it.
            "introspect" => assert!(a.status == 200 || a.is_server_error(), "{a:?}"),
            _ => assert!(a.is_server_error(), "{a:?}"),
        }
    }
    let failed = outage.iter().filter(|a| a.is_server_error()).count();
    assert!(
        failed >= 10,
        "too few requests during the outage: {outage:?}"
    );
    let healthz_down: Vec<&&Answer> = outage.iter().filter(|a| a.what == "healthz").collect();
    assert!(
        !healthz_down.is_empty(),
        "/healthz was not asked during the outage"
    );

    // Service is back: health, a fresh token, and the tokens from before the outage.
    let h = caller.get("healthz", "/healthz").await;
    assert_eq!(h.status, 200, "{h:?}");
    assert_eq!(issue_token(&caller).await, before);
    assert_active(&caller, &before).await;
    assert_active(
        &caller,
        globex_before.body["access_token"].as_str().unwrap(),
    )
    .await;
    let w = caller.create_org(99_999).await;
    assert_eq!(w.status, 201, "{w:?}");
    assert_alive(&mut server, &log);

    eprintln!(
        "postgres {}: {served_before} tokens issued before; \
         database taken away at {:.2}s (took {} ms), down {:.1}s; \
         {} requests during the outage, {} answered the opaque 500, max latency {} ms \
         (token {} ms, write {} ms, introspect {} ms, /healthz {} ms, bound {} ms); \
         slowest answer of the whole run {} ms; \
         database back {} ms after it was asked to, first token {} ms after that",
        match how {
            Outage::Crash => "crash",
            Outage::Freeze => "freeze",
        },
        down_at.as_secs_f64(),
        (down - down_at).as_millis(),
        (up_at - down).as_secs_f64(),
        outage.len(),
        failed,
        max_took(outage.iter().copied()).as_millis(),
        max_took(outage.iter().copied().filter(|a| a.what == "token")).as_millis(),
        max_took(outage.iter().copied().filter(|a| a.what == "create_org")).as_millis(),
        max_took(outage.iter().copied().filter(|a| a.what == "introspect")).as_millis(),
        max_took(healthz_down.iter().map(|a| **a)).as_millis(),
        bound.as_millis(),
        max_took(&answers).as_millis(),
        (up - up_at).as_millis(),
        (recovered.saturating_sub(up)).as_millis(),
    );
}
