-- SQLite twin of postgres/00021_org_lifetimes_audit_filters.sql.
--
-- Per-organization invitation lifetimes and reminders, and the indexes
-- behind the admin API's audit log filters.
--
-- link_ttl_seconds and code_ttl_seconds are how long the organization's
-- claim links and access codes work; 0 keeps the server's default.
-- reminders is a JSON array of delays after the invitation, in seconds
-- ("[259200,432000]"): NULL keeps the server's default, "[]" sends none.
--
-- The audit log is read newest first (id order) under one filter at a
-- time: by actor, by target type and id, by action (exact, or a prefix
-- such as "account.*": SQLite compares text bytewise, so the existing
-- action index serves the prefix's range as it is), or by time.

-- +goose Up
ALTER TABLE organizations ADD COLUMN link_ttl_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN code_ttl_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN reminders TEXT;

CREATE INDEX audit_events_actor_idx ON audit_events (org_id, actor_id, id);
CREATE INDEX audit_events_target_type_idx ON audit_events (org_id, target_type, target_id, id);
CREATE INDEX audit_events_at_idx ON audit_events (org_id, at);

-- +goose Down
DROP INDEX audit_events_at_idx;
DROP INDEX audit_events_target_type_idx;
DROP INDEX audit_events_actor_idx;
ALTER TABLE organizations DROP COLUMN reminders;
ALTER TABLE organizations DROP COLUMN code_ttl_seconds;
ALTER TABLE organizations DROP COLUMN link_ttl_seconds;
