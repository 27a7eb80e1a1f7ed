//! opending-client against the real opending server, started in this process on port 0 with a
//! fresh database (SQLite, and PostgreSQL when reachable) seeded with docs/examples/world.yaml.
//! Failures come from the server's own fault injection (emulator mode, `faults.rs`); a small
//! local stub stands in only for what opending cannot produce on purpose (`stubbed.rs`).

mod emulator;
mod helpers;
mod stream;
mod stub;

mod app_token;
mod contact;
mod directory;
mod faults;
mod introspect;
mod isv;
mod legacy;
mod manager;
mod redis_store;
mod stubbed;
mod user_token;
