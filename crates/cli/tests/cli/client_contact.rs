//! `opending contact …` (and the user-token commands it needs) against a real server in this
//! process.

use opending_server::service::user_token;

use crate::{client_cmd::*, process::*};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_auth_info_with_a_token_or_credentials() {
    let server = local().await;
    let b = &server.base;
    let token = opending(
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
    let token = token.json["access_token"].as_str().unwrap().to_owned();
    let with_token = opending(
        &with_base(b, &["contact", "org-auth-info"]),
        &[("OPENDING_ACCESS_TOKEN", &token)],
    )
    .await;
    assert_eq!(with_token.code, 0, "{}", with_token.stderr);
    assert_eq!(with_token.json["orgName"], "Acme Corp");
    assert_eq!(with_token.json["authLevel"], 1);
    let fetched = opending(
        &with_base(
            b,
            &[
                "contact",
                "org-auth-info",
                "--corp",
                GLOBEX,
                "--target",
                GLOBEX,
                "--client-id",
                TRAVEL.0,
                "--client-secret",
                TRAVEL.1,
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(fetched.code, 0, "{}", fetched.stderr);
    assert_eq!(
        fetched.json,
        serde_json::json!({"orgName": "Globex", "authLevel": 0})
    );
    // A missing permission point: exit 3, naming the point.
    let denied = opending(
        &with_base(
            b,
            &[
                "contact",
                "org-auth-info",
                "--corp",
                GLOBEX,
                "--client-id",
                OPS.0,
                "--client-secret",
                OPS.1,
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(denied.code, 3);
    assert!(
        denied.stderr.contains("required scopes: Contact.Org.Read"),
        "{}",
        denied.stderr
    );
    let unknown = opending(
        &with_base(
            b,
            &[
                "contact",
                "org-auth-info",
                "--target",
                "dingnosuchorg",
                "--token",
                &token,
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    let bogus = opending(
        &with_base(
            b,
            &[
                "contact",
                "org-auth-info",
                "--token",
                "0123456789abcdef0123456789abcdef",
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(bogus.code, 3);
    assert!(
        bogus.stderr.contains("InvalidAuthentication"),
        "{}",
        bogus.stderr
    );
    let nothing = opending(&with_base(b, &["contact", "org-auth-info"]), &[]).await;
    assert_eq!(nothing.code, 2);
    assert!(
        nothing.stderr.contains("an app token is needed"),
        "{}",
        nothing.stderr
    );
}

/// An auth code for Alice (from the seed world) consenting to Contact.User.Read for HR in Acme.
async fn alice_code(server: &Spawned) -> String {
    let core = &server.core;
    let alice = opending_server::service::users::list_users(core)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.login == "alice")
        .expect("the seed world has Alice");
    let (status, _) = reqwest::Client::new()
        .put(format!(
            "{}/admin/v1/apps/{}/points/Contact.User.Read",
            server.base, HR.0
        ))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 200);
    let code = user_token::mint_code(
        core,
        &opending_server::Origin::operator(),
        opending_domain::ClientId::parse(HR.0).unwrap(),
        alice.union_id,
        Some(ACME.to_owned()),
        vec![opending_domain::PermissionCode::parse("Contact.User.Read").unwrap()],
        None,
    )
    .await
    .unwrap();
    code.expose().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_tokens_and_the_profile_of_me() {
    let server = local().await;
    let b = &server.base;
    let code = alice_code(&server).await;
    let creds = ["--client-id", HR.0, "--client-secret", HR.1];
    let mut args = with_base(b, &["token", "user", "--code", &code]);
    args.extend(creds);
    let exchanged = opending(&args, &[]).await;
    assert_eq!(exchanged.code, 0, "{}", exchanged.stderr);
    let access = exchanged.json["accessToken"].as_str().unwrap().to_owned();
    let refresh = exchanged.json["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(exchanged.json["corpId"], ACME);
    assert_eq!(exchanged.json["expireIn"], 7200);

    let me = opending(&with_base(b, &["contact", "me", "--token", &access]), &[]).await;
    assert_eq!(me.code, 0, "{}", me.stderr);
    assert_eq!(me.json["nick"], "Alice Chen");
    let union_id = me.json["unionId"].as_str().unwrap().to_owned();
    let by_id = opending(
        &with_base(b, &["contact", "user", &union_id, "--token", &access]),
        &[],
    )
    .await;
    assert_eq!(by_id.json, me.json);

    let mut args = with_base(b, &["token", "user", "--refresh", &refresh]);
    args.extend(creds);
    let refreshed = opending(&args, &[]).await;
    assert_eq!(refreshed.code, 0, "{}", refreshed.stderr);
    assert_ne!(
        refreshed.json["refreshToken"].as_str(),
        Some(refresh.as_str()),
        "rotated"
    );

    let introspected = opending(
        &with_base(
            b,
            &[
                "token",
                "introspect",
                refreshed.json["accessToken"].as_str().unwrap(),
                "--client-id",
                HR.0,
                "--client-secret",
                HR.1,
            ],
        ),
        &[],
    )
    .await;
    assert_eq!(introspected.code, 0, "{}", introspected.stderr);
    assert_eq!(introspected.json["active"], true);
    assert_eq!(introspected.json["token_type"], "user_access_token");

    let no_token = opending(&with_base(b, &["contact", "me"]), &[]).await;
    assert_eq!(no_token.code, 2);
    assert!(
        no_token.stderr.contains("a user access token is needed"),
        "{}",
        no_token.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_and_inapp_codes_from_the_command_line() {
    let server = Spawned::start(Backend::sqlite(), |c| c.emulator.enabled = true).await;
    let b = &server.base;
    let env = [
        ("OPENDING_CLIENT_ID", DIR.0),
        ("OPENDING_CLIENT_SECRET", DIR.1),
        ("OPENDING_CORP_ID", ACME),
    ];
    let m = opending(
        &with_base(b, &["contact", "member", "--unionid", BOB.0]),
        &env,
    )
    .await;
    assert_eq!(m.code, 0, "{}", m.stderr);
    assert_eq!(
        (m.json["userid"].as_str(), m.json["title"].as_str()),
        (Some("bob"), Some("Engineer"))
    );
    let d = opending(&with_base(b, &["contact", "departments"]), &env).await;
    assert_eq!(d.json.as_array().map(Vec::len), Some(2), "{}", d.stderr);
    let page = opending(
        &with_base(b, &["contact", "dept-members", "--dept", "101"]),
        &env,
    )
    .await;
    assert_eq!(page.json["list"][0]["userid"], "bob", "{}", page.stderr);
    let missing = opending(
        &with_base(b, &["contact", "member", "--userid", "nobody"]),
        &env,
    )
    .await;
    assert_eq!(
        missing.code, 2,
        "an unknown member is a 4xx-like refusal: {}",
        missing.stderr
    );
    assert!(missing.stderr.contains("60121"), "{}", missing.stderr);
    let hr = [
        ("OPENDING_CLIENT_ID", HR.0),
        ("OPENDING_CLIENT_SECRET", HR.1),
        ("OPENDING_CORP_ID", ACME),
    ];
    let refused = opending(
        &with_base(b, &["contact", "member", "--userid", "bob"]),
        &hr,
    )
    .await;
    assert_eq!(
        refused.code, 3,
        "a missing permission point: {}",
        refused.stderr
    );
    // A 免登 code from the emulator, exchanged once.
    let r = reqwest::Client::new()
        .post(format!("{b}/_opending/login-codes"))
        .json(&serde_json::json!({"clientId": HR.0, "corpId": ACME, "unionId": ALICE.0}))
        .send()
        .await
        .unwrap();
    let code = r.json::<serde_json::Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let who = opending(
        &with_base(b, &["contact", "inapp-user", "--code", &code]),
        &hr,
    )
    .await;
    assert_eq!(
        (who.code, who.json["userid"].as_str()),
        (0, Some("alice")),
        "{}",
        who.stderr
    );
    let again = opending(
        &with_base(b, &["contact", "inapp-user", "--code", &code]),
        &hr,
    )
    .await;
    assert_eq!(again.code, 2, "{}", again.stderr);
}
