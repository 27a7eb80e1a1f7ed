//! The one configuration struct, read from defaults, a TOML file, `OPENDING_*` environment
//! variables and command-line flags — in that order, later sources winning.

use std::{net::SocketAddr, path::PathBuf};

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use opending_domain::Secret;
use serde::{Deserialize, Serialize};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Emulator mode: the DingTalk stand-in for development and CI (docs/emulator.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmulatorConfig {
    /// Turns on the control API under `/_opending/` (absent otherwise) and the request journal.
    pub enabled: bool,
    /// How many requests the journal keeps.
    pub journal_capacity: usize,
    /// Derive every generated id, secret, code, token and request id from this seed, and
    /// freeze the clock at 2026-01-01T00:00:00Z (it moves only through `/_opending/clock`).
    pub deterministic: Option<u64>,
    /// Let the emulator listen on an address other than loopback. Its control API has no
    /// authentication (anyone who reaches it can mint tokens and rewrite data), so without this
    /// the server refuses to start in emulator mode on a non-loopback `listen`.
    pub allow_remote: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            journal_capacity: 1000,
            deterministic: None,
            allow_remote: false,
        }
    }
}

/// Connection limits against slow or idle clients (`[connections]` in the file;
/// docs/security.md, "Connections").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionsConfig {
    /// Most connections served at once; further ones wait in the kernel's accept queue until
    /// one closes.
    pub max: usize,
    /// Longest time a client may take to send a request's headers, from the moment the server
    /// waits for them (the first request, and each next one on a kept-alive connection), in
    /// milliseconds. A connection that takes longer is closed. This is also the idle
    /// keep-alive time: a kept-alive connection that sends nothing for this long is closed.
    pub header_read_timeout_ms: u64,
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        Self {
            max: 4096,
            header_read_timeout_ms: 10_000,
        }
    }
}

/// Rate limits (`[limits]` in the file; docs/security.md, "Rate limits").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Whether the limits apply. Unset means on, except in emulator mode (where a test suite
    /// hammering one app must not trip them); set it to turn them on or off either way.
    pub enabled: Option<bool>,
    /// Requests per second one app may make to one API (route) — DingTalk's standard edition: 20.
    pub app_api_per_second: u32,
    /// Requests one app may make to one API at once before the per-second rate applies.
    pub app_api_burst: u32,
    /// Requests per second one source address may make to the token, sign-in and consent
    /// endpoints.
    pub address_per_second: u32,
    /// Requests one source address may make to those endpoints at once.
    pub address_burst: u32,
    /// Wrong client secrets one clientId may present from one address before further attempts
    /// from that address are refused unchecked.
    pub secret_failures: u32,
    /// Seconds after the last counted failure until the refusals stop.
    pub secret_failure_window_s: u64,
    /// Peers whose `X-Forwarded-For` header is believed (addresses or CIDRs, e.g.
    /// `10.0.0.0/8`). Empty: the peer address is the client address.
    pub trusted_proxies: Vec<String>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            enabled: None,
            app_api_per_second: 20,
            app_api_burst: 40,
            address_per_second: 50,
            address_burst: 100,
            secret_failures: 10,
            secret_failure_window_s: 300,
            trusted_proxies: Vec::new(),
        }
    }
}

impl LimitsConfig {
    /// The trusted proxies, parsed (a bare address is a /32 or /128 network).
    pub fn trusted_networks(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|s| {
                let s = s.trim();
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        anyhow::anyhow!("limits.trusted_proxies: {s:?} is not an address or CIDR")
                    })
            })
            .collect()
    }
}

