-- A report's values in indicator order, a page at a time (issue 15: the MISP feed keyset-paged on
-- a total order). sighting_rows had (report_id) alone, so "the next 5,000 values of report R
-- after id X" read every row of R and sorted them, once per page: quadratic in the report's size.
-- (report_id, indicator_id) answers each page from the index in order, and still serves every
-- lookup by report_id, which made the old index redundant.
CREATE INDEX sighting_rows_report_indicator ON sighting_rows (report_id, indicator_id);
DROP INDEX sightings_report;
