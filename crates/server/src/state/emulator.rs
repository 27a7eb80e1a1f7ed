//! The emulator's state of one instance: the start seed, the fault rules and the plaintexts
//! of what the backdoor minted. The controls that use it are `service/emulator.rs`'s.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use opending_domain::{ApiError, ErrorCode, KeyedHash};
use serde::{Deserialize, Serialize};

/// `400 InvalidParameter` naming what is wrong with a fault rule.
fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::with_message(ErrorCode::InvalidParameter, msg.into())
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with a DingTalk error from the catalogue (e.g. `server.error`,
    /// `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`, `InvalidAuthentication`).
    #[serde(rename_all = "camelCase")]
    Error {
        /// The wire `code`.
        code: String,
        /// A message instead of the default one.
        #[serde(default)]
        message: Option<String>,
    },
    /// Answer in DingTalk's legacy envelope: HTTP 200 `{"errcode","errmsg"}` (with a
    /// `request_id` under `/topapi/`), any errcode, e.g. 90018 or -1; `errmsg` defaults to
    /// DingTalk's text for the codes opending knows.
    #[serde(rename_all = "camelCase")]
    Errcode {
        /// The `errcode` (not 0).
        errcode: i64,
        /// The `errmsg` instead of the default one.
        #[serde(default)]
        errmsg: Option<String>,
    },
    /// DingTalk's per-address ban (10 000 calls in 20 s → 5 minutes): not an error of either
    /// envelope but the gateway's own answer, `{"status":1111,"wait":5,"source":"x5",
    /// "punish":"deny","uuid":…}`, or with `html` an HTML page — what a client that expects
    /// JSON with `errcode` or `code` must survive.
    #[serde(rename_all = "camelCase")]
    IpBan {
        /// Answer an HTML page instead of the JSON body.
        #[serde(default)]
        html: bool,
        /// The HTTP status (default 200, as DingTalk's gateway sends it).
        #[serde(default)]
        status: Option<u16>,
    },
    /// Wait before handling the request normally.
    #[serde(rename_all = "camelCase")]
    Latency {
        /// Milliseconds to wait (at most 60 000).
        ms: u64,
    },
    /// Close the connection without a complete answer.
    Drop,
}

/// A fault-injection rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// Assigned id.
    #[serde(default)]
    pub id: u64,
    /// Only this HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// Only paths starting with this.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// What to do.
    pub action: FaultAction,
    /// Apply to the next N matching requests, then disappear (default: until cleared).
    #[serde(default)]
    pub times: Option<u64>,
    /// Apply to this fraction of matching requests (0 < p ≤ 1; default 1).
    #[serde(default)]
    pub probability: Option<f64>,
}

/// Emulator state of one instance.
#[derive(Debug, Default)]
pub struct EmulatorState {
    /// The text of the seed document the server started with, parsed and applied at start
    /// (`reset` returns to it).
    pub start_seed: std::sync::OnceLock<String>,
    /// Whether the demo world was requested at start.
    pub(crate) demo: bool,
    /// The origins the demo's internal app registers again when `reset` recreates the world
    /// (set at start, once the address is bound).
    pub demo_origins: std::sync::OnceLock<Vec<String>>,
    faults: Mutex<Vec<FaultRule>>,
    next_fault: Mutex<u64>,
    /// Plaintext of codes and tokens minted by the backdoor (or in deterministic runs), by id.
    pub(crate) minted: Mutex<MintedValues>,
}

/// Most fault rules held at once; adding one more is refused with 400.
pub const MAX_FAULTS: usize = 256;
/// Longest `method` or `pathPrefix` of a fault rule, in bytes.
pub const MAX_FAULT_MATCH: usize = 1024;
/// Most minted plaintexts remembered; past it the oldest are forgotten (a deterministic run
/// can reproduce them from its seed, and the backdoor's caller was handed them already).
pub const MAX_MINTED: usize = 100_000;

/// The minted plaintexts, oldest first; every value is a 32-digit token or code and every id
/// a 64-digit hash, so the entry cap bounds the bytes (about 15 MB at most).
#[derive(Debug, Default)]
pub(crate) struct MintedValues {
    pub(crate) values: HashMap<String, String>,
    order: VecDeque<String>,
}

