/**
 * DNS Response Policy Zone export (draft-vixie-dnsop-dns-rpz, as BIND 9 `response-policy` and
 * Unbound `rpz:` load it): a master file (RFC 1035 §5) whose owner names are the blocked names
 * under the zone origin and whose CNAME targets say what the resolver answers instead.
 *
 * The file sets `$ORIGIN` itself and writes owners relative to it, as the URLhaus RPZ feed that
 * resolver operators load today does, so the zone must be configured under the same origin.
 * A row whose owner name would break the zone (a label over 63 octets, a name over 255 octets once
 * the origin is appended, an unsafe character) is skipped and counted, never written.
 *
 * Serial: by default the generation time in Unix seconds, modulo 2^32. Unlike YYYYMMDDnn (100
 * generations a day; URLhaus alone regenerates every 5 minutes, 288 a day) it grows on every
 * generation a second apart, and RFC 1982 serial arithmetic makes the wrap in 2106 harmless because
 * secondaries compare serials modulo 2^32 within a 2^31 window. nextZoneSerial() guarantees growth
 * even for two generations in the same second or after a clock step back.
 */
import { validationFailed } from '../../../lib/problem.js';
import {
  ChunkWriter,
  type CommonExportOptions,
  type ExportGenerator,
  type RowSource,
  describeSkipped,
  countSkipped,
  isExpired,
  newExportStats,
  rowBatches,
  sanitizeComment,
} from './export-stream.js';
import { parseIPPrefix, parseIPv4, parseIPv6, rpzIpTriggerName } from './ip-encoding.js';

export const DEFAULT_RPZ_ORIGIN = 'rpz.threatshare.example.';

/**
 * The policy action (draft-vixie-dnsop-dns-rpz §5): `nxdomain` (CNAME .), `nodata` (CNAME *.),
 * `passthru` (CNAME rpz-passthru.), `drop` (CNAME rpz-drop., no answer at all), or a redirect to a
 * walled-garden name (CNAME) or address (A / AAAA).
 */
export type RpzAction = 'nxdomain' | 'nodata' | 'passthru' | 'drop' | { redirect: string };

export interface RpzSoa {
  /** Primary server name. Default `localhost.`. */
  mname: string;
  /** Responsible mailbox in domain form (`hostmaster.example.` for hostmaster@example). */
  rname: string;
  refresh: number;
  retry: number;
  expire: number;
  /** Negative-caching TTL (RFC 2308). */
  minimum: number;
}

export interface RpzOptions extends CommonExportOptions {
  /** Zone origin; must equal the zone name in the resolver's configuration. */
  origin?: string;
  /** SOA serial, an unsigned 32-bit integer. Default zoneSerialFromTime(generated_at). */
  serial?: number;
  soa?: Partial<RpzSoa>;
  /** Default TTL of the policy records ($TTL). Default 300 s. */
  ttl?: number;
  /** Also block every name below each domain (`*.domain` wildcard owners). Default false. */
  include_subdomains?: boolean;
  action?: RpzAction;
  /**
   * Turn ipv4, ipv6 and cidr rows into response-IP triggers (`rpz-ip`), which rewrite any answer
   * containing such an address, so a fresh name pointing at a known C2 address is blocked too.
   * Default true. Set false for resolvers that only take QNAME triggers; those rows then count as
   * unsupported_type.
   */
  ip_triggers?: boolean;
  /** Number of rows expected, written in the header when known (the trailer always has the count). */
  expected_count?: number;
}

export const DEFAULT_RPZ_SOA: RpzSoa = {
  mname: 'localhost.',
  rname: 'hostmaster.localhost.',
  refresh: 3600,
  retry: 600,
  expire: 604800,
  minimum: 60,
};

const SERIAL_MODULO = 2 ** 32;
const SERIAL_HALF = 2 ** 31;

/** Unix seconds of `at`, modulo 2^32: the default serial (see the file header for why). */
export function zoneSerialFromTime(at: Date): number {
  return Math.floor(at.getTime() / 1000) % SERIAL_MODULO;
}

/**
 * RFC 1982 §3.2 comparison of two serials: -1 when a precedes b, 1 when a follows b, 0 when equal,
 * undefined when they are exactly 2^31 apart (the RFC leaves that undefined).
 */
export function compareZoneSerials(a: number, b: number): -1 | 0 | 1 | undefined {
  assertSerial(a, 'a');
  assertSerial(b, 'b');
  if (a === b) return 0;
  const distance = (b - a + SERIAL_MODULO) % SERIAL_MODULO;
  if (distance === SERIAL_HALF) return undefined;
  return distance < SERIAL_HALF ? -1 : 1;
}

/**
 * The serial for a new generation: the time-based serial when it follows `previous` in RFC 1982
 * order, otherwise previous + 1 (modulo 2^32), so secondaries always see the zone as newer.
 */
