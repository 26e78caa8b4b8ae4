-- The handling workflow (Art. 7–10, 13): threat cases and identification, decisions, signed
-- handling notices with delivery and feedback, webhooks, enforcement, appeals.
-- Forward-only: never edit a migration that has shipped; add a new file.

-- Threat cases: what identification and handling act on. Indicators of a case are the sightings
-- of its reports (sightings has (indicator_id, report_id) as primary key), so a bulk import of a
-- million lines links one report, not a million rows.
CREATE TABLE threat_cases (
  id uuid PRIMARY KEY,
  state text NOT NULL,
  category text NOT NULL,
  subtype text NOT NULL,
  title text NOT NULL,
  province_code char(6),
  reporting_org_ids uuid[] NOT NULL DEFAULT '{}',
  assigned_org_id uuid REFERENCES organizations (id),
  declined_org_ids uuid[] NOT NULL DEFAULT '{}',
  severity text,
  questions jsonb,
  opened_at timestamptz NOT NULL,
  assigned_at timestamptz,
  identified_at timestamptz,
  decided_at timestamptz,
  closed_at timestamptz,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX threat_cases_state_province ON threat_cases (state, province_code);
CREATE INDEX threat_cases_assigned ON threat_cases (assigned_org_id, state);

CREATE TABLE case_reports (
  case_id uuid NOT NULL REFERENCES threat_cases (id),
  report_id uuid NOT NULL REFERENCES reports (id),
  org_id uuid NOT NULL,
  added_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, report_id)
);
CREATE INDEX case_reports_report ON case_reports (report_id);

-- Self-handled reports (Art. 6): recorded and counted per unit and day, never queued.
CREATE TABLE self_handled_counts (
  org_id uuid NOT NULL,
  day date NOT NULL,
  category text NOT NULL,
  reports integer NOT NULL,
  PRIMARY KEY (org_id, day, category)
);

-- Identifications (认定, Art. 7): one row per verdict or supplementary information.
CREATE TABLE identifications (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES threat_cases (id),
  institution_org_id uuid NOT NULL REFERENCES organizations (id),
  actor_user_id uuid,
  actor_token_id uuid,
  verdict text NOT NULL CHECK (verdict IN ('confirmed', 'rejected', 'more_info_needed', 'info_provided')),
  severity text,
  analysis text,
  evidence_sha256 text[] NOT NULL DEFAULT '{}',
  recommended_measures text[] NOT NULL DEFAULT '{}',
  questions jsonb,
  reasons text,
  created_at timestamptz NOT NULL
);
CREATE INDEX identifications_case ON identifications (case_id, created_at);

-- Decisions (Art. 8): the regulator's review and the measures chosen.
CREATE TABLE decisions (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES threat_cases (id),
  regulator_org_id uuid NOT NULL REFERENCES organizations (id),
  measures jsonb NOT NULL,
  reasons text NOT NULL,
  unrouted jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id);

