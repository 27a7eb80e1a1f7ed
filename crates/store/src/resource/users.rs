//! Users: profiles and password hashes.

use async_trait::async_trait;
use opending_domain::{UnionId, UnixTime, User};

use crate::{
    backend::Backend,
    exec::{stmt, Row},
    StoreError, StoreResult,
};

/// Users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; `Conflict` if the unionId or login exists.
    async fn create_user(&self, user: &User, password_hash: &str) -> StoreResult<()>;
    /// Replaces a user's profile fields (not the password) and moves the change counter;
    /// `NotFound` if there is no such user, `Conflict` if the new login is another user's.
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// Sets a user's password hash and ends every session of the user; `NotFound` if there is
    /// no such user.
    async fn set_password(&self, union_id: &UnionId, password_hash: &str) -> StoreResult<()>;
    /// One user.
    async fn get_user(&self, union_id: &UnionId) -> StoreResult<Option<User>>;
    /// A user and password hash by sign-in name.
    async fn get_user_by_login(&self, login: &str) -> StoreResult<Option<(User, String)>>;
    /// All users, by login.
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Deletes a user with memberships, sessions, codes, tokens and consents; `NotFound` if
    /// there is no such user.
    async fn delete_user(&self, union_id: &UnionId) -> StoreResult<()>;
}

/// The user row's columns (without the password hash), for `concat!`.
macro_rules! user_columns {
    () => {
        "union_id, login, nick, avatar_url, mobile, state_code, email, created_at"
    };
}

fn user(r: &dyn Row) -> StoreResult<User> {
    Ok(User {
        union_id: super::union_id(r, "union_id")?,
        login: r.text("login")?,
        nick: r.text("nick")?,
        avatar_url: r.text("avatar_url")?,
        mobile: r.opt_text("mobile")?,
        state_code: r.opt_text("state_code")?,
        email: r.opt_text("email")?,
        created_at: UnixTime(r.int("created_at")?),
    })
}

fn user_and_password(r: &dyn Row) -> StoreResult<(User, String)> {
    Ok((user(r)?, r.text("password_hash")?))
}

#[async_trait]
impl<B: Backend> UserStore for B {
    async fn create_user(&self, u: &User, password_hash: &str) -> StoreResult<()> {
        self.write_one(stmt!(
            "INSERT INTO users (union_id, login, nick, avatar_url, mobile, state_code, email, \
                 password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            u.union_id.as_str(),
            &u.login,
            &u.nick,
            &u.avatar_url,
            &u.mobile,
            &u.state_code,
            &u.email,
            password_hash,
            u.created_at.0
        ))
        .await
        .map_err(|e| e.on_write("a user with this unionId or login"))?;
        Ok(())
    }

    async fn update_user(&self, u: &User) -> StoreResult<()> {
        let update = stmt!(
            "UPDATE users SET login = $2, nick = $3, avatar_url = $4, mobile = $5, \
                 state_code = $6, email = $7 \
             WHERE union_id = $1",
            u.union_id.as_str(),
            &u.login,
            &u.nick,
            &u.avatar_url,
            &u.mobile,
            &u.state_code,
            &u.email
        );
        let missing = StoreError::NotFound(format!("user {}", u.union_id));
        // A change (it moves the counter): the contact API keeps profiles in memory until the
        // next change.
        self.change(move |tx| {
            Box::pin(async move {
                let done = tx
                    .execute(&update)
                    .await
                    .map_err(|e| e.on_write("a user with this login"))?;
                if done == 0 {
                    return Err(missing);
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_password(&self, union_id: &UnionId, password_hash: &str) -> StoreResult<()> {
        let update = stmt!(
            "UPDATE users SET password_hash = $2 WHERE union_id = $1",
            union_id.as_str(),
            password_hash
        );
        // A new password ends every session.
        let sessions = stmt!(
            "DELETE FROM sessions WHERE union_id = $1",
            union_id.as_str()
        );
        let missing = StoreError::NotFound(format!("user {union_id}"));
        self.write(move |tx| {
            Box::pin(async move {
                if tx.execute(&update).await? == 0 {
                    return Err(missing);
                }
                tx.execute(&sessions).await?;
                Ok(())
            })
        })
        .await
    }

    async fn get_user(&self, union_id: &UnionId) -> StoreResult<Option<User>> {
        const GET: &str = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE union_id = $1"
        );
        self.one(stmt!(GET, union_id.as_str()), user).await
    }

    async fn get_user_by_login(&self, login: &str) -> StoreResult<Option<(User, String)>> {
        const GET: &str = concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE login = $1"
        );
        self.one(stmt!(GET, login), user_and_password).await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        const LIST: &str = concat!("SELECT ", user_columns!(), " FROM users ORDER BY login");
        self.all(stmt!(LIST), user).await
    }

    async fn delete_user(&self, union_id: &UnionId) -> StoreResult<()> {
        let delete = stmt!("DELETE FROM users WHERE union_id = $1", union_id.as_str());
        let missing = StoreError::NotFound(format!("user {union_id}"));
        self.change(move |tx| {
            Box::pin(async move {
                if tx.execute(&delete).await? == 0 {
                    return Err(missing);
                }
                Ok(())
            })
        })
        .await
    }
}
