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
import { v5 as uuidv5 } from 'uuid';
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

/** The manifest.json entry of a report's event. */
export function manifestEntry(r: FeedReport) {
  return {
    Orgc: r.reporter ? { name: r.reporter.name, uuid: r.reporter.id } : PLATFORM_ORGC,
    Tag: tagsOf(r),
    info: r.title,
    date: r.discovered_at.toISOString().slice(0, 10),
    analysis: '0',
    threat_level_id: '4',
    timestamp: epoch(r.received_at),
  };
}

/**
 * A report and its observables as a MISP event. Withdrawn and false-positive values are left out;
 * the others stay as intelligence, marked for detection (to_ids) only while they are blocking by
 * listing.ts: identified, ordered or provisionally listed, active, not excluded, not expired.
 */
export function reportToMispEvent(r: FeedReport, attributes: readonly FeedAttribute[]) {
  const entry = manifestEntry(r);
  const out = [];
  for (const a of attributes) {
    if (a.status === 'withdrawn' || a.status === 'false_positive') continue;
    const t = mispAttributeType(a.type, a.hash_algorithm);
    if (t === null) continue;
    out.push({
      uuid: uuidv5(`misp-attribute/${r.id}/${a.indicator_id}`, THREATSHARE_STIX_NAMESPACE),
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
    });
  }
  return {
    Event: {
      uuid: r.id,
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
      Attribute: out,
    },
  };
}

/** hashes.csv lines of an event: MD5 of each attribute value, then the event uuid. */
export function hashLines(event: ReturnType<typeof reportToMispEvent>): string[] {
  return event.Event.Attribute.map((a) => `${createHash('md5').update(a.value).digest('hex')},${event.Event.uuid}`);
}
