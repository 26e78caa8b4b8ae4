-- An indicator's life follows its case (issue 11; DESIGN.md §2, Art. 7, 8, 10).
--
-- `listing` says whether a value is in force as a blocking order, and why:
--   reported     submitted, not (yet) identified: searchable, shared as intelligence, never blocked
--   provisional  reported by a unit a regulator trusts for provisional listing, not yet identified
--   confirmed    a case holding it was confirmed by identification (and not withdrawn since)
--   ordered      a handling notice in force orders a unit to block it
--   lifted       every case holding it was rejected or withdrawn on appeal
-- Blocking exports, feeds, MISP `to_ids` and lookups read it; the rule that computes it is
-- src/modules/indicators/listing.ts, applied as a set operation at each case transition.
ALTER TABLE indicators ADD COLUMN listing text NOT NULL DEFAULT 'reported'
  CHECK (listing IN ('reported', 'provisional', 'confirmed', 'ordered', 'lifted'));

-- What each noticed unit is ordered to block, while the notice is in force: a notice's targets are
-- the unit's to block whatever their TLP, so its feeds carry them (and drop them on withdrawal).
CREATE TABLE notice_orders (
  notice_id uuid NOT NULL REFERENCES notices (id),
  org_id uuid NOT NULL,
  indicator_id bigint NOT NULL,
  PRIMARY KEY (indicator_id, org_id, notice_id)
);
CREATE INDEX notice_orders_notice ON notice_orders (notice_id);
CREATE INDEX notice_orders_org ON notice_orders (org_id, indicator_id);

-- A regulator may let a unit's reports be listed before identification, shown as provisional.
ALTER TABLE organizations ADD COLUMN provisional_listing boolean NOT NULL DEFAULT false;

-- Existing data: what earlier versions blocked by default is now decided by its cases.
UPDATE indicators i SET listing = 'confirmed'
WHERE EXISTS (
  SELECT 1 FROM sightings s JOIN case_reports cr ON cr.report_id = s.report_id JOIN threat_cases c ON c.id = cr.case_id
  WHERE s.indicator_id = i.id AND c.state IN ('confirmed', 'decided', 'handling', 'closed'));
UPDATE indicators i SET listing = 'lifted'
WHERE i.listing = 'reported'
  AND EXISTS (
    SELECT 1 FROM sightings s JOIN case_reports cr ON cr.report_id = s.report_id JOIN threat_cases c ON c.id = cr.case_id
    WHERE s.indicator_id = i.id AND c.state IN ('rejected', 'withdrawn'))
  AND NOT EXISTS (
    SELECT 1 FROM sightings s JOIN case_reports cr ON cr.report_id = s.report_id JOIN threat_cases c ON c.id = cr.case_id
    WHERE s.indicator_id = i.id AND c.state NOT IN ('rejected', 'withdrawn'));
