-- SQLite twin of postgres/00001_directory.sql: the same tables, keys and
-- indexes. Timestamps are DATETIME holding UTC text, booleans INTEGER 0/1,
-- JSON documents TEXT. Foreign keys need PRAGMA foreign_keys=ON, which the
-- store sets on every connection.
--
-- The directory: organizations, accounts, groups, memberships, credentials
-- and the audit trail. Every table is keyed by org_id first and no index
-- serves a query spanning organizations, so the schema can be distributed
-- by organization later. Columns ending in _lower hold lower-cased copies
-- (computed by the application, identically on every backend) for
-- case-insensitive matching and sorting; the full SCIM document lives in
-- resource so nothing an identity provider sends is lost.

-- +goose Up
CREATE TABLE organizations (
    id         TEXT        PRIMARY KEY,
    slug       TEXT        NOT NULL UNIQUE,
    name       TEXT        NOT NULL,
    created_at DATETIME    NOT NULL
);

CREATE TABLE accounts (
    org_id                TEXT        NOT NULL REFERENCES organizations (id),
    id                    TEXT        NOT NULL,
    user_name             TEXT        NOT NULL,
    user_name_lower       TEXT        NOT NULL,
    external_id           TEXT,
    display_name          TEXT        NOT NULL DEFAULT '',
    display_name_lower    TEXT        NOT NULL DEFAULT '',
    given_name            TEXT        NOT NULL DEFAULT '',
    given_name_lower      TEXT        NOT NULL DEFAULT '',
    family_name           TEXT        NOT NULL DEFAULT '',
    family_name_lower     TEXT        NOT NULL DEFAULT '',
    primary_email         TEXT        NOT NULL DEFAULT '',
    primary_email_lower   TEXT        NOT NULL DEFAULT '',
    active                INTEGER     NOT NULL,
    state                 TEXT        NOT NULL CHECK (state IN ('not_invited', 'invited', 'claimed')),
    auth_method           TEXT        NOT NULL DEFAULT 'password' CHECK (auth_method IN ('password', 'sso')),
    frontline             INTEGER     NOT NULL DEFAULT 0,
    title                 TEXT        NOT NULL DEFAULT '',
    title_lower           TEXT        NOT NULL DEFAULT '',
    department            TEXT        NOT NULL DEFAULT '',
    department_lower      TEXT        NOT NULL DEFAULT '',
    division              TEXT        NOT NULL DEFAULT '',
    division_lower        TEXT        NOT NULL DEFAULT '',
    organization          TEXT        NOT NULL DEFAULT '',
    organization_lower    TEXT        NOT NULL DEFAULT '',
    cost_center           TEXT        NOT NULL DEFAULT '',
    cost_center_lower     TEXT        NOT NULL DEFAULT '',
    employee_number       TEXT        NOT NULL DEFAULT '',
    employee_number_lower TEXT        NOT NULL DEFAULT '',
    location              TEXT        NOT NULL DEFAULT '',
    location_lower        TEXT        NOT NULL DEFAULT '',
    manager_id            TEXT,
    start_date            DATETIME   ,
    resource              TEXT        NOT NULL,
    version               INTEGER     NOT NULL,
    created_at            DATETIME    NOT NULL,
    updated_at            DATETIME    NOT NULL,
    invited_at            DATETIME   ,
    claimed_at            DATETIME   ,
    deactivated_at        DATETIME   ,
    PRIMARY KEY (org_id, id)
);

CREATE UNIQUE INDEX accounts_user_name_key ON accounts (org_id, user_name_lower);
CREATE INDEX accounts_external_id_idx ON accounts (org_id, external_id);
CREATE INDEX accounts_display_name_idx ON accounts (org_id, display_name_lower);
CREATE INDEX accounts_given_name_idx ON accounts (org_id, given_name_lower);
CREATE INDEX accounts_family_name_idx ON accounts (org_id, family_name_lower);
CREATE INDEX accounts_primary_email_idx ON accounts (org_id, primary_email_lower);
CREATE INDEX accounts_status_idx ON accounts (org_id, state, active);
CREATE INDEX accounts_title_idx ON accounts (org_id, title_lower);
CREATE INDEX accounts_department_idx ON accounts (org_id, department_lower);
CREATE INDEX accounts_division_idx ON accounts (org_id, division_lower);
CREATE INDEX accounts_employee_number_idx ON accounts (org_id, employee_number_lower);
CREATE INDEX accounts_location_idx ON accounts (org_id, location_lower);
CREATE INDEX accounts_manager_idx ON accounts (org_id, manager_id);
CREATE INDEX accounts_created_idx ON accounts (org_id, created_at, id);
CREATE INDEX accounts_updated_idx ON accounts (org_id, updated_at, id);
CREATE INDEX accounts_invited_idx ON accounts (org_id, invited_at);
CREATE INDEX accounts_claimed_idx ON accounts (org_id, claimed_at);