impl MintedValues {
    fn insert(&mut self, id: String, value: String) {
        if self.values.insert(id.clone(), value).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > MAX_MINTED {
            if let Some(old) = self.order.pop_front() {
                self.values.remove(&old);
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.values.clear();
        self.order.clear();
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl EmulatorState {
    /// Fresh state; `demo` says whether `reset` recreates the demo world.
    pub fn new(demo: bool) -> Self {
        Self {
            demo,
            ..Default::default()
        }
    }

    /// Remembers a minted value's plaintext under its id (the hex of its stored hash).
    pub fn note_minted(&self, id: &KeyedHash, plaintext: &str) {
        lock(&self.minted).insert(id.to_hex(), plaintext.to_owned());
    }

    /// The faults, in order.
    pub fn faults(&self) -> Vec<FaultRule> {
        lock(&self.faults).clone()
    }

    /// Adds a fault; returns it with its id.
    pub fn add_fault(&self, mut rule: FaultRule) -> Result<FaultRule, ApiError> {
        if let FaultAction::Error { code, .. } = &rule.action {
            if ErrorCode::from_code(code).is_none() {
                return Err(bad(format!(
                    "unknown error code {code:?}: use a code from the catalogue (docs/api.md)"
                )));
            }
        }
        if let FaultAction::Errcode { errcode, errmsg } = &rule.action {
            if *errcode == 0 {
                return Err(bad("errcode 0 is success, not a fault"));
            }
            if errmsg.as_ref().is_some_and(|m| m.len() > MAX_FAULT_MATCH) {
                return Err(bad(format!(
                    "errmsg must be at most {MAX_FAULT_MATCH} bytes"
                )));
            }
        }
        if let FaultAction::IpBan {
            status: Some(status),
            ..
        } = rule.action
        {
            if !(200..=599).contains(&status) {
                return Err(bad("status must be an HTTP status, 200 to 599"));
            }
        }
        if let FaultAction::Latency { ms } = rule.action {
            if ms > 60_000 {
                return Err(bad("latency must be at most 60000 ms"));
            }
        }
        if rule.probability.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
            return Err(bad("probability must be in (0, 1]"));
        }
        if rule.times == Some(0) {
            return Err(bad("times must be at least 1"));
        }
        if [&rule.method, &rule.path_prefix]
            .iter()
            .any(|m| m.as_ref().is_some_and(|m| m.len() > MAX_FAULT_MATCH))
        {
            return Err(bad(format!(
                "method and pathPrefix must be at most {MAX_FAULT_MATCH} bytes"
            )));
        }
        let mut faults = lock(&self.faults);
        if faults.len() >= MAX_FAULTS {
            return Err(bad(format!(
                "at most {MAX_FAULTS} fault rules at once: clear some first (DELETE /_opending/faults)"
            )));
        }
        let mut next = lock(&self.next_fault);
        *next += 1;
        rule.id = *next;
        faults.push(rule.clone());
        Ok(rule)
    }

    /// Removes one fault (or all with `None`); returns how many went.
    pub fn clear_faults(&self, id: Option<u64>) -> usize {
        let mut f = lock(&self.faults);
        let before = f.len();
        match id {
            Some(id) => f.retain(|r| r.id != id),
            None => f.clear(),
        }
        before - f.len()
    }

    /// The action to apply to a request, if a rule matches (and its dice say so). Counts down
    /// `times` and drops spent rules.
    /// `roll` draws a uniform number in [0, 1) for a rule with a probability.
    pub fn fault_for(
        &self,
        method: &str,
        path: &str,
        roll: impl FnOnce() -> f64,
    ) -> Option<FaultAction> {
        let mut faults = lock(&self.faults);
        let i = faults.iter().position(|r| {
            r.method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && r.path_prefix
                    .as_ref()
                    .is_none_or(|p| path.starts_with(p.as_str()))
        })?;
        if let Some(p) = faults[i].probability {
            if roll() >= p {
                return None;
            }
        }
        let action = faults[i].action.clone();
        if let Some(t) = faults[i].times.as_mut() {
            *t -= 1;
            if *t == 0 {
                faults.remove(i);
            }
        }
        Some(action)
    }
}
