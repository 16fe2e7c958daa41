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
--
-- export_chunks.data is stored without compression (STORAGE EXTERNAL):
-- compressing hundreds of megabytes of CSV costs the database more CPU
-- time than writing it, and the parts live four days at most.

-- +goose Up
CREATE TABLE exports (
    org_id      text        NOT NULL REFERENCES organizations (id),
    id          text        NOT NULL,
    admin_id    text        NOT NULL,
    params      text        NOT NULL DEFAULT '{}',
    options     text        NOT NULL DEFAULT '{}',
    status      text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'expired')),
    rows_total  bigint      NOT NULL DEFAULT 0,
    rows_done   bigint      NOT NULL DEFAULT 0,
    size        bigint      NOT NULL DEFAULT 0,
    storage     text        NOT NULL CHECK (storage IN ('database', 'directory')),
    error       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id)
);
CREATE INDEX exports_expiry_idx ON exports (expires_at) WHERE status <> 'expired';

CREATE TABLE export_chunks (
    org_id    text    NOT NULL,
    export_id text    NOT NULL,
    seq       integer NOT NULL CHECK (seq >= 0),
    data      bytea   NOT NULL,
    PRIMARY KEY (org_id, export_id, seq),
    FOREIGN KEY (org_id, export_id) REFERENCES exports (org_id, id) ON DELETE CASCADE
);
ALTER TABLE export_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- +goose Down
DROP TABLE export_chunks;
DROP TABLE exports;
