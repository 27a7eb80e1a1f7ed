//! `TestApp`: a real server on port 0, against SQLite (a fresh temp dir) or PostgreSQL (a fresh
//! database), seeded with `docs/examples/world.yaml`.
//!
//! PostgreSQL comes from `OPENDING_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached the PostgreSQL half
//! of each test is skipped with a notice — unless `OPENDING_REQUIRE_POSTGRES=1` (set by `.ci/run`),
//! which turns "unreachable" into a failure.

use std::{path::PathBuf, sync::Arc};

use opending_server::{config::Config, Application, Core};
use serde_json::Value;
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

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub core: Arc<Core>,
    pub backend: Backend,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The DingTalk error code.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("<none>")
    }

    /// Asserts a DingTalk error body with this status and code, and a request id matching the
    /// response header.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "body: {}",
            self.body
        );
        let rid = self.body["requestid"].as_str().expect("requestid");
        assert_eq!(rid.len(), 36, "requestid looks like a UUID: {rid}");
        assert_eq!(self.headers["x-acs-request-id"].to_str().unwrap(), rid);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

impl TestApp {
    /// Spawns a server on `backend` with the default test config.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns a server after letting the test adjust its config.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = backend.config();
        adjust(&mut config);
        let app = Application::build(config).await.expect("server builds");
        let addr = app.local_addr();
        let core = app.core();
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
            http: reqwest::Client::new(),
            core,
            backend,
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

    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("response is JSON: {text:?}"))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Sends any request built from `self.http`.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        Self::answer(req.send().await.expect("request sent")).await
    }

    /// POST JSON to a path.
    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    /// `POST /v1.0/oauth2/{corp}/token` with client credentials.
    pub async fn app_token(&self, corp: &str, (id, secret): (&str, &str)) -> Answer {
        self.post_json(
            &format!("/v1.0/oauth2/{corp}/token"),
            &serde_json::json!({"client_id": id, "client_secret": secret, "grant_type": "client_credentials"}),
        )
        .await
    }

    /// The token value of a successful `app_token` call.
    pub async fn token_value(&self, corp: &str, client: (&str, &str)) -> String {
        let a = self.app_token(corp, client).await;
        assert_eq!(a.status, 200, "token request failed: {}", a.body);
        a.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Introspects with the admin key.
    pub async fn introspect_admin(&self, token: &str) -> Answer {
        self.send(
            self.http
                .post(format!("{}/v1.0/oauth2/introspect", self.base))
                .bearer_auth(ADMIN_KEY)
                .json(&serde_json::json!({"token": token})),
        )
        .await
    }

    /// A request to the admin API with the admin key.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/admin/v1{path}", self.base))
            .bearer_auth(ADMIN_KEY)
    }

    /// Runs raw SQL against this test's database (to break storage on purpose).
    pub async fn sql(&self, statement: &str) {
        match &self.backend {
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
                    let $backend = $crate::helpers::Backend::sqlite();
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
                    let Some($backend) = $crate::helpers::Backend::postgres().await else { return };
                    $body
                }
            )*
        }
    };
}
