//! The state every service shares: storage, the hash key, the clock, the source of randomness
//! and the token settings. Built once at start-up from the [`Config`].

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use opending_domain::{secret::Purpose, HashKey, KeyedHash, Secret, UnixTime};
use opending_store::{PgStore, SqliteStore, Store};
use rand::RngCore;

use crate::{
    clock::Clock,
    config::Config,
    state::{
        AuditSink, ContactCache, EmulatorState, HotTokens, SignInThrottle, StreamHub, TokenCache,
    },
};

/// Where ids, secrets, codes and tokens come from: the OS-seeded thread RNG, or — in
/// deterministic emulator runs — one ChaCha20 stream seeded by the operator, so the same
/// requests give the same outputs.
pub enum Entropy {
    /// `rand::thread_rng()` (a CSPRNG reseeded from the OS).
    Os,
    /// A seeded stream shared by the whole server.
    Seeded(Box<std::sync::Mutex<rand_chacha::ChaCha20Rng>>),
}

impl Entropy {
    /// Runs `f` with the RNG.
    pub fn with<T>(&self, f: impl FnOnce(&mut dyn RngCore) -> T) -> T {
        match self {
            Self::Os => f(&mut rand::thread_rng()),
            Self::Seeded(m) => f(&mut *m.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    /// Whether outputs are reproducible.
    pub fn is_deterministic(&self) -> bool {
        matches!(self, Self::Seeded(_))
    }
}

/// Lifetimes of everything that expires, in seconds.
#[derive(Debug, Clone)]
pub struct Lifetimes {
    /// User access tokens.
    pub user_token: i64,
    /// Refresh tokens.
    pub refresh_token: i64,
    /// Authorization codes.
    pub auth_code: i64,
    /// Grace window for reusing a rotated refresh token.
    pub refresh_reuse_grace: i64,
    /// Browser sessions.
    pub session: i64,
    /// A suite ticket, before it is replaced.
    pub suite_ticket: i64,
}

/// Shared state of one server instance (or of one admin CLI run).
pub struct Core {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Key of every keyed hash.
    pub key: HashKey,
    /// The clock.
    pub clock: Clock,
    /// The source of randomness.
    pub entropy: Entropy,
    /// App token lifetime in seconds.
    pub app_token_ttl: i64,
    /// The other lifetimes.
    pub lifetimes: Lifetimes,
    /// Public base URL (pages, cookie `Secure` flag).
    pub public_url: String,
    /// Resolved access tokens (emptied on every change that may withdraw a right).
    pub tokens: Arc<TokenCache>,
    /// App tokens handed out this second, for repeat requests (service/app_token.rs).
    pub hot_tokens: HotTokens,
    /// Orgs and app standings the contact API reads (emptied on every change).
    pub contact_cache: Arc<ContactCache>,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// Request counters and (in emulator mode) the last requests.
    pub journal: crate::journal::Journal,
    /// Emulator state; `None` when the control API is off.
    pub emulator: Option<EmulatorState>,
    /// Failed sign-in counters.
    pub throttle: SignInThrottle,
    /// Keyed hash of the admin key, when the admin API is enabled.
    pub admin_key_hash: Option<KeyedHash>,
    /// A client-secret hash that matches nothing, compared against when a client is unknown so
    /// that "unknown client" and "wrong secret" take the same time.
    pub decoy_secret_hash: KeyedHash,
    /// Where audit events go (docs/security.md#the-audit-log).
    pub audit: AuditSink,
    /// Prometheus metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Rate limits.
    pub limits: Arc<crate::limits::Limits>,
    /// Keyed hash of the token `GET /metrics` wants, when one is configured.
    pub metrics_token_hash: Option<KeyedHash>,
    /// Whether `/metrics` is served on the main listener (no `metrics_listen`).
    pub metrics_on_main: bool,
    /// Event delivery settings.
    pub events: crate::config::EventsConfig,
    /// The Stream connections this instance holds.
    pub stream: Arc<StreamHub>,
    /// This instance's name in delivery leases and records (random per start).
    pub instance_id: String,
    /// The HTTP client of callback deliveries: no redirects followed, no proxy from the
    /// environment, a timeout of `events.ack_timeout_ms`.
    pub outbound: reqwest::Client,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("backend", &self.store.backend())
            .field("app_token_ttl", &self.app_token_ttl)
            .finish_non_exhaustive()
    }
}

/// Metadata key under which a generated hash key is kept.
const META_HASH_KEY: &str = "hash_key";
/// Metadata key of the fingerprint of the hash key the database was set up with.
const META_KEY_FINGERPRINT: &str = "hash_key_fingerprint";

impl Core {
    /// Opens storage as configured, migrates it and settles the hash key.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let entropy = match config.emulator.deterministic {
            Some(seed) => {
                use rand::SeedableRng;
                Entropy::Seeded(Box::new(std::sync::Mutex::new(
                    rand_chacha::ChaCha20Rng::seed_from_u64(seed),
                )))
            }
            None => Entropy::Os,
        };
        let store = open_store(config).await?;
        let key = settle_hash_key(store.as_ref(), config.hash_key.as_ref(), &entropy).await?;
        for point in opending_domain::permission::builtin_points() {
            store.ensure_point(&point).await?;
        }
        let tokens = Arc::new(TokenCache::new(
            config.token_cache_capacity,
            config.negative_token_cache_capacity,
        ));
        let cache = tokens.clone();
        store.changes().subscribe(move || cache.invalidate_all());
        let contact_cache = Arc::new(ContactCache::default());
        let cache = contact_cache.clone();
        store.changes().subscribe(move || cache.invalidate_all());
        let admin_key_hash = config
            .admin_key
            .as_ref()
            .map(|k| key.hash(Purpose::AdminKey, k.expose().as_bytes()));
        let mut decoy = [0u8; 32];
        entropy.with(|rng| rng.fill_bytes(&mut decoy));
        // Deterministic runs start at a fixed instant (2026-01-01T00:00:00Z) that moves only
        // through the emulator's clock API, so every timestamp is reproducible too.
        let clock = if entropy.is_deterministic() {
            Clock::frozen(1_767_225_600)
        } else {
            Clock::default()
        };
        let audit = AuditSink::start(store.clone());
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let limits = Arc::new(crate::limits::Limits::new(config, metrics.clone())?);
        limits.start_sweeper();
        let metrics_token_hash = config
            .metrics_token
            .as_ref()
            .map(|t| key.hash(Purpose::AdminKey, t.expose().as_bytes()));
        let outbound = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_millis(config.events.ack_timeout_ms))
            .user_agent(concat!("opending/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the callback HTTP client")?;
        let instance_id = format!("{:016x}", rand::random::<u64>());
        Ok(Self {
            events: config.events.clone(),
            stream: Arc::new(StreamHub::new(
                config.events.max_connections,
                config.events.max_connections_per_app,
            )),
            instance_id,
            outbound,
            audit,
            metrics_token_hash,
            metrics_on_main: config.metrics_listen.is_none(),
            metrics,
            limits,
            store,
            decoy_secret_hash: KeyedHash(decoy),
            key,
            clock,
            entropy,
            app_token_ttl: config.app_token_ttl,
            lifetimes: Lifetimes {
                user_token: config.user_token_ttl,
                refresh_token: config.refresh_token_ttl,
                auth_code: config.auth_code_ttl,
                refresh_reuse_grace: config.refresh_reuse_grace,
                session: config.session_ttl,
                suite_ticket: config.suite_ticket_period,
            },
            public_url: config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen)),
            tokens,
            hot_tokens: HotTokens::new(config.token_cache_capacity),
            contact_cache,
            request_timeout: Duration::from_millis(config.request_timeout_ms),
            journal: crate::journal::Journal::new(if config.emulator.enabled {
                config.emulator.journal_capacity
            } else {
                0
            }),
            emulator: config
                .emulator
                .enabled
                .then(|| EmulatorState::new(config.demo)),
            throttle: Default::default(),
            admin_key_hash,
        })
    }

    /// The current time.
    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// The current time in Unix milliseconds, on the same (movable) clock as [`Core::now`].
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Runs `f` with the source of randomness for ids, secrets and tokens.
    pub fn with_rng<T>(&self, f: impl FnOnce(&mut dyn RngCore) -> T) -> T {
        self.entropy.with(f)
    }

    /// Keyed hash of a client secret.
    pub fn hash_client_secret(&self, secret: &Secret) -> KeyedHash {
        self.key
            .hash(Purpose::ClientSecret, secret.expose().as_bytes())
    }

    /// Whether `secret` is the client secret whose hash is `stored`. With no stored hash (unknown
    /// client) it compares against a decoy, so both refusals cost the same time.
    pub fn client_secret_matches(&self, secret: &Secret, stored: Option<&KeyedHash>) -> bool {
        let presented = self.hash_client_secret(secret);
        let matches = presented == *stored.unwrap_or(&self.decoy_secret_hash);
        matches && stored.is_some()
    }

    /// Whether `presented` is the admin key (constant time).
    pub fn is_admin_key(&self, presented: &str) -> bool {
        match &self.admin_key_hash {
            Some(h) => self.key.hash(Purpose::AdminKey, presented.as_bytes()) == *h,
            None => false,
        }
    }
}

