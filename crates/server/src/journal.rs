//! The request journal: per-route counters (always) and the last N requests (in emulator mode),
//! so a test can assert "exactly one token request was made".
//!
//! An entry holds method, path (never a query string or body), route, status, error code, the
//! calling app's clientId and latency: no secret or token is ever recorded.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, LazyLock, Mutex},
};

use serde::{Deserialize, Serialize};

/// One request as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position in the journal, from 1.
    pub seq: u64,
    /// When it was answered, in Unix milliseconds at whole-second precision (server clock).
    pub at_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Request path, without the query string.
    pub path: String,
    /// The matched route template (e.g. `/v1.0/oauth2/{corp_id}/token`), if any.
    pub route: Option<String>,
    /// HTTP status answered.
    pub status: u16,
    /// DingTalk error code answered, if any.
    pub error_code: Option<String>,
    /// The app that called, when known.
    pub client_id: Option<String>,
    /// Time to answer, microseconds.
    pub latency_us: u64,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JournalFilter {
    /// Only this method.
    pub method: Option<String>,
    /// Only paths starting with this.
    pub path_prefix: Option<String>,
    /// Only this route template.
    pub route: Option<String>,
    /// Only this status.
    pub status: Option<u16>,
    /// Only this app.
    pub client_id: Option<String>,
    /// Only entries after this sequence number.
    pub since: Option<u64>,
    /// At most this many (the newest).
    pub limit: Option<usize>,
}

impl JournalFilter {
    fn matches(&self, e: &JournalEntry) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&e.method))
            && self
                .path_prefix
                .as_ref()
                .is_none_or(|p| e.path.starts_with(p.as_str()))
            && self
                .route
                .as_ref()
                .is_none_or(|r| e.route.as_ref() == Some(r))
            && self.status.is_none_or(|s| s == e.status)
            && self
                .client_id
                .as_ref()
                .is_none_or(|c| e.client_id.as_ref() == Some(c))
            && self.since.is_none_or(|s| e.seq > s)
    }
}

/// The route name counted for requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Longest path kept in a journal entry, in bytes (longer ones are cut, marked with `…`).
pub const MAX_PATH: usize = 512;

/// [`UNMATCHED`] as a shared string, for counters keyed by `Arc<str>` routes.
pub static UNMATCHED_ROUTE: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(UNMATCHED));

/// The method as counted: the standard ones by name, anything else as `OTHER`.
pub fn bounded_method(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        "EVENT" => "EVENT",
        _ => "OTHER",
    }
}

/// One answered request as the request middleware reports it: borrowed, so a server whose
/// journal keeps no entries (outside emulator mode) copies nothing but the counter key.
#[derive(Debug, Clone, Copy)]
pub struct Answered<'a> {
    /// When it was answered, in Unix milliseconds.
    pub at_ms: i64,
    /// HTTP method, as the client sent it.
    pub method: &'a str,
    /// Request path, without the query string.
    pub path: &'a str,
    /// The matched route template, if any.
    pub route: Option<&'a Arc<str>>,
    /// HTTP status answered.
    pub status: u16,
    /// DingTalk error code answered, if any.
    pub error_code: Option<&'a str>,
    /// The app that called, when known.
    pub client_id: Option<&'a str>,
    /// Time to answer, microseconds.
    pub latency_us: u64,
}

/// Requests counted for one route.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteCount {
    /// HTTP method.
    pub method: String,
    /// Route template, or `unmatched` when no route matched.
    pub route: String,
    /// Requests answered.
    pub count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<JournalEntry>,
    next_seq: u64,
    counts: HashMap<(&'static str, Arc<str>), u64>,
}

