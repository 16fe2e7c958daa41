-- SQLite twin of postgres/00018_admin_roles.sql.
--
-- Custom admin roles: an organization's own named sets of permissions
-- (directory.AdminRole), next to the built-in system_admin,
-- account_manager and reader, which live in code and are never stored.
-- permissions is a JSON array of permission names, e.g.
-- '["people.read","accounts.manage"]'; the store validates the names, so a
-- permission a newer binary removes is refused on write, not silently kept.
--
-- admins.role names a built-in role or a row here. It is not a foreign key
-- (built-in names have no row); on SQLite the store's single connection
-- runs one transaction at a time, so checking the role and writing the
-- admin in one transaction is enough.
--
-- admin_tokens_admin_idx serves the list of one admin's tokens (the API's
-- GET /admins/{id}/tokens) and the foreign key to admins.

-- +goose Up
CREATE TABLE admin_roles (
    org_id      TEXT        NOT NULL REFERENCES organizations (id),
    name        TEXT        NOT NULL,
    description TEXT        NOT NULL DEFAULT '',
    permissions TEXT        NOT NULL,
    created_at  DATETIME    NOT NULL,
    updated_at  DATETIME    NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE INDEX admin_tokens_admin_idx ON admin_tokens (org_id, admin_id);

-- +goose Down
DROP INDEX admin_tokens_admin_idx;
DROP TABLE admin_roles;
