//! `opending`: run the server (`serve`), administer its database (`admin`), and call
//! DingTalk-compatible APIs through opending-client (`token`, `contact`).

mod admin;
mod args;
mod client_cmd;
mod client_profile;
mod emu;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A self-hostable, wire-compatible DingTalk Open Platform authorization server.
#[derive(Debug, Parser)]
#[command(name = "opending", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Administer orgs, apps, installations and tokens in the server's database.
    Admin(admin::AdminArgs),
    /// Get app and user access tokens from DingTalk or an opending server.
    Token(client_cmd::TokenArgs),
    /// Call the contact API (org certification info, user profiles).
    Contact(client_cmd::ContactArgs),
    /// Drive a running emulator (`serve --emulator`): reset, clock, codes, journal, faults.
    Emu(emu::EmuArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Admin(args) => admin::run(args).await,
            Command::Token(args) => client_cmd::run_token(args).await,
            Command::Contact(args) => client_cmd::run_contact(args).await,
            Command::Emu(args) => emu::run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
