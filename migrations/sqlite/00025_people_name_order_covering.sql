-- SQLite twin of postgres/00025_people_name_order_covering.sql: nothing
-- to do. SQLite has no INCLUDE columns, and the page statement reads
-- keys first only on PostgreSQL.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
