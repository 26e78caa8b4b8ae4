-- The audit page filters the log by the organization that acted (issue 14): walk that
-- organization's entries newest first instead of the whole log.
CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events (actor_org_id, seq);
