//! Events: who receives what DingTalk announces, with which payload; the emulator's raise and
//! listing; Stream's `connections/open` and its tickets; HTTP callback registration
//! (docs/events.md; docs/dingtalk/dingtalk-wire-2.md §B4, §H; decisions.md §25).
//!
//! Raising writes one outbox row per recipient app, after the change it announces has been
//! committed; delivery is `crate::delivery`'s. Recipients are decided when the event is raised:
//! an app must be able to run in the org then (internal in its owner org, or installed and not
//! suspended) and hold the event's point there; an app's own lifecycle and ticket events go to
//! that app whatever its standing.

use opending_domain::{
    event::{
        random_event_id, random_stream_ticket, stream_ticket_hash, Audience, EventState, EventType,
        STREAM_TICKET_TTL,
    },
    permission::effective_app_points,
    ApiError, App, ClientId, CorpId, Distribution, ErrorCode, InstallationStatus, Secret,
};
use opending_store::{CallbackRow, EventFilter, InstallationFilter, NewEvent, StoredEvent};
use opending_wire::{callback::CallbackCrypto, stream::Subscription};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{bad, not_found, parse_client_id, parse_corp_id, policy, Result};
use crate::{Core, Origin};

/// Largest `data` the emulator accepts for a raised event, in bytes of JSON.
pub const MAX_EVENT_DATA: usize = 16 * 1024;
/// Most events one listing returns.
pub const MAX_LISTED: i64 = 500;

fn millis_string(ms: i64) -> String {
    ms.to_string()
}

/// Adds one event per recipient to the outbox and wakes the dispatcher; the event ids.
async fn enqueue(
    core: &Core,
    recipients: &[App],
    corp: &str,
    kind: EventType,
    data_for: impl Fn(&App) -> Value,
) -> Result<Vec<String>> {
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let born = core.now_ms();
    let due = crate::delivery::wall_ms();
    let events: Vec<NewEvent> = recipients
        .iter()
        .map(|app| NewEvent {
            event_id: core.with_rng(|rng| random_event_id(rng)),
            client_id: app.client_id.clone(),
            corp_id: corp.to_owned(),
            event_type: kind.as_str().to_owned(),
            data: data_for(app).to_string(),
            born_at_ms: born,
            next_at_ms: due,
        })
        .collect();
    core.store.add_events(&events).await?;
    for e in &events {
        tracing::info!(event_id = %e.event_id, client_id = %e.client_id, corp_id = %e.corp_id,
            event_type = %e.event_type, "event raised");
    }
    core.stream.wake.notify_one();
    Ok(events.into_iter().map(|e| e.event_id).collect())
}

/// The apps that receive an org event of `kind` in `corp`: every app that may run there and
/// holds the event's point there.
async fn org_recipients(core: &Core, corp: &CorpId, kind: EventType) -> Result<Vec<App>> {
    let mut candidates = core.store.list_apps(Some(corp)).await?;
    candidates.retain(|a| a.distribution == Distribution::Internal);
    let installs = core
        .store
        .list_installations(&InstallationFilter {
            client_id: None,
            corp_id: Some(corp.clone()),
        })
        .await?;
    for i in installs {
        if i.status != InstallationStatus::Active {
            continue;
        }
        if let Some(app) = core.store.get_app(&i.client_id).await? {
            candidates.push(app);
        }
    }
    let Some(point) = kind.required_point() else {
        return Ok(candidates);
    };
    let mut out = Vec::new();
    for app in candidates {
        let added = core.store.list_app_type_points(&app.client_id).await?;
        let granted = core.store.list_org_grants(&app.client_id, corp).await?;
        let points =
            effective_app_points(app.distribution, &app.owner_corp_id, corp, &added, &granted);
        if points.iter().any(|p| p.as_str() == point) {
            out.push(app);
        }
    }
    Ok(out)
}

