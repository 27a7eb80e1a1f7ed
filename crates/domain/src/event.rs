//! Events: what DingTalk announces to apps, who receives each, and the rules of delivery —
//! retry backoff, what counts as an acknowledgement, Stream tickets
//! (docs/dingtalk/dingtalk-wire-2.md §B4, §H; docs/dingtalk/decisions.md §25; docs/events.md).

use rand::RngCore;

use crate::{secret::Purpose, HashKey, KeyedHash, Secret};

/// Who receives an event raised in an org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// One app: the one it concerns (its ticket, its installation).
    TheApp,
    /// Every app that may run in the org and holds the event's point there.
    OrgApps,
}

/// Every event type opending raises, with DingTalk's `eventType` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A third-party app's new suite ticket.
    SuiteTicket,
    /// People joined the org.
    UserAddOrg,
    /// A member's org profile changed.
    UserModifyOrg,
    /// People left the org.
    UserLeaveOrg,
    /// Departments were created.
    OrgDeptCreate,
    /// Departments changed.
    OrgDeptModify,
    /// Departments were removed.
    OrgDeptRemove,
    /// An org installed (authorized) a third-party app.
    OrgSuiteAuth,
    /// An org changed what it granted a third-party app.
    OrgSuiteChange,
    /// An org removed a third-party app.
    OrgSuiteRelieve,
    /// An org suspended (stopped) an app.
    OrgMicroAppStop,
    /// An org resumed (restored) an app.
    OrgMicroAppRestore,
}

/// The point an app needs in the org to receive the directory's member events
/// (通讯录个人信息读权限).
pub const MEMBER_EVENTS_POINT: &str = "qyapi_get_member";
/// The point an app needs in the org to receive department events (通讯录部门信息读权限).
pub const DEPARTMENT_EVENTS_POINT: &str = "qyapi_get_department_list";

impl EventType {
    /// Every type, in the order docs/events.md lists them.
    pub const ALL: [EventType; 12] = [
        Self::SuiteTicket,
        Self::UserAddOrg,
        Self::UserModifyOrg,
        Self::UserLeaveOrg,
        Self::OrgDeptCreate,
        Self::OrgDeptModify,
        Self::OrgDeptRemove,
        Self::OrgSuiteAuth,
        Self::OrgSuiteChange,
        Self::OrgSuiteRelieve,
        Self::OrgMicroAppStop,
        Self::OrgMicroAppRestore,
    ];

    /// DingTalk's `eventType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuiteTicket => "suite_ticket",
            Self::UserAddOrg => "user_add_org",
            Self::UserModifyOrg => "user_modify_org",
            Self::UserLeaveOrg => "user_leave_org",
            Self::OrgDeptCreate => "org_dept_create",
            Self::OrgDeptModify => "org_dept_modify",
            Self::OrgDeptRemove => "org_dept_remove",
            Self::OrgSuiteAuth => "org_suite_auth",
            Self::OrgSuiteChange => "org_suite_change",
            Self::OrgSuiteRelieve => "org_suite_relieve",
            Self::OrgMicroAppStop => "org_micro_app_stop",
            Self::OrgMicroAppRestore => "org_micro_app_restore",
        }
    }

    /// The type named `s`, if opending raises it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Who receives it.
    pub fn audience(self) -> Audience {
        match self {
            Self::UserAddOrg
            | Self::UserModifyOrg
            | Self::UserLeaveOrg
            | Self::OrgDeptCreate
            | Self::OrgDeptModify
            | Self::OrgDeptRemove => Audience::OrgApps,
            _ => Audience::TheApp,
        }
    }

    /// The point a recipient must hold in the org, if any.
    pub fn required_point(self) -> Option<&'static str> {
        match self {
            Self::UserAddOrg | Self::UserModifyOrg | Self::UserLeaveOrg => {
                Some(MEMBER_EVENTS_POINT)
            }
            Self::OrgDeptCreate | Self::OrgDeptModify | Self::OrgDeptRemove => {
                Some(DEPARTMENT_EVENTS_POINT)
            }
            _ => None,
        }
    }

    /// Whether only third-party apps receive it (tickets and installations).
    pub fn third_party_only(self) -> bool {
        matches!(
            self,
            Self::SuiteTicket
                | Self::OrgSuiteAuth
                | Self::OrgSuiteChange
                | Self::OrgSuiteRelieve
                | Self::OrgMicroAppStop
                | Self::OrgMicroAppRestore
        )
    }
}

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventState {
    /// Not yet acknowledged; delivered (again) when due.
    Pending,
    /// Acknowledged by the app.
    Acked,
    /// Given up on after the last attempt (a dead letter; listed, never delivered again).
    Failed,
}

