//! Apps: the app row, its standing in an org (the token endpoint's read), the console's fields
//! (icon, creator) and its registered redirect URIs and origins.

use async_trait::async_trait;
use opending_domain::{App, ClientId, CorpId, KeyedHash, UnionId, UnixTime};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row, TokenLock},
    AppInOrg, StoreError, StoreResult,
};

/// The console's fields of an app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppProfile {
    /// Icon URL (`''` when none).
    pub icon_url: String,
    /// The user who created the app in the console; `None` for apps made by the admin API,
    /// the CLI or a seed file, or whose creator was deleted.
    pub created_by: Option<UnionId>,
    /// Where an org admin lands (with `?code=`) when opening the app's admin backend from the
    /// org pages (SSO); `''` when none.
    pub admin_url: String,
}

/// Which registered URI list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind {
    /// Browser-flow redirect URIs (exact match).
    Redirect,
    /// Origins openAuth may post its result to.
    Origin,
}

impl UriKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Redirect => "redirect",
            Self::Origin => "origin",
        }
    }
}

/// Apps.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// Creates an app, with its secret sealed for signed calls (`HashKey::seal`) when given;
    /// `Conflict` if the clientId exists, `NotFound` if the owner org does not.
    async fn create_app(&self, app: &App, sealed_secret: Option<&str>) -> StoreResult<()>;
    /// One app.
    async fn get_app(&self, client_id: &ClientId) -> StoreResult<Option<App>>;
    /// Apps, optionally only those owned by one org, oldest first.
    async fn list_apps(&self, owner: Option<&CorpId>) -> StoreResult<Vec<App>>;
    /// Renames an app; `NotFound` if it does not exist.
    async fn rename_app(&self, client_id: &ClientId, name: &str) -> StoreResult<()>;
    /// Replaces an app's secret hash (and its sealed secret: `None` forgets it) and, in the same
    /// transaction, revokes all its tokens (app, corp and suite tokens and users' tokens);
    /// `NotFound` if it does not exist.
    async fn set_app_secret(
        &self,
        client_id: &ClientId,
        hash: &KeyedHash,
        sealed_secret: Option<&str>,
    ) -> StoreResult<()>;
    /// The app's sealed secret, if one was kept (`None` also when the app does not exist).
    async fn app_sealed_secret(&self, client_id: &ClientId) -> StoreResult<Option<String>>;
    /// Marks a third-party app custom (定制应用) or not; `NotFound` if it does not exist.
    async fn set_app_custom(&self, client_id: &ClientId, custom: bool) -> StoreResult<()>;
    /// Sets the URL of the app's admin backend (`''`: none); `NotFound` if it does not exist.
    async fn set_app_admin_url(&self, client_id: &ClientId, url: &str) -> StoreResult<()>;
    /// Deletes an app with its installations, grants, URIs and tokens; `NotFound` if it does
    /// not exist.
    async fn delete_app(&self, client_id: &ClientId) -> StoreResult<()>;
    /// An app with its standing in an org, in one read.
    async fn app_in_org(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<AppInOrg>>;

    /// An app's console fields; `None` if the app does not exist.
    async fn app_profile(&self, client_id: &ClientId) -> StoreResult<Option<AppProfile>>;
    /// Sets an app's icon URL; `NotFound` if the app does not exist.
    async fn set_app_icon(&self, client_id: &ClientId, icon_url: &str) -> StoreResult<()>;
    /// Records who created an app; `NotFound` if the app does not exist.
    async fn set_app_creator(&self, client_id: &ClientId, union_id: &UnionId) -> StoreResult<()>;

    /// Registers a redirect URI or origin for an app (idempotent); `NotFound` if the app does
    /// not exist.
    async fn add_app_uri(&self, client_id: &ClientId, kind: UriKind, uri: &str) -> StoreResult<()>;
    /// Unregisters one; returns whether it was there. Removing a redirect URI also deletes the
    /// app's unused codes issued for it, in the same transaction.
    async fn remove_app_uri(
        &self,
        client_id: &ClientId,
        kind: UriKind,
        uri: &str,
    ) -> StoreResult<bool>;
    /// An app's URIs of one kind, sorted.
    async fn app_uris(&self, client_id: &ClientId, kind: UriKind) -> StoreResult<Vec<String>>;
}

