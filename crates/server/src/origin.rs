//! Where a call to the services comes from, handed to them as a value: the request's id and the
//! caller's address and route (what the audit log records and the limits count by), and who is
//! acting. The HTTP layer makes one per request (`http/extract.rs`); the CLI, the seed and the
//! demo use [`Origin::operator`]. Nothing below `http/` reads the request's task-local context.

use std::{
    net::IpAddr,
    sync::{Arc, OnceLock},
};

use opending_domain::ActorKind;

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
    /// An HTTP request; the cell holds the signed-in user once a page's guard knows them.
    Request { acting_user: Arc<OnceLock<String>> },
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

    /// A call inside an HTTP request. `acting_user` is the request's cell of the signed-in
    /// person making an administrative change through the pages (set by their guards).
    pub fn request(
        request_id: Arc<str>,
        client_address: Option<IpAddr>,
        route: Option<Arc<str>>,
        acting_user: Arc<OnceLock<String>>,
    ) -> Self {
        Self {
            request_id: Some(request_id),
            client_address,
            route,
            face: Face::Request { acting_user },
        }
    }

    /// Who is acting in an administrative call: the signed-in user when the change is made
    /// through the pages (org administration, developer console), else the admin API's caller
    /// inside an HTTP request, else the operator at the CLI.
    pub fn actor(&self) -> (ActorKind, Option<String>) {
        match &self.face {
            Face::Request { acting_user } => match acting_user.get() {
                Some(user) => (ActorKind::User, Some(user.clone())),
                None => (ActorKind::Admin, None),
            },
            Face::Operator => (ActorKind::Operator, None),
        }
    }

    /// Records that the signed-in `union_id` is acting (the pages' guards; nothing for the
    /// operator).
    pub fn set_acting_user(&self, union_id: &str) {
        if let Face::Request { acting_user } = &self.face {
            let _ = acting_user.set(union_id.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actor_follows_the_face_and_the_signed_in_user() {
        assert_eq!(Origin::operator().actor(), (ActorKind::Operator, None));
        let cell = Arc::new(OnceLock::new());
        let request = Origin::request("id".into(), None, None, cell.clone());
        assert_eq!(request.actor(), (ActorKind::Admin, None));
        request.set_acting_user("alice");
        assert_eq!(request.actor(), (ActorKind::User, Some("alice".into())));
        assert_eq!(cell.get().map(String::as_str), Some("alice"));
    }
}
