-- SQLite twin of postgres/00010_invitations.sql.
--
-- Invitations: organization settings for inviting, ordered invite rules,
-- the invitation state of each account (claim-link generation and expiry,
-- the access code's keyed hash), a record of every message delivered per
-- invitation generation (so a job that runs twice sends one email), the
-- outbox that keeps messages when no SMTP server is configured, and
-- per-organization message templates. No claim link or access code is
-- stored in usable form: links are derived from the server key and the
-- generation, codes are kept only as keyed hashes.

-- +goose Up
ALTER TABLE organizations ADD COLUMN auto_invite BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE organizations ADD COLUMN invite_hour INTEGER NOT NULL DEFAULT 9 CHECK (invite_hour BETWEEN 0 AND 23);
ALTER TABLE organizations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

ALTER TABLE accounts ADD COLUMN user_type TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN user_type_lower TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN invite_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN invite_expires_at DATETIME;
ALTER TABLE accounts ADD COLUMN access_code_hash TEXT;
ALTER TABLE accounts ADD COLUMN access_code_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN access_code_expires_at DATETIME;
ALTER TABLE accounts ADD COLUMN last_delivery_error TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_user_type_idx ON accounts (org_id, user_type_lower);
-- A typed code must find its account before the organization is known,
-- like a token hash; the hash is keyed, so it is unique on its own.
CREATE UNIQUE INDEX accounts_access_code_key ON accounts (access_code_hash);

CREATE TABLE invite_rules (
    org_id     TEXT        NOT NULL REFERENCES organizations (id),
    id         TEXT        NOT NULL,
    name       TEXT        NOT NULL,
    position   INTEGER     NOT NULL,
    filter     TEXT        NOT NULL,
    action     TEXT        NOT NULL CHECK (action IN ('invite_now', 'invite_on_start_date', 'never')),
    message    TEXT        NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX invite_rules_position_idx ON invite_rules (org_id, position);

-- One row per message that left for an invitation generation: kind is
-- 'invitation', 'reminder-1', ... or 'resend-<n>'.
CREATE TABLE deliveries (
    org_id       TEXT        NOT NULL,
    account_id   TEXT        NOT NULL,
    generation   INTEGER      NOT NULL,
    kind         TEXT        NOT NULL,
    recipient    TEXT        NOT NULL,
    delivered_at DATETIME NOT NULL,
    PRIMARY KEY (org_id, account_id, generation, kind),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE
);

CREATE TABLE outbox_messages (
    org_id     TEXT        NOT NULL REFERENCES organizations (id),
    id         TEXT        NOT NULL,
    recipient  TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    text_body  TEXT        NOT NULL,
    html_body  TEXT        NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX outbox_messages_created_idx ON outbox_messages (org_id, created_at DESC, id DESC);

CREATE TABLE message_templates (
    org_id     TEXT        NOT NULL REFERENCES organizations (id),
    kind       TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    text_body  TEXT        NOT NULL,
    html_body  TEXT        NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (org_id, kind)
);

-- +goose Down
DROP TABLE message_templates;
DROP TABLE outbox_messages;
DROP TABLE deliveries;
DROP TABLE invite_rules;
DROP INDEX accounts_access_code_key;
DROP INDEX accounts_user_type_idx;
ALTER TABLE accounts DROP COLUMN last_delivery_error;
ALTER TABLE accounts DROP COLUMN access_code_expires_at;
ALTER TABLE accounts DROP COLUMN access_code_generation;
ALTER TABLE accounts DROP COLUMN access_code_hash;
ALTER TABLE accounts DROP COLUMN invite_expires_at;
ALTER TABLE accounts DROP COLUMN invite_generation;
ALTER TABLE accounts DROP COLUMN user_type_lower;
ALTER TABLE accounts DROP COLUMN user_type;
ALTER TABLE organizations DROP COLUMN time_zone;
ALTER TABLE organizations DROP COLUMN invite_hour;
ALTER TABLE organizations DROP COLUMN auto_invite;
