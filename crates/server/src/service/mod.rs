//! The rules of each feature, over [`crate::Core`]: no HTTP types here. Handlers and the CLI
//! both call these functions, so the two faces of every operation cannot drift apart.

pub mod admin;
pub mod app_token;
pub mod audit;
pub mod auth;
pub mod console;
pub mod contact;
pub mod contact_cache;
pub mod demo;
pub mod emulator;
pub mod health;
pub mod introspect;
pub mod login_flow;
pub mod openauth;
pub mod operator;
pub mod org;
pub mod permissions;
pub mod seed;
pub mod session;
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
