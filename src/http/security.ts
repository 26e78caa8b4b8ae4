/**
 * Security headers on every response and per-role request rate limits (issue 13, items 1 and 6).
 *
 * Headers come from helmet with one Content-Security-Policy that everything this server
 * renders satisfies: the console (its own scripts only; React and ECharts set inline styles), the
 * printable notices and `/releases` (self-contained pages with an inline <style> and a JSON data
 * block, which is not script), and swagger-ui at `/docs` (its own scripts and styles). No page
 * may be framed, and the API's JSON is never sniffed into something else. The policy is the same
 * for every response, so helmet runs once at start-up and its header set is replayed on each
 * request: @fastify/helmet rebuilt the middleware and re-parsed the directives per request, about
 * a tenth of a lookup's CPU (docs/benchmarks.md, "Lookup overhead").
 *
 * Rate limits come from @fastify/rate-limit, counted after authentication (so per credential, not
 * per address: a whole ministry behind one NAT is many credentials) and before the body is read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { RateLimits } from '../config.js';
import type { Principal } from '../modules/auth/principal.js';
import { Problem } from '../lib/problem.js';
import { clientKey } from './failure-limiter.js';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/** The headers helmet sets with this server's options, computed once: [name, value] pairs. */
export function securityHeaders(opts: { https: boolean }): [string, string][] {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      // Upgrading requests on a plain-http deployment (development, loopback) would break every asset.
      directives: opts.https ? { ...CONTENT_SECURITY_POLICY, upgradeInsecureRequests: [] } : CONTENT_SECURITY_POLICY,
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Feeds, exports and keys are fetched by other platforms' servers, not embedded by browsers.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    strictTransportSecurity: opts.https ? { maxAge: 31536000, includeSubDomains: true } : false,
  });
  const headers = new Map<string, string>();
  // helmet's middleware only sets (and, for X-Powered-By, removes) headers, synchronously; none of
  // our directives depends on the request.
  const recorder = {
    setHeader: (name: string, value: string | number) => void headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => void headers.delete(name.toLowerCase()),
  };
  let failure: unknown = null;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) failure = err;
  });
  if (failure) throw failure;
  return [...headers];
}

export async function registerSecurityHeaders(app: FastifyInstance, opts: { https: boolean }): Promise<void> {
  const headers = securityHeaders(opts);
  // On Fastify's reply rather than the raw response: Node then validates each header once, in
  // writeHead, instead of in setHeader and again in writeHead. A hijacked route (the event
  // stream) writes reply.getHeaders() itself; a handler's own reply.header() still overrides one.
  app.addHook('onRequest', (_request, reply, done) => {
    for (let i = 0; i < headers.length; i++) reply.header(headers[i][0], headers[i][1]);
    done();
  });
}

/** The role-based limit of a request: the highest of its roles, or the anonymous one. */
export function rateLimitOf(request: FastifyRequest, limits: RateLimits): number {
  const p = request.principal;
  if (!p) return limits.anonymous;
  let max = 0;
  for (const r of p.roles) max = Math.max(max, limits[r as keyof RateLimits] ?? 0);
  return max || limits.anonymous;
}

/**
 * Counting keys, built once per principal: the token cache hands every request of a token the
 * same principal object, so the lookup path builds no key string per request (per-request
 * garbage is what the young-generation collections that make the lookup tail have to sweep).
 */
const keys = new WeakMap<Principal, string>();

/** Who a request is counted as: its token, its console user, or (anonymous) its client address. */
export function rateLimitKey(request: FastifyRequest): string {
  const p = request.principal;
  if (!p || !(p.tokenId || p.userId)) return `client:${clientKey(request.ip)}`;
  let key = keys.get(p);
  if (key === undefined) {
    key = p.tokenId ? `token:${p.tokenId}` : `user:${p.userId}`;
    keys.set(p, key);
  }
  return key;
}

export async function registerRateLimits(app: FastifyInstance, limits: RateLimits | null): Promise<void> {
  if (!limits) return;
  await app.register(fastifyRateLimit, {
    global: true,
    // After the onRequest authentication hook, before the body is read.
    hook: 'preParsing',
    timeWindow: 60_000,
    // Synchronous: the plugin awaits the value, and an async function would add a promise per request.
    max: (request) => rateLimitOf(request, limits),
    keyGenerator: rateLimitKey,
    // Load balancers poll the health check from one address.
    allowList: (request) => request.url === '/healthz',
    // Bounded memory: least recently seen keys go first.
    cache: 20_000,
    errorResponseBuilder: (_request, context) =>
      new Problem('rate_limited', `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`, { extra: { retry_after: Math.max(1, Math.ceil(context.ttl / 1000)) } }),
  });
}
