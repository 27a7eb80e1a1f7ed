//! `opending token …` against a real server (in this process, so tests can mint auth codes):
//! JSON on stdout, credentials from flags, environment or profile, and the documented exit
//! codes. The helpers here serve `client_contact.rs` too.

use serde_json::Value;

use crate::process::*;

/// A server on a fresh SQLite database with the seed world, in this process.
pub async fn local() -> Spawned {
    Spawned::start(Backend::sqlite(), |_| {}).await
}

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub json: Value,
    pub stderr: String,
}

/// Runs `opending ARGS` with `env`, with an empty config home (no developer profile).
pub async fn opending(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempdir::Dir::new();
    let mut cmd = bin();
    cmd.args(args)
        .env("XDG_CONFIG_HOME", home.path())
        .env("HOME", home.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("opending runs"))
        .await
        .unwrap();
    drop(home);
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn with_base<'a>(base: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--base-url", base]);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_tokens_from_flags_environment_and_profile() {
    let server = local().await;
    let b = &server.base;
    let flags = opending(
        &with_base(
            b,
            &[
                "token",
                "app",
                "--corp",
                ACME,
                "--client-id",
                HR.0,
                "--client-secret",
                HR.1,
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(flags.code, 0, "{}", flags.stderr);
    let token = flags.json["access_token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    assert_eq!(flags.json["expires_in"], 7200);

    let env = [
        ("OPENDING_BASE_URL", b.as_str()),
        ("OPENDING_CLIENT_ID", HR.0),
        ("OPENDING_CLIENT_SECRET", HR.1),
        ("OPENDING_CORP_ID", ACME),
    ];
    let from_env = opending(&["token", "app"], &env).await;
    assert_eq!(
        (from_env.code, from_env.json["access_token"].as_str()),
        (0, Some(token.as_str())),
        "{}",
        from_env.stderr
    );
    // A flag beats the environment.
    let wrong_env = [
        ("OPENDING_CLIENT_SECRET", "wrong-secret-0123456789"),
        ("OPENDING_BASE_URL", b.as_str()),
    ];
    let flag_wins = opending(
        &[
            "token",
            "app",
            "--corp",
            ACME,
            "--client-id",
            HR.0,
            "--client-secret",
            HR.1,
        ],
        &wrong_env,
    )
    .await;
    assert_eq!(flag_wins.code, 0, "{}", flag_wins.stderr);

    // A profile file, with a default and a named profile; the environment beats the profile.
    let dir = tempdir::Dir::new();
    let file = dir.path().join("profile.toml");
    std::fs::write(&file, format!(
        "default = \"acme\"\n\n[profiles.acme]\nbase_url = \"{b}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\ncorp_id = \"{ACME}\"\n\n[profiles.travel]\nbase_url = \"{b}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\ncorp_id = \"{GLOBEX}\"\n",
        HR.0, HR.1, TRAVEL.0, TRAVEL.1,
    )).unwrap();
    let f = file.display().to_string();
    let default = opending(&["token", "app", "--profile-file", &f], &[]).await;
    assert_eq!(
        (default.code, default.json["access_token"].as_str()),
        (0, Some(token.as_str())),
        "{}",
        default.stderr
    );
    let travel = opending(
        &["token", "app", "--profile-file", &f, "--profile", "travel"],
        &[],
    )
    .await;
    assert_eq!(travel.code, 0, "{}", travel.stderr);
    assert_ne!(travel.json["access_token"].as_str(), Some(token.as_str()));
    let overridden = opending(
        &["token", "app", "--profile-file", &f],
        &[("OPENDING_CORP_ID", GLOBEX)],
    )
    .await;
    assert_eq!(
        overridden.code, 3,
        "HR may not run in Globex: {}",
        overridden.stderr
    );
    // The profile file in the config home is found without flags.
    let home = tempdir::Dir::new();
    std::fs::create_dir_all(home.path().join("opending")).unwrap();
    std::fs::copy(&file, home.path().join("opending/profile.toml")).unwrap();
    let found = opending(
        &["token", "app", "--profile", "acme"],
        &[("XDG_CONFIG_HOME", &home.path().display().to_string())],
    )
    .await;
    assert_eq!(found.code, 0, "{}", found.stderr);
    let missing = opending(
        &["token", "app", "--profile-file", &f, "--profile", "nope"],
        &[],
    )
    .await;
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no profile \"nope\"") && missing.stderr.contains("acme, travel"),
        "{}",
        missing.stderr
    );

    // The legacy endpoint.
    let legacy = opending(
        &with_base(
            b,
            &[
                "token",
                "app",
                "--legacy",
                "--client-id",
                HR.0,
                "--client-secret",
                HR.1,
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(
        (legacy.code, legacy.json["accessToken"].as_str()),
        (0, Some(token.as_str())),
        "{}",
        legacy.stderr
    );
    assert_eq!(legacy.json["expireIn"], 7200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_tell_usage_auth_and_transport_apart() {
    let server = local().await;
    let b = &server.base;
    let run = |args: Vec<&'static str>| {
        let b = b.clone();
        async move {
            let mut v: Vec<&str> = args;
            v.extend(["--base-url", &b]);
            opending(&v, &[]).await
        }
    };
    // 3: authentication.
    let wrong = run(vec![
        "token",
        "app",
        "--corp",
        ACME,
        "--client-id",
        HR.0,
        "--client-secret",
        "wrong-secret-0123456789",
    ])
    .await;
    assert_eq!(wrong.code, 3);
    assert!(
        wrong.stderr.contains("HTTP 400 invalid.client")
            && wrong.stderr.contains("client secret is wrong"),
        "{}",
        wrong.stderr
    );
    assert_eq!(wrong.json, Value::Null, "nothing on stdout");
    let not_here = run(vec![
        "token",
        "app",
        "--corp",
        GLOBEX,
        "--client-id",
        HR.0,
        "--client-secret",
        HR.1,
    ])
    .await;
    assert_eq!(not_here.code, 3, "{}", not_here.stderr);
    let third_party_legacy = run(vec![
        "token",
        "app",
        "--legacy",
        "--client-id",
        TRAVEL.0,
        "--client-secret",
        TRAVEL.1,
    ])
    .await;
    assert_eq!(third_party_legacy.code, 3, "{}", third_party_legacy.stderr);
    let bad_code = run(vec![
        "token",
        "user",
        "--code",
        "no-such-code",
        "--client-id",
        HR.0,
        "--client-secret",
        HR.1,
    ])
    .await;
    assert_eq!(bad_code.code, 3);
    assert!(
        bad_code.stderr.contains("invalid.grant"),
        "{}",
        bad_code.stderr
    );
    // 2: other 4xx and usage errors.
    let bad_corp = run(vec![
        "token",
        "app",
        "--corp",
        "bad corp!",
        "--client-id",
        HR.0,
        "--client-secret",
        HR.1,
    ])
    .await;
    assert_eq!(bad_corp.code, 2, "{}", bad_corp.stderr);
    assert!(
        bad_corp.stderr.contains("invalid.request"),
        "{}",
        bad_corp.stderr
    );
    let no_creds = run(vec!["token", "app", "--corp", ACME]).await;
    assert_eq!(no_creds.code, 2);
    assert!(
        no_creds.stderr.contains("client credentials are needed"),
        "{}",
        no_creds.stderr
    );
    let no_corp = run(vec![
        "token",
        "app",
        "--client-id",
        HR.0,
        "--client-secret",
        HR.1,
    ])
    .await;
    assert_eq!(no_corp.code, 2);
    assert!(
        no_corp.stderr.contains("an org is needed"),
        "{}",
        no_corp.stderr
    );
    let neither = opending(&["token", "user"], &[]).await;
    assert_eq!(neither.code, 2, "clap's usage error");
    let no_scheme = opending(
        &[
            "token",
            "app",
            "--corp",
            ACME,
            "--client-id",
            "x",
            "--client-secret",
            "y",
            "--base-url",
            "127.0.0.1:1",
        ],
        &[],
    )
    .await;
    assert_eq!(no_scheme.code, 2);
    assert!(
        no_scheme.stderr.contains("has no scheme"),
        "{}",
        no_scheme.stderr
    );
    // 1: nothing listening. Port 1: below the ephemeral range, so no server another test
    // starts on port 0 can take it (a port bound and released here could be).
    let closed = "http://127.0.0.1:1".to_owned();
    let refused = opending(
        &[
            "token",
            "app",
            "--corp",
            ACME,
            "--client-id",
            HR.0,
            "--client-secret",
            HR.1,
            "--base-url",
            &closed,
        ],
        &[],
    )
    .await;
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("could not connect"),
        "{}",
        refused.stderr
    );
}

#[test]
fn help_lists_the_client_commands() {
    let out = bin().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("token") && help.contains("contact"), "{help}");
    let out = bin().args(["token", "app", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--corp",
        "--legacy",
        "--client-id",
        "--client-secret",
        "--base-url",
        "--profile",
        "OPENDING_CLIENT_SECRET",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oapi_tokens_and_jsapi_tickets_from_the_command_line() {
    let server = local().await;
    let b = &server.base;
    let creds = ["--client-id", HR.0, "--client-secret", HR.1];
    let mut args = vec!["token", "app", "--oapi"];
    args.extend(creds);
    let oapi = opending(&with_base(b, &args), &[]).await;
    assert_eq!(oapi.code, 0, "{}", oapi.stderr);
    assert_eq!(
        (oapi.json["errcode"].as_i64(), oapi.json["errmsg"].as_str()),
        (Some(0), Some("ok"))
    );
    let token = oapi.json["access_token"].as_str().unwrap().to_owned();
    let mut args = vec!["token", "app", "--corp", ACME];
    args.extend(creds);
    let v1 = opending(&with_base(b, &args), &[]).await;
    assert_eq!(
        v1.json["access_token"].as_str(),
        Some(token.as_str()),
        "{}",
        v1.stderr
    );
    // The ticket, fetched with the credentials or with a token, on either family.
    let mut args = vec!["token", "jsapi", "--corp", ACME];
    args.extend(creds);
    let ticket = opending(&with_base(b, &args), &[]).await;
    assert_eq!(ticket.code, 0, "{}", ticket.stderr);
    let value = ticket.json["jsapiTicket"].as_str().unwrap().to_owned();
    let legacy = opending(
        &with_base(b, &["token", "jsapi", "--oapi", "--token", &token]),
        &[],
    )
    .await;
    assert_eq!(legacy.code, 0, "{}", legacy.stderr);
    assert_eq!(legacy.json["ticket"].as_str(), Some(value.as_str()));
    // A wrong secret on the oapi family: errcode 40096, the authentication exit code.
    let wrong = opending(
        &with_base(
            b,
            &[
                "token",
                "app",
                "--oapi",
                "--client-id",
                HR.0,
                "--client-secret",
                "wrong-secret-0123456789",
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("40096") && !wrong.stderr.contains("wrong-secret"),
        "{}",
        wrong.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suite_corp_and_sso_tokens_from_the_command_line() {
    let server = Spawned::start(Backend::sqlite(), |c| c.emulator.enabled = true).await;
    let b = &server.base;
    let (status, ticket) = {
        let r = reqwest::get(format!("{b}/_opending/suite-tickets/{}", TRAVEL.0))
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200, "{ticket}");
    let ticket = ticket["suiteTicket"].as_str().unwrap().to_owned();
    let env = [
        ("OPENDING_CLIENT_ID", TRAVEL.0),
        ("OPENDING_CLIENT_SECRET", TRAVEL.1),
        ("OPENDING_SUITE_TICKET", ticket.as_str()),
    ];
    let suite = opending(&with_base(b, &["token", "suite"]), &env).await;
    assert_eq!(suite.code, 0, "{}", suite.stderr);
    assert_eq!(suite.json["expireIn"], 7200, "{}", suite.json);
    let oapi = opending(&with_base(b, &["token", "suite", "--oapi"]), &env).await;
    assert_eq!(oapi.json["errcode"], 0, "{}", oapi.stderr);
    assert!(oapi.json["suite_access_token"].is_string());

    let corp = opending(&with_base(b, &["token", "corp", "--corp", GLOBEX]), &env).await;
    assert_eq!(corp.code, 0, "{}", corp.stderr);
    let corp_token = corp.json["accessToken"].as_str().unwrap().to_owned();
    let signed = opending(
        &with_base(b, &["token", "corp", "--corp", GLOBEX, "--signed"]),
        &env,
    )
    .await;
    assert_eq!(signed.json["errcode"], 0, "{}", signed.stderr);
    assert_ne!(
        signed.json["access_token"].as_str(),
        Some(corp_token.as_str())
    );
    // Both corp tokens are app tokens of the app in Globex.
    for token in [&corp_token, signed.json["access_token"].as_str().unwrap()] {
        let info = opending(
            &with_base(b, &["contact", "org-auth-info", "--token", token]),
            &[],
        )
        .await;
        assert_eq!(info.code, 0, "{}", info.stderr);
        assert_eq!(info.json["orgName"], "Globex");
    }
    // A stale ticket is an authentication failure (exit 3), its own code on each family.
    let stale = [
        ("OPENDING_CLIENT_ID", TRAVEL.0),
        ("OPENDING_CLIENT_SECRET", TRAVEL.1),
        ("OPENDING_SUITE_TICKET", "not-the-ticket"),
    ];
    let refused = opending(&with_base(b, &["token", "corp", "--corp", GLOBEX]), &stale).await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("invalidSuiteTicket"),
        "{}",
        refused.stderr
    );
    let refused = opending(
        &with_base(b, &["token", "corp", "--corp", GLOBEX, "--signed"]),
        &stale,
    )
    .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(refused.stderr.contains("853005"), "{}", refused.stderr);
    assert!(!refused.stderr.contains(TRAVEL.1), "{}", refused.stderr);

    let sso_env = [("OPENDING_SSO_SECRET", "globex-sso-secret-0123456789")];
    let sso = opending(&with_base(b, &["token", "sso", "--corp", GLOBEX]), &sso_env).await;
    assert_eq!(sso.code, 0, "{}", sso.stderr);
    assert_eq!(sso.json["expireIn"], 3600, "{}", sso.json);
    let sso = opending(
        &with_base(b, &["token", "sso", "--corp", GLOBEX, "--oapi"]),
        &sso_env,
    )
    .await;
    assert_eq!(sso.json["errcode"], 0, "{}", sso.stderr);
    let wrong = opending(
        &with_base(
            b,
            &["token", "sso", "--corp", GLOBEX, "--sso-secret", "wrong"],
        ),
        &[],
    )
    .await;
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    let missing = opending(&with_base(b, &["token", "suite"]), &[]).await;
    assert_eq!(
        missing.code, 2,
        "no ticket is a usage error: {}",
        missing.stderr
    );
}
