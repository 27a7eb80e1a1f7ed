//! Where a call to the services comes from, handed to them as a value: the request's id and the
//! caller's address and route (what the audit log records and the limits count by), and who is
//! acting. The HTTP layer makes one per request (`http/extract.rs`); the CLI, the seed and the
//! demo use [`Origin::operator`]. Nothing below `http/` reads the request's task-local context.

use std::{
    net::IpAddr,
    sync::{Arc, OnceLock},
};

use opending_domain::ActorKind;

/// Who acts in an HTTP request, as its guard established (set once per request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acting {
    /// A person signed in to the pages (unionId): the developer console, org administration.
    User(String),
    /// The holder of the admin key: the admin API, the operator's pages.
    AdminKey,
    /// The emulator's control API (`/_opending/…`, emulator mode only): opending itself.
    Emulator,
}

/// What the actor of a call may change, as the services' policy (`service/policy.rs`) reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rights<'a> {
    /// Everything: the operator at the CLI (seed and demo included), the admin key's holder
    /// and the emulator's control API.
    Platform,
    /// What the signed-in person (unionId) may change as a member of their orgs.
    Member(&'a str),
    /// Nothing: a request whose guard established no actor.
    Nobody,
}

/// The origin of a service call.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The request id (`x-acs-request-id`), inside an HTTP request.
    pub request_id: Option<Arc<str>>,
    /// The client's address: the peer's, or the one a trusted proxy forwarded.
    pub client_address: Option<IpAddr>,
    /// The matched route pattern (`/v1.0/oauth2/{corp_id}/token`), what per-route limits
    /// count by.
    pub route: Option<Arc<str>>,
    /// Who acts: see [`Origin::actor`].
    face: Face,
}

#[derive(Debug, Clone)]
enum Face {
    /// An HTTP request; the cell holds who acts once a guard knows it.
    Request { acting: Arc<OnceLock<Acting>> },
    /// The operator at the command line (the CLI's admin commands, the seed, the demo).
    Operator,
}

impl Origin {
    /// A call from the operator at the command line.
    pub fn operator() -> Self {
        Self {
            request_id: None,
            client_address: None,
            route: None,
            face: Face::Operator,
        }
    }

    /// A call inside an HTTP request. `acting` is the request's cell of who acts, set by the
    /// guard that established it (the pages' sign-in guards, the admin-key check).
    pub fn request(
        request_id: Arc<str>,
        client_address: Option<IpAddr>,
        route: Option<Arc<str>>,
        acting: Arc<OnceLock<Acting>>,
    ) -> Self {
        Self {
            request_id: Some(request_id),
            client_address,
            route,
            face: Face::Request { acting },
        }
    }

    /// Who is acting in an administrative call: the signed-in user when the change is made
    /// through the pages (org administration, developer console), else the admin API's caller
    /// inside an HTTP request, else the operator at the CLI.
    pub fn actor(&self) -> (ActorKind, Option<String>) {
        match &self.face {
            Face::Request { acting } => match acting.get() {
                Some(Acting::User(user)) => (ActorKind::User, Some(user.clone())),
                Some(Acting::AdminKey) | None => (ActorKind::Admin, None),
                Some(Acting::Emulator) => (ActorKind::System, None),
            },
            Face::Operator => (ActorKind::Operator, None),
        }
    }

    /// What the actor may change: [`Rights::Nobody`] for a request no guard vouched for, so a
    /// handler that forgot its guard can change nothing.
    pub fn rights(&self) -> Rights<'_> {
        match &self.face {
            Face::Operator => Rights::Platform,
            Face::Request { acting } => match acting.get() {
                Some(Acting::AdminKey | Acting::Emulator) => Rights::Platform,
                Some(Acting::User(user)) => Rights::Member(user),
                None => Rights::Nobody,
            },
        }
    }

    /// Records who acts in this request (a guard, once; nothing for the operator).
    pub fn set_acting(&self, who: Acting) {
        if let Face::Request { acting } = &self.face {
            let _ = acting.set(who);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actor_follows_the_face_and_the_signed_in_user() {
        assert_eq!(Origin::operator().actor(), (ActorKind::Operator, None));
        assert_eq!(Origin::operator().rights(), Rights::Platform);
        let cell = Arc::new(OnceLock::new());
        let request = Origin::request("id".into(), None, None, cell.clone());
        assert_eq!(request.actor(), (ActorKind::Admin, None));
        assert_eq!(request.rights(), Rights::Nobody);
        request.set_acting(Acting::User("alice".into()));
        assert_eq!(request.actor(), (ActorKind::User, Some("alice".into())));
        assert_eq!(request.rights(), Rights::Member("alice"));
        assert_eq!(cell.get(), Some(&Acting::User("alice".into())));
        // Set once: a later guard cannot widen the rights.
        request.set_acting(Acting::AdminKey);
        assert_eq!(request.rights(), Rights::Member("alice"));
        let admin = Origin::request("id".into(), None, None, Arc::default());
        admin.set_acting(Acting::AdminKey);
        assert_eq!(admin.rights(), Rights::Platform);
        assert_eq!(admin.actor(), (ActorKind::Admin, None));
    }
}
