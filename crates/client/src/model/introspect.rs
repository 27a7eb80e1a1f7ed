//! `POST /v1.0/oauth2/introspect`: opending's token introspection (RFC 7662 shape). Not a
//! DingTalk API: real DingTalk answers `404`. The bodies are [`opending_wire`]'s; how the SDK
//! authenticates the call is its own.

use std::fmt;

use crate::{Credentials, Secret};

/// Who asks: an app (HTTP Basic with its client credentials; it learns only about its own
/// tokens) or the operator (`Authorization: Bearer <admin key>`; sees every token).
#[derive(Clone, PartialEq, Eq)]
pub enum IntrospectionAuth {
    /// An app, authenticated with HTTP Basic.
    Client(Credentials),
    /// The operator's admin key.
    AdminKey(Secret),
}

impl fmt::Debug for IntrospectionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Client(c) => f.debug_tuple("Client").field(c).finish(),
            Self::AdminKey(k) => f.debug_tuple("AdminKey").field(k).finish(),
        }
    }
}
