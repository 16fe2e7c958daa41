-- SQLite twin of postgres/00002_scim_clients.sql: the same tables, keys
-- and indexes. SQLite's ALTER TABLE cannot add a foreign key to an
-- existing table, so scim_tokens is rebuilt with the new column and its
-- key (https://www.sqlite.org/lang_altertable.html#otheralter); nothing
-- references scim_tokens, so dropping the old copy is safe with foreign
-- keys on.
--
-- SCIM clients: identity providers that authenticate at POST /oauth/token
-- with the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) instead of
-- holding a long-lived bearer token. Entra ID's app gallery accepts
-- nothing else. The endpoint issues short-lived access tokens as ordinary
-- scim_tokens rows, so the SCIM bearer check and every replica see them
-- without a second code path or any state in process memory.

-- +goose Up
-- client_id is the public identifier the IdP sends (lkc_...); it resolves
-- the organization, like a token hash, hence unique on its own. Secrets
-- are stored only as keyed hashes. Rotation keeps the replaced secret's
-- hash until previous_secret_expires_at, so the IdP can be switched to the
-- new secret without an outage; the CHECK keeps the two columns paired.
CREATE TABLE scim_clients (
    org_id                     TEXT        NOT NULL REFERENCES organizations (id),
    id                         TEXT        NOT NULL,
    name                       TEXT        NOT NULL,
    client_id                  TEXT        NOT NULL UNIQUE,
    secret_hash                TEXT        NOT NULL,
    previous_secret_hash       TEXT,
    previous_secret_expires_at DATETIME   ,
    created_at                 DATETIME    NOT NULL,
    rotated_at                 DATETIME   ,
    revoked_at                 DATETIME   ,
    last_used_at               DATETIME   ,
    PRIMARY KEY (org_id, id),
    CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL))
);

-- The client an access token was issued to (scim_clients.id, not the
-- public client_id); NULL for tokens minted by `latchkey scim-token`.
-- Revoking a client revokes its tokens through this column, and token
-- lookups check the client too. NULL is never checked by the foreign key.
CREATE TABLE scim_tokens_new (
    org_id       TEXT        NOT NULL REFERENCES organizations (id),
    id           TEXT        NOT NULL,
    name         TEXT        NOT NULL,
    token_hash   TEXT        NOT NULL UNIQUE,
    created_at   DATETIME    NOT NULL,
    expires_at   DATETIME   ,
    revoked_at   DATETIME   ,
    last_used_at DATETIME   ,
    client_id    TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES scim_clients (org_id, id)
);
INSERT INTO scim_tokens_new (org_id, id, name, token_hash, created_at, expires_at, revoked_at, last_used_at)
    SELECT org_id, id, name, token_hash, created_at, expires_at, revoked_at, last_used_at FROM scim_tokens;
DROP TABLE scim_tokens;
ALTER TABLE scim_tokens_new RENAME TO scim_tokens;
CREATE INDEX scim_tokens_client_idx ON scim_tokens (org_id, client_id);

-- +goose Down
CREATE TABLE scim_tokens_old (
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
INSERT INTO scim_tokens_old (org_id, id, name, token_hash, created_at, expires_at, revoked_at, last_used_at)
    SELECT org_id, id, name, token_hash, created_at, expires_at, revoked_at, last_used_at FROM scim_tokens;
DROP TABLE scim_tokens;
ALTER TABLE scim_tokens_old RENAME TO scim_tokens;
DROP TABLE scim_clients;