/// Raises an org event (members, departments) to every app that receives it.
pub async fn raise_in_org(
    core: &Core,
    corp: &CorpId,
    kind: EventType,
    data_for: impl Fn(&App) -> Value,
) -> Result<Vec<String>> {
    let recipients = org_recipients(core, corp, kind).await?;
    enqueue(core, &recipients, corp.as_str(), kind, data_for).await
}

/// `user_add_org`: these members joined `corp`.
pub async fn members_joined(core: &Core, corp: &CorpId, userids: &[String]) -> Result<()> {
    let data = json!({"timeStamp": millis_string(core.now_ms()), "userId": userids});
    raise_in_org(core, corp, EventType::UserAddOrg, |_| data.clone()).await?;
    Ok(())
}

/// `user_leave_org`: a member left `corp`. Internal apps get DingTalk's internal shape
/// (`userId` list), third-party apps the third-party one (`unionid`, `userId`).
pub async fn member_left(core: &Core, corp: &CorpId, userid: &str, unionid: &str) -> Result<()> {
    let ts = millis_string(core.now_ms());
    raise_in_org(core, corp, EventType::UserLeaveOrg, |app| {
        if app.distribution == Distribution::ThirdParty {
            json!({"unionid": unionid, "userId": userid})
        } else {
            json!({"timeStamp": ts, "userId": [userid]})
        }
    })
    .await?;
    Ok(())
}

/// `user_modify_org`: a member's org profile changed (`prev`/`curr` hold the changed fields).
/// Internal apps get DingTalk's internal shape (`diffInfo`); third-party apps the whole user,
/// as `/user/get` shows it to them.
pub async fn member_changed(
    core: &Core,
    corp: &CorpId,
    userid: &str,
    prev: Map<String, Value>,
    curr: Map<String, Value>,
) -> Result<()> {
    if prev == curr {
        return Ok(());
    }
    let internal = json!({
        "timeStamp": millis_string(core.now_ms()),
        "diffInfo": {"prev": prev, "curr": curr, "userid": userid},
        "userId": [userid],
    });
    let recipients = org_recipients(core, corp, EventType::UserModifyOrg).await?;
    let third_party = if recipients
        .iter()
        .any(|a| a.distribution == Distribution::ThirdParty)
    {
        let user = super::directory::user_for_third_party_event(core, corp, userid).await?;
        serde_json::to_value(user).map_err(|e| super::Error::Internal(e.into()))?
    } else {
        Value::Null
    };
    enqueue(
        core,
        &recipients,
        corp.as_str(),
        EventType::UserModifyOrg,
        |app| {
            if app.distribution == Distribution::ThirdParty {
                third_party.clone()
            } else {
                internal.clone()
            }
        },
    )
    .await?;
    Ok(())
}

/// `org_dept_create` / `org_dept_modify` / `org_dept_remove` for these departments.
pub async fn departments_changed(
    core: &Core,
    corp: &CorpId,
    kind: EventType,
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let data = json!({"timeStamp": millis_string(core.now_ms()), "deptId": ids});
    raise_in_org(core, corp, kind, |_| data.clone()).await?;
    Ok(())
}

/// An event about one app itself (its installation in `corp`, its ticket), to that app.
pub async fn raise_to_app(
    core: &Core,
    app: &App,
    corp: &str,
    kind: EventType,
    data: Value,
) -> Result<Vec<String>> {
    enqueue(core, std::slice::from_ref(app), corp, kind, |_| {
        data.clone()
    })
    .await
}

/// An installation event (`org_suite_auth`, `org_suite_change`, `org_suite_relieve`,
/// `org_micro_app_stop`, `org_micro_app_restore`) to the third-party app concerned.
pub async fn installation_changed(
    core: &Core,
    client_id: &ClientId,
    corp: &CorpId,
    kind: EventType,
) -> Result<()> {
    let Some(app) = core.store.get_app(client_id).await? else {
        return Ok(());
    };
    if app.distribution != Distribution::ThirdParty {
        return Ok(());
    }
    let data = installation_payload(core, &app, corp, kind).await?;
    raise_to_app(core, &app, corp.as_str(), kind, data).await?;
    Ok(())
}

