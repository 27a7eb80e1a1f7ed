//! Driving the pages like a browser would (cookies, CSRF tokens, no automatic redirects), and
//! running the real-browser scripts of `tests/browser/` (headless Chromium via playwright-core).

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::helpers::*;
use serde_json::{json, Value};

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Chromium the scripts launch (`OPENDING_CHROMIUM`, default Debian's).
pub fn chromium() -> PathBuf {
    std::env::var_os("OPENDING_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the browser scripts, if anything.
pub fn missing() -> Option<String> {
    let mut missing = Vec::new();
    let chromium = chromium();
    if !chromium.exists() {
        missing.push(format!(
            "{} (Debian package chromium: apt-get install chromium)",
            chromium.display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node on PATH (Debian package nodejs)".to_owned());
    }
    if !repo()
        .join("tests/browser/node_modules/playwright-core/package.json")
        .exists()
    {
        missing
            .push("npm playwright-core in tests/browser (cd tests/browser && npm ci)".to_owned());
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// Whether a browser test must skip: when something it needs is [`missing`], it says what and
/// skips — unless `OPENDING_REQUIRE_BROWSER=1` (set by `.ci/run`), which makes that a failure.
pub fn skip_browser_test(test: &str) -> bool {
    let Some(what) = missing() else { return false };
    if std::env::var("OPENDING_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!(
            "the {test} needs {what} (OPENDING_REQUIRE_BROWSER=1); run scripts/test to install it"
        );
    }
    eprintln!("NOTICE: skipping the {test}: missing {what}; run scripts/test to install it");
    true
}

/// Asserts `path` is a real PNG screenshot (not an empty or error file).
pub fn assert_png(path: &Path) {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("screenshot {}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 5_000,
        "{} is not a real PNG screenshot",
        path.display()
    );
}

/// A run of one script of `tests/browser/` against a test server.
pub struct BrowserScript<'a> {
    /// The script, e.g. `console-org.e2e.cjs`.
    pub script: &'a str,
    /// `OPENDING_WORLD`: the apps, orgs and users it may use.
    pub world: Value,
    /// Where its screenshots belong in the repository. A run writes them to a fresh folder under
    /// the build's temporary directory (`OPENDING_SCREENSHOTS`), so the check that each was
    /// written is real and a test run leaves the tree clean; with `OPENDING_UPDATE_SCREENSHOTS=1`
    /// they are then copied here.
    pub shots_dir: &'a str,
    /// More environment for the script.
    pub env: Vec<(&'a str, String)>,
    /// How many scenarios must pass (its last line reads `N passed, 0 failed`).
    pub scenarios: usize,
    /// The screenshots it must write (names without `.png`).
    pub shots: &'a [&'a str],
}

impl BrowserScript<'_> {
    /// Runs the script in node against `app` (with `OPENDING_BASE` and `OPENDING_CHROMIUM`),
    /// and asserts every scenario passed and every screenshot was written. Returns the
    /// script's output.
    pub async fn run(self, app: &TestApp) -> String {
        let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("screenshots")
            .join(self.script)
            .join(app.base.rsplit(':').next().unwrap_or("0"));
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        let mut cmd = Command::new("node");
        cmd.current_dir(repo().join("tests/browser"))
            .arg(self.script)
            .env("OPENDING_BASE", &app.base)
            .env("OPENDING_WORLD", self.world.to_string())
            .env("OPENDING_SCREENSHOTS", &shots)
            .env("OPENDING_CHROMIUM", chromium());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("node starts"))
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("{stdout}");
        assert!(
            out.status.success(),
            "{} failed:\n{stdout}\n{stderr}",
            self.script
        );
        let all = format!("{} passed, 0 failed", self.scenarios);
        assert!(
            stdout.lines().any(|l| l == all),
            "every scenario of {} ran ({all}):\n{stdout}",
            self.script
        );
        for name in self.shots {
            assert_png(&shots.join(format!("{name}.png")));
        }
        if std::env::var("OPENDING_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
            let docs = repo().join(self.shots_dir);
            for entry in std::fs::read_dir(&shots).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, docs.join(path.file_name().unwrap())).unwrap();
            }
        }
        stdout
    }
}

impl TestApp {
    /// Stops the server, failing the test if that takes more than 10 s.
    pub async fn stop_soon(self) {
        tokio::time::timeout(Duration::from_secs(10), self.stop())
            .await
            .expect("the server stops");
    }
}

/// A cookie-keeping client that does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="csrf" value="…"` or `data-csrf="…"` in a page.
pub fn csrf_in(html: &str) -> String {
    for marker in ["name=\"csrf\" value=\"", "data-csrf=\""] {
        if let Some(i) = html.find(marker) {
            let rest = &html[i + marker.len()..];
            return rest[..rest.find('"').unwrap()].to_owned();
        }
    }
    panic!("no CSRF token in page:\n{html}")
}

impl TestApp {
    /// A browser signed in as `(union, login, password)`.
    pub async fn signed_in(&self, (_, login, password): (&str, &str, &str)) -> reqwest::Client {
        let b = browser();
        let page = b
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_in(&page);
        let r = b
            .post(format!("{}/login", self.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", "/account"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            303,
            "sign-in failed: {}",
            r.text().await.unwrap()
        );
        b
    }

    /// Opens the consent page for `params` and posts `decision` through the JSON API, as the
    /// page's script does. Returns the component's result.
    pub async fn openauth(&self, b: &reqwest::Client, params: &Value, decision: &str) -> Value {
        let mut q: Vec<(String, String)> = params
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        // Only HR registered an origin (docs/examples/world.yaml); other apps get no postMessage.
        let origin = (params["clientId"] == HR.0).then_some("https://hr.acme.example");
        if let Some(o) = origin {
            q.push(("origin".into(), o.into()));
        }
        let page = b
            .get(format!("{}/openauth", self.base))
            .query(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let csrf = csrf_in(&html);
        let mut body = params.clone();
        body["decision"] = json!(decision);
        if let Some(o) = origin {
            body["origin"] = json!(o);
        }
        let r = b
            .post(format!("{}/openauth/api/decision", self.base))
            .header("x-csrf-token", csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    }

    /// A type-0 authCode for HR in Acme, consented by `user`.
    pub async fn hr_code(&self, user: (&str, &str, &str), rpc: &str, field: &str) -> String {
        let b = self.signed_in(user).await;
        let r = self
            .openauth(&b, &json!({"type": "0", "clientId": HR.0, "corpId": ACME, "rpcScope": rpc, "fieldScope": field}), "allow")
            .await;
        assert_eq!(r["status"], "ok", "{r}");
        r["result"]["authCode"].as_str().unwrap().to_owned()
    }

    /// `POST /v1.0/oauth2/userAccessToken`.
    pub async fn user_token(&self, body: Value) -> Answer {
        self.post_json("/v1.0/oauth2/userAccessToken", &body).await
    }

    /// Exchanges a code for HR.
    pub async fn exchange(&self, code: &str) -> Answer {
        self.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "code": code, "grantType": "authorization_code", "refreshToken": ""}))
            .await
    }

    /// Refreshes for HR.
    pub async fn refresh(&self, refresh: &str) -> Answer {
        self.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "refreshToken": refresh, "grantType": "refresh_token"}))
            .await
    }

    /// `GET /v1.0/contact/users/{which}`.
    pub async fn user_info(&self, token: &str, which: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}/v1.0/contact/users/{which}", self.base))
                .header("x-acs-dingtalk-access-token", token),
        )
        .await
    }
}
