/**
 * Canonical forms of observables (DESIGN.md §3). Every value a unit submits under Article 6 is
 * reduced to one canonical string per type, so that the same IP, domain or URL reported by ten units
 * is stored once and deduplicated; a value that cannot be made canonical is refused with a stable
 * code and a reason, never dropped silently and never thrown.
 *
 * Pure: values in, values out. The hot path (IPv4 and host names, a million per bulk import) avoids
 * regular expressions, exceptions and allocations where it can.
 *
 * Decisions, so that every importer behaves the same:
 * - IPv4 is strict dotted decimal. An octet with a leading zero (`010.1.1.1`) is refused as
 *   ambiguous: `inet_aton` and the WHATWG URL parser read it as octal (8), most other tools as
 *   decimal (10), and blocking the wrong host is worse than asking again. Short (`1.2.3`) and hex
 *   forms are refused for the same reason. Inside a URL the WHATWG parser has already decided, and
 *   its dotted-decimal result is used.
 * - A CIDR whose host bits are set (`1.2.3.4/24`) is refused (`host_bits_set`), not rounded down to
 *   its network: the sender may have meant the single host, and widening a block to 256 addresses
 *   is collateral damage a regulator must not cause silently. The message names the network form.
 *   A /32 (IPv4) or /128 (IPv6) is a single address and is refused as `wrong_type` pointing at the
 *   address type, so it deduplicates with the same address reported without a prefix.
 * - IPv4-mapped (`::ffff:1.2.3.4`) and NAT64 (`64:ff9b::/96`) IPv6 addresses name an IPv4 host:
 *   `wrong_type` with `actual_type: 'ipv4'` and `actual_value` when that host is public.
 * - Host names may carry `_` in labels below the registrable domain (real DNS names do, e.g. service
 *   labels and some dynamic-DNS hosts); the registrable domain itself must be strict LDH, as
 *   registries enforce.
 * - Hashes of empty content (md5 `d41d8…`, sha1 `da39…`, sha256 `e3b0…`) are refused as
 *   `known_benign`: every empty file in the world matches them.
 * - Phone numbers are validated with the full ("max") numbering-plan metadata, default region CN;
 *   plans change, so the dependency must be kept current.
 */
import { domainToASCII } from 'node:url';
import { parse as parseHostname } from 'tldts';
import ipaddr from 'ipaddr.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { ObservableType } from './observable-types.js';
import { refang } from './refang.js';

export const REFUSAL_CODES = [
  /** Nothing but whitespace. */
  'empty',
  /** Longer than the type allows (DNS 253, e-mail 254, URL 8192, ...). */
  'too_long',
  /** Not a well-formed value of the type. */
  'invalid_format',
  /** An address or network that is not publicly routable (private, loopback, documentation, ...). */
  'not_public',
  /** Well-formed, but a value of another type (`actual_type` says which). */
  'wrong_type',
  /** A host name whose suffix is not in the public suffix list. */
  'unknown_tld',
  /** A host name that is itself a public suffix (`com.cn`), with no registrable domain. */
  'public_suffix',
  /** A CIDR block wider than the platform accepts (IPv4 shorter than /8, IPv6 shorter than /16). */
  'too_broad',
  /** A CIDR block whose address has bits set beyond the prefix. */
  'host_bits_set',
  /** A URL whose scheme is not http, https or ftp. */
  'unsupported_scheme',
  /** A value that matches everything of its kind and can never indicate a threat. */
  'known_benign',
  /** `normalizeAny` could not tell which type the value is. */
  'unknown_type',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';
export type VulnerabilityScheme = 'cve' | 'cnvd' | 'cnnvd';

export interface NormalizedObservable {
  ok: true;
  type: ObservableType;
  value: string;
  hash_algorithm?: HashAlgorithm;
  vuln_scheme?: VulnerabilityScheme;
}

export interface Refusal {
  ok: false;
  code: RefusalCode;
  message: string;
  /** With `wrong_type`: the type the value really is. */
  actual_type?: ObservableType;
  /** With `wrong_type`: the value to normalize as `actual_type`, when it differs from the input. */
  actual_value?: string;
}

export type NormalizeResult = NormalizedObservable | Refusal;

/** Inputs longer than this are refused before any parsing, per type (after that, the real limits apply). */
const MAX_INPUT_LENGTH: Record<ObservableType, number> = {
  ipv4: 64,
  ipv6: 128,
  cidr: 160,
  domain: 1024,
  url: 8192,
  email: 1024,
  phone: 64,
  broadband_account: 1024,
  file_hash: 128,
  vulnerability: 64,
};

const MAX_DOMAIN_LENGTH = 253; // RFC 1035 §2.3.4, without the trailing dot
const MAX_LABEL_LENGTH = 63;
const MAX_URL_LENGTH = 8192;
const MAX_EMAIL_LENGTH = 254; // RFC 5321 §4.5.3.1.3 path limit minus the angle brackets
const MAX_LOCAL_PART_LENGTH = 64;
const MAX_BROADBAND_ACCOUNT_LENGTH = 128;
const MIN_IPV4_CIDR_PREFIX = 8;
const MIN_IPV6_CIDR_PREFIX = 16;

function refuse(code: RefusalCode, message: string): Refusal {
  return { ok: false, code, message };
}

function wrongType(actualType: ObservableType, message: string, actualValue?: string): Refusal {
  const r: Refusal = { ok: false, code: 'wrong_type', message, actual_type: actualType };
  if (actualValue !== undefined) r.actual_value = actualValue;
  return r;
}

function accept(type: ObservableType, value: string): NormalizedObservable {
  return { ok: true, type, value };
}

/* ------------------------------------------------------------------------------------------ */
/* IPv4                                                                                         */
/* ------------------------------------------------------------------------------------------ */

const IPV4_MALFORMED = -1;
const IPV4_LEADING_ZERO = -2;

/**
 * Strict dotted-decimal IPv4 to an unsigned 32-bit number; IPV4_MALFORMED or IPV4_LEADING_ZERO when
 * it is not one. A hand-written scanner: this runs on every line of a bulk import.
 */
function parseIPv4(s: string): number {
  const len = s.length;
  if (len < 7 || len > 15) return IPV4_MALFORMED;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let leadingZero = false;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return IPV4_MALFORMED;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) leadingZero = true;
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return IPV4_MALFORMED;
    } else {
      return IPV4_MALFORMED;
    }
  }
  if (dots !== 3 || digits === 0) return IPV4_MALFORMED;
  return leadingZero ? IPV4_LEADING_ZERO : value * 256 + octet;
}

