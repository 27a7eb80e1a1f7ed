//! The org directory and 免登 through the client: typed reads of the seed world's directory,
//! paging, DingTalk's errcodes as error codes (88's sub_code included), the in-app login code.

use opending_client::{emulator::EmulatorClient, error::codes, AppTokenManager, Secret};

use crate::helpers::*;

both_backends! {
    async fn the_directory_reads_through_the_client(backend: Backend) {
        let server = TestServer::spawn_with(backend, |c| c.emulator.enabled = true).await;
        let client = server.client();
        let dir = AppTokenManager::new(client.clone(), creds(DIR), ACME);
        let t = dir.get_token().await.unwrap();
        let bob = client.get_userid_by_unionid(&t, BOB.0).await.unwrap();
        assert_eq!((bob.userid.as_str(), bob.contact_type), ("bob", 0));
        let u = client.get_directory_user(&t, "bob").await.unwrap();
        assert_eq!((u.name.as_str(), u.title.as_str(), u.mobile.as_deref()), ("Bob Li", "Engineer", Some("13800000002")));
        assert_eq!(u.dept_id_list, [101, 200]);
        assert_eq!(u.manager_userid.as_deref(), Some("alice"));
        let page = client.list_directory_users(&t, 200, 0, 1).await.unwrap();
        assert_eq!((page.has_more, page.list.len(), page.list[0].dept_order), (false, 1, 5));
        assert_eq!(client.list_user_ids(&t, 101).await.unwrap().userid_list, ["bob"]);
        assert_eq!(client.get_userid_by_mobile(&t, "13800000001").await.unwrap().userid, "alice");
        assert_eq!(client.count_users(&t, false).await.unwrap().count, 2);
        let subs = client.list_sub_departments(&t, None).await.unwrap();
        assert_eq!(subs.iter().map(|d| d.dept_id).collect::<Vec<_>>(), [100, 200]);
        let d = client.get_department(&t, 100).await.unwrap();
        assert_eq!((d.name.as_str(), d.parent_id, d.member_count), ("研发部", Some(1), 2));
        assert_eq!(client.list_sub_department_ids(&t, 100).await.unwrap().dept_id_list, [101]);
        let paths = client.list_parent_departments_by_user(&t, "bob").await.unwrap();
        assert_eq!(paths.parent_list[0].parent_dept_id_list, [101, 100, 1]);

        // Failures: the errcode as the code, 88's sub_code, never retried.
        let err = client.get_directory_user(&t, "nobody").await.unwrap_err();
        assert_eq!((err.status(), err.code()), (Some(200), Some("60121")), "{err}");
        assert!(!err.is_retryable());
        let err = client.get_department(&t, 999).await.unwrap_err();
        assert_eq!(err.code(), Some("60003"), "{err}");
        let hr = AppTokenManager::new(client.clone(), creds(HR), ACME).get_token().await.unwrap();
        let err = client.get_directory_user(&hr, "bob").await.unwrap_err();
        assert_eq!(err.code(), Some(codes::LEGACY_NO_PERMISSION), "{err}");
        assert!(err.is_auth_error(), "{err}");
        let bad = Secret::new("0123456789abcdef0123456789abcdef");
        let err = client.get_directory_user(&bad, "bob").await.unwrap_err();
        assert!(err.is_invalid_token(), "{err}");
        // call_with_app_token retries a refused directory call once with a fresh token.
        let u = dir
            .call_with_app_token(|tok| {
                let client = client.clone();
                async move { client.get_directory_user(&tok, "alice").await }
            })
            .await
            .unwrap();
        assert!(u.admin);

        // 免登: a code from the emulator, exchanged once.
        let emu = EmulatorClient::new(client.clone());
        let code = emu.mint_login_code(HR.0, ACME, ALICE.0).await.unwrap();
        let who = client.get_inapp_user_info(&hr, &code).await.unwrap();
        assert_eq!((who.userid.as_str(), who.sys, who.sys_level), ("alice", true, 1));
        let err = client.get_inapp_user_info(&hr, &code).await.unwrap_err();
        assert_eq!(err.code(), Some("40078"), "{err}");
        assert!(!format!("{err} {err:?}").contains(code.expose()));
    }
}
