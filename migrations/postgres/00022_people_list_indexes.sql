-- Indexes for the admin API's people list (GET /admin/v1/people) at a
-- million accounts, each checked with EXPLAIN ANALYZE on 1,000,000 seeded
-- accounts (latchkey-load people; docs/benchmarks.md has the figures).
--
-- Search (q) matches the start of the userName, display, given and
-- family names and the primary email: LIKE 'ann%'. A plain btree serves
-- LIKE only under the "C" collation; text_pattern_ops serves it under
-- any, and equality too, so the name indexes are rebuilt with it rather
-- than added beside (the unique userName key keeps its name and meaning:
-- pattern_ops equality is byte equality, as the default one is under a
-- deterministic collation). With every name indexed PostgreSQL answers a
-- rare prefix from a BitmapOr of the five (0.1 ms) where it read the
-- whole organization in name order (2.9 s for a prefix nobody has). The
-- primary email is the one email search reads: an EXISTS over
-- account_emails cannot join a BitmapOr.
--
-- Orders: each order the list offers reads an index of its sort's exact
-- shape (see 00011). userName's is new. invitedAt and claimedAt order by
-- "(x IS NULL), COALESCE(x, '0001-01-01')" (directory/gormstore/cursor.go),
-- and filters on them now compare that same pair (query_sql.go,
-- optionalTime), so one index per time serves the order, "invited since"
-- and "has been invited": they replace the plain (org_id, invited_at) and
-- (org_id, claimed_at) indexes, and an account insert maintains two
-- indexes more than before (userName's order, the primary email), not six.
--
-- Counts: GET /people/counts groups by (active, state); department
-- carries both, so "Invite all in Sales (N)" is an index-only scan
-- (Sales, 200,000 people: 180 ms -> 28 ms).

-- +goose Up
DROP INDEX accounts_user_name_key;
CREATE UNIQUE INDEX accounts_user_name_key ON accounts (org_id, user_name_lower text_pattern_ops);
DROP INDEX accounts_display_name_idx;
CREATE INDEX accounts_display_name_idx ON accounts (org_id, display_name_lower text_pattern_ops);
DROP INDEX accounts_given_name_idx;
CREATE INDEX accounts_given_name_idx ON accounts (org_id, given_name_lower text_pattern_ops);
DROP INDEX accounts_family_name_idx;
CREATE INDEX accounts_family_name_idx ON accounts (org_id, family_name_lower text_pattern_ops);
CREATE INDEX accounts_primary_email_idx ON accounts (org_id, primary_email_lower text_pattern_ops);

CREATE INDEX accounts_user_name_sort_idx
    ON accounts (org_id, (user_name_lower = ''), user_name_lower COLLATE "C", id);
DROP INDEX accounts_invited_idx;
CREATE INDEX accounts_invited_sort_idx
    ON accounts (org_id, (invited_at IS NULL), COALESCE(invited_at, '0001-01-01 00:00:00+00'::timestamptz), id);
DROP INDEX accounts_claimed_idx;
CREATE INDEX accounts_claimed_sort_idx
    ON accounts (org_id, (claimed_at IS NULL), COALESCE(claimed_at, '0001-01-01 00:00:00+00'::timestamptz), id);

DROP INDEX accounts_department_idx;
CREATE INDEX accounts_department_idx ON accounts (org_id, department_lower) INCLUDE (active, state);

-- +goose Down
DROP INDEX accounts_department_idx;
CREATE INDEX accounts_department_idx ON accounts (org_id, department_lower);

DROP INDEX accounts_claimed_sort_idx;
CREATE INDEX accounts_claimed_idx ON accounts (org_id, claimed_at);
DROP INDEX accounts_invited_sort_idx;
CREATE INDEX accounts_invited_idx ON accounts (org_id, invited_at);
DROP INDEX accounts_user_name_sort_idx;

DROP INDEX accounts_primary_email_idx;
DROP INDEX accounts_family_name_idx;
CREATE INDEX accounts_family_name_idx ON accounts (org_id, family_name_lower);
DROP INDEX accounts_given_name_idx;
CREATE INDEX accounts_given_name_idx ON accounts (org_id, given_name_lower);
DROP INDEX accounts_display_name_idx;
CREATE INDEX accounts_display_name_idx ON accounts (org_id, display_name_lower);
DROP INDEX accounts_user_name_key;
CREATE UNIQUE INDEX accounts_user_name_key ON accounts (org_id, user_name_lower);
