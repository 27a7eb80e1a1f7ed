//! Exchanges an auth code for user tokens, saves them to a JSON file before use, and reads the
//! user's profile (`GET /v1.0/contact/users/me`). Run it again without a code to reuse (and,
//! when due, refresh) the saved tokens.
//!
//! ```sh
//! OPENDING_BASE_URL=http://127.0.0.1:8080 OPENDING_CLIENT_ID=… OPENDING_CLIENT_SECRET=… \
//! cargo run -p opending-client --example user_token [AUTH_CODE]
//! ```

use std::path::PathBuf;

use opending_client::{Client, Credentials, UserTokenSession, UserTokens};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("set {name}");
        std::process::exit(2)
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Client::builder();
    if let Ok(base) = std::env::var("OPENDING_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;
    let app = Credentials::new(env("OPENDING_CLIENT_ID"), env("OPENDING_CLIENT_SECRET"));
    let file = PathBuf::from("user-tokens.json");
    let save = {
        let file = file.clone();
        move |tokens: UserTokens| {
            let file = file.clone();
            async move { tokio::fs::write(&file, serde_json::to_vec(&tokens)?).await }
        }
    };
    let session = match std::env::args().nth(1) {
        Some(code) => UserTokenSession::from_code(client.clone(), app, &code, save).await?,
        None => {
            let saved: UserTokens = serde_json::from_slice(&std::fs::read(&file)?)?;
            UserTokenSession::new(client.clone(), app, saved, save)
        }
    };
    let me = session
        .call(|token| {
            let client = client.clone();
            async move { client.get_me(&token).await }
        })
        .await?;
    println!("{}", serde_json::to_string_pretty(&me)?);
    Ok(())
}
