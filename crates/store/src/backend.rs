//! What a backend provides to the resources (`resource/`): somewhere to run a body of
//! statements — a read, a scan, a transaction — and the few hooks where one backend runs a hot
//! statement its own way. Each resource's port trait is implemented once, for every backend,
//! over this trait; the backends themselves (`sqlite.rs`, `postgres.rs`) hold no SQL of any
//! resource.

use std::{future::Future, pin::Pin};

use opending_domain::{token::AppToken, ClientId, CorpId, UnixTime};

use crate::{
    exec::{Decode, Dialect, Stmt, Tx},
    AppInOrg, ChangeFeed, StoreResult,
};

/// The future a body of statements returns: it borrows the transaction it runs on. A body is
/// written `move |tx| Box::pin(async move { … })`; on SQLite it runs synchronously on a
/// connection's thread, so it may await nothing but the [`Tx`].
pub(crate) type TxFuture<'t, R> = Pin<Box<dyn Future<Output = StoreResult<R>> + Send + 't>>;

/// `body`, unchanged: names a body kept in a variable, so its type gets the bound every
/// [`Backend`] method asks for.
pub(crate) fn body<R, F>(body: F) -> F
where
    F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
{
    body
}

/// Runs statements: the one executor of a backend.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Runs a point read (a handful of indexed lookups) outside any write transaction. Every
    /// read sees every change committed before it started, by any process.
    fn read<R, F>(&self, body: F) -> impl Future<Output = StoreResult<R>> + Send
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static;

    /// Runs a read that may return many rows (a listing): like [`Backend::read`], but never
    /// on the caller's thread.
    fn scan<R, F>(&self, body: F) -> impl Future<Output = StoreResult<R>> + Send
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static;

    /// Runs `body` in one transaction, committed before this returns; an error from `body`
    /// undoes everything it did.
    fn write<R, F>(&self, body: F) -> impl Future<Output = StoreResult<R>> + Send
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static;

    /// Runs one statement as its own transaction; rows changed.
    fn write_one(&self, stmt: Stmt) -> impl Future<Output = StoreResult<u64>> + Send {
        self.write(move |tx| Box::pin(async move { tx.execute(&stmt).await }))
    }

    /// Which backend this is.
    fn dialect(&self) -> Dialect;

    /// This process's change feed.
    fn feed(&self) -> &ChangeFeed;

    /// The token endpoint's app-in-org read, batched with the others waiting at the same
    /// moment (PostgreSQL, `pg_batch.rs`); `None` runs it as a statement of its own.
    fn batched_app_in_org(
        &self,
        _client_id: &ClientId,
        _corp_id: &CorpId,
    ) -> Option<impl Future<Output = StoreResult<Option<AppInOrg>>> + Send> {
        None::<std::future::Ready<_>>
    }

    /// The token endpoint's app-token upsert, batched likewise; `None` runs it on its own.
    fn batched_app_token(
        &self,
        _candidate: &AppToken,
        _now: UnixTime,
    ) -> Option<impl Future<Output = StoreResult<AppToken>> + Send> {
        None::<std::future::Ready<_>>
    }

    /// The in-memory SQLite store's count of its own changes, which is its fresh change counter
    /// (no other process can reach it); `None` everywhere else.
    fn in_process_change_count(&self) -> Option<i64> {
        None
    }

    /// The first row of `stmt`, decoded, as a point read.
    fn one<T: Send + 'static>(
        &self,
        stmt: Stmt,
        decode: Decode<T>,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send {
        self.read(move |tx| Box::pin(async move { tx.one(&stmt, decode).await }))
    }

    /// Every row of `stmt`, decoded, as a scan.
    fn all<T: Send + 'static>(
        &self,
        stmt: Stmt,
        decode: Decode<T>,
    ) -> impl Future<Output = StoreResult<Vec<T>>> + Send {
        self.scan(move |tx| Box::pin(async move { tx.all(&stmt, decode).await }))
    }

    /// A write that may withdraw a right: runs `body` in one transaction that also moves the
    /// change counter, then tells this process's subscribers (other processes hear of it through
    /// the counter, or PostgreSQL's NOTIFY).
    fn change<R, F>(&self, body: F) -> impl Future<Output = StoreResult<R>> + Send
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> TxFuture<'t, R> + Send + 'static,
    {
        async move {
            let value = self
                .write(move |tx| {
                    Box::pin(async move {
                        let value = body(&mut *tx).await?;
                        tx.bump_change_seq().await?;
                        Ok(value)
                    })
                })
                .await?;
            self.feed().notify();
            Ok(value)
        }
    }
}