/// Events: delivery over Stream and HTTP callbacks (`[events]` in the file; docs/events.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// How long an app has to acknowledge an event (Stream ACK, or the callback's answer)
    /// before the attempt counts as failed, in milliseconds. DingTalk: 60 s for Stream.
    pub ack_timeout_ms: u64,
    /// Delay before the second attempt of an event, in milliseconds; doubled for each further
    /// attempt up to `retry_max_ms`.
    pub retry_base_ms: u64,
    /// Longest delay between two attempts, in milliseconds.
    pub retry_max_ms: u64,
    /// Attempts after which an event is given up (kept as `failed`, never delivered again).
    pub max_attempts: u32,
    /// How often each instance looks for due events it can deliver, in milliseconds (events
    /// raised on this instance are looked at at once).
    pub poll_interval_ms: u64,
    /// Interval of the SYSTEM `ping` sent on each Stream connection, in milliseconds; a
    /// connection silent for two intervals is closed.
    pub ping_interval_ms: u64,
    /// Most Stream connections this instance holds at once.
    pub max_connections: usize,
    /// Most Stream connections one app may hold on this instance.
    pub max_connections_per_app: usize,
    /// Largest frame a Stream client may send, in bytes.
    pub max_frame_bytes: usize,
    /// How long acknowledged and given-up events stay listed, in seconds.
    pub retention_s: u64,
    /// Callback URLs events may be POSTed to outside emulator mode: each entry is a URL prefix
    /// (e.g. `https://hooks.example.com/`). Empty: HTTP callbacks only in emulator mode.
    pub callback_allow: Vec<String>,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            ack_timeout_ms: 60_000,
            retry_base_ms: 1_000,
            retry_max_ms: 300_000,
            max_attempts: 20,
            poll_interval_ms: 500,
            ping_interval_ms: 30_000,
            max_connections: 10_000,
            max_connections_per_app: 64,
            max_frame_bytes: 64 * 1024,
            retention_s: 7 * 24 * 3600,
            callback_allow: Vec::new(),
        }
    }
}

/// Every setting of the server. See `docs/config.md` for the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory of the embedded SQLite database (used unless `database_url` or `memory`).
    pub data_dir: PathBuf,
    /// `postgres://…` to store everything in PostgreSQL instead of SQLite.
    pub database_url: Option<String>,
    /// Keep everything in memory (nothing written to disk); for throwaway runs.
    pub memory: bool,
    /// A seed file applied at start.
    pub seed: Option<PathBuf>,
    /// Create the demo world if it is missing and print how to get a token.
    pub demo: bool,
    /// Bearer key for `/admin/v1/`; the admin API is absent when unset.
    pub admin_key: Option<Secret>,
    /// 64 hex digits keying every stored hash. When unset, a key is generated once and kept in
    /// the database. Must be the same on every instance sharing a database, and never change.
    pub hash_key: Option<Secret>,
    /// App access token lifetime in seconds (DingTalk: 7200).
    pub app_token_ttl: i64,
    /// User access token lifetime in seconds (DingTalk: 7200).
    pub user_token_ttl: i64,
    /// Refresh token lifetime in seconds (DingTalk: 30 days).
    pub refresh_token_ttl: i64,
    /// Authorization code lifetime in seconds.
    pub auth_code_ttl: i64,
    /// Seconds during which a rotated refresh token may be used again (lost responses).
    pub refresh_reuse_grace: i64,
    /// Browser session lifetime in seconds.
    pub session_ttl: i64,
    /// Seconds between two suite tickets of a third-party app (DingTalk: every 5 hours).
    pub suite_ticket_period: i64,
    /// The server's public base URL (e.g. `https://auth.example.com`); an `https` URL marks
    /// cookies `Secure`. Defaults to `http://{listen}`.
    pub public_url: Option<String>,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter, in `tracing` env-filter syntax (e.g. `info`, `opending_server=debug`).
    pub log_level: String,
    /// SQLite: fsync every commit (`synchronous=FULL`) for power-loss durability.
    pub sqlite_full_sync: bool,
    /// PostgreSQL: most connections in the pool.
    pub db_max_connections: u32,
    /// Longest wait for a database connection (SQLite or PostgreSQL) before a request fails,
    /// in milliseconds.
    pub db_acquire_timeout_ms: u64,
    /// Longest time one database statement may run (PostgreSQL `statement_timeout`) or wait
    /// for a lock (SQLite `busy_timeout`) before the request fails with a 500, in milliseconds.
    pub db_timeout_ms: u64,
    /// Longest time a request may take before it is answered with an error, in milliseconds.
    pub request_timeout_ms: u64,
    /// Most resolved access tokens kept in memory.
    pub token_cache_capacity: u64,
    /// Most unknown tokens remembered as unknown (bounds memory under a flood of bad tokens).
    pub negative_token_cache_capacity: u64,
    /// Emulator mode (`[emulator]` in the file).
    pub emulator: EmulatorConfig,
    /// Rate limits (`[limits]` in the file).
    pub limits: LimitsConfig,
    /// Connection limits (`[connections]` in the file).
    pub connections: ConnectionsConfig,
    /// Event delivery (`[events]` in the file).
    pub events: EventsConfig,
    /// A second address serving only `GET /metrics`; when unset, `/metrics` is served on
    /// `listen` (docs/metrics.md).
    pub metrics_listen: Option<SocketAddr>,
    /// Bearer token `GET /metrics` requires; when unset the endpoint is open.
    pub metrics_token: Option<Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            data_dir: PathBuf::from("./opending-data"),
            database_url: None,
            memory: false,
            seed: None,
            demo: false,
            admin_key: None,
            hash_key: None,
            app_token_ttl: 7200,
            user_token_ttl: 7200,
            refresh_token_ttl: 30 * 24 * 3600,
            auth_code_ttl: 300,
            refresh_reuse_grace: 10,
            session_ttl: 12 * 3600,
            suite_ticket_period: opending_domain::isv::SUITE_TICKET_PERIOD,
            public_url: None,
            log_format: LogFormat::Pretty,
            log_level: "info".to_owned(),
            sqlite_full_sync: false,
            db_max_connections: 16,
            db_acquire_timeout_ms: 3000,
            db_timeout_ms: 5000,
            request_timeout_ms: 10_000,
            token_cache_capacity: 100_000,
            negative_token_cache_capacity: 10_000,
            emulator: EmulatorConfig::default(),
            limits: LimitsConfig::default(),
            connections: ConnectionsConfig::default(),
            events: EventsConfig::default(),
            metrics_listen: None,
            metrics_token: None,
        }
    }
}

