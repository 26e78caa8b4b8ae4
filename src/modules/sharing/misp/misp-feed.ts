/**
 * A MISP feed of the platform's reports (DESIGN.md §4 Interop; Art. 6 sharing), pure: one event
 * JSON per report, `manifest.json` indexing the events and `hashes.csv` (MD5 of each attribute
 * value, with its event uuid), the layout MISP's own feed generator writes, so a MISP instance adds
 * the URL as a feed of format "MISP Feed" and pulls or caches it.
 *
 * The reporting unit is named (Orgc) only when it agreed to be (DESIGN.md §6: a noticed unit does
 * not learn who reported it otherwise); the event is then the platform's. TLP travels as MISP's
 * `tlp:*` tags (TLP 2.0, including tlp:clear and tlp:amber+strict).
 */
import { isBlocking } from '../../indicators/listing.js';
import { createHash } from 'node:crypto';
import { THREATSHARE_STIX_NAMESPACE } from '../../stix/stix-ids.js';
import { PLATFORM_IDENTITY_ID } from '../../stix/stix-extension.js';
import { THREAT_CATEGORIES } from '../../reports/taxonomy.js';

export const PLATFORM_ORGC = { name: 'threatshare platform (CNCERT)', uuid: PLATFORM_IDENTITY_ID.slice('identity--'.length) };

export interface FeedReport {
  id: string;
  title: string;
  category: string;
  subtype: string;
  tlp: string;
  received_at: Date;
  discovered_at: Date;
  /** The reporter, present only when it agreed to be named. */
  reporter: { id: string; name: string } | null;
}

export interface FeedAttribute {
  indicator_id: number;
  type: string;
  value: string;
  hash_algorithm: string | null;
  status: string;
  excluded: boolean;
  /** listing.ts: only a value in force as a blocking order is for detection. */
  listing: string;
  valid_until: Date | null;
  seen_at: Date;
}

const TLP_COLOURS: Record<string, string> = {
  clear: '#ffffff',
  green: '#33FF00',
  amber: '#FFC000',
  'amber+strict': '#FFC000',
  red: '#FF2B2B',
};

/** Our observable type → MISP attribute type, category and whether it is meant for detection. */
export function mispAttributeType(type: string, hashAlgorithm: string | null): { type: string; category: string; to_ids: boolean } | null {
  switch (type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr':
      return { type: 'ip-dst', category: 'Network activity', to_ids: true };
    case 'domain':
      return { type: 'domain', category: 'Network activity', to_ids: true };
    case 'url':
      return { type: 'url', category: 'Network activity', to_ids: true };
    case 'email':
      return { type: 'email-src', category: 'Payload delivery', to_ids: true };
    case 'phone':
      return { type: 'phone-number', category: 'Other', to_ids: false };
    case 'broadband_account':
      return { type: 'text', category: 'Other', to_ids: false };
    case 'file_hash':
      if (hashAlgorithm === 'md5' || hashAlgorithm === 'sha1' || hashAlgorithm === 'sha256') return { type: hashAlgorithm, category: 'Payload delivery', to_ids: true };
      return null;
    case 'vulnerability':
      return { type: 'vulnerability', category: 'External analysis', to_ids: false };
    default:
      return null;
  }
}

const epoch = (d: Date) => String(Math.floor(d.getTime() / 1000));

function tagsOf(r: FeedReport) {
  return [
    { name: `tlp:${r.tlp}`, colour: TLP_COLOURS[r.tlp] ?? '#ffffff' },
    { name: `threatshare:category="${r.category}"`, colour: '#0088cc' },
    { name: `threatshare:subtype="${r.subtype}"`, colour: '#0088cc' },
  ];
}

function taxonLabel(category: string, subtype: string): string {
  const c = (THREAT_CATEGORIES as Record<string, { subtypes: Record<string, { en: string }> }>)[category];
  return c?.subtypes[subtype]?.en ?? `${category}/${subtype}`;
}

/**
 * The uuid of part `part` of a report's event. Part 0 is the report's own uuid (what the feed
 * always served); part k ≥ 1 is a UUIDv8 (RFC 9562 §5.8) that keeps the report uuid's first 112
 * bits (its version nibble moved to the 29th hex digit) and carries k in the last three hex
 * digits, so the server finds the report again from the uuid alone: the reports whose uuid lies
 * in a range of 2^16 (parsePartUuid), of which a random v4 uuid has one. At most MAX_PARTS parts.
 */
export const MAX_PARTS = 0x1000;

export function partUuid(reportId: string, part: number): string {
  if (part === 0) return reportId;
  if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS) throw new RangeError(`part ${part} out of range`);
  const h = reportId.toLowerCase().replaceAll('-', '');
  const x = `${h.slice(0, 12)}8${h.slice(13, 28)}${h[12]}${part.toString(16).padStart(3, '0')}`;
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The report uuids a part uuid may come from ([low, high]) and the part, or null for a report's own uuid. */
export function parsePartUuid(uuid: string): { low: string; high: string; part: number } | null {
  const x = uuid.toLowerCase().replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/.test(x) || x[12] !== '8') return null;
  const part = parseInt(x.slice(29), 16);
  if (part === 0) return null;
  const h = `${x.slice(0, 12)}${x[28]}${x.slice(13, 28)}`;
  const fmt = (y: string) => `${y.slice(0, 8)}-${y.slice(8, 12)}-${y.slice(12, 16)}-${y.slice(16, 20)}-${y.slice(20)}`;
  return { low: fmt(`${h}0000`), high: fmt(`${h}ffff`), part };
}

