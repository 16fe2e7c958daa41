-- SQLite twin of postgres/00016_first_access.sql.
--
-- The first-access steps of claiming an account: what each organization
-- asks of people (claim_settings, a JSON object; '{}' is the default of
-- directory.ClaimSettings), its terms of use in numbered versions that
-- never change once published and who accepted which, account passwords
-- (hashes only), profile pictures (at most one per account, re-encoded by
-- the server, served by a random id), the groups people may join while
-- claiming (is_default, is_open: set by an administrator, never by SCIM),
-- and what a claim session has done so far (purpose, the invite
-- generation it began under, the steps done, a JSON array).
--
-- Everything that belongs to an account goes with it (ON DELETE CASCADE).
-- Terms versions are never deleted, so the acceptances' reference to them
-- needs no index of its own. groups_claim_idx serves the default-group
-- list and the open-group search in name order (code-point order, like
-- every sort here); the search's LIKE '%text%' reads only the flagged groups.

-- +goose Up
ALTER TABLE organizations ADD COLUMN claim_settings TEXT NOT NULL DEFAULT '{}';

ALTER TABLE accounts ADD COLUMN picture_id TEXT NOT NULL DEFAULT '';

ALTER TABLE groups ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE groups ADD COLUMN is_open BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX groups_claim_idx ON groups (org_id, display_name_lower)
    WHERE is_default OR is_open;

ALTER TABLE sessions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'signin';
ALTER TABLE sessions ADD COLUMN invite_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';

CREATE TABLE terms_versions (
    org_id     TEXT        NOT NULL REFERENCES organizations (id),
    version    INTEGER     NOT NULL CHECK (version > 0),
    text       TEXT        NOT NULL,
    created_at DATETIME    NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE terms_acceptances (
    org_id      TEXT        NOT NULL,
    account_id  TEXT        NOT NULL,
    version     INTEGER     NOT NULL,
    accepted_at DATETIME    NOT NULL,
    PRIMARY KEY (org_id, account_id, version),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, version) REFERENCES terms_versions (org_id, version)
);

CREATE TABLE account_passwords (
    org_id     TEXT        NOT NULL,
    account_id TEXT        NOT NULL,
    hash       TEXT        NOT NULL,
    updated_at DATETIME    NOT NULL,
    PRIMARY KEY (org_id, account_id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE
);

CREATE TABLE pictures (
    id           TEXT        PRIMARY KEY,
    org_id       TEXT        NOT NULL,
    account_id   TEXT        NOT NULL,
    content_type TEXT        NOT NULL,
    data         BLOB        NOT NULL,
    width        INTEGER     NOT NULL,
    height       INTEGER     NOT NULL,
    created_at   DATETIME    NOT NULL,
    -- One picture per account: a new upload replaces the row (and its id).
    UNIQUE (org_id, account_id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE pictures;
DROP TABLE account_passwords;
DROP TABLE terms_acceptances;
DROP TABLE terms_versions;
ALTER TABLE sessions DROP COLUMN steps;
ALTER TABLE sessions DROP COLUMN invite_generation;
ALTER TABLE sessions DROP COLUMN purpose;
DROP INDEX groups_claim_idx;
ALTER TABLE groups DROP COLUMN is_open;
ALTER TABLE groups DROP COLUMN is_default;
ALTER TABLE accounts DROP COLUMN picture_id;
ALTER TABLE organizations DROP COLUMN claim_settings;
