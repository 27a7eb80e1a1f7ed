//! Third-party ("ISV") apps: suite tickets, suite tokens, corp tokens (by credentials on v1.0,
//! by a signed call on the legacy family) and the authorization info of an org
//! (docs/dingtalk/dingtalk-wire-2.md §A2–A5, §B; docs/dingtalk/decisions.md §20–21).
//!
//! Checks run in a fixed order — the suite's credentials, then its ticket, then the org's
//! installation — so a ticket or installation answer never tells a caller without the secret
//! that a suite key exists. Unknown keys and wrong secrets get one answer, in body and timing.

use opending_domain::{
    isv::{
        check_timestamp, derive_suite_ticket, signature_matches, MintedKind, MintedToken,
        SignedCallError, SuiteTicket, MAX_LIVE_MINTED,
    },
    token::{access_token_hash, random_access_token},
    ActorKind, ApiError, App, AuditEvent, AuditKind, ClientId, CorpId, Distribution, ErrorCode,
    Role, Secret, UnixTime,
};
use serde::{Deserialize, Serialize};

use super::{app_token::IssuedToken, audit, not_found, parse_client_id, Result};
use crate::{Core, Origin};

/// A suite's credentials and the ticket it presents.
#[derive(Debug)]
pub struct SuiteCredentials {
    /// `suiteKey` / `suite_key` (the third-party app's clientId, or a custom app's key).
    pub suite_key: String,
    /// `suiteSecret` / `suite_secret`.
    pub suite_secret: Secret,
    /// `suiteTicket` / `suite_ticket`.
    pub suite_ticket: String,
}

/// A suite ticket as the console, the admin API and the emulator show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    /// The app.
    pub client_id: String,
    /// The current ticket.
    pub suite_ticket: String,
    /// The previous ticket, still accepted, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_suite_ticket: Option<String>,
    /// When the current ticket was made (Unix seconds).
    pub rotated_at: i64,
    /// When it will be replaced (Unix seconds).
    pub next_rotation_at: i64,
    /// A custom app (定制应用): any ticket is accepted from it.
    pub custom: bool,
}

fn view(core: &Core, app: &App, t: &SuiteTicket) -> TicketView {
    TicketView {
        client_id: app.client_id.to_string(),
        suite_ticket: derive_suite_ticket(&core.key, &t.nonce).expose().to_owned(),
        previous_suite_ticket: t
            .previous
            .map(|n| derive_suite_ticket(&core.key, &n).expose().to_owned()),
        rotated_at: t.rotated_at.0,
        next_rotation_at: t.next_rotation(core.lifetimes.suite_ticket).0,
        custom: app.custom,
    }
}

/// The app's suite ticket as of now: made on first use, replaced when due (on any instance,
/// the first to see it due wins; the others read the winner).
async fn ticket_now(core: &Core, app: &ClientId) -> Result<SuiteTicket> {
    let now = core.now();
    let period = core.lifetimes.suite_ticket;
    let (next, replacing) = match core.store.suite_ticket(app).await? {
        Some(t) if !t.is_due(now, period) => return Ok(t),
        Some(t) => (
            core.with_rng(|rng| t.rotated(rng, now, period)),
            Some(t.rotated_at),
        ),
        None => (
            core.with_rng(|rng| SuiteTicket::mint(rng, app.clone(), now)),
            None,
        ),
    };
    let stored = core.store.swap_suite_ticket(&next, replacing).await?;
    if stored.nonce == next.nonce {
        tracing::info!(client_id = %app, "suite ticket rotated");
        announce_ticket(core, app, &stored).await?;
    }
    Ok(stored)
}

/// Raises the `suite_ticket` event of a ticket this instance just made (the instance whose
/// swap won announces it, so each ticket is announced once).
async fn announce_ticket(core: &Core, app: &ClientId, t: &SuiteTicket) -> Result<()> {
    if let Some(app) = core.store.get_app(app).await? {
        let value = derive_suite_ticket(&core.key, &t.nonce);
        super::events::suite_ticket(core, &app, value.expose()).await?;
    }
    Ok(())
}

/// Rotates the tickets of third-party apps whose ticket is due (the scheduler's round, so a
/// ticket is replaced — and announced — on time even when nobody reads it). Apps without a
/// ticket yet get theirs on first use. Deterministic emulator runs skip this: their clock moves
/// only when told, and a due ticket is rotated on its next read, so outputs stay reproducible.
pub async fn rotate_due_tickets(core: &Core) -> Result<usize> {
    if core.entropy.is_deterministic() {
        return Ok(0);
    }
    let mut rotated = 0;
    for app in core.store.list_apps(None).await? {
        if app.distribution != Distribution::ThirdParty {
            continue;
        }
        let Some(before) = core.store.suite_ticket(&app.client_id).await? else {
            continue;
        };
        if before.is_due(core.now(), core.lifetimes.suite_ticket) {
            ticket_now(core, &app.client_id).await?;
            rotated += 1;
        }
    }
    Ok(rotated)
}

