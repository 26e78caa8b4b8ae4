/**
 * Field-level classification and redaction (Art. 12: personal information and trade secrets learned
 * in this work are kept confidential). One table says which fields of which records are personal
 * information or trade secrets; one function redacts them for an audience that is not entitled to
 * them. Every presenter that sends something out of the platform to an audience (bulletins,
 * releases, webhooks and the event stream, feeds) goes through `redactRecord`, and the reads that
 * do reveal a restricted field (or a TLP:AMBER-or-stricter object) are collected by a
 * `RestrictedRead`, which the service writes to the audit log as one `restricted.read` entry per
 * request (docs/sharing.md lists the channels).
 */
import type { AuditInput } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { inJurisdiction } from './access.table.js';

export type Classification = 'personal_information' | 'trade_secret';

/** Paths are dotted; `[]` walks every element of an array. */
export const FIELD_CLASSIFICATION = {
  report: {
    affected_party: 'personal_information', // the victim: name, e-mail, phone, broadband account
    description: 'trade_secret', // the reporter's analysis and detection methods
    evidence_sha256: 'trade_secret',
    org_id: 'trade_secret', // who reported: named only when the reporter agreed (DESIGN §6)
  },
  organization: {
    'responsible_person.name': 'personal_information',
    'responsible_person.phone': 'personal_information',
    'responsible_person.email': 'personal_information',
    'contacts[].name': 'personal_information',
    'contacts[].phone': 'personal_information',
    'contacts[].email': 'personal_information',
    scopes: 'trade_secret', // the network resources a unit answers for
  },
  indicator: {
    // The value itself when it identifies a person (a victim's broadband account, an e-mail
    // address or a phone number): see PERSONAL_INDICATOR_TYPES.
    value: 'personal_information',
    reporters: 'trade_secret',
    responsible_org_id: 'trade_secret',
  },
  bulletin: {
    recipients: 'trade_secret',
  },
} as const satisfies Record<string, Record<string, Classification>>;

export type ClassifiedRecord = keyof typeof FIELD_CLASSIFICATION;

/** Indicator types whose value is personal information. */
export const PERSONAL_INDICATOR_TYPES: ReadonlySet<string> = new Set(['email', 'phone', 'broadband_account']);

export const REDACTED = '[redacted]';

/**
 * Who is entitled to restricted fields (ACCESS_TABLE): the ministry and professional institutions
 * always; a provincial administration only for a record of its own province (a province-less
 * record — a victim's e-mail, phone or broadband account — is not in any province's reach); the
 * organization the record is about or came from (its own data); nobody else, and never the public.
 */
export function isEntitledToRestricted(
  p: Principal | null,
  owner: { org_ids?: readonly (string | null)[]; province_code?: string | null } = {},
): boolean {
  if (!p) return false;
  if (inJurisdiction(p, owner.province_code)) return true;
  return (owner.org_ids ?? []).some((id) => id !== null && id === p.orgId);
}

/** The classified paths of a record type that are present (not null, not empty) in `obj`. */
export function restrictedFieldsPresent(kind: ClassifiedRecord, obj: Record<string, unknown>): string[] {
  const present: string[] = [];
  for (const path of Object.keys(FIELD_CLASSIFICATION[kind])) {
    if (kind === 'indicator' && path === 'value' && !PERSONAL_INDICATOR_TYPES.has(String(obj.type))) continue;
    if (readPath(obj, path).some((v) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))) present.push(path);
  }
  return present;
}

/**
 * The record with every classified field replaced: strings by `[redacted]`, arrays by `[]`, objects
 * by null. `entitled` is decided by the caller with isEntitledToRestricted (or a stricter rule).
 */
export function redactRecord<T extends Record<string, unknown>>(kind: ClassifiedRecord, obj: T, entitled: boolean): T {
  if (entitled) return obj;
  let out: Record<string, unknown> = obj;
  for (const path of restrictedFieldsPresent(kind, obj)) out = writePath(out, path.split('.'));
  return out as T;
}

/** What an entitled read revealed, for the audit entry (Art. 12: every read of restricted data). */
export function restrictedFieldsRevealed(kind: ClassifiedRecord, obj: Record<string, unknown>, entitled: boolean): string[] {
  return entitled ? restrictedFieldsPresent(kind, obj) : [];
}

/** TLP 2.0 markings whose objects are restricted: limited disclosure, or named recipients only. */
export const RESTRICTED_TLPS: ReadonlySet<string> = new Set(['amber', 'amber+strict', 'red']);

