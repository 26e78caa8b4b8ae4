-- Retention (issue 15): the audit log and sightings are kept for configurable periods, then
-- removed as set operations. The audit chain must still verify after its oldest entries go, so
-- the sweep records where the kept chain starts: the sequence number and hash of the last entry
-- removed. Each row is also written into the chain itself (an `audit.retention_applied` entry,
-- appended in the same transaction), so the base is covered by every later signed checkpoint:
-- whoever forges a base must re-hash the chain after it, which a checkpoint kept elsewhere exposes.
CREATE TABLE audit_retention (
  through_seq bigint PRIMARY KEY,
  through_hash text NOT NULL,
  removed bigint NOT NULL,
  cutoff timestamptz NOT NULL,
  entry_seq bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);


-- Sightings are kept while their cases may still need them: a case's values are its reports'
-- sightings, and the listing rule reads them. Once every case holding a report is over (closed,
-- rejected or withdrawn) for longer than the period, the report's sightings go and its values are
-- relisted. The mark keeps each case from being looked at again, and the partial index lists
-- the cases still to retire in the order they ended, so a sweep reads only what it removes.
ALTER TABLE threat_cases ADD COLUMN sightings_retired_at timestamptz;
CREATE INDEX threat_cases_retirable ON threat_cases ((coalesce(closed_at, updated_at)))
  WHERE sightings_retired_at IS NULL AND state IN ('closed', 'rejected', 'withdrawn');
