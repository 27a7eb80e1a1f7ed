//! Database trouble under a running `opending serve` (docs/operations.md#database-trouble):
//!
//! - a private PostgreSQL cluster is crashed (`pg_ctl stop -m immediate`) under load and started
//!   again, or frozen (SIGSTOP) and thawed: every request in between must answer within the
//!   configured timeouts with the opaque 500 JSON, `/healthz` must go 503 within about a second while `/livez` stays 200, and service
//!   must resume by itself, with the tokens issued before the outage still valid;
//! - the SQLite data directory runs out of space (a small tmpfs filled up), then gets it back;
//! - the SQLite files become unwritable (`chattr +i`: root ignores file modes), then writable.
//!
//! In each SQLite case writes must fail with the opaque 500 JSON (never a hang, a panic or a
//! non-JSON answer), reads must keep working, writes must resume once the trouble is gone, and
//! the file must pass `PRAGMA integrity_check` with every write the server confirmed in it.
//!
//! `#[ignore]`: they need root (`mount`, `chattr`, `runuser`) and the PostgreSQL server binaries,
//! and stop databases; scripts/test runs them serially with `--ignored --test-threads=1`. Without
//! root or the binaries each skips with a notice, unless `OPENDING_REQUIRE_ROOT=1` (root, mount,
//! chattr) or `OPENDING_REQUIRE_POSTGRES=1` (the PostgreSQL binaries) is set, as `.ci/run` does.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use crate::process::*;

/// The timeouts the server runs with here (milliseconds): small, so the test is quick and the
/// bound it checks is tight.
const DB_ACQUIRE_TIMEOUT_MS: u64 = 1000;
const DB_TIMEOUT_MS: u64 = 1000;
const REQUEST_TIMEOUT_MS: u64 = 3000;
/// Concurrent token callers during the PostgreSQL outage (plus two writers, one introspector
/// and one health prober): more than the pool's default 16 connections.
const TOKEN_CALLERS: usize = 16;
/// Slack on top of a timeout for a loaded 2-core machine (scheduling, a debug build).
const SLACK: Duration = Duration::from_millis(1500);

/// Skips (returns `false`, with a notice) or fails, as `OPENDING_REQUIRE_<var>` says.
fn available(ok: bool, var: &str, what: &str) -> bool {
    if ok {
        return true;
    }
    if std::env::var(format!("OPENDING_REQUIRE_{var}")).as_deref() == Ok("1") {
        panic!("{what} (required: OPENDING_REQUIRE_{var}=1)");
    }
    eprintln!("NOTICE: skipping this database-trouble test: {what}");
    false
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a command, panicking with its output when it fails.
fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `opending serve` with the test's timeouts, rate limits off (one address drives the load) and
/// its log in `log`.
fn serve(args: &[String], log: &Path) -> Server {
    let mut cmd = bin();
    cmd.env("OPENDING_LIMITS__ENABLED", "false")
        .env(
            "OPENDING_DB_ACQUIRE_TIMEOUT_MS",
            DB_ACQUIRE_TIMEOUT_MS.to_string(),
        )
        .env("OPENDING_DB_TIMEOUT_MS", DB_TIMEOUT_MS.to_string())
        .env(
            "OPENDING_REQUEST_TIMEOUT_MS",
            REQUEST_TIMEOUT_MS.to_string(),
        );
    let args = [
        args,
        &[
            "--seed".to_owned(),
            world_seed().display().to_string(),
            "--admin-key".to_owned(),
            ADMIN_KEY.to_owned(),
        ],
    ]
    .concat();
    Server::start_logging_to(cmd, &args, std::fs::File::create(log).unwrap())
}

/// The server process is still running and never logged a panic.
fn assert_alive(server: &mut Server, log: &Path) {
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );
    let log = std::fs::read_to_string(log).unwrap();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
}

