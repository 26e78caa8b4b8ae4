/**
 * Routing a measure's target to the unit responsible for it (Art. 8: the notice goes to the
 * operator, internet company or registrar that can act on the resource). DESIGN.md §4
 * "Jurisdiction data" sets the order:
 *
 *  1. resources the units declared themselves (Art. 5): the most specific declared CIDR containing
 *     the IP, then a declared ASN (from enrichment)                              → `declared_scope`
 *  2. domains (and the host of a URL, the domain of an e-mail address): the longest declared
 *     domain suffix; a registry/registrar's suffix → `registrar_suffix`, a hosting, mail or cloud
 *     provider's suffix → `hosting_scope`
 *  3. the IP's operator and province (ip2region enrichment) → that operator's branch in the
 *     province, else its headquarters (province null)                            → `operator_branch`
 *     Phone numbers find their operator by number segment (号段, table below) and go to its branch
 *     in the case's province, else headquarters; broadband accounts go by the enrichment operator.
 *  4. anything else is `unrouted` and flagged for the regulator to assign by hand: never dropped.
 *
 * With a `measure`, only units whose kind can carry it out are considered, and a match that
 * cannot is skipped in favour of the next rule (a registrar's suffix does not receive a
 * remove_malware notice; the hosting provider or the IP's operator does).
 *
 * Speed: a decision may name 10,000 targets. `buildRoutingDirectory` indexes everything once:
 * CIDRs in one hash map per prefix length (lookup = at most one probe per distinct declared
 * prefix length), suffixes and ASNs in hash maps, branches by operator|province.
 */
import ipaddr from 'ipaddr.js';
import { domainToASCII } from 'node:url';
import { MEASURES, UNIT_KINDS, type MeasureCode, type UnitKind } from './measures.js';

export const OPERATOR_CODES = ['china_telecom', 'china_unicom', 'china_mobile', 'china_broadnet'] as const;
export type OperatorCode = (typeof OPERATOR_CODES)[number];

export const OPERATOR_LABELS: Record<OperatorCode, { zh: string; en: string }> = {
  china_telecom: { zh: '中国电信', en: 'China Telecom' },
  china_unicom: { zh: '中国联通', en: 'China Unicom' },
  china_mobile: { zh: '中国移动', en: 'China Mobile' },
  china_broadnet: { zh: '中国广电', en: 'China Broadnet' },
};

/**
 * Operator names as ip2region and reporters write them → our codes. China Tietong (铁通) has been
 * part of China Mobile since 2008; China Netcom (网通) of China Unicom since 2009.
 */
const OPERATOR_ALIASES: Record<string, OperatorCode> = {
  电信: 'china_telecom',
  中国电信: 'china_telecom',
  chinatelecom: 'china_telecom',
  chinanet: 'china_telecom',
  联通: 'china_unicom',
  中国联通: 'china_unicom',
  网通: 'china_unicom',
  chinaunicom: 'china_unicom',
  移动: 'china_mobile',
  中国移动: 'china_mobile',
  铁通: 'china_mobile',
  chinamobile: 'china_mobile',
  广电: 'china_broadnet',
  中国广电: 'china_broadnet',
  chinabroadnet: 'china_broadnet',
};

export function normalizeOperator(value: string | null | undefined): OperatorCode | null {
  if (!value) return null;
  if ((OPERATOR_CODES as readonly string[]).includes(value)) return value as OperatorCode;
  const key = value.toLowerCase().replace(/[\s_\-]/g, '');
  return Object.prototype.hasOwnProperty.call(OPERATOR_ALIASES, key) ? OPERATOR_ALIASES[key] : null;
}

/**
 * Mobile number segments (号段) → the operator that was allotted them. The project's own table,
 * kept here so it can be corrected in one place; four-digit entries (the 170 MVNO block) win
 * over three-digit ones. Numbers ported since 2019 (携号转网) keep their original segment, so the
 * operator found is the one that issued the number; the notice says so, and the unit forwards it.
 */