-- One row per element of an account's emails, so value-path filters such
-- as emails[type eq "work" and value co "@x"] become indexed EXISTS queries.
CREATE TABLE account_emails (
    org_id      TEXT    NOT NULL,
    account_id  TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    type        TEXT    NOT NULL DEFAULT '',
    value       TEXT    NOT NULL,
    value_lower TEXT    NOT NULL,
    is_primary  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, account_id, position),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE
);
CREATE INDEX account_emails_value_idx ON account_emails (org_id, value_lower);

CREATE TABLE groups (
    org_id             TEXT        NOT NULL REFERENCES organizations (id),
    id                 TEXT        NOT NULL,
    display_name       TEXT        NOT NULL,
    display_name_lower TEXT        NOT NULL,
    external_id        TEXT,
    resource           TEXT        NOT NULL,
    version            INTEGER     NOT NULL,
    created_at         DATETIME    NOT NULL,
    updated_at         DATETIME    NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX groups_display_name_key ON groups (org_id, display_name_lower);
CREATE INDEX groups_external_id_idx ON groups (org_id, external_id);

-- Membership is a set: the primary key makes adding a present member a
-- no-op (ON CONFLICT DO NOTHING) and no change rewrites the whole list.
CREATE TABLE group_members (
    org_id      TEXT        NOT NULL,
    group_id    TEXT        NOT NULL,
    member_id   TEXT        NOT NULL,
    member_type TEXT        NOT NULL CHECK (member_type IN ('User', 'Group')),
    created_at  DATETIME    NOT NULL,
    PRIMARY KEY (org_id, group_id, member_id),
    FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_member_idx ON group_members (org_id, member_id);

-- Tokens are stored only as keyed hashes (HMAC-SHA-256 under the server
-- key). The hash lookup resolves the organization, hence its own index.
CREATE TABLE scim_tokens (
    org_id       TEXT        NOT NULL REFERENCES organizations (id),
    id           TEXT        NOT NULL,
    name         TEXT        NOT NULL,
    token_hash   TEXT        NOT NULL UNIQUE,
    created_at   DATETIME    NOT NULL,
    expires_at   DATETIME   ,
    revoked_at   DATETIME   ,
    last_used_at DATETIME   ,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE admins (
    org_id      TEXT        NOT NULL REFERENCES organizations (id),
    id          TEXT        NOT NULL,
    email       TEXT        NOT NULL,
    email_lower TEXT        NOT NULL,
    role        TEXT        NOT NULL,
    created_at  DATETIME    NOT NULL,
    disabled_at DATETIME   ,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX admins_email_key ON admins (org_id, email_lower);

CREATE TABLE admin_tokens (
    org_id       TEXT        NOT NULL,
    id           TEXT        NOT NULL,
    admin_id     TEXT        NOT NULL,
    name         TEXT        NOT NULL,
    token_hash   TEXT        NOT NULL UNIQUE,
    created_at   DATETIME    NOT NULL,
    expires_at   DATETIME   ,
    revoked_at   DATETIME   ,
    last_used_at DATETIME   ,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id)
);

CREATE TABLE audit_events (
    org_id         TEXT        NOT NULL REFERENCES organizations (id),
    id             TEXT        NOT NULL,
    at             DATETIME    NOT NULL,
    actor_type     TEXT        NOT NULL,
    actor_id       TEXT        NOT NULL DEFAULT '',
    actor_name     TEXT        NOT NULL DEFAULT '',
    action         TEXT        NOT NULL,
    target_type    TEXT        NOT NULL DEFAULT '',
    target_id      TEXT        NOT NULL DEFAULT '',
    before_version INTEGER     NOT NULL DEFAULT 0,
    after_version  INTEGER     NOT NULL DEFAULT 0,
    request_id     TEXT        NOT NULL DEFAULT '',
    details        TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX audit_events_action_idx ON audit_events (org_id, action, id);
CREATE INDEX audit_events_target_idx ON audit_events (org_id, target_id, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE admin_tokens;
DROP TABLE admins;
DROP TABLE scim_tokens;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE account_emails;
DROP TABLE accounts;
DROP TABLE organizations;
