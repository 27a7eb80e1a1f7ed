//! The org directory: departments, each member's staff profile and seats, and in-app login
//! (免登) codes.

use async_trait::async_trait;
use opending_domain::{
    directory::{Department, Seat, Staff},
    ClientId, CorpId, KeyedHash, Membership, UnionId, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row, Tx},
    StoreError, StoreResult,
};

/// A member of an org as the directory holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The membership (org, user, role).
    pub membership: Membership,
    /// The staff profile.
    pub staff: Staff,
}

/// An in-app login (免登) code, stored by hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCode {
    /// Keyed hash of the code.
    pub code_hash: KeyedHash,
    /// The app it was minted for.
    pub client_id: ClientId,
    /// The org.
    pub corp_id: CorpId,
    /// The member.
    pub union_id: UnionId,
    /// When it stops working.
    pub expires_at: UnixTime,
}

/// The directory.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Adds or changes a department; `NotFound` if the org does not exist.
    async fn put_department(&self, d: &Department) -> StoreResult<()>;
    /// Removes a department (its members' seats in it go too); `NotFound` if absent.
    async fn delete_department(&self, corp_id: &CorpId, dept_id: i64) -> StoreResult<()>;
    /// Every department of an org, by parent, then order, then id.
    async fn departments_of(&self, corp_id: &CorpId) -> StoreResult<Vec<Department>>;
    /// Replaces a member's profile and seats; `NotFound` if not a member (or a seat's
    /// department does not exist), `Conflict` if the userid is another member's.
    async fn set_staff(
        &self,
        corp_id: &CorpId,
        union_id: &UnionId,
        staff: &Staff,
    ) -> StoreResult<()>;
    /// A member, by unionId.
    async fn member(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<Option<Member>>;
    /// A member, by userid.
    async fn member_by_userid(&self, corp_id: &CorpId, userid: &str)
        -> StoreResult<Option<Member>>;
    /// The members whose person has this mobile number.
    async fn member_by_mobile(&self, corp_id: &CorpId, mobile: &str)
        -> StoreResult<Option<Member>>;
    /// The direct members of a department (the root: those with no other seat), in their
    /// order there, then by userid: `limit` of them from `offset`.
    async fn members_in_dept(
        &self,
        corp_id: &CorpId,
        dept_id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<Member>>;
    /// How many members the org has (only the activated ones with `only_active`).
    async fn count_members(&self, corp_id: &CorpId, only_active: bool) -> StoreResult<i64>;
    /// Stores an in-app login code, sweeping the codes expired by `now`.
    async fn put_login_code(&self, code: &LoginCode, now: UnixTime) -> StoreResult<()>;
    /// Takes (deletes and returns) the login code with this hash, if it is live at `now`.
    async fn take_login_code(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<Option<LoginCode>>;
}

const MEMBER_COLUMNS: &str = "m.corp_id, m.union_id, m.role, m.userid, m.title, m.job_number, \
    m.work_place, m.remark, m.extension, m.org_email, m.telephone, m.hired_date, m.boss, \
    m.manager_userid, m.active";

fn department(r: &dyn Row) -> StoreResult<Department> {
    let managers = r.text("managers")?;
    Ok(Department {
        corp_id: super::corp_id(r, "corp_id")?,
        dept_id: r.int("dept_id")?,
        name: r.text("name")?,
        parent_id: r.int("parent_id")?,
        order: r.int("sort_order")?,
        managers: if managers.is_empty() {
            Vec::new()
        } else {
            managers.split('|').map(str::to_owned).collect()
        },
    })
}

fn member_row(r: &dyn Row) -> StoreResult<Member> {
    let role = r.text("role")?;
    let corp_id = super::corp_id(r, "corp_id")?;
    let union_id = super::union_id(r, "union_id")?;
    let userid = match r.opt_text("userid")? {
        Some(u) => u,
        None => opending_domain::user::userid(&corp_id, &union_id),
    };
    Ok(Member {
        membership: Membership {
            corp_id,
            union_id,
            role: role.parse().map_err(|e| corrupt("role", e))?,
        },
        staff: Staff {
            userid,
            title: r.text("title")?,
            job_number: r.text("job_number")?,
            work_place: r.text("work_place")?,
            remark: r.text("remark")?,
            extension: r.text("extension")?,
            org_email: r.text("org_email")?,
            telephone: r.text("telephone")?,
            hired_date: r.opt_int("hired_date")?,
            boss: r.int("boss")? != 0,
            manager_userid: r.text("manager_userid")?,
            active: r.int("active")? != 0,
            seats: Vec::new(),
        },
    })
}

fn seat(r: &dyn Row) -> StoreResult<Seat> {
    Ok(Seat {
        dept_id: r.int("dept_id")?,
        order: r.int("sort_order")?,
        leader: r.int("leader")? != 0,
    })
}

fn login_code(r: &dyn Row) -> StoreResult<LoginCode> {
    Ok(LoginCode {
        code_hash: super::hash(r, "code_hash")?,
        client_id: super::client_id(r, "client_id")?,
        corp_id: super::corp_id(r, "corp_id")?,
        union_id: super::union_id(r, "union_id")?,
        expires_at: UnixTime(r.int("expires_at")?),
    })
}

/// Fills in each member's seats.
async fn with_seats(tx: &mut dyn Tx, mut members: Vec<Member>) -> StoreResult<Vec<Member>> {
    for m in &mut members {
        m.staff.seats = tx
            .all(
                &stmt!(
                    "SELECT dept_id, sort_order, leader FROM dept_seats \
                     WHERE corp_id = $1 AND union_id = $2 ORDER BY position",
                    m.membership.corp_id.as_str(),
                    m.membership.union_id.as_str()
                ),
                seat,
            )
            .await?;
    }
    Ok(members)
}

/// One member found by `stmt` (whose columns are [`MEMBER_COLUMNS`]), with seats.
async fn one_member<B: Backend>(store: &B, stmt: crate::exec::Stmt) -> StoreResult<Option<Member>> {
    store
        .read(move |tx| {
            Box::pin(async move {
                let found = tx.one(&stmt, member_row).await?;
                Ok(with_seats(tx, found.into_iter().collect()).await?.pop())
            })
        })
        .await
}

/// Gives every membership made before userids were stored its derived userid (run after the
/// migrations; a no-op once done).
pub(crate) async fn backfill_userids<B: Backend>(store: &B) -> StoreResult<()> {
    store
        .write(move |tx| {
            Box::pin(async move {
                let missing = tx
                    .all(
                        &stmt!("SELECT corp_id, union_id FROM memberships WHERE userid IS NULL"),
                        |r| {
                            Ok((
                                super::corp_id(r, "corp_id")?,
                                super::union_id(r, "union_id")?,
                            ))
                        },
                    )
                    .await?;
                for (corp, user) in missing {
                    let userid = opending_domain::user::userid(&corp, &user);
                    tx.execute(&stmt!(
                        "UPDATE memberships SET userid = $1 WHERE corp_id = $2 AND union_id = $3",
                        userid,
                        corp.as_str(),
                        user.as_str()
                    ))
                    .await?;
                }
                Ok(())
            })
        })
        .await
}

#[async_trait]
impl<B: Backend> DirectoryStore for B {
    async fn put_department(&self, d: &Department) -> StoreResult<()> {
        let upsert = stmt!(
            "INSERT INTO departments (corp_id, dept_id, name, parent_id, sort_order, managers) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (corp_id, dept_id) DO UPDATE SET \
             name = excluded.name, parent_id = excluded.parent_id, \
             sort_order = excluded.sort_order, managers = excluded.managers",
            d.corp_id.as_str(),
            d.dept_id,
            d.name.as_str(),
            d.parent_id,
            d.order,
            d.managers.join("|")
        );
        self.write(move |tx| {
            Box::pin(async move {
                tx.execute(&upsert)
                    .await
                    .map_err(|e| e.on_write("the department"))?;
                Ok(())
            })
        })
        .await
    }

    async fn delete_department(&self, corp_id: &CorpId, dept_id: i64) -> StoreResult<()> {
        let delete = stmt!(
            "DELETE FROM departments WHERE corp_id = $1 AND dept_id = $2",
            corp_id.as_str(),
            dept_id
        );
        let gone = self.write_one(delete).await?;
        if gone == 0 {
            return Err(StoreError::NotFound(format!("department {dept_id}")));
        }
        Ok(())
    }

    async fn departments_of(&self, corp_id: &CorpId) -> StoreResult<Vec<Department>> {
        self.all(
            stmt!(
                "SELECT corp_id, dept_id, name, parent_id, sort_order, managers FROM departments \
                 WHERE corp_id = $1 ORDER BY parent_id, sort_order, dept_id",
                corp_id.as_str()
            ),
            department,
        )
        .await
    }

    async fn set_staff(
        &self,
        corp_id: &CorpId,
        union_id: &UnionId,
        staff: &Staff,
    ) -> StoreResult<()> {
        let (corp, user, s) = (
            corp_id.as_str().to_owned(),
            union_id.as_str().to_owned(),
            staff.clone(),
        );
        self.write(move |tx| {
            Box::pin(async move {
                let changed = tx
                    .execute(&stmt!(
                        "UPDATE memberships SET userid = $3, title = $4, job_number = $5, \
                         work_place = $6, remark = $7, extension = $8, org_email = $9, \
                         telephone = $10, hired_date = $11, boss = $12, manager_userid = $13, \
                         active = $14 WHERE corp_id = $1 AND union_id = $2",
                        corp.as_str(),
                        user.as_str(),
                        s.userid.as_str(),
                        s.title.as_str(),
                        s.job_number.as_str(),
                        s.work_place.as_str(),
                        s.remark.as_str(),
                        s.extension.as_str(),
                        s.org_email.as_str(),
                        s.telephone.as_str(),
                        s.hired_date,
                        i64::from(s.boss),
                        s.manager_userid.as_str(),
                        i64::from(s.active)
                    ))
                    .await
                    .map_err(|e| e.on_write(&format!("userid {}", s.userid)))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!(
                        "membership of {user} in {corp}"
                    )));
                }
                tx.execute(&stmt!(
                    "DELETE FROM dept_seats WHERE corp_id = $1 AND union_id = $2",
                    corp.as_str(),
                    user.as_str()
                ))
                .await?;
                for (position, seat) in s.seats.iter().enumerate() {
                    tx.execute(&stmt!(
                        "INSERT INTO dept_seats (corp_id, union_id, dept_id, sort_order, leader, \
                         position) VALUES ($1, $2, $3, $4, $5, $6)",
                        corp.as_str(),
                        user.as_str(),
                        seat.dept_id,
                        seat.order,
                        i64::from(seat.leader),
                        position as i64
                    ))
                    .await
                    .map_err(|e| e.on_write(&format!("the seat in department {}", seat.dept_id)))?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn member(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<Option<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM memberships m WHERE m.corp_id = $1 AND m.union_id = $2"
        );
        let stmt =
            crate::exec::Stmt::owned(sql, vec![corp_id.as_str().into(), union_id.as_str().into()]);
        one_member(self, stmt).await
    }

    async fn member_by_userid(
        &self,
        corp_id: &CorpId,
        userid: &str,
    ) -> StoreResult<Option<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM memberships m WHERE m.corp_id = $1 AND m.userid = $2"
        );
        let stmt = crate::exec::Stmt::owned(sql, vec![corp_id.as_str().into(), userid.into()]);
        one_member(self, stmt).await
    }

    async fn member_by_mobile(
        &self,
        corp_id: &CorpId,
        mobile: &str,
    ) -> StoreResult<Option<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.union_id = m.union_id \
             WHERE m.corp_id = $1 AND u.mobile = $2 AND m.active = 1 ORDER BY m.userid"
        );
        let stmt = crate::exec::Stmt::owned(sql, vec![corp_id.as_str().into(), mobile.into()]);
        one_member(self, stmt).await
    }

    async fn members_in_dept(
        &self,
        corp_id: &CorpId,
        dept_id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<Member>> {
        let stmt = if dept_id == opending_domain::directory::ROOT_DEPT {
            crate::exec::Stmt::owned(
                format!(
                    "SELECT {MEMBER_COLUMNS} FROM memberships m WHERE m.corp_id = $1 AND NOT \
                     EXISTS (SELECT 1 FROM dept_seats s WHERE s.corp_id = m.corp_id \
                     AND s.union_id = m.union_id) ORDER BY m.userid LIMIT $2 OFFSET $3"
                ),
                vec![corp_id.as_str().into(), limit.into(), offset.into()],
            )
        } else {
            crate::exec::Stmt::owned(
                format!(
                    "SELECT {MEMBER_COLUMNS} FROM memberships m JOIN dept_seats s \
                     ON s.corp_id = m.corp_id AND s.union_id = m.union_id AND s.dept_id = $2 \
                     WHERE m.corp_id = $1 ORDER BY s.sort_order, m.userid LIMIT $3 OFFSET $4"
                ),
                vec![
                    corp_id.as_str().into(),
                    dept_id.into(),
                    limit.into(),
                    offset.into(),
                ],
            )
        };
        self.scan(move |tx| {
            Box::pin(async move {
                let found = tx.all(&stmt, member_row).await?;
                with_seats(tx, found).await
            })
        })
        .await
    }

    async fn count_members(&self, corp_id: &CorpId, only_active: bool) -> StoreResult<i64> {
        let count = self
            .one(
                stmt!(
                    "SELECT COUNT(*) AS n FROM memberships WHERE corp_id = $1 AND active >= $2",
                    corp_id.as_str(),
                    i64::from(only_active)
                ),
                |r| r.int("n"),
            )
            .await?;
        Ok(count.unwrap_or(0))
    }

    async fn put_login_code(&self, code: &LoginCode, now: UnixTime) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO login_codes (code_hash, client_id, corp_id, union_id, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            code.code_hash.to_hex(),
            code.client_id.as_str(),
            code.corp_id.as_str(),
            code.union_id.as_str(),
            code.expires_at.0
        );
        self.write(move |tx| {
            Box::pin(async move {
                // Expired codes are swept as new ones are made.
                tx.execute(&stmt!(
                    "DELETE FROM login_codes WHERE expires_at < $1",
                    now.0
                ))
                .await?;
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("the login code"))?;
                Ok(())
            })
        })
        .await
    }

    async fn take_login_code(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<Option<LoginCode>> {
        let take = stmt!(
            "DELETE FROM login_codes WHERE code_hash = $1 \
             RETURNING code_hash, client_id, corp_id, union_id, expires_at",
            hash.to_hex()
        );
        let found = self
            .write(move |tx| Box::pin(async move { tx.one(&take, login_code).await }))
            .await?;
        Ok(found.filter(|c| c.expires_at > now))
    }
}
