-- Rate limits every replica shares (directory.RateLimitStore): one row
-- per bucket ("scim:client:<id>", "admin:token:<id>", "oauth:ip:<address>")
-- holding its GCRA theoretical arrival time in microseconds since the
-- Unix epoch. Keys are checked before an organization is known (an OAuth
-- client's address), like claim_attempts, hence not scoped by one.
--
-- UNLOGGED: every request updates a row, and none of it needs to survive
-- a crash (a restart forgets the limits, which only lets a burst through),
-- so no WAL is written for it. Unlogged tables are not replicated to
-- standbys either; a promoted standby starts with empty limits. No index
-- on tat: it would keep the updates from being HOT. fillfactor leaves
-- room on each page for those in-place updates.

-- +goose Up
CREATE UNLOGGED TABLE rate_limits (
    key      text    PRIMARY KEY,
    tat      bigint  NOT NULL,
    admitted boolean NOT NULL
) WITH (fillfactor = 70);

-- +goose Down
DROP TABLE rate_limits;
