-- Users, org memberships, app redirect URIs and openAuth origins, browser sessions,
-- authorization codes, user access and refresh tokens, users' consents, and type-1 requests.
-- "No org" is stored as '' so it can take part in keys.

CREATE TABLE users (
    union_id      TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    nick          TEXT NOT NULL,
    avatar_url    TEXT NOT NULL DEFAULT '',
    mobile        TEXT,
    state_code    TEXT,
    email         TEXT,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE memberships (
    corp_id  TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    union_id TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    PRIMARY KEY (corp_id, union_id)
);
CREATE INDEX memberships_user ON memberships (union_id);

CREATE TABLE app_uris (
    client_id TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('redirect', 'origin')),
    uri       TEXT NOT NULL,
    PRIMARY KEY (client_id, kind, uri)
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    union_id   TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE auth_codes (
    code_hash    TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    union_id     TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    corp_id      TEXT NOT NULL DEFAULT '',
    scopes       TEXT NOT NULL,
    redirect_uri TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);

CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    family     TEXT NOT NULL,
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    union_id   TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    corp_id    TEXT NOT NULL DEFAULT '',
    scopes     TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX user_tokens_family ON user_tokens (family);
CREATE INDEX user_tokens_app_user ON user_tokens (client_id, union_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family     TEXT NOT NULL,
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    union_id   TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    corp_id    TEXT NOT NULL DEFAULT '',
    scopes     TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_app_user ON refresh_tokens (client_id, union_id);

CREATE TABLE user_grants (
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    union_id   TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    corp_id    TEXT NOT NULL DEFAULT '',
    code       TEXT NOT NULL REFERENCES permission_points (code) ON DELETE CASCADE,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, union_id, corp_id, code)
);
CREATE INDEX user_grants_user ON user_grants (union_id);

CREATE TABLE auth_requests (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id      TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    points       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at   BIGINT NOT NULL,
    decided_by   TEXT,
    decided_at   BIGINT
);
CREATE INDEX auth_requests_corp ON auth_requests (corp_id, status);
