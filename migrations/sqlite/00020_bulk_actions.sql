-- SQLite twin of postgres/00020_bulk_actions.sql.
--
-- Bulk actions of the admin API (directory.BulkAction): one admin action
-- (invite, remind, revoke, issue_code, cancel_code, deactivate,
-- reactivate) applied in the background to everyone a filter selected,
-- a batch of accounts per transaction, in id order.
--
-- params is the request's selection (the admin API's people filters and
-- an optional list of ids) and options the action's own (an invitation's
-- note), both JSON objects; errors is a JSON array of a few accounts the
-- action failed on and why. last_account_id is the id of the last account
-- handled: each batch moves it, and its counts, in the same transaction as
-- its changes, so a crashed run resumes after it and acts on no account
-- twice. Nothing reads inside the JSON columns, hence text.
--
-- admin_id is the admin who asked (admins are disabled, never deleted).
-- The primary key serves every read: one action by id, and the list of
-- an organization's actions newest first (ids are UUIDv7, time-ordered).

-- +goose Up
CREATE TABLE bulk_actions (
    org_id          TEXT        NOT NULL REFERENCES organizations (id),
    id              TEXT        NOT NULL,
    admin_id        TEXT        NOT NULL,
    action          TEXT        NOT NULL,
    params          TEXT        NOT NULL DEFAULT '{}',
    options         TEXT        NOT NULL DEFAULT '{}',
    status          TEXT        NOT NULL,
    total           INTEGER     NOT NULL DEFAULT 0,
    done            INTEGER     NOT NULL DEFAULT 0,
    changed         INTEGER     NOT NULL DEFAULT 0,
    skipped         INTEGER     NOT NULL DEFAULT 0,
    failed          INTEGER     NOT NULL DEFAULT 0,
    last_account_id TEXT        NOT NULL DEFAULT '',
    errors          TEXT        NOT NULL DEFAULT '[]',
    created_at      DATETIME    NOT NULL,
    started_at      DATETIME,
    finished_at     DATETIME,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id)
);

-- +goose Down
DROP TABLE bulk_actions;
