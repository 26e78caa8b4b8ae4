-- Bulk intake writes one index entry fewer per row (issue 15: intake at half a bare COPY into a
-- store of 10 M). Forward-only.
--
-- Every indicator row was in two indexes appended to in change order: (updated_at, id), for the
-- lookup poll, the STIX id sweep and the feeds, and (tlp, updated_at, id) of migration 0019, for
-- TAXII's audience pages. The second holds the first: with tlp one of five values, a scan in
-- change order is the merge of the five TLP ranges (src/db/change-order.ts), each a keyset range
-- of indicators_tlp_page cut at the page size. So (updated_at, id) goes, and the CHECK makes the
-- five the only values a row can take (what every other table's tlp already says).
ALTER TABLE indicators ADD CONSTRAINT indicators_tlp_check CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red'));
DROP INDEX indicators_updated;
