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
    org_id                     text        NOT NULL REFERENCES organizations (id),
    id                         text        NOT NULL,
    name                       text        NOT NULL,
    client_id                  text        NOT NULL UNIQUE,
    secret_hash                text        NOT NULL,
    previous_secret_hash       text,
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz NOT NULL,
    rotated_at                 timestamptz,
    revoked_at                 timestamptz,
    last_used_at               timestamptz,
    PRIMARY KEY (org_id, id),
    CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL))
);

-- The client an access token was issued to (scim_clients.id, not the
-- public client_id); NULL for tokens minted by `latchkey scim-token`.
-- Revoking a client revokes its tokens through this column, and token
-- lookups check the client too. NULL is never checked by the foreign key.
ALTER TABLE scim_tokens ADD COLUMN client_id text;
ALTER TABLE scim_tokens ADD CONSTRAINT scim_tokens_client_fkey
    FOREIGN KEY (org_id, client_id) REFERENCES scim_clients (org_id, id);
CREATE INDEX scim_tokens_client_idx ON scim_tokens (org_id, client_id);

-- +goose Down
DROP INDEX scim_tokens_client_idx;
ALTER TABLE scim_tokens DROP CONSTRAINT scim_tokens_client_fkey;
ALTER TABLE scim_tokens DROP COLUMN client_id;
DROP TABLE scim_clients;
