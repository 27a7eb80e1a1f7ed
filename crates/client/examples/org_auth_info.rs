//! Reads an org's certification info (`GET /v1.0/contact/organizations/authInfos`) with an app
//! token, retrying once with a new token if the server refuses the cached one.
//!
//! ```sh
//! OPENDING_BASE_URL=http://127.0.0.1:8080 \
//! OPENDING_CLIENT_ID=dingacmehr OPENDING_CLIENT_SECRET=acme-hr-secret-0123456789abcdef \
//! OPENDING_CORP_ID=dingacme cargo run -p opending-client --example org_auth_info [TARGET_CORP]
//! ```

use opending_client::{AppTokenManager, Client, Credentials};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("set {name}");
        std::process::exit(2)
    })
}

#[tokio::main]
async fn main() {
    let mut builder = Client::builder();
    if let Ok(base) = std::env::var("OPENDING_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build().expect("a valid base URL");
    let app = Credentials::new(env("OPENDING_CLIENT_ID"), env("OPENDING_CLIENT_SECRET"));
    let tokens = AppTokenManager::new(client.clone(), app, env("OPENDING_CORP_ID"));
    let target = std::env::args().nth(1);

    let result = tokens
        .call_with_app_token(|token| {
            let (client, target) = (client.clone(), target.clone());
            async move { client.get_org_auth_info(&token, target.as_deref()).await }
        })
        .await;
    match result {
        Ok(info) => println!(
            "{}",
            serde_json::to_string_pretty(&info).expect("serializable")
        ),
        Err(e) => {
            // e.g. "GetOrgAuthInfo failed with HTTP 403 Forbidden.AccessDenied.… (required
            // scopes: Contact.Org.Read) [request id …] — the token lacks a permission point: …"
            eprintln!("error: {e}");
            if !e.required_scopes().is_empty() {
                eprintln!(
                    "missing permission points: {}",
                    e.required_scopes().join(", ")
                );
            }
            std::process::exit(1);
        }
    }
}
