-- JSAPI tickets: one per (app, org). The value is derived from the nonce with the server's key,
-- so no ticket is stored. Times are whole Unix seconds.
CREATE TABLE jsapi_tickets (
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id    TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    nonce      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, corp_id)
);
