//! The demo world of `opending serve --demo`: a demo org with an internal app, a partner org
//! where the demo org's third-party app is installed, and a person who can sign in (admin of the
//! demo org, member of the partner org). Created once; later starts find it again. The internal
//! app has the server's own origins registered, so the openAuth test page this server serves
//! (`/demo/openauth`) can run the real flow.

use opending_domain::{ClientId, CorpId, Distribution, InstallationStatus, Secret};
use serde::{Deserialize, Serialize};

use super::{
    seed::{self, SeedApp, SeedDoc, SeedInstallation, SeedOrg},
    Result,
};
use crate::Core;

const META_DEMO: &str = "demo_world";
/// The demo user's sign-in name, kept apart so a world made before the demo had a user gets one.
const META_DEMO_USER: &str = "demo_user";
/// The points the internal app holds: the org's certification info, and the user's own profile
/// for the openAuth test page (type 0, `Contact.User.Read`).
const INTERNAL_POINTS: [&str; 2] = ["Contact.Org.Read", "Contact.User.Read"];

/// The demo world's ids, and its secrets when they were just created.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoWorld {
    /// The demo org.
    pub demo_corp_id: String,
    /// The partner org that installed the third-party app.
    pub partner_corp_id: String,
    /// The internal app of the demo org.
    pub internal_client_id: String,
    /// The demo org's third-party app.
    pub third_party_client_id: String,
    /// Secrets, present only on the run that created them (they are stored hashed).
    #[serde(skip)]
    pub secrets: Option<(String, String)>,
    /// The demo user's sign-in name.
    #[serde(skip)]
    pub user_login: String,
    /// The demo user's password, present only on the run that created the user.
    #[serde(skip)]
    pub user_password: Option<String>,
}

/// The origins a browser may load this server's pages from, which the demo's internal app has
/// registered: the public URL when one is configured, and the loopback names of the bound
/// address (both `127.0.0.1` and `localhost`) when it is a loopback or wildcard address.
pub fn page_origins(public_url: Option<&str>, addr: std::net::SocketAddr) -> Vec<String> {
    let mut out: Vec<String> = public_url.map(|u| u.to_owned()).into_iter().collect();
    let port = addr.port();
    let ip = addr.ip();
    if ip.is_unspecified() || ip.is_loopback() {
        if ip.is_ipv6() && !ip.is_unspecified() {
            out.push(format!("http://[::1]:{port}"));
        } else {
            out.push(format!("http://127.0.0.1:{port}"));
        }
        out.push(format!("http://localhost:{port}"));
    } else {
        out.push(format!("http://{addr}"));
    }
    out.dedup();
    out
}

/// The demo world, if one was created (the openAuth test page's ids).
pub async fn current(core: &Core) -> Result<Option<DemoWorld>> {
    let Some(json) = core.store.meta_get(META_DEMO).await? else {
        return Ok(None);
    };
    let Ok(mut world) = serde_json::from_str::<DemoWorld>(&json) else {
        return Ok(None);
    };
    world.user_login = core
        .store
        .meta_get(META_DEMO_USER)
        .await?
        .unwrap_or_default();
    Ok(Some(world))
}

/// Creates the demo world unless it exists, registers `page_origins` (see [`page_origins`]) for
/// its internal app, and creates the demo user unless there is one; returns the world.
pub async fn ensure(
    core: &Core,
    origin: &crate::Origin,
    page_origins: &[String],
) -> Result<DemoWorld> {
    let mut world = match current(core).await? {
        Some(world) => world,
        None => create(core, origin).await?,
    };
    let internal = world.internal_client_id.as_str();
    if !page_origins.is_empty() {
        let wanted = super::apps::AppUris {
            redirect_uris: Vec::new(),
            origins: page_origins.to_vec(),
        };
        super::apps::add_app_uris(core, origin, internal, &wanted).await?;
    }
    let points: Vec<String> = INTERNAL_POINTS.iter().map(|p| (*p).to_owned()).collect();
    super::points::add_missing_app_points(core, origin, internal, &points).await?;
    if world.user_login.is_empty() {
        let (login, password) = create_user(core, origin, &world).await?;
        world.user_login = login;
        world.user_password = Some(password);
    }
    Ok(world)
}

/// Creates the demo user: `demo` (or `demo-NNNN` when that name is taken by someone else), with
/// a random password; returns the sign-in name and the password.
async fn create_user(
    core: &Core,
    origin: &crate::Origin,
    world: &DemoWorld,
) -> Result<(String, String)> {
    let (password, suffix) = core.with_rng(|rng| {
        use rand::Rng;
        let secret = Secret::generate_client_secret(rng);
        (secret.expose()[..16].to_owned(), rng.gen_range(1000..10000))
    });
    let login = match core.store.get_user_by_login("demo").await? {
        None => "demo".to_owned(),
        Some(_) => format!("demo-{suffix}"),
    };
    let user: super::seed::SeedUser = serde_json::from_value(serde_json::json!({
        "login": login,
        "password": password,
        "nick": "Demo User",
        "orgs": [
            { "corpId": world.demo_corp_id, "role": "admin", "title": "Administrator" },
            { "corpId": world.partner_corp_id, "role": "member" },
        ],
    }))
    .map_err(|e| super::Error::Internal(e.into()))?;
    let doc = SeedDoc {
        points: vec![],
        orgs: vec![],
        apps: vec![],
        installations: vec![],
        users: vec![user],
    };
    seed::apply(core, origin, &doc).await?;
    core.store.meta_init(META_DEMO_USER, &login).await?;
    Ok((login, password))
}