export const isRestrictedTlp = (tlp: string | null | undefined): boolean => typeof tlp === 'string' && RESTRICTED_TLPS.has(tlp);

/** The value of a `{type, value}` target or observable is personal information for these types. */
export const isPersonalValue = (o: { type: string }): boolean => PERSONAL_INDICATOR_TYPES.has(o.type);

/** The province a list read is filed under in the audit log: a provincial reader's own, else national. */
export const listProvince = (p: Principal | null): string | null => (p?.orgKind === 'regulator_provincial' ? p.provinceCode : null);

/** Most record ids one `restricted.read` entry names; `count` always says how many were read. */
export const RESTRICTED_READ_ID_CAP = 100;

/**
 * One read of restricted data by an entitled reader (Art. 12: an audit trail of every read of
 * restricted data), collected while a view is built and written as one audit entry per request
 * (a list page, a TAXII page, an export: one entry, never one per row). It holds the names of the
 * classified fields, the TLP markings and the ids of the records read, never their values.
 */
export class RestrictedRead {
  private readonly fieldSet = new Set<string>();
  private readonly tlpSet = new Set<string>();
  private readonly idList: string[] = [];
  private readonly idSet = new Set<string>();
  private records = 0;

  /**
   * @param channel the view that revealed them (`report.get`, `taxii.objects`, ...)
   * @param object_type the record type, or of the list's records
   * @param object_id the record, or what the list is (`list`, a collection, an export format)
   */
  constructor(
    readonly channel: string,
    readonly object_type: string,
    readonly object_id: string,
    readonly province_code: string | null = null,
  ) {}

  /**
   * Notes one record of the view: the classified fields it revealed (prefixed with `prefix.` when
   * the record sits inside another, as a case's indicators do) and its TLP if amber or stricter.
   * A record that revealed neither is not counted.
   */
  add(id: string | number, fields: readonly string[], tlp?: string | null, prefix?: string): this {
    const restrictedTlp = isRestrictedTlp(tlp);
    if (fields.length === 0 && !restrictedTlp) return this;
    for (const f of fields) this.fieldSet.add(prefix ? `${prefix}.${f}` : f);
    if (restrictedTlp) this.tlpSet.add(tlp!);
    // Only the named ids are remembered, so a million-row export holds a hundred: a record added
    // again after the cap (no view does that) would be counted twice.
    const key = String(id);
    if (this.idSet.has(key)) return this;
    this.records++;
    if (this.idList.length < RESTRICTED_READ_ID_CAP) {
      this.idList.push(key);
      this.idSet.add(key);
    }
    return this;
  }

  get isEmpty(): boolean {
    return this.records === 0;
  }

  get fields(): string[] {
    return [...this.fieldSet].sort();
  }

  /** The audit entry, or null when nothing restricted was read. */
  entry(): AuditInput | null {
    if (this.isEmpty) return null;
    return {
      action: 'restricted.read',
      object_type: this.object_type,
      object_id: this.object_id,
      province_code: this.province_code,
      data: {
        channel: this.channel,
        fields: this.fields,
        tlp: [...this.tlpSet].sort(),
        count: this.records,
        ids: this.idList,
        ...(this.records > this.idList.length ? { ids_truncated: true } : {}),
      },
    };
  }
}

function readPath(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const raw of path.split('.')) {
    const isArray = raw.endsWith('[]');
    const key = isArray ? raw.slice(0, -2) : raw;
    const next: unknown[] = [];
    for (const c of current) {
      if (c === null || typeof c !== 'object') continue;
      const v = (c as Record<string, unknown>)[key];
      if (isArray) {
        if (Array.isArray(v)) next.push(...v);
      } else next.push(v);
    }
    current = next;
  }
  return current;
}

function blank(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (Array.isArray(v)) return [];
  if (typeof v === 'object') return null;
  return REDACTED;
}

/** Copy-on-write: the caller's object is never changed. */
function writePath(obj: Record<string, unknown>, parts: string[]): Record<string, unknown> {
  const [head, ...rest] = parts;
  const isArray = head.endsWith('[]');
  const key = isArray ? head.slice(0, -2) : head;
  if (!(key in obj)) return obj;
  const v = obj[key];
  if (rest.length === 0) return { ...obj, [key]: blank(v) };
  if (isArray) {
    if (!Array.isArray(v)) return obj;
    return { ...obj, [key]: v.map((el) => (el && typeof el === 'object' ? writePath(el as Record<string, unknown>, rest) : el)) };
  }
  if (v === null || typeof v !== 'object') return obj;
  return { ...obj, [key]: writePath(v as Record<string, unknown>, rest) };
}
