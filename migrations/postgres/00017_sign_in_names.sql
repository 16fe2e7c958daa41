-- The sign-in name a person chooses while claiming with an access code.
-- It used to overwrite the account's SCIM userName, which is the identity
-- provider's key for the user: Okta looks users up by userName eq "…" and
-- PUTs its own userName back, so a renamed user was duplicated or renamed
-- back, and the chosen name stopped working. The chosen name now lives in
-- a column of its own that SCIM never writes; userName stays the IdP's.
--
-- '' means none. sign_in_name_lower is what sign-in looks names up by;
-- the partial unique index keeps a name to one account per organization
-- and lets every account without one share ''.

-- +goose Up
ALTER TABLE accounts ADD COLUMN sign_in_name text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN sign_in_name_lower text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX accounts_sign_in_name_key ON accounts (org_id, sign_in_name_lower)
    WHERE sign_in_name_lower <> '';

-- +goose Down
DROP INDEX accounts_sign_in_name_key;
ALTER TABLE accounts DROP COLUMN sign_in_name_lower;
ALTER TABLE accounts DROP COLUMN sign_in_name;
