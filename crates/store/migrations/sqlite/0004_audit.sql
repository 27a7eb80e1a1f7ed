-- The audit log: security events, append-only (docs/security.md#the-audit-log).
-- Never holds a secret or a token: only ids and small facts (details is a JSON object of strings).
-- The triggers refuse every UPDATE and DELETE, so not even a bug in opending can rewrite history.

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    request_id TEXT,
    actor      TEXT NOT NULL,
    actor_id   TEXT,
    client_id  TEXT,
    corp_id    TEXT,
    source     TEXT,
    details    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_corp ON audit_events (corp_id, id);
CREATE INDEX audit_events_client ON audit_events (client_id, id);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