/// A third-party app by clientId, for the platform's ticket reads and rotations.
async fn third_party(core: &Core, client_id: &str) -> Result<App> {
    let id = parse_client_id(client_id)?;
    let app = core
        .store
        .get_app(&id)
        .await?
        .ok_or_else(|| not_found(format!("app {id} does not exist")))?;
    if app.distribution != Distribution::ThirdParty {
        return Err(super::bad(format!(
            "app {id} is an internal app: only third-party apps have suite tickets"
        )));
    }
    Ok(app)
}

/// The current suite ticket of a third-party app (console, admin API, emulator).
pub async fn ticket(core: &Core, origin: &Origin, client_id: &str) -> Result<TicketView> {
    let app = super::policy::app_to_read(core, origin, client_id).await?;
    let app = third_party(core, app.app.client_id.as_str()).await?;
    let t = ticket_now(core, &app.client_id).await?;
    Ok(view(core, &app, &t))
}

/// Replaces a third-party app's suite ticket now (the emulator's "push a new ticket"); the
/// one it replaces stays accepted as the previous ticket.
pub async fn rotate_ticket(core: &Core, origin: &Origin, client_id: &str) -> Result<TicketView> {
    super::policy::platform_only(origin)?;
    let app = third_party(core, client_id).await?;
    let current = ticket_now(core, &app.client_id).await?;
    let next = core.with_rng(|rng| current.rotated(rng, core.now(), core.lifetimes.suite_ticket));
    let stored = core
        .store
        .swap_suite_ticket(&next, Some(current.rotated_at))
        .await?;
    if stored.nonce == next.nonce {
        announce_ticket(core, &app.client_id, &stored).await?;
    }
    let event = audit::admin_action(core, origin, "rotate_suite_ticket")
        .app(&app.client_id)
        .org(&app.owner_corp_id);
    audit::record(core, origin, event).await?;
    Ok(view(core, &app, &stored))
}

/// Whether `presented` is a ticket this app may sign or ask with: any non-empty string from a
/// custom app, the current or previous ticket from any other.
async fn ticket_accepted(core: &Core, app: &App, presented: &str) -> Result<bool> {
    if app.custom {
        return Ok(!presented.is_empty());
    }
    Ok(ticket_now(core, &app.client_id)
        .await?
        .matches(&core.key, presented)
        .accepted())
}

/// Checks a suite's key and secret — the third-party app, or `refusal` (one answer for an
/// unknown key, an internal app's key and a wrong secret) — then its ticket
/// (`invalidSuiteTicket`).
async fn verify_suite(
    core: &Core,
    origin: &Origin,
    creds: &SuiteCredentials,
    refusal: ErrorCode,
) -> Result<App> {
    let app = verify_app_secret(
        core,
        origin,
        &creds.suite_key,
        &creds.suite_secret,
        refusal,
        true,
    )
    .await?;
    if !ticket_accepted(core, &app, &creds.suite_ticket).await? {
        return Err(ApiError::new(ErrorCode::InvalidSuiteTicket).into());
    }
    Ok(app)
}

/// The app whose key and secret these are (a third-party app only, when `third_party_only`),
/// under the secret-guessing gate and the app's request budget; `refusal` otherwise, the same
/// for an unknown key and a wrong secret.
pub(crate) async fn verify_app_secret(
    core: &Core,
    origin: &Origin,
    key: &str,
    secret: &Secret,
    refusal: ErrorCode,
    third_party_only: bool,
) -> Result<App> {
    core.limits.secret_gate_for(origin, key, core.now())?;
    let found = match ClientId::parse(key) {
        Ok(id) => core.store.get_app(&id).await?,
        Err(_) => None,
    }
    .filter(|a| !third_party_only || a.distribution == Distribution::ThirdParty);
    let secret_ok = core.client_secret_matches(secret, found.as_ref().map(|a| &a.secret_hash));
    let Some(app) = found.filter(|_| secret_ok) else {
        core.limits.secret_failed_for(origin, key, core.now());
        return Err(ApiError::new(refusal).into());
    };
    core.limits.charge_request(origin, key, core.now())?;
    Ok(app)
}

