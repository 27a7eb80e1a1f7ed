//! Memberships: who belongs to which org, with which role.

use async_trait::async_trait;
use opending_domain::{CorpId, Membership, Role, UnionId};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row, TokenLock},
    StoreError, StoreResult,
};

/// Memberships.
#[async_trait]
pub trait MembershipStore: Send + Sync {
    /// Adds a member or changes a member's role; `NotFound` if the org or the user does not
    /// exist.
    async fn put_membership(&self, m: &Membership) -> StoreResult<()>;
    /// Removes a member, with the tokens and codes the user holds in that org; `NotFound` if
    /// absent.
    async fn delete_membership(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<()>;
    /// A user's role in an org.
    async fn get_role(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<Option<Role>>;
    /// A user's memberships, by org.
    async fn memberships_of(&self, union_id: &UnionId) -> StoreResult<Vec<Membership>>;
    /// An org's members, by user.
    async fn members_of(&self, corp_id: &CorpId) -> StoreResult<Vec<Membership>>;
}

fn membership(r: &dyn Row) -> StoreResult<Membership> {
    Ok(Membership {
        corp_id: super::corp_id(r, "corp_id")?,
        union_id: super::union_id(r, "union_id")?,
        role: role(r)?,
    })
}

fn role(r: &dyn Row) -> StoreResult<Role> {
    r.text("role")?.parse().map_err(|e| corrupt("role", e))
}

#[async_trait]
impl<B: Backend> MembershipStore for B {
    async fn put_membership(&self, m: &Membership) -> StoreResult<()> {
        // A new member gets the userid derived from (org, user); a stored one (set by hand)
        // is kept when only the role changes.
        let upsert = stmt!(
            "INSERT INTO memberships (corp_id, union_id, role, userid) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (corp_id, union_id) DO UPDATE SET role = excluded.role",
            m.corp_id.as_str(),
            m.union_id.as_str(),
            m.role.as_str(),
            opending_domain::user::userid(&m.corp_id, &m.union_id)
        );
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&upsert)
                    .await
                    .map_err(|e| e.on_write("the membership"))?;
                Ok(())
            })
        })
        .await
    }

    async fn delete_membership(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<()> {
        let (corp, user) = (corp_id.as_str().to_owned(), union_id.as_str().to_owned());
        self.change(move |tx| {
            Box::pin(async move {
                let keys = || vec![corp.as_str().into(), user.as_str().into()];
                let gone =
                    super::delete_from(tx, "memberships", "corp_id = $1 AND union_id = $2", keys())
                        .await?;
                if gone == 0 {
                    return Err(StoreError::NotFound(format!(
                        "membership of {user} in {corp}"
                    )));
                }
                // What the user holds in that org goes with the membership: tokens and codes
                // issued for it, and those issued without an org by its internal apps (their
                // org is the app's owner org).
                tx.lock(TokenLock::User(&user), true).await?;
                for table in ["user_tokens", "refresh_tokens", "auth_codes"] {
                    super::delete_from(
                        tx,
                        table,
                        "union_id = $2 AND (corp_id = $1 OR (corp_id = '' \
                         AND client_id IN (SELECT client_id FROM apps WHERE owner_corp_id = $1)))",
                        keys(),
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn get_role(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<Option<Role>> {
        self.one(
            stmt!(
                "SELECT role FROM memberships WHERE corp_id = $1 AND union_id = $2",
                corp_id.as_str(),
                union_id.as_str()
            ),
            role,
        )
        .await
    }

    async fn memberships_of(&self, union_id: &UnionId) -> StoreResult<Vec<Membership>> {
        self.all(
            stmt!(
                "SELECT corp_id, union_id, role FROM memberships WHERE union_id = $1 ORDER BY corp_id",
                union_id.as_str()
            ),
            membership,
        )
        .await
    }

    async fn members_of(&self, corp_id: &CorpId) -> StoreResult<Vec<Membership>> {
        self.all(
            stmt!(
                "SELECT corp_id, union_id, role FROM memberships WHERE corp_id = $1 ORDER BY union_id",
                corp_id.as_str()
            ),
            membership,
        )
        .await
    }
}
