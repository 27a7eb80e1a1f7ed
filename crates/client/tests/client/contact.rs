//! `GET /v1.0/contact/organizations/authInfos` through the client: the org's certification
//! info, the 403 with `requiredScopes`, and the contact API's own errors.

use opending_client::{error::codes, model::OrgAuthInfo, AppTokenManager, Secret};

use crate::{app_token::assert_api_error, helpers::*};

both_backends! {
    async fn org_auth_info_of_own_and_installing_orgs(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let hr = AppTokenManager::new(client.clone(), creds(HR), ACME).get_token().await.unwrap();
        let acme = client.get_org_auth_info(&hr, None).await.unwrap();
        assert_eq!(acme, OrgAuthInfo {
            auth_level: 1,
            org_name: "Acme Corp".into(),
            license_org_name: Some("Acme Corporation Ltd.".into()),
            registration_num: Some("110000000000001".into()),
            unified_social_credit: Some("91110000000000001X".into()),
            organization_code: Some("10000000-1".into()),
            legal_person: Some("Wile E. Coyote".into()),
            license_url: Some("https://example.com/acme-license.png".into()),
        });
        assert_eq!(client.get_org_auth_info(&hr, Some(ACME)).await.unwrap(), acme);
        let travel = AppTokenManager::new(client.clone(), creds(TRAVEL), GLOBEX).get_token().await.unwrap();
        let globex = client.get_org_auth_info(&travel, Some(GLOBEX)).await.unwrap();
        assert_eq!(globex, OrgAuthInfo { auth_level: 0, org_name: "Globex".into(), ..Default::default() });
    }

    async fn org_auth_info_errors(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        // An app that never added Contact.Org.Read: 403 naming the missing point.
        let ops = AppTokenManager::new(client.clone(), creds(OPS), GLOBEX).get_token().await.unwrap();
        let denied = client.get_org_auth_info(&ops, None).await.unwrap_err();
        assert_api_error(&denied, 403, codes::ACCESS_TOKEN_PERMISSION_DENIED);
        assert_eq!(denied.required_scopes(), ["Contact.Org.Read"]);
        assert!(denied.is_auth_error());
        assert!(denied.to_string().contains("(required scopes: Contact.Org.Read)"), "{denied}");
        // A token that does not exist, or was revoked.
        let bogus = client.get_org_auth_info(&Secret::new("0123456789abcdef0123456789abcdef"), None).await.unwrap_err();
        assert_api_error(&bogus, 400, codes::INVALID_AUTHENTICATION);
        assert!(bogus.is_invalid_token());
        let hr = AppTokenManager::new(client.clone(), creds(HR), ACME).get_token().await.unwrap();
        assert_eq!(server.revoke(&hr).await, 1);
        assert!(client.get_org_auth_info(&hr, None).await.unwrap_err().is_invalid_token());
        // An unknown target org, and one that has not authorized the app.
        let hr = AppTokenManager::new(client.clone(), creds(HR), ACME).get_token().await.unwrap();
        let unknown = client.get_org_auth_info(&hr, Some("dingnosuchorg")).await.unwrap_err();
        assert_api_error(&unknown, 400, "invalidParameter.system.param");
        assert_eq!(unknown.message(), Some("无效的企业targetCorpId"));
        let foreign = client.get_org_auth_info(&hr, Some(GLOBEX)).await.unwrap_err();
        assert_api_error(&foreign, 400, codes::PERMISSION_DENIED);
    }
}
