//! Prometheus metrics, served as text at `GET /metrics` (docs/metrics.md lists them all).
//!
//! `prometheus-client` rather than the `metrics` facade: its registry is a value, not a
//! process-wide recorder, so every server in a process (the test suite starts dozens) counts for
//! itself, and its label sets are typed structs — a label can only be one of the fields below,
//! which keeps cardinality bounded by construction (routes are matched patterns, never raw
//! paths; no token, secret or id is ever a label value).

use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

/// Labels of a finished request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The matched route pattern (`/v1.0/oauth2/{corp_id}/token`), or `unmatched`.
    pub route: std::sync::Arc<str>,
    /// The HTTP method, lower-case `other` for a non-standard one.
    pub method: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// DingTalk's error `code`, empty on success.
    pub code: &'static str,
}

/// Labels of a latency observation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The matched route pattern, or `unmatched`.
    pub route: std::sync::Arc<str>,
}

/// Labels of a token event.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabels {
    /// `app`, `user` or `refresh`.
    pub kind: &'static str,
    /// `issued`, `renewed` or `revoked`.
    pub event: &'static str,
}

/// Labels of a rate-limit rejection.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    /// `app_api`, `address`, `secret_failures` or `admin_key_failures`.
    pub kind: &'static str,
}

/// Labels of a connection-pool gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    /// `read`/`write` (SQLite) or `main` (PostgreSQL).
    pub pool: &'static str,
}

/// Labels of an event delivery attempt.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    /// `acked`, `refused`, `timeout` or `unreachable`.
    pub outcome: &'static str,
}

/// Every metric of one server instance.
pub struct Metrics {
    registry: Registry,
    /// Finished requests.
    pub requests: Family<RequestLabels, Counter>,
    /// Request latency in seconds.
    pub latency: Family<RouteLabels, Histogram>,
    /// Tokens issued, renewed and revoked.
    pub tokens: Family<TokenLabels, Counter>,
    /// Access-token lookups answered from memory.
    pub token_cache_hits: Counter,
    /// Access-token lookups that went to storage.
    pub token_cache_misses: Counter,
    /// Requests refused by a rate limit.
    pub rate_limited: Family<LimitLabels, Counter>,
    pool_size: Family<PoolLabels, Gauge>,
    pool_idle: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolLabels, Gauge>,
    /// Event delivery attempts, by outcome.
    pub event_attempts: Family<EventLabels, Counter>,
    /// Stream connections held.
    pub stream_connections: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("opending");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Finished HTTP requests by matched route, method, status and DingTalk error code",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.0005, 2.0, 14))) as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to answering it, by matched route",
            latency.clone(),
        );
        let tokens = Family::<TokenLabels, Counter>::default();
        registry.register(
            "tokens",
            "Tokens issued, renewed and revoked, by kind (app, user, refresh)",
            tokens.clone(),
        );
        let token_cache_hits = Counter::default();
        registry.register(
            "token_cache_hits",
            "Access-token lookups answered from the in-memory cache",
            token_cache_hits.clone(),
        );
        let token_cache_misses = Counter::default();
        registry.register(
            "token_cache_misses",
            "Access-token lookups that went to storage",
            token_cache_misses.clone(),
        );
        let rate_limited = Family::<LimitLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused by a rate limit, by kind (app_api, address, secret_failures, admin_key_failures)",
            rate_limited.clone(),
        );
        let pool_size = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Open database connections, sampled at scrape time",
            pool_size.clone(),
        );
        let pool_idle = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_idle_connections",
            "Open database connections not in use, sampled at scrape time",
            pool_idle.clone(),
        );
        let pool_max = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_max_connections",
            "Most connections the pool opens",
            pool_max.clone(),
        );
        let event_attempts = Family::<EventLabels, Counter>::default();
        registry.register(
            "event_delivery_attempts",
            "Event delivery attempts (Stream or HTTP callback), by outcome (acked, refused, timeout, unreachable)",
            event_attempts.clone(),
        );
        let stream_connections = Gauge::default();
        registry.register(
            "stream_connections",
            "Stream mode WebSocket connections this instance holds",
            stream_connections.clone(),
        );
        Self {
            event_attempts,
            stream_connections,
            registry,
            requests,
            latency,
            tokens,
            token_cache_hits,
            token_cache_misses,
            rate_limited,
            pool_size,
            pool_idle,
            pool_max,
        }
    }
}

impl Metrics {
    /// Counts `n` token events.
    pub fn token(&self, kind: &'static str, event: &'static str, n: u64) {
        if n > 0 {
            self.tokens
                .get_or_create(&TokenLabels { kind, event })
                .inc_by(n);
        }
    }

    /// Counts an event delivery attempt.
    pub fn event_attempt(&self, outcome: &'static str) {
        self.event_attempts
            .get_or_create(&EventLabels { outcome })
            .inc();
    }

    /// Counts a rate-limit rejection.
    pub fn limited(&self, kind: &'static str) {
        self.rate_limited.get_or_create(&LimitLabels { kind }).inc();
    }

    /// Records the pools' state and renders every metric in the OpenMetrics text format.
    pub fn render(&self, pools: &[opending_store::PoolState]) -> String {
        for p in pools {
            let l = PoolLabels { pool: p.pool };
            self.pool_size.get_or_create(&l).set(i64::from(p.size));
            self.pool_idle.get_or_create(&l).set(i64::from(p.idle));
            self.pool_max.get_or_create(&l).set(i64::from(p.max));
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
