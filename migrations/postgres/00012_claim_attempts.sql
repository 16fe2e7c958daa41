-- Failed attempts at claiming (access codes typed wrong, from where),
-- kept in the database so every replica enforces the same limits. Keys
-- are "source:<address>" or "code:<keyed hash>": they are checked before
-- an organization is known, like token hashes, hence not scoped by one.

-- +goose Up
CREATE TABLE claim_attempts (
    key             text        PRIMARY KEY,
    failures        integer     NOT NULL,
    first_failed_at timestamptz NOT NULL,
    last_failed_at  timestamptz NOT NULL
);
CREATE INDEX claim_attempts_last_idx ON claim_attempts (last_failed_at);

-- +goose Down
DROP TABLE claim_attempts;
