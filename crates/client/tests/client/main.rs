//! opending-client against the real opending server, started in this process on port 0 with a
//! fresh database (SQLite, and PostgreSQL when reachable) seeded with docs/examples/world.yaml.
//! A small local stub stands in only for what opending cannot produce on purpose: 503s,
//! dropped connections, rate-limit answers, absurd `expires_in` values (`faults.rs`).

mod helpers;
mod stub;

mod app_token;
mod contact;
mod faults;
mod introspect;
mod manager;
mod redis_store;
mod user_token;