/// Mints a token of `kind` for (app, org), recording it like every token handed out.
async fn mint(
    core: &Core,
    origin: &Origin,
    kind: MintedKind,
    client_id: Option<&ClientId>,
    corp_id: Option<&CorpId>,
) -> Result<IssuedToken> {
    let now = core.now();
    let value = core.with_rng(|rng| random_access_token(&core.key, rng));
    let token = MintedToken {
        kind,
        token_hash: access_token_hash(&core.key, value.expose()),
        client_id: client_id.cloned(),
        corp_id: corp_id.cloned(),
        issued_at: now,
        expires_at: UnixTime(now.0 + kind.ttl()),
    };
    core.store
        .put_minted_token(&token, now, MAX_LIVE_MINTED)
        .await?;
    let actor = client_id.map(ClientId::to_string);
    let mut event = AuditEvent::new(
        AuditKind::TokenIssued,
        now,
        if client_id.is_some() {
            ActorKind::App
        } else {
            ActorKind::System
        },
        actor,
    )
    .detail("token", kind.as_str())
    .detail("expiresAt", token.expires_at.0);
    if let Some(c) = client_id {
        event = event.app(c);
    }
    if let Some(o) = corp_id {
        event = event.org(o);
    }
    audit::enqueue(core, origin, event).await;
    core.metrics.token(kind.as_str(), "issued", 1);
    Ok(IssuedToken {
        access_token: value,
        expires_in: kind.ttl(),
    })
}

/// `POST /v1.0/oauth2/suiteAccessToken` and `/service/get_suite_token`: a new suite token on
/// each call (§B1, §A4).
pub async fn suite_token(
    core: &Core,
    origin: &Origin,
    creds: SuiteCredentials,
) -> Result<IssuedToken> {
    let app = verify_suite(core, origin, &creds, ErrorCode::InvalidClientIdOrSecret).await?;
    mint(core, origin, MintedKind::Suite, Some(&app.client_id), None).await
}

/// May this third-party app hold a token in `corp`? `invalidAuthInfo` (40079) otherwise: not
/// installed, suspended, or no such org (one answer).
async fn installed_in(core: &Core, app: &App, corp: &str) -> Result<CorpId> {
    let refused = || ApiError::new(ErrorCode::InvalidAuthInfo);
    let corp = CorpId::parse(corp).map_err(|_| refused())?;
    let standing = core
        .store
        .app_in_org(&app.client_id, &corp)
        .await?
        .ok_or_else(refused)?;
    standing
        .app
        .may_run_in(&corp, standing.org_exists, standing.installation)
        .map_err(|_| refused())?;
    Ok(corp)
}

/// `POST /v1.0/oauth2/corpAccessToken`: a new corp token for an org that installed the app
/// (§B2).
pub async fn corp_token(
    core: &Core,
    origin: &Origin,
    creds: SuiteCredentials,
    auth_corp_id: &str,
) -> Result<IssuedToken> {
    let app = verify_suite(core, origin, &creds, ErrorCode::InvalidSuiteKey).await?;
    let corp = installed_in(core, &app, auth_corp_id).await?;
    mint(
        core,
        origin,
        MintedKind::Corp,
        Some(&app.client_id),
        Some(&corp),
    )
    .await
}

/// The four query parameters of a signed call (§A2), percent-decoded once.
#[derive(Debug, Default)]
pub struct SignedCall {
    /// `accessKey`: the suite key.
    pub access_key: String,
    /// `timestamp`: milliseconds.
    pub timestamp: String,
    /// `suiteTicket`.
    pub suite_ticket: String,
    /// `signature`.
    pub signature: String,
}

pub(crate) fn signed(e: SignedCallError) -> super::Error {
    let code = match e {
        SignedCallError::SignatureMismatch | SignedCallError::UnknownAccessKey => {
            ErrorCode::InvalidSuiteKey
        }
        SignedCallError::SuiteTicket => ErrorCode::InvalidSuiteTicket,
        SignedCallError::TimestampFormat | SignedCallError::TimestampSkew => {
            ErrorCode::InvalidRequest
        }
    };
    ApiError::new(code).with_legacy(e.legacy()).into()
}

