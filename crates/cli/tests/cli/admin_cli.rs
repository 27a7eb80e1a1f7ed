//! `opending admin …` on the same database a running server uses.

use crate::process::*;

both_backends! {
    async fn admin_cli_changes_take_effect_on_a_running_server(backend: Backend) {
        let mut args = storage_args(&backend);
        args.extend(["--admin-key".into(), ADMIN_KEY.into()]);
        let server = Server::start(bin(), &args);

        let (code, org, err) = admin(&backend, &["org", "create", "--name", "Umbrella", "--corp-id", "dingumbrella"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(org["corpId"], "dingumbrella");
        let (code, app, err) = admin(&backend, &["app", "create", "--name", "Umbrella HR", "--org", "dingumbrella"]);
        assert_eq!(code, 0, "{err}");
        let id = app["clientId"].as_str().unwrap().to_owned();
        let secret = app["clientSecret"].as_str().unwrap().to_owned();
        let (status, body) = app_token(&server.base, "dingumbrella", (&id, &secret)).await;
        assert_eq!(status, 200, "{body}");
        let token = body["access_token"].as_str().unwrap().to_owned();

        let (code, rotated, _) = admin(&backend, &["app", "rotate-secret", &id]);
        assert_eq!(code, 0);
        assert_ne!(rotated["clientSecret"].as_str().unwrap(), secret);
        assert_eq!(introspect(&server.base, &token).await["active"], false, "rotation revoked the token");
        assert_eq!(app_token(&server.base, "dingumbrella", (&id, &secret)).await.0, 400);

        let (code, _, err) = admin(&backend, &["app", "create", "--name", "X", "--org", "dingnobody"]);
        assert_eq!(code, 2, "a missing org is a usage error");
        assert!(err.contains("dingnobody"), "{err}");

        let (code, list, _) = admin(&backend, &["org", "list"]);
        assert_eq!(code, 0);
        assert_eq!(list.as_array().unwrap().len(), 1);

        // Seed files apply through the CLI too, idempotently.
        let seed = world_seed().display().to_string();
        let (code, first, err) = admin(&backend, &["apply", &seed]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(first["created"].as_array().unwrap().len(), 17);
        let (_, second, _) = admin(&backend, &["apply", &seed]);
        assert_eq!(second["created"].as_array().unwrap().len(), 0);
        assert_eq!(second["unchanged"], 17);

        let (code, _, _) = admin(&backend, &["suspend", "--app", "suitetravel", "--org", "dingglobex"]);
        assert_eq!(code, 0);
        assert_eq!(app_token(&server.base, GLOBEX, TRAVEL).await.0, 401);
        let (code, _, _) = admin(&backend, &["install", "--app", "suitetravel", "--org", "dingglobex"]);
        assert_eq!(code, 0);
        let (status, body) = app_token(&server.base, GLOBEX, TRAVEL).await;
        assert_eq!(status, 200);
        let (code, revoked, _) = admin(&backend, &["token", "revoke", "--token", body["access_token"].as_str().unwrap()]);
        assert_eq!((code, revoked["revoked"].as_u64()), (0, Some(1)));

        // A third-party app's settings: custom, then any ticket opens a corp token.
        let (code, shown, err) = admin(&backend, &["app", "set-custom", "suitetravel", "true"]);
        assert_eq!((code, &shown["custom"]), (0, &serde_json::json!(true)), "{err}");
        let corp = reqwest::Client::new()
            .post(format!("{}/v1.0/oauth2/corpAccessToken", server.base))
            .json(&serde_json::json!({"authCorpId": GLOBEX, "suiteKey": TRAVEL.0, "suiteSecret": TRAVEL.1, "suiteTicket": "TestSuiteTicket"}))
            .send()
            .await
            .unwrap();
        assert_eq!(corp.status(), 200);
        let (code, _, err) = admin(&backend, &["app", "set-custom", &id, "true"]);
        assert_eq!(code, 2, "an internal app cannot be custom: {err}");
        let (code, _, err) = admin(&backend, &["app", "set-admin-url", "suitetravel", "ftp://x"]);
        assert_eq!(code, 2, "{err}");
        let (code, _, err) = admin(&backend, &["app", "set-admin-url", "suitetravel", "https://travel.example/other"]);
        assert_eq!(code, 0, "{err}");

        // Event callbacks: outside emulator mode only under events.callback_allow (none here).
        let (code, _, err) = admin(&backend, &["app", "set-callback", DIR.0, "--url", "https://hooks.example/cb",
            "--token", "cbtoken123", "--aes-key", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("callback_allow"), "{err}");
        let (code, shown, err) = admin(&backend, &["app", "show-callback", DIR.0]);
        assert_eq!((code, shown), (0, serde_json::Value::Null), "{err}");
        let (code, _, err) = admin(&backend, &["app", "remove-callback", DIR.0]);
        assert_eq!(code, 2, "none to remove: {err}");
    }
}

#[tokio::test]
async fn users_members_and_uris_through_the_cli() {
    let backend = Backend::sqlite();
    let (code, _, err) = admin(
        &backend,
        &[
            "org",
            "create",
            "--name",
            "Umbrella",
            "--corp-id",
            "dingumbrella",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, user, err) = admin(
        &backend,
        &[
            "user",
            "create",
            "--login",
            "dave",
            "--nick",
            "Dave",
            "--password",
            "dave-password-4",
            "--mobile",
            "13900000004",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(user["stateCode"], "86");
    assert!(user.get("password").is_none() && !user.to_string().contains("dave-password"));
    let union_id = user["unionId"].as_str().unwrap().to_owned();
    let (code, m, err) = admin(
        &backend,
        &[
            "member",
            "set",
            "--org",
            "dingumbrella",
            "--user",
            &union_id,
            "--role",
            "admin",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(m["role"], "admin");
    let (_, list, _) = admin(&backend, &["member", "list", "--org", "dingumbrella"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    // The directory: a department, Dave's profile in it, a refused removal, a move, removal.
    let (code, d, err) = admin(
        &backend,
        &[
            "dept",
            "set",
            "--org",
            "dingumbrella",
            "--id",
            "500",
            "--name",
            "研发部",
            "--manager",
            "dave",
        ],
    );
    assert_eq!(
        (code, &d["deptId"], &d["managers"]),
        (0, &serde_json::json!(500), &serde_json::json!(["dave"])),
        "{err}"
    );
    let (code, p, err) = admin(
        &backend,
        &[
            "member",
            "profile",
            "--org",
            "dingumbrella",
            "--user",
            &union_id,
            "--userid",
            "dave",
            "--title",
            "Engineer",
            "--departments",
            "500",
        ],
    );
    assert_eq!(
        (code, p["userid"].as_str(), p["seats"][0]["deptId"].as_i64()),
        (0, Some("dave"), Some(500)),
        "{err}"
    );
    let (code, p, _) = admin(
        &backend,
        &[
            "member",
            "profile",
            "--org",
            "dingumbrella",
            "--user",
            &union_id,
        ],
    );
    assert_eq!((code, p["title"].as_str()), (0, Some("Engineer")));
    let (code, _, err) = admin(
        &backend,
        &["dept", "remove", "--org", "dingumbrella", "--id", "500"],
    );
    assert_eq!(code, 2, "a department with members stays: {err}");
    let (code, _, err) = admin(
        &backend,
        &[
            "dept",
            "set",
            "--org",
            "dingumbrella",
            "--id",
            "501",
            "--name",
            "X",
            "--parent",
            "999",
        ],
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = admin(
        &backend,
        &[
            "member",
            "profile",
            "--org",
            "dingumbrella",
            "--user",
            &union_id,
            "--departments",
            "",
        ],
    );
    assert_eq!(code, 0);
    let (code, _, err) = admin(
        &backend,
        &["dept", "remove", "--org", "dingumbrella", "--id", "500"],
    );
    assert_eq!(code, 0, "{err}");
    let (_, depts, _) = admin(&backend, &["dept", "list", "--org", "dingumbrella"]);
    assert_eq!(depts, serde_json::json!([]));
    let (code, app, _) = admin(
        &backend,
        &[
            "app",
            "create",
            "--name",
            "U",
            "--org",
            "dingumbrella",
            "--client-id",
            "dingumbrellaapp",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(app["clientId"], "dingumbrellaapp");
    let (code, uris, err) = admin(
        &backend,
        &[
            "app",
            "add-uri",
            "dingumbrellaapp",
            "--redirect-uri",
            "https://u.example/cb",
            "--origin",
            "https://u.example",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        uris,
        serde_json::json!({"redirectUris": ["https://u.example/cb"], "origins": ["https://u.example"]})
    );
    let (code, _, err) = admin(
        &backend,
        &[
            "app",
            "add-uri",
            "dingumbrellaapp",
            "--origin",
            "https://u.example/path",
        ],
    );
    assert_eq!(code, 2, "an origin with a path is refused: {err}");
    let (code, _, err) = admin(
        &backend,
        &[
            "user",
            "create",
            "--login",
            "eve",
            "--nick",
            "Eve",
            "--password",
            "short",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("password"), "{err}");
}
