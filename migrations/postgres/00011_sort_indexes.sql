-- Indexes shaped like the sort order of list queries, and one index that
-- served no query.
--
-- A sorted list orders by an "is absent" term, the value compared by code
-- point, then id (directory/gormstore/cursor.go, sortKey.terms), so that
-- absent values sort last on every backend. A plain (org_id, column) index
-- cannot produce that order: sortBy=displayName read and sorted every
-- account of the organization (480 ms a page at 1,000,000 users). An index
-- on exactly those expressions gives the first page and every keyset page
-- after it straight from the index (under a millisecond).
--
-- accounts_primary_email_idx served nothing: emails filters read
-- account_emails, and the emails sort (primary_email_lower) uses the sort
-- expressions above, not the plain column. Dropping it keeps the number
-- of indexes each account insert maintains where it was.
--
-- Each index costs every account insert a little; only the sort IdPs and
-- admin views use is indexed here (displayName). Others sort correctly
-- without one, reading the organization's matches.

-- +goose Up
DROP INDEX accounts_primary_email_idx;
CREATE INDEX accounts_display_name_sort_idx
    ON accounts (org_id, (display_name_lower = ''), display_name_lower COLLATE "C", id);

-- +goose Down
DROP INDEX accounts_display_name_sort_idx;
CREATE INDEX accounts_primary_email_idx ON accounts (org_id, primary_email_lower);
