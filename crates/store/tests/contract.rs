//! The store contract: every method of the [`Store`] port, tested directly on every backend —
//! a SQLite file, the in-memory SQLite store and PostgreSQL (a fresh database per test) — so a
//! backend is correct when it passes this suite (the model of Dex's storage conformance tests).
//! PostgreSQL cases skip with a notice when it is unreachable, unless
//! `OPENDING_REQUIRE_POSTGRES=1` (as in CI).

use std::{sync::Arc, time::Duration};

use opending_domain::{
    grant::{AuthCode, AuthRequest, CodeUse, RequestStatus, UserTokenRecord},
    jsapi::{renewed_expiry, JsapiTicket},
    token::{AppToken, TokenNonce},
    ActorKind, App, AuditEvent, AuditKind, AuditQuery, ClientId, CorpId, Distribution, GrantType,
    Installation, InstallationStatus, KeyedHash, Membership, Org, OrgAuthInfo, PermissionCode,
    PermissionPoint, PointKind, Role, UnionId, UnixTime, User,
};
use opending_store::{
    InstallationFilter, PgStore, SqliteStore, Store, StoreError, TokensFor, UriKind,
};
use opending_testkit::Backend;

/// A store on a fresh database, with what must outlive it.
struct Fresh {
    store: Arc<dyn Store>,
    _db: Option<Backend>,
}

async fn sqlite_file() -> Option<Fresh> {
    let backend = Backend::sqlite();
    let Backend::Sqlite(dir) = &backend else {
        unreachable!()
    };
    let store = SqliteStore::open_dir(
        dir.path(),
        false,
        Duration::from_secs(10),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    Some(Fresh {
        store: Arc::new(store),
        _db: Some(backend),
    })
}

async fn sqlite_memory() -> Option<Fresh> {
    Some(Fresh {
        store: Arc::new(SqliteStore::open_memory().await.unwrap()),
        _db: None,
    })
}

async fn postgres() -> Option<Fresh> {
    let backend = Backend::postgres().await?;
    let Backend::Postgres(db) = &backend else {
        unreachable!()
    };
    let store = PgStore::connect(&db.url, 8, Duration::from_secs(10), Duration::from_secs(10))
        .await
        .unwrap();
    Some(Fresh {
        store: Arc::new(store),
        _db: Some(backend),
    })
}

/// Runs each listed contract on every backend: `contract::<name>::{sqlite_file, sqlite_memory,
/// postgres}`.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                async fn run(open: impl std::future::Future<Output = Option<super::Fresh>>) {
                    let Some(fresh) = open.await else { return };
                    fresh.store.migrate().await.unwrap();
                    super::$name(fresh.store.as_ref()).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_file() {
                    run(super::sqlite_file()).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_memory() {
                    run(super::sqlite_memory()).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run(super::postgres()).await
                }
            }
        )*
    };
}

contract!(
    database,
    meta_and_change_counter,
    orgs,
    org_auth_info,
    apps,
    app_secret_rotation_revokes_every_token,
    app_deletion_cascades,
    app_in_org,
    app_profile,
    app_uris,
    installations,
    suspension_and_uninstall_withdraw_tokens_in_that_org_only,
    points,
    app_points,
    org_grants,
    user_consents,
    app_tokens,
    app_tokens_are_one_per_app_and_org_under_concurrency,
    revoking_app_tokens,
    jsapi_tickets_renew_in_place_for_at_most_a_day,
    jsapi_tickets_are_one_per_app_and_org_under_concurrency,
    users,
    memberships,
    leaving_an_org_withdraws_what_was_held_there,
    sessions,
    codes,
    a_code_is_redeemed_once_under_concurrency,
    user_tokens,
    auth_requests,
    audit,
    wipe,
);

// ---- fixtures ----

const T0: UnixTime = UnixTime(1_700_000_000);

fn corp(s: &str) -> CorpId {
    CorpId::parse(s).unwrap()
}

fn client(s: &str) -> ClientId {
    ClientId::parse(s).unwrap()
}

fn uid(s: &str) -> UnionId {
    UnionId::parse(s).unwrap()
}

fn perm(s: &str) -> PermissionCode {
    PermissionCode::parse(s).unwrap()
}

/// A distinct hash per seed.
fn h(seed: u8) -> KeyedHash {
    KeyedHash([seed; 32])
}

fn org(id: &str, at: i64) -> Org {
    Org {
        corp_id: corp(id),
        name: format!("Org {id}"),
        created_at: UnixTime(at),
    }
}

fn app(id: &str, owner: &str, at: i64) -> App {
    App {
        client_id: client(id),
        name: format!("App {id}"),
        owner_corp_id: corp(owner),
        distribution: Distribution::ThirdParty,
        secret_hash: h(200),
        created_at: UnixTime(at),
        custom: false,
    }
}

fn user(id: &str, login: &str) -> User {
    User {
        union_id: uid(id),
        nick: format!("Nick {login}"),
        avatar_url: String::new(),
        mobile: Some("13800000000".into()),
        state_code: Some("86".into()),
        email: None,
        login: login.into(),
        created_at: T0,
    }
}

fn point(code: &str, grant_type: GrantType) -> PermissionPoint {
    PermissionPoint {
        code: perm(code),
        name: format!("Point {code}"),
        kind: PointKind::Rpc,
        grant_type,
        description: "for tests".into(),
        builtin: false,
    }
}

fn app_token(client_id: &str, corp_id: &str, seed: u8, expires_at: i64) -> AppToken {
    AppToken {
        client_id: client(client_id),
        corp_id: corp(corp_id),
        nonce: TokenNonce([seed; 16]),
        token_hash: h(seed),
        issued_at: T0,
        expires_at: UnixTime(expires_at),
    }
}

fn ticket(client_id: &str, corp_id: &str, seed: u8, now: UnixTime) -> JsapiTicket {
    JsapiTicket {
        client_id: client(client_id),
        corp_id: corp(corp_id),
        nonce: TokenNonce([seed; 16]),
        created_at: now,
        expires_at: renewed_expiry(now, now),
    }
}

fn code(seed: u8, client_id: &str, union_id: &str, corp_id: Option<&str>) -> AuthCode {
    AuthCode {
        code_hash: h(seed),
        client_id: client(client_id),
        union_id: uid(union_id),
        corp_id: corp_id.map(str::to_owned),
        scopes: vec![perm("Contact.User.Read")],
        redirect_uri: Some("https://app.example/cb".into()),
        created_at: T0,
        expires_at: UnixTime(T0.0 + 300),
        used_at: None,
    }
}

fn token(
    seed: u8,
    family: &str,
    client_id: &str,
    union_id: &str,
    corp_id: Option<&str>,
) -> UserTokenRecord {
    UserTokenRecord {
        token_hash: h(seed),
        family: family.into(),
        client_id: client(client_id),
        union_id: uid(union_id),
        corp_id: corp_id.map(str::to_owned),
        scopes: vec![perm("Contact.User.Read")],
        issued_at: T0,
        expires_at: UnixTime(T0.0 + 7200),
        rotated_at: None,
    }
}

