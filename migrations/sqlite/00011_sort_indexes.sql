-- SQLite twin of postgres/00011_sort_indexes.sql: the same indexes, with
-- the sort expressions SQLite's queries use (it compares text by code point
-- already, so no COLLATE).
--
-- Indexes shaped like the sort order of list queries, and one index that
-- served no query. A sorted list orders by an "is absent" term, the value,
-- then id (directory/gormstore/cursor.go, sortKey.terms); a plain
-- (org_id, column) index cannot produce that order, an index on exactly
-- those expressions gives every page straight from the index.
-- accounts_primary_email_idx served nothing: emails filters read
-- account_emails, and the emails sort uses the sort expressions.

-- +goose Up
DROP INDEX accounts_primary_email_idx;
CREATE INDEX accounts_display_name_sort_idx
    ON accounts (org_id, display_name_lower = '', display_name_lower, id);

-- +goose Down
DROP INDEX accounts_display_name_sort_idx;
CREATE INDEX accounts_primary_email_idx ON accounts (org_id, primary_email_lower);
