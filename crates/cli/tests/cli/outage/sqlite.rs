//! SQLite's data directory out of space, or its files unwritable, then repaired.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use super::*;

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
