-- Events: the durable outbox (docs/events.md). One row per (event, recipient app); `seq` orders
-- an app's events. Times are Unix milliseconds. A row is pending until the app acknowledges it
-- (acked) or the last attempt fails (failed); a delivery in progress holds a lease
-- (`lease_owner`, `lease_until_ms`) that another instance may take over once it expires.
CREATE TABLE events (
    seq            BIGSERIAL PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    client_id      TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id        TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    data           TEXT NOT NULL,
    born_at_ms     BIGINT NOT NULL,
    state          TEXT NOT NULL,
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_at_ms     BIGINT NOT NULL,
    lease_owner    TEXT,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    done_at_ms     BIGINT
);
CREATE INDEX events_by_app ON events (client_id, state, seq);
CREATE INDEX events_due ON events (state, next_at_ms);

-- Each delivery attempt of an event and how it ended.
CREATE TABLE event_deliveries (
    event_id       TEXT NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    attempt        BIGINT NOT NULL,
    channel        TEXT NOT NULL,
    target         TEXT NOT NULL,
    instance       TEXT NOT NULL,
    started_at_ms  BIGINT NOT NULL,
    finished_at_ms BIGINT,
    outcome        TEXT,
    detail         TEXT,
    PRIMARY KEY (event_id, attempt)
);

-- Stream connection tickets: single use, 90 seconds, stored as keyed hashes.
CREATE TABLE stream_tickets (
    ticket_hash   TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    subscriptions TEXT NOT NULL,
    expires_at    BIGINT NOT NULL
);

-- HTTP callbacks: an app's URL with its token and AES key (sealed with the hash key, since
-- both are needed in the clear to sign and encrypt). An app with a callback receives its
-- events by HTTP; any other over Stream.
CREATE TABLE event_callbacks (
    client_id      TEXT PRIMARY KEY REFERENCES apps (client_id) ON DELETE CASCADE,
    url            TEXT NOT NULL,
    sealed_token   TEXT NOT NULL,
    sealed_aes_key TEXT NOT NULL,
    verified_at    BIGINT NOT NULL
);
