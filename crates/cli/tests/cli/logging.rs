//! Every protected-route decision is in the debug log, with the request id of the answer.

use crate::process::*;

#[tokio::test]
async fn permission_decisions_are_logged_with_the_request_id() {
    let backend = Backend::sqlite();
    let dir = tempdir::Dir::new();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut args = storage_args(&backend);
    args.extend([
        "--seed".into(),
        world_seed().display().to_string(),
        "--log-format".into(),
        "json".into(),
        "--log-level".into(),
        "opending_server=debug".into(),
    ]);
    let mut cmd = bin();
    cmd.env_remove("OPENDING_LOG_LEVEL");
    let server = Server::start_logging_to(cmd, &args, log);
    let (_, body) = app_token(&server.base, GLOBEX, OPS).await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/contact/organizations/authInfos",
            server.base
        ))
        .header("x-acs-dingtalk-access-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let denied: serde_json::Value = resp.json().await.unwrap();
    let request_id = denied["requestid"].as_str().unwrap().to_owned();
    // Stopped as a deployment stops it: the log writer thread writes what is still queued.
    let mut server = server;
    assert!(server.terminate().success());

    let text = std::fs::read_to_string(&log_path).unwrap();
    let decision = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| {
            l["message"] == "permission check" && l["span"]["request_id"] == request_id.as_str()
        })
        .unwrap_or_else(|| panic!("no permission-check line for {request_id} in:\n{text}"));
    assert_eq!(decision["allowed"], false);
    assert!(
        decision["required"]
            .as_str()
            .unwrap()
            .contains("Contact.Org.Read"),
        "{decision}"
    );
    assert!(decision["held"].is_string());
    // No token or secret ever reaches the log.
    assert!(
        !text.contains(&token),
        "the access token leaked into the log"
    );
    assert!(
        !text.contains(OPS.1),
        "the client secret leaked into the log"
    );
}