/** A canonical dotted-decimal IPv4 address as an unsigned 32-bit number; null if it is not one. */
export function ipv4ToNumber(s: string): number | null {
  const n = parseIPv4(s);
  return n < 0 ? null : n;
}

function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function ipv4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

interface Ipv4Block {
  base: number;
  prefix: number;
  mask: number;
  label: string;
}

function ipv4Block(cidr: string, label: string): Ipv4Block {
  const [addr, p] = cidr.split('/');
  const prefix = Number(p);
  return { base: parseIPv4(addr) >>> 0, prefix, mask: ipv4Mask(prefix), label };
}

/**
 * Addresses that cannot be the public address of a threat: the IANA IPv4 Special-Purpose Address
 * Registry (RFC 6890 and successors) where "globally reachable" is false, plus multicast and the
 * former class E. 0.0.0.0 itself is caught by 0.0.0.0/8. Order matters only for the message.
 */
const IPV4_SPECIAL: readonly Ipv4Block[] = [
  ipv4Block('255.255.255.255/32', 'limited broadcast (RFC 919)'),
  ipv4Block('0.0.0.0/8', 'unspecified / "this network" (RFC 1122)'),
  ipv4Block('10.0.0.0/8', 'private (RFC 1918)'),
  ipv4Block('100.64.0.0/10', 'shared address space, carrier-grade NAT (RFC 6598)'),
  ipv4Block('127.0.0.0/8', 'loopback (RFC 1122)'),
  ipv4Block('169.254.0.0/16', 'link-local (RFC 3927)'),
  ipv4Block('172.16.0.0/12', 'private (RFC 1918)'),
  ipv4Block('192.0.0.0/24', 'IETF protocol assignments (RFC 6890)'),
  ipv4Block('192.0.2.0/24', 'documentation TEST-NET-1 (RFC 5737)'),
  ipv4Block('192.88.99.0/24', 'deprecated 6to4 relay anycast (RFC 7526)'),
  ipv4Block('192.168.0.0/16', 'private (RFC 1918)'),
  ipv4Block('198.18.0.0/15', 'benchmarking (RFC 2544)'),
  ipv4Block('198.51.100.0/24', 'documentation TEST-NET-2 (RFC 5737)'),
  ipv4Block('203.0.113.0/24', 'documentation TEST-NET-3 (RFC 5737)'),
  ipv4Block('224.0.0.0/4', 'multicast (RFC 5771)'),
  ipv4Block('240.0.0.0/4', 'reserved, former class E (RFC 1112)'),
];

/** The label of the special-purpose block holding this address, or null if it is public. */
function ipv4SpecialLabel(n: number): string | null {
  for (let i = 0; i < IPV4_SPECIAL.length; i++) {
    const b = IPV4_SPECIAL[i];
    if (((n & b.mask) >>> 0) === b.base) return b.label;
  }
  return null;
}

function ipv4ParseRefusal(code: number, s: string): Refusal {
  return code === IPV4_LEADING_ZERO
    ? refuse(
        'invalid_format',
        `${s}: an octet has a leading zero, which some software reads as octal; write it in plain decimal`,
      )
    : refuse('invalid_format', `${s} is not a dotted-decimal IPv4 address`);
}

function normalizeIpv4(s: string): NormalizeResult {
  const n = parseIPv4(s);
  if (n < 0) {
    if (s.indexOf(':') >= 0 && ipaddr.IPv6.isValid(stripBrackets(s))) {
      return wrongType('ipv6', `${s} is an IPv6 address`);
    }
    if (s.indexOf('/') >= 0) {
      const cidr = normalizeCidr(s);
      if (cidr.ok || cidr.code !== 'invalid_format') return wrongType('cidr', `${s} is a CIDR block`);
    }
    return ipv4ParseRefusal(n, s);
  }
  const special = ipv4SpecialLabel(n);
  if (special !== null) return refuse('not_public', `${s} is not a public address: ${special}`);
  // The scanner accepted only canonical dotted decimal, so the input is already the canonical form.
  return accept('ipv4', s);
}

/* ------------------------------------------------------------------------------------------ */
/* IPv6                                                                                         */
/* ------------------------------------------------------------------------------------------ */

