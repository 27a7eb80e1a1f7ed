-- The org directory (通讯录): each member's staff profile in the org, and departments.
-- Booleans are 0/1; times are Unix milliseconds where DingTalk's wire has them so (hired_date).

-- The org-scoped userid: set by hand, or derived from (corpId, unionId) when the membership is
-- made (existing rows are filled in by the store right after this migration).
ALTER TABLE memberships ADD COLUMN userid TEXT;
ALTER TABLE memberships ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN job_number TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN work_place TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN remark TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN extension TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN org_email TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN telephone TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN hired_date BIGINT;
ALTER TABLE memberships ADD COLUMN boss BIGINT NOT NULL DEFAULT 0;
ALTER TABLE memberships ADD COLUMN manager_userid TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX memberships_userid ON memberships (corp_id, userid);

-- Departments below the org (the root, id 1, is the org itself and is not stored).
CREATE TABLE departments (
    corp_id    TEXT NOT NULL REFERENCES orgs (corp_id) ON DELETE CASCADE,
    dept_id    BIGINT NOT NULL CHECK (dept_id > 1),
    name       TEXT NOT NULL,
    parent_id  BIGINT NOT NULL CHECK (parent_id >= 1),
    sort_order BIGINT NOT NULL DEFAULT 0,
    -- Managers' userids, '|'-joined (DingTalk's own joining in its older answers).
    managers   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (corp_id, dept_id)
);
CREATE INDEX departments_parent ON departments (corp_id, parent_id);

-- A member's seats in departments (none: the member sits in the root only).
CREATE TABLE dept_seats (
    corp_id    TEXT NOT NULL,
    union_id   TEXT NOT NULL,
    dept_id    BIGINT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    leader     BIGINT NOT NULL DEFAULT 0,
    position   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (corp_id, union_id, dept_id),
    FOREIGN KEY (corp_id, union_id) REFERENCES memberships (corp_id, union_id) ON DELETE CASCADE,
    FOREIGN KEY (corp_id, dept_id) REFERENCES departments (corp_id, dept_id) ON DELETE CASCADE
);
CREATE INDEX dept_seats_dept ON dept_seats (corp_id, dept_id, sort_order);

-- In-app login (免登) codes: single use, five minutes, bound to (app, org, member).
CREATE TABLE login_codes (
    code_hash  TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES apps (client_id) ON DELETE CASCADE,
    corp_id    TEXT NOT NULL,
    union_id   TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    FOREIGN KEY (corp_id, union_id) REFERENCES memberships (corp_id, union_id) ON DELETE CASCADE
);
CREATE INDEX login_codes_expiry ON login_codes (expires_at);
