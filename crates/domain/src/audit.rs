//! The audit log's vocabulary: what happened, to whom, by whom, from where.
//!
//! An event never carries a secret or a token value — only ids (clientId, corpId, unionId) and
//! small facts (counts, point codes, reasons). The store keeps events append-only.

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::UnixTime;

/// What kind of security event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A new access token was handed out (app token, or user token from a code).
    TokenIssued,
    /// A live token was handed out again with a new expiry, or a user token was refreshed.
    TokenRenewed,
    /// Tokens were revoked (by an operator, a user, or a withdrawal).
    TokenRevoked,
    /// An authorization code was minted.
    CodeIssued,
    /// An authorization code was exchanged for tokens.
    CodeExchanged,
    /// A used authorization code was presented again (its tokens are revoked).
    CodeReplayed,
    /// A rotated refresh token was used after its grace window (its family is revoked).
    RefreshReuse,
    /// An app's client secret was replaced.
    SecretRotated,
    /// A user consented to points for an app, or an org granted points.
    ConsentGranted,
    /// A user withdrew consent, or an org grant was withdrawn.
    ConsentRevoked,
    /// A user signed in.
    SignInSucceeded,
    /// A sign-in was refused (bad credentials or throttled).
    SignInFailed,
    /// Any other change made through the admin API or the CLI.
    AdminAction,
}

impl AuditKind {
    /// Every kind, in a stable order.
    pub const ALL: [AuditKind; 13] = [
        Self::TokenIssued,
        Self::TokenRenewed,
        Self::TokenRevoked,
        Self::CodeIssued,
        Self::CodeExchanged,
        Self::CodeReplayed,
        Self::RefreshReuse,
        Self::SecretRotated,
        Self::ConsentGranted,
        Self::ConsentRevoked,
        Self::SignInSucceeded,
        Self::SignInFailed,
        Self::AdminAction,
    ];

    /// The stored and shown name, e.g. `token_issued`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenIssued => "token_issued",
            Self::TokenRenewed => "token_renewed",
            Self::TokenRevoked => "token_revoked",
            Self::CodeIssued => "code_issued",
            Self::CodeExchanged => "code_exchanged",
            Self::CodeReplayed => "code_replayed",
            Self::RefreshReuse => "refresh_reuse",
            Self::SecretRotated => "secret_rotated",
            Self::ConsentGranted => "consent_granted",
            Self::ConsentRevoked => "consent_revoked",
            Self::SignInSucceeded => "sign_in_succeeded",
            Self::SignInFailed => "sign_in_failed",
            Self::AdminAction => "admin_action",
        }
    }

    /// Whether the event is frequent enough to go through the batched queue (see
    /// docs/security.md#the-audit-log): token issuance and renewal. Everything else changes
    /// security state and is written before the response.
    pub fn is_high_volume(self) -> bool {
        matches!(self, Self::TokenIssued | Self::TokenRenewed)
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown audit kind {s:?}"))
    }
}

/// Who acted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// An app, authenticated by its client credentials (id: clientId).
    App,
    /// A person signed in to opending's pages (id: unionId), or trying to.
    User,
    /// A caller of the admin API (holder of the admin key).
    Admin,
    /// An operator at the `opending` CLI on the server's machine.
    Operator,
    /// opending itself (start-up seed, emulator).
    System,
}

impl ActorKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::User => "user",
            Self::Admin => "admin",
            Self::Operator => "operator",
            Self::System => "system",
        }
    }
}

impl FromStr for ActorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::App,
            Self::User,
            Self::Admin,
            Self::Operator,
            Self::System,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown actor kind {s:?}"))
    }
}

/// One recorded event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Position in the log (assigned by the store; 0 before it is stored).
    pub id: i64,
    /// When, Unix seconds.
    pub at: UnixTime,
    /// What.
    pub kind: AuditKind,
    /// The request's id (`x-acs-request-id`), when the event came from an HTTP request.
    pub request_id: Option<String>,
    /// Who acted.
    pub actor: ActorKind,
    /// The actor's id (clientId, unionId, or a login that failed to sign in), when known.
    pub actor_id: Option<String>,
    /// The app concerned (clientId).
    pub client_id: Option<String>,
    /// The org concerned (corpId).
    pub corp_id: Option<String>,
    /// The caller's address, when the event came from an HTTP request.
    pub source: Option<String>,
    /// Event-specific facts (never a secret or a token).
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    /// A new event with no app, org or details yet.
    pub fn new(kind: AuditKind, at: UnixTime, actor: ActorKind, actor_id: Option<String>) -> Self {
        Self {
            id: 0,
            at,
            kind,
            request_id: None,
            actor,
            actor_id,
            client_id: None,
            corp_id: None,
            source: None,
            details: BTreeMap::new(),
        }
    }

    /// Sets the app concerned.
    pub fn app(mut self, client_id: impl fmt::Display) -> Self {
        self.client_id = Some(client_id.to_string());
        self
    }

    /// Sets the org concerned.
    pub fn org(mut self, corp_id: impl fmt::Display) -> Self {
        self.corp_id = Some(corp_id.to_string());
        self
    }

    /// Sets the caller's address.
    pub fn source(mut self, address: impl fmt::Display) -> Self {
        self.source = Some(address.to_string());
        self
    }

    /// Adds a detail.
    pub fn detail(mut self, key: &str, value: impl fmt::Display) -> Self {
        self.details.insert(key.to_owned(), value.to_string());
        self
    }
}