/// The journal of one instance.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0: counters only).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records an answered request (its `seq` is assigned here).
    ///
    /// The counters are keyed by the matched route template (a fixed set) and a known method,
    /// never by what the caller typed: requests no route matched share one [`UNMATCHED`]
    /// counter and unusual methods share `OTHER`, so junk paths cannot grow the map. The kept
    /// entry's path is cut to [`MAX_PATH`] bytes.
    pub fn record(&self, a: &Answered<'_>) {
        let method = bounded_method(a.method);
        let key = (method, a.route.unwrap_or(&UNMATCHED_ROUTE).clone());
        if self.capacity == 0 {
            *self.lock().counts.entry(key).or_default() += 1;
            return;
        }
        // Built before taking the lock: the entry's strings are copies of the request's.
        let mut entry = JournalEntry {
            seq: 0,
            at_ms: a.at_ms,
            method: method.to_owned(),
            path: crate::telemetry::cut(a.path, MAX_PATH).into_owned(),
            route: a.route.map(|r| r.to_string()),
            status: a.status,
            error_code: a.error_code.map(str::to_owned),
            client_id: a.client_id.map(str::to_owned),
            latency_us: a.latency_us,
        };
        let mut inner = self.lock();
        *inner.counts.entry(key).or_default() += 1;
        inner.next_seq += 1;
        entry.seq = inner.next_seq;
        if inner.entries.len() == self.capacity {
            inner.entries.pop_front();
        }
        inner.entries.push_back(entry);
    }

    /// Records an event delivery attempt as an entry: method `EVENT`, path
    /// `/events/{eventType}`, route `event`, status 200 when acknowledged (else 0), the outcome
    /// as its error code, the recipient as its clientId.
    pub fn record_event(&self, event_type: &str, client_id: &str, outcome: &str, at_ms: i64) {
        static EVENT_ROUTE: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("event"));
        self.record(&Answered {
            at_ms: at_ms - at_ms.rem_euclid(1000),
            method: "EVENT",
            path: &format!("/events/{event_type}"),
            route: Some(&EVENT_ROUTE),
            status: if outcome == "acked" { 200 } else { 0 },
            error_code: (outcome != "acked").then_some(outcome),
            client_id: Some(client_id),
            latency_us: 0,
        });
    }

    /// Requests answered on `route` (a template such as `/v1.0/oauth2/{corp_id}/token`) with
    /// `method` since start or the last [`Journal::clear`].
    pub fn count(&self, method: &str, route: &str) -> u64 {
        self.lock()
            .counts
            .get(&(bounded_method(method), Arc::from(route)))
            .copied()
            .unwrap_or(0)
    }

    /// Every route's count, sorted by route then method.
    pub fn counts(&self) -> Vec<RouteCount> {
        let mut v: Vec<RouteCount> = self
            .lock()
            .counts
            .iter()
            .map(|((m, r), c)| RouteCount {
                method: (*m).to_owned(),
                route: r.to_string(),
                count: *c,
            })
            .collect();
        v.sort_by(|a, b| (&a.route, &a.method).cmp(&(&b.route, &b.method)));
        v
    }

    /// Entries matching `filter`, oldest first.
    pub fn entries(&self, filter: &JournalFilter) -> Vec<JournalEntry> {
        let inner = self.lock();
        let mut v: Vec<JournalEntry> = inner
            .entries
            .iter()
            .filter(|e| filter.matches(e))
            .cloned()
            .collect();
        if let Some(limit) = filter.limit {
            let skip = v.len().saturating_sub(limit);
            v.drain(..skip);
        }
        v
    }

    /// Forgets entries and counters.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.counts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered<'a>(route: Option<&'a Arc<str>>, method: &'a str, path: &'a str) -> Answered<'a> {
        Answered {
            at_ms: 0,
            method,
            path,
            route,
            status: 200,
            error_code: None,
            client_id: Some("dingapp"),
            latency_us: 5,
        }
    }

    #[test]
    fn keeps_the_last_n_and_counts_all() {
        let j = Journal::new(2);
        let route: Arc<str> = Arc::from("/r/{x}");
        for i in 0..3 {
            j.record(&answered(Some(&route), "POST", &format!("/r/{i}")));
        }
        assert_eq!(j.count("POST", "/r/{x}"), 3);
        let all = j.entries(&JournalFilter::default());
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
        let since = j.entries(&JournalFilter {
            since: Some(2),
            ..Default::default()
        });
        assert_eq!(since.len(), 1);
        j.clear();
        assert_eq!(j.count("POST", "/r/{x}"), 0);
    }

    #[test]
    fn junk_paths_and_methods_share_one_counter_and_are_cut() {
        let j = Journal::new(4);
        for i in 0..1000 {
            let path = format!("/{}{i}", "x".repeat(30_000));
            j.record(&answered(None, &format!("M{i}"), &path));
        }
        let counts = j.counts();
        assert_eq!(counts.len(), 1, "{:?}", &counts[..counts.len().min(3)]);
        assert_eq!(counts[0].route, UNMATCHED);
        assert_eq!(counts[0].method, "OTHER");
        assert_eq!(counts[0].count, 1000);
        for e in j.entries(&JournalFilter::default()) {
            assert!(
                e.path.len() <= MAX_PATH + '…'.len_utf8(),
                "{}",
                e.path.len()
            );
        }
    }
}
