//! User tokens against the real server: code exchange, `users/me`, rotation with the new pair
//! persisted before use, one retry after the server stopped accepting the access token, and
//! persistence failures holding the new token back.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use opending_client::{
    error::codes, model::GetUserTokenRequest, Error, Secret, UserTokenSession, UserTokens,
};
use opending_server::service::{memberships, user_token, users};

use crate::{app_token::assert_api_error, helpers::*};

const USER_TOKEN_ROUTE: &str = "/v1.0/oauth2/userAccessToken";

/// Alice (a member of Acme: from the seed world, or created when the seed has no users), HR
/// with `points` added, and an auth code for her consent to `scopes` in Acme. Returns her
/// unionId, nick and the code.
async fn alice_code(
    server: &TestServer,
    points: &[&str],
    scopes: &[&str],
) -> (String, String, Secret) {
    let core = &server.core;
    let existing = users::list_users(core)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.login == "alice");
    let alice = match existing {
        Some(u) => u,
        None => {
            let new: users::NewUser = serde_json::from_value(serde_json::json!({
                "login": "alice", "password": "alice-password-123", "nick": "Alice",
                "mobile": "13800000000", "email": "alice@example.com",
            }))
            .unwrap();
            users::create_user(core, &opending_server::Origin::operator(), new)
                .await
                .unwrap()
        }
    };
    let union_id = alice.union_id.to_string();
    if memberships::members(core, ACME)
        .await
        .unwrap()
        .iter()
        .all(|m| m.union_id != alice.union_id)
    {
        memberships::set_membership(
            core,
            &opending_server::Origin::operator(),
            ACME,
            &union_id,
            opending_domain::Role::Member,
        )
        .await
        .unwrap();
    }
    for point in points {
        let (status, body) = server
            .admin(
                reqwest::Method::PUT,
                &format!("/apps/{}/points/{point}", HR.0),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let code = user_token::mint_code(
        core,
        &opending_server::Origin::operator(),
        opending_domain::ClientId::parse(HR.0).unwrap(),
        alice.union_id.clone(),
        Some(ACME.to_owned()),
        scopes
            .iter()
            .map(|s| opending_domain::PermissionCode::parse(*s).unwrap())
            .collect(),
        None,
    )
    .await
    .unwrap();
    (union_id, alice.nick.clone(), Secret::new(code.expose()))
}

/// A persistence callback that records what it was given, and the order of events.
#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    fn push(&self, e: String) {
        self.0.lock().unwrap().push(e);
    }
    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn persist(
        &self,
    ) -> impl Fn(UserTokens) -> std::future::Ready<Result<(), std::io::Error>> + Send + Sync + 'static
    {
        let j = self.clone();
        move |t: UserTokens| {
            j.push(format!(
                "persist {} {}",
                t.access_token.expose(),
                t.refresh_token.expose()
            ));
            std::future::ready(Ok(()))
        }
    }
}

use opending_client::reqwest;