/// Orgs `dingA` and `dingB`, app `appA` owned by `dingA` installed in both, users alice and bob
/// members of both, and the delegated point the codes and tokens use.
async fn world(s: &dyn Store) {
    for o in [org("dingA", 1), org("dingB", 2)] {
        s.create_org(&o).await.unwrap();
    }
    s.create_app(&app("appA", "dingA", 1), None).await.unwrap();
    for c in ["dingA", "dingB"] {
        s.put_installation(&Installation {
            client_id: client("appA"),
            corp_id: corp(c),
            status: InstallationStatus::Active,
            created_at: T0,
        })
        .await
        .unwrap();
    }
    for (id, login) in [("alice", "alice"), ("bob", "bob")] {
        s.create_user(&user(id, login), "hash").await.unwrap();
        for c in ["dingA", "dingB"] {
            s.put_membership(&Membership {
                corp_id: corp(c),
                union_id: uid(id),
                role: Role::Member,
            })
            .await
            .unwrap();
        }
    }
    s.ensure_point(&point("Contact.User.Read", GrantType::Delegated))
        .await
        .unwrap();
}

/// Stores an access and refresh token pair by redeeming a fresh code.
async fn pair_via_code(
    s: &dyn Store,
    seed: u8,
    client_id: &str,
    union_id: &str,
    corp_id: Option<&str>,
) {
    s.create_code(&code(seed, client_id, union_id, corp_id))
        .await
        .unwrap();
    let family = h(seed).to_hex();
    let (access, refresh) = (
        token(
            seed.wrapping_add(100),
            &family,
            client_id,
            union_id,
            corp_id,
        ),
        token(
            seed.wrapping_add(150),
            &family,
            client_id,
            union_id,
            corp_id,
        ),
    );
    let tokens: TokensFor = Box::new(move |_| Some((access, refresh)));
    let used = s.redeem_code(&h(seed), T0, tokens).await.unwrap();
    assert!(matches!(used, CodeUse::Fresh(_)), "{used:?}");
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(
        matches!(r, Err(StoreError::NotFound(_))),
        "expected NotFound, got {r:?}"
    );
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(
        matches!(r, Err(StoreError::Conflict(_))),
        "expected Conflict, got {r:?}"
    );
}

// ---- the contract ----

async fn database(s: &dyn Store) {
    s.ping().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&s.backend()));
    assert!(!s.pool_state().is_empty());
    // Migrating again changes nothing.
    s.migrate().await.unwrap();
}

async fn meta_and_change_counter(s: &dyn Store) {
    assert_eq!(s.meta_get("hash_key_check").await.unwrap(), None);
    assert_eq!(s.meta_init("k", "first").await.unwrap(), "first");
    assert_eq!(s.meta_init("k", "second").await.unwrap(), "first");
    assert_eq!(s.meta_get("k").await.unwrap().as_deref(), Some("first"));

    let (seq, fresh, heard) = (
        s.change_seq().await.unwrap(),
        s.fresh_change_seq().await.unwrap(),
        s.changes().count(),
    );
    s.create_org(&org("dingA", 1)).await.unwrap();
    assert_eq!(
        s.change_seq().await.unwrap(),
        seq + 1,
        "a change moves the counter"
    );
    assert!(s.fresh_change_seq().await.unwrap() > fresh);
    assert!(s.changes().count() > heard, "and this process hears of it");
    // A failed change moves nothing.
    conflict(s.create_org(&org("dingA", 1)).await);
    assert_eq!(s.change_seq().await.unwrap(), seq + 1);
}

async fn orgs(s: &dyn Store) {
    s.create_org(&org("dingB", 2)).await.unwrap();
    s.create_org(&org("dingA", 1)).await.unwrap();
    conflict(s.create_org(&org("dingA", 5)).await);
    assert_eq!(
        s.get_org(&corp("dingA")).await.unwrap(),
        Some(org("dingA", 1))
    );
    assert_eq!(s.get_org(&corp("dingZ")).await.unwrap(), None);
    let listed: Vec<_> = s
        .list_orgs()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.corp_id)
        .collect();
    assert_eq!(listed, [corp("dingA"), corp("dingB")], "oldest first");
    s.rename_org(&corp("dingA"), "Renamed").await.unwrap();
    assert_eq!(
        s.get_org(&corp("dingA")).await.unwrap().unwrap().name,
        "Renamed"
    );
    not_found(s.rename_org(&corp("dingZ"), "x").await);
}

async fn org_auth_info(s: &dyn Store) {
    s.create_org(&org("dingA", 1)).await.unwrap();
    assert_eq!(s.get_org_auth_info(&corp("dingA")).await.unwrap(), None);
    let mut info = OrgAuthInfo {
        auth_level: 2,
        license_org_name: Some("公司".into()),
        registration_num: Some("123".into()),
        unified_social_credit: None,
        organization_code: None,
        legal_person: Some("张三".into()),
        license_url: None,
    };
    s.put_org_auth_info(&corp("dingA"), &info).await.unwrap();
    assert_eq!(
        s.get_org_auth_info(&corp("dingA")).await.unwrap(),
        Some(info.clone())
    );
    info.auth_level = 3;
    info.legal_person = None;
    s.put_org_auth_info(&corp("dingA"), &info).await.unwrap();
    assert_eq!(
        s.get_org_auth_info(&corp("dingA")).await.unwrap(),
        Some(info.clone())
    );
    not_found(s.put_org_auth_info(&corp("dingZ"), &info).await);
}

async fn apps(s: &dyn Store) {
    s.create_org(&org("dingA", 1)).await.unwrap();
    s.create_org(&org("dingB", 2)).await.unwrap();
    not_found(s.create_app(&app("appX", "dingZ", 1), None).await);
    s.create_app(&app("appB", "dingB", 2), None).await.unwrap();
    s.create_app(&app("appA", "dingA", 1), None).await.unwrap();
    conflict(s.create_app(&app("appA", "dingB", 3), None).await);
    assert_eq!(
        s.get_app(&client("appA")).await.unwrap(),
        Some(app("appA", "dingA", 1))
    );
    assert_eq!(s.get_app(&client("appZ")).await.unwrap(), None);
    let ids = |apps: Vec<App>| apps.into_iter().map(|a| a.client_id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.list_apps(None).await.unwrap()),
        [client("appA"), client("appB")]
    );
    assert_eq!(
        ids(s.list_apps(Some(&corp("dingB"))).await.unwrap()),
        [client("appB")]
    );
    assert!(s.list_apps(Some(&corp("dingZ"))).await.unwrap().is_empty());
    s.rename_app(&client("appA"), "Renamed").await.unwrap();
    assert_eq!(
        s.get_app(&client("appA")).await.unwrap().unwrap().name,
        "Renamed"
    );
    not_found(s.rename_app(&client("appZ"), "x").await);
}

async fn app_secret_rotation_revokes_every_token(s: &dyn Store) {
    world(s).await;
    s.issue_app_token(&app_token("appA", "dingA", 1, T0.0 + 7200), T0)
        .await
        .unwrap();
    pair_via_code(s, 10, "appA", "alice", Some("dingB")).await;
    let seq = s.change_seq().await.unwrap();
    s.set_app_secret(&client("appA"), &h(201), None)
        .await
        .unwrap();
    assert_eq!(
        s.get_app(&client("appA"))
            .await
            .unwrap()
            .unwrap()
            .secret_hash,
        h(201)
    );
    assert!(s.change_seq().await.unwrap() > seq);
    assert_eq!(s.find_app_token(&h(1)).await.unwrap(), None);
    assert_eq!(s.find_user_token(&h(110)).await.unwrap(), None);
    assert_eq!(s.find_refresh_token(&h(160)).await.unwrap(), None);
    not_found(s.set_app_secret(&client("appZ"), &h(201), None).await);
}

