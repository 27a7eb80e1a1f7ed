//! The services' policy called directly, as every face calls it: the platform changes
//! anything, a member what the console's rules allow, and a request no guard vouched for
//! changes nothing, whatever the function.

use crate::helpers::*;
use opending_domain::ErrorCode;
use opending_server::{
    origin::Acting,
    service::{apps, installations, memberships, orgs, points, tokens, users, Error},
    Origin,
};

/// A request origin; `acting` is what its guard established, if anything.
fn request(acting: Option<Acting>) -> Origin {
    let origin = Origin::request("policy-test".into(), None, None, Default::default());
    if let Some(a) = acting {
        origin.set_acting(a);
    }
    origin
}

fn code_of<T: std::fmt::Debug>(r: Result<T, Error>) -> ErrorCode {
    match r {
        Err(Error::Api(api)) => api.code,
        other => panic!("expected a catalogue error, got {other:?}"),
    }
}

fn member(who: (&str, &str, &str)) -> Origin {
    request(Some(Acting::User(who.0.to_owned())))
}

opending_testkit::both_backends! {
    async fn a_request_no_guard_vouched_for_changes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let core = &app.core;
        let nobody = request(None);
        assert_eq!(code_of(apps::update_app(core, &nobody, HR.0, "Taken over", "").await), ErrorCode::PermissionDenied);
        assert_eq!(code_of(apps::rotate_secret(core, &nobody, HR.0, None).await), ErrorCode::PermissionDenied);
        assert_eq!(code_of(apps::delete_app(core, &nobody, HR.0).await), ErrorCode::PermissionDenied);
        let uris = apps::AppUris::one(opending_server::service::UriKind::Origin, "https://evil.example");
        assert_eq!(code_of(apps::add_app_uris(core, &nobody, HR.0, &uris).await), ErrorCode::PermissionDenied);
        assert_eq!(code_of(points::add_app_point(core, &nobody, HR.0, "Contact.Org.Read").await), ErrorCode::PermissionDenied);
        assert_eq!(code_of(memberships::set_membership(core, &nobody, ACME, CAROL.0, opending_domain::Role::Admin).await), ErrorCode::PermissionDenied);
        assert_eq!(code_of(installations::suspend(core, &nobody, TRAVEL.0, ACME).await), ErrorCode::PermissionDenied);
        let org = orgs::NewOrg { name: "Not yours".into(), corp_id: None };
        assert_eq!(code_of(orgs::create_org(core, &nobody, org.clone()).await), ErrorCode::PermissionDenied);
        assert_eq!(code_of(users::delete_user(core, &nobody, BOB.0).await), ErrorCode::PermissionDenied);
        let revoke = || tokens::RevokeRequest { token: None, client_id: Some(HR.0.into()), corp_id: None };
        assert_eq!(code_of(tokens::revoke(core, &nobody, revoke()).await), ErrorCode::PermissionDenied);
        // …nor may a member make the platform's changes.
        assert_eq!(code_of(orgs::create_org(core, &member(ALICE), org).await), ErrorCode::PermissionDenied);
        assert_eq!(code_of(tokens::revoke(core, &member(ALICE), revoke()).await), ErrorCode::PermissionDenied);
        // The admin key's holder and the operator may.
        let admin = request(Some(Acting::AdminKey));
        apps::update_app(core, &admin, HR.0, "Renamed by the admin API", "").await.unwrap();
        apps::update_app(core, &Origin::operator(), HR.0, "Renamed by the operator", "").await.unwrap();
        assert_eq!(apps::show_app(core, HR.0).await.unwrap().name, "Renamed by the operator");
        // A guard sets who acts once: a later one cannot widen the rights.
        let bob = member(BOB);
        bob.set_acting(Acting::AdminKey);
        assert_eq!(code_of(apps::update_app(core, &bob, OPS.0, "Taken over", "").await), ErrorCode::NotFound);
        assert_eq!(apps::show_app(core, OPS.0).await.unwrap().name, "Globex Ops");
    }

    async fn a_member_changes_only_what_the_console_rules_allow(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let core = &app.core;
        let bob = member(BOB);
        // Another org's app, and its org, do not exist for Bob.
        assert_eq!(code_of(apps::update_app(core, &bob, OPS.0, "Taken over", "").await), ErrorCode::NotFound);
        assert_eq!(code_of(apps::open_app(core, &bob, OPS.0).await), ErrorCode::NotFound);
        assert_eq!(code_of(apps::open_app(core, &bob, "not a client id!").await), ErrorCode::NotFound);
        let new_app = |org: &str| apps::NewApp {
            name: "Bob's app".into(),
            owner_corp_id: org.into(),
            distribution: opending_domain::Distribution::Internal,
            client_id: None,
            client_secret: None,
            icon_url: String::new(),
            custom: false,
        };
        assert_eq!(code_of(apps::create_app(core, &bob, new_app(GLOBEX)).await), ErrorCode::NotFound);
        // In his own org he sees the apps read-only, and may create one, which he then manages.
        let hr = apps::open_app(core, &bob, HR.0).await.unwrap();
        assert!(!hr.can_manage);
        assert_eq!(code_of(apps::update_app(core, &bob, HR.0, "Bob's now", "").await), ErrorCode::PermissionDenied);
        let mine = apps::create_app(core, &bob, new_app(ACME)).await.unwrap();
        let opened = apps::open_app(core, &bob, &mine.client_id).await.unwrap();
        assert!(opened.can_manage);
        assert_eq!(opened.profile.created_by.as_ref().map(|u| u.as_str()), Some(BOB.0));
        apps::update_app(core, &bob, &mine.client_id, "Bob's renamed app", "https://example.com/i.png").await.unwrap();
        apps::rotate_secret(core, &bob, &mine.client_id, None).await.unwrap();
        // A member who is not an org admin cannot administer the org.
        assert_eq!(
            code_of(memberships::set_membership(core, &bob, ACME, BOB.0, opending_domain::Role::Admin).await),
            ErrorCode::PermissionDenied
        );
        assert_eq!(code_of(installations::suspend(core, &bob, TRAVEL.0, ACME).await), ErrorCode::PermissionDenied);
        // Nor anyone outside it.
        assert_eq!(code_of(installations::suspend(core, &bob, OPS.0, GLOBEX).await), ErrorCode::NotFound);
        apps::delete_app(core, &bob, &mine.client_id).await.unwrap();
    }
}
