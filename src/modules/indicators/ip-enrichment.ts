/**
 * IP address to country, province and operator, from the ip2region database that ships in its npm
 * package (DESIGN.md §4, "Jurisdiction data"). Article 8 notices go to the operator that must block
 * an address and Article 3 gives each province its own threats, so every IP indicator is enriched
 * with a GB/T 2260 province code and one of the basic telecom operators. Organizations' declared
 * resource scopes take precedence over this data; that is the router's business, not this file's.
 *
 * Speed: the package's own IPv4 search decodes and splits a UTF-8 record on every call (about
 * 300,000 lookups a second here). Bulk imports enrich up to a million addresses, so the IPv4 index
 * is loaded once into typed arrays, the 13,804 distinct records are decoded once into frozen
 * results, and a lookup is one binary search with no allocation. IPv6 (fewer, and a different file
 * format) goes through the package, except for addresses that embed an IPv4 address.
 *
 * The enricher reads two files (about 11 MB) when created: create it once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { provinceCodeFromName } from '../orgs/provinces.js';
import { ipv4ToNumber } from './normalize.js';

export const OPERATOR_CODES = [
  'china_telecom',
  'china_unicom',
  'china_mobile',
  'china_broadnet',
  'cernet',
  'other',
] as const;

export type OperatorCode = (typeof OPERATOR_CODES)[number];

export interface IpEnrichment {
  /** Country as the database names it, in Chinese (`中国`, `美国`); null when unknown. */
  country: string | null;
  /** GB/T 2260 code of the mainland province; null abroad, in Hong Kong, Macau and Taiwan, or unknown. */
  province_code: string | null;
  /** The basic telecom operator (or CERNET) holding the address; `other` for any other network. */
  operator: OperatorCode | null;
  /** City as the database names it, in Chinese; null when unknown. */
  city: string | null;
  /** The database's ISP text, unmapped, for the analyst. */
  isp_raw: string | null;
}

export interface IpEnricher {
  /**
   * Enrich one canonical address (as `normalizeObservable` produces). Anything else, and addresses
   * the database does not know, give all-null fields. Results are shared and frozen.
   */
  enrich(ip: string): IpEnrichment;
}

export interface IpEnricherOptions {
  /** ip2region v1 `.db` file; defaults to the one in the package. */
  ipv4DbPath?: string;
  /** ipv6wry `.db` file; defaults to the one in the package. */
  ipv6DbPath?: string;
  /** Skip loading the IPv6 database (saves 2.6 MB); IPv6 lookups then give all-null fields. */
  disableIpv6?: boolean;
}

const UNKNOWN: IpEnrichment = Object.freeze({
  country: null,
  province_code: null,
  operator: null,
  city: null,
  isp_raw: null,
});

/**
 * Map the database's ISP text to an operator. ip2region writes the big three tersely for IPv4
 * (`电信`, `联通`, `移动`) and in full for IPv6 (`中国电信CTNET网络`, `中国联通169骨干网`), while foreign
 * carriers also end in 电信 (`韩国电信`, `中华电信`), so only the names below count as Chinese
 * operators. China Tietong (铁通) belongs to China Mobile and China Netcom (网通) to China Unicom;
 * provincial cable networks (`广东广电`, `河南有线电视`) were merged into China Broadnet (中国广电);
 * CERNET is run by CERNET Corporation (赛尔网络).
 */
export function operatorFromIsp(isp: string): OperatorCode | null {
  const s = isp.trim();
  if (s === '' || s === '0' || s === '未知' || s === '内网IP') return null;
  if (s === '电信' || s.startsWith('中国电信')) return 'china_telecom';
  if (s === '联通' || s.startsWith('中国联通') || s === '网通' || s.startsWith('中国网通')) return 'china_unicom';
  if (s === '移动' || s.startsWith('中国移动') || s === '铁通' || s.startsWith('中国铁通')) return 'china_mobile';
  if (s.includes('广电') || s.startsWith('中国广播电视') || s.endsWith('有线电视')) return 'china_broadnet';
  if (s.startsWith('教育网') || s.startsWith('CERNET') || s.startsWith('赛尔')) return 'cernet';
  return 'other';
}

function blankToNull(s: string | undefined): string | null {
  if (s === undefined) return null;
  const t = s.trim();
  return t === '' || t === '0' || t === '未知' ? null : t;
}

const CHINA = '中国';

function buildEnrichment(
  countryRaw: string | undefined,
  provinceRaw: string | undefined,
  cityRaw: string | undefined,
  ispRaw: string | undefined,
): IpEnrichment {
  // Private and reserved ranges carry `内网IP` ("intranet IP") in place of a city and an ISP.
  if (cityRaw === '内网IP' || ispRaw === '内网IP') return UNKNOWN;
  const country = blankToNull(countryRaw);
  const province = blankToNull(provinceRaw);
  const isp = blankToNull(ispRaw);
  return Object.freeze({
    country,
    province_code: country === CHINA && province !== null ? (provinceCodeFromName(province) ?? null) : null,
    operator: isp === null ? null : operatorFromIsp(isp),
    city: blankToNull(cityRaw),
    isp_raw: isp,
  });
}