function stripBrackets(s: string): string {
  return s.length > 2 && s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93 ? s.slice(1, -1) : s;
}

/** ipaddr.js range names that are not publicly routable unicast, with why. */
const IPV6_REFUSED_RANGES: Readonly<Record<string, string>> = {
  unspecified: 'unspecified (RFC 4291)',
  linkLocal: 'link-local (RFC 4291)',
  multicast: 'multicast (RFC 4291)',
  loopback: 'loopback (RFC 4291)',
  uniqueLocal: 'unique local, ULA (RFC 4193)',
  deprecatedSiteLocal: 'deprecated site-local (RFC 3879)',
  discard: 'discard-only (RFC 6666)',
  rfc6145: 'IPv4-translated (RFC 6145)',
  benchmarking: 'benchmarking (RFC 5180)',
  deprecatedOrchid: 'deprecated ORCHID (RFC 4843)',
  orchid2: 'ORCHIDv2 (RFC 7343)',
  droneRemoteIdProtocolEntityTags: 'DRIP entity tags (RFC 9374)',
  segmentRouting: 'segment routing SIDs (RFC 9602)',
  reserved: 'IETF-reserved (RFC 2928)',
};

function ipv6ReservedLabel(addr: ipaddr.IPv6): string {
  const [a, b] = addr.parts;
  if (a === 0x2001 && b === 0x0db8) return 'documentation 2001:db8::/32 (RFC 3849)';
  if (a === 0x3fff && b < 0x1000) return 'documentation 3fff::/20 (RFC 9637)';
  return IPV6_REFUSED_RANGES.reserved;
}

/** The IPv4 address embedded in a mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) address. */
function embeddedIPv4(addr: ipaddr.IPv6): number {
  const p = addr.parts;
  return (p[6] * 65536 + p[7]) >>> 0;
}

/** Why this IPv6 address is not public, or null; handles mapped/NAT64 via the embedded IPv4. */
function ipv6Refusal(addr: ipaddr.IPv6, text: string, allowEmbeddedIPv4: boolean): Refusal | null {
  const range = addr.range();
  if (range === 'ipv4Mapped' || range === 'rfc6052') {
    const v4 = embeddedIPv4(addr);
    const v4Text = formatIPv4(v4);
    const special = ipv4SpecialLabel(v4);
    if (special !== null) return refuse('not_public', `${text} embeds ${v4Text}, which is not public: ${special}`);
    if (range === 'rfc6052' && addr.parts[2] !== 0) {
      return refuse('not_public', `${text} is in the local-use NAT64 prefix (RFC 8215)`);
    }
    return allowEmbeddedIPv4
      ? null
      : wrongType('ipv4', `${text} is the IPv4 address ${v4Text} written as IPv6; submit it as ipv4`, v4Text);
  }
  if (range === '6to4') {
    const p = addr.parts;
    const v4 = (p[1] * 65536 + p[2]) >>> 0;
    const special = ipv4SpecialLabel(v4);
    if (special !== null) {
      return refuse('not_public', `${text} is a 6to4 address of ${formatIPv4(v4)}, which is not public: ${special}`);
    }
    return null;
  }
  const why = range === 'reserved' ? ipv6ReservedLabel(addr) : IPV6_REFUSED_RANGES[range];
  if (why !== undefined) return refuse('not_public', `${text} is not a public address: ${why}`);
  // Everything else that ipaddr.js calls unicast must still be global unicast, 2000::/3 (RFC 4291).
  if ((addr.parts[0] & 0xe000) !== 0x2000) {
    return refuse('not_public', `${text} is outside global unicast space 2000::/3 (unassigned)`);
  }
  return null;
}

function parseIPv6(s: string): ipaddr.IPv6 | null {
  // isValid catches the parser's exceptions itself and returns early when there is no colon.
  if (!ipaddr.IPv6.isValid(s)) return null;
  return ipaddr.IPv6.parse(s);
}

function normalizeIpv6(input: string): NormalizeResult {
  const s = stripBrackets(input);
  const zone = s.indexOf('%');
  const addr = parseIPv6(zone >= 0 ? s.slice(0, zone) : s);
  if (addr === null) {
    const v4 = parseIPv4(s);
    if (v4 >= 0) return wrongType('ipv4', `${s} is an IPv4 address`);
    if (s.indexOf('/') >= 0 && normalizeCidr(s).ok) return wrongType('cidr', `${s} is a CIDR block`);
    return refuse('invalid_format', `${input} is not an IPv6 address`);
  }
  const refusal = ipv6Refusal(addr, s, false);
  if (refusal !== null) return refusal;
  if (zone >= 0) return refuse('invalid_format', `${input}: a zone index is only meaningful on the local link`);
  return accept('ipv6', addr.toRFC5952String());
}

/* ------------------------------------------------------------------------------------------ */
/* CIDR                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** A decimal prefix length without sign or leading zeros, or -1. */
function parsePrefixLength(s: string, max: number): number {
  const len = s.length;
  if (len === 0 || len > 3) return -1;
  if (len > 1 && s.charCodeAt(0) === 48) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n <= max ? n : -1;
}

