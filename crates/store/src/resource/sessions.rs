//! Browser sessions of signed-in users.

use async_trait::async_trait;
use opending_domain::{KeyedHash, UnionId, UnixTime};

use crate::{
    backend::Backend,
    exec::{stmt, Row},
    StoreResult,
};

/// Sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a session; `NotFound` if the user does not exist.
    async fn create_session(
        &self,
        id_hash: &KeyedHash,
        union_id: &UnionId,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> StoreResult<()>;
    /// The user of a live session (`None` when unknown or expired at `now`).
    async fn session_user(
        &self,
        id_hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<Option<UnionId>>;
    /// Ends a session (nothing when there is none).
    async fn delete_session(&self, id_hash: &KeyedHash) -> StoreResult<()>;
}

fn user(r: &dyn Row) -> StoreResult<UnionId> {
    super::union_id(r, "union_id")
}

#[async_trait]
impl<B: Backend> SessionStore for B {
    async fn create_session(
        &self,
        id_hash: &KeyedHash,
        union_id: &UnionId,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> StoreResult<()> {
        self.write_one(stmt!(
            "INSERT INTO sessions (id_hash, union_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            id_hash.to_hex(),
            union_id.as_str(),
            now.0,
            expires_at.0
        ))
        .await
        .map_err(|e| e.on_write("the session"))?;
        Ok(())
    }

    async fn session_user(
        &self,
        id_hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<Option<UnionId>> {
        self.one(
            stmt!(
                "SELECT union_id FROM sessions WHERE id_hash = $1 AND expires_at > $2",
                id_hash.to_hex(),
                now.0
            ),
            user,
        )
        .await
    }

    async fn delete_session(&self, id_hash: &KeyedHash) -> StoreResult<()> {
        self.write_one(stmt!(
            "DELETE FROM sessions WHERE id_hash = $1",
            id_hash.to_hex()
        ))
        .await?;
        Ok(())
    }
}
