//! The typed emulator client against a real emulator.

use opending_client::emulator::{EmulatorClient, JournalQuery, MintCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_emulator_client_drives_every_control() {
    let server = TestServer::emulator().await;
    let client = opending_client::Client::builder()
        .base_url(server.base.clone())
        .build()
        .unwrap();
    let emu = EmulatorClient::new(client.clone());

    let before = emu.clock().await.unwrap();
    let moved = emu.advance_clock(60).await.unwrap();
    assert_eq!(moved.now - before.now, 60);
    assert_eq!(emu.set_clock(before.now).await.unwrap().now, before.now);

    let minted = emu
        .mint_code(
            &MintCode::new(HR.0, "aliceUnionId0000000001")
                .corp(ACME)
                .scope("Contact.User.Read"),
        )
        .await
        .unwrap();
    assert_eq!(minted.auth_code.len(), 32);
    let tokens = emu.tokens().await.unwrap();
    let code = tokens.iter().find(|t| t.kind == "auth_code").unwrap();
    assert_eq!(code.value.as_deref(), Some(minted.auth_code.as_str()));
    assert!(
        !format!("{code:?}").contains(&minted.auth_code),
        "Debug redacts the plaintext"
    );
    assert_eq!(emu.expire(&minted.id).await.unwrap()["expired"], true);

    emu.clear_requests().await.unwrap();
    let _: serde_json::Value = client
        .send(opending_client::ApiRequest::new(
            "healthz",
            opending_client::reqwest::Method::GET,
            "/healthz",
        ))
        .await
        .unwrap();
    let seen = emu
        .requests(&JournalQuery {
            path_prefix: Some("/healthz".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    let counts = emu.request_counts().await.unwrap();
    assert!(counts.iter().any(|c| c.route == "/healthz" && c.count == 1));

    let rule = emu.add_fault(&json!({"pathPrefix": "/healthz", "times": 1, "action": {"kind": "error", "code": "server.error"}})).await.unwrap();
    assert!(rule["id"].as_u64().unwrap() > 0);
    assert_eq!(emu.faults().await.unwrap().len(), 1);
    assert_eq!(emu.clear_faults().await.unwrap()["cleared"], 1);

    let applied = emu
        .apply_seed(&json!({"orgs": [{"corpId": "dingsdkseed", "name": "SDK seed"}]}))
        .await
        .unwrap();
    assert_eq!(applied["created"], json!(["org dingsdkseed"]));
    let reset = emu.reset().await.unwrap();
    assert!(reset["created"].as_array().unwrap().len() >= 10);
    assert!(emu.tokens().await.unwrap().is_empty());
}
