//! Where a third-party app's suite ticket comes from. DingTalk pushes a new ticket every few
//! hours (an event, or an HTTP callback); the app keeps the latest one and every suite or corp
//! token request signs with it. The token manager asks a [`SuiteTickets`] for the ticket each
//! time it fetches, so a ticket the app stored a moment ago is the one used.

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use crate::{Result, Secret};

/// A source of the current suite ticket: implement it over wherever your app stores the
/// ticket DingTalk pushes (a database row, Redis, the Stream callback's last value).
#[async_trait::async_trait]
pub trait SuiteTicketSource: Send + Sync + 'static {
    /// The latest suite ticket.
    async fn suite_ticket(&self) -> Result<Secret>;
}

type TicketFn = dyn Fn() -> Pin<Box<dyn Future<Output = Result<Secret>> + Send>> + Send + Sync;

struct FromFn(Box<TicketFn>);

#[async_trait::async_trait]
impl SuiteTicketSource for FromFn {
    async fn suite_ticket(&self) -> Result<Secret> {
        (self.0)().await
    }
}

struct Fixed(Secret);

#[async_trait::async_trait]
impl SuiteTicketSource for Fixed {
    async fn suite_ticket(&self) -> Result<Secret> {
        Ok(self.0.clone())
    }
}

/// A shared [`SuiteTicketSource`], cheap to clone. Two values are equal when they share one
/// source.
#[derive(Clone)]
pub struct SuiteTickets(Arc<dyn SuiteTicketSource>);

impl SuiteTickets {
    /// Tickets from `source`.
    pub fn new(source: impl SuiteTicketSource) -> Self {
        Self(Arc::new(source))
    }

    /// Always `ticket`: for a custom app (定制应用), which DingTalk lets sign with any ticket,
    /// and for tests.
    pub fn fixed(ticket: impl Into<Secret>) -> Self {
        Self::new(Fixed(ticket.into()))
    }

    /// Tickets from an async function, e.g. `|| async { Ok(Secret::new(db.latest_ticket().await?)) }`.
    pub fn from_fn<F, Fut>(f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Secret>> + Send + 'static,
    {
        Self::new(FromFn(Box::new(move || Box::pin(f()))))
    }

    /// The current ticket.
    pub async fn current(&self) -> Result<Secret> {
        self.0.suite_ticket().await
    }
}

impl fmt::Debug for SuiteTickets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SuiteTickets(..)")
    }
}

impl PartialEq for SuiteTickets {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SuiteTickets {}

impl std::hash::Hash for SuiteTickets {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as *const () as usize).hash(state);
    }
}