/// Opens and migrates the configured store, and starts watching for other processes' changes.
async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let acquire_timeout = Duration::from_millis(config.db_acquire_timeout_ms);
    if config.memory {
        let store = SqliteStore::open_memory().await?;
        store
            .migrate()
            .await
            .context("migrating the in-memory database")?;
        return Ok(Arc::new(store));
    }
    if let Some(url) = &config.database_url {
        let store = PgStore::connect(
            url,
            config.db_max_connections,
            acquire_timeout,
            Duration::from_millis(config.db_timeout_ms),
        )
        .await
        .context("connecting to PostgreSQL")?;
        store.migrate().await.context("migrating the database")?;
        store.watch_other_processes();
        return Ok(Arc::new(store));
    }
    let store = SqliteStore::open_dir(
        &config.data_dir,
        config.sqlite_full_sync,
        acquire_timeout,
        Duration::from_millis(config.db_timeout_ms),
    )
    .await
    .with_context(|| format!("opening SQLite in {}", config.data_dir.display()))?;
    store.migrate().await.context("migrating the database")?;
    store.watch_other_processes();
    Ok(Arc::new(store))
}

/// Picks the hash key: the configured one, or the one generated into the database at first
/// start. Refuses to start when the key differs from the one the database was set up with —
/// every stored secret and token would silently stop matching.
async fn settle_hash_key(
    store: &dyn Store,
    configured: Option<&Secret>,
    entropy: &Entropy,
) -> anyhow::Result<HashKey> {
    let key = match configured {
        Some(hex) => HashKey::from_hex(hex.expose()).map_err(anyhow::Error::msg)?,
        None => {
            let fresh = entropy.with(|rng| HashKey::generate(rng)).to_hex();
            let stored = store.meta_init(META_HASH_KEY, &fresh).await?;
            HashKey::from_hex(&stored).map_err(anyhow::Error::msg)?
        }
    };
    let fingerprint = key.fingerprint().to_hex();
    let stored = store.meta_init(META_KEY_FINGERPRINT, &fingerprint).await?;
    if stored != fingerprint {
        anyhow::bail!(
            "the hash key differs from the one this database was set up with; \
             set hash_key (OPENDING_HASH_KEY) to the original key"
        );
    }
    Ok(key)
}