export function nextZoneSerial(previous: number | undefined, at: Date): number {
  const candidate = zoneSerialFromTime(at);
  if (previous === undefined) return candidate;
  return compareZoneSerials(candidate, previous) === 1 ? candidate : (previous + 1) % SERIAL_MODULO;
}

function assertSerial(serial: number, field: string): void {
  if (!Number.isInteger(serial) || serial < 0 || serial >= SERIAL_MODULO) {
    throw validationFailed(field, 'A zone serial is an unsigned 32-bit integer');
  }
}

/**
 * The common case, checked in one pass: a lower-case name of plain labels of 1 to 63 characters,
 * no trailing dot. It is written as it is and its wire length is its length + 1.
 */
const PLAIN_SHORT_LABELS = /^[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*$/;
/** Characters written as they are in an owner label; everything else is escaped as \DDD. */
const PLAIN_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const PLAIN_LABEL_CHAR = /[a-z0-9_-]/;

interface EncodedName {
  /** Master-file text of the labels, escaped, no trailing dot. */
  text: string;
  /** Wire length of the labels: sum of (1 + octets). */
  wire: number;
}

/**
 * Encodes a domain (or any dotted name) as master-file labels. Labels are lower-cased; printable
 * ASCII outside letters, digits, `-` and `_` is escaped as \DDD (RFC 1035 §5.1) so a `*`, `;` or
 * `@` in a value is taken literally; empty labels, control characters, spaces and non-ASCII (a
 * canonical domain is punycode) are refused, as is any label over 63 octets (RFC 1035 §2.3.4).
 */
export function encodeDnsName(name: string): EncodedName | undefined {
  // Labels sum to (1 + length) each: the characters plus one octet per label, i.e. length + 1.
  if (PLAIN_SHORT_LABELS.test(name)) return { text: name, wire: name.length + 1 };
  let value = name.toLowerCase();
  if (value.endsWith('.')) value = value.slice(0, -1);
  if (value.length === 0) return undefined;
  if (PLAIN_NAME.test(value)) {
    let wire = 0;
    let labelStart = 0;
    for (let i = 0; i <= value.length; i++) {
      if (i === value.length || value.charCodeAt(i) === 46) {
        const length = i - labelStart;
        if (length > 63) return undefined;
        wire += length + 1;
        labelStart = i + 1;
      }
    }
    return { text: value, wire };
  }
  const labels = value.split('.');
  const out: string[] = [];
  let wire = 0;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63) return undefined;
    let text = '';
    for (const ch of label) {
      const code = ch.charCodeAt(0);
      if (code <= 0x20 || code >= 0x7f) return undefined;
      text += PLAIN_LABEL_CHAR.test(ch) ? ch : `\\${code.toString().padStart(3, '0')}`;
    }
    out.push(text);
    wire += label.length + 1;
  }
  return { text: out.join('.'), wire };
}

/** Normalizes a name given in the options to absolute lower-case text, or throws. */
function absoluteName(name: string, field: string): { text: string; wire: number } {
  if (name === '.') return { text: '.', wire: 1 };
  const encoded = encodeDnsName(name);
  if (encoded === undefined || encoded.wire + 1 > 255) {
    throw validationFailed(field, `${JSON.stringify(name)} is not a valid domain name`);
  }
  return { text: `${encoded.text}.`, wire: encoded.wire + 1 };
}

function assertTtl(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 2147483647) {
    throw validationFailed(field, 'A TTL or SOA timer is an integer between 0 and 2^31 - 1 seconds (RFC 2181 §8)');
  }
}

/** The record type and data that carry the action (draft-vixie-dnsop-dns-rpz §5). */
export function rpzActionRecord(action: RpzAction): string {
  switch (action) {
    case 'nxdomain':
      return 'CNAME .';
    case 'nodata':
      return 'CNAME *.';
    case 'passthru':
      return 'CNAME rpz-passthru.';
    case 'drop':
      return 'CNAME rpz-drop.';
    default: {
      const target = action.redirect;
      if (parseIPv4(target) !== undefined) return `A ${target}`;
      if (parseIPv6(target) !== undefined) return `AAAA ${target}`;
      return `CNAME ${absoluteName(target, '/action/redirect').text}`;
    }
  }
}

function describeAction(action: RpzAction): string {
  return typeof action === 'string' ? action : `redirect to ${action.redirect}`;
}

/**
 * Streams a response policy zone for the rows. Domain rows become QNAME triggers (plus a wildcard
 * when include_subdomains); ipv4/ipv6/cidr rows become response-IP triggers unless ip_triggers is off;
 * other types, expired rows and names that do not fit are skipped and counted in the returned
 * ExportStats and in the trailer comment.
 */