/// The app row's columns, for `concat!`.
macro_rules! app_columns {
    () => {
        "client_id, name, owner_corp_id, distribution, secret_hash, created_at, custom"
    };
}

pub(crate) fn app(r: &dyn Row) -> StoreResult<App> {
    Ok(App {
        client_id: super::client_id(r, "client_id")?,
        name: r.text("name")?,
        owner_corp_id: super::corp_id(r, "owner_corp_id")?,
        distribution: r
            .text("distribution")?
            .parse()
            .map_err(|e| corrupt("distribution", e))?,
        secret_hash: super::hash(r, "secret_hash")?,
        created_at: UnixTime(r.int("created_at")?),
        custom: r.int("custom")? != 0,
    })
}

/// The app-in-org read around the keys it reads: `$from` joins `apps a`, `$corp` names the org.
macro_rules! app_in_org_query {
    (extra: $extra:literal, from: $from:literal, corp: $corp:literal, where: $where:literal) => {
        concat!(
            "SELECT a.client_id, a.name, a.owner_corp_id, a.distribution, a.secret_hash, a.created_at, a.custom,
       o.corp_id AS org_corp_id, i.status AS installation_status,
       (SELECT CAST(value AS BIGINT) FROM meta WHERE name = 'change_seq') AS change_seq",
            $extra,
            "\nFROM ",
            $from,
            "\nLEFT JOIN orgs o ON o.corp_id = ",
            $corp,
            "\nLEFT JOIN installations i ON i.client_id = a.client_id AND i.corp_id = ",
            $corp,
            $where
        )
    };
}

const APP_IN_ORG: &str = app_in_org_query!(
    extra: "",
    from: "apps a",
    corp: "$2",
    where: "\nWHERE a.client_id = $1"
);

/// Many app-in-org reads in one statement (PostgreSQL's batch): `$1` the apps, `$2` the orgs;
/// each row's `n` is the 1-based position of the key it answers (keys without an app get no
/// row).
pub(crate) const APP_IN_ORGS_PG: &str = app_in_org_query!(
    extra: ", k.n",
    from: "unnest($1::text[], $2::text[]) WITH ORDINALITY AS k (client_id, corp_id, n)
JOIN apps a ON a.client_id = k.client_id",
    corp: "k.corp_id",
    where: ""
);

/// One app in one org ([`AppInOrg`]).
pub(crate) fn app_in_org_stmt(client_id: &ClientId, corp_id: &CorpId) -> crate::exec::Stmt {
    stmt!(APP_IN_ORG, client_id.as_str(), corp_id.as_str())
}

pub(crate) fn app_in_org_row(r: &dyn Row) -> StoreResult<AppInOrg> {
    let installation = match r.opt_text("installation_status")? {
        Some(s) => Some(s.parse().map_err(StoreError::Corrupt)?),
        None => None,
    };
    Ok(AppInOrg {
        app: app(r)?,
        org_exists: r.opt_text("org_corp_id")?.is_some(),
        installation,
        change_seq: r.int("change_seq")?,
    })
}

fn profile(r: &dyn Row) -> StoreResult<AppProfile> {
    let created_by = match r.opt_text("created_by")? {
        Some(s) => Some(UnionId::parse(s).map_err(|e| corrupt("created_by", e))?),
        None => None,
    };
    Ok(AppProfile {
        icon_url: r.text("icon_url")?,
        created_by,
        admin_url: r.text("admin_url")?,
    })
}

fn uri(r: &dyn Row) -> StoreResult<String> {
    r.text("uri")
}

