-- SQLite twin of postgres/00019_exports.sql.
--
-- "Export employee information": one row per export an admin asked for
-- (the filters it was asked with as JSON text in params, how the file is
-- written in options), its progress and where its file is. storage says
-- where: 'database' keeps the file in export_chunks, parts of about
-- 1 MiB numbered from 0, so any replica can serve it; 'directory' keeps
-- it as a file in the configured export directory, which every replica
-- must share.
--
-- Every export expires (expires_at, 4 days after it was asked for by
-- default); the clean-up deletes the file and marks the row 'expired'.
-- exports_expiry_idx is the clean-up's only index: it looks for expired
-- exports of every organization at once (a system job, not a request),
-- and holds only the rows not expired yet, so it stays small.

-- +goose Up
CREATE TABLE exports (
    org_id      TEXT        NOT NULL REFERENCES organizations (id),
    id          TEXT        NOT NULL,
    admin_id    TEXT        NOT NULL,
    params      TEXT        NOT NULL DEFAULT '{}',
    options     TEXT        NOT NULL DEFAULT '{}',
    status      TEXT        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'expired')),
    rows_total  INTEGER     NOT NULL DEFAULT 0,
    rows_done   INTEGER     NOT NULL DEFAULT 0,
    size        INTEGER     NOT NULL DEFAULT 0,
    storage     TEXT        NOT NULL CHECK (storage IN ('database', 'directory')),
    error       TEXT        NOT NULL DEFAULT '',
    created_at  DATETIME    NOT NULL,
    started_at  DATETIME,
    finished_at DATETIME,
    expires_at  DATETIME    NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id)
);
CREATE INDEX exports_expiry_idx ON exports (expires_at) WHERE status <> 'expired';

CREATE TABLE export_chunks (
    org_id    TEXT    NOT NULL,
    export_id TEXT    NOT NULL,
    seq       INTEGER NOT NULL CHECK (seq >= 0),
    data      BLOB    NOT NULL,
    PRIMARY KEY (org_id, export_id, seq),
    FOREIGN KEY (org_id, export_id) REFERENCES exports (org_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE export_chunks;
DROP TABLE exports;