/// `suite_ticket`: a third-party app's new ticket, announced in its owner org.
pub async fn suite_ticket(core: &Core, app: &App, ticket: &str) -> Result<()> {
    raise_to_app(
        core,
        app,
        app.owner_corp_id.as_str(),
        EventType::SuiteTicket,
        json!({"suiteTicket": ticket}),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The emulator: raise and list.

/// `POST /_opending/events`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RaiseRequest {
    /// `eventType`, e.g. `user_add_org` (docs/events.md lists them).
    pub event_type: String,
    /// The org where it happens (required for org events; an app's owner org by default for
    /// `suite_ticket`).
    #[serde(default)]
    pub corp_id: Option<String>,
    /// Only this app (required for an app's own events).
    #[serde(default)]
    pub client_id: Option<String>,
    /// The payload (an object), as DingTalk documents it for the type; a `suite_ticket`
    /// without one rotates the app's ticket and announces the new one.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

/// One attempt to deliver an event, as the emulator lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// 1 for the first.
    pub attempt: i64,
    /// `stream` or `http`.
    pub channel: String,
    /// The Stream connection id or the callback URL.
    pub target: String,
    /// The instance that made it.
    pub instance: String,
    /// When it started (Unix ms).
    pub started_at: i64,
    /// When it ended (Unix ms), if it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
    /// `acked`, `refused`, `timeout` or `unreachable`; absent while in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// What the app answered, or what went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An event with its deliveries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    /// Position in the outbox.
    pub seq: i64,
    /// `eventId`.
    pub event_id: String,
    /// `eventType`.
    pub event_type: String,
    /// The recipient app.
    pub client_id: String,
    /// `eventCorpId`.
    pub corp_id: String,
    /// `pending`, `acked` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// `eventBornTime` (Unix ms).
    pub born_at: i64,
    /// When the next attempt may start (Unix ms), while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    /// When it was acknowledged or given up (Unix ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_at: Option<i64>,
    /// The payload.
    #[schema(value_type = Object)]
    pub data: Value,
    /// Each attempt.
    pub deliveries: Vec<DeliveryView>,
}

/// The events a raise created.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Raised {
    /// One per recipient app.
    pub events: Vec<EventView>,
}

/// `GET /_opending/events` filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this app's.
    pub client_id: Option<String>,
    /// Only this type.
    pub event_type: Option<String>,
    /// Only `pending`, `acked` or `failed` ones.
    pub state: Option<String>,
    /// Only events after this `seq`.
    pub since: Option<i64>,
    /// At most this many, the newest (default and most: 500).
    pub limit: Option<i64>,
}

async fn views(core: &Core, events: Vec<StoredEvent>) -> Result<Vec<EventView>> {
    let ids: Vec<String> = events.iter().map(|e| e.event_id.clone()).collect();
    let mut deliveries = core.store.event_deliveries(&ids).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let mine: Vec<DeliveryView> = deliveries
                .iter()
                .filter(|d| d.event_id == e.event_id)
                .map(|d| DeliveryView {
                    attempt: d.attempt,
                    channel: d.channel.clone(),
                    target: d.target.clone(),
                    instance: d.instance.clone(),
                    started_at: d.started_at_ms,
                    finished_at: d.finished_at_ms,
                    outcome: d.outcome.clone(),
                    detail: d.detail.clone(),
                })
                .collect();
            deliveries.retain(|d| d.event_id != e.event_id);
            EventView {
                seq: e.seq,
                event_type: e.event_type,
                client_id: e.client_id.to_string(),
                corp_id: e.corp_id,
                state: e.state.as_str().to_owned(),
                attempts: e.attempts,
                born_at: e.born_at_ms,
                next_attempt_at: (e.state == EventState::Pending).then_some(e.next_at_ms),
                done_at: e.done_at_ms,
                data: serde_json::from_str(&e.data).unwrap_or(Value::Null),
                deliveries: mine,
                event_id: e.event_id,
            }
        })
        .collect())
}

