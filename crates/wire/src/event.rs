//! The events DingTalk pushes, by `eventType`, with the payloads it documents
//! (docs/dingtalk/dingtalk-wire-2.md §B4, §H6; docs/events.md).
//!
//! Over Stream these are the frame's `data` string; in an HTTP callback they are flattened
//! into one object beside `EventType`, `EventTime`, `CorpId`.

use serde::{Deserialize, Serialize};

/// `suite_ticket`: a third-party app's new suite ticket (every 5 hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuiteTicketEvent {
    /// The ticket to sign corp-token calls with.
    pub suite_ticket: String,
}

/// `user_add_org` and `user_leave_org` (internal apps): people who joined or left the org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChangeEvent {
    /// When, in Unix milliseconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// Their userids in the org.
    #[serde(rename = "userId")]
    pub user_id: Vec<String>,
    /// `user_modify_org`: the profile before and after.
    #[serde(rename = "diffInfo", default, skip_serializing_if = "Option::is_none")]
    pub diff_info: Option<UserDiff>,
}

/// The before/after of `user_modify_org`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDiff {
    /// The fields that changed, before.
    pub prev: serde_json::Map<String, serde_json::Value>,
    /// The same fields, after.
    pub curr: serde_json::Map<String, serde_json::Value>,
    /// The member.
    pub userid: String,
}

/// `org_dept_create`, `org_dept_modify`, `org_dept_remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeptChangeEvent {
    /// When, in Unix milliseconds, as a string.
    #[serde(rename = "timeStamp", default, skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<String>,
    /// The departments.
    #[serde(rename = "deptId")]
    pub dept_id: Vec<i64>,
}

/// App lifecycle events of a third-party app in an org (`org_suite_auth`, `org_suite_change`,
/// `org_suite_relieve`, `org_micro_app_stop`, `org_micro_app_restore`), with the field names of
/// DingTalk's HTTP push ("启用和停用应用事件").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AppLifecycleEvent {
    /// The org.
    pub auth_corp_id: String,
    /// The app's key.
    pub suite_key: String,
    /// The app's agent id in the org.
    pub agent_id: i64,
    /// The app's id (the same number as the agent id here).
    pub app_id: i64,
    /// When, in Unix milliseconds.
    pub time_stamp: i64,
    /// `org_suite_auth` / `org_suite_change`: the app-type points the org granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}
