/**
 * The plain domain values the STIX 2.1 layer maps, shaped like the relational rows the services
 * will hand over (snake_case, Dates as Date), and the STIX object shape it produces. No I/O here:
 * the lead engineer's repositories fill these values; this module only translates them.
 */

/** Observable types of DESIGN.md §3 ("Observable / indicator"). */
export type IndicatorType =
  | 'ipv4'
  | 'ipv6'
  | 'cidr'
  | 'domain'
  | 'url'
  | 'email'
  | 'phone'
  | 'broadband_account'
  | 'file_hash'
  | 'vulnerability';

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';

export type IndicatorStatus = 'active' | 'handled' | 'expired' | 'false_positive' | 'withdrawn';

/** TLP 2.0 levels (FIRST TLP 2.0, August 2022), as DESIGN.md §2 Art. 12 requires on everything shared. */
export type Tlp = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

/** Severity scale of MIIT's 2017 emergency response plan (特别重大, 重大, 较大, 一般). */
export type Severity = 'particularly_major' | 'major' | 'relatively_major' | 'general';

/** Verdicts of an identification (Art. 7). */
export type Verdict = 'confirmed' | 'rejected' | 'more_information_needed';

export type OrganizationKind =
  | 'regulator_national'
  | 'regulator_provincial'
  | 'professional_institution'
  | 'telecom_operator'
  | 'security_vendor'
  | 'internet_company'
  | 'domain_registrar';

/** One deduplicated indicator row. `value` is already canonical (normalized by indicators/). */
export interface IndicatorRecord {
  id: string;
  type: IndicatorType;
  value: string;
  /** Present exactly when `type` is `file_hash`. */
  hash_algorithm?: HashAlgorithm | null;
  /** Article 2 category and sub-type codes (src/modules/reports/taxonomy.ts). */
  category: string;
  subtype: string;
  status: IndicatorStatus;
  /** indicators/listing.ts: reported, provisional, confirmed, ordered or lifted. Absent: reported. */
  listing?: string;
  first_seen: Date;
  last_seen: Date;
  valid_until: Date | null;
  sighting_count: number;
  /** GB/T 2260 province code, e.g. `440000`. */
  province_code: string | null;
  operator: string | null;
  tlp: Tlp;
  created_at: Date;
  updated_at: Date;
}

/** One organization row (Art. 5 registry), enough to describe it as a STIX identity. */
export interface OrganizationRecord {
  id: string;
  kind: OrganizationKind;
  name: string;
  name_en: string | null;
  province_code: string | null;
  /** STIX industry-sector-ov values; derived from `kind` when absent. */
  sectors?: string[] | null;
  created_at: Date;
  updated_at: Date;
}

/** A threat case together with its identification (Art. 7). */
export interface ThreatCaseRecord {
  id: string;
  title: string;
  category: string;
  subtype: string;
  severity: Severity;
  verdict: Verdict;
  /** The identification's analysis text. */
  analysis: string | null;
  indicator_ids: string[];
  created_at: Date;
  updated_at: Date;
  tlp: Tlp;
}

/** An observable as the rest of the platform speaks of it: `{type, value}` (+ hash algorithm). */
export interface Observable {
  type: IndicatorType;
  value: string;
  hash_algorithm?: HashAlgorithm;
}

/** A STIX object as emitted or received: a JSON object with at least `type` and `id`. */
export interface StixObject {
  type: string;
  id: string;
  [property: string]: unknown;
}

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

/** The object types STIX 2.1 defines (§4–§6), for classifying and validating objects. */
export const STIX_SDO_TYPES = [
  'attack-pattern',
  'campaign',
  'course-of-action',
  'grouping',
  'identity',
  'incident',
  'indicator',
  'infrastructure',
  'intrusion-set',
  'location',
  'malware',
  'malware-analysis',
  'note',
  'observed-data',
  'opinion',
  'report',
  'threat-actor',
  'tool',
  'vulnerability',
] as const;
export const STIX_SRO_TYPES = [
  'relationship',
  'sighting',
] as const;
export const STIX_SCO_TYPES = [
  'artifact',
  'autonomous-system',
  'directory',
  'domain-name',
  'email-addr',
  'email-message',
  'file',
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'mutex',
  'network-traffic',
  'process',
  'software',
  'url',
  'user-account',
  'windows-registry-key',
  'x509-certificate',
] as const;
