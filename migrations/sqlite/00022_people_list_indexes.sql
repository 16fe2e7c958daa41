-- SQLite twin of postgres/00022_people_list_indexes.sql, with only what
-- SQLite can use: the userName sort index (code-point order already, so
-- no COLLATE). SQLite's LIKE folds case itself and uses no index here,
-- and it matches an expression index only against the same literal text,
-- which the bound COALESCE value of the time sorts is not; installs big
-- enough for either to matter run on PostgreSQL.

-- +goose Up
CREATE INDEX accounts_user_name_sort_idx ON accounts (org_id, user_name_lower = '', user_name_lower, id);

-- +goose Down
DROP INDEX accounts_user_name_sort_idx;
