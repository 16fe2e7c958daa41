-- SQLite twin of postgres/00023_admin_console.sql.
--
-- The admin console: admins sign in with a password (argon2id, NULL until
-- set: such an admin signs in with single sign-on or not at all) and hold
-- browser sessions kept in the database, so every replica knows them and
-- disabling an admin or changing their password ends them all at once.
-- The cookie carries a random secret; the table holds only its keyed hash.

-- +goose Up
ALTER TABLE admins ADD COLUMN password_hash TEXT;
ALTER TABLE admins ADD COLUMN password_set_at DATETIME;

CREATE TABLE admin_sessions (
    hash         TEXT     PRIMARY KEY,
    org_id       TEXT     NOT NULL,
    admin_id     TEXT     NOT NULL,
    method       TEXT     NOT NULL,
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    FOREIGN KEY (org_id, admin_id) REFERENCES admins (org_id, id) ON DELETE CASCADE
);
CREATE INDEX admin_sessions_admin_idx ON admin_sessions (org_id, admin_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

-- +goose Down
DROP TABLE admin_sessions;
ALTER TABLE admins DROP COLUMN password_set_at;
ALTER TABLE admins DROP COLUMN password_hash;