export const MOBILE_SEGMENTS: Record<OperatorCode, readonly string[]> = {
  china_mobile: [
    '134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '157', '158', '159', '165', '172',
    '178', '182', '183', '184', '187', '188', '195', '197', '198', '1703', '1705', '1706',
  ],
  china_unicom: [
    '130', '131', '132', '145', '155', '156', '166', '167', '171', '175', '176', '185', '186', '196', '1704',
    '1707', '1708', '1709',
  ],
  china_telecom: [
    '133', '149', '153', '162', '173', '177', '180', '181', '189', '190', '191', '193', '199', '1700', '1701', '1702',
  ],
  china_broadnet: ['192'],
};

const SEGMENT_INDEX = new Map<string, OperatorCode>();
for (const op of OPERATOR_CODES) for (const seg of MOBILE_SEGMENTS[op]) SEGMENT_INDEX.set(seg, op);

/** The operator of a mainland China mobile number (E.164 `+86…` or the 11 national digits). */
export function operatorForPhone(phone: string): OperatorCode | null {
  let digits = phone.replace(/[\s\-()]/g, '');
  if (digits.startsWith('+86')) digits = digits.slice(3);
  else if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (digits.startsWith('+')) return null; // another country
  if (!/^1\d{10}$/.test(digits)) return null;
  return SEGMENT_INDEX.get(digits.slice(0, 4)) ?? SEGMENT_INDEX.get(digits.slice(0, 3)) ?? null;
}

// ---------------------------------------------------------------------------------------------

export interface RoutingOrganization {
  org_id: string;
  /** Any org kind; only the kinds that carry out measures (measures.ts UNIT_KINDS) are indexed. */
  kind: string;
  /** GB/T 2260 province code, or null for a headquarters / national unit. */
  province_code: string | null;
  /** For telecom operators (each branch is an organization): which operator it belongs to. */
  operator?: string | null;
  scopes?: {
    cidr?: readonly string[];
    asn?: readonly number[];
    domain_suffix?: readonly string[];
  };
}

interface Entry {
  org_id: string;
  kind: UnitKind;
  province_code: string | null;
  /** The declared scope that matched, for the notice's audit detail. */
  scope?: string;
}

export interface RoutingDirectory {
  readonly v4: Map<number, Map<number, Entry[]>>;
  readonly v4Lengths: number[];
  readonly v6: Map<number, Map<string, Entry[]>>;
  readonly v6Lengths: number[];
  readonly asn: Map<number, Entry[]>;
  readonly suffix: Map<string, Entry[]>;
  /** `${operator}|${province_code ?? ''}` → telecom operator branches */
  readonly branches: Map<string, Entry[]>;
  /** Declared scopes that could not be parsed: shown to the admin, never silently used. */
  readonly warnings: { org_id: string; scope: string; message: string }[];
  /** The same scope declared by several units: the lowest org_id wins; the admin should fix it. */
  readonly conflicts: { scope: string; org_ids: string[] }[];
}

export type RouteReason = 'declared_scope' | 'operator_branch' | 'registrar_suffix' | 'hosting_scope';
export type RouteResult =
  | { org_id: string; reason: RouteReason; detail?: string }
  | { org_id: null; reason: 'unrouted'; detail: string };

export interface RoutingTarget {
  type: string;
  value: string;
  /** ip2region (or reporter-supplied) facts about the target's address. */
  enrichment?: {
    province_code?: string | null;
    operator?: string | null;
    asn?: number | null;
    /** For a domain or URL: the address it resolved to, routed by declared CIDR. */
    ip?: string | null;
  } | null;
}

export interface RouteOptions {
  /** Only units that can carry out this measure. */
  measure?: MeasureCode;
  /** The case's province: where phone numbers and broadband accounts are routed within the operator. */
  province_code?: string | null;
}

