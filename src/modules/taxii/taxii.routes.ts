/**
 * HTTP for the TAXII 2.1 server, in its own encapsulated scope under /taxii2/: TAXII media types
 * only (`application/taxii+json;version=2.1` in and out: 406 and 415 otherwise), errors as TAXII
 * error messages (§3.6.1) rather than problem+json, and the X-TAXII-Date-Added-First/Last headers.
 * Authentication is the platform's (authenticate.ts): Bearer, or HTTP Basic with the API token as
 * the password, as most TAXII clients only speak Basic.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { parseJsonBody } from '../../http/strict-input.js';
import { Problem, PROBLEM_CODES, type ProblemCode } from '../../lib/problem.js';
import { acceptsTaxii, isTaxiiContentType, TAXII_MEDIA_TYPE } from './taxii-query.js';
import { TAXII_ROOT_PATH, type TaxiiPage, type TaxiiService } from './taxii.service.js';
import type { StixService } from '../stix/stix.service.js';

const ROOT = TAXII_ROOT_PATH.replace(/^\/taxii2/, '').replace(/\/$/, ''); // "/threatshare"

function taxiiErrorBody(code: ProblemCode, description: string) {
  const { status, title } = PROBLEM_CODES[code];
  return { title, description, error_code: code, http_status: String(status) };
}

function sendTaxiiError(reply: FastifyReply, code: ProblemCode, description: string) {
  const body = taxiiErrorBody(code, description);
  if (code === 'unauthenticated') reply.header('WWW-Authenticate', 'Basic realm="threatshare TAXII", Bearer realm="threatshare"');
  return sendTaxii(reply, Number(body.http_status), JSON.stringify(body));
}

function sendPage(reply: FastifyReply, page: TaxiiPage) {
  if (page.first) reply.header('X-TAXII-Date-Added-First', page.first);
  if (page.last) reply.header('X-TAXII-Date-Added-Last', page.last);
  return sendTaxii(reply, 200, page.body);
}

/** A Buffer, so the media type goes out exactly as TAXII spells it (no charset or quoting added). */
function sendTaxii(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).header('content-type', TAXII_MEDIA_TYPE).send(Buffer.from(body));
}

const CollectionParams = Type.Object({ collection: Type.String({ maxLength: 100 }) }, { additionalProperties: false });
const ObjectParams = Type.Object({ collection: Type.String({ maxLength: 100 }), object: Type.String({ maxLength: 300 }) }, { additionalProperties: false });
const security: { [label: string]: string[] }[] = [{ bearerAuth: [] }];

