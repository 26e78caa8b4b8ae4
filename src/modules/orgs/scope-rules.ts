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
