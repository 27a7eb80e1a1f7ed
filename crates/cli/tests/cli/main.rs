//! Tests of the `opending` binary as a process: durability across `kill -9`, graceful shutdown,
//! the demo world, the admin CLI and configuration precedence.

mod process;

mod admin_cli;
mod client_cmd;
mod client_contact;
mod config;
mod crash;
mod demo;
mod durability;
mod emu;
mod hostile;
mod logging;
mod outage;
