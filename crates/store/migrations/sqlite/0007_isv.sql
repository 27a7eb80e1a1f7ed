-- Third-party apps (DingTalk's ISV surface) and SSO into an app's admin backend.
-- Times are whole Unix seconds; secrets, tokens and codes appear only as keyed hashes, except
-- `sealed_secret` (sealed with a key derived from the server's hash key, see domain secret.rs).

-- A third-party app marked custom (定制应用) accepts any suite ticket (0 or 1).
ALTER TABLE apps ADD COLUMN custom BIGINT NOT NULL DEFAULT 0;
-- The client secret sealed for the signed ISV calls, which are an HMAC keyed by it; NULL for
-- apps whose secret was set before this column existed (rotate it to make signed calls).
ALTER TABLE apps ADD COLUMN sealed_secret TEXT;
-- Where an org admin lands, with `?code=`, when opening the app's admin backend (SSO).
ALTER TABLE apps ADD COLUMN admin_url TEXT NOT NULL DEFAULT '';

-- Each third-party app's suite ticket: values derived from the nonces with the server's key.
CREATE TABLE suite_tickets (
    client_id      TEXT PRIMARY KEY REFERENCES apps (client_id) ON DELETE CASCADE,
    nonce          TEXT NOT NULL,
    previous_nonce TEXT,
    rotated_at     BIGINT NOT NULL
);

-- Tokens minted anew on each request, earlier ones living until their own expiry: ISV corp
-- tokens (an app in an org), suite tokens (a third-party app itself) and SSO tokens (an org).
CREATE TABLE minted_tokens (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('corp', 'suite', 'sso')),
    client_id  TEXT REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id    TEXT REFERENCES orgs (corp_id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CHECK ((kind = 'corp' AND client_id IS NOT NULL AND corp_id IS NOT NULL)
        OR (kind = 'suite' AND client_id IS NOT NULL AND corp_id IS NULL)
        OR (kind = 'sso' AND client_id IS NULL AND corp_id IS NOT NULL))
);
CREATE INDEX minted_tokens_app ON minted_tokens (client_id, corp_id);
CREATE INDEX minted_tokens_corp ON minted_tokens (corp_id);

-- An org's SSO secret (应用管理后台免登), one per org.
CREATE TABLE sso_secrets (
    corp_id     TEXT PRIMARY KEY REFERENCES orgs (corp_id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Single-use codes an org admin carries into an app's admin backend.
CREATE TABLE sso_codes (
    code_hash  TEXT PRIMARY KEY,
    corp_id    TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    union_id   TEXT NOT NULL REFERENCES users (union_id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_codes_member ON sso_codes (corp_id, union_id);