/// Settings given on the command line; `None` leaves the value to the lower sources.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--listen`
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--data-dir`
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--database-url`
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--memory`
    pub memory: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--seed`
    pub seed: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--demo`
    pub demo: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--admin-key`
    pub admin_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--hash-key`
    pub hash_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--app-token-ttl`
    pub app_token_ttl: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--log-format`
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--log-level`
    pub log_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// `--emulator` (as `emulator.enabled`)
    pub emulator: Option<EmulatorOverrides>,
}

/// Command-line overrides of `[emulator]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmulatorOverrides {
    /// `--emulator`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `--deterministic SEED`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deterministic: Option<u64>,
    /// `--emulator-allow-remote`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_remote: Option<bool>,
}

/// Environment variable names read (each `OPENDING_` + the upper-cased key).
const ENV_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "memory",
    "seed",
    "demo",
    "admin_key",
    "hash_key",
    "app_token_ttl",
    "user_token_ttl",
    "refresh_token_ttl",
    "auth_code_ttl",
    "refresh_reuse_grace",
    "session_ttl",
    "suite_ticket_period",
    "public_url",
    "log_format",
    "log_level",
    "sqlite_full_sync",
    "db_max_connections",
    "db_acquire_timeout_ms",
    "db_timeout_ms",
    "request_timeout_ms",
    "token_cache_capacity",
    "negative_token_cache_capacity",
    "emulator__enabled",
    "emulator__journal_capacity",
    "emulator__deterministic",
    "emulator__allow_remote",
    "connections__max",
    "connections__header_read_timeout_ms",
    "events__ack_timeout_ms",
    "events__retry_base_ms",
    "events__retry_max_ms",
    "events__max_attempts",
    "events__poll_interval_ms",
    "events__ping_interval_ms",
    "events__max_connections",
    "events__max_connections_per_app",
    "events__max_frame_bytes",
    "events__retention_s",
    "events__callback_allow",
    "limits__enabled",
    "limits__app_api_per_second",
    "limits__app_api_burst",
    "limits__address_per_second",
    "limits__address_burst",
    "limits__secret_failures",
    "limits__secret_failure_window_s",
    "limits__trusted_proxies",
    "metrics_listen",
    "metrics_token",
];

impl Config {
    /// Whether the rate limits apply: as configured, else on outside emulator mode.
    pub fn limits_enabled(&self) -> bool {
        self.limits.enabled.unwrap_or(!self.emulator.enabled)
    }