/* ------------------------------------------------------------------------------------------ */
/* IPv4: the ip2region v1 file, held in typed arrays                                            */
/* ------------------------------------------------------------------------------------------ */

interface Ipv4Table {
  starts: Uint32Array;
  ends: Uint32Array;
  record: Uint32Array;
  results: IpEnrichment[];
}

/**
 * ip2region v1 layout: an 8-byte super block holding the first and last index block offsets, then
 * index blocks of 12 bytes — start IP, end IP (both little-endian u32) and a data pointer whose top
 * byte is the record length and low 24 bits its offset. A record is a 4-byte city id followed by
 * `country|region|province|city|isp` in UTF-8, with `0` for an unknown field.
 */
function loadIpv4Table(path: string): Ipv4Table {
  const buf = readFileSync(path);
  const first = buf.readUInt32LE(0);
  const last = buf.readUInt32LE(4);
  if (buf.length < 8 || last < first || (last - first) % 12 !== 0 || last + 12 > buf.length) {
    throw new Error(`${path} is not an ip2region v1 database`);
  }
  const count = (last - first) / 12 + 1;
  const starts = new Uint32Array(count);
  const ends = new Uint32Array(count);
  const record = new Uint32Array(count);
  const results: IpEnrichment[] = [];
  const byPointer = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const pos = first + i * 12;
    starts[i] = buf.readUInt32LE(pos);
    ends[i] = buf.readUInt32LE(pos + 4);
    const pointer = buf.readUInt32LE(pos + 8);
    let index = byPointer.get(pointer);
    if (index === undefined) {
      const length = pointer >>> 24;
      const offset = pointer & 0x00ffffff;
      const [country, , province, city, isp] = buf.toString('utf8', offset + 4, offset + length).split('|');
      index = results.length;
      results.push(buildEnrichment(country, province, city, isp));
      byPointer.set(pointer, index);
    }
    record[i] = index;
  }
  return { starts, ends, record, results };
}

function lookupIpv4(table: Ipv4Table, ip: number): IpEnrichment {
  const { starts, ends } = table;
  // The last block whose start is <= ip.
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (starts[mid] <= ip) low = mid;
    else high = mid - 1;
  }
  if (starts[low] > ip || ends[low] < ip) return UNKNOWN;
  return table.results[table.record[low]];
}

/* ------------------------------------------------------------------------------------------ */
/* IPv6: through the package                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** What we use of the package's IPv6 class (`dist/lib/ipv6.d.ts`). */
interface Ipv6Searcher {
  search(ip: string, parse: true): { country: string; province: string; city: string; isp: string } | null;
}

const require = createRequire(import.meta.url);

function packageDataPath(file: string): string {
  return join(dirname(require.resolve('ip2region/package.json')), 'data', file);
}

function loadIpv6Searcher(path: string): Ipv6Searcher {
  const mod = require('ip2region/dist/lib/ipv6.js') as { default: new (dbPath?: string) => Ipv6Searcher };
  return new mod.default(path);
}

/** The IPv4 address inside mapped, NAT64, 6to4 and Teredo addresses: those are IPv4 hosts. */
function embeddedIPv4(addr: ipaddr.IPv6): number | null {
  const p = addr.parts;
  switch (addr.range()) {
    case 'ipv4Mapped':
    case 'rfc6052':
      return (p[6] * 65536 + p[7]) >>> 0;
    case '6to4':
      return (p[1] * 65536 + p[2]) >>> 0;
    case 'teredo':
      // RFC 4380 §4: the client's address is the last 32 bits, inverted.
      return (~(p[6] * 65536 + p[7])) >>> 0;
    default:
      return null;
  }
}

/* ------------------------------------------------------------------------------------------ */

export function createIpEnricher(options: IpEnricherOptions = {}): IpEnricher {
  const v4 = loadIpv4Table(options.ipv4DbPath ?? packageDataPath('ip2region.db'));
  const v6 = options.disableIpv6 ? null : loadIpv6Searcher(options.ipv6DbPath ?? packageDataPath('ipv6wry.db'));

  function enrichIpv6(ip: string): IpEnrichment {
    if (!ipaddr.IPv6.isValid(ip)) return UNKNOWN;
    const addr = ipaddr.IPv6.parse(ip);
    const inner = embeddedIPv4(addr);
    if (inner !== null) return lookupIpv4(v4, inner);
    if (v6 === null) return UNKNOWN;
    let found: ReturnType<Ipv6Searcher['search']>;
    try {
      found = v6.search(addr.toRFC5952String(), true);
    } catch {
      return UNKNOWN; // a corrupt record must not fail an import
    }
    if (found === null) return UNKNOWN;
    return buildEnrichment(found.country, found.province, found.city, found.isp);
  }

  return {
    enrich(ip: string): IpEnrichment {
      const n = ipv4ToNumber(ip);
      if (n !== null) return lookupIpv4(v4, n);
      return ip.indexOf(':') >= 0 ? enrichIpv6(ip) : UNKNOWN;
    },
  };
}