/// One answer: when it was asked (since the test began), how long it took, what came back.
#[derive(Debug, Clone)]
struct Answer {
    what: &'static str,
    at: Duration,
    took: Duration,
    status: u16,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// DingTalk's opaque 500: `{"code":"server.error","requestid":…,"message":…}`.
    fn is_server_error(&self) -> bool {
        self.status == 500
            && self.code() == "server.error"
            && self.body["requestid"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
            && self.body["message"].is_string()
    }
}

/// Sends requests and times them; a transport failure (no answer in 20 s, refused, cut) is
/// recorded as status 0, which every test refuses.
#[derive(Clone)]
struct Caller {
    http: reqwest::Client,
    base: String,
    started: Instant,
}

impl Caller {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            base: base.to_owned(),
            started: Instant::now(),
        }
    }

    async fn send(&self, what: &'static str, req: reqwest::RequestBuilder) -> Answer {
        let begin = Instant::now();
        let (status, body) = match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                (
                    status,
                    serde_json::from_str(&text).unwrap_or(Value::String(text)),
                )
            }
            Err(e) => (0, Value::String(e.to_string())),
        };
        Answer {
            what,
            at: begin - self.started,
            took: begin.elapsed(),
            status,
            body,
        }
    }

    async fn get(&self, what: &'static str, path: &str) -> Answer {
        self.send(what, self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn token(&self, (corp, (id, secret)): (&str, (&str, &str))) -> Answer {
        let req = self
            .http
            .post(format!("{}/v1.0/oauth2/{corp}/token", self.base))
            .json(&json!({"client_id": id, "client_secret": secret, "grant_type": "client_credentials"}));
        self.send("token", req).await
    }

    async fn introspect(&self, token: &str) -> Answer {
        let req = self
            .http
            .post(format!("{}/v1.0/oauth2/introspect", self.base))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"token": token}));
        self.send("introspect", req).await
    }

    /// A read no cache answers: org `n` of [`Caller::create_org`] through the admin API.
    async fn read_org(&self, n: usize) -> Answer {
        let req = self
            .http
            .get(format!("{}/admin/v1/orgs/dingtrouble{n:05}", self.base))
            .bearer_auth(ADMIN_KEY);
        self.send("read_org", req).await
    }

    /// A write: a new org through the admin API (an org row and an audit row).
    async fn create_org(&self, n: usize) -> Answer {
        let req = self
            .http
            .post(format!("{}/admin/v1/orgs", self.base))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"corpId": format!("dingtrouble{n:05}"), "name": format!("Trouble {n:05} {}", "x".repeat(48))}));
        self.send("create_org", req).await
    }
}

/// The app token of HR in Acme, which must issue.
async fn issue_token(caller: &Caller) -> String {
    let a = caller.token((ACME, HR)).await;
    assert_eq!(a.status, 200, "{a:?}");
    a.body["access_token"].as_str().unwrap().to_owned()
}

async fn assert_active(caller: &Caller, token: &str) {
    let a = caller.introspect(token).await;
    assert!(a.status == 200 && a.body["active"] == true, "{a:?}");
}

fn max_took<'a>(answers: impl IntoIterator<Item = &'a Answer>) -> Duration {
    answers
        .into_iter()
        .map(|a| a.took)
        .max()
        .unwrap_or_default()
}

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

/// A small tmpfs of its own, unmounted on drop: a disk that can be filled.
struct Tmpfs(tempdir::Dir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempdir::Dir::new();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self(dir))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(self.path())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = Command::new("umount").arg("-l").arg(self.path()).status();
        }
    }
}

/// Fills the file system holding `path` with a file there, to the last byte.
fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    for chunk in [1 << 16, 4096, 1] {
        let buf = vec![0u8; chunk];
        while f.write_all(&buf).is_ok() {}
    }
    let _ = f.sync_all();
}