async fn app_deletion_cascades(s: &dyn Store) {
    world(s).await;
    s.issue_app_token(&app_token("appA", "dingB", 1, T0.0 + 7200), T0)
        .await
        .unwrap();
    pair_via_code(s, 10, "appA", "alice", None).await;
    s.add_app_uri(&client("appA"), UriKind::Redirect, "https://a/cb")
        .await
        .unwrap();
    s.delete_app(&client("appA")).await.unwrap();
    assert_eq!(s.get_app(&client("appA")).await.unwrap(), None);
    assert!(s
        .list_installations(&InstallationFilter::default())
        .await
        .unwrap()
        .is_empty());
    assert!(s.list_app_tokens().await.unwrap().is_empty());
    assert!(s.list_user_tokens().await.unwrap().is_empty());
    assert!(s.list_codes().await.unwrap().is_empty());
    assert!(s
        .app_uris(&client("appA"), UriKind::Redirect)
        .await
        .unwrap()
        .is_empty());
    not_found(s.delete_app(&client("appA")).await);
}

async fn app_in_org(s: &dyn Store) {
    world(s).await;
    s.create_org(&org("dingC", 3)).await.unwrap();
    let found = s
        .app_in_org(&client("appA"), &corp("dingB"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.app.client_id, client("appA"));
    assert!(found.org_exists);
    assert_eq!(found.installation, Some(InstallationStatus::Active));
    let seq = found.change_seq;
    assert!(seq <= s.fresh_change_seq().await.unwrap());

    let not_installed = s
        .app_in_org(&client("appA"), &corp("dingC"))
        .await
        .unwrap()
        .unwrap();
    assert!(not_installed.org_exists);
    assert_eq!(not_installed.installation, None);
    let no_org = s
        .app_in_org(&client("appA"), &corp("dingZ"))
        .await
        .unwrap()
        .unwrap();
    assert!(!no_org.org_exists);
    assert_eq!(
        s.app_in_org(&client("appZ"), &corp("dingA"))
            .await
            .unwrap()
            .map(|f| f.app),
        None
    );

    s.put_installation(&Installation {
        client_id: client("appA"),
        corp_id: corp("dingB"),
        status: InstallationStatus::Suspended,
        created_at: T0,
    })
    .await
    .unwrap();
    let suspended = s
        .app_in_org(&client("appA"), &corp("dingB"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(suspended.installation, Some(InstallationStatus::Suspended));
    assert!(
        suspended.change_seq > seq,
        "the read carries the counter as of itself"
    );
}

async fn app_profile(s: &dyn Store) {
    world(s).await;
    let profile = s.app_profile(&client("appA")).await.unwrap().unwrap();
    assert_eq!((profile.icon_url.as_str(), profile.created_by), ("", None));
    let seq = s.change_seq().await.unwrap();
    s.set_app_icon(&client("appA"), "https://icon.example/a.png")
        .await
        .unwrap();
    s.set_app_creator(&client("appA"), &uid("alice"))
        .await
        .unwrap();
    assert_eq!(
        s.change_seq().await.unwrap(),
        seq,
        "console fields withdraw no right"
    );
    let profile = s.app_profile(&client("appA")).await.unwrap().unwrap();
    assert_eq!(profile.icon_url, "https://icon.example/a.png");
    assert_eq!(profile.created_by, Some(uid("alice")));
    assert_eq!(s.app_profile(&client("appZ")).await.unwrap(), None);
    not_found(s.set_app_icon(&client("appZ"), "x").await);
    not_found(s.set_app_creator(&client("appZ"), &uid("alice")).await);
    not_found(s.set_app_creator(&client("appA"), &uid("nobody")).await);
    // The creator's deletion leaves the app without one.
    s.delete_user(&uid("alice")).await.unwrap();
    assert_eq!(
        s.app_profile(&client("appA"))
            .await
            .unwrap()
            .unwrap()
            .created_by,
        None
    );
}

async fn app_uris(s: &dyn Store) {
    world(s).await;
    let a = client("appA");
    for uri in ["https://b/cb", "https://a/cb", "https://a/cb"] {
        s.add_app_uri(&a, UriKind::Redirect, uri).await.unwrap();
    }
    s.add_app_uri(&a, UriKind::Origin, "https://a")
        .await
        .unwrap();
    assert_eq!(
        s.app_uris(&a, UriKind::Redirect).await.unwrap(),
        ["https://a/cb", "https://b/cb"]
    );
    assert_eq!(
        s.app_uris(&a, UriKind::Origin).await.unwrap(),
        ["https://a"]
    );
    not_found(
        s.add_app_uri(&client("appZ"), UriKind::Redirect, "https://z")
            .await,
    );

    // Removing a redirect URI deletes the unused codes sent to it, not the used ones.
    let mut unused = code(1, "appA", "alice", None);
    unused.redirect_uri = Some("https://a/cb".into());
    let mut other = code(2, "appA", "alice", None);
    other.redirect_uri = Some("https://b/cb".into());
    s.create_code(&unused).await.unwrap();
    s.create_code(&other).await.unwrap();
    assert!(s
        .remove_app_uri(&a, UriKind::Redirect, "https://a/cb")
        .await
        .unwrap());
    assert!(!s
        .remove_app_uri(&a, UriKind::Redirect, "https://a/cb")
        .await
        .unwrap());
    let codes: Vec<_> = s
        .list_codes()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.code_hash)
        .collect();
    assert_eq!(codes, [h(2)]);
    assert!(s
        .remove_app_uri(&a, UriKind::Origin, "https://a")
        .await
        .unwrap());
    assert!(s.app_uris(&a, UriKind::Origin).await.unwrap().is_empty());
}

async fn installations(s: &dyn Store) {
    s.create_org(&org("dingA", 1)).await.unwrap();
    s.create_org(&org("dingB", 2)).await.unwrap();
    s.create_app(&app("appA", "dingA", 1), None).await.unwrap();
    s.create_app(&app("appB", "dingA", 2), None).await.unwrap();
    let inst = |a: &str, c: &str, at: i64| Installation {
        client_id: client(a),
        corp_id: corp(c),
        status: InstallationStatus::Active,
        created_at: UnixTime(at),
    };
    not_found(s.put_installation(&inst("appA", "dingZ", 1)).await);
    not_found(s.put_installation(&inst("appZ", "dingA", 1)).await);
    s.put_installation(&inst("appA", "dingB", 2)).await.unwrap();
    s.put_installation(&inst("appA", "dingA", 1)).await.unwrap();
    s.put_installation(&inst("appB", "dingB", 3)).await.unwrap();
    assert_eq!(
        s.get_installation(&client("appA"), &corp("dingB"))
            .await
            .unwrap(),
        Some(inst("appA", "dingB", 2))
    );
    assert_eq!(
        s.get_installation(&client("appB"), &corp("dingA"))
            .await
            .unwrap(),
        None
    );
    let keys = |f: InstallationFilter| async move {
        s.list_installations(&f)
            .await
            .unwrap()
            .into_iter()
            .map(|i| format!("{}@{}", i.client_id, i.corp_id))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(InstallationFilter::default()).await,
        ["appA@dingA", "appA@dingB", "appB@dingB"]
    );
    let by_app = InstallationFilter {
        client_id: Some(client("appA")),
        corp_id: None,
    };
    assert_eq!(keys(by_app).await, ["appA@dingA", "appA@dingB"]);
    let by_org = InstallationFilter {
        client_id: None,
        corp_id: Some(corp("dingB")),
    };
    assert_eq!(keys(by_org).await, ["appA@dingB", "appB@dingB"]);

    // A status change keeps the installation's creation time.
    let mut suspended = inst("appA", "dingB", 99);
    suspended.status = InstallationStatus::Suspended;
    s.put_installation(&suspended).await.unwrap();
    let stored = s
        .get_installation(&client("appA"), &corp("dingB"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.status, stored.created_at),
        (InstallationStatus::Suspended, UnixTime(2))
    );

    s.delete_installation(&client("appA"), &corp("dingB"))
        .await
        .unwrap();
    assert_eq!(
        s.get_installation(&client("appA"), &corp("dingB"))
            .await
            .unwrap(),
        None
    );
    not_found(s.delete_installation(&client("appA"), &corp("dingB")).await);
}

async fn suspension_and_uninstall_withdraw_tokens_in_that_org_only(s: &dyn Store) {
    world(s).await;
    s.ensure_point(&point("Org.Read", GrantType::App))
        .await
        .unwrap();
    s.add_app_point(&client("appA"), &perm("Org.Read"))
        .await
        .unwrap();
    for c in ["dingA", "dingB"] {
        s.grant_org_point(&client("appA"), &corp(c), &perm("Org.Read"))
            .await
            .unwrap();
    }
    s.issue_app_token(&app_token("appA", "dingA", 1, T0.0 + 7200), T0)
        .await
        .unwrap();
    s.issue_app_token(&app_token("appA", "dingB", 2, T0.0 + 7200), T0)
        .await
        .unwrap();
    pair_via_code(s, 10, "appA", "alice", Some("dingA")).await;
    pair_via_code(s, 20, "appA", "alice", Some("dingB")).await;

    let suspend = Installation {
        client_id: client("appA"),
        corp_id: corp("dingB"),
        status: InstallationStatus::Suspended,
        created_at: T0,
    };
    s.put_installation(&suspend).await.unwrap();
    assert_eq!(s.find_app_token(&h(2)).await.unwrap(), None);
    assert_eq!(s.find_user_token(&h(120)).await.unwrap(), None);
    assert_eq!(s.find_refresh_token(&h(170)).await.unwrap(), None);
    assert!(
        s.find_app_token(&h(1)).await.unwrap().is_some(),
        "other orgs keep theirs"
    );
    assert!(s.find_user_token(&h(110)).await.unwrap().is_some());
    assert_eq!(
        s.list_org_grants(&client("appA"), &corp("dingB"))
            .await
            .unwrap(),
        [perm("Org.Read")]
    );

    // Uninstalling also drops the org's grants.
    s.delete_installation(&client("appA"), &corp("dingA"))
        .await
        .unwrap();
    assert_eq!(s.find_app_token(&h(1)).await.unwrap(), None);
    assert_eq!(s.find_user_token(&h(110)).await.unwrap(), None);
    assert_eq!(s.find_refresh_token(&h(160)).await.unwrap(), None);
    assert!(s
        .list_org_grants(&client("appA"), &corp("dingA"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.list_org_grants(&client("appA"), &corp("dingB"))
            .await
            .unwrap(),
        [perm("Org.Read")]
    );
}

async fn points(s: &dyn Store) {
    let custom = point("Custom.Read", GrantType::App);
    assert!(s.ensure_point(&custom).await.unwrap());
    assert!(!s
        .ensure_point(&point("Custom.Read", GrantType::Delegated))
        .await
        .unwrap());
    assert_eq!(
        s.get_point(&perm("Custom.Read")).await.unwrap(),
        Some(custom.clone())
    );
    assert_eq!(s.get_point(&perm("No.Such")).await.unwrap(), None);
    let mut builtin = point("Builtin.Read", GrantType::Delegated);
    builtin.builtin = true;
    s.ensure_point(&builtin).await.unwrap();
    let codes: Vec<_> = s
        .list_points()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(
        codes,
        [perm("Builtin.Read"), perm("Custom.Read")],
        "by code"
    );

    let mut changed = custom.clone();
    changed.name = "Changed".into();
    changed.kind = PointKind::Field;
    changed.grant_type = GrantType::Delegated;
    changed.description = "new".into();
    s.update_point(&changed).await.unwrap();
    assert_eq!(
        s.get_point(&perm("Custom.Read")).await.unwrap(),
        Some(changed)
    );
    not_found(s.update_point(&builtin).await);
    not_found(s.update_point(&point("No.Such", GrantType::App)).await);

    s.delete_point(&perm("Custom.Read")).await.unwrap();
    assert_eq!(s.get_point(&perm("Custom.Read")).await.unwrap(), None);
    not_found(s.delete_point(&perm("Custom.Read")).await);
}

async fn app_points(s: &dyn Store) {
    world(s).await;
    s.ensure_point(&point("Org.Read", GrantType::App))
        .await
        .unwrap();
    let a = client("appA");
    for p in ["Org.Read", "Contact.User.Read", "Org.Read"] {
        s.add_app_point(&a, &perm(p)).await.unwrap();
    }
    not_found(s.add_app_point(&a, &perm("No.Such")).await);
    not_found(s.add_app_point(&client("appZ"), &perm("Org.Read")).await);
    let codes = |v: Vec<PermissionPoint>| v.into_iter().map(|p| p.code).collect::<Vec<_>>();
    assert_eq!(
        codes(s.list_app_points(&a).await.unwrap()),
        [perm("Contact.User.Read"), perm("Org.Read")]
    );
    assert_eq!(
        s.list_app_type_points(&a).await.unwrap(),
        [perm("Org.Read")]
    );
    assert!(s
        .remove_app_point(&a, &perm("Contact.User.Read"))
        .await
        .unwrap());
    assert!(!s
        .remove_app_point(&a, &perm("Contact.User.Read"))
        .await
        .unwrap());
    assert_eq!(
        codes(s.list_app_points(&a).await.unwrap()),
        [perm("Org.Read")]
    );

    // Deleting a point takes every app's addition and org's grant of it along.
    s.grant_org_point(&a, &corp("dingB"), &perm("Org.Read"))
        .await
        .unwrap();
    s.delete_point(&perm("Org.Read")).await.unwrap();
    assert!(s.list_app_points(&a).await.unwrap().is_empty());
    assert!(s
        .list_org_grants(&a, &corp("dingB"))
        .await
        .unwrap()
        .is_empty());
}

async fn org_grants(s: &dyn Store) {
    world(s).await;
    s.ensure_point(&point("Org.Read", GrantType::App))
        .await
        .unwrap();
    s.ensure_point(&point("Dept.Read", GrantType::App))
        .await
        .unwrap();
    let (a, b) = (client("appA"), corp("dingB"));
    for p in ["Org.Read", "Dept.Read", "Org.Read"] {
        s.grant_org_point(&a, &b, &perm(p)).await.unwrap();
    }
    not_found(s.grant_org_point(&a, &b, &perm("No.Such")).await);
    not_found(
        s.grant_org_point(&a, &corp("dingZ"), &perm("Org.Read"))
            .await,
    );
    assert_eq!(
        s.list_org_grants(&a, &b).await.unwrap(),
        [perm("Dept.Read"), perm("Org.Read")]
    );
    assert!(s
        .list_org_grants(&a, &corp("dingA"))
        .await
        .unwrap()
        .is_empty());
    let seq = s.change_seq().await.unwrap();
    assert!(s
        .revoke_org_point(&a, &b, &perm("Dept.Read"))
        .await
        .unwrap());
    assert!(
        s.change_seq().await.unwrap() > seq,
        "a withdrawn grant is a change"
    );
    assert!(!s
        .revoke_org_point(&a, &b, &perm("Dept.Read"))
        .await
        .unwrap());
    assert_eq!(s.list_org_grants(&a, &b).await.unwrap(), [perm("Org.Read")]);
}

async fn user_consents(s: &dyn Store) {
    world(s).await;
    s.ensure_point(&point("Contact.User.Mobile", GrantType::Delegated))
        .await
        .unwrap();
    let (a, alice) = (client("appA"), uid("alice"));
    let both = [perm("Contact.User.Read"), perm("Contact.User.Mobile")];
    s.add_user_grants(&a, &alice, "", &both, T0).await.unwrap();
    s.add_user_grants(&a, &alice, "dingB", &both[..1], T0)
        .await
        .unwrap();
    // Consenting again moves the consent's time.
    s.add_user_grants(&a, &alice, "", &both[..1], UnixTime(T0.0 + 5))
        .await
        .unwrap();
    not_found(
        s.add_user_grants(&a, &alice, "", &[perm("No.Such")], T0)
            .await,
    );
    let grants = s.user_grants(&alice).await.unwrap();
    let rows: Vec<_> = grants
        .iter()
        .map(|g| (g.corp_id.as_str(), g.code.as_str(), g.granted_at.0 - T0.0))
        .collect();
    assert_eq!(
        rows,
        [
            ("", "Contact.User.Mobile", 0),
            ("", "Contact.User.Read", 5),
            ("dingB", "Contact.User.Read", 0)
        ]
    );
    assert!(s.user_grants(&uid("bob")).await.unwrap().is_empty());

    pair_via_code(s, 10, "appA", "alice", None).await;
    pair_via_code(s, 20, "appA", "bob", None).await;
    assert_eq!(
        s.revoke_user_app(&a, &alice).await.unwrap(),
        2,
        "an access and a refresh token"
    );
    assert!(s.user_grants(&alice).await.unwrap().is_empty());
    assert_eq!(s.find_user_token(&h(110)).await.unwrap(), None);
    assert!(
        s.find_user_token(&h(120)).await.unwrap().is_some(),
        "bob's stay"
    );
    assert_eq!(s.revoke_user_app(&a, &alice).await.unwrap(), 0);
}

async fn app_tokens(s: &dyn Store) {
    world(s).await;
    let first = app_token("appA", "dingA", 1, T0.0 + 7200);
    assert_eq!(s.issue_app_token(&first, T0).await.unwrap(), first);
    // While it lives, a new candidate only renews its expiry.
    let later = app_token("appA", "dingA", 2, T0.0 + 7300);
    let kept = s
        .issue_app_token(&later, UnixTime(T0.0 + 100))
        .await
        .unwrap();
    assert_eq!(
        (kept.token_hash, kept.nonce, kept.expires_at),
        (h(1), first.nonce, later.expires_at)
    );
    // Once expired, the candidate replaces it.
    let after = app_token("appA", "dingA", 3, T0.0 + 20_000);
    let taken = s
        .issue_app_token(&after, UnixTime(T0.0 + 7300))
        .await
        .unwrap();
    assert_eq!(taken, after);
    assert_eq!(s.find_app_token(&h(1)).await.unwrap(), None);
    assert_eq!(s.find_app_token(&h(3)).await.unwrap(), Some(after.clone()));
    not_found(
        s.issue_app_token(&app_token("appA", "dingZ", 4, T0.0 + 1), T0)
            .await,
    );

    let mut other = app_token("appA", "dingB", 5, T0.0 + 7200);
    other.issued_at = UnixTime(T0.0 - 10);
    s.issue_app_token(&other, UnixTime(T0.0 - 10))
        .await
        .unwrap();
    let listed: Vec<_> = s
        .list_app_tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.token_hash)
        .collect();
    assert_eq!(listed, [h(5), h(3)], "oldest first");

    assert!(s.expire_app_token(&h(3), UnixTime(T0.0 + 1)).await.unwrap());
    assert_eq!(
        s.find_app_token(&h(3)).await.unwrap().unwrap().expires_at,
        UnixTime(T0.0 + 1)
    );
    assert!(!s.expire_app_token(&h(99), T0).await.unwrap());
    let seq = s.change_seq().await.unwrap();
    assert!(s.revoke_app_token(&h(3)).await.unwrap());
    assert!(s.change_seq().await.unwrap() > seq);
    assert!(!s.revoke_app_token(&h(3)).await.unwrap());
}

async fn app_tokens_are_one_per_app_and_org_under_concurrency(s: &dyn Store) {
    world(s).await;
    let issued = futures_util::future::join_all(
        (0..32u8)
            .map(|i| {
                let candidate = app_token(
                    "appA",
                    if i % 2 == 0 { "dingA" } else { "dingB" },
                    i + 1,
                    T0.0 + 7200,
                );
                async move { s.issue_app_token(&candidate, T0).await.unwrap() }
            })
            .collect::<Vec<_>>(),
    )
    .await;
    for org in ["dingA", "dingB"] {
        let tokens: std::collections::BTreeSet<_> = issued
            .iter()
            .filter(|t| t.corp_id.as_str() == org)
            .map(|t| t.token_hash.to_hex())
            .collect();
        assert_eq!(
            tokens.len(),
            1,
            "every caller in {org} got the same token: {tokens:?}"
        );
    }
    assert_eq!(s.list_app_tokens().await.unwrap().len(), 2);
}

async fn revoking_app_tokens(s: &dyn Store) {
    world(s).await;
    s.issue_app_token(&app_token("appA", "dingA", 1, T0.0 + 7200), T0)
        .await
        .unwrap();
    s.issue_app_token(&app_token("appA", "dingB", 2, T0.0 + 7200), T0)
        .await
        .unwrap();
    pair_via_code(s, 10, "appA", "alice", Some("dingB")).await;
    pair_via_code(s, 20, "appA", "bob", Some("dingA")).await;
    // In one org: its app token and the access token there (refresh tokens go, uncounted).
    assert_eq!(
        s.revoke_app_tokens(&client("appA"), Some(&corp("dingB")))
            .await
            .unwrap(),
        2
    );
    assert_eq!(s.find_refresh_token(&h(160)).await.unwrap(), None);
    assert!(s.find_app_token(&h(1)).await.unwrap().is_some());
    assert!(s.find_refresh_token(&h(170)).await.unwrap().is_some());
    // Everywhere.
    assert_eq!(s.revoke_app_tokens(&client("appA"), None).await.unwrap(), 2);
    assert!(s.list_app_tokens().await.unwrap().is_empty());
    assert!(s.list_user_tokens().await.unwrap().is_empty());
    assert_eq!(s.find_refresh_token(&h(170)).await.unwrap(), None);
    assert_eq!(s.revoke_app_tokens(&client("appA"), None).await.unwrap(), 0);
}

async fn users(s: &dyn Store) {
    let alice = user("alice", "alice");
    s.create_user(&alice, "hash-1").await.unwrap();
    s.create_user(&user("bob", "bob"), "hash-2").await.unwrap();
    conflict(s.create_user(&user("alice", "other"), "x").await);
    conflict(s.create_user(&user("other", "alice"), "x").await);
    assert_eq!(
        s.get_user(&uid("alice")).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(s.get_user(&uid("nobody")).await.unwrap(), None);
    assert_eq!(
        s.get_user_by_login("alice").await.unwrap(),
        Some((alice.clone(), "hash-1".into()))
    );
    assert_eq!(s.get_user_by_login("nobody").await.unwrap(), None);

    let mut changed = alice.clone();
    changed.nick = "Alice".into();
    changed.login = "alice2".into();
    changed.email = Some("a@example.com".into());
    changed.mobile = None;
    s.update_user(&changed).await.unwrap();
    assert_eq!(
        s.get_user(&uid("alice")).await.unwrap(),
        Some(changed.clone())
    );
    assert_eq!(
        s.get_user_by_login("alice2").await.unwrap().unwrap().1,
        "hash-1",
        "the password stays"
    );
    changed.login = "bob".into();
    conflict(s.update_user(&changed).await);
    not_found(s.update_user(&user("nobody", "nobody")).await);
    let logins: Vec<_> = s
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.login)
        .collect();
    assert_eq!(logins, ["alice2", "bob"]);

    // A new password ends the user's sessions.
    s.create_session(&h(1), &uid("alice"), T0, UnixTime(T0.0 + 60))
        .await
        .unwrap();
    s.create_session(&h(2), &uid("bob"), T0, UnixTime(T0.0 + 60))
        .await
        .unwrap();
    s.set_password(&uid("alice"), "hash-3").await.unwrap();
    assert_eq!(
        s.get_user_by_login("alice2").await.unwrap().unwrap().1,
        "hash-3"
    );
    assert_eq!(s.session_user(&h(1), T0).await.unwrap(), None);
    assert_eq!(s.session_user(&h(2), T0).await.unwrap(), Some(uid("bob")));
    not_found(s.set_password(&uid("nobody"), "x").await);

    s.delete_user(&uid("bob")).await.unwrap();
    assert_eq!(s.get_user(&uid("bob")).await.unwrap(), None);
    assert_eq!(s.session_user(&h(2), T0).await.unwrap(), None);
    not_found(s.delete_user(&uid("bob")).await);
}

async fn memberships(s: &dyn Store) {
    s.create_org(&org("dingA", 1)).await.unwrap();
    s.create_org(&org("dingB", 2)).await.unwrap();
    s.create_user(&user("alice", "alice"), "x").await.unwrap();
    s.create_user(&user("bob", "bob"), "x").await.unwrap();
    let m = |c: &str, u: &str, role| Membership {
        corp_id: corp(c),
        union_id: uid(u),
        role,
    };
    s.put_membership(&m("dingB", "alice", Role::Member))
        .await
        .unwrap();
    s.put_membership(&m("dingA", "alice", Role::Member))
        .await
        .unwrap();
    s.put_membership(&m("dingA", "bob", Role::Member))
        .await
        .unwrap();
    s.put_membership(&m("dingA", "alice", Role::Admin))
        .await
        .unwrap();
    not_found(s.put_membership(&m("dingZ", "alice", Role::Member)).await);
    not_found(s.put_membership(&m("dingA", "nobody", Role::Member)).await);
    assert_eq!(
        s.get_role(&corp("dingA"), &uid("alice")).await.unwrap(),
        Some(Role::Admin)
    );
    assert_eq!(s.get_role(&corp("dingB"), &uid("bob")).await.unwrap(), None);
    assert_eq!(
        s.memberships_of(&uid("alice")).await.unwrap(),
        [
            m("dingA", "alice", Role::Admin),
            m("dingB", "alice", Role::Member)
        ]
    );
    assert_eq!(
        s.members_of(&corp("dingA")).await.unwrap(),
        [
            m("dingA", "alice", Role::Admin),
            m("dingA", "bob", Role::Member)
        ]
    );
    s.delete_membership(&corp("dingA"), &uid("bob"))
        .await
        .unwrap();
    assert_eq!(s.get_role(&corp("dingA"), &uid("bob")).await.unwrap(), None);
    not_found(s.delete_membership(&corp("dingA"), &uid("bob")).await);
}

async fn leaving_an_org_withdraws_what_was_held_there(s: &dyn Store) {
    world(s).await;
    s.create_app(&app("appB", "dingB", 2), None).await.unwrap();
    // appA is dingA's: its org-less tokens count as dingA's; appB's org-less ones as dingB's.
    pair_via_code(s, 10, "appA", "alice", Some("dingA")).await;
    pair_via_code(s, 20, "appA", "alice", None).await;
    pair_via_code(s, 30, "appA", "alice", Some("dingB")).await;
    pair_via_code(s, 40, "appB", "alice", None).await;
    pair_via_code(s, 50, "appA", "bob", Some("dingA")).await;
    s.create_code(&code(60, "appA", "alice", Some("dingA")))
        .await
        .unwrap();
    s.delete_membership(&corp("dingA"), &uid("alice"))
        .await
        .unwrap();
    for gone in [110, 120] {
        assert_eq!(
            s.find_user_token(&h(gone)).await.unwrap(),
            None,
            "token {gone}"
        );
    }
    for gone in [160, 170] {
        assert_eq!(
            s.find_refresh_token(&h(gone)).await.unwrap(),
            None,
            "refresh {gone}"
        );
    }
    for kept in [130, 140, 150] {
        assert!(
            s.find_user_token(&h(kept)).await.unwrap().is_some(),
            "token {kept}"
        );
    }
    let codes: Vec<_> = s
        .list_codes()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.code_hash)
        .collect();
    assert!(
        !codes.contains(&h(60)) && !codes.contains(&h(10)),
        "dingA's codes go"
    );
    assert!(
        codes.contains(&h(30)) && codes.contains(&h(40)),
        "others stay"
    );
}

async fn sessions(s: &dyn Store) {
    s.create_user(&user("alice", "alice"), "x").await.unwrap();
    s.create_session(&h(1), &uid("alice"), T0, UnixTime(T0.0 + 60))
        .await
        .unwrap();
    conflict(
        s.create_session(&h(1), &uid("alice"), T0, UnixTime(T0.0 + 60))
            .await,
    );
    not_found(
        s.create_session(&h(2), &uid("nobody"), T0, UnixTime(T0.0 + 60))
            .await,
    );
    assert_eq!(
        s.session_user(&h(1), UnixTime(T0.0 + 59)).await.unwrap(),
        Some(uid("alice"))
    );
    assert_eq!(
        s.session_user(&h(1), UnixTime(T0.0 + 60)).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(s.session_user(&h(9), T0).await.unwrap(), None);
    s.delete_session(&h(1)).await.unwrap();
    s.delete_session(&h(1)).await.unwrap();
    assert_eq!(s.session_user(&h(1), T0).await.unwrap(), None);
}

async fn codes(s: &dyn Store) {
    world(s).await;
    let c = code(1, "appA", "alice", Some("dingB"));
    s.create_code(&c).await.unwrap();
    conflict(s.create_code(&c).await);
    not_found(s.create_code(&code(2, "appZ", "alice", None)).await);
    not_found(s.create_code(&code(3, "appA", "nobody", None)).await);
    s.create_code(&code(4, "appA", "bob", None)).await.unwrap();
    assert_eq!(
        s.list_codes().await.unwrap(),
        [c.clone(), code(4, "appA", "bob", None)]
    );

    let family = h(1).to_hex();
    let (access, refresh) = (
        token(101, &family, "appA", "alice", Some("dingB")),
        token(151, &family, "appA", "alice", Some("dingB")),
    );
    let pair = (access.clone(), refresh.clone());
    let tokens: TokensFor = Box::new(move |code| {
        assert_eq!(code.code_hash, h(1));
        Some(pair)
    });
    match s
        .redeem_code(&h(1), UnixTime(T0.0 + 5), tokens)
        .await
        .unwrap()
    {
        CodeUse::Fresh(fresh) => assert_eq!(fresh, c),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.find_user_token(&h(101)).await.unwrap(), Some(access));
    assert_eq!(s.find_refresh_token(&h(151)).await.unwrap(), Some(refresh));

    // A replay is told apart from an unknown code, and stores nothing.
    let never: TokensFor = Box::new(|_| panic!("no tokens for a used code"));
    match s
        .redeem_code(&h(1), UnixTime(T0.0 + 6), never)
        .await
        .unwrap()
    {
        CodeUse::Replayed(used) => assert_eq!(used.used_at, Some(UnixTime(T0.0 + 5))),
        other => panic!("{other:?}"),
    }
    let never: TokensFor = Box::new(|_| panic!("no tokens for an unknown code"));
    assert!(matches!(
        s.redeem_code(&h(9), T0, never).await.unwrap(),
        CodeUse::Unknown
    ));
    // A code may be used up without tokens.
    let none: TokensFor = Box::new(|_| None);
    assert!(matches!(
        s.redeem_code(&h(4), T0, none).await.unwrap(),
        CodeUse::Fresh(_)
    ));
    assert_eq!(s.list_user_tokens().await.unwrap().len(), 1);
}

async fn a_code_is_redeemed_once_under_concurrency(s: &dyn Store) {
    world(s).await;
    s.create_code(&code(1, "appA", "alice", None))
        .await
        .unwrap();
    let outcomes = futures_util::future::join_all(
        (0..16u8)
            .map(|i| async move {
                let family = h(1).to_hex();
                let pair = (
                    token(100 + i, &family, "appA", "alice", None),
                    token(120 + i, &family, "appA", "alice", None),
                );
                let tokens: TokensFor = Box::new(move |_| Some(pair));
                s.redeem_code(&h(1), T0, tokens).await.unwrap()
            })
            .collect::<Vec<_>>(),
    )
    .await;
    let fresh = outcomes
        .iter()
        .filter(|o| matches!(o, CodeUse::Fresh(_)))
        .count();
    let replayed = outcomes
        .iter()
        .filter(|o| matches!(o, CodeUse::Replayed(_)))
        .count();
    assert_eq!((fresh, replayed), (1, 15), "{outcomes:?}");
    assert_eq!(
        s.list_user_tokens().await.unwrap().len(),
        1,
        "one pair stored"
    );
}

async fn user_tokens(s: &dyn Store) {
    world(s).await;
    pair_via_code(s, 10, "appA", "alice", None).await;
    pair_via_code(s, 20, "appA", "bob", None).await;
    let family = h(10).to_hex();
    assert_eq!(
        s.find_user_token(&h(110)).await.unwrap().unwrap().family,
        family
    );
    assert_eq!(
        s.find_user_token(&h(160)).await.unwrap(),
        None,
        "a refresh token is no access token"
    );
    assert_eq!(s.find_refresh_token(&h(110)).await.unwrap(), None);
    assert_eq!(
        s.find_refresh_token(&h(160))
            .await
            .unwrap()
            .unwrap()
            .rotated_at,
        None
    );

    // Rotation: once; the second attempt stores nothing.
    let (access, refresh) = (
        token(111, &family, "appA", "alice", None),
        token(161, &family, "appA", "alice", None),
    );
    assert!(s
        .rotate_refresh(&h(160), UnixTime(T0.0 + 9), &access, &refresh)
        .await
        .unwrap());
    assert_eq!(
        s.find_refresh_token(&h(160))
            .await
            .unwrap()
            .unwrap()
            .rotated_at,
        Some(UnixTime(T0.0 + 9))
    );
    let (again_a, again_r) = (
        token(112, &family, "appA", "alice", None),
        token(162, &family, "appA", "alice", None),
    );
    assert!(!s
        .rotate_refresh(&h(160), T0, &again_a, &again_r)
        .await
        .unwrap());
    assert_eq!(s.find_user_token(&h(112)).await.unwrap(), None);
    assert!(!s
        .rotate_refresh(&h(99), T0, &again_a, &again_r)
        .await
        .unwrap());
    let listed: Vec<_> = s
        .list_user_tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.token_hash)
        .collect();
    assert_eq!(listed.len(), 3);

    // Expiry of a token or a code.
    assert!(s
        .expire_user_token_or_code(&h(111), UnixTime(T0.0 + 1))
        .await
        .unwrap());
    assert_eq!(
        s.find_user_token(&h(111))
            .await
            .unwrap()
            .unwrap()
            .expires_at,
        UnixTime(T0.0 + 1)
    );
    s.create_code(&code(30, "appA", "alice", None))
        .await
        .unwrap();
    assert!(s
        .expire_user_token_or_code(&h(30), UnixTime(T0.0 + 2))
        .await
        .unwrap());
    let expired = s
        .list_codes()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.code_hash == h(30))
        .unwrap();
    assert_eq!(expired.expires_at, UnixTime(T0.0 + 2));
    assert!(!s.expire_user_token_or_code(&h(99), T0).await.unwrap());

    // Revocation: one token, or the whole family (access and refresh tokens, counted).
    assert!(s.revoke_user_token(&h(120)).await.unwrap());
    assert!(!s.revoke_user_token(&h(120)).await.unwrap());
    assert_eq!(s.revoke_family(&family).await.unwrap(), 4);
    assert_eq!(s.find_user_token(&h(111)).await.unwrap(), None);
    assert_eq!(s.find_refresh_token(&h(161)).await.unwrap(), None);
    assert!(
        s.find_refresh_token(&h(170)).await.unwrap().is_some(),
        "bob's family stays"
    );
    assert_eq!(s.revoke_family(&family).await.unwrap(), 0);
}

async fn auth_requests(s: &dyn Store) {
    world(s).await;
    let req = |id: &str, at: i64| AuthRequest {
        id: id.into(),
        client_id: client("appA"),
        corp_id: corp("dingB"),
        requested_by: uid("alice"),
        points: vec![perm("Contact.User.Read")],
        status: RequestStatus::Pending,
        created_at: UnixTime(at),
        decided_by: None,
    };
    s.create_auth_request(&req("r2", 2)).await.unwrap();
    s.create_auth_request(&req("r1", 1)).await.unwrap();
    conflict(s.create_auth_request(&req("r1", 1)).await);
    let mut orphan = req("r3", 3);
    orphan.corp_id = corp("dingZ");
    not_found(s.create_auth_request(&orphan).await);
    let ids = |v: Vec<AuthRequest>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s
            .auth_requests(&corp("dingB"), RequestStatus::Pending)
            .await
            .unwrap()),
        ["r1", "r2"]
    );
    assert_eq!(s.get_auth_request("r1").await.unwrap(), Some(req("r1", 1)));
    assert_eq!(s.get_auth_request("nope").await.unwrap(), None);
    assert!(s
        .decide_auth_request("r1", RequestStatus::Approved, &uid("bob"), T0)
        .await
        .unwrap());
    assert!(!s
        .decide_auth_request("r1", RequestStatus::Rejected, &uid("bob"), T0)
        .await
        .unwrap());
    assert!(!s
        .decide_auth_request("nope", RequestStatus::Rejected, &uid("bob"), T0)
        .await
        .unwrap());
    let decided = s.get_auth_request("r1").await.unwrap().unwrap();
    assert_eq!(
        (decided.status, decided.decided_by),
        (RequestStatus::Approved, Some(uid("bob")))
    );
    assert_eq!(
        ids(s
            .auth_requests(&corp("dingB"), RequestStatus::Approved)
            .await
            .unwrap()),
        ["r1"]
    );
    assert_eq!(
        ids(s
            .auth_requests(&corp("dingB"), RequestStatus::Pending)
            .await
            .unwrap()),
        ["r2"]
    );
    assert!(s
        .auth_requests(&corp("dingA"), RequestStatus::Pending)
        .await
        .unwrap()
        .is_empty());
}

