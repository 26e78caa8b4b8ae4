/**
 * Finds the organization that declared a resource: the most specific declared CIDR containing an
 * IP, or the longest declared domain suffix of a name. Built once from the directory; lookups cost
 * one hash probe per distinct prefix length (IPv4) or per label (domains), so a million-row import
 * pays microseconds each.
 */
import ipaddr from 'ipaddr.js';

export interface DeclaredScope {
  org_id: string;
  kind: string;
  value: string;
}

export class ScopeMatcher {
  /** prefix length → (network as uint32 → org) for IPv4, most specific first. */
  private readonly v4: { bits: number; mask: number; nets: Map<number, string> }[] = [];
  /** IPv6 CIDRs are few; checked in order of specificity. */
  private readonly v6: { range: [ipaddr.IPv6, number]; org: string }[] = [];
  private readonly suffixes = new Map<string, string>();

  constructor(scopes: Iterable<DeclaredScope>) {
    const byBits = new Map<number, Map<number, string>>();
    for (const s of scopes) {
      if (s.kind === 'cidr') {
        let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
        try {
          parsed = ipaddr.parseCIDR(s.value);
        } catch {
          continue;
        }
        const [addr, bits] = parsed;
        if (addr.kind() === 'ipv4') {
          const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
          const net = (ipv4ToInt(addr.toString()) & mask) >>> 0;
          if (!byBits.has(bits)) byBits.set(bits, new Map());
          const m = byBits.get(bits)!;
          if (!m.has(net)) m.set(net, s.org_id);
        } else {
          this.v6.push({ range: [addr as ipaddr.IPv6, bits], org: s.org_id });
        }
      } else if (s.kind === 'domain_suffix') {
        if (!this.suffixes.has(s.value)) this.suffixes.set(s.value, s.org_id);
      }
    }
    for (const [bits, nets] of [...byBits.entries()].sort((a, b) => b[0] - a[0])) {
      this.v4.push({ bits, mask: bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0, nets });
    }
    this.v6.sort((a, b) => b.range[1] - a.range[1]);
  }

  get isEmpty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0 && this.suffixes.size === 0;
  }

  matchIpv4(ip: string): string | null {
    if (this.v4.length === 0) return null;
    const n = ipv4ToInt(ip);
    for (const level of this.v4) {
      const org = level.nets.get((n & level.mask) >>> 0);
      if (org !== undefined) return org;
    }
    return null;
  }

  matchIpv6(ip: string): string | null {
    if (this.v6.length === 0) return null;
    const addr = ipaddr.IPv6.parse(ip);
    for (const s of this.v6) if (addr.match(s.range)) return s.org;
    return null;
  }

  /** Longest declared suffix of a canonical (lower-case, ASCII) domain name. */
  matchDomain(domain: string): string | null {
    if (this.suffixes.size === 0) return null;
    let name = domain;
    for (;;) {
      const org = this.suffixes.get(name);
      if (org !== undefined) return org;
      const dot = name.indexOf('.');
      if (dot < 0) return null;
      name = name.slice(dot + 1);
    }
  }
}

export function ipv4ToInt(ip: string): number {
  let n = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return (n * 256 + part) >>> 0;
}
