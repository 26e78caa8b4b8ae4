/**
 * An indicator row as the STIX objects TAXII serves, rendered when a page is read (issue 15: STIX
 * current at commit). Pure: the row in, the objects out, each with the columns a TAXII page needs
 * (id, type, date_added, version, audience TLP, JSON) and its place in the page order.
 *
 * The objects are indicatorToStix's (SCO, indicator, based-on; or one vulnerability); the row's
 * `updated_at` (to the microsecond) is their date_added, so an indicator that changes comes again
 * in the collections, as a new version, exactly as a stored object's new version does.
 */
import { LRUCache } from 'lru-cache';
import { PERSONAL_INDICATOR_TYPES } from '../access/confidentiality.js';
import { indicatorToStix, observableToSco, stixIdOfIndicator } from './stix-export.js';
import { BROADBAND_ACCOUNT_SCO_TYPE, deriveRelationshipId, PHONE_NUMBER_SCO_TYPE } from './stix-ids.js';
import { TLP_LEVELS } from './stix-markings.js';
import type { IndicatorSource, StixObjectInsert } from './stix.repository.js';
import type { IndicatorRecord, StixObject, Tlp } from './stix.types.js';

export function versionOf(o: StixObject): string | null {
  if (typeof o.modified === 'string') return o.modified;
  if (typeof o.created === 'string') return o.created;
  return null;
}

export function indicatorRecordOf(row: IndicatorSource): IndicatorRecord {
  return {
    id: String(row.id),
    type: row.type as IndicatorRecord['type'],
    value: row.value,
    hash_algorithm: (row.hash_algorithm as IndicatorRecord['hash_algorithm']) ?? null,
    category: row.category,
    subtype: row.subtype,
    status: row.status as IndicatorRecord['status'],
    listing: row.listing,
    first_seen: new Date(row.first_seen),
    last_seen: new Date(row.last_seen),
    valid_until: row.valid_until ? new Date(row.valid_until) : null,
    sighting_count: row.sighting_count,
    province_code: row.province_code,
    operator: row.operator,
    tlp: row.tlp as Tlp,
    created_at: new Date(row.created_at),
    updated_at: new Date(row.updated_at),
  };
}

/**
 * The audience an indicator's objects are served to (the `tlp` that TAXII collections and
 * canReadStixObject filter on). A personal value (an e-mail address, a phone number, a broadband
 * account: Art. 12) goes only to those entitled to it, so however it is marked (the object keeps its
 * own TLP marking) it is served to the TLP:AMBER audience at least: the ministry and the
 * institutions, the province's regulator and the responsible unit, never the TLP:GREEN community.
 * The same rule in SQL is access.sql.ts `indicatorStixBranches`.
 */
export function storedAudienceTlp(type: string, tlp: string): string {
  if (!PERSONAL_INDICATOR_TYPES.has(type)) return tlp;
  return TLP_LEVELS.indexOf(tlp as Tlp) < TLP_LEVELS.indexOf('amber') ? 'amber' : tlp;
}

/** One indicator's objects as rows of the stored shape (bundles, benchmarks of stored pages). */
export function derivedIndicatorRows(row: IndicatorSource): StixObjectInsert[] {
  return indicatorToStix(indicatorRecordOf(row)).map((o) => ({
    id: o.id,
    type: o.type,
    spec_version: '2.1',
    version: versionOf(o),
    superseded: false,
    tlp: storedAudienceTlp(row.type, row.tlp),
    province_code: row.province_code,
    owner_org_id: null,
    responsible_org_id: row.responsible_org_id,
    source: 'platform',
    source_key: `indicator:${row.id}`,
    json: JSON.stringify(o),
  }));
}