/// Files made immutable (`chattr +i`, which binds root too), made mutable again on drop.
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(paths: Vec<PathBuf>) -> Option<Self> {
        let mut guard = Self(Vec::new());
        for p in paths {
            let ok = Command::new("chattr")
                .arg("+i")
                .arg(&p)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return None;
            }
            guard.0.push(p);
        }
        Some(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(p).status();
        }
    }
}

/// What a SQLite trouble run saw, for the report.
struct Trouble {
    /// Writes confirmed after the storage broke, before the first failure (space left in the
    /// WAL file).
    still_fit: usize,
    failed_writes: Vec<Answer>,
    reads: Vec<Answer>,
    healthz: Answer,
    /// From the storage's repair until the first confirmed write.
    recovered_in: Duration,
    /// The server's log.
    log: String,
}

/// On a SQLite server started on `data`: a few writes, then `break_storage`, then writes until
/// 10 fail (each must be the opaque 500, in time) while reads of an earlier token keep working,
/// then `repair` (given what `break_storage` returned) and writes must resume. After a SIGKILL the file must pass `PRAGMA integrity_check` and hold every
/// write the server confirmed.
async fn sqlite_trouble<G>(
    data: &Path,
    work: &Path,
    break_storage: impl FnOnce() -> G,
    repair: impl FnOnce(G),
) -> Trouble {
    let log = work.join("server.log");
    let mut server = serve(
        &[
            "--hash-key".into(),
            HASH_KEY.into(),
            "--data-dir".into(),
            data.display().to_string(),
        ],
        &log,
    );
    let caller = Caller::new(&server.base);
    let before = issue_token(&caller).await;
    let mut confirmed = Vec::new();
    let mut n = 0;
    let write = |a: &Answer, n: usize, confirmed: &mut Vec<String>| {
        let bound = Duration::from_millis(REQUEST_TIMEOUT_MS) + SLACK;
        assert!(a.took <= bound, "answered too late: {a:?}");
        match a.status {
            201 => {
                confirmed.push(format!("dingtrouble{n:05}"));
                true
            }
            _ => {
                assert!(a.is_server_error(), "not the opaque 500: {a:?}");
                false
            }
        }
    };
    for _ in 0..5 {
        let a = caller.create_org(n).await;
        assert!(write(&a, n, &mut confirmed), "{a:?}");
        n += 1;
    }

    let broken = tokio::task::block_in_place(break_storage);
    let (mut still_fit, mut failed_writes, mut reads) = (0, Vec::new(), Vec::new());
    while failed_writes.len() < 10 {
        assert!(n < 5000, "writes keep succeeding on broken storage");
        let a = caller.create_org(n).await;
        if write(&a, n, &mut confirmed) {
            // Nothing frees space or unlocks files before the repair: a success after a
            // failure is what a write lost in a never-committed transaction looked like.
            assert!(
                failed_writes.is_empty(),
                "a write succeeded after failing: {a:?}"
            );
            still_fit += 1;
        } else {
            failed_writes.push(a);
            let r = caller.introspect(&before).await;
            assert!(
                r.status == 200 && r.body["active"] == true,
                "read failed: {r:?}"
            );
            reads.push(r);
            // And one no cache answers: an org written before the trouble.
            let r = caller.read_org(0).await;
            assert!(
                r.status == 200 && r.body["corpId"] == "dingtrouble00000",
                "read failed: {r:?}"
            );
            reads.push(r);
        }
        n += 1;
    }
    let healthz = caller.get("healthz", "/healthz").await;
    assert_alive(&mut server, &log);

    let repaired = Instant::now();
    tokio::task::block_in_place(|| repair(broken));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let a = caller.create_org(n).await;
        let ok = write(&a, n, &mut confirmed);
        n += 1;
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "writes did not resume: {a:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered_in = repaired.elapsed();
    for _ in 0..5 {
        let a = caller.create_org(n).await;
        assert!(write(&a, n, &mut confirmed), "{a:?}");
        n += 1;
    }
    assert_eq!(issue_token(&caller).await, before);
    assert_active(&caller, &before).await;
    assert_alive(&mut server, &log);
    server.kill9();

    let db = data.join("opending.db");
    assert_eq!(sqlite_column(&db, "PRAGMA integrity_check").await, ["ok"]);
    let stored = sqlite_column(
        &db,
        "SELECT corp_id FROM orgs WHERE corp_id LIKE 'dingtrouble%'",
    )
    .await;
    let lost: Vec<&String> = confirmed.iter().filter(|c| !stored.contains(c)).collect();
    assert!(lost.is_empty(), "confirmed writes lost: {lost:?}");
    Trouble {
        still_fit,
        failed_writes,
        reads,
        healthz,
        recovered_in,
        log: std::fs::read_to_string(&log).unwrap(),
    }
}

