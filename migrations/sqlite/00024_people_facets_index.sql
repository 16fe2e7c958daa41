-- SQLite twin of postgres/00024_people_facets_index.sql: nothing to do.
-- SQLite has no GIN index, and the filter translator writes the facet
-- comparison only on PostgreSQL; installs where the combination of two
-- attribute filters matters run on PostgreSQL.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
