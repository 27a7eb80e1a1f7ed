-- The spine: orgs, apps, installations, app tokens, and server metadata.
-- Times are whole Unix seconds. Secrets and tokens appear only as keyed hashes (hex).

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE orgs (
    corp_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE apps (
    client_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    owner_corp_id TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    distribution  TEXT NOT NULL CHECK (distribution IN ('internal', 'third-party')),
    secret_hash   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX apps_owner ON apps (owner_corp_id);

CREATE TABLE installations (
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id    TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, corp_id)
);
CREATE INDEX installations_corp ON installations (corp_id);

-- One app token per (app, org) at a time. The value is derived from `nonce` with the server's
-- hash key; `token_hash` is the keyed hash used to look a presented token up.
CREATE TABLE app_tokens (
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id    TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    nonce      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, corp_id)
);
CREATE INDEX app_tokens_corp ON app_tokens (corp_id);