impl EventState {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Acked => "acked",
            Self::Failed => "failed",
        }
    }

    /// The state stored as `s`.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Acked, Self::Failed]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The app acknowledged it: done.
    Acked,
    /// The app answered that it could not process it now (`LATER`, a non-200 code, an answer
    /// that is not the encrypted `success`): retried with backoff.
    Refused,
    /// No answer in time: retried; a Stream connection that stops answering is dropped.
    Timeout,
    /// The connection closed, or the callback URL could not be reached: retried.
    Unreachable,
}

impl Outcome {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acked => "acked",
            Self::Refused => "refused",
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
        }
    }
}

/// The delay before attempt `attempts + 1` after `attempts` failed ones: `base`, doubled each
/// time, never above `max` (milliseconds).
pub fn retry_delay_ms(attempts: u32, base_ms: u64, max_ms: u64) -> u64 {
    let doublings = attempts.saturating_sub(1).min(32);
    base_ms.saturating_mul(1u64 << doublings).min(max_ms)
}

/// What a Stream acknowledgement means for an event (§H4): consumed only when `code` is 200 and
/// `data`, if it is a JSON object with a `status`, says `SUCCESS`. The Python SDK echoes the
/// event's own data (no `status`); the Node SDK sends `{"status":"SUCCESS"|"LATER"}`.
pub fn stream_ack_consumed(code: i64, data: &str) -> bool {
    if code != 200 {
        return false;
    }
    match serde_json::from_str::<serde_json::Value>(data) {
        Ok(serde_json::Value::Object(o)) => match o.get("status") {
            None => true,
            Some(s) => s.as_str() == Some("SUCCESS"),
        },
        _ => true,
    }
}

/// How long a Stream connection ticket is valid (DingTalk: 90 s).
pub const STREAM_TICKET_TTL: i64 = 90;

/// A new Stream ticket: 128 random bits in UUID form (URL-safe: the Node SDK appends it to the
/// endpoint unencoded).
pub fn random_stream_ticket(rng: &mut (impl RngCore + ?Sized)) -> Secret {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    let h = hex::encode(b);
    Secret::new(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// The keyed hash a Stream ticket is stored and found under.
pub fn stream_ticket_hash(key: &HashKey, ticket: &str) -> KeyedHash {
    key.hash(Purpose::StreamTicket, ticket.as_bytes())
}

/// A new event id: 32 hex digits, as DingTalk's `eventId`.
pub fn random_event_id(rng: &mut (impl RngCore + ?Sized)) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("chat_add_member"), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(retry_delay_ms(1, 1000, 60_000), 1000);
        assert_eq!(retry_delay_ms(2, 1000, 60_000), 2000);
        assert_eq!(retry_delay_ms(4, 1000, 60_000), 8000);
        assert_eq!(retry_delay_ms(40, 1000, 60_000), 60_000);
        assert_eq!(retry_delay_ms(0, 1000, 60_000), 1000);
    }

    #[test]
    fn both_sdks_acks_are_understood() {
        // Python: code 200, the event's data echoed.
        assert!(stream_ack_consumed(200, r#"{"suiteTicket": "QsfJ"}"#));
        // Python's default handler: 404 "not implement".
        assert!(!stream_ack_consumed(404, ""));
        // Node.
        assert!(stream_ack_consumed(200, r#"{"status":"SUCCESS"}"#));
        assert!(!stream_ack_consumed(
            200,
            r#"{"status":"LATER","message":"busy"}"#
        ));
        assert!(stream_ack_consumed(200, ""));
    }

    #[test]
    fn tickets_are_url_safe_uuids() {
        let t = random_stream_ticket(&mut rand::thread_rng());
        assert_eq!(t.expose().len(), 36);
        assert!(t
            .expose()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-'));
    }
}