/// Creates the orgs and apps of the demo world.
async fn create(core: &Core, origin: &crate::Origin) -> Result<DemoWorld> {
    let (demo, partner, internal, third, s1, s2) = core.with_rng(|rng| {
        (
            CorpId::generate(rng),
            CorpId::generate(rng),
            ClientId::generate(rng, false),
            ClientId::generate(rng, true),
            Secret::generate_client_secret(rng),
            Secret::generate_client_secret(rng),
        )
    });
    let doc = SeedDoc {
        points: vec![],
        orgs: vec![
            SeedOrg {
                corp_id: demo.clone(),
                name: "Demo Org".into(),
                auth_info: Some(opending_domain::OrgAuthInfo {
                    auth_level: 1,
                    license_org_name: Some("Demo Org Co., Ltd.".into()),
                    legal_person: Some("Zhang San".into()),
                    ..Default::default()
                }),
                sso_secret: None,
                departments: Vec::new(),
            },
            SeedOrg {
                corp_id: partner.clone(),
                name: "Partner Org".into(),
                auth_info: None,
                sso_secret: None,
                departments: Vec::new(),
            },
        ],
        apps: vec![
            SeedApp {
                client_id: internal.clone(),
                client_secret: Some(s1.clone()),
                name: "Demo internal app".into(),
                owner: demo.clone(),
                distribution: Distribution::Internal,
                points: INTERNAL_POINTS.iter().map(|p| (*p).into()).collect(),
                redirect_uris: vec![],
                origins: vec![],
                custom: false,
                admin_url: None,
                event_callback: None,
            },
            SeedApp {
                client_id: third.clone(),
                client_secret: Some(s2.clone()),
                name: "Demo third-party app".into(),
                owner: demo.clone(),
                distribution: Distribution::ThirdParty,
                points: vec!["Contact.Org.Read".into()],
                redirect_uris: vec![],
                origins: vec![],
                custom: false,
                admin_url: None,
                event_callback: None,
            },
        ],
        installations: vec![SeedInstallation {
            client_id: third.clone(),
            corp_id: partner.clone(),
            status: InstallationStatus::Active,
            grants: vec![".default".into()],
        }],
        users: vec![],
    };
    seed::apply(core, origin, &doc).await?;
    let world = DemoWorld {
        demo_corp_id: demo.into(),
        partner_corp_id: partner.into(),
        internal_client_id: internal.into(),
        third_party_client_id: third.into(),
        secrets: Some((s1.expose().to_owned(), s2.expose().to_owned())),
        user_login: String::new(),
        user_password: None,
    };
    let json = serde_json::to_string(&world).map_err(|e| super::Error::Internal(e.into()))?;
    core.store.meta_init(META_DEMO, &json).await?;
    Ok(world)
}

impl DemoWorld {
    /// The text printed at start: ids, secrets (first run) and a curl that gets a token.
    pub fn banner(&self, base_url: &str) -> String {
        let (s1, s2) = match &self.secrets {
            Some((a, b)) => (a.clone(), b.clone()),
            None => (
                "<shown at first start>".into(),
                "<shown at first start>".into(),
            ),
        };
        let mut out = format!(
            "\n== opending demo world ==\n\
             Demo Org              corpId       {demo}\n\
             \x20 internal app        clientId     {ic}\n\
             \x20                     clientSecret {s1}\n\
             \x20 third-party app     clientId     {tc}\n\
             \x20                     clientSecret {s2}\n\
             Partner Org           corpId       {partner}   (has the third-party app installed)\n\n\
             Get an app access token:\n\
             \x20 curl -s -X POST {base_url}/v1.0/oauth2/{demo}/token \\\n\
             \x20   -H 'Content-Type: application/json' \\\n\
             \x20   -d '{{\"client_id\":\"{ic}\",\"client_secret\":\"{s1}\",\"grant_type\":\"client_credentials\"}}'\n\n\
             Then read the org's certification info with it (the app holds Contact.Org.Read):\n\
             \x20 curl -s {base_url}/v1.0/contact/organizations/authInfos \\\n\
             \x20   -H 'x-acs-dingtalk-access-token: <access_token>'\n",
            demo = self.demo_corp_id,
            partner = self.partner_corp_id,
            ic = self.internal_client_id,
            tc = self.third_party_client_id,
        );
        let password = self
            .user_password
            .clone()
            .unwrap_or_else(|| "<shown at first start>".into());
        out.push_str(&format!(
            "\nDemo user (admin of Demo Org, member of Partner Org)\n\
             \x20 login {login}   password {password}\n\
             \x20 sign in           {base_url}/login\n\
             \x20 developer console {base_url}/console\n\
             \x20 org admin         {base_url}/org/{demo}\n\
             \x20 openAuth test     {base_url}/demo/openauth\n",
            login = self.user_login,
            demo = self.demo_corp_id,
        ));
        if self.secrets.is_none() {
            out.push_str(&format!(
                "\nSecrets and the password are stored hashed and were printed when the demo world\n\
                 was created. For a new secret: opending admin app rotate-secret {}; for a new\n\
                 world: start once with --memory, or with an empty data directory.\n",
                self.internal_client_id
            ));
        }
        out
    }
}