/** IPv6 blocks inside 2000::/3 that a public CIDR must not contain. */
const IPV6_CIDR_FORBIDDEN: readonly [ipaddr.IPv6, number, string][] = (
  [
    ['2001::', 23, 'IETF protocol assignments (RFC 2928)'],
    ['2001:db8::', 32, 'documentation (RFC 3849)'],
    ['3fff::', 20, 'documentation (RFC 9637)'],
    ['2002::', 16, '6to4 (RFC 3056), which embeds private IPv4 space'],
  ] as const
).map(([a, p, l]) => [ipaddr.IPv6.parse(a), p, l]);

function normalizeCidr(s: string): NormalizeResult {
  const slash = s.indexOf('/');
  if (slash < 0) {
    if (parseIPv4(s) >= 0) return wrongType('ipv4', `${s} is a single IPv4 address, not a CIDR block`);
    if (parseIPv6(stripBrackets(s)) !== null) return wrongType('ipv6', `${s} is a single IPv6 address, not a CIDR block`);
    return refuse('invalid_format', `${s} is not a CIDR block (address/prefix)`);
  }
  const addrText = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  if (addrText.indexOf(':') >= 0) return normalizeIpv6Cidr(s, addrText, prefixText);

  const n = parseIPv4(addrText);
  if (n < 0) return ipv4ParseRefusal(n, addrText);
  const prefix = parsePrefixLength(prefixText, 32);
  if (prefix < 0) return refuse('invalid_format', `${s}: the prefix length must be a decimal number from 0 to 32`);
  if (prefix === 32) {
    return wrongType('ipv4', `${s} is the single address ${addrText}; submit it as ipv4`, addrText);
  }
  if (prefix < MIN_IPV4_CIDR_PREFIX) {
    return refuse('too_broad', `${s} is wider than /${MIN_IPV4_CIDR_PREFIX}, the widest IPv4 block accepted`);
  }
  const mask = ipv4Mask(prefix);
  const network = (n & mask) >>> 0;
  if (network !== n) {
    return refuse(
      'host_bits_set',
      `${s} has host bits set; the block is ${formatIPv4(network)}/${prefix}, the single host is ${addrText}`,
    );
  }
  for (let i = 0; i < IPV4_SPECIAL.length; i++) {
    const b = IPV4_SPECIAL[i];
    // Two prefixes overlap exactly when they agree on the shorter prefix's bits.
    const m = b.prefix < prefix ? b.mask : mask;
    if (((n & m) >>> 0) === ((b.base & m) >>> 0)) {
      return refuse('not_public', `${s} overlaps ${formatIPv4(b.base)}/${b.prefix}, ${b.label}`);
    }
  }
  return accept('cidr', `${addrText}/${prefix}`);
}

function normalizeIpv6Cidr(s: string, addrText: string, prefixText: string): NormalizeResult {
  if (addrText.indexOf('%') >= 0) return refuse('invalid_format', `${s}: a CIDR block has no zone index`);
  const addr = parseIPv6(addrText);
  if (addr === null) return refuse('invalid_format', `${addrText} is not an IPv6 address`);
  const prefix = parsePrefixLength(prefixText, 128);
  if (prefix < 0) return refuse('invalid_format', `${s}: the prefix length must be a decimal number from 0 to 128`);
  if (prefix === 128) {
    const single = normalizeIpv6(addrText);
    const value = single.ok ? single.value : addrText;
    return wrongType('ipv6', `${s} is the single address ${value}; submit it as ipv6`, value);
  }
  if (prefix < MIN_IPV6_CIDR_PREFIX) {
    return refuse('too_broad', `${s} is wider than /${MIN_IPV6_CIDR_PREFIX}, the widest IPv6 block accepted`);
  }
  const parts = addr.parts;
  const netParts = new Array<number>(8);
  for (let i = 0; i < 8; i++) {
    const bits = Math.min(16, Math.max(0, prefix - i * 16));
    const m = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
    netParts[i] = parts[i] & m;
  }
  const network = new ipaddr.IPv6(netParts);
  const networkText = network.toRFC5952String();
  if (netParts.some((p, i) => p !== parts[i])) {
    return refuse(
      'host_bits_set',
      `${s} has host bits set; the block is ${networkText}/${prefix}, the single host is ${addr.toRFC5952String()}`,
    );
  }
  const why = ipv6Refusal(network, `${networkText}/${prefix}`, true);
  if (why !== null) return refuse('not_public', why.message);
  if (network.range() === 'ipv4Mapped' || network.range() === 'rfc6052') {
    return refuse('invalid_format', `${s}: write blocks of IPv4 space as IPv4 CIDR`);
  }
  for (const [block, blockPrefix, label] of IPV6_CIDR_FORBIDDEN) {
    if (prefix < blockPrefix && block.match(network, prefix)) {
      return refuse('not_public', `${networkText}/${prefix} contains ${block.toRFC5952String()}/${blockPrefix}, ${label}`);
    }
  }
  return accept('cidr', `${networkText}/${prefix}`);
}

/* ------------------------------------------------------------------------------------------ */
/* Domain names                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** tldts options: we hand it a validated, lower-case host name and want ICANN rules only. */
const TLDTS_OPTIONS = Object.freeze({
  allowPrivateDomains: false,
  detectIp: false,
  extractHostname: false,
  mixedInputs: false,
  validateHostname: false,
});

