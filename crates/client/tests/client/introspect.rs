//! `POST /v1.0/oauth2/introspect` (opending's own): as the app, as the operator, and refused.

use opending_client::{
    error::codes,
    model::{IntrospectRequest, IntrospectionAuth},
    AppTokenManager, Credentials, Secret,
};

use opending_client::reqwest;

use crate::{app_token::assert_api_error, helpers::*};

both_backends! {
    async fn introspection_as_app_and_operator(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let token = AppTokenManager::new(client.clone(), creds(HR), ACME).get_token().await.unwrap();
        let as_app = client
            .introspect(&IntrospectionAuth::Client(creds(HR)), &IntrospectRequest::new(token.clone()))
            .await
            .unwrap();
        assert!(as_app.active);
        assert_eq!(as_app.client_id.as_deref(), Some(HR.0));
        assert_eq!(as_app.corp_id.as_deref(), Some(ACME));
        assert_eq!(as_app.token_type.as_deref(), Some("app_access_token"));
        assert_eq!(as_app.scopes().collect::<Vec<_>>(), ["Contact.Org.Read", "qyapi_base"]);
        let (exp, iat) = (as_app.exp.unwrap(), as_app.iat.unwrap());
        assert_eq!(exp - iat, 7200);
        let as_operator = client
            .introspect(&IntrospectionAuth::AdminKey(Secret::new(ADMIN_KEY)), &IntrospectRequest::new(token.clone()))
            .await
            .unwrap();
        assert_eq!(as_operator, as_app);
        // Another app learns nothing about it; unknown and revoked tokens are inactive.
        let other = client
            .introspect(&IntrospectionAuth::Client(creds(TRAVEL)), &IntrospectRequest::new(token.clone()))
            .await
            .unwrap();
        assert!(!other.active && other.client_id.is_none());
        server.revoke(&token).await;
        let revoked = client
            .introspect(&IntrospectionAuth::Client(creds(HR)), &IntrospectRequest::new(token))
            .await
            .unwrap();
        assert!(!revoked.active);
    }

    async fn secrets_with_special_characters_work_with_basic_auth(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let secret = "plus+percent%2Fcolon:secret-0123";
        let (status, body) = server
            .admin(reqwest::Method::POST, "/apps", Some(serde_json::json!({
                "name": "Odd Secret", "ownerCorpId": ACME, "distribution": "internal",
                "clientId": "dingoddsecret", "clientSecret": secret,
            })))
            .await;
        assert_eq!(status, 201, "{body}");
        let odd = Credentials::new("dingoddsecret", secret);
        let client = server.client();
        let token = AppTokenManager::new(client.clone(), odd.clone(), ACME).get_token().await.unwrap();
        let answer = client
            .introspect(&IntrospectionAuth::Client(odd), &IntrospectRequest::new(token))
            .await
            .unwrap();
        assert!(answer.active);
        assert_eq!(answer.client_id.as_deref(), Some("dingoddsecret"));
    }

    async fn introspection_errors(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let wrong = IntrospectionAuth::Client(Credentials::new(HR.0, "wrong-secret-0123456789"));
        let err = client.introspect(&wrong, &IntrospectRequest::new("x")).await.unwrap_err();
        assert_api_error(&err, 401, codes::INVALID_CLIENT);
        assert!(err.is_auth_error());
        let bad_key = IntrospectionAuth::AdminKey(Secret::new("not-the-admin-key-000"));
        assert_api_error(&client.introspect(&bad_key, &IntrospectRequest::new("x")).await.unwrap_err(), 401, codes::INVALID_CLIENT);
        let missing = client.introspect(&IntrospectionAuth::Client(creds(HR)), &IntrospectRequest::new("")).await.unwrap_err();
        assert_api_error(&missing, 400, "invalid.request");
        assert_eq!(missing.message(), Some("token is required"));
    }
}
