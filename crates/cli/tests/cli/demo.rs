//! `opending serve --demo`: prints ids, secrets and a curl that really gets a token.

use crate::process::*;

#[tokio::test]
async fn demo_prints_a_working_recipe() {
    let backend = Backend::sqlite();
    let mut args = storage_args(&backend);
    args.push("--demo".into());
    let server = Server::start(bin(), &args);
    let banner = server.banner.join("\n");
    // Pull the JSON body out of the printed curl and send it to the printed URL.
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://") && w.ends_with("/token"))
        .expect("curl URL in banner")
        .to_owned();
    let body = banner
        .split("-d '")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("curl body in banner");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    let (status, token) = post(&url, json, None).await;
    assert_eq!(status, 200, "{token}\n{banner}");
    assert!(
        banner.contains("Partner Org") && banner.contains("suite"),
        "{banner}"
    );
    // The demo user and where to try the pages with it.
    assert!(banner.contains("login demo   password "), "{banner}");
    assert!(
        !banner.contains("password <shown at first start>"),
        "{banner}"
    );
    let test_page = banner
        .split_whitespace()
        .find(|w| w.ends_with("/demo/openauth"))
        .expect("openAuth test page URL in banner");
    let page = reqwest::get(test_page).await.unwrap();
    assert_eq!(page.status(), 200);
    let first_ids: Vec<String> = banner
        .split_whitespace()
        .filter(|w| w.starts_with("ding"))
        .map(str::to_owned)
        .collect();
    drop(server);

    // A second start finds the same world and does not invent new secrets.
    let again = Server::start(bin(), &args);
    let banner2 = again.banner.join("\n");
    for id in &first_ids {
        assert!(
            banner2.contains(id.as_str()),
            "{id} missing on restart:\n{banner2}"
        );
    }
    assert!(banner2.contains("<shown at first start>"));
    assert!(
        banner2.contains("login demo   password <shown at first start>"),
        "{banner2}"
    );
}
