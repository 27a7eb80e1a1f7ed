//! Option types of the command line (the `Args` struct itself is in main.rs).

use clap::ValueEnum;
use serde::Serialize;

/// Where the started server keeps its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// `--memory` (SQLite in memory).
    Memory,
    /// SQLite in a data directory (emptied first), durability as configured by default.
    Sqlite,
    /// A fresh PostgreSQL database, created before and dropped after the run.
    Postgres,
}

impl Backend {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}