/// Lists events with their deliveries (emulator, admin).
pub async fn list(core: &Core, origin: &Origin, q: &ListQuery) -> Result<Vec<EventView>> {
    policy::platform_only(origin)?;
    let state = match q.state.as_deref() {
        None => None,
        Some(s) => Some(
            EventState::parse(s)
                .ok_or_else(|| bad(format!("state must be pending, acked or failed, not {s:?}")))?,
        ),
    };
    let filter = EventFilter {
        client_id: q.client_id.clone(),
        event_type: q.event_type.clone(),
        state,
        after_seq: q.since,
        limit: q.limit.unwrap_or(MAX_LISTED).clamp(1, MAX_LISTED),
    };
    let events = core.store.list_events(&filter).await?;
    views(core, events).await
}

async fn find_by_ids(core: &Core, ids: &[String]) -> Result<Vec<EventView>> {
    // Just raised, so among the newest.
    let mut events = core
        .store
        .list_events(&EventFilter {
            limit: MAX_LISTED,
            ..Default::default()
        })
        .await?;
    events.retain(|e| ids.contains(&e.event_id));
    views(core, events).await
}

/// Raises any event by type (the emulator's `POST /_opending/events`).
pub async fn raise(core: &Core, origin: &Origin, req: RaiseRequest) -> Result<Raised> {
    policy::platform_only(origin)?;
    let kind = EventType::parse(&req.event_type).ok_or_else(|| {
        bad(format!(
            "unknown eventType {:?}; known: {}",
            req.event_type,
            EventType::ALL.map(EventType::as_str).join(", ")
        ))
    })?;
    let data = match req.data {
        None => None,
        Some(Value::Object(o)) => {
            if Value::Object(o.clone()).to_string().len() > MAX_EVENT_DATA {
                return Err(bad(format!("data is longer than {MAX_EVENT_DATA} bytes")));
            }
            Some(Value::Object(o))
        }
        Some(_) => return Err(bad("data must be a JSON object")),
    };
    let app = match &req.client_id {
        Some(c) => {
            let id = parse_client_id(c)?;
            Some(
                core.store
                    .get_app(&id)
                    .await?
                    .ok_or_else(|| not_found(format!("app {id} does not exist")))?,
            )
        }
        None => None,
    };
    let ids = match kind.audience() {
        Audience::OrgApps => {
            let corp = parse_corp_id(
                req.corp_id
                    .as_deref()
                    .ok_or_else(|| bad(format!("{} needs corpId", kind.as_str())))?,
            )?;
            if core.store.get_org(&corp).await?.is_none() {
                return Err(not_found(format!("org {corp} does not exist")));
            }
            let mut recipients = org_recipients(core, &corp, kind).await?;
            if let Some(app) = &app {
                recipients.retain(|r| r.client_id == app.client_id);
            }
            if recipients.is_empty() {
                return Err(ApiError::with_message(
                    ErrorCode::InvalidParameter,
                    format!(
                        "no app receives {} in {corp}: an app must run there and hold {}",
                        kind.as_str(),
                        kind.required_point().unwrap_or("no point")
                    ),
                )
                .into());
            }
            let data = data.unwrap_or_else(|| json!({}));
            let ts = millis_string(core.now_ms());
            enqueue(core, &recipients, corp.as_str(), kind, |_| {
                let mut d = data.clone();
                if d.get("timeStamp").is_none() {
                    d["timeStamp"] = json!(ts);
                }
                d
            })
            .await?
        }
        Audience::TheApp => {
            let app = app.ok_or_else(|| bad(format!("{} needs clientId", kind.as_str())))?;
            if kind.third_party_only() && app.distribution != Distribution::ThirdParty {
                return Err(bad(format!(
                    "{} is an internal app: only third-party apps receive {}",
                    app.client_id,
                    kind.as_str()
                )));
            }
            let corp = match &req.corp_id {
                Some(c) => parse_corp_id(c)?,
                None => app.owner_corp_id.clone(),
            };
            match (kind, data) {
                (EventType::SuiteTicket, None) => {
                    let before = core
                        .store
                        .list_events(&EventFilter {
                            client_id: Some(app.client_id.to_string()),
                            limit: 1,
                            ..Default::default()
                        })
                        .await?;
                    let last = before.last().map(|e| e.seq).unwrap_or(0);
                    super::isv::rotate_ticket(core, origin, app.client_id.as_str()).await?;
                    let after = core
                        .store
                        .list_events(&EventFilter {
                            client_id: Some(app.client_id.to_string()),
                            after_seq: Some(last),
                            event_type: Some(kind.as_str().into()),
                            limit: MAX_LISTED,
                            ..Default::default()
                        })
                        .await?;
                    after.into_iter().map(|e| e.event_id).collect()
                }
                (_, data) => {
                    let data = match data {
                        Some(d) => d,
                        None if kind == EventType::SuiteTicket => unreachable!(),
                        None => installation_payload(core, &app, &corp, kind).await?,
                    };
                    raise_to_app(core, &app, corp.as_str(), kind, data).await?
                }
            }
        }
    };
    Ok(Raised {
        events: find_by_ids(core, &ids).await?,
    })
}

