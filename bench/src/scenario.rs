//! The scenarios: what each request is, which status counts as success, and what each
//! connection keeps between requests (a refresh-token chain, the cold pool's position).

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
};

use anyhow::{bail, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{header, Method, Request};
use serde_json::{json, Value};
use tokio::sync::{Mutex, OwnedRwLockReadGuard, RwLock};

use crate::client::{self, Sender};

/// The app and org of the seed file (docs/examples/world.yaml) the hot scenarios use.
pub const CORP: &str = "dingacme";
/// The internal app of world.yaml.
pub const CLIENT_ID: &str = "dingacmehr";
/// Its secret.
pub const CLIENT_SECRET: &str = "acme-hr-secret-0123456789abcdef";
/// A member of `CORP` the user-token scenarios act for.
pub const UNION_ID: &str = "aliceUnionId0000000001";
/// The org that owns the generated apps.
pub const BENCH_CORP: &str = "dingbench";
/// The secret of every generated app.
pub const BENCH_SECRET: &str = "bench-secret-0123456789abcdef";

/// The clientId of generated app `i`.
pub fn cold_app(i: u64) -> String {
    format!("benchapp{i}")
}

/// One scenario of docs/benchmarks.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// x: the ceiling, bare axum's `GET /ok`.
    BareGet,
    /// y: the ceiling, bare axum's JSON `POST` shaped like the token request.
    BarePost,
    /// z: `GET /_opending/ping`, the same binary doing no work.
    Baseline,
    /// a: `POST /v1.0/oauth2/{corp}/token`, same app and org every time.
    TokenHot,
    /// b: the same endpoint, a new token minted and stored on every request.
    TokenCold,
    /// c: `GET /v1.0/contact/organizations/authInfos` with a valid app token.
    AuthInfos,
    /// d: authInfos with a distinct invalid token on every request.
    InvalidTokens,
    /// e: `GET /v1.0/contact/users/me` with a user token.
    UserMe,
    /// f: `POST /v1.0/oauth2/userAccessToken`, authorization_code, a fresh code each time.
    CodeExchange,
    /// g: the same endpoint, refresh_token, each connection following its own rotation chain.
    Refresh,
    /// p: the peer, node-oidc-provider's `POST /token` with client_credentials.
    Peer,
}

/// Every scenario, in report order.
pub const ALL: &str = "x,y,z,a,b,c,d,e,f,g,p";

impl Scenario {
    /// Parses a scenario letter.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "x" => Self::BareGet,
            "y" => Self::BarePost,
            "z" => Self::Baseline,
            "a" => Self::TokenHot,
            "b" => Self::TokenCold,
            "c" => Self::AuthInfos,
            "d" => Self::InvalidTokens,
            "e" => Self::UserMe,
            "f" => Self::CodeExchange,
            "g" => Self::Refresh,
            "p" => Self::Peer,
            other => bail!("unknown scenario {other:?} (known: {ALL})"),
        })
    }

    /// Its letter.
    pub fn id(self) -> &'static str {
        match self {
            Self::BareGet => "x",
            Self::BarePost => "y",
            Self::Baseline => "z",
            Self::TokenHot => "a",
            Self::TokenCold => "b",
            Self::AuthInfos => "c",
            Self::InvalidTokens => "d",
            Self::UserMe => "e",
            Self::CodeExchange => "f",
            Self::Refresh => "g",
            Self::Peer => "p",
        }
    }

    /// What it measures, for the report.
    pub fn name(self) -> &'static str {
        match self {
            Self::BareGet => "bare axum GET /ok",
            Self::BarePost => "bare axum JSON POST /v1.0/oauth2/{corp}/token",
            Self::Baseline => "opending no-op GET /_opending/ping",
            Self::TokenHot => "app token hot POST /v1.0/oauth2/{corp}/token",
            Self::TokenCold => "app token cold (a new token minted and stored each time)",
            Self::AuthInfos => "authInfos, valid token",
            Self::InvalidTokens => "authInfos, distinct invalid tokens",
            Self::UserMe => "GET /v1.0/contact/users/me, user token",
            Self::CodeExchange => "authCode exchange POST /v1.0/oauth2/userAccessToken",
            Self::Refresh => "refresh rotation POST /v1.0/oauth2/userAccessToken",
            Self::Peer => "peer: node-oidc-provider POST /token (client_credentials)",
        }
    }

    /// Whether bare axum answers it (x, y) rather than opending or the peer.
    pub fn is_bare(self) -> bool {
        matches!(self, Self::BareGet | Self::BarePost)
    }

    /// The ceiling it is compared with: bare axum's JSON `POST` (y) for a POST, its `GET` (x)
    /// otherwise.
    pub fn ceiling(self) -> &'static str {
        match self {
            Self::BarePost
            | Self::TokenHot
            | Self::TokenCold
            | Self::CodeExchange
            | Self::Refresh
            | Self::Peer => "y",
            _ => "x",
        }
    }

    /// Whether every request of it is the same, so that a load tool replaying one request (wrk)
    /// measures the same thing.
    pub fn is_replayable(self) -> bool {
        matches!(
            self,
            Self::BareGet
                | Self::BarePost
                | Self::Baseline
                | Self::TokenHot
                | Self::AuthInfos
                | Self::UserMe
                | Self::Peer
        )
    }

    /// The status every request must get; anything else is an error.
    pub fn expected_status(self) -> u16 {
        match self {
            Self::InvalidTokens => 400,
            _ => 200,
        }
    }
}

