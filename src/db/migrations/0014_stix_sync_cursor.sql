-- The STIX derivation of indicators resumes where it stopped, on the total order (updated_at, id)
-- (issue 11 item 9). Before, an unfinished pass kept only a time: every row of one bulk import
-- shares its transaction's updated_at, so a pass that stopped inside an import of more than one
-- batch resumed at the same rows each time and never got past them.
--   indicators_cursor_at/_id: the last row derived by the sweep now running (NULL: none running);
--   indicators_sweep_watermark: the safe watermark taken when that sweep began, which becomes
--   indicators_watermark once the sweep reaches the end.
ALTER TABLE stix_sync_state ADD COLUMN indicators_cursor_at text;
ALTER TABLE stix_sync_state ADD COLUMN indicators_cursor_id bigint;
ALTER TABLE stix_sync_state ADD COLUMN indicators_sweep_watermark timestamptz;