function push<K>(map: Map<K, Entry[]>, key: K, entry: Entry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function v4ToNumber(octets: readonly number[]): number {
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}
function v4Mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}
/** 32 lower-case hex digits of an IPv6 address, from ipaddr.js parts. */
function v6HexFromParts(parts: readonly number[]): string {
  let h = '';
  for (const p of parts) h += p.toString(16).padStart(4, '0');
  return h;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
/**
 * Fast IPv6 text → 32 hex digits for the plain RFC 4291 forms (with "::" and an embedded dotted
 * quad); anything else returns undefined and goes to ipaddr.js, the reference parser.
 */
function v6HexFast(s: string): string | undefined {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const head = dbl < 0 ? s.split(':') : dbl === 0 ? [] : s.slice(0, dbl).split(':');
  const tail = dbl < 0 ? [] : dbl + 2 === s.length ? [] : s.slice(dbl + 2).split(':');
  const last = dbl < 0 ? head : tail;
  if (last.length && last[last.length - 1].includes('.')) {
    const m = V4_RE.exec(last[last.length - 1]);
    if (!m || m[5] !== undefined) return undefined;
    const o = [+m[1], +m[2], +m[3], +m[4]];
    if (o.some((x) => x > 255)) return undefined;
    last.splice(last.length - 1, 1, ((o[0] << 8) | o[1]).toString(16), ((o[2] << 8) | o[3]).toString(16));
  }
  const count = head.length + tail.length;
  if (dbl < 0 ? count !== 8 : count > 7) return undefined;
  let h = '';
  for (const g of head) {
    if (!HEX_GROUP.test(g)) return undefined;
    h += g.padStart(4, '0');
  }
  h += '0000'.repeat(8 - count);
  for (const g of tail) {
    if (!HEX_GROUP.test(g)) return undefined;
    h += g.padStart(4, '0');
  }
  return h.toLowerCase();
}

/** The first `len` bits of a 32-hex-digit address, as a string key (unique within one prefix length). */
function v6Key(hex: string, len: number): string {
  const q = len >> 2;
  const r = len & 3;
  return r === 0 ? hex.slice(0, q) : hex.slice(0, q) + (parseInt(hex[q], 16) & ((0xf << (4 - r)) & 0xf)).toString(16);
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;
/** Fast path for the common case, dotted-quad IPv4 (with optional prefix): no allocation-heavy parse. */
function parseV4Fast(value: string): { family: 4; n: number; len: number } | null | undefined {
  const m = V4_RE.exec(value);
  if (!m) return undefined; // not dotted-quad: let the general parser decide
  const o = [+m[1], +m[2], +m[3], +m[4]];
  const len = m[5] === undefined ? 32 : +m[5];
  if (o.some((x) => x > 255) || len > 32) return null;
  return { family: 4, n: (v4ToNumber(o) & v4Mask(len)) >>> 0, len };
}

type ParsedAddress = { family: 4; n: number; len: number } | { family: 6; hex: string; len: number };

/** Parse an IP or CIDR to a family, a value and a prefix length; IPv4-mapped IPv6 becomes IPv4. */
function parseAddress(value: string): ParsedAddress | null {
  const fast = parseV4Fast(value);
  if (fast !== undefined) return fast;
  let text = value;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const slash = text.indexOf('/');
  let len = 128;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l) || +l > 128) return null;
    len = +l;
    text = text.slice(0, slash);
  }
  let hex = v6HexFast(text);
  if (hex === undefined) {
    // The reference parser for everything the fast path does not take (zone ids, odd forms).
    // ipaddr.js also accepts legacy IPv4 forms ("127.1", "0x7f.0.0.1"); an observable never does.
    try {
      const addr = ipaddr.parse(text);
      if (addr.kind() !== 'ipv6') return null;
      hex = v6HexFromParts((addr as ipaddr.IPv6).parts);
    } catch {
      return null;
    }
  }
  if (hex.startsWith('00000000000000000000ffff') && len >= 96) {
    const v4len = len - 96;
    return { family: 4, n: (parseInt(hex.slice(24), 16) & v4Mask(v4len)) >>> 0, len: v4len };
  }
  return { family: 6, hex, len };
}

