/**
 * Table types of the handling workflow (migration 0002_workflow.sql), merged into `Database` in
 * schema.ts. Kept apart so the workflow's tables change in one file.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export interface ThreatCasesTable {
  id: string;
  state: string;
  category: string;
  subtype: string;
  title: string;
  province_code: string | null;
  reporting_org_ids: string[];
  assigned_org_id: string | null;
  declined_org_ids: Generated<string[]>;
  severity: string | null;
  questions: NullableJson<unknown>;
  opened_at: Timestamp;
  assigned_at: NullableTimestamp;
  identified_at: NullableTimestamp;
  decided_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  updated_at: Timestamp;
  version: Generated<number>;
  // sightings_retired_at (migration 0017) is the retention sweep's own mark, read and written
  // only by src/modules/retention/retention.repository.ts in SQL; left out here so case rows stay
  // what the workflow builds.
}

export interface CaseReportsTable {
  case_id: string;
  report_id: string;
  org_id: string;
  added_at: Timestamp;
}

export interface SelfHandledCountsTable {
  org_id: string;
  day: string;
  category: string;
  reports: number;
}

export interface IdentificationsTable {
  id: string;
  case_id: string;
  institution_org_id: string;
  /** Who wrote it: the institution, or for `info_provided` the reporter that answered (NULL: the institution). */
  author_org_id?: string | null;
  actor_user_id: string | null;
  actor_token_id: string | null;
  verdict: string;
  severity: string | null;
  analysis: string | null;
  evidence_sha256: string[];
  recommended_measures: string[];
  questions: NullableJson<unknown>;
  reasons: string | null;
  created_at: Timestamp;
}

export interface DecisionsTable {
  id: string;
  case_id: string;
  regulator_org_id: string;
  measures: Json<unknown>;
  reasons: string;
  unrouted: Json<unknown>;
  created_at: Timestamp;
}

export interface SigningKeysTable {
  key_id: string;
  public_key_pem: string;
  private_key_enc: string;
  fingerprint: string;
  valid_from: Timestamp;
  valid_until: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface NoticesTable {
  id: string;
  kind: string;
  state: string;
  case_id: string | null;
  decision_id: string | null;
  enforcement_case_id: string | null;
  references_notice_id: string | null;
  issuer_org_id: string;
  recipient_org_id: string;
  province_code: string | null;
  category: string | null;
  measure: string | null;
  targets: Json<unknown>;
  emergency: boolean;
  severity: string | null;
  requires_result: boolean;
  deadline: NullableTimestamp;
  phone_call: NullableJson<unknown>;
  phone_notified_at: NullableTimestamp;
  written_due_at: NullableTimestamp;
  written_late: Generated<boolean>;
  issued_at: NullableTimestamp;
  acknowledged_at: NullableTimestamp;
  result: NullableJson<unknown>;
  result_at: NullableTimestamp;
  verification: NullableJson<unknown>;
  verified_at: NullableTimestamp;
  overdue_at: NullableTimestamp;
  next_reminder_at: NullableTimestamp;
  reminders_sent: Generated<number>;
  signed: NullableJson<unknown>;
  key_id: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookEndpointsTable {
  org_id: string;
  url: string;
  secret_enc: string;
  enabled: Generated<boolean>;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  event_id: string;
  org_id: string;
  event_type: string;
  payload: Json<unknown>;
  state: string;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: NullableTimestamp;
}

export interface WebhookAttemptsTable {
  delivery_id: number;
  attempt: number;
  url: string;
  at: Timestamp;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

export interface EnforcementCasesTable {
  id: string;
  notice_id: string;
  case_id: string | null;
  org_id: string;
  province_code: string | null;
  state: string;
  penalty_notice_id: string | null;
  opened_at: Timestamp;
  closed_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface EnforcementActionsTable {
  id: string;
  enforcement_case_id: string;
  kind: string;
  data: Json<unknown>;
  actor_org_id: string;
  at: Timestamp;
}

export interface AppealsTable {
  id: string;
  case_id: string;
  appellant_org_id: string;
  role: string;
  subject: string;
  state: string;
  reasons: string;
  reviewer_org_id: string | null;
  outcome: string | null;
  outcome_reasons: string | null;
  period_ends_at: Timestamp;
  created_at: Timestamp;
  decided_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface WorkflowTables {
  threat_cases: ThreatCasesTable;
  case_reports: CaseReportsTable;
  self_handled_counts: SelfHandledCountsTable;
  identifications: IdentificationsTable;
  decisions: DecisionsTable;
  signing_keys: SigningKeysTable;
  notices: NoticesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  enforcement_cases: EnforcementCasesTable;
  enforcement_actions: EnforcementActionsTable;
  appeals: AppealsTable;
}