both_backends! {
    async fn a_code_exchange_and_the_profile(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (alice, nick, code) = alice_code(&server, &["Contact.User.Read", "Contact.User.mobile"], &["Contact.User.Read", "Contact.User.mobile"]).await;
        let client = server.client();
        let journal = Journal::default();
        let session = UserTokenSession::from_code(client.clone(), creds(HR), code.expose(), journal.persist()).await.unwrap();
        let tokens = session.tokens().await;
        assert_eq!(tokens.corp_id.as_deref(), Some(ACME));
        assert_eq!(journal.events(), [format!("persist {} {}", tokens.access_token.expose(), tokens.refresh_token.expose())]);
        let me = session.call(|t| { let c = client.clone(); async move { c.get_me(&t).await } }).await.unwrap();
        assert_eq!(me.nick.as_deref(), Some(nick.as_str()));
        assert_eq!(me.union_id.as_deref(), Some(alice.as_str()));
        assert!(me.mobile.is_some() && me.state_code.as_deref() == Some("86"), "{me:?}");
        assert_eq!(me.email, None, "no consent to Contact.User.email");
        assert_eq!(me.visitor, Some(false));
        assert!(me.open_id.is_some());
        let by_id = client.get_user(&tokens.access_token, &alice).await.unwrap();
        assert_eq!(by_id, me);
        // The code is single use.
        let replay = client.get_user_token(&GetUserTokenRequest::authorization_code(&creds(HR), code.expose())).await.unwrap_err();
        assert_api_error(&replay, 400, codes::INVALID_GRANT);
        assert!(replay.is_auth_error() && replay.to_string().contains("start the authorization again"), "{replay}");
    }

    async fn user_token_errors(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let exchange = |req: GetUserTokenRequest| { let c = client.clone(); async move { c.get_user_token(&req).await.unwrap_err() } };
        assert_api_error(&exchange(GetUserTokenRequest::authorization_code(&creds(HR), "no-such-code")).await, 400, codes::INVALID_GRANT);
        assert_api_error(&exchange(GetUserTokenRequest::refresh_token(&creds(HR), "no-such-refresh-token")).await, 400, codes::INVALID_GRANT);
        let wrong = GetUserTokenRequest::authorization_code(&opending_client::Credentials::new(HR.0, "wrong-secret-0123456789"), "x");
        assert_api_error(&exchange(wrong).await, 400, codes::INVALID_CLIENT);
        let missing = exchange(GetUserTokenRequest::authorization_code(&creds(HR), "")).await;
        assert_api_error(&missing, 400, "invalid.request");
        // users/me without Contact.User.Read consented: 403 naming it.
        let (_, _, code) = alice_code(&server, &[], &[]).await;
        let tokens = client.get_user_token(&GetUserTokenRequest::authorization_code(&creds(HR), code.expose())).await.unwrap();
        let denied = client.get_me(&tokens.access_token).await.unwrap_err();
        assert_api_error(&denied, 403, codes::ACCESS_TOKEN_PERMISSION_DENIED);
        assert_eq!(denied.required_scopes(), ["Contact.User.Read"]);
        let bogus = client.get_me(&Secret::new("0123456789abcdef0123456789abcdef")).await.unwrap_err();
        assert!(bogus.is_invalid_token(), "{bogus}");
    }

    async fn an_expired_access_token_is_refreshed_and_the_call_retried_once(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (_, nick, code) = alice_code(&server, &["Contact.User.Read"], &["Contact.User.Read"]).await;
        let client = server.client();
        let journal = Journal::default();
        let session = UserTokenSession::from_code(client.clone(), creds(HR), code.expose(), journal.persist()).await.unwrap();
        let first = session.tokens().await;
        // The server's clock moves two hours: the access token died, the refresh token lives.
        server.core.clock.advance(7200);
        let j = journal.clone();
        let me = session
            .call(|t| {
                j.push(format!("use {}", t.expose()));
                let c = client.clone();
                async move { c.get_me(&t).await }
            })
            .await
            .unwrap();
        assert_eq!(me.nick.as_deref(), Some(nick.as_str()));
        let second = session.tokens().await;
        assert_ne!(second.refresh_token, first.refresh_token, "refreshing rotated the refresh token");
        assert_eq!(journal.events(), [
            format!("persist {} {}", first.access_token.expose(), first.refresh_token.expose()),
            format!("use {}", first.access_token.expose()),
            format!("persist {} {}", second.access_token.expose(), second.refresh_token.expose()),
            format!("use {}", second.access_token.expose()),
        ], "the rotated pair was persisted before the new access token was used");
        assert_eq!(server.core.journal.count("POST", USER_TOKEN_ROUTE), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_due_for_refresh_rotate_once_and_are_persisted_before_use() {
    let server = TestServer::spawn_with(Backend::sqlite(), |c| {
        c.user_token_ttl = 3;
        c.refresh_reuse_grace = 0;
    })
    .await;
    let (_, _, code) = alice_code(&server, &["Contact.User.Read"], &["Contact.User.Read"]).await;
    let client = server.client();
    let journal = Journal::default();
    let session =
        UserTokenSession::from_code(client.clone(), creds(HR), code.expose(), journal.persist())
            .await
            .unwrap()
            .with_refresh_margin(Duration::from_millis(1500));
    let first = session.tokens().await;
    assert_eq!(
        session.access_token().await.unwrap(),
        first.access_token,
        "not due yet"
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    // Twenty callers at once, the token due: one refresh, everyone gets the new token.
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.access_token().await })
        })
        .collect();
    let mut got = Vec::new();
    for c in calls {
        got.push(c.await.unwrap().unwrap());
    }
    let second = session.tokens().await;
    assert!(got.iter().all(|t| *t == second.access_token));
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(
        server.core.journal.count("POST", USER_TOKEN_ROUTE),
        2,
        "the code, then one refresh"
    );
    assert_eq!(journal.events().len(), 2);
    assert_eq!(
        journal.events()[1],
        format!(
            "persist {} {}",
            second.access_token.expose(),
            second.refresh_token.expose()
        )
    );
    assert!(client.get_me(&second.access_token).await.is_ok());
    // The old refresh token is spent: reusing it outside the grace window (0 s here; the server
    // counts whole seconds, so move its clock) is refused and revokes the family, so the
    // session's next refresh fails too.
    server.core.clock.advance(2);
    let reuse = client
        .get_user_token(&GetUserTokenRequest::refresh_token(
            &creds(HR),
            first.refresh_token.clone(),
        ))
        .await
        .unwrap_err();
    assert_eq!(reuse.code(), Some(codes::INVALID_GRANT));
    let after = session.refresh().await.unwrap_err();
    assert_eq!(after.code(), Some(codes::INVALID_GRANT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_save_holds_the_new_token_back_until_it_succeeds() {
    let server = TestServer::spawn(Backend::sqlite()).await;
    let (_, _, code) = alice_code(&server, &["Contact.User.Read"], &["Contact.User.Read"]).await;
    let client = server.client();
    let saved = Arc::new(Mutex::new(Vec::<UserTokens>::new()));
    let fail_next = Arc::new(Mutex::new(false));
    let (s, f) = (saved.clone(), fail_next.clone());
    let persist = move |t: UserTokens| {
        let (s, f) = (s.clone(), f.clone());
        async move {
            if std::mem::take(&mut *f.lock().unwrap()) {
                return Err(std::io::Error::other("database is down"));
            }
            s.lock().unwrap().push(t);
            Ok(())
        }
    };
    let session = UserTokenSession::from_code(client.clone(), creds(HR), code.expose(), persist)
        .await
        .unwrap();
    *fail_next.lock().unwrap() = true;
    let err = session.refresh().await.unwrap_err();
    assert!(matches!(err, Error::Persist(_)), "{err:?}");
    assert!(err.to_string().contains("database is down"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(
        saved.lock().unwrap().len(),
        1,
        "only the first pair is saved"
    );
    // The next call saves the pending pair first, without another refresh.
    let token = session.access_token().await.unwrap();
    let saved = saved.lock().unwrap().clone();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[1].access_token, token);
    assert_eq!(server.core.journal.count("POST", USER_TOKEN_ROUTE), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_restored_from_storage_keeps_working() {
    let server = TestServer::spawn(Backend::sqlite()).await;
    let (_, nick, code) = alice_code(&server, &["Contact.User.Read"], &["Contact.User.Read"]).await;
    let client = server.client();
    let first = UserTokenSession::from_code(
        client.clone(),
        creds(HR),
        code.expose(),
        |_t: UserTokens| async { Ok::<_, std::io::Error>(()) },
    )
    .await
    .unwrap();
    let stored = serde_json::to_string(&first.tokens().await).unwrap();
    let mut restored: UserTokens = serde_json::from_str(&stored).unwrap();
    assert!(
        !format!("{restored:?}").contains(restored.access_token.expose()),
        "Debug redacts tokens"
    );
    restored.expires_at_ms = 0; // pretend it expired while stored
    let journal = Journal::default();
    let session = UserTokenSession::new(
        client.clone(),
        creds(HR),
        restored.clone(),
        journal.persist(),
    );
    let me = session
        .call(|t| {
            let c = client.clone();
            async move { c.get_me(&t).await }
        })
        .await
        .unwrap();
    assert_eq!(me.nick.as_deref(), Some(nick.as_str()));
    assert_eq!(journal.events().len(), 1, "the refresh was saved");
    assert_ne!(session.tokens().await.refresh_token, restored.refresh_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_during_a_due_refresh_keeps_the_live_user_token() {
    let server = TestServer::emulator().await;
    let (_, _, code) = alice_code(&server, &["Contact.User.Read"], &["Contact.User.Read"]).await;
    let journal = Journal::default();
    let session =
        UserTokenSession::from_code(server.client(), creds(HR), code.expose(), journal.persist())
            .await
            .unwrap()
            // Due at once, though it lives two hours.
            .with_refresh_margin(Duration::from_secs(7200));
    let first = session.tokens().await;
    let path = serde_json::json!("/v1.0/oauth2/userAccessToken");
    server.fault(serde_json::json!({"pathPrefix": path, "times": 1, "action": {"kind": "error", "code": "ServiceUnavailable"}})).await;
    server.fault(serde_json::json!({"pathPrefix": path, "times": 1, "action": {"kind": "error", "code": "invalid.grant"}})).await;
    assert_eq!(
        session.access_token().await.unwrap(),
        first.access_token,
        "a 503: the live token is kept"
    );
    let err = session.access_token().await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(codes::INVALID_GRANT),
        "a refused refresh is reported"
    );
    assert_eq!(
        server.core.journal.count("POST", USER_TOKEN_ROUTE),
        3,
        "the code, then two failed refreshes"
    );
    // Faults spent: the next refresh goes through and is saved.
    let fresh = session.access_token().await.unwrap();
    assert_ne!(fresh, first.access_token);
    assert_eq!(journal.events().len(), 2);
    assert_eq!(server.core.journal.count("POST", USER_TOKEN_ROUTE), 4);
}