/// Folds the repeated hand-outs of the same live app token in `events` into one event each.
///
/// A busy app asks for its token thousands of times a second, and each answer is the same live
/// token renewed (`token_renewed`, detail `token=app`). Writing each as its own row would make
/// the audit log the hot path's bottleneck and bury everything else in it. So renewals of the
/// same app in the same org from the same address, actor and token kind fold into the first of
/// them, in place: it keeps its time and request id, and gains `count` (how many renewals it
/// stands for) and, when more than one, `lastAt` (the last one's time) and the last `expiresAt`.
/// Everything else — new tokens, user-token renewals, every other kind — is kept one per event,
/// in order.
pub fn coalesce_renewals(events: Vec<AuditEvent>) -> Vec<AuditEvent> {
    type Key = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut out: Vec<AuditEvent> = Vec::with_capacity(events.len());
    let mut first: std::collections::HashMap<Key, (usize, u64)> = std::collections::HashMap::new();
    for e in events {
        let foldable = e.kind == AuditKind::TokenRenewed
            && e.details.get("token").map(String::as_str) == Some("app");
        if !foldable {
            out.push(e);
            continue;
        }
        let key = (
            e.actor_id.clone(),
            e.client_id.clone(),
            e.corp_id.clone(),
            e.source.clone(),
        );
        match first.get_mut(&key) {
            Some((at, count)) => {
                *count += 1;
                let kept = &mut out[*at];
                kept.details.insert("count".into(), count.to_string());
                kept.details.insert("lastAt".into(), e.at.0.to_string());
                if let Some(exp) = e.details.get("expiresAt") {
                    kept.details.insert("expiresAt".into(), exp.clone());
                }
            }
            None => {
                first.insert(key, (out.len(), 1));
                out.push(e.detail("count", 1));
            }
        }
    }
    out
}

/// Which events to list; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this org's.
    pub corp_id: Option<String>,
    /// Only this app's.
    pub client_id: Option<String>,
    /// Only these kinds (empty: all).
    pub kinds: Vec<AuditKind>,
    /// At or after this time.
    pub since: Option<UnixTime>,
    /// Before this time.
    pub until: Option<UnixTime>,
    /// Only events with an id below this (the cursor of the previous page; newest first).
    pub before_id: Option<i64>,
    /// Most events to return.
    pub limit: u32,
}

/// Most events one query returns.
pub const MAX_AUDIT_PAGE: u32 = 1000;

#[cfg(test)]
mod tests {
    fn renewal(app: &str, source: &str, at: i64) -> AuditEvent {
        AuditEvent::new(
            AuditKind::TokenRenewed,
            UnixTime(at),
            ActorKind::App,
            Some(app.into()),
        )
        .app(app)
        .detail("token", "app")
        .detail("expiresAt", at + 7200)
        .source(source)
    }

    #[test]
    fn renewals_of_one_live_app_token_fold_into_the_first() {
        let issued = AuditEvent::new(
            AuditKind::TokenIssued,
            UnixTime(9),
            ActorKind::App,
            Some("a".into()),
        )
        .detail("token", "app");
        let user = AuditEvent::new(
            AuditKind::TokenRenewed,
            UnixTime(10),
            ActorKind::User,
            Some("u".into()),
        )
        .detail("token", "user");
        let events = vec![
            issued.clone(),
            renewal("a", "10.0.0.1", 10),
            user.clone(),
            renewal("a", "10.0.0.1", 11),
            renewal("b", "10.0.0.1", 11),
            renewal("a", "10.0.0.2", 12),
            renewal("a", "10.0.0.1", 13),
            user.clone(),
        ];
        let out = coalesce_renewals(events);
        let summary: Vec<_> = out
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.actor_id.as_deref(),
                    e.source.as_deref(),
                    e.details.get("count").map(String::as_str),
                    e.details.get("lastAt").map(String::as_str),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (AuditKind::TokenIssued, Some("a"), None, None, None),
                (
                    AuditKind::TokenRenewed,
                    Some("a"),
                    Some("10.0.0.1"),
                    Some("3"),
                    Some("13")
                ),
                (AuditKind::TokenRenewed, Some("u"), None, None, None),
                (
                    AuditKind::TokenRenewed,
                    Some("b"),
                    Some("10.0.0.1"),
                    Some("1"),
                    None
                ),
                (
                    AuditKind::TokenRenewed,
                    Some("a"),
                    Some("10.0.0.2"),
                    Some("1"),
                    None
                ),
                (AuditKind::TokenRenewed, Some("u"), None, None, None),
            ]
        );
        // The folded event keeps the first one's time and the last one's expiry.
        assert_eq!(out[1].at, UnixTime(10));
        assert_eq!(out[1].details["expiresAt"], "7213");
    }

    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in AuditKind::ALL {
            assert_eq!(k.as_str().parse::<AuditKind>().unwrap(), k);
        }
        assert!("token".parse::<AuditKind>().is_err());
    }
}
