//! Shared test fixtures for opending's integration tests: the seeded world's credentials, a
//! fresh SQLite directory or PostgreSQL database per test, the skip-or-fail policy, and
//! [`Spawned`], the one way every integration binary starts a real server in its own process.
//!
//! PostgreSQL comes from `OPENDING_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached the PostgreSQL half
//! of each test is skipped with a notice — unless `OPENDING_REQUIRE_POSTGRES=1` (set by
//! `.ci/run`), which turns "unreachable" into a failure.
#![allow(missing_docs)]

pub mod stream;

use std::{path::PathBuf, sync::Arc};

use opending_server::config::Config;
use sqlx::Connection;

/// The seed every test starts from.
pub fn world_seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/world.yaml")
}

/// Credentials from the seed.
pub const ACME: &str = "dingacme";
pub const GLOBEX: &str = "dingglobex";
pub const INITECH: &str = "dinginitech";
pub const HR: (&str, &str) = ("dingacmehr", "acme-hr-secret-0123456789abcdef");
pub const TRAVEL: (&str, &str) = ("suitetravel", "travel-secret-0123456789abcdef");
pub const OPS: (&str, &str) = ("dingglobexops", "globex-ops-secret-0123456789ab");
pub const CRM: (&str, &str) = ("suitecrm", "crm-secret-0123456789abcdef");
/// Acme's directory reader (internal, with the directory points and both field points).
pub const DIR: (&str, &str) = ("dingacmedir", "acme-dir-secret-0123456789abcdef");
/// Users: (unionId, login, password).
pub const ALICE: (&str, &str, &str) = ("aliceUnionId0000000001", "alice", "alice-password-1");
pub const BOB: (&str, &str, &str) = ("bobUnionId000000000002", "bob", "bob-password-2");
pub const CAROL: (&str, &str, &str) = ("carolUnionId0000000003", "carol", "carol-password-3");
pub const ADMIN_KEY: &str = "test-admin-key-0123456789";
pub const HASH_KEY: &str = "0101010101010101010101010101010101010101010101010101010101010101";

/// Which storage a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A fresh SQLite database in a temp dir.
    Sqlite(Arc<tempdir::Dir>),
    /// A fresh PostgreSQL database.
    Postgres(Arc<PgDb>),
}

impl Backend {
    pub fn sqlite() -> Self {
        Backend::Sqlite(Arc::new(tempdir::Dir::new()))
    }

    /// A fresh PostgreSQL database, or `None` (with a notice) when PostgreSQL is unreachable
    /// and not required.
    pub async fn postgres() -> Option<Self> {
        match PgDb::create().await {
            Ok(db) => Some(Backend::Postgres(Arc::new(db))),
            Err(e) => {
                if std::env::var("OPENDING_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                    panic!(
                        "PostgreSQL is required (OPENDING_REQUIRE_POSTGRES=1) but unreachable: {e}"
                    );
                }
                eprintln!("NOTICE: skipping the PostgreSQL half of this test: {e}");
                None
            }
        }
    }

    /// A config pointing at this backend, with the test seed, admin key and hash key.
    pub fn config(&self) -> Config {
        let mut c = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            seed: Some(world_seed()),
            admin_key: Some(opending_domain::Secret::new(ADMIN_KEY)),
            hash_key: Some(opending_domain::Secret::new(HASH_KEY)),
            log_level: "warn".into(),
            ..Config::default()
        };
        // Tests drive one app far faster than 20 requests a second; the rate-limit tests turn
        // the limits back on.
        c.limits.enabled = Some(false);
        match self {
            Backend::Sqlite(dir) => c.data_dir = dir.path().to_owned(),
            Backend::Postgres(db) => c.database_url = Some(db.url.clone()),
        }
        c
    }
}

/// A database created for one test and dropped after it.
#[derive(Debug)]
pub struct PgDb {
    pub url: String,
    admin_url: String,
    name: String,
}

fn pg_admin_url() -> String {
    std::env::var("OPENDING_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl PgDb {
    async fn create() -> Result<Self, sqlx::Error> {
        let admin_url = pg_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
        let name = format!("opending_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(&admin_url);
        Ok(Self {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop from a separate runtime: the test's runtime may be shutting down.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Minimal temp-dir helper (removed on drop).
pub mod tempdir {
    use std::path::{Path, PathBuf};

    /// A directory under the system temp dir.
    #[derive(Debug)]
    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir()
                .join(format!("opending-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&p).unwrap();
            Self(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Default for Dir {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs raw SQL against a backend's database (to break storage on purpose).
pub async fn run_sql(backend: &Backend, statement: &str) {
    match backend {
        Backend::Sqlite(dir) => {
            let url = format!("sqlite://{}", dir.path().join("opending.db").display());
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(statement).execute(&mut c).await.unwrap();
        }
        Backend::Postgres(db) => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(statement).execute(&mut c).await.unwrap();
        }
    }
}

/// A real server on port 0 in this process, on `backend`: what every integration binary's own
/// helper (`TestApp`, `TestServer`, …) wraps. Dropping it asks the server to stop; [`stop`]
/// also waits until it has drained (queued audit events written).
///
/// [`stop`]: Spawned::stop
pub struct Spawned {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The server's address.
    pub addr: std::net::SocketAddr,
    /// The server's state (clock, store, caches), for tests that look behind the API.
    pub core: Arc<opending_server::Core>,
    /// The storage it runs on (kept alive as long as the server).
    pub backend: Backend,
    /// The demo world, when the config asked for it (with its secrets and password on the start
    /// that created it).
    pub demo: Option<opending_server::service::demo::DemoWorld>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Spawned {
    /// Builds and starts a server with `backend`'s test config after `adjust` changed it.
    pub async fn start(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = backend.config();
        adjust(&mut config);
        let app = opending_server::Application::build(config)
            .await
            .expect("server builds");
        let addr = app.local_addr();
        let core = app.core();
        let demo = app.demo().cloned();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until_stopped(async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        Self {
            base: format!("http://{addr}"),
            addr,
            core,
            backend,
            demo,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Declares each test twice: on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let $backend = $crate::Backend::sqlite();
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some($backend) = $crate::Backend::postgres().await else { return };
                    $body
                }
            )*
        }
    };
}

/// Runs a query on the SQLite file `db_file` (opened read-only) and returns the first column
/// of every row as text: e.g. `PRAGMA integrity_check` after a storage test.
pub async fn sqlite_column(db_file: &std::path::Path, query: &str) -> Vec<String> {
    use sqlx::Row;
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db_file)
        .read_only(true);
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    sqlx::query(query)
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            row.try_get::<String, _>(0)
                .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
                .unwrap()
        })
        .collect()
}
