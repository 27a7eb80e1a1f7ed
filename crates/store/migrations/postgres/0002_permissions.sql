-- Permission points, the points apps added, org grants to apps, org certification info,
-- and the change counter that lets every instance drop cached authorizations.

CREATE TABLE permission_points (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('rpc', 'field')),
    grant_type  TEXT NOT NULL CHECK (grant_type IN ('app', 'delegated')),
    description TEXT NOT NULL,
    builtin     BIGINT NOT NULL DEFAULT 0
);

-- Points an app has added (applied for) in the developer console.
CREATE TABLE app_points (
    client_id TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    code      TEXT NOT NULL REFERENCES permission_points (code) ON DELETE CASCADE,
    PRIMARY KEY (client_id, code)
);

-- App-type points an org granted to a (third-party) app.
CREATE TABLE org_grants (
    client_id TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id   TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    code      TEXT NOT NULL REFERENCES permission_points (code) ON DELETE CASCADE,
    PRIMARY KEY (client_id, corp_id, code)
);
CREATE INDEX org_grants_corp ON org_grants (corp_id);

CREATE TABLE org_auth_info (
    corp_id               TEXT PRIMARY KEY REFERENCES orgs (corp_id) ON DELETE CASCADE,
    auth_level            BIGINT NOT NULL DEFAULT 0,
    license_org_name      TEXT,
    registration_num      TEXT,
    unified_social_credit TEXT,
    organization_code     TEXT,
    legal_person          TEXT,
    license_url           TEXT
);

-- Bumped in the same transaction as every change that may withdraw a right.
INSERT INTO meta (name, value) VALUES ('change_seq', '0');
