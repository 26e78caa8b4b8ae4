/**
 * Address arithmetic the firewall and resolver exports need: strict parsing of canonical IPv4,
 * IPv6 and CIDR values into integers, RFC 5952 text for IPv6, and the RPZ `rpz-ip` trigger name.
 * IPv4 is held as a plain number (exact below 2^53), IPv6 as a bigint.
 */
import ipaddr from 'ipaddr.js';
import { ipv4ToNumber } from '../../indicators/normalize.js';

export interface IPv4Prefix {
  family: 4;
  /** Network address as an unsigned 32-bit integer (host bits cleared). */
  network: number;
  prefix: number;
}

export interface IPv6Prefix {
  family: 6;
  /** Network address as a 128-bit unsigned integer (host bits cleared). */
  network: bigint;
  prefix: number;
}

export type IPPrefix = IPv4Prefix | IPv6Prefix;

/**
 * Dotted-quad IPv4 without leading zeros (the canonical form), as an unsigned integer: intake's
 * one-pass scanner (normalize.ts), rather than the anchored octet pattern this used to match: an
 * RPZ or nftables export of a national store asks it millions of times.
 */
export function parseIPv4(text: string): number | undefined {
  return ipv4ToNumber(text) ?? undefined;
}

/** Any valid IPv6 text form without a zone index, as a 128-bit integer. */
export function parseIPv6(text: string): bigint | undefined {
  if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
  let value = 0n;
  for (const word of ipaddr.IPv6.parse(text).parts) value = (value << 16n) | BigInt(word);
  return value;
}

export function formatIPv4(value: number): string {
  return `${Math.floor(value / 16777216) % 256}.${Math.floor(value / 65536) % 256}.${Math.floor(value / 256) % 256}.${value % 256}`;
}

/** The eight 16-bit words of an IPv6 address, most significant first. */
export function ipv6Words(value: bigint): number[] {
  const words: number[] = new Array<number>(8);
  for (let i = 7; i >= 0; i--) {
    words[i] = Number(value & 0xffffn);
    value >>= 16n;
  }
  return words;
}

/** The first longest run of two or more zero words, as RFC 5952 §4.2 chooses it for `::`. */
function longestZeroRun(words: number[]): { start: number; length: number } | undefined {
  let best: { start: number; length: number } | undefined;
  let i = 0;
  while (i < words.length) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    const length = j - i;
    if (length >= 2 && (best === undefined || length > best.length)) best = { start: i, length };
    i = j;
  }
  return best;
}

/** RFC 5952 canonical text: lower-case hex, no leading zeros, the first longest zero run as `::`. */
export function formatIPv6(value: bigint): string {
  const words = ipv6Words(value).map((w) => w.toString(16));
  const run = longestZeroRun(ipv6Words(value));
  if (run === undefined) return words.join(':');
  const head = words.slice(0, run.start).join(':');
  const tail = words.slice(run.start + run.length).join(':');
  return `${head}::${tail}`;
}

const V4_MAX = 0xffffffff;
const V6_MAX = (1n << 128n) - 1n;

function maskIPv4(value: number, prefix: number): number {
  if (prefix === 0) return 0;
  const hostSize = 2 ** (32 - prefix);
  return value - (value % hostSize);
}

function maskIPv6(value: bigint, prefix: number): bigint {
  const hostBits = BigInt(128 - prefix);
  return (value >> hostBits) << hostBits;
}

/**
 * Parses the value of an `ipv4`, `ipv6` or `cidr` row. Host bits of a CIDR are cleared (canonical
 * rows have none; clearing keeps a sloppy row from producing an element nft or BIND would refuse).
 * Returns undefined for anything else, and for a /0, which would block every address.
 */
export function parseIPPrefix(type: string, value: string): IPPrefix | undefined {
  if (type === 'ipv4') {
    const network = parseIPv4(value);
    return network === undefined ? undefined : { family: 4, network, prefix: 32 };
  }
  if (type === 'ipv6') {
    const network = parseIPv6(value);
    return network === undefined ? undefined : { family: 6, network, prefix: 128 };
  }
  if (type !== 'cidr') return undefined;
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const address = value.slice(0, slash);
  const lengthText = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefix = Number(lengthText);
  if (prefix === 0) return undefined;
  const v4 = parseIPv4(address);
  if (v4 !== undefined) {
    return prefix > 32 ? undefined : { family: 4, network: maskIPv4(v4, prefix), prefix };
  }
  const v6 = parseIPv6(address);
  if (v6 !== undefined) {
    return prefix > 128 ? undefined : { family: 6, network: maskIPv6(v6, prefix), prefix };
  }
  return undefined;
}

/** Last address of an IPv4 prefix. */
export function lastIPv4(p: IPv4Prefix): number {
  return p.network + 2 ** (32 - p.prefix) - 1;
}

/** Last address of an IPv6 prefix. */
export function lastIPv6(p: IPv6Prefix): bigint {
  return p.network + (1n << BigInt(128 - p.prefix)) - 1n;
}

/** The prefix length when [start, end] is exactly one aligned CIDR block, else undefined. */
export function exactPrefixIPv4(start: number, end: number): number | undefined {
  const size = end - start + 1;
  if (size <= 0 || end > V4_MAX) return undefined;
  const bits = Math.log2(size);
  if (!Number.isInteger(bits) || start % size !== 0) return undefined;
  return 32 - bits;
}

export function exactPrefixIPv6(start: bigint, end: bigint): number | undefined {
  const size = end - start + 1n;
  if (size <= 0n || end > V6_MAX) return undefined;
  if ((size & (size - 1n)) !== 0n || start % size !== 0n) return undefined;
  return 128 - (size.toString(2).length - 1);
}

/** ::ffff:0:0/96, the IPv4-mapped block: BIND encodes its members as IPv4 triggers. */
const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * The relative owner name of an RPZ response-IP trigger (draft-vixie-dnsop-dns-rpz §4.2), without
 * the origin: `32.4.3.2.1.rpz-ip` for 1.2.3.4, `48.zz.db8.2001.rpz-ip` for 2001:db8::/48. IPv6 words
 * are reversed and the RFC 5952 `::` run becomes `zz`; BIND logs any other spelling as "not the
 * canonical" form, so this follows its ip2name() exactly, IPv4-mapped addresses included.
 */
export function rpzIpTriggerName(p: IPPrefix): string {
  if (p.family === 4) {
    const v = p.network;
    return `${p.prefix}.${v % 256}.${Math.floor(v / 256) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 16777216)}.rpz-ip`;
  }
  if (p.prefix >= 96 && p.network >> 32n === V4_MAPPED_PREFIX >> 32n) {
    return rpzIpTriggerName({ family: 4, network: Number(p.network & 0xffffffffn), prefix: p.prefix - 96 });
  }
  const words = ipv6Words(p.network);
  const run = longestZeroRun(words);
  const labels: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (run !== undefined && i === run.start) {
      labels.push('zz');
      i += run.length - 1;
    } else {
      labels.push(words[i].toString(16));
    }
  }
  return `${p.prefix}.${labels.reverse().join('.')}.rpz-ip`;
}