/** Lower-case, no trailing dot, punycode; a declared suffix may start with "." or "*.". */
export function normalizeDomainName(value: string): string | null {
  let d = value.trim().toLowerCase().replace(/^\*?\./, '').replace(/\.$/, '');
  if (!d) return null;
  if (/[^\x00-\x7f]/.test(d)) d = domainToASCII(d);
  return d && /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(d) ? d : null;
}

const byOrgId = (a: Entry, b: Entry) => (a.org_id < b.org_id ? -1 : a.org_id > b.org_id ? 1 : 0);

/** Index the organizations once per decision (or cache it until the registry changes). */
export function buildRoutingDirectory(orgs: readonly RoutingOrganization[]): RoutingDirectory {
  const dir: RoutingDirectory = {
    v4: new Map(),
    v4Lengths: [],
    v6: new Map(),
    v6Lengths: [],
    asn: new Map(),
    suffix: new Map(),
    branches: new Map(),
    warnings: [],
    conflicts: [],
  };
  for (const org of orgs) {
    if (!(UNIT_KINDS as readonly string[]).includes(org.kind)) continue;
    const base = { org_id: org.org_id, kind: org.kind as UnitKind, province_code: org.province_code ?? null };
    for (const cidr of org.scopes?.cidr ?? []) {
      const p = parseAddress(cidr.trim());
      if (!p || !cidr.includes('/')) {
        dir.warnings.push({ org_id: org.org_id, scope: cidr, message: 'not a CIDR block' });
        continue;
      }
      const entry = { ...base, scope: cidr.trim() };
      if (p.family === 4) {
        if (!dir.v4.has(p.len)) dir.v4.set(p.len, new Map());
        push(dir.v4.get(p.len)!, p.n, entry);
      } else {
        if (!dir.v6.has(p.len)) dir.v6.set(p.len, new Map());
        push(dir.v6.get(p.len)!, v6Key(p.hex, p.len), entry);
      }
    }
    for (const asn of org.scopes?.asn ?? []) {
      if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) {
        dir.warnings.push({ org_id: org.org_id, scope: String(asn), message: 'not an AS number' });
        continue;
      }
      push(dir.asn, asn, { ...base, scope: `AS${asn}` });
    }
    for (const s of org.scopes?.domain_suffix ?? []) {
      const d = normalizeDomainName(s);
      if (!d) {
        dir.warnings.push({ org_id: org.org_id, scope: s, message: 'not a domain suffix' });
        continue;
      }
      push(dir.suffix, d, { ...base, scope: d });
    }
    const op = normalizeOperator(org.operator);
    if (org.kind === 'telecom_operator' && op) push(dir.branches, `${op}|${org.province_code ?? ''}`, base);
    else if (org.kind === 'telecom_operator' && org.operator)
      dir.warnings.push({ org_id: org.org_id, scope: org.operator, message: 'unknown operator code' });
  }
  dir.v4Lengths.push(...[...dir.v4.keys()].sort((a, b) => b - a));
  dir.v6Lengths.push(...[...dir.v6.keys()].sort((a, b) => b - a));
  const noteConflicts = (map: Map<unknown, Entry[]>) => {
    for (const list of map.values()) {
      list.sort(byOrgId);
      const ids = [...new Set(list.map((e) => e.org_id))];
      if (ids.length > 1) dir.conflicts.push({ scope: list[0].scope ?? '', org_ids: ids });
    }
  };
  for (const m of dir.v4.values()) noteConflicts(m);
  for (const m of dir.v6.values()) noteConflicts(m);
  noteConflicts(dir.asn);
  noteConflicts(dir.suffix);
  for (const list of dir.branches.values()) list.sort(byOrgId);
  return dir;
}

type Accept = (e: Entry) => boolean;

function first(list: Entry[] | undefined, accept: Accept): Entry | undefined {
  if (!list) return undefined;
  for (const e of list) if (accept(e)) return e;
  return undefined;
}

