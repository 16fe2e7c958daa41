-- Sign-in sessions of people (claim flows and sign-ins), kept in the
-- database so every replica knows them and deactivating an account can
-- end them all at once. The cookie carries a random secret; the table
-- holds only its keyed hash.

-- +goose Up
CREATE TABLE sessions (
    hash         text        PRIMARY KEY,
    org_id       text        NOT NULL REFERENCES organizations (id),
    account_id   text        NOT NULL,
    method       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_account_idx ON sessions (org_id, account_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
