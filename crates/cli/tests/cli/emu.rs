//! `opending emu …` against a running `serve --memory --emulator`.

use crate::process::*;

fn emu(base: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = bin()
        .arg("emu")
        .args(["--url", base])
        .args(args)
        .output()
        .expect("opending emu runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The arguments of `serve --memory --emulator` with the seed world.
fn emulator_args() -> Vec<String> {
    let seed = world_seed().display().to_string();
    ["--memory", "--emulator", "--seed", seed.as_str()]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// `serve --memory --emulator` with the seed world.
fn emulator_server() -> Server {
    Server::start(bin(), &emulator_args())
}

#[tokio::test]
async fn the_cli_drives_the_emulator() {
    let args = emulator_args();
    let started = std::time::Instant::now();
    let server = Server::start(bin(), &args);
    let listening = started.elapsed();
    let ok = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap()
        .status();
    eprintln!(
        "--memory --emulator: listening after {listening:?}, first /healthz answered after {:?}",
        started.elapsed()
    );
    assert_eq!(ok, 200);
    let base = server.base.clone();

    let (code, clock, err) = emu(&base, &["clock", "--advance", "-60"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(clock["offsetSeconds"], -60);
    let (code, minted, err) = emu(
        &base,
        &[
            "mint-code",
            "--app",
            HR.0,
            "--user",
            "aliceUnionId0000000001",
            "--corp",
            ACME,
            "--scope",
            "Contact.User.Read",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(minted["authCode"].as_str().unwrap().len(), 32);
    let (code, _, err) = emu(
        &base,
        &[
            "fault",
            "add",
            "--path-prefix",
            "/v1.0/oauth2/",
            "--code",
            "server.error",
            "--times",
            "1",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(app_token(&base, ACME, HR).await.0, 500);
    assert_eq!(app_token(&base, ACME, HR).await.0, 200);
    let (code, counts, _) = emu(&base, &["journal", "--counts"]);
    assert_eq!(code, 0);
    let token_route = counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["route"] == "/v1.0/oauth2/{corp_id}/token")
        .unwrap();
    assert_eq!(token_route["count"], 2);
    let (code, tokens, _) = emu(&base, &["tokens"]);
    assert_eq!(code, 0);
    assert!(tokens
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["kind"] == "auth_code"));
    let (code, _, _) = emu(&base, &["reset"]);
    assert_eq!(code, 0);
    let (code, tokens, _) = emu(&base, &["tokens"]);
    assert_eq!((code, tokens), (0, serde_json::json!([])));
    let (code, _, err) = emu(&base, &["fault", "add", "--code", "No.Such.Code"]);
    assert_eq!(code, 2, "a refused call exits 2: {err}");
}

#[tokio::test]
async fn suite_tickets_sso_codes_and_throttling_presets_from_the_cli() {
    let server = emulator_server();
    let base = server.base.clone();
    let (code, first, err) = emu(&base, &["suite-ticket", "suitetravel"]);
    assert_eq!(code, 0, "{err}");
    let (code, rotated, err) = emu(&base, &["suite-ticket", "suitetravel", "--rotate"]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(rotated["suiteTicket"], first["suiteTicket"]);
    assert_eq!(rotated["previousSuiteTicket"], first["suiteTicket"]);
    let (code, _, err) = emu(&base, &["suite-ticket", "dingacmehr"]);
    assert_eq!(code, 2, "an internal app has no suite ticket: {err}");
    let (code, sso, err) = emu(
        &base,
        &[
            "sso-code",
            "--app",
            "suitetravel",
            "--corp",
            "dingglobex",
            "--user",
            "carolUnionId0000000003",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(sso["code"].as_str().unwrap().len(), 32, "{sso}");
    let (code, _, err) = emu(&base, &["expire-jsapi-ticket", HR.0, ACME]);
    assert_eq!(code, 0, "{err}");

    // The throttling presets, each in the answer DingTalk gives.
    let http = reqwest::Client::new();
    let gettoken = format!("{base}/gettoken?appkey={}&appsecret={}", HR.0, HR.1);
    for (preset, check) in [
        ("app", "90018"),
        ("api", "90002"),
        ("ip", "1111"),
        ("ip-html", "<html"),
    ] {
        let (code, _, err) = emu(
            &base,
            &[
                "fault",
                "add",
                "--path-prefix",
                "/gettoken",
                "--throttle",
                preset,
                "--times",
                "1",
            ],
        );
        assert_eq!(code, 0, "{preset}: {err}");
        let r = http.get(&gettoken).send().await.unwrap();
        assert_eq!(r.status(), 200, "{preset}");
        let text = r.text().await.unwrap();
        assert!(text.contains(check), "{preset}: {text}");
    }
    let (code, _, err) = emu(
        &base,
        &[
            "fault",
            "add",
            "--path-prefix",
            "/v1.0/",
            "--throttle",
            "app",
            "--times",
            "1",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(app_token(&base, ACME, HR).await.0, 403);
    let (code, _, err) = emu(
        &base,
        &[
            "fault",
            "add",
            "--path-prefix",
            "/gettoken",
            "--errcode",
            "-1",
            "--times",
            "1",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let body: serde_json::Value = http
        .get(&gettoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["errcode"], -1, "{body}");
}

#[tokio::test]
async fn events_are_raised_and_listed_from_the_cli() {
    let server = emulator_server();
    let base = server.base.clone();
    let (code, raised, err) = emu(
        &base,
        &[
            "raise-event",
            "--type",
            "user_add_org",
            "--corp",
            ACME,
            "--data",
            r#"{"userId":["cli-user"]}"#,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(raised["events"][0]["clientId"], DIR.0, "{raised}");
    assert_eq!(raised["events"][0]["data"]["userId"][0], "cli-user");
    let (code, listed, err) = emu(&base, &["events", "--app", DIR.0, "--state", "pending"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let (code, _, err) = emu(&base, &["raise-event", "--type", "nope", "--corp", ACME]);
    assert_eq!(code, 2, "an unknown type is refused: {err}");
    let (code, _, err) = emu(
        &base,
        &["raise-event", "--type", "user_add_org", "--data", "{"],
    );
    assert_eq!(code, 1, "bad JSON never leaves the CLI: {err}");
}