/** The manifest.json entry of one event: a report, or part `part` of `parts` of it. */
export function manifestEntry(r: FeedReport, part = 0, parts = 1) {
  return {
    Orgc: r.reporter ? { name: r.reporter.name, uuid: r.reporter.id } : PLATFORM_ORGC,
    Tag: tagsOf(r),
    info: parts > 1 ? `${r.title} (part ${part + 1} of ${parts})` : r.title,
    date: r.discovered_at.toISOString().slice(0, 10),
    analysis: '0',
    threat_level_id: '4',
    timestamp: epoch(r.received_at),
  };
}

/** The MISP type of an observable that becomes an attribute, or null where it stays out (see mispAttribute). */
export function mispAttributeOf(a: Pick<FeedAttribute, 'status' | 'type' | 'hash_algorithm'>) {
  if (a.status === 'withdrawn' || a.status === 'false_positive') return null;
  return mispAttributeType(a.type, a.hash_algorithm);
}

/**
 * One observable as a MISP attribute, or null where it stays out: withdrawn and false-positive
 * values, and types MISP has no attribute for. The others stay as intelligence, marked for
 * detection (to_ids) only while they are blocking by listing.ts: identified, ordered or
 * provisionally listed, active, not excluded, not expired.
 */
export function mispAttribute(r: FeedReport, a: FeedAttribute) {
  const t = mispAttributeOf(a);
  if (t === null) return null;
  return {
    uuid: v5(`misp-attribute/${r.id}/${a.indicator_id}`),
    type: t.type,
    category: t.category,
    value: a.value,
    to_ids: t.to_ids && isBlocking(a),
    timestamp: epoch(a.seen_at),
    comment: taxonLabel(r.category, r.subtype),
    distribution: '5',
    deleted: false,
    disable_correlation: false,
    object_relation: null,
  };
}

const NAMESPACE_BYTES = Buffer.from(THREATSHARE_STIX_NAMESPACE.replaceAll('-', ''), 'hex');

/** uuidv5(name, THREATSHARE_STIX_NAMESPACE) (RFC 9562 §5.5), without the per-call parsing of the namespace. */
function v5(name: string): string {
  const h = createHash('sha1').update(NAMESPACE_BYTES).update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * JSON.stringify(mispAttribute(r, a)), written out: a 100,000-attribute event spends most of its
 * time here (misp.test.ts checks the two are equal). `comment` is the report's, stringified once.
 */
export function mispAttributeJson(r: FeedReport, a: FeedAttribute, comment = JSON.stringify(taxonLabel(r.category, r.subtype))): string | null {
  const t = mispAttributeOf(a);
  if (t === null) return null;
  return (
    `{"uuid":"${v5(`misp-attribute/${r.id}/${a.indicator_id}`)}","type":"${t.type}","category":"${t.category}","value":${JSON.stringify(a.value)},` +
    `"to_ids":${t.to_ids && isBlocking(a)},"timestamp":"${epoch(a.seen_at)}","comment":${comment},"distribution":"5","deleted":false,"disable_correlation":false,"object_relation":null}`
  );
}

/** The JSON string of the report's attribute comment (its taxon), for mispAttributeJson. */
export const attributeComment = (r: FeedReport): string => JSON.stringify(taxonLabel(r.category, r.subtype));

/** The event around its attributes: the JSON before the first attribute and after the last. */
export function eventFrame(r: FeedReport, part = 0, parts = 1): { head: string; tail: string } {
  const entry = manifestEntry(r, part, parts);
  const json = JSON.stringify({
    Event: {
      uuid: partUuid(r.id, part),
      info: entry.info,
      date: entry.date,
      timestamp: entry.timestamp,
      publish_timestamp: entry.timestamp,
      published: true,
      analysis: entry.analysis,
      threat_level_id: entry.threat_level_id,
      distribution: '3',
      Orgc: entry.Orgc,
      Tag: entry.Tag,
      Attribute: [],
    },
  });
  return { head: json.slice(0, -3), tail: ']}}' };
}

/** A report (or one part of it) and its observables as a MISP event, whole: for small events and tests. */
export function reportToMispEvent(r: FeedReport, attributes: readonly FeedAttribute[], part = 0, parts = 1) {
  const { head, tail } = eventFrame(r, part, parts);
  const out = attributes.map((a) => mispAttribute(r, a)).filter((a) => a !== null);
  return JSON.parse(`${head}${out.map((a) => JSON.stringify(a)).join(',')}${tail}`) as { Event: { uuid: string; Orgc: { name: string; uuid: string }; Attribute: NonNullable<ReturnType<typeof mispAttribute>>[] } & Record<string, unknown> };
}

/** The hashes.csv line of an attribute: MD5 of its value, then the event uuid. */
export const hashLine = (value: string, eventUuid: string): string => `${createHash('md5').update(value).digest('hex')},${eventUuid}`;

/** hashes.csv lines of an event. */
export function hashLines(event: ReturnType<typeof reportToMispEvent>): string[] {
  return event.Event.Attribute.map((a) => hashLine(a.value, event.Event.uuid));
}
