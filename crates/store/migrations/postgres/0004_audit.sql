-- The audit log: security events, append-only (docs/security.md#the-audit-log).
-- Never holds a secret or a token: only ids and small facts (details is a JSON object of strings).
-- The trigger refuses every UPDATE and DELETE, so not even a bug in opending can rewrite history.

CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
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

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