/** Character classes for the host-name scanner, by char code (0–127). */
const HOST_CHAR_LOWER = 1; // a-z 0-9 - _ .
const HOST_CHAR_UPPER = 2; // A-Z
const HOST_CHAR_CLASS = new Uint8Array(128);
for (let c = 97; c <= 122; c++) HOST_CHAR_CLASS[c] = HOST_CHAR_LOWER;
for (let c = 48; c <= 57; c++) HOST_CHAR_CLASS[c] = HOST_CHAR_LOWER;
for (let c = 65; c <= 90; c++) HOST_CHAR_CLASS[c] = HOST_CHAR_UPPER;
HOST_CHAR_CLASS[45] = HOST_CHAR_LOWER; // -
HOST_CHAR_CLASS[95] = HOST_CHAR_LOWER; // _
HOST_CHAR_CLASS[46] = HOST_CHAR_LOWER; // .

/** Explain why a string that is not a host name was given as one (an IP, a URL, an e-mail...). */
function classifyNonHost(s: string): Refusal | null {
  if (SCHEME_PATTERN.test(s)) return wrongType('url', `${s} is a URL, not a domain name`);
  const bare = stripBrackets(s);
  if (bare.indexOf(':') >= 0 && parseIPv6(bare) !== null) return wrongType('ipv6', `${s} is an IPv6 address`);
  if (s.indexOf('@') > 0 && normalizeEmail(s).ok) return wrongType('email', `${s} is an e-mail address`);
  if (s.indexOf('/') > 0 && normalizeCidr(s).ok) return wrongType('cidr', `${s} is a CIDR block`);
  return null;
}

/**
 * Validate and canonicalize a host name. `s` is trimmed. `what` names the value in messages
 * (`domain`, `host`, `e-mail domain`). Returns the canonical name or a refusal.
 */
function canonicalDomain(s: string, what: string): NormalizeResult {
  if (s.length === 0) return refuse('empty', `the ${what} is empty`);
  if (s.length > MAX_INPUT_LENGTH.domain) return refuse('too_long', `the ${what} is longer than ${MAX_DOMAIN_LENGTH} characters`);

  let needsIdna = false;
  let needsLower = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) {
      needsIdna = true;
    } else {
      const k = HOST_CHAR_CLASS[c];
      if (k === HOST_CHAR_UPPER) needsLower = true;
      else if (k !== HOST_CHAR_LOWER) {
        const other = classifyNonHost(s);
        if (other !== null) return other;
        return refuse('invalid_format', `${s}: the character ${JSON.stringify(s[i])} is not allowed in a ${what}`);
      }
    }
  }

  let name = s;
  if (needsIdna || name.indexOf('xn--') >= 0 || name.indexOf('XN--') >= 0) {
    // UTS #46 mapping and Punycode, as browsers do (WHATWG URL "domain to ASCII"); it also
    // rejects malformed xn-- labels. Anything it lets through is re-checked below.
    name = domainToASCII(name);
    if (name === '') return refuse('invalid_format', `${s} is not a valid internationalized domain name (IDNA)`);
  } else if (needsLower) {
    name = name.toLowerCase();
  }
  if (name.charCodeAt(name.length - 1) === 46) name = name.slice(0, -1); // one trailing dot: the root
  if (name.length === 0) return refuse('invalid_format', `${s} is not a domain name`);
  if (name.length > MAX_DOMAIN_LENGTH) return refuse('too_long', `the ${what} is longer than ${MAX_DOMAIN_LENGTH} characters`);

  // Labels: LDH (RFC 1123 §2.1, RFC 5890), 1–63 characters, no hyphen at either end.
  let labelStart = 0;
  let labels = 0;
  let lastLabelNumeric = true;
  let allDigitsAndDots = true;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 46;
    if (c === 46) {
      const labelLength = i - labelStart;
      if (labelLength === 0) return refuse('invalid_format', `${s} has an empty label`);
      if (labelLength > MAX_LABEL_LENGTH) return refuse('invalid_format', `${s} has a label longer than ${MAX_LABEL_LENGTH} characters`);
      if (name.charCodeAt(labelStart) === 45 || name.charCodeAt(i - 1) === 45) {
        return refuse('invalid_format', `${s} has a label that starts or ends with a hyphen`);
      }
      labels++;
      if (i < name.length) {
        labelStart = i + 1;
        lastLabelNumeric = true;
      }
    } else {
      if (c >= 128 || HOST_CHAR_CLASS[c] !== HOST_CHAR_LOWER) {
        return refuse('invalid_format', `${s}: the character ${JSON.stringify(String.fromCharCode(c))} is not allowed in a ${what}`);
      }
      if (c < 48 || c > 57) {
        lastLabelNumeric = false;
        allDigitsAndDots = false;
      }
    }
  }
  if (lastLabelNumeric) {
    // No top-level domain is numeric; this is an IP address or a mangled one (RFC 3696 §2).
    if (allDigitsAndDots && labels === 4) return wrongType('ipv4', `${s} is an IPv4 address, not a domain name`, name);
    return refuse('invalid_format', `${s} ends in a numeric label: not a domain name (a shortened IPv4 address?)`);
  }

  const parsed = parseHostname(name, TLDTS_OPTIONS);
  if (parsed.isIcann !== true) {
    return refuse('unknown_tld', `${s}: .${parsed.publicSuffix ?? name} is not a suffix in the public suffix list`);
  }
  const registrable = parsed.domain;
  if (registrable === null) {
    return refuse('public_suffix', `${s} is a public suffix, not a registrable domain under one`);
  }
  if (registrable.indexOf('_') >= 0) {
    return refuse('invalid_format', `${s}: the registrable domain ${registrable} may not contain "_"`);
  }
  return accept('domain', name);
}

