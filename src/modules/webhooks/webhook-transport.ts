/**
 * How a webhook leaves the platform (issue 13, item 3: SSRF). An endpoint is chosen by a unit, so
 * delivery must never reach inside: the address each connection goes to is checked after DNS
 * resolution, at connect time (request-filtering-agent), so a name that resolves, or later
 * re-resolves, to loopback, link-local, private or reserved space is refused like the literal
 * address; redirects are never followed (a 3xx is a failed attempt). Plain http only when the
 * configuration allows it (development). The log says "delivery failed" for every failure below
 * HTTP, so it cannot be used to tell a closed port from a filtered one or an unknown name.
 */
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

export interface WebhookEgressPolicy {
  /** IPs or CIDRs that may be reached although not public (a test receiver, an internal relay). */
  allowAddresses: string[];
  /** Accept plain http endpoints (development only). */
  allowHttp: boolean;
}

export const STRICT_EGRESS: WebhookEgressPolicy = { allowAddresses: [], allowHttp: false };

/** The one message of a delivery that got no HTTP answer, whatever the reason. */
export const DELIVERY_FAILED = 'delivery failed';

/** Reads WEBHOOK_ALLOW_ADDRESSES and WEBHOOK_ALLOW_HTTP (README "Configuration"). */
export function egressPolicyFrom(env: NodeJS.ProcessEnv): WebhookEgressPolicy {
  const allowAddresses = (env.WEBHOOK_ALLOW_ADDRESSES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const a of allowAddresses)
    if (!ipaddr.isValid(a) && !isCidr(a)) throw new Error(`WEBHOOK_ALLOW_ADDRESSES: "${a}" is not an IP address or CIDR`);
  const raw = (env.WEBHOOK_ALLOW_HTTP ?? '').toLowerCase();
  return { allowAddresses, allowHttp: raw === '1' || raw === 'true' || raw === 'yes' };
}

function isCidr(s: string): boolean {
  try {
    ipaddr.parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}

function isAllowed(addr: ipaddr.IPv4 | ipaddr.IPv6, list: string[]): boolean {
  for (const a of list) {
    try {
      const cidr = isCidr(a) ? ipaddr.parseCIDR(a) : ([ipaddr.parse(a), ipaddr.parse(a).kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number]);
      if (addr.kind() === cidr[0].kind() && addr.match(cidr)) return true;
    } catch {
      /* checked at start-up */
    }
  }
  return false;
}

/**
 * Why an endpoint URL is refused when it is set, or null. A host given as an address is checked
 * here already; a name is checked on every connection (`Egress`).
 */
export function endpointProblem(url: URL, policy: WebhookEgressPolicy): string | null {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) return policy.allowHttp ? 'an http(s) URL' : 'an https URL';
  if (url.username || url.password) return 'a URL without user name or password';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    let addr = ipaddr.parse(host);
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
    if (addr.range() !== 'unicast' && !isAllowed(addr, policy.allowAddresses)) return `a public address (${host} is ${addr.range()})`;
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!policy.allowAddresses.length) return 'a public host (localhost is loopback)';
  }
  return null;
}

export class Egress {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(readonly policy: WebhookEgressPolicy) {
    const options = { allowIPAddressList: policy.allowAddresses, keepAlive: false };
    this.httpAgent = new RequestFilteringHttpAgent(options);
    this.httpsAgent = new RequestFilteringHttpsAgent(options);
  }

  /**
   * POSTs `body` and resolves with the HTTP status, or with null when no answer came (refused
   * address, DNS, connection, TLS, timeout: one and the same to the caller). The answer's body is
   * not read.
   */
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return resolve(null);
      }
      if (endpointProblem(u, this.policy)) return resolve(null);
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request(u, { method: 'POST', agent: u.protocol === 'https:' ? this.httpsAgent : this.httpAgent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode ?? null);
        req.destroy();
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end(body);
    });
  }
}
