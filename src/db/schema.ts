/**
 * The Kysely `Database` interface: one entry per table, mirroring the SQL migrations. Queries are
 * type-checked against it. `Generated<T>` marks columns the database fills in.
 */
import type { ColumnType, Generated } from 'kysely';
import type { WorkflowTables } from './workflow-schema.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ResponsiblePerson {
  name: string;
  phone: string;
  email: string;
}
export interface Contact {
  name: string;
  role?: string;
  phone?: string;
  email?: string;
}

export interface OrganizationsTable {
  id: string;
  kind: string;
  name: string;
  name_en: string | null;
  short_code: string;
  province_code: string | null;
  operator: string | null;
  parent_id: string | null;
  responsible_department: string;
  responsible_person: Json<ResponsiblePerson>;
  contacts: Json<Contact[]>;
  is_cii: Generated<boolean>;
  is_party_government: Generated<boolean>;
  /** A regulator trusts this unit's reports for provisional listing before identification (migration 0015). */
  provisional_listing: Generated<boolean>;
  superior_org_id: string | null;
  categories: Generated<string[]>;
  status: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface OrgScopesTable {
  id: Generated<number>;
  org_id: string;
  kind: string;
  value: string;
}

export interface UsersTable {
  id: string;
  org_id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  roles: string[];
  locale: Generated<string>;
  created_at: Generated<Date>;
  disabled_at: Date | null;
  /** 0011: the TOTP secret, sealed; enabled once a code from it was proved; the last accepted step. */
  totp_secret_sealed: Generated<string | null>;
  totp_enabled_at: Generated<Date | null>;
  totp_last_step: Generated<string | number | null>;
}

/** Single-use recovery codes of the console's second factor (0011), stored as SHA-256. */
export interface UserRecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: Generated<Date>;
  used_at: Date | null;
}

/** Facts about this deployment (0011), e.g. `demo`. */
export interface PlatformFlagsTable {
  name: string;
  value: string;
  set_at: Generated<Date>;
}