async fn audit(s: &dyn Store) {
    s.append_audit(&[]).await.unwrap();
    let event = |kind, at: i64, corp: &str, app: &str| {
        AuditEvent::new(kind, UnixTime(at), ActorKind::App, Some(app.into()))
            .app(app)
            .org(corp)
            .source("127.0.0.1")
            .detail("n", at)
    };
    s.append_audit(&[
        event(AuditKind::TokenIssued, 10, "dingA", "appA"),
        event(AuditKind::TokenRevoked, 20, "dingB", "appA"),
    ])
    .await
    .unwrap();
    s.append_audit(&[event(AuditKind::TokenIssued, 30, "dingA", "appB")])
        .await
        .unwrap();
    let all = s
        .list_audit(&AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let ats: Vec<_> = all.iter().map(|e| e.at.0).collect();
    assert_eq!(ats, [30, 20, 10], "newest first, in the order appended");
    let newest = &all[0];
    assert_eq!(newest.kind, AuditKind::TokenIssued);
    assert_eq!(
        (newest.client_id.as_deref(), newest.corp_id.as_deref()),
        (Some("appB"), Some("dingA"))
    );
    assert_eq!(newest.source.as_deref(), Some("127.0.0.1"));
    assert_eq!(newest.details["n"], "30");

    let ats_of = |q: AuditQuery| async move {
        s.list_audit(&q)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.at.0)
            .collect::<Vec<_>>()
    };
    let q = || AuditQuery {
        limit: 100,
        ..Default::default()
    };
    assert_eq!(
        ats_of(AuditQuery {
            corp_id: Some("dingA".into()),
            ..q()
        })
        .await,
        [30, 10]
    );
    assert_eq!(
        ats_of(AuditQuery {
            client_id: Some("appA".into()),
            ..q()
        })
        .await,
        [20, 10]
    );
    assert_eq!(
        ats_of(AuditQuery {
            kinds: vec![AuditKind::TokenRevoked],
            ..q()
        })
        .await,
        [20]
    );
    assert_eq!(
        ats_of(AuditQuery {
            kinds: vec![AuditKind::TokenRevoked, AuditKind::TokenIssued],
            ..q()
        })
        .await,
        [30, 20, 10]
    );
    assert_eq!(
        ats_of(AuditQuery {
            since: Some(UnixTime(20)),
            until: Some(UnixTime(30)),
            ..q()
        })
        .await,
        [20]
    );
    assert_eq!(ats_of(AuditQuery { limit: 2, ..q() }).await, [30, 20]);
    let page = AuditQuery {
        before_id: Some(all[1].id),
        ..q()
    };
    assert_eq!(ats_of(page).await, [10], "paging by id");
}