/// Verifies a signed call: its timestamp (853001/853002), its key (853003), its signature
/// (853004, computed with the app's sealed secret) and its ticket (853005). Unknown keys and
/// wrong signatures are refused in the same time.
pub async fn verify_signed(core: &Core, origin: &Origin, call: &SignedCall) -> Result<App> {
    let now_ms = core.now().0.saturating_mul(1000);
    check_timestamp(&call.timestamp, now_ms).map_err(signed)?;
    core.limits
        .secret_gate_for(origin, &call.access_key, core.now())?;
    let found = match ClientId::parse(&call.access_key) {
        Ok(id) => core.store.get_app(&id).await?,
        Err(_) => None,
    }
    .filter(|a| a.distribution == Distribution::ThirdParty);
    let Some(app) = found else {
        core.limits
            .secret_failed_for(origin, &call.access_key, core.now());
        // The same HMAC as for a known key, against a decoy secret.
        let _ = signature_matches(
            "decoy",
            &call.timestamp,
            &call.suite_ticket,
            &call.signature,
        );
        return Err(signed(SignedCallError::UnknownAccessKey));
    };
    let secret = match core.store.app_sealed_secret(&app.client_id).await? {
        Some(sealed) => core.key.open(&sealed),
        None => None,
    };
    let Some(secret) = secret else {
        tracing::warn!(client_id = %app.client_id, "signed call from an app whose secret was set before secrets were sealed: rotate its secret to enable signed calls");
        core.limits
            .secret_failed_for(origin, &call.access_key, core.now());
        return Err(signed(SignedCallError::SignatureMismatch));
    };
    if !signature_matches(
        secret.expose(),
        &call.timestamp,
        &call.suite_ticket,
        &call.signature,
    ) {
        core.limits
            .secret_failed_for(origin, &call.access_key, core.now());
        return Err(signed(SignedCallError::SignatureMismatch));
    }
    core.limits
        .charge_request(origin, &call.access_key, core.now())?;
    if !ticket_accepted(core, &app, &call.suite_ticket).await? {
        return Err(signed(SignedCallError::SuiteTicket));
    }
    Ok(app)
}

/// `POST /service/get_corp_token` (signed): a new corp token for an org that installed the
/// app (§A3).
pub async fn corp_token_signed(
    core: &Core,
    origin: &Origin,
    call: &SignedCall,
    auth_corp_id: &str,
) -> Result<IssuedToken> {
    let app = verify_signed(core, origin, call).await?;
    let corp = installed_in(core, &app, auth_corp_id).await?;
    mint(
        core,
        origin,
        MintedKind::Corp,
        Some(&app.client_id),
        Some(&corp),
    )
    .await
}

/// The third-party app a suite token speaks for; `InvalidAuthentication` (missing:
/// `AuthenticationFailed.MissingParameter`) otherwise.
pub async fn suite_app(core: &Core, token: Option<&str>) -> Result<App> {
    if token.is_none_or(str::is_empty) {
        return Err(ApiError::new(ErrorCode::MissingAuthParameter).into());
    }
    let invalid = || ApiError::new(ErrorCode::InvalidAuthentication);
    let minted = super::auth::minted(core, token, MintedKind::Suite)
        .await?
        .ok_or_else(invalid)?;
    let id = minted.client_id.ok_or_else(invalid)?;
    let app = core.store.get_app(&id).await?.ok_or_else(invalid)?;
    Ok(app)
}

/// What an org's installation of a third-party app looks like to the app (§B3, §A5).
#[derive(Debug, Clone)]
pub struct AuthInfo {
    /// The org.
    pub corp_id: CorpId,
    /// Its name.
    pub corp_name: String,
    /// Its certification level (0 none, 1 高级, 2 中级).
    pub auth_level: i64,
    /// The app's agentId.
    pub agent_id: i64,
    /// The app's name.
    pub agent_name: String,
    /// The app's appId.
    pub app_id: i64,
    /// userids of the org's admins (who administer the app there).
    pub admins: Vec<String>,
    /// userid of the admin who authorized the app: the first of `admins` (opending does not
    /// record which admin installed it), `""` when the org has none.
    pub authorizing_user: String,
}

/// The authorization info of `corp` for `app`: `orgNotAuthApp` (40079) when the org has not
/// installed it (or suspended it, or does not exist: one answer).
pub async fn auth_info(core: &Core, app: &App, corp: &str) -> Result<AuthInfo> {
    let corp = corp.trim();
    if corp.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidCorpId).into());
    }
    let corp = installed_in(core, app, corp)
        .await
        .map_err(|_| super::Error::from(ApiError::new(ErrorCode::OrgNotAuthApp)))?;
    let org = core
        .store
        .get_org(&corp)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::OrgNotAuthApp))?;
    let level = core
        .store
        .get_org_auth_info(&corp)
        .await?
        .map_or(0, |i| i.auth_level);
    let mut admins = Vec::new();
    for m in core.store.members_of(&corp).await? {
        if m.role == Role::Admin {
            admins.extend(super::directory::userid_of(core, &corp, &m.union_id).await?);
        }
    }
    admins.sort();
    Ok(AuthInfo {
        authorizing_user: admins.first().cloned().unwrap_or_default(),
        admins,
        agent_id: app.agent_id(),
        agent_name: app.name.clone(),
        app_id: app.app_id(),
        corp_name: org.name,
        auth_level: level,
        corp_id: corp,
    })
}