    /// Reads the configuration: defaults, then `file` (if any), then `OPENDING_*`
    /// variables, then `overrides`. Fails on unknown keys, wrong types or bad values.
    pub fn load(file: Option<&std::path::Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let mut fig = Figment::new();
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("config file {} does not exist", path.display());
            }
            fig = fig.merge(Toml::file(path));
        }
        let fig = fig
            .merge(Env::prefixed("OPENDING_").only(ENV_KEYS).split("__"))
            .merge(Serialized::defaults(overrides));
        let config: Config = fig.extract()?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values that types alone do not.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, v, max) in [
            ("app_token_ttl", self.app_token_ttl, 30 * 24 * 3600),
            ("user_token_ttl", self.user_token_ttl, 30 * 24 * 3600),
            ("refresh_token_ttl", self.refresh_token_ttl, 365 * 24 * 3600),
            ("auth_code_ttl", self.auth_code_ttl, 3600),
            ("session_ttl", self.session_ttl, 30 * 24 * 3600),
            (
                "suite_ticket_period",
                self.suite_ticket_period,
                7 * 24 * 3600,
            ),
        ] {
            if v < 1 || v > max {
                anyhow::bail!("{name} must be between 1 and {max} seconds");
            }
        }
        if !(0..=300).contains(&self.refresh_reuse_grace) {
            anyhow::bail!("refresh_reuse_grace must be between 0 and 300 seconds");
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) || u.ends_with('/') {
                anyhow::bail!("public_url must be an http(s) URL without a trailing slash");
            }
        }
        if let Some(url) = &self.database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                anyhow::bail!(
                    "database_url must be a postgres:// URL (SQLite is the default; use data_dir)"
                );
            }
            if self.memory {
                anyhow::bail!("memory and database_url exclude each other");
            }
        }
        if let Some(key) = &self.admin_key {
            if key.expose().len() < 16 {
                anyhow::bail!("admin_key must be at least 16 characters");
            }
        }
        if let Some(key) = &self.hash_key {
            opending_domain::HashKey::from_hex(key.expose()).map_err(anyhow::Error::msg)?;
        }
        let e = &self.events;
        for (name, v, min, max) in [
            ("events.ack_timeout_ms", e.ack_timeout_ms, 100, 3_600_000),
            ("events.retry_base_ms", e.retry_base_ms, 10, 3_600_000),
            ("events.retry_max_ms", e.retry_max_ms, 10, 24 * 3_600_000),
            ("events.poll_interval_ms", e.poll_interval_ms, 10, 60_000),
            (
                "events.ping_interval_ms",
                e.ping_interval_ms,
                100,
                3_600_000,
            ),
            ("events.max_attempts", u64::from(e.max_attempts), 1, 1000),
            (
                "events.max_frame_bytes",
                e.max_frame_bytes as u64,
                1024,
                16 << 20,
            ),
            (
                "events.max_connections",
                e.max_connections as u64,
                1,
                1_000_000,
            ),
            (
                "events.max_connections_per_app",
                e.max_connections_per_app as u64,
                1,
                100_000,
            ),
        ] {
            if v < min || v > max {
                anyhow::bail!("{name} must be between {min} and {max}");
            }
        }
        for prefix in &e.callback_allow {
            if !(prefix.starts_with("http://") || prefix.starts_with("https://")) {
                anyhow::bail!("events.callback_allow: {prefix:?} is not an http(s) URL prefix");
            }
        }
        if self.emulator.deterministic.is_some() && !self.emulator.enabled {
            anyhow::bail!("deterministic mode is an emulator feature: add --emulator");
        }
        if self.db_timeout_ms == 0 || self.db_acquire_timeout_ms == 0 {
            anyhow::bail!("db_timeout_ms and db_acquire_timeout_ms must be at least 1");
        }
        let l = &self.limits;
        for (name, v) in [
            ("app_api_per_second", l.app_api_per_second),
            ("app_api_burst", l.app_api_burst),
            ("address_per_second", l.address_per_second),
            ("address_burst", l.address_burst),
            ("secret_failures", l.secret_failures),
        ] {
            if v == 0 {
                anyhow::bail!("limits.{name} must be at least 1");
            }
        }
        if l.secret_failure_window_s == 0 {
            anyhow::bail!("limits.secret_failure_window_s must be at least 1");
        }
        l.trusted_networks()?;
        if let Some(t) = &self.metrics_token {
            if t.expose().len() < 16 {
                anyhow::bail!("metrics_token must be at least 16 characters");
            }
        }
        if self.emulator.journal_capacity > 1_000_000 {
            anyhow::bail!("emulator.journal_capacity must be at most 1000000");
        }
        let c = &self.connections;
        if c.max == 0 || c.header_read_timeout_ms == 0 {
            anyhow::bail!(
                "connections.max and connections.header_read_timeout_ms must be at least 1"
            );
        }
        if self.emulator.enabled && !self.emulator.allow_remote && !self.listen.ip().is_loopback() {
            anyhow::bail!(
                "emulator mode on {}: its control API (/_opending/) is unauthenticated, so it listens on loopback only; \
                 set emulator.allow_remote (--emulator-allow-remote) to expose it anyway",
                self.listen
            );
        }
        if self.db_max_connections == 0 {
            anyhow::bail!("db_max_connections must be at least 1");
        }
        Ok(())
    }
}
