/**
 * The API's vocabulary as the console needs it: codes only (labels live in the i18n files), and
 * the types of the JSON the console reads.
 */

export const OBSERVABLE_TYPES = ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'phone', 'broadband_account', 'file_hash', 'vulnerability'] as const;
export const TLP = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export const MEASURES = [
  'block_ip',
  'block_broadband_account',
  'block_domain',
  'block_url',
  'stop_email_account',
  'stop_phone_number',
  'stop_service',
  'remove_malware',
  'remediate_vulnerability',
  'remediate_compromise',
  'notify_superior_authority',
  'other_technical',
] as const;
export const SEVERITIES = ['particularly_major', 'major', 'relatively_major', 'general'] as const;
export const CASE_STATES = ['open', 'identifying', 'more_info_needed', 'confirmed', 'rejected', 'decided', 'handling', 'closed', 'withdrawn'] as const;
export const NOTICE_STATES = ['phone_notified', 'issued', 'delivered', 'result_reported', 'sent_back', 'verified', 'overdue', 'suspended', 'withdrawn'] as const;
export const ORG_KINDS = [
  'regulator_national',
  'regulator_provincial',
  'professional_institution',
  'telecom_operator',
  'security_vendor',
  'internet_company',
  'domain_registrar',
  'cyberspace_administration',
] as const;
export const PENALTY_PROVISIONS = ['csl_2016_art59', 'csl_2016_art60', 'csl_2025_art61'] as const;
export const PENALTY_TIERS = ['warning', 'refusal_or_harm', 'serious_harm', 'particularly_serious_harm'] as const;
export const PENALTY_KINDS = ['warning', 'fine', 'warning_and_fine'] as const;

/**
 * Targets the dashboard compares handling times with (hours). DESIGN.md's default deadlines:
 * ordinary block or stop 24 h; the Measures set no identification or decision deadline, so the
 * platform's own service targets are used. Kept here so they can be changed in one place.
 */
export const TIMING_TARGETS_HOURS = { identify: 24, decide: 24, handle: 24 } as const;
export const OVERDUE_RATE_TARGET = 0.05;

export interface Report {
  id: string;
  org_id: string | null;
  source: string;
  received_at: string;
  category: string;
  subtype: string;
  title: string;
  description: string;
  discovered_at: string;
  affected_party: { name?: string; kind?: string; contact?: string; province_code?: string } | null;
  tlp: string;
  self_handled: boolean;
  province_code: string | null;
  evidence_sha256: string[];
  observable_count: number;
  version: number;
  observables?: { id?: string; indicator_id?: string; type: string; value: string; status?: string }[];
}

export interface Indicator {
  id: string;
  type: string;
  value: string;
  category: string;
  subtype: string;
  status: string;
  tlp: string;
  province_code: string | null;
  operator: string | null;
  first_seen: string;
  last_seen: string;
  sighting_count: number;
  valid_until: string | null;
  excluded: boolean;
  reporters?: { org_id: string | null; report_id: string | null; seen_at: string; category: string; subtype: string }[];
  responsible_org_id?: string | null;
}

/** GET /api/v1/organizations/{id}/summary */
export interface OrganizationSummary {
  id: string;
  kind: string;
  name: string;
  name_en: string | null;
  short_code: string;
  province_code: string | null;
  status: string;
}

export interface Organization extends OrganizationSummary {
  province_name: string | null;
  operator: string | null;
  responsible_department: string;
  responsible_person: { name: string; phone: string; email: string };
  contacts: { name: string; role?: string; phone?: string; email?: string }[];
  is_cii: boolean;
  is_party_government: boolean;
  categories: string[];
  scopes: { kind: string; value: string }[];
  updated_at: string;
}

export interface ThreatCase {
  id: string;
  state: string;
  allowed_events: string[];
  category: string;
  subtype: string;
  title: string;
  province_code: string | null;
  reporting_org_ids: string[] | null;
  assigned_org_id: string | null;
  severity: string | null;
  questions: string[] | null;
  opened_at: string;
  assigned_at: string | null;
  identified_at: string | null;
  decided_at: string | null;
  closed_at: string | null;
}

export interface CaseDetail extends ThreatCase {
  reports: { id: string; org_id: string | null; title: string; subtype: string; received_at: string; observable_count: number }[];
  indicators: { id: string; type: string; value: string; province_code: string | null; operator: string | null }[];
  identifications: {
    id: string;
    institution_org_id: string;
    verdict: string;
    severity: string | null;
    analysis: string | null;
    evidence_sha256: string[];
    recommended_measures: string[];
    questions: string[] | null;
    reasons: string | null;
    created_at: string;
  }[];
  notices: { id: string; kind: string; state: string; measure: string | null; recipient_org_id: string; deadline: string | null }[];
}

export interface Notice {
  id: string;
  kind: string;
  state: string;
  allowed_events: string[];
  case_id: string | null;
  decision_id: string | null;
  enforcement_case_id: string | null;
  issuer_org_id: string;
  recipient_org_id: string;
  province_code: string | null;
  measure: string | null;
  targets: { type: string; value: string }[];
  emergency: boolean;
  severity: string | null;
  requires_result: boolean;
  deadline: string | null;
  phone_call: { caller: string; callee: string; called_at: string } | null;
  written_due_at: string | null;
  written_late: boolean;
  issued_at: string | null;
  acknowledged_at: string | null;
  result: { summary?: string; evidence_sha256?: string[]; completed_at?: string } | null;
  result_at: string | null;
  verification: { outcome?: string; reasons?: string } | null;
  verified_at: string | null;
  overdue_at: string | null;
  key_id: string | null;
  document_url: string | null;
  print_url: string | null;
  created_at: string;
}

export interface Decision {
  id: string;
  case_id: string;
  regulator_org_id: string;
  reasons: string;
  measures: Record<string, unknown>[];
  unrouted: { measure: string; target: { type: string; value: string }; detail: string }[];
  notices: { id?: string; recipient_org_id?: string; measure?: string; state?: string; deadline?: string | null }[];
  created_at: string;
}

export interface Appeal {
  id: string;
  case_id: string;
  appellant_org_id: string;
  role: string;
  subject: string;
  state: string;
  allowed_events: string[];
  reasons: string;
  reviewer_org_id: string | null;
  outcome: string | null;
  outcome_reasons: string | null;
  period_ends_at: string;
  created_at: string;
  decided_at: string | null;
}

export interface EnforcementCase {
  id: string;
  state: string;
  allowed_events: string[];
  notice_id: string;
  case_id: string | null;
  org_id: string;
  province_code: string | null;
  penalty_notice_id: string | null;
  opened_at: string;
  closed_at: string | null;
  actions: { id: string; kind: string; data: unknown; actor_org_id: string; at: string }[];
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor_org_id: string | null;
  actor_user_id: string | null;
  actor_token_id: string | null;
  action: string;
  object_type: string;
  object_id: string;
  province_code: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}