function normalizeDomain(s: string): NormalizeResult {
  return canonicalDomain(s, 'domain name');
}

/* ------------------------------------------------------------------------------------------ */
/* URL                                                                                          */
/* ------------------------------------------------------------------------------------------ */

const SCHEME_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const ALLOWED_URL_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'ftp:']);

function normalizeUrl(s: string): NormalizeResult {
  const colon = s.indexOf(':');
  if (colon <= 0 || !SCHEME_PATTERN.test(s)) {
    if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) {
      const scheme = s.slice(0, colon).toLowerCase();
      if (scheme === 'mailto') return wrongType('email', `${s} is an e-mail address`, s.slice(colon + 1));
      if (!ALLOWED_URL_PROTOCOLS.has(`${scheme}:`)) {
        return refuse('unsupported_scheme', `${s}: only http, https and ftp URLs are accepted, not ${scheme}:`);
      }
    }
    return refuse('invalid_format', `${s} has no scheme: write it with http://, https:// or ftp://`);
  }
  const protocol = s.slice(0, colon + 1).toLowerCase();
  if (!ALLOWED_URL_PROTOCOLS.has(protocol)) {
    return refuse('unsupported_scheme', `${s}: only http, https and ftp URLs are accepted, not ${protocol}`);
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return refuse('invalid_format', `${s} is not a valid URL`);
  }
  const host = url.hostname;
  if (host.length === 0) return refuse('invalid_format', `${s} has no host`);
  if (host.charCodeAt(0) === 91 /* [ */) {
    const addr = parseIPv6(host.slice(1, -1));
    if (addr === null) return refuse('invalid_format', `${s} has an invalid IPv6 host`);
    const why = ipv6Refusal(addr, host, true);
    if (why !== null) return refuse(why.code, `host of ${s}: ${why.message}`);
  } else {
    const v4 = parseIPv4(host);
    if (v4 >= 0) {
      // The WHATWG parser has already turned hex, octal and short IPv4 forms into dotted decimal.
      const special = ipv4SpecialLabel(v4);
      if (special !== null) return refuse('not_public', `host of ${s} is not a public address: ${special}`);
    } else {
      const domain = canonicalDomain(host, 'host name');
      if (!domain.ok) {
        const code = domain.code === 'wrong_type' ? 'invalid_format' : domain.code;
        return refuse(code, `host of ${s}: ${domain.message}`);
      }
      if (domain.value !== host) url.hostname = domain.value;
    }
  }
  // The fragment never reaches the server: it is not part of the resource (RFC 3986 §3.5).
  url.hash = '';
  const value = url.href;
  if (value.length > MAX_URL_LENGTH) return refuse('too_long', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  return accept('url', value);
}

/* ------------------------------------------------------------------------------------------ */
/* E-mail                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** RFC 5322 atext besides letters and digits. Non-ASCII is allowed too (RFC 6531, SMTPUTF8). */
const LOCAL_PART_SPECIALS = "!#$%&'*+/=?^_`{|}~-";
const LOCAL_CHAR_OK = new Uint8Array(128);
for (let c = 48; c <= 57; c++) LOCAL_CHAR_OK[c] = 1;
for (let c = 65; c <= 90; c++) LOCAL_CHAR_OK[c] = 1;
for (let c = 97; c <= 122; c++) LOCAL_CHAR_OK[c] = 1;
for (const ch of LOCAL_PART_SPECIALS) LOCAL_CHAR_OK[ch.charCodeAt(0)] = 1;
/** Whitespace and invisible format characters have no place in an address. */
const NON_ASCII_FORBIDDEN = /[\p{White_Space}\p{Cc}\p{Cf}\p{Cs}]/u;

function normalizeEmail(input: string): NormalizeResult {
  let s = input;
  if (s.length >= 7 && s.slice(0, 7).toLowerCase() === 'mailto:') s = s.slice(7).trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return refuse('invalid_format', `${input} is not an e-mail address (local@domain)`);
  const local = s.slice(0, at);
  if (local.length > MAX_LOCAL_PART_LENGTH) {
    return refuse('too_long', `the local part of ${input} is longer than ${MAX_LOCAL_PART_LENGTH} characters`);
  }
  let nonAscii = false;
  for (let i = 0; i < local.length; i++) {
    const c = local.charCodeAt(i);
    if (c === 46 /* . */) {
      if (i === 0 || i === local.length - 1 || local.charCodeAt(i - 1) === 46) {
        return refuse('invalid_format', `${input}: dots in the local part must separate non-empty parts`);
      }
    } else if (c >= 128) {
      nonAscii = true;
    } else if (LOCAL_CHAR_OK[c] !== 1) {
      return refuse(
        'invalid_format',
        `${input}: the character ${JSON.stringify(local[i])} is not accepted in the local part (quoted local parts are not supported)`,
      );
    }
  }
  if (nonAscii && NON_ASCII_FORBIDDEN.test(local)) {
    return refuse('invalid_format', `${input}: the local part contains whitespace or invisible characters`);
  }
  const domain = canonicalDomain(s.slice(at + 1), 'e-mail domain');
  if (!domain.ok) {
    const code = domain.code === 'wrong_type' ? 'invalid_format' : domain.code;
    return refuse(code, `domain of ${input}: ${domain.message}`);
  }
  // RFC 5321 §2.4: the local part may be case-sensitive, so it is kept; the domain is not.
  const value = `${local}@${domain.value}`;
  if (value.length > MAX_EMAIL_LENGTH) return refuse('too_long', `the e-mail address is longer than ${MAX_EMAIL_LENGTH} characters`);
  return accept('email', value);
}

