-- TAXII current at commit (issue 15). Forward-only.
--
-- Indicators are no longer derived into stix_objects: TAXII renders their STIX from the indicator
-- rows when a page is read, so a committed import is served at once, whatever its size, and the
-- store holds one copy of each value instead of four (the row and three pre-serialized objects).
-- stix_objects keeps what is not an indicator row: imported objects, the definitions, the
-- organizations' identities and the threat cases.
DELETE FROM stix_objects WHERE source = 'platform' AND source_key LIKE 'indicator:%';

-- A page of a collection is a keyset range on (audience, updated_at, id) of indicators, as it is
-- on (audience, date_added, seq) of stix_objects. Within one import every row has the same
-- updated_at and ascending ids, so these entries are appended at the right end of each audience's
-- range: cheap at intake.
CREATE INDEX indicators_tlp_page ON indicators (tlp, updated_at, id);
CREATE INDEX indicators_province_page ON indicators (province_code, updated_at, id) WHERE province_code IS NOT NULL;
CREATE INDEX indicators_responsible_page ON indicators (responsible_org_id, updated_at, id) WHERE responsible_org_id IS NOT NULL;

-- The STIX ids of the rendered objects (UUIDv5 of the row or of the value, so not reversible),
-- mapped back to their row for TAXII's object-by-id, versions and match[id]. Ids never change for
-- a row, so the map only grows; the background sweep (stix_sync_state) fills it behind intake.
CREATE TABLE stix_indicator_ids (
  uuid uuid PRIMARY KEY,
  indicator_id bigint NOT NULL
);

-- The indicator sweep now fills the id map: start it from the beginning.
UPDATE stix_sync_state SET indicators_watermark = '1970-01-01T00:00:00Z', indicators_cursor_at = NULL,
  indicators_cursor_id = NULL, indicators_sweep_watermark = NULL;

-- Every write stamps updated_at with clock_timestamp(), taken once the writer holds its lock on
-- the table (a new row by this default, an UPDATE in its SET), never the transaction's start: so a
-- TAXII page that stops before the oldest writer now holding the lock (taxii.repository.ts
-- horizon) never passes a row that commits later. The repositories' UPDATEs say the same.
ALTER TABLE indicators ALTER COLUMN updated_at SET DEFAULT clock_timestamp();
