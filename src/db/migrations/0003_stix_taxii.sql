-- STIX 2.1 store and TAXII 2.1 server (issue 4). Forward-only.

-- Every STIX object the platform serves, pre-serialized: objects imported from bundles and TAXII
-- POSTs (kept verbatim, every version), the platform's own records derived as STIX (indicators,
-- organizations, threat cases; latest version only) and the fixed definitions (TLP 2.0 markings,
-- the platform identity, our extension definition).
--
-- TAXII pages by keyset on (date_added, seq), both immutable: date_added is set once at insert
-- with clock_timestamp() (not now(): a row's date_added is never earlier than the start of the
-- transaction writing it, which is what the reader's safe horizon relies on), seq breaks ties.
-- Collections are audiences: one indexed column per kind of audience (TLP, province, owning
-- organization, responsible organization), each with its own (audience, date_added, seq) index,
-- so a page costs one index range scan however deep the cursor. No OFFSET anywhere.
CREATE TABLE stix_objects (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL,
  type text NOT NULL,
  spec_version text NOT NULL DEFAULT '2.1',
  -- `modified`, else `created`, else null (SCOs and marking definitions have no versions).
  version timestamptz,
  date_added timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- A newer version of the same id is stored: TAXII's default match[version]=last skips this row.
  superseded boolean NOT NULL DEFAULT false,
  tlp text NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
  province_code text,
  owner_org_id uuid,
  responsible_org_id uuid,
  source text NOT NULL CHECK (source IN ('import', 'platform', 'definition')),
  -- For platform rows: the record they derive from (`indicator:42`, `organization:<uuid>`, `case:<uuid>`).
  source_key text,
  json text NOT NULL,
  UNIQUE NULLS NOT DISTINCT (id, version)
);
CREATE INDEX stix_objects_tlp_page ON stix_objects (tlp, date_added, seq);
CREATE INDEX stix_objects_province_page ON stix_objects (province_code, date_added, seq) WHERE province_code IS NOT NULL;
CREATE INDEX stix_objects_owner_page ON stix_objects (owner_org_id, date_added, seq) WHERE owner_org_id IS NOT NULL;
CREATE INDEX stix_objects_responsible_page ON stix_objects (responsible_org_id, date_added, seq) WHERE responsible_org_id IS NOT NULL;
CREATE INDEX stix_objects_definition_page ON stix_objects (date_added, seq) WHERE source = 'definition';
CREATE INDEX stix_objects_source_key ON stix_objects (source_key) WHERE source_key IS NOT NULL;

-- How far the platform's own records have been derived into stix_objects (one row). The
-- watermark is a safe restart point (the start of the oldest writer still running when the last
-- pass began), so rows a long import commits late are never missed.
CREATE TABLE stix_sync_state (
  id integer PRIMARY KEY CHECK (id = 1),
  indicators_watermark timestamptz NOT NULL DEFAULT '1970-01-01T00:00:00Z',
  organizations_watermark timestamptz NOT NULL DEFAULT '1970-01-01T00:00:00Z',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO stix_sync_state (id) VALUES (1);

-- TAXII 2.1 status resources of POSTed envelopes, pollable at {api-root}/status/{id}/.
CREATE TABLE taxii_status (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id),
  collection_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'complete')),
  request_timestamp timestamptz NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX taxii_status_org ON taxii_status (org_id, created_at);