/* ------------------------------------------------------------------------------------------ */
/* Phone numbers                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** Digits, an optional leading +, and the separators people write: space - . ( ). */
const PHONE_PATTERN = /^\+?[0-9(][0-9 ().-]*$/;

function normalizePhone(s: string): NormalizeResult {
  if (!PHONE_PATTERN.test(s)) {
    return refuse('invalid_format', `${s}: a phone number may hold only digits, a leading +, spaces, dashes, dots and parentheses`);
  }
  // Numbers without a country code are read as Chinese numbers: this is China's regulator.
  const phone = parsePhoneNumberFromString(s, 'CN');
  if (phone === undefined || !phone.isValid()) {
    return refuse('invalid_format', `${s} is not a valid phone number in the numbering plan`);
  }
  return accept('phone', phone.number);
}

/* ------------------------------------------------------------------------------------------ */
/* Broadband accounts                                                                           */
/* ------------------------------------------------------------------------------------------ */

function normalizeBroadbandAccount(s: string): NormalizeResult {
  if (s.length > MAX_BROADBAND_ACCOUNT_LENGTH) {
    return refuse('too_long', `a broadband account is at most ${MAX_BROADBAND_ACCOUNT_LENGTH} characters`);
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) {
      return refuse('invalid_format', `a broadband account holds visible ASCII characters only, without spaces (position ${i + 1})`);
    }
  }
  // Kept exactly: operators' account names are case-sensitive.
  return accept('broadband_account', s);
}

/* ------------------------------------------------------------------------------------------ */
/* File hashes                                                                                  */
/* ------------------------------------------------------------------------------------------ */

const HASH_PREFIXES: ReadonlyMap<string, HashAlgorithm> = new Map([
  ['md5', 'md5'],
  ['sha1', 'sha1'],
  ['sha-1', 'sha1'],
  ['sha256', 'sha256'],
  ['sha-256', 'sha256'],
]);
const HASH_BY_LENGTH: Readonly<Record<number, HashAlgorithm>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };
const EMPTY_CONTENT_HASHES: ReadonlySet<string> = new Set([
  'd41d8cd98f00b204e9800998ecf8427e',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
]);

function isHexString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20; // fold A-F to a-f (digits are unaffected)
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function normalizeFileHash(s: string): NormalizeResult {
  let hex = s;
  let declared: HashAlgorithm | undefined;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    declared = HASH_PREFIXES.get(s.slice(0, colon).toLowerCase());
    if (declared === undefined) {
      return refuse('invalid_format', `${s}: the hash prefix must be md5:, sha1: or sha256:`);
    }
    hex = s.slice(colon + 1);
  }
  const algorithm = HASH_BY_LENGTH[hex.length];
  if (algorithm === undefined || !isHexString(hex)) {
    return refuse('invalid_format', `${s} is not a hex MD5 (32), SHA-1 (40) or SHA-256 (64) hash`);
  }
  if (declared !== undefined && declared !== algorithm) {
    return refuse('invalid_format', `${s}: a ${declared} hash has ${declared === 'md5' ? 32 : declared === 'sha1' ? 40 : 64} hex digits`);
  }
  const value = hex.toLowerCase();
  if (EMPTY_CONTENT_HASHES.has(value)) {
    return refuse('known_benign', `${value} is the ${algorithm} of empty content and matches every empty file`);
  }
  let allZero = true;
  for (let i = 0; i < value.length && allZero; i++) allZero = value.charCodeAt(i) === 48;
  if (allZero) return refuse('invalid_format', `${s} is an all-zero placeholder, not a hash`);
  return { ok: true, type: 'file_hash', value, hash_algorithm: algorithm };
}

/* ------------------------------------------------------------------------------------------ */
/* Vulnerability ids                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** CVE: year, then four digits or more than four without a leading zero (CVE ID syntax, 2014). */
const CVE_PATTERN = /^CVE-(199\d|20\d\d)-(\d{4}|[1-9]\d{4,15})$/;
/** CNVD (China National Vulnerability Database): year and a serial, five digits in current ids. */
const CNVD_PATTERN = /^CNVD-(199\d|20\d\d)-\d{4,6}$/;
/** CNNVD (China National Vulnerability Database of Information Security): year, month, serial. */
const CNNVD_PATTERN = /^CNNVD-(199\d|20\d\d)(0[1-9]|1[0-2])-\d{3,8}$/;
/** Dashes that copy-and-paste from documents brings in (U+2010–U+2015, U+2212, fullwidth). */
const UNICODE_DASHES = /[\u2010-\u2015\u2212\uff0d]/g;

