/**
 * HTTP for console sessions: sign in, who am I (with the CSRF token), sign out; and the
 * authenticator that turns the session cookie into a principal, refusing cookie-authenticated
 * state changes without the session's X-CSRF-Token (bearer-token requests need none: a browser
 * never attaches a bearer token on its own).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { ExtraAuthenticator } from '../../http/authenticate.js';
import { problemResponses } from '../../http/common.schema.js';
import { forbidden, Problem } from '../../lib/problem.js';
import { SESSION_COOKIE, SessionsService, type SessionView } from './sessions.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession: SessionView | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The console marks its requests so a 401 does not make the browser open its Basic-auth dialog. */
export const CONSOLE_HEADER = 'x-requested-with';

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function sessionAuthenticator(sessions: SessionsService): ExtraAuthenticator {
  return async (request: FastifyRequest) => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!id) return null;
    const view = await sessions.authenticate(id);
    if (!view) return null;
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (!SessionsService.csrfMatches(view, typeof header === 'string' ? header : undefined)) {
        if (request.routeOptions.config?.public) return null;
        throw forbidden('A request signed in by the session cookie that changes anything must carry the X-CSRF-Token of the session');
      }
    }
    // An account that must have a second factor and has none may only enrol one (or sign out).
    if (view.secondFactor === 'enrolment_required' && !ENROLMENT_ROUTES.has(`${request.method} ${request.routeOptions.url}`)) {
      if (request.routeOptions.config?.public) return null;
      throw new Problem('second_factor_enrolment_required', 'This account must enrol a second factor (TOTP) before it may use the console: POST /api/v1/session/totp');
    }
    request.consoleSession = view;
    return view.principal;
  };
}

const ENROLMENT_ROUTES = new Set(['GET /api/v1/session', 'DELETE /api/v1/session', 'POST /api/v1/session/totp', 'POST /api/v1/session/totp/confirm']);

const SessionInfo = Type.Object({
  user_id: Type.String(),
  username: Type.String(),
  display_name: Type.String(),
  locale: Type.String(),
  org_id: Type.String(),
  org_kind: Type.String(),
  org_name: Type.String(),
  org_name_en: Type.Union([Type.String(), Type.Null()]),
  province_code: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  csrf_token: Type.String({ description: 'Send it as X-CSRF-Token on every state-changing request made with the session cookie' }),
  expires_at: Type.String({ format: 'date-time' }),
  second_factor: Type.Union([Type.Literal('enabled'), Type.Literal('enrolment_required'), Type.Literal('none')], {
    description: '`enrolment_required`: regulator and institution admins must enrol TOTP before anything else (POST /api/v1/session/totp)',
  }),
});

const SignInBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    totp_code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'The current code of the authenticator app, for accounts with a second factor' })),
    recovery_code: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'One of the recovery codes given at enrolment, instead of totp_code; each works once' })),
  },
  { additionalProperties: false },
);
type SignInBody = Static<typeof SignInBody>;

function present(v: SessionView) {
  const p = v.principal;
  return {
    user_id: p.userId!,
    username: p.username!,
    display_name: v.displayName,
    locale: v.locale,
    org_id: p.orgId,
    org_kind: p.orgKind,
    org_name: p.orgName,
    org_name_en: v.orgNameEn,
    province_code: p.provinceCode,
    roles: p.roles,
    csrf_token: v.csrfToken,
    expires_at: v.expiresAt.toISOString(),
    second_factor: v.secondFactor,
  };
}

export function sessionsRoutes(app: FastifyInstance, sessions: SessionsService, opts: { secureCookie: boolean; maxAgeSeconds: number }): void {
  const tags = ['access'];
  app.decorateRequest('consoleSession', null);
  const cookie = (value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${opts.secureCookie ? '; Secure' : ''}`;

  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.headers[CONSOLE_HEADER] === 'threatshare-console') reply.removeHeader('WWW-Authenticate');
    done(null, payload);
  });

  app.post('/api/v1/session', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Sign in to the console with username, password and, when the account has one, a second factor',
      description:
        'Sets an HTTP-only, SameSite=Strict session cookie and returns the CSRF token. An account with a second factor needs `totp_code` (or a `recovery_code`): without one the answer is 401 `second_factor_required`. Failed sign-ins are counted in memory per username and client address (5 in 15 minutes), per address (30) and per username from anywhere (past 50, one attempt every 5 s): over a limit the answer is 429 with Retry-After; the owner of an account under attack from elsewhere is not locked out. Unknown usernames take as long to refuse as wrong passwords.',
      body: SignInBody,
      response: { 201: SessionInfo, ...problemResponses, 429: problemResponses[400] },
    },
    handler: async (req, reply) => {
      const body = req.body as SignInBody;
      const { sessionId, view } = await sessions.signIn(body.username, body.password, {
        userAgent: req.headers['user-agent'] ?? null,
        ip: req.ip,
        totpCode: body.totp_code ?? null,
        recoveryCode: body.recovery_code ?? null,
      });
      reply.header('Set-Cookie', cookie(sessionId, opts.maxAgeSeconds)).header('Cache-Control', 'no-store');
      return reply.code(201).send(present(view));
    },
  });

  app.get('/api/v1/session/options', {
    config: { public: true },
    schema: { tags, summary: 'What the sign-in page shows: `demo` is true only on a database seeded with the demo world', response: { 200: Type.Object({ demo: Type.Boolean() }) } },
    handler: async () => sessions.signInOptions(),
  });

  const signedIn = (req: FastifyRequest): SessionView => {
    if (!req.consoleSession) throw new Problem('unauthenticated', 'Not signed in to the console');
    return req.consoleSession;
  };

  app.post('/api/v1/session/totp', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Start enrolling a TOTP second factor: a new secret and its otpauth:// URI for an authenticator app',
      description: 'The secret counts only once a code from it is confirmed. Needs the session cookie and X-CSRF-Token. 409 when a second factor is already enabled.',
      response: { 201: Type.Object({ secret: Type.String({ description: 'Base32, for typing into the app' }), otpauth_uri: Type.String() }), ...problemResponses },
    },
    handler: async (req, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await sessions.startTotp(signedIn(req))),
  });

  app.post('/api/v1/session/totp/confirm', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Confirm TOTP enrolment with a current code: the second factor is on, and ten single-use recovery codes are returned, once',
      body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }), ...problemResponses },
    },
    handler: async (req, reply) => {
      const result = await sessions.confirmTotp(signedIn(req), (req.body as { code: string }).code);
      return reply.header('Cache-Control', 'no-store').send(result);
    },
  });

  app.get('/api/v1/session', {
    config: { public: true },
    schema: { tags, summary: 'The signed-in console user, with the CSRF token', response: { 200: SessionInfo, ...problemResponses } },
    handler: async (req, reply) => {
      if (!req.consoleSession) throw new Problem('unauthenticated', 'Not signed in');
      reply.header('Cache-Control', 'no-store');
      return present(req.consoleSession);
    },
  });

  app.delete('/api/v1/session', {
    config: { public: true },
    schema: { tags, summary: 'Sign out: the session is deleted and the cookie cleared', response: { 204: Type.Null(), ...problemResponses } },
    handler: async (req, reply) => {
      const id = readCookie(req.headers.cookie, SESSION_COOKIE);
      // Only a request that passed the CSRF check has a session here; a forged one just loses its cookie.
      if (id && req.consoleSession) await sessions.signOut(id, req.consoleSession.principal);
      return reply.header('Set-Cookie', cookie('', 0)).code(204).send();
    },
  });
}
