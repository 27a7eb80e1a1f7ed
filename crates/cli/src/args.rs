//! Flags shared by every subcommand that opens the server's storage.

use std::path::PathBuf;

use clap::Args;
use opending_server::config::{Config, Overrides};

/// Where the configuration and the database are.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// TOML config file (flags win over OPENDING_* variables, which win over the file).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory of the embedded SQLite database [default: ./opending-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Use PostgreSQL at this URL instead of SQLite.
    #[arg(long, value_name = "postgres://…")]
    pub database_url: Option<String>,
    /// 64 hex digits keying every stored hash (default: generated and kept in the database).
    #[arg(long, value_name = "HEX")]
    pub hash_key: Option<String>,
}

impl StorageArgs {
    /// Overrides for these flags.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            hash_key: self.hash_key.clone(),
            ..Overrides::default()
        }
    }

    /// Loads the configuration with extra overrides applied on top of these flags.
    pub fn load(&self, extra: impl FnOnce(&mut Overrides)) -> anyhow::Result<Config> {
        let mut o = self.overrides();
        extra(&mut o);
        Config::load(self.config.as_deref(), &o)
    }
}