/** A STIX timestamp (any number of fractional digits) with exactly six: how TAXII pages print versions. */
export function microsecondText(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(ts);
  if (m === null) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

export interface RenderedObject {
  id: string;
  type: string;
  /** The row's updated_at, RFC 3339 with microseconds. */
  date_added: string;
  /** modified (SDO/SRO), else date_added (SCO: TAXII 2.1 §3.6), with six fractional digits. */
  version: string;
  /** The audience TLP (storedAudienceTlp): what the read's audit goes by. */
  tlp: string;
  province_code: string | null;
  responsible_org_id: string | null;
  json: string;
  /** Position among the row's objects (0 SCO, 1 indicator, 2 based-on; 0 a vulnerability). */
  k: number;
}

/** The row's objects, in page order; a row the export cannot express (a hash of unknown algorithm) has none. */
export function renderIndicatorRow(row: IndicatorSource, dateAdded: string): RenderedObject[] {
  let objects: StixObject[];
  try {
    objects = indicatorToStix(indicatorRecordOf(row));
  } catch {
    return [];
  }
  const tlp = storedAudienceTlp(row.type, row.tlp);
  return objects.map((o, k) => {
    const v = versionOf(o);
    return {
      id: o.id,
      type: o.type,
      date_added: dateAdded,
      version: v === null ? dateAdded : microsecondText(v),
      tlp,
      province_code: row.province_code,
      responsible_org_id: row.responsible_org_id,
      json: JSON.stringify(o),
      k,
    };
  });
}

/** The STIX type of the SCO an indicator row renders (null: a vulnerability, no SCO). */
export function scoTypeOfRow(type: string, value: string): string | null {
  switch (type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr':
      return value.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
    case 'domain':
      return 'domain-name';
    case 'url':
      return 'url';
    case 'email':
      return 'email-addr';
    case 'phone':
      return PHONE_NUMBER_SCO_TYPE;
    case 'broadband_account':
      return BROADBAND_ACCOUNT_SCO_TYPE;
    case 'file_hash':
      return 'file';
    default:
      return null;
  }
}

/**
 * Which indicator rows render at least one object of these STIX types (TAXII match[type]), as
 * row kinds: an indicator type, and for `cidr` the address family (a CIDR block is an ipv4-addr or
 * an ipv6-addr SCO by its value). Empty: no row renders any of them.
 */
export interface RowKind {
  type: string;
  family?: 'v4' | 'v6';
}

const NON_VULNERABILITY: readonly RowKind[] = [
  { type: 'ipv4' }, { type: 'ipv6' }, { type: 'cidr' }, { type: 'domain' }, { type: 'url' }, { type: 'email' },
  { type: 'phone' }, { type: 'broadband_account' }, { type: 'file_hash' },
];

const KINDS_OF_TYPE: Readonly<Record<string, readonly RowKind[]>> = {
  indicator: NON_VULNERABILITY,
  relationship: NON_VULNERABILITY,
  vulnerability: [{ type: 'vulnerability' }],
  'ipv4-addr': [{ type: 'ipv4' }, { type: 'cidr', family: 'v4' }],
  'ipv6-addr': [{ type: 'ipv6' }, { type: 'cidr', family: 'v6' }],
  'domain-name': [{ type: 'domain' }],
  url: [{ type: 'url' }],
  'email-addr': [{ type: 'email' }],
  [PHONE_NUMBER_SCO_TYPE]: [{ type: 'phone' }],
  [BROADBAND_ACCOUNT_SCO_TYPE]: [{ type: 'broadband_account' }],
  file: [{ type: 'file_hash' }],
};

export function rowKindsOf(stixTypes: readonly string[]): RowKind[] {
  const out = new Map<string, RowKind>();
  for (const t of stixTypes) {
    for (const k of KINDS_OF_TYPE[t] ?? []) {
      const have = out.get(k.type);
      // A whole type (no family) covers both families of cidr.
      if (have === undefined) out.set(k.type, k);
      else if (have.family !== undefined && have.family !== k.family) out.set(k.type, { type: k.type });
    }
  }
  return [...out.values()];
}

/**
 * The STIX ids a row renders (for the id map: TAXII object-by-id and match[id]), as
 * indicatorToStix names them, without building the objects: the indicator (or vulnerability), the
 * SCO and the based-on relationship between them.
 */
export function renderedIdsOf(row: IndicatorSource): string[] {
  const id = stixIdOfIndicator({ id: String(row.id), type: row.type as IndicatorRecord['type'] });
  if (row.type === 'vulnerability') return [id];
  try {
    const sco = observableToSco({ type: row.type as IndicatorRecord['type'], value: row.value, hash_algorithm: (row.hash_algorithm as IndicatorRecord['hash_algorithm']) ?? undefined });
    return sco === null ? [id] : [sco.id, id, deriveRelationshipId('based-on', id, sco.id)];
  } catch {
    return [];
  }
}

/** Bytes of rendered JSON a process keeps (about 25,000 indicator rows). */
export const RENDER_CACHE_BYTES = 64 * 2 ** 20;

/**
 * The objects of recently read rows, by row and instant: TAXII clients poll the same recent pages,
 * so each row is rendered once for all of them, not once per client and poll. Bounded by the bytes
 * of its JSON; a row that changes has a new instant, so an entry is never stale, only unused.
 */
export class RenderCache {
  private readonly cache: LRUCache<string, RenderedObject[]>;

  constructor(maxBytes = RENDER_CACHE_BYTES) {
    this.cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (objects) => Math.max(1, objects.reduce((n, o) => n + o.json.length * 2 + 200, 0)) });
  }

  render(row: IndicatorSource, dateAdded: string): RenderedObject[] {
    const key = `${row.id}@${dateAdded}`;
    let objects = this.cache.get(key);
    if (objects === undefined) {
      objects = renderIndicatorRow(row, dateAdded);
      this.cache.set(key, objects);
    }
    return objects;
  }

  get size(): number {
    return this.cache.size;
  }
}