function normalizeVulnerability(s: string): NormalizeResult {
  const id = s.replace(UNICODE_DASHES, '-').toUpperCase();
  if (id.startsWith('CVE-')) {
    if (CVE_PATTERN.test(id)) return { ok: true, type: 'vulnerability', value: id, vuln_scheme: 'cve' };
    return refuse('invalid_format', `${s} is not a CVE id (CVE-YYYY-NNNN)`);
  }
  if (id.startsWith('CNVD-')) {
    if (CNVD_PATTERN.test(id)) return { ok: true, type: 'vulnerability', value: id, vuln_scheme: 'cnvd' };
    return refuse('invalid_format', `${s} is not a CNVD id (CNVD-YYYY-NNNNN)`);
  }
  if (id.startsWith('CNNVD-')) {
    if (CNNVD_PATTERN.test(id)) return { ok: true, type: 'vulnerability', value: id, vuln_scheme: 'cnnvd' };
    return refuse('invalid_format', `${s} is not a CNNVD id (CNNVD-YYYYMM-NNN)`);
  }
  return refuse('invalid_format', `${s} is not a CVE, CNVD or CNNVD id`);
}

/* ------------------------------------------------------------------------------------------ */
/* Entry points                                                                                 */
/* ------------------------------------------------------------------------------------------ */

const NORMALIZERS: Readonly<Record<ObservableType, (trimmed: string) => NormalizeResult>> = {
  ipv4: normalizeIpv4,
  ipv6: normalizeIpv6,
  cidr: normalizeCidr,
  domain: normalizeDomain,
  url: normalizeUrl,
  email: normalizeEmail,
  phone: normalizePhone,
  broadband_account: normalizeBroadbandAccount,
  file_hash: normalizeFileHash,
  vulnerability: normalizeVulnerability,
};

/** The canonical form of `raw` as an observable of `type`, or a refusal with a stable code. Never throws. */
export function normalizeObservable(type: ObservableType, raw: string): NormalizeResult {
  const normalizer = NORMALIZERS[type];
  if (normalizer === undefined) return refuse('unknown_type', `${String(type)} is not an observable type`);
  if (typeof raw !== 'string') return refuse('invalid_format', 'the value must be a string');
  if (raw.length > MAX_INPUT_LENGTH[type]) {
    return refuse('too_long', `a ${type} value is at most ${MAX_INPUT_LENGTH[type]} characters`);
  }
  // A defanged value (hxxp://, example[.]com) is the same value written safely: take its live form.
  const s = refang(raw.trim());
  if (s.length === 0) return refuse('empty', `the ${type} value is empty`);
  return normalizer(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Detection for untyped lists                                                                  */
/* ------------------------------------------------------------------------------------------ */

const VULN_PREFIX = /^(?:cve|cnvd|cnnvd)[-\u2010-\u2015\u2212\uff0d]/i;
const HASH_PREFIX = /^(?:md5|sha-?1|sha-?256):/i;
const PHONE_DETECT = /^\+?[0-9][0-9 ()-]{4,24}$/;

/**
 * Guess the type of one value of an untyped list (a blocklist file, a CSV column). Real lists mix
 * IPv4 addresses with host names; the guess is by shape only and `normalizeObservable` decides.
 * Broadband accounts cannot be told from other strings and are never guessed.
 */
export function detectObservableType(raw: string): ObservableType | null {
  const s = raw.trim();
  const len = s.length;
  if (len === 0) return null;
  if (SCHEME_PATTERN.test(s)) return 'url';

  let digits = 0;
  let dots = 0;
  let colons = 0;
  let hexLetters = 0;
  let slash = -1;
  let at = false;
  let other = false;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46) dots++;
    else if (c === 58) colons++;
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) hexLetters++;
    else if (c === 47) {
      if (slash < 0) slash = i;
    } else if (c === 64) at = true;
    else other = true;
  }

  if (dots > 0 && digits + dots === len) return 'ipv4';
  if (digits + hexLetters === len && (len === 32 || len === 40 || len === 64)) return 'file_hash';
  if (colons > 0) {
    if (s.length > 7 && s.slice(0, 7).toLowerCase() === 'mailto:') return 'email';
    if (HASH_PREFIX.test(s)) return 'file_hash';
  }
  if (VULN_PREFIX.test(s)) return 'vulnerability';
  if (at) return 'email';
  if (slash > 0) {
    // address/prefix is a CIDR block; anything else with a path is a URL written without a scheme.
    return !other && digits > 0 && (dots === 3 || colons > 0) ? 'cidr' : 'url';
  }
  if (colons > 1 && !other) return 'ipv6';
  if (s.charCodeAt(0) === 91 /* [ */ && colons > 1) return 'ipv6';
  if (PHONE_DETECT.test(s) && digits >= 5) return 'phone';
  if (dots > 0 && colons === 0) return 'domain';
  return null;
}

/** Detect, then normalize; a `wrong_type` answer is followed once to the type the value really is. */
export function normalizeAny(raw: string): NormalizeResult {
  if (typeof raw !== 'string') return refuse('invalid_format', 'the value must be a string');
  raw = refang(raw);
  const type = detectObservableType(raw);
  if (type === null) {
    return raw.trim().length === 0
      ? refuse('empty', 'the value is empty')
      : refuse('unknown_type', `cannot tell which type of observable ${raw.trim()} is`);
  }
  const result = normalizeObservable(type, raw);
  if (!result.ok && result.code === 'wrong_type' && result.actual_type !== undefined && result.actual_type !== type) {
    return normalizeObservable(result.actual_type, result.actual_value ?? raw);
  }
  return result;
}
