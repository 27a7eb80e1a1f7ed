//! Where the client commands find their server and credentials: flags, then `OPENDING_*`
//! environment variables (both handled by clap), then a named profile in a TOML file.
//!
//! ```toml
//! # ~/.config/opending/profile.toml
//! default = "local"
//!
//! [profiles.local]
//! base_url = "http://127.0.0.1:8080"
//! client_id = "dingacmehr"
//! client_secret = "acme-hr-secret-0123456789abcdef"
//! corp_id = "dingacme"
//!
//! [profiles.dingtalk]          # base_url defaults to https://api.dingtalk.com
//! client_id = "dingxxxxxxxxxxxxxxxx"
//! client_secret = "…"
//! ```

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use opending_client::Secret;
use serde::Deserialize;

/// One named profile.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The API's base URL.
    pub base_url: Option<String>,
    /// The app's clientId.
    pub client_id: Option<String>,
    /// The app's client secret.
    pub client_secret: Option<Secret>,
    /// The org for app tokens.
    pub corp_id: Option<String>,
    /// An access token for the contact commands.
    pub access_token: Option<Secret>,
}

/// The profile file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    /// The profile used when none is named.
    default: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The default profile file: `$XDG_CONFIG_HOME/opending/profile.toml`, else
/// `~/.config/opending/profile.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("opending").join("profile.toml"))
}

/// Loads the profile `name` (or the file's default) from `file` (or the default path).
///
/// A missing default file with no profile named is no error (everything may come from flags
/// and the environment); a named profile that cannot be found is.
pub fn load(file: Option<&Path>, name: Option<&str>) -> Result<Profile, String> {
    let (path, explicit) = match file {
        Some(p) => (p.to_owned(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None if name.is_some() => {
                return Err("no profile file: set --profile-file or HOME".into())
            }
            None => return Ok(Profile::default()),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit && name.is_none() => {
            return Ok(Profile::default())
        }
        Err(e) => return Err(format!("cannot read profile file {}: {e}", path.display())),
    };
    let parsed: ProfileFile =
        toml::from_str(&text).map_err(|e| format!("profile file {}: {e}", path.display()))?;
    let wanted = name.map(str::to_owned).or(parsed.default.clone());
    match wanted {
        Some(n) => parsed.profiles.get(&n).cloned().ok_or_else(|| {
            let known: Vec<&str> = parsed.profiles.keys().map(String::as_str).collect();
            format!(
                "no profile {n:?} in {} (profiles: {})",
                path.display(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        }),
        None => Ok(parsed.profiles.get("default").cloned().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "opending-profile-{}-{}.toml",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn named_default_and_missing_profiles() {
        let p = file(
            "default = \"a\"\n[profiles.a]\nclient_id = \"ida\"\n[profiles.b]\nclient_id = \"idb\"\nclient_secret = \"s\"\n",
        );
        assert_eq!(
            load(Some(&p), None).unwrap().client_id.as_deref(),
            Some("ida")
        );
        let b = load(Some(&p), Some("b")).unwrap();
        assert_eq!(b.client_secret.unwrap().expose(), "s");
        let err = load(Some(&p), Some("c")).unwrap_err();
        assert!(
            err.contains("no profile \"c\"") && err.contains("a, b"),
            "{err}"
        );
        let bad = file("[profiles.x]\nclientId = \"camel\"\n");
        assert!(load(Some(&bad), Some("x"))
            .unwrap_err()
            .contains("unknown field"));
        assert!(load(Some(Path::new("/nonexistent/p.toml")), None).is_err());
        let _ = std::fs::remove_file(p);
        let _ = std::fs::remove_file(bad);
    }
}
