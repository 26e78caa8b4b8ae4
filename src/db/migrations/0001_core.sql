-- Platform core: organizations and access (Art. 5), reports and indicators (Art. 2, 6), audit.
-- Forward-only: never edit a migration that has shipped; add a new file.

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('regulator_national', 'regulator_provincial', 'professional_institution',
    'telecom_operator', 'security_vendor', 'internet_company', 'domain_registrar', 'cyberspace_administration',
    'superior_authority', 'other')),
  name text NOT NULL,
  name_en text,
  short_code text NOT NULL UNIQUE,
  province_code char(6),
  operator text,
  parent_id uuid REFERENCES organizations (id),
  responsible_department text NOT NULL,
  responsible_person jsonb NOT NULL,
  contacts jsonb NOT NULL DEFAULT '[]',
  is_cii boolean NOT NULL DEFAULT false,
  is_party_government boolean NOT NULL DEFAULT false,
  superior_org_id uuid REFERENCES organizations (id),
  categories text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX organizations_kind_province ON organizations (kind, province_code);

-- Resources an organization answers for: CIDR blocks, ASNs, domain suffixes, services.
CREATE TABLE org_scopes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('cidr', 'asn', 'domain_suffix', 'service')),
  value text NOT NULL,
  UNIQUE (org_id, kind, value)
);
CREATE INDEX org_scopes_kind_value ON org_scopes (kind, value);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id),
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  password_hash text,
  roles text[] NOT NULL,
  locale text NOT NULL DEFAULT 'zh-CN',
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE INDEX users_org ON users (org_id);

-- API tokens: only the SHA-256 of the secret is kept; the secret is shown once at creation.
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid REFERENCES users (id),
  name text NOT NULL,
  token_prefix text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  roles text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_org ON api_tokens (org_id);

-- Evidence files, content-addressed by SHA-256.
CREATE TABLE evidence_files (
  sha256 text PRIMARY KEY,
  size_bytes integer NOT NULL,
  media_type text NOT NULL,
  file_name text,
  content bytea NOT NULL,
  uploaded_by_org uuid NOT NULL REFERENCES organizations (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Who may read an evidence file: the uploader, and any organization that cites it in a report.
CREATE TABLE evidence_access (
  sha256 text NOT NULL REFERENCES evidence_files (sha256),
  org_id uuid NOT NULL REFERENCES organizations (id),
  PRIMARY KEY (sha256, org_id)
);

-- Reports (报送): immutable once accepted; a correction is a new version that supersedes.
CREATE TABLE reports (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id),
  submitted_by_user uuid REFERENCES users (id),
  submitted_by_token uuid REFERENCES api_tokens (id),
  source text NOT NULL CHECK (source IN ('api', 'bulk', 'stix', 'console', 'cli')),
  received_at timestamptz NOT NULL DEFAULT now(),
  category text NOT NULL,
  subtype text NOT NULL,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  discovered_at timestamptz NOT NULL,
  affected_party jsonb,
  tlp text NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
  self_handled boolean NOT NULL DEFAULT false,
  self_measures jsonb NOT NULL DEFAULT '[]',
  disclose_reporter boolean NOT NULL DEFAULT false,
  province_code char(6),
  evidence_sha256 text[] NOT NULL DEFAULT '{}',
  observable_count integer NOT NULL DEFAULT 0,
  refused_count integer NOT NULL DEFAULT 0,
  version integer NOT NULL DEFAULT 1,
  supersedes_id uuid REFERENCES reports (id),
  idempotency_key text,
  request_hash text,
  receipt jsonb,
  UNIQUE (org_id, idempotency_key)
);
CREATE INDEX reports_org_received ON reports (org_id, received_at DESC);
CREATE INDEX reports_province_received ON reports (province_code, received_at DESC);
CREATE INDEX reports_received ON reports (received_at DESC, id);

-- One canonical value, stored once (MISP's correlation table grew to 60x its attributes; ours is
-- a sighting per report and value, nothing more).
CREATE TABLE indicators (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type text NOT NULL,
  value text NOT NULL,
  hash_algorithm text,
  category text NOT NULL,
  subtype text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'handled', 'expired', 'false_positive', 'withdrawn')),
  tlp text NOT NULL DEFAULT 'amber',
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  sighting_count integer NOT NULL DEFAULT 1,
  valid_until timestamptz,
  province_code char(6),
  operator text,
  -- No foreign key: checked per row it would cost intake more than the insert itself; the value
  -- comes from the directory of organizations, which never deletes one (they are retired).
  responsible_org_id uuid,
  excluded boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (type, value)
);
CREATE INDEX indicators_province_status ON indicators (province_code, status);
CREATE INDEX indicators_updated ON indicators (updated_at, id);
CREATE INDEX indicators_valid_until ON indicators (valid_until) WHERE status = 'active' AND valid_until IS NOT NULL;

-- The highest-volume table (one row per value per report). Its references are kept by the intake
-- transaction that writes the report, the indicators and the sightings together, not by
-- per-row foreign-key triggers, which cost more than the rows themselves; and it can be
-- partitioned later, which foreign keys into it would prevent.
CREATE TABLE sightings (
  indicator_id bigint NOT NULL,
  report_id uuid NOT NULL,
  org_id uuid NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (indicator_id, report_id)
);
CREATE INDEX sightings_report ON sightings (report_id);

-- Bulk imports: one row per import run, with its receipt.
CREATE TABLE imports (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id),
  report_id uuid REFERENCES reports (id),
  format text NOT NULL,
  status text NOT NULL CHECK (status IN ('completed', 'failed')),
  total integer NOT NULL,
  accepted integer NOT NULL,
  new_indicators integer NOT NULL,
  duplicates integer NOT NULL,
  refused integer NOT NULL,
  refusals jsonb NOT NULL DEFAULT '[]',
  idempotency_key text,
  request_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, idempotency_key)
);

-- Append-only audit log, each entry chained to the previous one by SHA-256. The head row
-- serializes appends so the chain has no forks.
CREATE TABLE audit_events (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_org_id uuid,
  actor_user_id uuid,
  actor_token_id uuid,
  action text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  province_code char(6),
  data jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- Platform settings and singletons (e.g. the exclusion list), by key.
CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
