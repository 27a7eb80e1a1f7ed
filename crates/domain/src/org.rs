//! Organisations (DingTalk "corps"): the tenants that apps run in.

use serde::{Deserialize, Serialize};

use crate::{CorpId, UnixTime};

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    /// The org's id.
    pub corp_id: CorpId,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub created_at: UnixTime,
}

/// Longest org or app name accepted.
pub const MAX_NAME_LEN: usize = 200;

/// Checks a display name: non-empty after trimming, at most [`MAX_NAME_LEN`] characters, no
/// control characters. Returns the trimmed name.
pub fn parse_name(what: &str, name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(format!("{what} is longer than {MAX_NAME_LEN} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("{what} must not contain control characters"));
    }
    Ok(name.to_owned())
}
