-- Bulk intake writes every new value into each index of `indicators`, and the partial (type, id)
-- feed index cost intake about a tenth of its time (issue 2). Exports read in primary-key order
-- and filter by type and status as they go, which on the measured million-row export is as fast.
DROP INDEX IF EXISTS indicators_feed;