export function taxiiRoutes(app: FastifyInstance, deps: { taxii: TaxiiService; stix: StixService; maxContentLength: number }): void {
  const { taxii } = deps;
  app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      // Strict like every JSON body (src/http/strict-input.ts): UTF-8 or refused, no NUL or lone surrogate.
      scope.addContentTypeParser('application/taxii+json', { parseAs: 'buffer', bodyLimit: deps.maxContentLength }, (req, body, done) => {
        if (!isTaxiiContentType(req.headers['content-type'])) return done(new Problem('unsupported_media_type', `Send ${TAXII_MEDIA_TYPE}`), undefined);
        try {
          done(null, parseJsonBody(body as Buffer));
        } catch (error) {
          done(error as Error, undefined);
        }
      });
      scope.addContentTypeParser('*', (req, _payload, done) => {
        done(new Problem('unsupported_media_type', `Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted: send ${TAXII_MEDIA_TYPE}`), undefined);
      });

      scope.addHook('onRequest', async (req) => {
        if (!acceptsTaxii(req.headers.accept)) throw new Problem('not_acceptable', `This server answers ${TAXII_MEDIA_TYPE} only`);
      });
      scope.addHook('onClose', async () => deps.stix.stopSyncing());
      scope.addHook('onReady', async () => deps.stix.startSyncing());

      scope.setErrorHandler((err: FastifyError | Problem | Error, request: FastifyRequest, reply: FastifyReply) => {
        if (err instanceof Problem) return sendTaxiiError(reply, err.code, err.field ? `${err.message} (${err.field})` : err.message);
        const fe = err as FastifyError & { validation?: unknown[] };
        if (fe.validation) return sendTaxiiError(reply, 'validation_failed', err.message);
        switch (fe.code) {
          case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
            return sendTaxiiError(reply, 'unsupported_media_type', `Send ${TAXII_MEDIA_TYPE}`);
          case 'FST_ERR_CTP_BODY_TOO_LARGE':
            return sendTaxiiError(reply, 'payload_too_large', `The body is larger than max_content_length (${deps.maxContentLength} bytes)`);
          case 'FST_ERR_CTP_EMPTY_JSON_BODY':
            return sendTaxiiError(reply, 'malformed_json', 'The body is empty');
        }
        if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return sendTaxiiError(reply, fe.statusCode === 404 ? 'not_found' : 'validation_failed', err.message);
        request.log.error({ err }, 'unhandled TAXII error');
        return sendTaxiiError(reply, 'internal_error', 'Something went wrong on our side; it has been logged');
      });
      // Errors raised before the route (authentication) are answered by the platform's problem
      // handler: turn them into TAXII error messages too.
      scope.addHook('onSend', async (_req, reply, payload) => {
        const type = String(reply.getHeader('content-type') ?? '');
        if (!type.startsWith('application/problem+json')) return payload;
        let problem: { code?: string; detail?: string; status?: number; title?: string } = {};
        try {
          problem = JSON.parse(String(payload)) as typeof problem;
        } catch {
          // keep the defaults
        }
        const code = (problem.code && problem.code in PROBLEM_CODES ? problem.code : 'internal_error') as ProblemCode;
        reply.header('content-type', TAXII_MEDIA_TYPE);
        return Buffer.from(JSON.stringify(taxiiErrorBody(code, problem.detail ?? PROBLEM_CODES[code].title)));
      });
      const noResource = (request: FastifyRequest, reply: FastifyReply) => sendTaxiiError(reply, 'not_found', `No TAXII resource ${request.method} ${request.url.split('?')[0]}`);
      scope.setNotFoundHandler(noResource);
      // Claims every other path under /taxii2/ (the console's fallback would answer it otherwise).
      scope.all('/*', { schema: { hide: true } as object }, async (request, reply) => noResource(request, reply));

      const tags = ['taxii'];
      const json = (reply: FastifyReply, body: unknown, status = 200) => sendTaxii(reply, status, JSON.stringify(body));

      scope.get('/', {
        schema: { tags, summary: 'TAXII 2.1 discovery', security },
        handler: async (req, reply) => (principalOf(req), json(reply, taxii.discovery())),
      });
      scope.get(`${ROOT}/`, {
        schema: { tags, summary: 'TAXII 2.1 API root information', security },
        handler: async (req, reply) => (principalOf(req), json(reply, taxii.apiRoot())),
      });
      scope.get(`${ROOT}/status/:status/`, {
        schema: { tags, summary: 'Status of a POST of objects', security, params: Type.Object({ status: Type.String({ maxLength: 100 }) }, { additionalProperties: false }) },
        handler: async (req, reply) => sendTaxii(reply, 200, await taxii.status(principalOf(req), (req.params as { status: string }).status)),
      });
      scope.get(`${ROOT}/collections/`, {
        schema: { tags, summary: 'The collections you may read or write', security },
        handler: async (req, reply) => json(reply, await taxii.collections(principalOf(req))),
      });
      scope.get(`${ROOT}/collections/:collection/`, {
        schema: { tags, summary: 'One collection', security, params: CollectionParams },
        handler: async (req, reply) => json(reply, await taxii.collection(principalOf(req), (req.params as { collection: string }).collection)),
      });
      scope.get(`${ROOT}/collections/:collection/manifest/`, {
        schema: { tags, summary: 'Manifest of the objects (id, date_added, version, media_type)', description: 'Filters: added_after, limit, next, match[id|type|version|spec_version].', security, params: CollectionParams },
        handler: async (req, reply) => sendPage(reply, await taxii.manifest(principalOf(req), (req.params as { collection: string }).collection, req.query as Record<string, unknown>)),
      });
      scope.get(`${ROOT}/collections/:collection/objects/`, {
        schema: {
          tags,
          summary: 'Objects of a collection, oldest added first, in pages',
          description: 'Filters: added_after, limit (default 1000, at most 10000), next (from the previous page), match[id], match[type], match[version] (last by default; first, all or timestamps), match[spec_version]. Pages cost the same however deep.',
          security,
          params: CollectionParams,
        },
        handler: async (req, reply) => sendPage(reply, await taxii.objects(principalOf(req), (req.params as { collection: string }).collection, req.query as Record<string, unknown>)),
      });
      scope.post(`${ROOT}/collections/:collection/objects/`, {
        bodyLimit: deps.maxContentLength,
        schema: { tags, summary: 'Add objects (a TAXII envelope); answers with a status resource', security, params: CollectionParams },
        handler: async (req, reply) => json(reply, await taxii.addObjects(principalOf(req), (req.params as { collection: string }).collection, req.body), 202),
      });
      scope.get(`${ROOT}/collections/:collection/objects/:object/`, {
        schema: { tags, summary: 'One object (latest version by default)', security, params: ObjectParams },
        handler: async (req, reply) => {
          const p = req.params as { collection: string; object: string };
          return sendPage(reply, await taxii.object(principalOf(req), p.collection, p.object, req.query as Record<string, unknown>));
        },
      });
      scope.delete(`${ROOT}/collections/:collection/objects/:object/`, {
        schema: { tags, summary: 'Delete an object you shared (all versions unless match[version])', security, params: ObjectParams },
        handler: async (req, reply) => {
          const p = req.params as { collection: string; object: string };
          await taxii.deleteObject(principalOf(req), p.collection, p.object, req.query as Record<string, unknown>);
          return sendTaxii(reply, 200, '');
        },
      });
      scope.get(`${ROOT}/collections/:collection/objects/:object/versions/`, {
        schema: { tags, summary: 'The versions of one object', security, params: ObjectParams },
        handler: async (req, reply) => {
          const p = req.params as { collection: string; object: string };
          return sendPage(reply, await taxii.versions(principalOf(req), p.collection, p.object, req.query as Record<string, unknown>));
        },
      });
    },
    { prefix: '/taxii2' },
  );
}