/// (b)'s pool: `size` internal apps of one org, each asked once per round; before a round
/// starts the emulator clock moves past every token of the previous one, so each request finds
/// its app's token expired and mints (and stores) a new one.
///
/// A request holds a read guard of `gate` from the moment it takes its app until its answer is
/// in; the clock moves under the write guard, so no request of the old round can land after the
/// move (it would mint a token the new round would then merely renew).
pub struct ColdPool {
    /// Apps in the pool (`world::cold_app(i)`).
    pub size: u64,
    /// Rounds whose clock move is done, and the connection that moves it.
    rounds: Mutex<(u64, Option<Sender>)>,
    gate: Arc<RwLock<()>>,
    rounds_done: AtomicU64,
    /// A hash of the last token each app got, to prove the next one is new.
    last: Vec<AtomicU64>,
    next: AtomicU64,
    bodies: Vec<Bytes>,
}

/// How far each round moves the clock: past any app token's lifetime.
const ROUND_SECONDS: i64 = 86_400;

impl ColdPool {
    /// A pool over the first `size` bench apps.
    pub fn new(size: u64) -> Self {
        Self {
            size,
            rounds: Mutex::new((0, None)),
            gate: Arc::new(RwLock::new(())),
            rounds_done: AtomicU64::new(0),
            last: (0..size).map(|_| AtomicU64::new(0)).collect(),
            next: AtomicU64::new(0),
            bodies: (0..size)
                .map(|i| {
                    Bytes::from(
                        json!({"client_id": cold_app(i), "client_secret": BENCH_SECRET, "grant_type": "client_credentials"})
                            .to_string(),
                    )
                })
                .collect(),
        }
    }

    /// Takes the next app; moves the clock first when it opens a round. The guard is held
    /// until the answer is in.
    async fn take(&self, addr: &str) -> Result<(u64, OwnedRwLockReadGuard<()>)> {
        loop {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            let round = n / self.size + 1;
            if self.rounds_done.load(Ordering::Acquire) < round {
                let mut g = self.rounds.lock().await;
                while g.0 < round {
                    let _no_request_in_flight = self.gate.write().await;
                    if g.1.is_none() {
                        g.1 = Some(client::connect(addr).await?);
                    }
                    let s = g.1.as_mut().expect("connected");
                    client::call(
                        s,
                        addr,
                        "POST",
                        "/_opending/clock",
                        Some(&json!({ "advanceSeconds": ROUND_SECONDS })),
                        200,
                    )
                    .await?;
                    g.0 += 1;
                    self.rounds_done.store(g.0, Ordering::Release);
                }
            }
            let guard = self.gate.clone().read_owned().await;
            // A number from a round the clock has already left would renew a token minted
            // after the move: skip it.
            if self.rounds_done.load(Ordering::Acquire) == round {
                return Ok((n % self.size, guard));
            }
        }
    }
}

/// (f)'s codes, minted before the scenario; each one is exchanged once.
pub struct CodePool {
    codes: Vec<String>,
    next: AtomicUsize,
}

impl CodePool {
    /// A pool over these codes.
    pub fn new(codes: Vec<String>) -> Self {
        Self {
            codes,
            next: AtomicUsize::new(0),
        }
    }

    fn take(&self) -> Option<&str> {
        self.codes
            .get(self.next.fetch_add(1, Ordering::Relaxed))
            .map(String::as_str)
    }
}

/// What the connections of one scenario share.
pub struct Plan {
    /// The scenario.
    pub scenario: Scenario,
    /// `host:port` the requests go to (and their `Host` header).
    pub addr: String,
    /// (c): a valid app token.
    pub app_token: String,
    /// (e): a valid user token.
    pub user_token: String,
    /// (a): the token request's body.
    pub token_body: Bytes,
    /// (b).
    pub cold: Option<Arc<ColdPool>>,
    /// (f).
    pub codes: Option<Arc<CodePool>>,
    /// (g): one refresh token per connection, the start of its chain.
    pub refresh: Vec<String>,
}

impl Plan {
    /// A plan with nothing prepared, for the scenarios that need nothing.
    pub fn new(scenario: Scenario, addr: &str) -> Self {
        Self {
            scenario,
            addr: addr.to_owned(),
            app_token: String::new(),
            user_token: String::new(),
            token_body: Bytes::from(
                json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"})
                    .to_string(),
            ),
            cold: None,
            codes: None,
            refresh: Vec::new(),
        }
    }
}

