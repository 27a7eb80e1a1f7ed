//! Integration tests: the real server on port 0, each test on SQLite and on PostgreSQL.

mod browser_helpers;
mod helpers;

mod admin;
mod app_token;
mod bad_input;
mod browser;
mod contact;
mod delegation;
mod emulator;
mod introspect;
mod journal;
mod multi_instance;
mod openapi;
mod sdk;
mod seed;
mod withdrawals;
