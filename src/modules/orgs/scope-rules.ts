/** Canonical form of declared resource scopes, pure: CIDRs, ASNs and domain suffixes. */
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';

export type ScopeKind = 'cidr' | 'asn' | 'domain_suffix' | 'service';

export function normalizeScope(kind: ScopeKind, raw: string): { ok: true; value: string } | { ok: false; message: string } {
  const v = raw.trim();
  switch (kind) {
    case 'cidr': {
      try {
        const [addr, bits] = ipaddr.parseCIDR(v);
        const network = addr.kind() === 'ipv4'
          ? ipaddr.IPv4.networkAddressFromCIDR(v).toString()
          : ipaddr.IPv6.networkAddressFromCIDR(v).toRFC5952String();
        return { ok: true, value: `${network}/${bits}` };
      } catch {
        return { ok: false, message: `"${raw}" is not a CIDR block such as 203.0.113.0/24` };
      }
    }
    case 'asn': {
      const m = /^(?:AS)?(\d{1,10})$/i.exec(v);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 4294967295) return { ok: false, message: `"${raw}" is not an AS number such as AS4134` };
      return { ok: true, value: `AS${Number(m[1])}` };
    }
    case 'domain_suffix': {
      const ascii = domainToASCII(v.replace(/^\*?\./, '').replace(/\.$/, '').toLowerCase());
      if (!ascii || !/^([a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$/.test(ascii)) return { ok: false, message: `"${raw}" is not a domain suffix such as example.cn` };
      return { ok: true, value: ascii };
    }
    case 'service':
      if (!v) return { ok: false, message: 'A service name is required' };
      return { ok: true, value: v };
  }
}

/** The shortest prefixes any unit may answer for: a whole /0 or /4 is no unit's resource (a registry may answer for a top-level domain). */
export const MIN_CIDR_BITS = { ipv4: 8, ipv6: 20 } as const;
/** The shortest IPv4 prefix a provincial administration declares (larger blocks are the ministry's to assign). */
export const MIN_PROVINCIAL_IPV4_BITS = 12;

/** A reason an (already normalized) scope is absurd for any organization, or null. */
export function absurdScope(kind: string, value: string): string | null {
  if (kind === 'cidr') {
    const [addr, bits] = ipaddr.parseCIDR(value);
    const min = addr.kind() === 'ipv4' ? MIN_CIDR_BITS.ipv4 : MIN_CIDR_BITS.ipv6;
    if (bits < min) return `${value} is larger than any unit answers for: at most a /${min}`;
    if (addr.kind() === 'ipv4' && ['private', 'loopback', 'unspecified', 'reserved', 'multicast', 'linkLocal', 'broadcast'].includes(addr.range()) && bits < 16)
      return `${value} is not public address space`;
  }
  return null;
}

/** Addresses spread evenly over an IPv4 block (both ends included), to test where it lies. */
export function sampleIpv4(value: string, count = 17): string[] {
  const [addr, bits] = ipaddr.parseCIDR(value);
  if (addr.kind() !== 'ipv4') return [];
  const start = ipaddr.IPv4.networkAddressFromCIDR(value).toByteArray().reduce((a, b) => a * 256 + b, 0);
  const size = 2 ** (32 - bits);
  const out = new Set<string>();
  for (let i = 0; i < count; i++) {
    const n = start + Math.floor(((size - 1) * i) / (count - 1));
    out.add([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
  }
  return [...out];
}
