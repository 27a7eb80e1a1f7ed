//! Rate limits, in memory per instance (docs/security.md, "Rate limits"):
//!
//! * per app and API — `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`, charged once the app is
//!   known to be the caller (valid credentials or a valid access token), so nobody can spend
//!   another app's budget by naming its clientId;
//! * per source address on the token, sign-in and consent endpoints —
//!   `Forbidden.AccessDenied.IpLimit`;
//! * wrong client secrets per (clientId, address) — after too many, that address's attempts for
//!   that clientId are refused *before* the secret is looked at, so guessing learns nothing,
//!   while the app's own servers (other addresses) keep getting tokens;
//! * wrong admin keys at `/operator/login` per address — the same gate, keyed by the address
//!   alone (there is one admin key), so a guesser is refused while the operator signs in from
//!   elsewhere.
//!
//! The token buckets are `governor`'s keyed GCRA limiters (one atomic per key, no lock on the
//! hot path); a background task drops idle keys so memory stays bounded.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::{Arc, Weak},
    time::Duration,
};

use governor::{clock::Clock as _, DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use moka::sync::Cache;
use opending_domain::{ApiError, ErrorCode, UnixTime};

use crate::{config::Config, metrics::Metrics, Origin};

/// Routes whose requests count against the per-address limit: the token endpoints, sign-in and
/// the consent decisions.
pub const ADDRESS_LIMITED_ROUTES: &[&str] = &[
    "/v1.0/oauth2/{corp_id}/token",
    "/v1.0/oauth2/accessToken",
    "/v1.0/oauth2/userAccessToken",
    "/v1.0/oauth2/introspect",
    "/login",
    "/operator/login",
    "/oauth2/auth/decision",
    "/openauth/api/decision",
];

/// How often idle keys are dropped from the limiters.
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Most (clientId, address) pairs whose secret failures are remembered.
const MAX_FAILURE_KEYS: u64 = 100_000;

/// What a wrong guess was a guess at: the failure gate counts each separately per address.
///
/// A clientId is the caller's choice and may be any length, so it is kept as a 128-bit digest
/// of what was sent ([`Guess::client_secret`]): every key of the failure cache has the same
/// small size, and the cache's entry cap bounds its bytes too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Guess {
    /// The client secret of the clientId with this digest.
    ClientSecret([u8; 16]),
    /// The admin key (`/operator/login`, the admin API, introspection).
    AdminKey,
}

impl Guess {
    /// A guess at the client secret of `client_id` (as presented, valid or not).
    pub fn client_secret(client_id: &str) -> Self {
        Self::ClientSecret(digest(client_id))
    }
}

