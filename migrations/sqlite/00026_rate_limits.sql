-- SQLite twin of postgres/00026_rate_limits.sql (SQLite has no UNLOGGED).
--
-- Rate limits every replica shares (directory.RateLimitStore): one row
-- per bucket holding its GCRA theoretical arrival time in microseconds
-- since the Unix epoch. A single SQLite server keeps its limits in memory
-- instead (no write per request); the table exists so the store passes
-- the same conformance suite everywhere.

-- +goose Up
CREATE TABLE rate_limits (
    key      TEXT    PRIMARY KEY,
    tat      INTEGER NOT NULL,
    admitted BOOLEAN NOT NULL
);

-- +goose Down
DROP TABLE rate_limits;
