/**
 * Builds the HTTP server: the error handler, authentication, the OpenAPI document and each
 * module's routes, registered explicitly.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { describeResponses, docsUiOptions } from './http/docs.js';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Container } from './container.js';
import { registerAuthentication, type ExtraAuthenticator } from './http/authenticate.js';
import { registerProblemHandler, sendProblem, writeClientError } from './http/problem-handler.js';
import { registerStrictInput } from './http/strict-input.js';
import { registerRateLimits, registerSecurityHeaders } from './http/security.js';
import { validatorCompiler } from './http/validation.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { sessionAuthenticator, sessionsRoutes } from './modules/auth/sessions.routes.js';
import { consoleRoutes } from './modules/console/console.routes.js';
import { listingRoutes } from './modules/indicators/listing.routes.js';
import { indicatorsRoutes } from './modules/indicators/indicators.routes.js';
import { orgsRoutes } from './modules/orgs/orgs.routes.js';
import { reportsRoutes } from './modules/reports/reports.routes.js';
import { workflowRoutes } from './workflow.js';
import { interopRoutes } from './modules/taxii/interop.js';
import { sharingRoutes } from './modules/sharing/sharing.js';

export interface AppOptions {
  logger?: boolean | object;
  extraAuthenticators?: ExtraAuthenticator[];
}

export async function buildApp(c: Container, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: c.config.bodyLimit,
    // Per-request lines would dominate the log at lookup rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    // Fastify takes a hop count too (its types leave the number out).
    trustProxy: c.config.trustProxy as boolean | string,
    // A path that is not valid percent-encoding is a problem+json 400 like any other bad input.
    frameworkErrors: (err, request, reply) => {
      sendProblem(reply, 'validation_failed', err.code === 'FST_ERR_BAD_URL' ? 'The request path is not valid percent-encoded UTF-8' : err.message, { field: '' });
    },
    // Requests that do not even parse as HTTP get a problem+json answer too, then the connection closes.
    clientErrorHandler: writeClientError,
  });
  registerStrictInput(app);
  app.setValidatorCompiler(validatorCompiler);
  registerProblemHandler(app);
  await registerSecurityHeaders(app, { https: c.config.publicUrl.startsWith('https:') });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'threatshare API',
        version: '1',
        description:
          'The interface specification of the cyber security threat information sharing platform (MIIT Measures, Art. 6). Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem+json with a stable `code` and the `field` at fault.',
      },
      servers: [{ url: c.config.publicUrl }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // swagger-ui's own routes are public.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true };
  });
  await app.register(fastifySwaggerUi, docsUiOptions);

  // The console's session cookie is one more way in (with CSRF checks); its routes come first so
  // their onSend hook covers every route.
  registerAuthentication(app, c.auth, [sessionAuthenticator(c.sessions), ...(options.extraAuthenticators ?? [])]);
  await registerRateLimits(app, c.config.rateLimits);
  sessionsRoutes(app, c.sessions, { secureCookie: c.config.publicUrl.startsWith('https:'), maxAgeSeconds: 12 * 3600 });

  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['platform'], summary: 'Ready as soon as the server listens; says whether the lookup filter is built yet (lookups are answered either way)' },
    handler: async (_req, reply) => {
      const filter = c.indicators.index.ready ? 'ready' : 'building';
      return reply.code(200).send({ status: 'ok', database: c.handle.kind, lookup_filter: filter, indicators: c.indicators.index.size });
    },
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } as object, handler: async () => describeResponses(structuredClone(app.swagger())) });

  orgsRoutes(app, c.orgs);
  authRoutes(app, c.auth);
  reportsRoutes(app, { reports: c.reports, imports: c.imports, evidence: c.evidence, importLimit: c.config.importLimit, importMaxRatio: c.config.importMaxRatio, evidenceLimit: c.config.evidenceLimit });
  indicatorsRoutes(app, c.indicators);
  listingRoutes(app, { listing: c.listing, orgs: c.orgs });
  auditRoutes(app, c.audit, c.checkpoints);
  workflowRoutes(app, c.workflow);
  interopRoutes(app, c);
  sharingRoutes(app, c.sharing);
  // The expiry sweep runs while the server does (withdrawn/expired leave every feed at the next generation).
  app.addHook('onReady', async () => c.sharing.start());
  app.addHook('onClose', async () => c.sharing.stop());

  // Organizations change rarely; when they do, caches built from the directory follow.
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.method !== 'GET' && request.url.startsWith('/api/v1/organizations')) c.refreshDirectory().then(() => done(), done);
    else done();
  });
  // Last: the console at `/`, with an SPA fallback that never shadows the API paths.
  consoleRoutes(app);
  return app;
}