/// A 128-bit digest of a caller-chosen string, to key in-memory maps by a fixed-size value.
/// Not a secret: collisions only merge two counters, and finding one takes 2^64 work.
pub fn digest(s: &str) -> [u8; 16] {
    use sha2::Digest as _;
    let full = sha2::Sha256::digest(s.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// The key an address is limited under: an IPv4 address itself (IPv4-mapped IPv6 included),
/// an IPv6 address by its /64, the smallest block one subscriber is usually given, so a host
/// cannot escape a limit by walking its own /64.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// The limiters of one instance.
pub struct Limits {
    enabled: bool,
    app_api: Arc<DefaultKeyedRateLimiter<(String, String)>>,
    address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    failures: Cache<(Guess, IpAddr), (u32, i64)>,
    max_failures: u32,
    failure_window: i64,
    trusted: Vec<IpNet>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

fn quota(per_second: u32, burst: u32) -> Quota {
    let nz = |v: u32| NonZeroU32::new(v.max(1)).expect("at least 1");
    Quota::per_second(nz(per_second)).allow_burst(nz(burst))
}

impl Limits {
    /// Charges a call of `client_id` to its route (nothing outside an HTTP request).
    pub fn charge_request(
        &self,
        origin: &Origin,
        client_id: &str,
        now: UnixTime,
    ) -> Result<(), ApiError> {
        if origin.request_id.is_none() {
            return Ok(());
        }
        let route = origin.route.as_deref().unwrap_or("unmatched");
        self.charge_app(client_id, route, now)
    }

    /// [`Limits::secret_gate`] for the caller's address.
    pub fn secret_gate_for(
        &self,
        origin: &Origin,
        client_id: &str,
        now: UnixTime,
    ) -> Result<(), ApiError> {
        self.secret_gate(client_id, origin.client_address, now)
    }

    /// [`Limits::secret_failed`] for the caller's address.
    pub fn secret_failed_for(&self, origin: &Origin, client_id: &str, now: UnixTime) {
        self.secret_failed(client_id, origin.client_address, now);
    }

    /// Builds the limiters from the configuration (validated before).
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let l = &config.limits;
        let window = l.secret_failure_window_s;
        Ok(Self {
            enabled: config.limits_enabled(),
            app_api: Arc::new(RateLimiter::keyed(quota(
                l.app_api_per_second,
                l.app_api_burst,
            ))),
            address: Arc::new(RateLimiter::keyed(quota(
                l.address_per_second,
                l.address_burst,
            ))),
            // The entry lives `window` seconds from the last counted failure; refusals are not
            // counted, so an address that keeps hammering is let back after one quiet window.
            failures: Cache::builder()
                .max_capacity(MAX_FAILURE_KEYS)
                .time_to_live(Duration::from_secs(window))
                .build(),
            max_failures: l.secret_failures,
            failure_window: i64::try_from(window).unwrap_or(i64::MAX),
            trusted: l.trusted_networks()?,
            metrics,
        })
    }

    /// Whether the limits apply.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Starts the task that drops idle keys (it ends when the limits are dropped).
    pub fn start_sweeper(self: &Arc<Self>) {
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(l) = weak.upgrade() else { return };
                l.app_api.retain_recent();
                l.app_api.shrink_to_fit();
                l.address.retain_recent();
                l.address.shrink_to_fit();
            }
        });
    }

    /// The client's address: the peer's, or — when the peer is a trusted proxy — the last
    /// address in `X-Forwarded-For` (`forwarded_for`: the header's values, in order) that is not
    /// itself a trusted proxy. The header is ignored from any other peer, since anyone can send
    /// it.
    pub fn client_address<'h>(
        &self,
        peer: Option<SocketAddr>,
        forwarded_for: impl IntoIterator<Item = &'h str>,
    ) -> Option<IpAddr> {
        let peer = peer?.ip();
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let hops: Vec<IpAddr> = forwarded_for
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .collect();
        // Walk from the nearest hop outwards; the first untrusted one is the client as far as
        // our own proxies can vouch. If every hop is trusted, the farthest one is the client.
        Some(
            hops.iter()
                .rev()
                .find(|ip| !self.is_trusted(**ip))
                .or(hops.first())
                .copied()
                .unwrap_or(peer),
        )
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.trusted.iter().any(|n| n.contains(&ip))
    }

    /// Charges one request of `client_id` to `route`; refuses it past the app's budget.
    pub fn charge_app(&self, client_id: &str, route: &str, now: UnixTime) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        match self
            .app_api
            .check_key(&(client_id.to_owned(), route.to_owned()))
        {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.app_api.clock().now());
                self.metrics.limited("app_api");
                tracing::info!(client_id, route, "per-app per-API rate limit reached");
                Err(limited(ErrorCode::QpsLimitForAppkeyAndApi, now, wait))
            }
        }
    }

    /// Whether `route` counts against the per-address limit, and if so charges `address`.
    pub fn charge_address(
        &self,
        route: &str,
        address: Option<IpAddr>,
        now: UnixTime,
    ) -> Result<(), ApiError> {
        let Some(address) = address.filter(|_| self.enabled) else {
            return Ok(());
        };
        if !ADDRESS_LIMITED_ROUTES.contains(&route) {
            return Ok(());
        }
        match self.address.check_key(&address_key(address)) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.address.clock().now());
                self.metrics.limited("address");
                tracing::info!(%address, route, "per-address rate limit reached");
                Err(limited(ErrorCode::IpLimit, now, wait))
            }
        }
    }

    /// Refuses a client-secret check outright when `address` has presented too many wrong
    /// secrets for `client_id` lately. Call before looking at the secret.
    pub fn secret_gate(
        &self,
        client_id: &str,
        address: Option<IpAddr>,
        now: UnixTime,
    ) -> Result<(), ApiError> {
        self.failure_gate(&Guess::client_secret(client_id), address, now)
            .map_err(|wait| {
                tracing::warn!(
                    client_id = %crate::telemetry::cut(client_id, crate::telemetry::MAX_LOGGED),
                    ?address,
                    "client secret attempts refused after repeated failures"
                );
                limited(ErrorCode::IpLimit, now, wait)
            })
    }

    /// Counts a wrong secret presented for `client_id` from `address`.
    pub fn secret_failed(&self, client_id: &str, address: Option<IpAddr>, now: UnixTime) {
        self.failed(Guess::client_secret(client_id), address, now);
    }

    /// `Err(how long until it lifts)` when `address` has made `limits.secret_failures` wrong
    /// guesses at `what` within `limits.secret_failure_window_s` of each other. Call before
    /// looking at the guess, so a refused one learns nothing.
    pub fn failure_gate(
        &self,
        what: &Guess,
        address: Option<IpAddr>,
        now: UnixTime,
    ) -> Result<(), Duration> {
        let Some(address) = address.filter(|_| self.enabled) else {
            return Ok(());
        };
        match self.failures.get(&(what.clone(), address_key(address))) {
            Some((count, last)) if count >= self.max_failures => {
                self.metrics.limited(match what {
                    Guess::ClientSecret(_) => "secret_failures",
                    Guess::AdminKey => "admin_key_failures",
                });
                let ends = last.saturating_add(self.failure_window);
                Err(Duration::from_secs(
                    u64::try_from(ends - now.0).unwrap_or(0),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong guess at `what` from `address`.
    pub fn failed(&self, what: Guess, address: Option<IpAddr>, now: UnixTime) {
        let Some(address) = address.filter(|_| self.enabled) else {
            return;
        };
        let key = (what, address_key(address));
        let count = self.failures.get(&key).map_or(0, |(c, _)| c);
        self.failures.insert(key, (count.saturating_add(1), now.0));
    }
}

/// The rate-limit error, its message saying when the limit ends, as DingTalk's does
/// ("请求过于频繁，限制将在 … 结束"), in China Standard Time like DingTalk's gateway.
pub(crate) fn limited(code: ErrorCode, now: UnixTime, wait: Duration) -> ApiError {
    let ends = now.0 + i64::try_from(wait.as_secs()).unwrap_or(0) + 1;
    ApiError::with_message(
        code,
        format!("请求过于频繁，限制将在 {} 结束", beijing_time(ends)),
    )
}

/// `YYYY-MM-DD HH:MM:SS` at UTC+8.
fn beijing_time(unix: i64) -> String {
    let t = unix + 8 * 3600;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_are_limited_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn failures_from_one_64_add_up() {
        let mut c = Config::default();
        c.limits.enabled = Some(true);
        c.limits.secret_failures = 2;
        let l = Limits::new(&c, Arc::new(Metrics::default())).unwrap();
        let now = UnixTime(1000);
        let id = "x".repeat(30_000);
        l.secret_failed(&id, Some("2001:db8::1".parse().unwrap()), now);
        l.secret_failed(&id, Some("2001:db8::2".parse().unwrap()), now);
        assert!(l
            .secret_gate(&id, Some("2001:db8::3".parse().unwrap()), now)
            .is_err());
        assert!(l
            .secret_gate(&id, Some("2001:db8:0:1::3".parse().unwrap()), now)
            .is_ok());
    }

    #[test]
    fn beijing_time_formats_civil_dates() {
        assert_eq!(beijing_time(0), "1970-01-01 08:00:00");
        assert_eq!(beijing_time(1_767_225_600), "2026-01-01 08:00:00");
        assert_eq!(beijing_time(951_825_600), "2000-02-29 20:00:00");
    }

    fn limits(trusted: &[&str]) -> Limits {
        let mut c = Config::default();
        c.limits.trusted_proxies = trusted.iter().map(|s| s.to_string()).collect();
        Limits::new(&c, Arc::new(Metrics::default())).unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_peers() {
        let h = ["203.0.113.9, 10.0.0.5"];
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let l = limits(&[]);
        assert_eq!(l.client_address(Some(peer), h), Some(peer.ip()));
        let l = limits(&["10.0.0.0/8"]);
        assert_eq!(
            l.client_address(Some(peer), h),
            Some("203.0.113.9".parse().unwrap())
        );
        let l = limits(&["10.0.0.1"]);
        assert_eq!(
            l.client_address(Some(peer), h),
            Some("10.0.0.5".parse().unwrap())
        );
        assert_eq!(l.client_address(Some(peer), []), Some(peer.ip()));
    }
}
