//! The demo world of `opending serve --demo`: a demo org with an internal app, and a partner org
//! where the demo org's third-party app is installed. Created once; later starts find it again.

use opending_domain::{ClientId, CorpId, Distribution, InstallationStatus, Secret};
use serde::{Deserialize, Serialize};

use super::{
    seed::{self, SeedApp, SeedDoc, SeedInstallation, SeedOrg},
    Result,
};
use crate::Core;

const META_DEMO: &str = "demo_world";

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
}

/// Creates the demo world unless it exists; returns it.
pub async fn ensure(core: &Core, origin: &crate::Origin) -> Result<DemoWorld> {
    if let Some(json) = core.store.meta_get(META_DEMO).await? {
        if let Ok(world) = serde_json::from_str::<DemoWorld>(&json) {
            return Ok(world);
        }
    }
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
                points: vec!["Contact.Org.Read".into()],
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
        if self.secrets.is_none() {
            out.push_str(&format!(
                "\nSecrets are stored hashed and were printed when the demo world was created.\n\
                 For a new one: opending admin app rotate-secret {}\n",
                self.internal_client_id
            ));
        }
        out
    }
}
