//! The rules of each resource and protocol, over [`crate::Core`]: no HTTP types here. Every
//! face (the admin API, the pages, the CLI, seed files, the demo) calls these functions with
//! the call's [`crate::Origin`], and [`policy`] decides what its actor may change, so no face
//! can drift from another.
//!
//! Resources: [`orgs`], [`apps`] (with their URIs and secrets), [`installations`], [`points`]
//! (the catalogue, apps' points, orgs' grants), [`users`], [`memberships`], [`consents`],
//! [`tokens`] (revocation). Protocols: [`app_token`], [`user_token`], [`openauth`],
//! [`login_flow`], [`introspect`], [`contact`]. Around them: [`auth`], [`session`],
//! [`operator`], [`audit`], [`health`], [`emulator`], [`seed`], [`demo`].

pub mod app_token;
pub mod apps;
pub mod audit;
pub mod auth;
pub mod consents;
pub mod contact;
pub mod contact_cache;
pub mod demo;
pub mod directory;
pub mod emulator;
pub mod events;
pub mod health;
pub mod inapp;
pub mod installations;
pub mod introspect;
pub mod isv;
pub mod jsapi;
pub mod login_flow;
pub mod memberships;
pub mod openauth;
pub mod operator;
pub mod orgs;
pub mod points;
pub mod policy;
pub mod seed;
pub mod session;
pub mod sns;
pub mod sso;
pub mod tokens;
pub mod user_token;
pub mod users;

use opending_domain::{ApiError, ErrorCode};
use opending_store::StoreError;
pub use opending_store::UriKind;

/// A service failure: a catalogue error for the caller, or an internal fault that is logged and
/// answered with an opaque 500.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An answer from the error catalogue.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Something broke inside (storage, corruption); never shown to the caller.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => {
                ApiError::with_message(ErrorCode::NotFound, format!("{what} does not exist")).into()
            }
            StoreError::Conflict(what) => {
                ApiError::with_message(ErrorCode::Conflict, format!("{what} already exists")).into()
            }
            other => Error::Internal(other.into()),
        }
    }
}

/// `400 InvalidParameter` naming what is wrong (admin-style input).
pub(crate) fn bad(msg: impl Into<String>) -> Error {
    ApiError::with_message(ErrorCode::InvalidParameter, msg.into()).into()
}

/// `400 InvalidParameter` for the pages' handlers (the same as [`bad`]).
pub fn bad_input(msg: impl Into<String>) -> Error {
    bad(msg)
}

/// Parses an org id given by a caller (`400 InvalidParameter` naming the problem).
pub fn parse_corp_id(s: &str) -> Result<opending_domain::CorpId> {
    opending_domain::CorpId::parse(s).map_err(|e| bad(e.to_string()))
}

/// Parses an app id given by a caller.
pub fn parse_client_id(s: &str) -> Result<opending_domain::ClientId> {
    opending_domain::ClientId::parse(s).map_err(|e| bad(e.to_string()))
}

/// `404 NotFound` naming what is missing.
pub(crate) fn not_found(msg: impl Into<String>) -> Error {
    ApiError::with_message(ErrorCode::NotFound, msg.into()).into()
}

/// Result of a service call.
pub type Result<T> = std::result::Result<T, Error>;

/// What bringing something to a seed file's declaration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// It did not exist.
    Created,
    /// It existed differently: what changed (`name`, `clientSecret`, …).
    Updated(Vec<&'static str>),
    /// It was already as declared.
    Unchanged,
}

impl Declared {
    /// `Updated(changed)`, or `Unchanged` when nothing changed.
    pub fn from_changes(changed: Vec<&'static str>) -> Self {
        if changed.is_empty() {
            Self::Unchanged
        } else {
            Self::Updated(changed)
        }
    }
}
