//! The opending server as a library: configuration, start-up, the services that hold the rules,
//! and the DingTalk-compatible HTTP API over them.
//!
//! `main` lives in the `opending` CLI crate; tests build an [`startup::Application`] on port 0.

pub mod clock;
pub mod config;
pub mod core;
pub mod delivery;
pub mod http;
pub mod journal;
pub mod limits;
pub mod metrics;
pub mod origin;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use crate::config::Config;
pub use crate::core::Core;
pub use crate::origin::Origin;
pub use crate::startup::Application;