export interface ApiTokensTable {
  id: string;
  org_id: string;
  user_id: string | null;
  name: string;
  token_prefix: string;
  token_hash: string;
  roles: string[];
  created_at: Generated<Date>;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface EvidenceFilesTable {
  sha256: string;
  size_bytes: number;
  media_type: string;
  file_name: string | null;
  content: Uint8Array;
  uploaded_by_org: string;
  created_at: Generated<Date>;
}

export interface EvidenceAccessTable {
  sha256: string;
  org_id: string;
}

export interface ReportsTable {
  id: string;
  org_id: string;
  submitted_by_user: string | null;
  submitted_by_token: string | null;
  source: string;
  received_at: Generated<Date>;
  category: string;
  subtype: string;
  title: string;
  description: Generated<string>;
  discovered_at: Timestamp;
  affected_party: Json<unknown> | null;
  tlp: string;
  self_handled: Generated<boolean>;
  self_measures: Json<unknown[]>;
  disclose_reporter: Generated<boolean>;
  province_code: string | null;
  evidence_sha256: string[];
  observable_count: number;
  refused_count: number;
  version: Generated<number>;
  supersedes_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  receipt: Json<unknown> | null;
}

export interface IndicatorsTable {
  id: Generated<number>;
  type: string;
  value: string;
  hash_algorithm: string | null;
  category: string;
  subtype: string;
  status: Generated<string>;
  tlp: Generated<string>;
  first_seen: Timestamp;
  last_seen: Timestamp;
  sighting_count: Generated<number>;
  valid_until: Timestamp | null;
  province_code: string | null;
  operator: string | null;
  responsible_org_id: string | null;
  excluded: Generated<boolean>;
  /** Why the value is or is not in force as a blocking order (indicators/listing.ts, migration 0015). */
  listing: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** What each noticed unit is ordered to block while the notice is in force (migration 0015). */
export interface NoticeOrdersTable {
  notice_id: string;
  org_id: string;
  indicator_id: number;
}

export interface SightingsTable {
  indicator_id: number;
  report_id: string;
  org_id: string;
  seen_at: Timestamp;
}

/** A run of consecutive indicator ids that one bulk import wrote: one sighting each (migration 0008). */
export interface SightingRangesTable {
  report_id: string;
  org_id: string;
  seen_at: Timestamp;
  first_id: number;
  last_id: number;
}

/** An indicator's value in the search index (migration 0016); values never change once stored. */
export interface IndicatorSearchTable {
  id: number;
  value: string;
}

/** A run of indicator ids not in indicator_search yet (migration 0016). */
export interface IndicatorSearchBacklogTable {
  id: Generated<number>;
  first_id: number;
  last_id: number;
}

export interface ImportsTable {
  id: string;
  org_id: string;
  report_id: string | null;
  format: string;
  status: string;
  total: number;
  accepted: number;
  new_indicators: number;
  duplicates: number;
  refused: number;
  refusals: Json<unknown[]>;
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: Generated<Date>;
}

export interface AuditEventsTable {
  seq: number;
  at: Timestamp;
  actor_org_id: string | null;
  actor_user_id: string | null;
  actor_token_id: string | null;
  action: string;
  object_type: string;
  object_id: string;
  province_code: string | null;
  data: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** Where the kept audit chain starts after retention removed its oldest entries (migration 0017). */
export interface AuditRetentionTable {
  through_seq: number;
  through_hash: string;
  removed: number;
  cutoff: Timestamp;
  entry_seq: number;
  applied_at: Generated<Date>;
}

export interface SettingsTable {
  key: string;
  value: Json<unknown>;
  updated_at: Generated<Date>;
}

export interface StixObjectsTable {
  seq: Generated<number>;
  id: string;
  type: string;
  spec_version: Generated<string>;
  version: Timestamp | null;
  date_added: Generated<Date>;
  superseded: Generated<boolean>;
  tlp: string;
  province_code: string | null;
  owner_org_id: string | null;
  responsible_org_id: string | null;
  source: string;
  source_key: string | null;
  json: string;
}

export interface StixSyncStateTable {
  id: number;
  indicators_watermark: Timestamp;
  organizations_watermark: Timestamp;
  indicators_cursor_at: string | null;
  indicators_cursor_id: number | null;
  indicators_sweep_watermark: Timestamp | null;
  updated_at: Generated<Date>;
}

/** STIX ids of the objects rendered from an indicator row, back to the row (migration 0019). */
export interface StixIndicatorIdsTable {
  uuid: string;
  indicator_id: number;
}

export interface TaxiiStatusTable {
  id: string;
  org_id: string;
  collection_id: string;
  status: string;
  request_timestamp: Timestamp;
  body: string;
  created_at: Generated<Date>;
}

/** Console sessions (0005_sessions.sql): the cookie's id is stored hashed. */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Date;
  user_agent: string | null;
  ip: string | null;
}

export interface Database extends WorkflowTables {
  sessions: SessionsTable;
  user_recovery_codes: UserRecoveryCodesTable;
  platform_flags: PlatformFlagsTable;
  stix_objects: StixObjectsTable;
  stix_sync_state: StixSyncStateTable;
  stix_indicator_ids: StixIndicatorIdsTable;
  taxii_status: TaxiiStatusTable;
  organizations: OrganizationsTable;
  org_scopes: OrgScopesTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  evidence_files: EvidenceFilesTable;
  evidence_access: EvidenceAccessTable;
  reports: ReportsTable;
  indicators: IndicatorsTable;
  /** A view (read only): sighting_rows and the sighting_ranges expanded, one row per value and report. */
  sightings: SightingsTable;
  sighting_rows: SightingsTable;
  sighting_ranges: SightingRangesTable;
  indicator_search: IndicatorSearchTable;
  indicator_search_backlog: IndicatorSearchBacklogTable;
  notice_orders: NoticeOrdersTable;
  imports: ImportsTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_retention: AuditRetentionTable;
  settings: SettingsTable;
}
