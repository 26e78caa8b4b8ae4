-- The console's substring search (issue 14) out of the intake transaction (issue 15).
--
-- The trigram index on indicators.value (0013_search) was written inside every import: each new
-- value adds one GIN entry per trigram (40–60 for a URL or a hash), and measured into a store of a
-- million values it cost three quarters of the database's time of an import (500,000 new values:
-- 10.8 s with it, 2.8 s without). Values never change once stored, so the trigrams move to a table
-- of their own, written after the import commits:
--
--   indicator_search          (id, value) of indexed indicators, with the trigram index;
--   indicator_search_backlog  runs of indicator ids not indexed yet: written by the transaction
--                             that wrote those indicators (one row per COPY, as sighting_ranges),
--                             taken off, a slice at a time, by the transaction that indexes them.
--
-- A search reads both: the trigram index, and the backlog's rows by primary-key range, so it is
-- current at every commit (the backlog is visible exactly when its indicators are) and only slower,
-- never incomplete, while the indexing catches up (IndicatorsService.indexSearchBacklog).
CREATE TABLE indicator_search (
  id bigint PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE indicator_search_backlog (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  first_id bigint NOT NULL,
  last_id bigint NOT NULL,
  CHECK (first_id <= last_id)
);
-- Existing values, then the index built once over them (faster than entry by entry).
INSERT INTO indicator_search (id, value) SELECT id, value FROM indicators;
CREATE INDEX indicator_search_value_trgm ON indicator_search USING gin (value gin_trgm_ops);
DROP INDEX IF EXISTS indicators_value_trgm;