function matchCidr(dir: RoutingDirectory, value: string, accept: Accept): Entry | undefined {
  const p = parseAddress(value);
  if (!p) return undefined;
  if (p.family === 4) {
    for (const len of dir.v4Lengths) {
      if (len > p.len) continue; // a declared block narrower than the target does not contain it
      const hit = first(dir.v4.get(len)!.get((p.n & v4Mask(len)) >>> 0), accept);
      if (hit) return hit;
    }
  } else {
    for (const len of dir.v6Lengths) {
      if (len > p.len) continue;
      const hit = first(dir.v6.get(len)!.get(v6Key(p.hex, len)), accept);
      if (hit) return hit;
    }
  }
  return undefined;
}

function matchSuffix(dir: RoutingDirectory, domain: string, accept: Accept): Entry | undefined {
  let d: string | null = domain;
  while (d) {
    const hit = first(dir.suffix.get(d), accept);
    if (hit) return hit;
    const dot = d.indexOf('.');
    d = dot < 0 ? null : d.slice(dot + 1);
  }
  return undefined;
}

function matchBranch(dir: RoutingDirectory, op: OperatorCode, province: string | null | undefined, accept: Accept): Entry | undefined {
  return (province ? first(dir.branches.get(`${op}|${province}`), accept) : undefined) ?? first(dir.branches.get(`${op}|`), accept);
}

function branchResult(e: Entry, op: OperatorCode, province: string | null | undefined, why: string): RouteResult {
  const where = e.province_code ? `branch in ${e.province_code}` : province ? `headquarters (no branch registered in ${province})` : 'headquarters';
  return { org_id: e.org_id, reason: 'operator_branch', detail: `${why}: ${OPERATOR_LABELS[op].en}, ${where}` };
}

