-- The name-order index carries the columns people are searched and
-- filtered by, so a page of a filter that is common but not dominant
-- ("q=kowalski", 2 % of people; "userType eq Contractor and title sw
-- Nurse", 0.8 %) is found from the index alone.
--
-- Such a filter has no index of its own that yields matches in name
-- order, and there are too many matches to read and sort per page, so
-- PostgreSQL walks this index and tests each account. Before, every
-- account it passed was read from the table: 7,069 rows on ~7,000 heap
-- pages for the first 51 Kowalskis, mostly cold (p99 145 ms at depth on
-- 1,000,000 accounts). With the tested columns INCLUDEd, the page's keys
-- come from an index-only scan over a few hundred index pages, and only
-- the 51 matching rows are then read by id (directory/gormstore
-- query_plan.go, keysFirst). The index is replaced, not added beside, so
-- an account insert maintains as many indexes as before, each entry
-- wider.

-- +goose Up
DROP INDEX accounts_display_name_sort_idx;
CREATE INDEX accounts_display_name_sort_idx
    ON accounts (org_id, (display_name_lower = ''), display_name_lower COLLATE "C", id)
    INCLUDE (user_name_lower, given_name_lower, family_name_lower, primary_email_lower,
             active, state, auth_method, user_type_lower, title_lower, department_lower, division_lower,
             location_lower, manager_id);

-- +goose Down
DROP INDEX accounts_display_name_sort_idx;
CREATE INDEX accounts_display_name_sort_idx
    ON accounts (org_id, (display_name_lower = ''), display_name_lower COLLATE "C", id);