impl Trouble {
    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} writes still fit, then {} failed with the opaque 500 (max {} ms); \
             {} reads during it all 200 (max {} ms); /healthz {} {}; \
             writes resumed {} ms after the repair; integrity_check ok, no confirmed write lost",
            self.still_fit,
            self.failed_writes.len(),
            max_took(&self.failed_writes).as_millis(),
            self.reads.len(),
            max_took(&self.reads).as_millis(),
            self.healthz.status,
            self.healthz.body,
            self.recovered_in.as_millis(),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "mounts a tmpfs; needs root; run serially by scripts/test"]
async fn sqlite_full_disk_fails_writes_cleanly_and_recovers() {
    if !available(is_root(), "ROOT", "not root (mount -t tmpfs)") {
        return;
    }
    let mounted = Tmpfs::mount("32m");
    if !available(mounted.is_some(), "ROOT", "cannot mount a tmpfs") {
        return;
    }
    let disk = mounted.unwrap();
    let work = tempdir::Dir::new();
    let filler = disk.path().join("filler");
    let data = disk.path().join("data");
    let trouble = sqlite_trouble(
        &data,
        work.path(),
        || fill(&filler),
        |()| std::fs::remove_file(&filler).unwrap(),
    )
    .await;
    assert_eq!(trouble.healthz.status, 200, "{:?}", trouble.healthz);
    assert!(
        trouble.log.contains("database or disk is full"),
        "the log does not say why:\n{}",
        trouble.log
    );
    trouble.report("sqlite full disk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "uses chattr; needs root; run serially by scripts/test"]
async fn sqlite_read_only_files_fail_writes_cleanly_and_recover() {
    if !available(is_root(), "ROOT", "not root (chattr +i)") {
        return;
    }
    let dir = tempdir::Dir::new();
    let probe = dir.path().join("probe");
    std::fs::write(&probe, "").unwrap();
    let supported = Immutable::set(vec![probe]).is_some();
    if !available(
        supported,
        "ROOT",
        "chattr +i is not supported on the temp dir's file system",
    ) {
        return;
    }
    let work = tempdir::Dir::new();
    let data = dir.path().join("data");
    // Not `opending.db-shm`: SQLite maps it into memory, and a store into a mapped page of an
    // immutable file is a SIGBUS that kills the process (docs/operations.md#database-trouble).
    let files = vec![
        data.join("opending.db"),
        data.join("opending.db-wal"),
        data.clone(),
    ];
    let trouble = sqlite_trouble(
        &data,
        work.path(),
        || Immutable::set(files).expect("chattr +i"),
        drop,
    )
    .await;
    assert_eq!(trouble.healthz.status, 200, "{:?}", trouble.healthz);
    // Said once, clearly, and once more when it is over.
    for said in [
        "the SQLite database cannot be written",
        "the SQLite database is writable again",
    ] {
        assert_eq!(
            trouble.log.matches(said).count(),
            1,
            "{said}:\n{}",
            trouble.log
        );
    }
    trouble.report("sqlite read-only files");
}