-- Platform signing keys (Ed25519). The private key is encrypted at rest (AES-256-GCM); public keys
-- stay published with their validity after rotation.
CREATE TABLE signing_keys (
  key_id text PRIMARY KEY,
  public_key_pem text NOT NULL,
  private_key_enc text NOT NULL,
  fingerprint text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Handling notices (Art. 8, 9) and the other signed documents to units (penalty decisions,
-- withdrawals, restorations). One row per document; `signed` is the document as issued.
CREATE TABLE notices (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('handling_notice', 'penalty_decision', 'withdrawal', 'restoration')),
  state text NOT NULL,
  case_id uuid REFERENCES threat_cases (id),
  decision_id uuid REFERENCES decisions (id),
  enforcement_case_id uuid,
  references_notice_id uuid REFERENCES notices (id),
  issuer_org_id uuid NOT NULL REFERENCES organizations (id),
  recipient_org_id uuid NOT NULL REFERENCES organizations (id),
  province_code char(6),
  category text,
  measure text,
  targets jsonb NOT NULL DEFAULT '[]',
  emergency boolean NOT NULL DEFAULT false,
  severity text,
  requires_result boolean NOT NULL DEFAULT true,
  deadline timestamptz,
  phone_call jsonb,
  phone_notified_at timestamptz,
  written_due_at timestamptz,
  written_late boolean NOT NULL DEFAULT false,
  issued_at timestamptz,
  acknowledged_at timestamptz,
  result jsonb,
  result_at timestamptz,
  verification jsonb,
  verified_at timestamptz,
  overdue_at timestamptz,
  next_reminder_at timestamptz,
  reminders_sent integer NOT NULL DEFAULT 0,
  signed jsonb,
  key_id text REFERENCES signing_keys (key_id),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- The deadline sweep: due notices found by index, never by scanning open notices.
CREATE INDEX notices_deadline_due ON notices (deadline) WHERE state IN ('issued', 'delivered', 'sent_back') AND deadline IS NOT NULL;
CREATE INDEX notices_reminder_due ON notices (next_reminder_at) WHERE next_reminder_at IS NOT NULL;
CREATE INDEX notices_written_due ON notices (written_due_at) WHERE state = 'phone_notified' AND NOT written_late;
CREATE INDEX notices_recipient ON notices (recipient_org_id, created_at DESC);
CREATE INDEX notices_case ON notices (case_id);
CREATE INDEX notices_province ON notices (province_code, created_at DESC);

-- Webhooks: one endpoint per organization; the secret is encrypted at rest (it signs, so it
-- cannot be hashed). Deliveries are an outbox claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE webhook_endpoints (
  org_id uuid PRIMARY KEY REFERENCES organizations (id),
  url text NOT NULL,
  secret_enc text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL
);
CREATE TABLE webhook_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  org_id uuid NOT NULL REFERENCES organizations (id),
  event_type text NOT NULL,
  payload jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'no_endpoint')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, id DESC);
CREATE TABLE webhook_attempts (
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id),
  attempt integer NOT NULL,
  url text NOT NULL,
  at timestamptz NOT NULL,
  status integer,
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);

-- Enforcement (Art. 13): opened when a notice passes its deadline without an accepted result.
CREATE TABLE enforcement_cases (
  id uuid PRIMARY KEY,
  notice_id uuid NOT NULL UNIQUE REFERENCES notices (id),
  case_id uuid REFERENCES threat_cases (id),
  org_id uuid NOT NULL REFERENCES organizations (id),
  province_code char(6),
  state text NOT NULL,
  penalty_notice_id uuid REFERENCES notices (id),
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  updated_at timestamptz NOT NULL
);
CREATE INDEX enforcement_cases_province ON enforcement_cases (province_code, state);
CREATE INDEX enforcement_cases_org ON enforcement_cases (org_id);
CREATE TABLE enforcement_actions (
  id uuid PRIMARY KEY,
  enforcement_case_id uuid NOT NULL REFERENCES enforcement_cases (id),
  kind text NOT NULL CHECK (kind IN ('interview', 'rectification_order', 'penalty', 'dismissal', 'closure', 'withdrawal')),
  data jsonb NOT NULL,
  actor_org_id uuid NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX enforcement_actions_case ON enforcement_actions (enforcement_case_id, at);

-- Appeals (复核, Art. 10).
CREATE TABLE appeals (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES threat_cases (id),
  appellant_org_id uuid NOT NULL REFERENCES organizations (id),
  role text NOT NULL,
  subject text NOT NULL,
  state text NOT NULL,
  reasons text NOT NULL,
  reviewer_org_id uuid REFERENCES organizations (id),
  outcome text,
  outcome_reasons text,
  period_ends_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  updated_at timestamptz NOT NULL
);
CREATE INDEX appeals_case ON appeals (case_id);
CREATE INDEX appeals_reviewer ON appeals (reviewer_org_id, state);
