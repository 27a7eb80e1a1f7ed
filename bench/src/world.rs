//! The world the scenarios need, prepared through the emulator's control API before each
//! scenario and never inside a measured window: the bench org and its apps (seeded in batches
//! through `POST /_opending/seed`), tokens, and authorization codes minted through
//! `POST /_opending/codes` (docs/emulator.md).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::{
    client::{self, Sender},
    scenario::{
        cold_app, CodePool, ColdPool, Plan, Scenario, BENCH_CORP, BENCH_SECRET, CLIENT_ID,
        CLIENT_SECRET, CORP, UNION_ID,
    },
};

/// Apps per `POST /_opending/seed` (the document stays well under its 1 MiB limit).
const SEED_BATCH: u64 = 2_000;
/// Concurrent connections for setup calls (minting codes, issuing live tokens).
const SETUP_CONNECTIONS: usize = 16;

/// The server under test and what has been prepared on it.
pub struct World {
    addr: String,
    setup: Sender,
    /// Generated apps that exist.
    apps: u64,
    /// Codes (f) exchanged per second in the last run, to size the next run's pool.
    pub code_rate: f64,
    /// Apps in (b)'s pool.
    pub cold_pool: u64,
}

impl World {
    /// Connects to the server at `addr` (which must run in emulator mode).
    pub async fn new(addr: &str, code_rate: f64, cold_pool: u64) -> Result<Self> {
        Ok(Self {
            addr: addr.to_owned(),
            setup: client::connect(addr).await?,
            apps: 0,
            code_rate,
            cold_pool,
        })
    }

    /// One set-up request on the kept connection. The server closes a connection idle for
    /// longer than its header read timeout (10 s), as the kept one is while scenarios run; then
    /// this connects again and sends the request once more (it never reached the server).
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        expect: u16,
    ) -> Result<Value> {
        if self.setup.is_closed() {
            self.setup = client::connect(&self.addr).await?;
        }
        client::call(&mut self.setup, &self.addr, method, path, body, expect).await
    }

    /// Makes generated apps 0..n exist (internal apps of [`BENCH_CORP`]).
    pub async fn ensure_apps(&mut self, n: u64) -> Result<()> {
        if self.apps >= n {
            return Ok(());
        }
        let started = Instant::now();
        while self.apps < n {
            let end = (self.apps + SEED_BATCH).min(n);
            let apps: Vec<Value> = (self.apps..end)
                .map(|i| json!({"clientId": cold_app(i), "clientSecret": BENCH_SECRET, "name": format!("Bench app {i}"), "owner": BENCH_CORP, "distribution": "internal"}))
                .collect();
            let doc = json!({"orgs": [{"corpId": BENCH_CORP, "name": "Bench"}], "apps": apps});
            self.call("POST", "/_opending/seed", Some(&doc), 200)
                .await
                .context("seeding the bench apps")?;
            self.apps = end;
        }
        eprintln!(
            "  seeded {n} bench apps in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// A valid app token of the world.yaml app.
    pub async fn app_token(&mut self) -> Result<String> {
        let body = json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"});
        let v = self
            .call(
                "POST",
                &format!("/v1.0/oauth2/{CORP}/token"),
                Some(&body),
                200,
            )
            .await?;
        match v["access_token"].as_str() {
            Some(t) => Ok(t.to_owned()),
            None => bail!("the token answer has no access_token: {v}"),
        }
    }

    /// Mints `n` codes for (world.yaml's app, Alice) over a few connections.
    pub async fn mint_codes(&mut self, n: usize) -> Result<Vec<String>> {
        let started = Instant::now();
        let per = n.div_ceil(SETUP_CONNECTIONS);
        let mut tasks = Vec::new();
        for k in 0..SETUP_CONNECTIONS {
            let count = per.min(n.saturating_sub(k * per));
            let addr = self.addr.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = client::connect(&addr).await?;
                let body = json!({"clientId": CLIENT_ID, "unionId": UNION_ID, "corpId": CORP, "scopes": ["Contact.User.Read"]});
                let mut codes = Vec::with_capacity(count);
                for _ in 0..count {
                    let v = client::call(&mut s, &addr, "POST", "/_opending/codes", Some(&body), 201).await?;
                    codes.push(v["authCode"].as_str().context("no authCode in the answer")?.to_owned());
                }
                anyhow::Ok(codes)
            }));
        }
        let mut codes = Vec::with_capacity(n);
        for t in tasks {
            codes.extend(t.await??);
        }
        eprintln!(
            "  minted {n} codes in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(codes)
    }

    /// Exchanges a code: (accessToken, refreshToken).
    async fn exchange(&mut self, code: &str) -> Result<(String, String)> {
        let body = json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "code": code, "grantType": "authorization_code"});
        let v = self
            .call("POST", "/v1.0/oauth2/userAccessToken", Some(&body), 200)
            .await?;
        match (v["accessToken"].as_str(), v["refreshToken"].as_str()) {
            (Some(a), Some(r)) => Ok((a.to_owned(), r.to_owned())),
            _ => bail!("the exchange answer lacks accessToken/refreshToken: {v}"),
        }
    }

    /// Issues one app token for each of generated apps 0..n (so n tokens are live at once).
    pub async fn live_tokens(&mut self, n: u64) -> Result<Duration> {
        self.ensure_apps(n).await?;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..SETUP_CONNECTIONS as u64 {
            let addr = self.addr.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = client::connect(&addr).await?;
                let path = format!("/v1.0/oauth2/{BENCH_CORP}/token");
                let mut i = k;
                while i < n {
                    let body = json!({"client_id": cold_app(i), "client_secret": BENCH_SECRET, "grant_type": "client_credentials"});
                    client::call(&mut s, &addr, "POST", &path, Some(&body), 200).await?;
                    i += SETUP_CONNECTIONS as u64;
                }
                anyhow::Ok(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        Ok(started.elapsed())
    }

    /// Prepares what `scenario` needs for a run of `seconds` (warm-up included) on
    /// `connections` connections; `addr` is where its requests go.
    pub async fn plan(
        &mut self,
        scenario: Scenario,
        addr: &str,
        connections: usize,
        seconds: f64,
    ) -> Result<Plan> {
        let mut plan = Plan::new(scenario, addr);
        match scenario {
            Scenario::TokenCold => {
                self.ensure_apps(self.cold_pool).await?;
                plan.cold = Some(Arc::new(ColdPool::new(self.cold_pool)));
            }
            Scenario::AuthInfos => plan.app_token = self.app_token().await?,
            Scenario::UserMe => {
                let code = self.mint_codes(1).await?.remove(0);
                plan.user_token = self.exchange(&code).await?.0;
            }
            Scenario::CodeExchange => {
                // Enough for the whole run at the best rate measured so far, with a margin (runs of
                // one session differed by up to 1.4 x); a run that still runs out ends early
                // and says so.
                let n = ((self.code_rate * seconds * 1.8) as usize).max(connections * 4);
                plan.codes = Some(Arc::new(CodePool::new(self.mint_codes(n).await?)));
            }
            Scenario::Refresh => {
                let codes = self.mint_codes(connections).await?;
                for c in codes {
                    plan.refresh.push(self.exchange(&c).await?.1);
                }
            }
            _ => {}
        }
        Ok(plan)
    }
}