async fn wipe(s: &dyn Store) {
    world(s).await;
    let key = s.meta_init("hash_key_check", "kept").await.unwrap();
    s.ensure_point(&point("Custom.Read", GrantType::App))
        .await
        .unwrap();
    let mut builtin = point("Builtin.Read", GrantType::App);
    builtin.builtin = true;
    s.ensure_point(&builtin).await.unwrap();
    pair_via_code(s, 10, "appA", "alice", None).await;
    s.issue_app_token(&app_token("appA", "dingA", 1, T0.0 + 7200), T0)
        .await
        .unwrap();
    s.meta_init("demo_world", "1").await.unwrap();
    let seq = s.change_seq().await.unwrap();
    s.wipe().await.unwrap();
    assert!(s.change_seq().await.unwrap() > seq);
    assert!(s.list_orgs().await.unwrap().is_empty());
    assert!(s.list_apps(None).await.unwrap().is_empty());
    assert!(s.list_users().await.unwrap().is_empty());
    assert!(s.list_app_tokens().await.unwrap().is_empty());
    assert!(s.list_user_tokens().await.unwrap().is_empty());
    assert!(s.list_codes().await.unwrap().is_empty());
    let points: Vec<_> = s
        .list_points()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(points, [perm("Builtin.Read")], "built-in points stay");
    assert_eq!(
        s.meta_get("hash_key_check").await.unwrap(),
        Some(key),
        "metadata stays"
    );
    assert_eq!(
        s.meta_get("demo_world").await.unwrap(),
        None,
        "but not the demo marker"
    );
}

