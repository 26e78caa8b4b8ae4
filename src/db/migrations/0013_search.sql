-- Search as an analyst expects it (issue 14): case-insensitive substring match over indicator
-- values and report titles and descriptions, answered from trigram indexes rather than a scan.
-- pg_trgm is a trusted extension on PostgreSQL 13+ (the database owner may create it) and is
-- loaded into PGlite by db/database.ts.
--
-- The GIN index on indicators.value is written on every new indicator; GIN's pending list
-- (fastupdate, the default) batches those writes, which is what bulk intake needs.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS indicators_value_trgm ON indicators USING gin (value gin_trgm_ops);
CREATE INDEX IF NOT EXISTS reports_title_trgm ON reports USING gin (title gin_trgm_ops);
CREATE INDEX IF NOT EXISTS reports_description_trgm ON reports USING gin (description gin_trgm_ops);