async fn installation_payload(
    core: &Core,
    app: &App,
    corp: &CorpId,
    kind: EventType,
) -> Result<Value> {
    let mut data = json!({
        "AuthCorpId": corp.as_str(),
        "SuiteKey": app.client_id.as_str(),
        "AgentId": app.agent_id(),
        "AppId": app.agent_id(),
        "TimeStamp": core.now_ms(),
    });
    if matches!(kind, EventType::OrgSuiteAuth | EventType::OrgSuiteChange) {
        let granted = core.store.list_org_grants(&app.client_id, corp).await?;
        data["Scopes"] = json!(granted.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    }
    Ok(data)
}

// ---------------------------------------------------------------------------------------------
// Stream: connections/open and its tickets.

/// A ticket handed out by `connections/open`.
#[derive(Debug)]
pub struct StreamTicket {
    /// The ticket.
    pub ticket: Secret,
}

/// What a ticket opens: the app and its subscriptions.
#[derive(Debug, Clone)]
pub struct StreamGrant {
    /// The app.
    pub client_id: ClientId,
    /// Whether it subscribed to events.
    pub wants_events: bool,
    /// Whether it is a third-party app (it is sent its suite ticket on connecting).
    pub third_party: bool,
}

/// `POST /v1.0/gateway/connections/open`: checks the app's credentials and hands out a
/// single-use ticket valid for 90 s.
pub async fn open_connection(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    client_secret: &Secret,
    subscriptions: &[Subscription],
) -> Result<StreamTicket> {
    if subscriptions.len() > 64 {
        return Err(ApiError::invalid_request("subscriptions: at most 64").into());
    }
    for s in subscriptions {
        if !matches!(s.kind.as_str(), "EVENT" | "CALLBACK")
            || s.topic.is_empty()
            || s.topic.len() > 256
        {
            return Err(ApiError::invalid_request(
                "subscriptions: each needs type EVENT or CALLBACK and a topic",
            )
            .into());
        }
    }
    let app = super::isv::verify_app_secret(
        core,
        origin,
        client_id,
        client_secret,
        ErrorCode::InvalidClientIdOrSecret,
        false,
    )
    .await?;
    let ticket = core.with_rng(|rng| random_stream_ticket(rng));
    let subs =
        serde_json::to_string(subscriptions).map_err(|e| super::Error::Internal(e.into()))?;
    core.store
        .put_stream_ticket(
            &stream_ticket_hash(&core.key, ticket.expose()),
            &app.client_id,
            &subs,
            core.now().plus(STREAM_TICKET_TTL),
        )
        .await?;
    Ok(StreamTicket { ticket })
}

/// Takes a Stream ticket (single use): what it opens, or `None` when it is unknown, used or
/// expired.
pub async fn take_ticket(core: &Core, ticket: &str) -> Result<Option<StreamGrant>> {
    if ticket.is_empty() || ticket.len() > 128 {
        return Ok(None);
    }
    let Some((client_id, subs)) = core
        .store
        .take_stream_ticket(&stream_ticket_hash(&core.key, ticket), core.now())
        .await?
    else {
        return Ok(None);
    };
    let subs: Vec<Subscription> = serde_json::from_str(&subs).unwrap_or_default();
    let Some(app) = core.store.get_app(&client_id).await? else {
        return Ok(None);
    };
    Ok(Some(StreamGrant {
        wants_events: subs.iter().any(|s| s.kind == "EVENT"),
        third_party: app.distribution == Distribution::ThirdParty,
        client_id,
    }))
}

/// A third-party app's Stream connection came up: it is sent its current suite ticket, as
/// DingTalk pushes one soon after a connection registers.
pub async fn connection_registered(core: &Core, grant: &StreamGrant) -> Result<()> {
    if !(grant.third_party && grant.wants_events) {
        return Ok(());
    }
    let view = super::isv::ticket(core, &Origin::operator(), grant.client_id.as_str()).await?;
    // Reading the ticket may have made the app's first one, announced already.
    let waiting = core
        .store
        .list_events(&EventFilter {
            client_id: Some(grant.client_id.to_string()),
            event_type: Some(EventType::SuiteTicket.as_str().into()),
            state: Some(EventState::Pending),
            limit: 1,
            ..Default::default()
        })
        .await?;
    if waiting.is_empty() {
        if let Some(app) = core.store.get_app(&grant.client_id).await? {
            suite_ticket(core, &app, &view.suite_ticket).await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// HTTP callbacks.

/// An app's callback registration as given.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallbackInput {
    /// Where events are POSTed (http or https).
    pub url: String,
    /// The token (3–32 letters or digits).
    pub token: String,
    /// The `EncodingAESKey` (43 characters of Base64).
    pub aes_key: String,
}

/// An app's callback as shown (the token and key are not shown again).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallbackView {
    /// The app.
    pub client_id: String,
    /// Where events are POSTed.
    pub url: String,
    /// When the URL passed its `check_url` exchange (Unix seconds).
    pub verified_at: i64,
}

/// Whether events may be POSTed to `url` here: any http(s) URL in emulator mode, else only
/// under a prefix of `events.callback_allow`.
pub fn callback_url_allowed(core: &Core, url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|_| bad("url must be an absolute http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad("url must be an absolute http(s) URL"));
    }
    if url.len() > 2048 {
        return Err(bad("url is longer than 2048 characters"));
    }
    if core.emulator.is_some()
        || core
            .events
            .callback_allow
            .iter()
            .any(|p| url.starts_with(p))
    {
        return Ok(());
    }
    Err(bad(
        "url is not under a prefix the operator allows (events.callback_allow; docs/events.md)",
    ))
}

/// The crypto of an app's stored callback.
pub fn crypto_of(core: &Core, row: &CallbackRow) -> Result<CallbackCrypto> {
    let token = core.key.open(&row.sealed_token);
    let aes = core.key.open(&row.sealed_aes_key);
    match (token, aes) {
        (Some(t), Some(a)) => CallbackCrypto::new(t.expose(), a.expose(), row.client_id.as_str())
            .map_err(|e| super::Error::Internal(anyhow::anyhow!("stored callback: {e}"))),
        _ => Err(super::Error::Internal(anyhow::anyhow!(
            "a stored callback does not open under the hash key"
        ))),
    }
}

/// Registers (or replaces) an app's HTTP callback after the URL answers DingTalk's
/// `check_url` exchange; from then on the app receives its events by HTTP.
pub async fn set_callback(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    input: CallbackInput,
) -> Result<CallbackView> {
    let access = policy::app_to_change(core, origin, client_id).await?;
    let app = access.app;
    callback_url_allowed(core, &input.url)?;
    let crypto = CallbackCrypto::new(&input.token, &input.aes_key, app.client_id.as_str())
        .map_err(|e| bad(e.to_string()))?;
    crate::delivery::check_url(core, &input.url, &crypto)
        .await
        .map_err(|why| {
            bad(format!(
                "the callback URL did not pass the check_url exchange: {why}"
            ))
        })?;
    let row = CallbackRow {
        client_id: app.client_id.clone(),
        url: input.url.clone(),
        sealed_token: core.with_rng(|rng| core.key.seal(rng, &input.token)),
        sealed_aes_key: core.with_rng(|rng| core.key.seal(rng, &input.aes_key)),
        verified_at: core.now(),
    };
    core.store.put_callback(&row).await?;
    let event = super::audit::admin_action(core, origin, "set_event_callback")
        .app(&app.client_id)
        .detail("url", &input.url);
    super::audit::record(core, origin, event).await?;
    core.stream.wake.notify_one();
    Ok(CallbackView {
        client_id: app.client_id.to_string(),
        url: row.url,
        verified_at: row.verified_at.0,
    })
}

/// Brings an app's callback to a seed file's declaration (no `check_url` exchange: a seed is
/// the operator's word, and the endpoint may not be up yet); whether it changed.
pub async fn declare_callback(
    core: &Core,
    client_id: &ClientId,
    input: &CallbackInput,
) -> Result<bool> {
    callback_url_allowed(core, &input.url)?;
    CallbackCrypto::new(&input.token, &input.aes_key, client_id.as_str())
        .map_err(|e| bad(format!("eventCallback: {e}")))?;
    if let Some(row) = core.store.get_callback(client_id).await? {
        let same = row.url == input.url
            && core
                .key
                .open(&row.sealed_token)
                .map(|t| t.expose() == input.token)
                == Some(true)
            && core
                .key
                .open(&row.sealed_aes_key)
                .map(|k| k.expose() == input.aes_key)
                == Some(true);
        if same {
            return Ok(false);
        }
    }
    core.store
        .put_callback(&CallbackRow {
            client_id: client_id.clone(),
            url: input.url.clone(),
            sealed_token: core.with_rng(|rng| core.key.seal(rng, &input.token)),
            sealed_aes_key: core.with_rng(|rng| core.key.seal(rng, &input.aes_key)),
            verified_at: core.now(),
        })
        .await?;
    Ok(true)
}

/// An app's HTTP callback, if it has one.
pub async fn callback(
    core: &Core,
    origin: &Origin,
    client_id: &str,
) -> Result<Option<CallbackView>> {
    let app = policy::app_to_read(core, origin, client_id).await?.app;
    Ok(core
        .store
        .get_callback(&app.client_id)
        .await?
        .map(|row| CallbackView {
            client_id: row.client_id.to_string(),
            url: row.url,
            verified_at: row.verified_at.0,
        }))
}

/// Removes an app's HTTP callback: its events go over Stream again.
pub async fn delete_callback(core: &Core, origin: &Origin, client_id: &str) -> Result<()> {
    let app = policy::app_to_change(core, origin, client_id).await?.app;
    if !core.store.delete_callback(&app.client_id).await? {
        return Err(not_found(format!("{} has no callback", app.client_id)));
    }
    let event =
        super::audit::admin_action(core, origin, "delete_event_callback").app(&app.client_id);
    super::audit::record(core, origin, event).await?;
    Ok(())
}