async fn jsapi_tickets_renew_in_place_for_at_most_a_day(s: &dyn Store) {
    world(s).await;
    let first = s
        .issue_jsapi_ticket(&ticket("appA", "dingA", 1, T0), T0)
        .await
        .unwrap();
    assert_eq!(first, ticket("appA", "dingA", 1, T0));
    // A fetch an hour later keeps the ticket and extends it by two hours from then.
    let later = UnixTime(T0.0 + 3600);
    let again = s
        .issue_jsapi_ticket(&ticket("appA", "dingA", 2, later), later)
        .await
        .unwrap();
    assert_eq!(again.nonce, first.nonce);
    assert_eq!(again.created_at, T0);
    assert_eq!(again.expires_at, UnixTime(later.0 + 7200));
    // Fetched steadily, it still ends a day after its creation…
    let mut at = later;
    let mut last = again;
    while at.0 < T0.0 + 86_400 - 1 {
        at = UnixTime((at.0 + 3600).min(T0.0 + 86_400 - 1));
        last = s
            .issue_jsapi_ticket(&ticket("appA", "dingA", 3, at), at)
            .await
            .unwrap();
        assert_eq!(last.nonce, first.nonce);
        assert!(last.expires_at.0 <= T0.0 + 86_400, "{last:?}");
    }
    assert_eq!(last.expires_at, UnixTime(T0.0 + 86_400));
    // …and the next fetch after that makes a new one.
    let day = UnixTime(T0.0 + 86_400);
    let fresh = s
        .issue_jsapi_ticket(&ticket("appA", "dingA", 4, day), day)
        .await
        .unwrap();
    assert_eq!(fresh, ticket("appA", "dingA", 4, day));
    // Another org has its own ticket; expiring one leaves the other.
    let other = s
        .issue_jsapi_ticket(&ticket("appA", "dingB", 5, day), day)
        .await
        .unwrap();
    assert_eq!(other.nonce, TokenNonce([5; 16]));
    assert!(s
        .expire_jsapi_ticket(&client("appA"), &corp("dingA"), day)
        .await
        .unwrap());
    assert!(!s
        .expire_jsapi_ticket(&client("appZ"), &corp("dingA"), day)
        .await
        .unwrap());
    let replaced = s
        .issue_jsapi_ticket(&ticket("appA", "dingA", 6, day), day)
        .await
        .unwrap();
    assert_eq!(replaced.nonce, TokenNonce([6; 16]));
    let kept = s
        .issue_jsapi_ticket(&ticket("appA", "dingB", 7, day), day)
        .await
        .unwrap();
    assert_eq!(kept.nonce, TokenNonce([5; 16]));
    // Deleting the app takes its tickets with it (no orphan survives a re-created app).
    s.delete_app(&client("appA")).await.unwrap();
    s.create_app(&app("appA", "dingA", 1), None).await.unwrap();
    let after = s
        .issue_jsapi_ticket(&ticket("appA", "dingA", 8, day), day)
        .await
        .unwrap();
    assert_eq!(after.nonce, TokenNonce([8; 16]));
}

async fn jsapi_tickets_are_one_per_app_and_org_under_concurrency(s: &dyn Store) {
    world(s).await;
    let candidates: Vec<JsapiTicket> = (0..16u8)
        .map(|i| ticket("appA", "dingA", 100 + i, T0))
        .collect();
    let tries = candidates.iter().map(|c| s.issue_jsapi_ticket(c, T0));
    let got = futures_util::future::join_all(tries).await;
    let first = got[0].as_ref().unwrap().nonce;
    for g in &got {
        assert_eq!(g.as_ref().unwrap().nonce, first);
    }
}
