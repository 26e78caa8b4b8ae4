/**
 * Authentication for every route: `Authorization: Bearer <token>` (API tokens), HTTP Basic with a
 * token as the password (for TAXII clients that only do Basic), or the console's session cookie.
 * A route opts out with `config: { public: true }`. The principal is on `request.principal`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Problem } from '../lib/problem.js';
import type { AuthService } from '../modules/auth/auth.service.js';
import type { Principal } from '../modules/auth/principal.js';
import { hashToken } from '../modules/auth/secrets.js';
import { clientKey, FailureLimiter } from './failure-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
  }
}

/** Other ways to authenticate (the console's sessions) plug in here. */
export type ExtraAuthenticator = (request: FastifyRequest) => Promise<Principal | null>;

/** How many failed authentications a client address and a presented credential may have per minute. */
export interface AuthFailureLimits {
  perClient: number;
  perCredential: number;
  windowMs: number;
}
export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { perClient: 30, perCredential: 5, windowMs: 60_000 };

export function registerAuthentication(app: FastifyInstance, auth: AuthService, extra: ExtraAuthenticator[] = [], limits: AuthFailureLimits = DEFAULT_AUTH_FAILURE_LIMITS): void {
  app.decorateRequest('principal', null);
  // Failures are counted per client and per presented credential, and consulted only once a
  // credential has failed: a valid token is never refused for what others did from its address
  // (behind a proxy or NAT that address is everyone). Over the limit, a failing attempt gets 429
  // with Retry-After instead of 401, which slows a guesser or a client stuck on a revoked token.
  const perClient = new FailureLimiter(limits.perClient, limits.windowMs);
  const perCredential = new FailureLimiter(limits.perCredential, limits.windowMs);
  const refuse = (request: FastifyRequest, token: string | null): Problem => {
    const clientWait = perClient.fail(clientKey(request.ip));
    const credentialWait = token ? perCredential.fail(hashToken(token)) : 0;
    const wait = Math.max(clientWait, credentialWait);
    if (wait > 0) {
      return new Problem('rate_limited', `Too many failed authentications ${credentialWait >= clientWait ? 'with this credential' : 'from this address'}; retry in ${wait} s`, {
        extra: { retry_after: wait },
      });
    }
    return new Problem('unauthenticated', 'The credentials are not valid (unknown, revoked or expired token)');
  };
  const authenticate = async (request: FastifyRequest, token: string | null): Promise<void> => {
    const header = request.headers.authorization;
    if (header) {
      if (token) request.principal = await auth.authenticateToken(token);
      if (!request.principal) {
        const problem = refuse(request, token);
        // A public route still answers an anonymous caller, unless it is over the limit.
        if (!request.routeOptions.config?.public || problem.code === 'rate_limited') throw problem;
      }
    } else {
      for (const a of extra) {
        request.principal = await a(request);
        if (request.principal) break;
      }
    }
    if (!request.principal && !request.routeOptions.config?.public) {
      throw new Problem('unauthenticated', 'Authentication is required: send Authorization: Bearer <token>');
    }
  };
  // Callback style, so the hot path (a token seen in the last seconds: lookups, TAXII, feeds)
  // finishes without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.authorization;
    let token: string | null = null;
    if (header) {
      token = tokenOf(header);
      const cached = token ? auth.cachedPrincipal(token) : undefined;
      if (cached) {
        request.principal = cached;
        return done();
      }
    }
    authenticate(request, token).then(() => done(), done);
  });
}

/** The token of a Bearer header, or the password of a Basic one (TAXII clients send it there). */
function tokenOf(header: string): string | null {
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const credentials = header.slice(space + 1).trim();
  if (!credentials) return null;
  if (scheme === 'bearer') return credentials;
  if (scheme === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString();
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return null;
}

/** The principal of an authenticated route (the hook has already refused anonymous requests). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Problem('unauthenticated', 'Authentication is required');
  return request.principal;
}
