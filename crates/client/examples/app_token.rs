//! Fetches an app access token through the token manager and shows that the second call is
//! served from the cache.
//!
//! ```sh
//! # against a local opending server started with `opending serve --demo` (or any seed):
//! OPENDING_BASE_URL=http://127.0.0.1:8080 \
//! OPENDING_CLIENT_ID=dingacmehr OPENDING_CLIENT_SECRET=acme-hr-secret-0123456789abcdef \
//! OPENDING_CORP_ID=dingacme cargo run -p opending-client --example app_token
//! # against real DingTalk: leave OPENDING_BASE_URL unset and use your app's credentials.
//! ```

use opending_client::{AppTokenManager, Client, Credentials};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("set {name}");
        std::process::exit(2)
    })
}

#[tokio::main]
async fn main() -> Result<(), opending_client::Error> {
    let mut builder = Client::builder();
    if let Ok(base) = std::env::var("OPENDING_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;
    let app = Credentials::new(env("OPENDING_CLIENT_ID"), env("OPENDING_CLIENT_SECRET"));
    let tokens = AppTokenManager::new(client, app, env("OPENDING_CORP_ID"));

    let first = tokens.get_token().await?;
    let second = tokens.get_token().await?; // from the cache: no request
    assert_eq!(first, second);
    println!("app access token: {}", first.expose());
    Ok(())
}