/// One connection's view of a scenario.
pub struct Worker {
    plan: Arc<Plan>,
    conn: usize,
    /// (g): the refresh token to use next.
    refresh: String,
    /// (b): the app of the request in flight, and its hold on the round.
    app: u64,
    round: Option<OwnedRwLockReadGuard<()>>,
}

fn json_body(v: Value) -> Full<Bytes> {
    Full::new(Bytes::from(v.to_string()))
}

impl Worker {
    /// Connection `conn`'s worker.
    pub fn new(plan: Arc<Plan>, conn: usize) -> Self {
        let refresh = plan.refresh.get(conn).cloned().unwrap_or_default();
        Self {
            plan,
            conn,
            refresh,
            app: 0,
            round: None,
        }
    }

    /// The next request, or `None` when the prepared pool is used up (the connection stops);
    /// `n` numbers the scenario's requests across connections.
    pub async fn next(&mut self, n: u64) -> Result<Option<Request<Full<Bytes>>>> {
        // The previous request is over, answered or not.
        self.round = None;
        let p = &*self.plan;
        let b = Request::builder()
            .header(header::HOST, &p.addr)
            .header(header::USER_AGENT, "opending-bench");
        let token_uri = format!("/v1.0/oauth2/{CORP}/token");
        let r = match p.scenario {
            Scenario::BareGet => b.method(Method::GET).uri("/ok").body(Full::new(Bytes::new())),
            Scenario::Baseline => b.method(Method::GET).uri("/_opending/ping").body(Full::new(Bytes::new())),
            // The ceiling's POST is the hot token request, sent to bare axum.
            Scenario::TokenHot | Scenario::BarePost => b
                .method(Method::POST)
                .uri(token_uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(p.token_body.clone())),
            Scenario::TokenCold => {
                let pool = p.cold.as_ref().expect("cold pool prepared");
                let (app, guard) = pool.take(&p.addr).await?;
                (self.app, self.round) = (app, Some(guard));
                b.method(Method::POST)
                    .uri(format!("/v1.0/oauth2/{}/token", BENCH_CORP))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Full::new(pool.bodies[self.app as usize].clone()))
            }
            Scenario::AuthInfos => b
                .method(Method::GET)
                .uri("/v1.0/contact/organizations/authInfos")
                .header("x-acs-dingtalk-access-token", &p.app_token)
                .body(Full::new(Bytes::new())),
            Scenario::InvalidTokens => b
                .method(Method::GET)
                .uri("/v1.0/contact/organizations/authInfos")
                // 32 hex characters like a real token, never issued.
                .header("x-acs-dingtalk-access-token", format!("{:08x}{:024x}", self.conn, n))
                .body(Full::new(Bytes::new())),
            Scenario::UserMe => b
                .method(Method::GET)
                .uri("/v1.0/contact/users/me")
                .header("x-acs-dingtalk-access-token", &p.user_token)
                .body(Full::new(Bytes::new())),
            Scenario::CodeExchange => {
                let Some(code) = p.codes.as_ref().expect("codes prepared").take() else {
                    return Ok(None);
                };
                b.method(Method::POST)
                    .uri("/v1.0/oauth2/userAccessToken")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(json_body(json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "code": code, "grantType": "authorization_code"})))
            }
            Scenario::Refresh => b
                .method(Method::POST)
                .uri("/v1.0/oauth2/userAccessToken")
                .header(header::CONTENT_TYPE, "application/json")
                .body(json_body(json!({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "grantType": "refresh_token", "refreshToken": self.refresh}))),
            Scenario::Peer => b
                .method(Method::POST)
                .uri("/token")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Full::new(Bytes::from_static(crate::peer::TOKEN_FORM.as_bytes()))),
        };
        Ok(Some(r?))
    }

    /// Checks an answer with the expected status beyond its status; an error message if wrong.
    pub fn check(&mut self, body: &[u8]) -> Option<String> {
        self.round = None;
        match self.plan.scenario {
            Scenario::TokenCold => {
                let v: Value = serde_json::from_slice(body).ok()?;
                let token = v["access_token"].as_str()?;
                let mut h = DefaultHasher::new();
                token.hash(&mut h);
                let pool = self.plan.cold.as_ref()?;
                let before = pool.last[self.app as usize].swap(h.finish(), Ordering::Relaxed);
                (before == h.finish()).then(|| {
                    format!(
                        "app {} got its previous token again: renewed, not minted",
                        self.app
                    )
                })
            }
            Scenario::Refresh => {
                let v: Value = serde_json::from_slice(body).ok()?;
                match v["refreshToken"].as_str() {
                    Some(t) if t != self.refresh => {
                        self.refresh = t.to_owned();
                        None
                    }
                    _ => Some("the refresh token did not rotate".to_owned()),
                }
            }
            _ => None,
        }
    }
}
