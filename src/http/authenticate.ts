/**
 * Authentication for every route: `Authorization: Bearer <token>` (API tokens), HTTP Basic with a
 * token as the password (for TAXII clients that only do Basic), or the console's session cookie.
 * A route opts out with `config: { public: true }`. The principal is on `request.principal`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Problem } from '../lib/problem.js';
import type { AuthService } from '../modules/auth/auth.service.js';
import type { Principal } from '../modules/auth/principal.js';
import { FailureLimiter } from './failure-limiter.js';

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

export function registerAuthentication(app: FastifyInstance, auth: AuthService, extra: ExtraAuthenticator[] = []): void {
  app.decorateRequest('principal', null);
  const limiter = new FailureLimiter();
  const authenticate = async (request: FastifyRequest, token: string | null): Promise<void> => {
    const header = request.headers.authorization;
    if (header) {
      if (token) request.principal = await auth.authenticateToken(token);
      if (!request.principal) limiter.fail(request.ip);
      if (!request.principal && !request.routeOptions.config?.public) {
        throw new Problem('unauthenticated', 'The credentials are not valid (unknown, revoked or expired token)');
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
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.authorization;
    let token: string | null = null;
    if (header) {
      const wait = limiter.retryAfter(request.ip);
      if (wait > 0) {
        reply.header('Retry-After', String(wait));
        return done(new Problem('rate_limited', `Too many failed authentications from this address; retry in ${wait} s`));
      }
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
