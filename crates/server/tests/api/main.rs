//! Integration tests: the real server on port 0, each test on SQLite and on PostgreSQL.

mod browser_helpers;
mod helpers;

mod admin;
mod app_token;
mod audit;
mod bad_input;
mod browser;
mod console_dev;
mod console_dev_browser;
mod console_org;
mod console_org_browser;
mod contact;
mod delegation;
mod demo;
mod directory;
mod emulator;
mod events;
mod hot_path;
mod inapp;
mod inapp_browser;
mod introspect;
mod isv;
mod journal;
mod legacy;
mod limits;
mod metrics;
mod multi_instance;
mod openapi;
mod policy;
mod sdk;
mod seed;
mod sns;
mod sso;
mod withdrawals;
