-- The directory: organizations, accounts, groups, memberships, credentials
-- and the audit trail. Every table is keyed by org_id first and no index
-- serves a query spanning organizations, so the schema can be distributed
-- by organization later. Columns ending in _lower hold lower-cased copies
-- (computed by the application, identically on every backend) for
-- case-insensitive matching and sorting; the full SCIM document lives in
-- resource so nothing an identity provider sends is lost.

-- +goose Up
CREATE TABLE organizations (
    id         text        PRIMARY KEY,
    slug       text        NOT NULL UNIQUE,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE accounts (
    org_id                text        NOT NULL REFERENCES organizations (id),
    id                    text        NOT NULL,
    user_name             text        NOT NULL,
    user_name_lower       text        NOT NULL,
    external_id           text,
    display_name          text        NOT NULL DEFAULT '',
    display_name_lower    text        NOT NULL DEFAULT '',
    given_name            text        NOT NULL DEFAULT '',
    given_name_lower      text        NOT NULL DEFAULT '',
    family_name           text        NOT NULL DEFAULT '',
    family_name_lower     text        NOT NULL DEFAULT '',
    primary_email         text        NOT NULL DEFAULT '',
    primary_email_lower   text        NOT NULL DEFAULT '',
    active                boolean     NOT NULL,
    state                 text        NOT NULL CHECK (state IN ('not_invited', 'invited', 'claimed')),
    auth_method           text        NOT NULL DEFAULT 'password' CHECK (auth_method IN ('password', 'sso')),
    frontline             boolean     NOT NULL DEFAULT false,
    title                 text        NOT NULL DEFAULT '',
    title_lower           text        NOT NULL DEFAULT '',
    department            text        NOT NULL DEFAULT '',
    department_lower      text        NOT NULL DEFAULT '',
    division              text        NOT NULL DEFAULT '',
    division_lower        text        NOT NULL DEFAULT '',
    organization          text        NOT NULL DEFAULT '',
    organization_lower    text        NOT NULL DEFAULT '',
    cost_center           text        NOT NULL DEFAULT '',
    cost_center_lower     text        NOT NULL DEFAULT '',
    employee_number       text        NOT NULL DEFAULT '',
    employee_number_lower text        NOT NULL DEFAULT '',
    location              text        NOT NULL DEFAULT '',
    location_lower        text        NOT NULL DEFAULT '',
    manager_id            text,
    start_date            timestamptz,
    resource              jsonb       NOT NULL,
    version               bigint      NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    invited_at            timestamptz,
    claimed_at            timestamptz,
    deactivated_at        timestamptz,
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
    org_id      text    NOT NULL,
    account_id  text    NOT NULL,
    position    integer NOT NULL,
    type        text    NOT NULL DEFAULT '',
    value       text    NOT NULL,
    value_lower text    NOT NULL,
    is_primary  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (org_id, account_id, position),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE
);
CREATE INDEX account_emails_value_idx ON account_emails (org_id, value_lower);

CREATE TABLE groups (
    org_id             text        NOT NULL REFERENCES organizations (id),
    id                 text        NOT NULL,
    display_name       text        NOT NULL,
    display_name_lower text        NOT NULL,
    external_id        text,
    resource           jsonb       NOT NULL,
    version            bigint      NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX groups_display_name_key ON groups (org_id, display_name_lower);
CREATE INDEX groups_external_id_idx ON groups (org_id, external_id);

-- Membership is a set: the primary key makes adding a present member a
-- no-op (ON CONFLICT DO NOTHING) and no change rewrites the whole list.
CREATE TABLE group_members (
    org_id      text        NOT NULL,
    group_id    text        NOT NULL,
    member_id   text        NOT NULL,
    member_type text        NOT NULL CHECK (member_type IN ('User', 'Group')),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, group_id, member_id),
    FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_member_idx ON group_members (org_id, member_id);

-- Tokens are stored only as keyed hashes (HMAC-SHA-256 under the server
-- key). The hash lookup resolves the organization, hence its own index.
CREATE TABLE scim_tokens (
    org_id       text        NOT NULL REFERENCES organizations (id),
    id           text        NOT NULL,
    name         text        NOT NULL,
    token_hash   text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE admins (
    org_id      text        NOT NULL REFERENCES organizations (id),
    id          text        NOT NULL,
    email       text        NOT NULL,
    email_lower text        NOT NULL,
    role        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    disabled_at timestamptz,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX admins_email_key ON admins (org_id, email_lower);

CREATE TABLE admin_tokens (
    org_id       text        NOT NULL,
    id           text        NOT NULL,
    admin_id     text        NOT NULL,
    name         text        NOT NULL,
    token_hash   text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id)
);

CREATE TABLE audit_events (
    org_id         text        NOT NULL REFERENCES organizations (id),
    id             text        NOT NULL,
    at             timestamptz NOT NULL,
    actor_type     text        NOT NULL,
    actor_id       text        NOT NULL DEFAULT '',
    actor_name     text        NOT NULL DEFAULT '',
    action         text        NOT NULL,
    target_type    text        NOT NULL DEFAULT '',
    target_id      text        NOT NULL DEFAULT '',
    before_version bigint      NOT NULL DEFAULT 0,
    after_version  bigint      NOT NULL DEFAULT 0,
    request_id     text        NOT NULL DEFAULT '',
    details        jsonb,
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