/** Split a URL to its host: an IP literal or a domain. */
const SIMPLE_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([a-z0-9.-]+)(?::\d*)?(?:[/?#]|$)/i;
function hostOf(url: string): { ip: string } | { domain: string } | null {
  // Fast path: an already WHATWG-normalized URL with a plain ASCII host (the indicators module
  // normalizes URLs on intake). Anything else (IPv6 literals, IDN, odd forms) goes through URL.
  const m = SIMPLE_AUTHORITY.exec(url);
  if (m) {
    const h = m[1].toLowerCase();
    if (V4_RE.test(h)) return { ip: h };
    if (!/^\d+$/.test(h.replace(/\./g, ''))) {
      const d = normalizeDomainName(h);
      if (d) return { domain: d };
    }
  }
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return null;
  }
  if (!host) return null;
  if (host.startsWith('[')) return { ip: host.slice(1, -1) };
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return { ip: host };
  const d = normalizeDomainName(host);
  return d ? { domain: d } : null;
}

/** Route one target. Pure; fast once the directory is built. */
export function routeTarget(target: RoutingTarget, directory: RoutingDirectory, options: RouteOptions = {}): RouteResult {
  const executors: readonly string[] | null = options.measure ? MEASURES[options.measure].executors : null;
  if (executors && executors.length === 0)
    return { org_id: null, reason: 'unrouted', detail: `${options.measure} goes to an authority, not a unit: assign by hand` };
  const accept: Accept = executors ? (e) => executors.includes(e.kind) : () => true;
  const enr = target.enrichment ?? {};

  const byIp = (ip: string): RouteResult | null => {
    const hit = matchCidr(directory, ip, accept);
    return hit ? { org_id: hit.org_id, reason: 'declared_scope', detail: `declared CIDR ${hit.scope}` } : null;
  };
  const byEnrichment = (): RouteResult | null => {
    if (enr.asn != null) {
      const hit = first(directory.asn.get(enr.asn), accept);
      if (hit) return { org_id: hit.org_id, reason: 'declared_scope', detail: `declared ${hit.scope}` };
    }
    const op = normalizeOperator(enr.operator);
    if (op) {
      const hit = matchBranch(directory, op, enr.province_code, accept);
      if (hit) return branchResult(hit, op, enr.province_code, 'address operator');
    }
    return null;
  };
  const byDomain = (domain: string): RouteResult | null => {
    const d = normalizeDomainName(domain);
    if (!d) return null;
    const hit = matchSuffix(directory, d, accept);
    if (!hit) return null;
    return {
      org_id: hit.org_id,
      reason: hit.kind === 'domain_registrar' ? 'registrar_suffix' : 'hosting_scope',
      detail: `declared domain suffix ${hit.scope}`,
    };
  };
  const unrouted = (why: string): RouteResult => ({ org_id: null, reason: 'unrouted', detail: why });

  switch (target.type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr':
      if (!parseAddress(target.value)) return unrouted(`not a valid ${target.type}: ${target.value}`);
      return byIp(target.value) ?? byEnrichment() ?? unrouted('no declared scope or operator branch covers this address');
    case 'domain':
    case 'email': {
      const at = target.value.lastIndexOf('@');
      if (target.type === 'email' && at < 1) return unrouted(`not an e-mail address: ${target.value}`);
      const domain = target.type === 'email' ? target.value.slice(at + 1) : target.value;
      return (
        byDomain(domain) ??
        (enr.ip ? byIp(enr.ip) : null) ??
        byEnrichment() ??
        unrouted(`no declared domain suffix covers ${domain}`)
      );
    }
    case 'url': {
      const host = hostOf(target.value);
      if (!host) return unrouted(`not a valid URL: ${target.value}`);
      if ('ip' in host) return byIp(host.ip) ?? byEnrichment() ?? unrouted(`no declared scope or operator branch covers ${host.ip}`);
      return byDomain(host.domain) ?? (enr.ip ? byIp(enr.ip) : null) ?? byEnrichment() ?? unrouted(`no declared domain suffix covers ${host.domain}`);
    }
    case 'phone': {
      const op = operatorForPhone(target.value);
      if (!op) return unrouted('not a mainland China mobile number in the segment table');
      const province = options.province_code ?? enr.province_code ?? null;
      const hit = matchBranch(directory, op, province, accept);
      return hit
        ? branchResult(hit, op, province, 'number segment (the issuing operator; ported numbers keep their segment)')
        : unrouted(`no ${OPERATOR_LABELS[op].en} unit registered`);
    }
    case 'broadband_account': {
      const op = normalizeOperator(enr.operator);
      if (!op) return unrouted('broadband account without the issuing operator');
      const province = enr.province_code ?? options.province_code ?? null;
      const hit = matchBranch(directory, op, province, accept);
      return hit ? branchResult(hit, op, province, 'issuing operator') : unrouted(`no ${OPERATOR_LABELS[op].en} unit registered`);
    }
    default:
      // file hashes, vulnerabilities: only if the report tied them to an address.
      return (enr.ip ? byIp(enr.ip) : null) ?? byEnrichment() ?? unrouted(`a ${target.type} has no routing rule: assign by hand`);
  }
}

export interface RoutedGroup<T extends RoutingTarget> {
  org_id: string;
  targets: { target: T; reason: RouteReason; detail?: string }[];
}

/**
 * Route all targets of one measure and group them by unit: one handling notice per group
 * (org_id ascending, targets in input order), plus the unrouted ones for manual assignment.
 */
export function routeTargets<T extends RoutingTarget>(
  targets: readonly T[],
  directory: RoutingDirectory,
  options: RouteOptions = {},
): { groups: RoutedGroup<T>[]; unrouted: { target: T; detail: string }[] } {
  const groups = new Map<string, RoutedGroup<T>>();
  const unrouted: { target: T; detail: string }[] = [];
  for (const target of targets) {
    const r = routeTarget(target, directory, options);
    if (r.org_id === null) {
      unrouted.push({ target, detail: r.detail });
      continue;
    }
    let g = groups.get(r.org_id);
    if (!g) groups.set(r.org_id, (g = { org_id: r.org_id, targets: [] }));
    g.targets.push({ target, reason: r.reason, detail: r.detail });
  }
  return { groups: [...groups.values()].sort((a, b) => (a.org_id < b.org_id ? -1 : 1)), unrouted };
}
