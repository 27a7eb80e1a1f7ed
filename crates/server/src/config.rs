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
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            journal_capacity: 1000,
            deterministic: None,
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
];

impl Config {
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
        if self.emulator.deterministic.is_some() && !self.emulator.enabled {
            anyhow::bail!("deterministic mode is an emulator feature: add --emulator");
        }
        if self.db_timeout_ms == 0 || self.db_acquire_timeout_ms == 0 {
            anyhow::bail!("db_timeout_ms and db_acquire_timeout_ms must be at least 1");
        }
        if self.db_max_connections == 0 {
            anyhow::bail!("db_max_connections must be at least 1");
        }
        Ok(())
    }
}
