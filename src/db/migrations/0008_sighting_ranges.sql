-- A bulk import's sightings as id ranges (issue 2: intake at half the rate of a bare COPY).
--
-- A report that brings 1,000,000 new values used to write 1,000,000 sighting rows, each with two
-- index entries: a quarter of the database's work for the whole import. The values COPY writes
-- for one import get consecutive ids (intake proves which), so their sightings are now one row
-- per run of consecutive ids. Sightings of values already stored, and of single reports, stay
-- one row each. Readers see no difference: `sightings` becomes a view of both, with the columns
-- and meaning it always had (a sighting per value and report).
ALTER TABLE sightings RENAME TO sighting_rows;

CREATE TABLE sighting_ranges (
  report_id uuid NOT NULL,
  org_id uuid NOT NULL,
  seen_at timestamptz NOT NULL,
  first_id bigint NOT NULL,
  last_id bigint NOT NULL CHECK (last_id >= first_id),
  PRIMARY KEY (report_id, first_id)
);
-- A few rows stand for millions of sightings: have autovacuum analyze the table after the first
-- few imports, not after 50 rows, so the planner knows how few there are and walks a report's
-- ranges into the primary key of `indicators` instead of scanning it.
ALTER TABLE sighting_ranges SET (autovacuum_analyze_threshold = 1, autovacuum_analyze_scale_factor = 0.05);
-- "Which imports saw indicator X": containment of X in the range, by GiST.
CREATE INDEX sighting_ranges_ids ON sighting_ranges USING gist (int8range(first_id, last_id, '[]'));

-- The join carries both forms of the condition: BETWEEN lets a report's ranges walk the
-- indicators' primary key, containment lets an indicator find its ranges by the GiST index.
CREATE VIEW sightings AS
  SELECT indicator_id, report_id, org_id, seen_at FROM sighting_rows
  UNION ALL
  SELECT i.id, r.report_id, r.org_id, r.seen_at
  FROM sighting_ranges r
  JOIN indicators i ON i.id BETWEEN r.first_id AND r.last_id AND int8range(r.first_id, r.last_id, '[]') @> i.id;