export async function* rpzZone(rows: RowSource, options: RpzOptions = {}): ExportGenerator {
  const generatedAt = options.generated_at ?? new Date();
  const origin = absoluteName(options.origin ?? DEFAULT_RPZ_ORIGIN, '/origin');
  if (origin.text === '.') throw validationFailed('/origin', 'An RPZ cannot be the root zone');
  const serial = options.serial ?? zoneSerialFromTime(generatedAt);
  assertSerial(serial, '/serial');
  const soa: RpzSoa = { ...DEFAULT_RPZ_SOA, ...options.soa };
  const mname = absoluteName(soa.mname, '/soa/mname').text;
  const rname = absoluteName(soa.rname, '/soa/rname').text;
  for (const field of ['refresh', 'retry', 'expire', 'minimum'] as const) assertTtl(soa[field], `/soa/${field}`);
  const ttl = options.ttl ?? 300;
  assertTtl(ttl, '/ttl');
  const action = options.action ?? 'nxdomain';
  const rdata = rpzActionRecord(action);
  const includeSubdomains = options.include_subdomains ?? false;
  const ipTriggers = options.ip_triggers ?? true;
  const includeExpired = options.include_expired ?? false;
  const source = sanitizeComment(options.source ?? 'threatshare');

  const stats = newExportStats();
  let domains = 0;
  let ipTriggerCount = 0;
  // Room left for the relative part: 255 octets minus the origin's wire length (its root included).
  const room = 255 - origin.wire;
  const recordSuffix = ` ${rdata}\n`;

  const header = [
    '; threatshare DNS response policy zone (RPZ)',
    `; source: ${source}`,
    `; generated: ${generatedAt.toISOString()}`,
    `; origin: ${origin.text}`,
    `; serial: ${serial} (Unix seconds modulo 2^32 unless set by the caller; RFC 1982 arithmetic)`,
    `; action: ${describeAction(action)}${includeSubdomains ? ', subdomains included' : ''}`,
    ...(options.expected_count !== undefined ? [`; count: ${options.expected_count} indicators`] : []),
    '; the entry and skip counts are in the trailer at the end of the file',
    '',
    `$TTL ${ttl}`,
    `$ORIGIN ${origin.text}`,
    `@ SOA ${mname} ${rname} ${serial} ${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minimum}`,
    // An RPZ is an ordinary zone and a zone needs an NS record; resolvers never query it.
    '@ NS localhost.',
    '',
  ].join('\n');
  yield `${header}\n`;

  const writer = new ChunkWriter();
  // The wildcard adds the two octets of `*` and its length byte; skip rather than half-block.
  const nameRoom = includeSubdomains ? room - 2 : room;
  for await (const batch of rowBatches(rows)) {
    for (const row of batch) {
      stats.rows++;
      if (!includeExpired && isExpired(row, generatedAt)) {
        stats.skipped.expired++;
        continue;
      }
      let lines: string;
      if (row.type === 'domain') {
        // The common plain name is its own text (encodeDnsName's shortcut, without the object).
        let text = row.value;
        let wire: number;
        if (PLAIN_SHORT_LABELS.test(text)) {
          wire = text.length + 1;
        } else {
          const name = encodeDnsName(text);
          if (name === undefined) {
            stats.skipped.invalid++;
            continue;
          }
          text = name.text;
          wire = name.wire;
        }
        // A top-level label rpz-ip, rpz-nsip, ... would turn the name into a different trigger kind.
        if (text.startsWith('rpz-', text.lastIndexOf('.') + 1)) {
          stats.skipped.invalid++;
          continue;
        }
        if (wire > nameRoom) {
          stats.skipped.too_long++;
          continue;
        }
        lines = includeSubdomains ? `${text}${recordSuffix}*.${text}${recordSuffix}` : text + recordSuffix;
        domains++;
        stats.emitted += includeSubdomains ? 2 : 1;
      } else if (row.type === 'ipv4' || row.type === 'ipv6' || row.type === 'cidr') {
        if (!ipTriggers) {
          stats.skipped.unsupported_type++;
          continue;
        }
        const prefix = parseIPPrefix(row.type, row.value);
        if (prefix === undefined) {
          stats.skipped.invalid++;
          continue;
        }
        const owner = rpzIpTriggerName(prefix);
        if (owner.length + 1 > room) {
          stats.skipped.too_long++;
          continue;
        }
        lines = `${owner}${recordSuffix}`;
        ipTriggerCount++;
        stats.emitted++;
      } else {
        stats.skipped.unsupported_type++;
        continue;
      }
      const chunk = writer.write(lines);
      if (chunk !== undefined) yield chunk;
    }
  }
  const rest = writer.flush();
  if (rest !== undefined) yield rest;
  yield (
    `\n; entries: ${stats.emitted} records for ${domains} domains and ${ipTriggerCount} IP triggers` +
    ` from ${stats.rows} rows; skipped ${countSkipped(stats)}: ${describeSkipped(stats)}\n`
  );
  return stats;
}
