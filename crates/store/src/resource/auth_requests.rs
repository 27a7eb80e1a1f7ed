//! Type-1 authorization requests: an app asks an org's admins for points.

use async_trait::async_trait;
use opending_domain::{
    grant::{join_codes, split_codes, AuthRequest, RequestStatus},
    CorpId, UnionId, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row},
    StoreResult,
};

/// Authorization requests.
#[async_trait]
pub trait AuthRequestStore: Send + Sync {
    /// Stores a request; `Conflict` if its id exists, `NotFound` if its app, org or requester
    /// does not.
    async fn create_auth_request(&self, r: &AuthRequest) -> StoreResult<()>;
    /// An org's requests with a status, oldest first.
    async fn auth_requests(
        &self,
        corp_id: &CorpId,
        status: RequestStatus,
    ) -> StoreResult<Vec<AuthRequest>>;
    /// One request.
    async fn get_auth_request(&self, id: &str) -> StoreResult<Option<AuthRequest>>;
    /// Decides a pending request; returns false if it was not pending.
    async fn decide_auth_request(
        &self,
        id: &str,
        status: RequestStatus,
        by: &UnionId,
        at: UnixTime,
    ) -> StoreResult<bool>;
}

/// The request row's columns, for `concat!`.
macro_rules! request_columns {
    () => {
        "id, client_id, corp_id, requested_by, points, status, created_at, decided_by"
    };
}

fn request(r: &dyn Row) -> StoreResult<AuthRequest> {
    Ok(AuthRequest {
        id: r.text("id")?,
        client_id: super::client_id(r, "client_id")?,
        corp_id: super::corp_id(r, "corp_id")?,
        requested_by: super::union_id(r, "requested_by")?,
        points: split_codes(&r.text("points")?),
        status: r
            .text("status")?
            .parse()
            .map_err(|e| corrupt("status", e))?,
        created_at: UnixTime(r.int("created_at")?),
        decided_by: r
            .opt_text("decided_by")?
            .map(UnionId::parse)
            .transpose()
            .map_err(|e| corrupt("decided_by", e))?,
    })
}

#[async_trait]
impl<B: Backend> AuthRequestStore for B {
    async fn create_auth_request(&self, r: &AuthRequest) -> StoreResult<()> {
        self.write_one(stmt!(
            "INSERT INTO auth_requests (id, client_id, corp_id, requested_by, points, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &r.id,
            r.client_id.as_str(),
            r.corp_id.as_str(),
            r.requested_by.as_str(),
            join_codes(&r.points),
            r.status.as_str(),
            r.created_at.0
        ))
        .await
        .map_err(|e| e.on_write("the request"))?;
        Ok(())
    }

    async fn auth_requests(
        &self,
        corp_id: &CorpId,
        status: RequestStatus,
    ) -> StoreResult<Vec<AuthRequest>> {
        const LIST: &str = concat!(
            "SELECT ",
            request_columns!(),
            " FROM auth_requests WHERE corp_id = $1 AND status = $2 ORDER BY created_at, id"
        );
        self.all(stmt!(LIST, corp_id.as_str(), status.as_str()), request)
            .await
    }

    async fn get_auth_request(&self, id: &str) -> StoreResult<Option<AuthRequest>> {
        const GET: &str = concat!(
            "SELECT ",
            request_columns!(),
            " FROM auth_requests WHERE id = $1"
        );
        self.one(stmt!(GET, id), request).await
    }

    async fn decide_auth_request(
        &self,
        id: &str,
        status: RequestStatus,
        by: &UnionId,
        at: UnixTime,
    ) -> StoreResult<bool> {
        let done = self
            .write_one(stmt!(
                "UPDATE auth_requests SET status = $2, decided_by = $3, decided_at = $4 \
                 WHERE id = $1 AND status = 'pending'",
                id,
                status.as_str(),
                by.as_str(),
                at.0
            ))
            .await?;
        Ok(done > 0)
    }
}
