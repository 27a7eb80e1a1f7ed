//! Third-party apps and SSO through the client: suite and corp tokens cached by the token
//! manager with a suite-ticket source, the signed legacy calls, SSO tokens and codes.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use opending_client::{
    emulator::EmulatorClient, error::codes, AppTokenManager, Credentials, Secret, SuiteTickets,
    TokenSource,
};

use crate::helpers::*;

/// A server in emulator mode on `backend` (suite tickets and SSO codes come from its control API).
async fn emulator_on(backend: Backend) -> TestServer {
    TestServer::spawn_with(backend, |c| c.emulator.enabled = true).await
}

const SUITE_TOKEN_ROUTE: &str = "/v1.0/oauth2/suiteAccessToken";
const CORP_TOKEN_ROUTE: &str = "/v1.0/oauth2/corpAccessToken";

both_backends! {
    async fn corp_and_suite_tokens_are_cached_and_signed_with_the_current_ticket(backend: Backend) {
        let server = emulator_on(backend).await;
        let client = server.client();
        let emu = EmulatorClient::new(client.clone());
        let reads = Arc::new(AtomicUsize::new(0));
        let tickets = {
            let emu = emu.clone();
            let reads = reads.clone();
            SuiteTickets::from_fn(move || {
                let emu = emu.clone();
                reads.fetch_add(1, Ordering::SeqCst);
                async move { Ok(Secret::new(emu.suite_ticket(TRAVEL.0).await?.suite_ticket)) }
            })
        };
        let globex = AppTokenManager::third_party(client.clone(), creds(TRAVEL), GLOBEX, tickets.clone());
        assert_eq!(globex.corp_id(), Some(GLOBEX));
        let first = globex.get_token().await.unwrap();
        // Cached: no second request, no second ticket read.
        assert_eq!(globex.get_token().await.unwrap(), first);
        assert_eq!(server.core.journal.count("POST", CORP_TOKEN_ROUTE), 1);
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        // An app token of the app in Globex: it opens authInfos (Contact.Org.Read was granted).
        let info = client.get_org_auth_info(&first, None).await.unwrap();
        assert_eq!(info.org_name, "Globex");

        // The suite token, and the installation it reads.
        let suite = AppTokenManager::suite(client.clone(), creds(TRAVEL), emu.suite_tickets(TRAVEL.0));
        let st = suite.get_token().await.unwrap();
        assert_eq!(suite.get_token().await.unwrap(), st);
        assert_eq!(server.core.journal.count("POST", SUITE_TOKEN_ROUTE), 1);
        assert_ne!(st, first, "suite tokens and corp tokens are cached apart");
        let auth = client.get_auth_info(&st, GLOBEX).await.unwrap();
        assert_eq!(auth.auth_corp_info.corp_name, "Globex");
        assert_eq!(auth.auth_app_info.agent_list.len(), 1);
        // A suite token is not an app token, and the reverse.
        let err = client.get_org_auth_info(&st, None).await.unwrap_err();
        assert!(err.is_invalid_token(), "{err}");
        let err = client.get_auth_info(&first, GLOBEX).await.unwrap_err();
        assert!(err.is_invalid_token(), "{err}");

        // for_corp keeps the ticket source: Initech suspended the app.
        let initech = globex.for_corp(INITECH);
        assert!(matches!(initech.source(), TokenSource::SuiteCorp { corp_id, .. } if corp_id == INITECH));
        let err = initech.get_token().await.unwrap_err();
        assert_eq!(err.code(), Some(codes::INVALID_AUTH_INFO), "{err}");
        assert!(err.is_auth_error() && !err.is_retryable(), "{err}");

        // After a rotation the source hands out the new ticket; a stale fixed ticket is refused
        // once the previous one is forgotten too.
        let old = emu.suite_ticket(TRAVEL.0).await.unwrap().suite_ticket;
        emu.rotate_suite_ticket(TRAVEL.0).await.unwrap();
        emu.rotate_suite_ticket(TRAVEL.0).await.unwrap();
        let stale = AppTokenManager::third_party(client.clone(), creds(TRAVEL), GLOBEX, SuiteTickets::fixed(old));
        let err = stale.get_token().await.unwrap_err();
        assert_eq!(err.code(), Some(codes::INVALID_SUITE_TICKET), "{err}");
        assert!(err.is_auth_error(), "{err}");
        assert!(!format!("{err:?}").contains("travel-secret"), "{err:?}");
        let fresh = globex.for_corp(GLOBEX);
        fresh.invalidate(&first).await.unwrap();
        let second = fresh.get_token().await.unwrap();
        assert_ne!(second, first, "a corp token is new on each fetch");
        // Earlier corp tokens stay valid until their own expiry.
        client.get_org_auth_info(&first, None).await.unwrap();

        // A wrong secret.
        let wrong = AppTokenManager::third_party(client.clone(), Credentials::new(TRAVEL.0, "wrong-secret-0123456789abcdef"), GLOBEX, emu.suite_tickets(TRAVEL.0));
        let err = wrong.get_token().await.unwrap_err();
        assert_eq!(err.code(), Some(codes::INVALID_SUITE_KEY), "{err}");
    }

    async fn signed_legacy_calls_and_the_suite_token_of_the_errcode_family(backend: Backend) {
        let server = emulator_on(backend).await;
        let client = server.client();
        let emu = EmulatorClient::new(client.clone());
        let ticket = Secret::new(emu.suite_ticket(TRAVEL.0).await.unwrap().suite_ticket);
        let corp = client.get_corp_token_signed(&creds(TRAVEL), &ticket, GLOBEX).await.unwrap();
        assert_eq!((corp.errcode, corp.expires_in), (0, 7200));
        // The legacy corp token is an app token of both families.
        client.get_org_auth_info(&corp.access_token, None).await.unwrap();
        client.get_jsapi_ticket(&corp.access_token).await.unwrap();
        let info = client.get_auth_info_signed(&creds(TRAVEL), &ticket, GLOBEX).await.unwrap();
        assert_eq!(info.auth_corp_info.corp_name, "Globex");
        let suite = client.get_suite_token_legacy(&creds(TRAVEL), &ticket).await.unwrap();
        assert_eq!(suite.errcode, 0);

        // The signature's failures, each its own errcode, none retried.
        let wrong = Credentials::new(TRAVEL.0, "wrong-secret-0123456789abcdef");
        let err = client.get_corp_token_signed(&wrong, &ticket, GLOBEX).await.unwrap_err();
        assert_eq!((err.status(), err.code()), (Some(200), Some("853004")), "{err}");
        assert!(err.is_auth_error() && !err.is_retryable(), "{err}");
        let unknown = Credentials::new("suitenosuchapp", TRAVEL.1);
        let err = client.get_corp_token_signed(&unknown, &ticket, GLOBEX).await.unwrap_err();
        assert_eq!(err.code(), Some("853003"), "{err}");
        let err = client.get_corp_token_signed(&creds(TRAVEL), &Secret::new("not-the-ticket"), GLOBEX).await.unwrap_err();
        assert_eq!(err.code(), Some("853005"), "{err}");
        let err = client.get_corp_token_signed(&creds(TRAVEL), &ticket, INITECH).await.unwrap_err();
        assert_eq!(err.code(), Some(codes::LEGACY_NOT_AUTHORIZED), "{err}");
        let err = client.get_suite_token_legacy(&creds(TRAVEL), &Secret::new("not-the-ticket")).await.unwrap_err();
        assert_eq!(err.code(), Some(codes::LEGACY_INVALID_SUITE_TICKET), "{err}");
        assert!(!format!("{err} {err:?}").contains(TRAVEL.1));
    }

    async fn sso_tokens_and_codes(backend: Backend) {
        let server = emulator_on(backend).await;
        let client = server.client();
        let emu = EmulatorClient::new(client.clone());
        let sso = AppTokenManager::sso(client.clone(), GLOBEX, "globex-sso-secret-0123456789");
        let token = sso.get_token().await.unwrap();
        assert_eq!(sso.get_token().await.unwrap(), token);
        let minted = emu.mint_sso_code(GLOBEX, TRAVEL.0, CAROL.0).await.unwrap();
        assert!(minted.url.starts_with("https://travel.example/admin?code="), "{}", minted.url);
        let code = Secret::new(minted.code);
        let who = sso
            .call_with_app_token(|t| {
                let client = client.clone();
                let code = code.clone();
                async move { client.get_sso_user_info(&t, &code).await }
            })
            .await
            .unwrap();
        assert_eq!((who.corp_id.as_str(), who.is_admin), (GLOBEX, true));
        // Single use.
        let err = client.get_sso_user_info(&token, &code).await.unwrap_err();
        assert_eq!(err.code(), Some("invalidCode"), "{err}");
        // The legacy pair.
        let legacy = client
            .get_sso_token_legacy(&Credentials::new(GLOBEX, "globex-sso-secret-0123456789"))
            .await
            .unwrap();
        let code = Secret::new(emu.mint_sso_code(GLOBEX, TRAVEL.0, CAROL.0).await.unwrap().code);
        let who = client.get_sso_user_info_legacy(&legacy.access_token, &code).await.unwrap();
        assert!(who.is_sys);
        // A wrong SSO secret; an SSO token is not an app token.
        let err = AppTokenManager::sso(client.clone(), GLOBEX, "wrong").get_token().await.unwrap_err();
        assert_eq!(err.code(), Some(codes::INVALID_CLIENT_ID_OR_SECRET), "{err}");
        let err = client.get_org_auth_info(&token, None).await.unwrap_err();
        assert!(err.is_invalid_token(), "{err}");
        let err = client
            .get_sso_token_legacy(&Credentials::new(GLOBEX, "wrong"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(codes::LEGACY_INVALID_CORPID_OR_SECRET), "{err}");
    }

    async fn the_oapi_source_shares_the_legacy_token(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let store: Arc<dyn opending_client::TokenStore> = Arc::new(opending_client::MemoryStore::new());
        let oapi = AppTokenManager::builder(client.clone(), creds(HR), TokenSource::Oapi).store(store.clone()).build();
        let legacy = AppTokenManager::builder(client.clone(), creds(HR), TokenSource::Legacy).store(store).build();
        assert_eq!(oapi.cache_key(), legacy.cache_key());
        let t = oapi.get_token().await.unwrap();
        assert_eq!(legacy.get_token().await.unwrap(), t);
        assert_eq!(server.core.journal.count("GET", "/gettoken"), 1);
        // The v1.0 endpoint hands out the same token.
        let v1 = client.get_token(ACME, &opending_client::model::GetTokenRequest::client_credentials(&creds(HR))).await.unwrap();
        assert_eq!(v1.access_token, t);
    }

    async fn the_personal_auth_rule_of_a_user_token(backend: Backend) {
        let server = emulator_on(backend).await;
        let client = server.client();
        let emu = EmulatorClient::new(client.clone());
        let minted = emu
            .mint_code(&opending_client::emulator::MintCode::new(HR.0, ALICE.0).corp(ACME).scope("Contact.User.Read").scope("Contact.User.mobile"))
            .await
            .unwrap();
        let tokens = client
            .get_user_token(&opending_client::model::GetUserTokenRequest::authorization_code(&creds(HR), minted.auth_code.clone()))
            .await
            .unwrap();
        let rules = client.get_personal_auth_rule(&tokens.access_token).await.unwrap();
        let user = rules.result.iter().find(|r| r.resource == "Contact.User").expect("Contact.User");
        assert!(user.auth_items.iter().any(|i| i == "mobile"), "{rules:?}");
    }
}