/// One of the app updates that all read alike: `UPDATE apps … WHERE client_id = $1`, `$2` the
/// new value; `NotFound` if there is no such app. `Change::Counted` when the update may withdraw
/// a right (so caches must hear of it).
async fn update_app<B: Backend>(
    store: &B,
    sql: &'static str,
    client_id: &ClientId,
    value: String,
    kind: Change,
) -> StoreResult<()> {
    let update = stmt!(sql, client_id.as_str(), value);
    let missing = StoreError::NotFound(format!("app {client_id}"));
    let body = crate::backend::body(move |tx| {
        Box::pin(async move {
            let changed = tx
                .execute(&update)
                .await
                .map_err(|e| e.on_write("the app's new value"))?;
            if changed == 0 {
                return Err(missing);
            }
            Ok(())
        })
    });
    match kind {
        Change::Counted => store.change(body).await,
        Change::Cosmetic => store.write(body).await,
    }
}

/// Whether an update counts as a change (see [`Backend::change`]).
#[derive(Clone, Copy)]
enum Change {
    Counted,
    Cosmetic,
}

#[async_trait]
impl<B: Backend> AppStore for B {
    async fn create_app(&self, a: &App, sealed_secret: Option<&str>) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO apps (client_id, name, owner_corp_id, distribution, secret_hash, created_at, \
             custom, sealed_secret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            a.client_id.as_str(),
            &a.name,
            a.owner_corp_id.as_str(),
            a.distribution.as_str(),
            a.secret_hash.to_hex(),
            a.created_at.0,
            i64::from(a.custom),
            sealed_secret
        );
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("an app with this clientId"))?;
                Ok(())
            })
        })
        .await
    }

    async fn get_app(&self, client_id: &ClientId) -> StoreResult<Option<App>> {
        const GET: &str = concat!("SELECT ", app_columns!(), " FROM apps WHERE client_id = $1");
        self.one(stmt!(GET, client_id.as_str()), app).await
    }

    async fn list_apps(&self, owner: Option<&CorpId>) -> StoreResult<Vec<App>> {
        const LIST: &str = concat!(
            "SELECT ",
            app_columns!(),
            " FROM apps WHERE ($1 IS NULL OR owner_corp_id = $1) ORDER BY created_at, client_id"
        );
        self.all(stmt!(LIST, owner.map(CorpId::as_str)), app).await
    }

    async fn rename_app(&self, client_id: &ClientId, name: &str) -> StoreResult<()> {
        update_app(
            self,
            "UPDATE apps SET name = $2 WHERE client_id = $1",
            client_id,
            name.to_owned(),
            Change::Counted,
        )
        .await
    }

    async fn set_app_secret(
        &self,
        client_id: &ClientId,
        hash: &KeyedHash,
        sealed_secret: Option<&str>,
    ) -> StoreResult<()> {
        let update = stmt!(
            "UPDATE apps SET secret_hash = $2, sealed_secret = $3 WHERE client_id = $1",
            client_id.as_str(),
            hash.to_hex(),
            sealed_secret
        );
        let client = client_id.as_str().to_owned();
        self.change(move |tx| {
            Box::pin(async move {
                if tx.execute(&update).await? == 0 {
                    return Err(StoreError::NotFound(format!("app {client}")));
                }
                // A new secret revokes every token of the app: app tokens, and users' tokens.
                tx.lock(TokenLock::App(&client), true).await?;
                for table in super::TOKEN_TABLES {
                    super::delete_from(tx, table, "client_id = $1", vec![client.as_str().into()])
                        .await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn app_sealed_secret(&self, client_id: &ClientId) -> StoreResult<Option<String>> {
        let found = self
            .one(
                stmt!(
                    "SELECT sealed_secret FROM apps WHERE client_id = $1",
                    client_id.as_str()
                ),
                |r| r.opt_text("sealed_secret"),
            )
            .await?;
        Ok(found.flatten())
    }

    async fn set_app_custom(&self, client_id: &ClientId, custom: bool) -> StoreResult<()> {
        let update = stmt!(
            "UPDATE apps SET custom = $2 WHERE client_id = $1",
            client_id.as_str(),
            i64::from(custom)
        );
        let missing = StoreError::NotFound(format!("app {client_id}"));
        // Counted: a custom app no longer being custom withdraws its any-ticket right.
        self.change(move |tx| {
            Box::pin(async move {
                if tx.execute(&update).await? == 0 {
                    return Err(missing);
                }
                Ok(())
            })
        })
        .await
    }

    async fn set_app_admin_url(&self, client_id: &ClientId, url: &str) -> StoreResult<()> {
        update_app(
            self,
            "UPDATE apps SET admin_url = $2 WHERE client_id = $1",
            client_id,
            url.to_owned(),
            Change::Cosmetic,
        )
        .await
    }

    async fn delete_app(&self, client_id: &ClientId) -> StoreResult<()> {
        let delete = stmt!("DELETE FROM apps WHERE client_id = $1", client_id.as_str());
        let missing = StoreError::NotFound(format!("app {client_id}"));
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

    async fn app_in_org(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<AppInOrg>> {
        if let Some(batched) = self.batched_app_in_org(client_id, corp_id) {
            return batched.await;
        }
        // The in-memory store's fresh counter is its in-process count: take that, before the
        // read, so both come from the same source.
        let count_before = self.in_process_change_count();
        let mut found = self
            .one(app_in_org_stmt(client_id, corp_id), app_in_org_row)
            .await?;
        if let (Some(f), Some(count)) = (found.as_mut(), count_before) {
            f.change_seq = count;
        }
        Ok(found)
    }

    async fn app_profile(&self, client_id: &ClientId) -> StoreResult<Option<AppProfile>> {
        self.one(
            stmt!(
                "SELECT icon_url, created_by, admin_url FROM apps WHERE client_id = $1",
                client_id.as_str()
            ),
            profile,
        )
        .await
    }

    async fn set_app_icon(&self, client_id: &ClientId, icon_url: &str) -> StoreResult<()> {
        update_app(
            self,
            "UPDATE apps SET icon_url = $2 WHERE client_id = $1",
            client_id,
            icon_url.to_owned(),
            Change::Cosmetic,
        )
        .await
    }

    async fn set_app_creator(&self, client_id: &ClientId, union_id: &UnionId) -> StoreResult<()> {
        update_app(
            self,
            "UPDATE apps SET created_by = $2 WHERE client_id = $1",
            client_id,
            union_id.as_str().to_owned(),
            Change::Cosmetic,
        )
        .await
    }

    async fn add_app_uri(
        &self,
        client_id: &ClientId,
        kind: UriKind,
        uri_: &str,
    ) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO app_uris (client_id, kind, uri) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            client_id.as_str(),
            kind.as_str(),
            uri_
        );
        self.write(move |tx| {
            Box::pin(async move {
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("the URI"))?;
                Ok(())
            })
        })
        .await
    }

    async fn remove_app_uri(
        &self,
        client_id: &ClientId,
        kind: UriKind,
        uri_: &str,
    ) -> StoreResult<bool> {
        let delete = stmt!(
            "DELETE FROM app_uris WHERE client_id = $1 AND kind = $2 AND uri = $3",
            client_id.as_str(),
            kind.as_str(),
            uri_
        );
        // A code is bound to its redirect URI: unused codes sent to this one die with it.
        let codes = (kind == UriKind::Redirect).then(|| {
            stmt!(
                "DELETE FROM auth_codes WHERE client_id = $1 AND redirect_uri = $2 AND used_at IS NULL",
                client_id.as_str(),
                uri_
            )
        });
        self.write(move |tx| {
            Box::pin(async move {
                let removed = tx.execute(&delete).await? > 0;
                if let Some(codes) = &codes {
                    tx.execute(codes).await?;
                }
                Ok(removed)
            })
        })
        .await
    }

    async fn app_uris(&self, client_id: &ClientId, kind: UriKind) -> StoreResult<Vec<String>> {
        self.all(
            stmt!(
                "SELECT uri FROM app_uris WHERE client_id = $1 AND kind = $2 ORDER BY uri",
                client_id.as_str(),
                kind.as_str()
            ),
            uri,
        )
        .await
    }
}
