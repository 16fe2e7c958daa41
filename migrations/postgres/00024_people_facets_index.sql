-- One index for filters that combine two or more of department, title,
-- location and division (GET /admin/v1/people?title=Nurse&location=Berlin).
--
-- Each of them has its own (org_id, x) index, but PostgreSQL never
-- intersects two of them: every index leads with org_id, both would use
-- the same "org_id = ..." clause, and its planner drops a second bitmap
-- whose clauses overlap the first (choose_bitmap_and). A pair that is
-- rare together (Nurse in Berlin, 1,174 of 1,000,000) was read either by
-- walking the name order and filtering (47,000 rows per page) or from
-- one of the indexes (23,000 rows), 100-300 ms a page. Extended
-- statistics do not help: the estimate was already right.
--
-- A GIN index over the array of "org:attribute:value" keys intersects
-- posting lists itself, so the pair costs its own matches. The keys lead
-- with the organization, so every key still belongs to one organization.
-- directory/gormstore (facetsSQL) writes this exact expression; the
-- filter compares it with @> only when two or more of these equalities
-- are combined, and the planner still walks the sort index when the
-- combination is common.

-- +goose Up
CREATE INDEX accounts_facets_idx ON accounts USING gin ((ARRAY[
    org_id || ':department:' || department_lower,
    org_id || ':title:' || title_lower,
    org_id || ':location:' || location_lower,
    org_id || ':division:' || division_lower]));
-- The planner's element frequencies for the new expression, at once
-- rather than at the next autovacuum's analyze.
ANALYZE accounts;

-- +goose Down
DROP INDEX accounts_facets_idx;
