/** HTTP for notices, their signed documents, the published keys, and the unit's actions. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import { Notice, NoticeListQuery, PublicKeys, ResultInput, SignedDocumentSchema, VerifyInput } from './notices.schema.js';
import type { NoticesService } from './notices.service.js';

export function noticesRoutes(app: FastifyInstance, notices: NoticesService): void {
  const tags = ['notices'];
  const id = (req: { params: unknown }) => (req.params as { id: string }).id;

  app.get('/.well-known/threatshare-keys.json', {
    config: { public: true },
    schema: { tags, summary: 'The platform\u2019s public signing keys, with key ids and validity (for offline verification)', response: { 200: PublicKeys } },
    handler: async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(await notices.publicKeys()),
  });

  app.post('/api/v1/signing-keys/rotate', {
    schema: { tags, summary: 'Rotate the platform signing key (ministry admins); old public keys stay published', security: bearer, response: { 200: Type.Object({ key_id: Type.String() }), ...problemResponses } },
    handler: async (req) => notices.rotateKey(principalOf(req)),
  });

  app.get('/api/v1/notices', {
    schema: { tags, summary: 'Notices: a unit pulls its own; regulators see their jurisdiction', security: bearer, querystring: NoticeListQuery, response: { 200: Type.Object({ items: Type.Array(Notice) }), ...problemResponses } },
    handler: async (req) => notices.list(principalOf(req), req.query as any),
  });

  app.get('/api/v1/notices/:id', {
    schema: { tags, summary: 'One notice', security: bearer, params: IdParam, response: { 200: Notice, ...problemResponses } },
    handler: async (req) => notices.get(principalOf(req), id(req)),
  });

  app.get('/api/v1/notices/:id/document', {
    schema: { tags, summary: 'The signed notice document (canonical JSON, Ed25519)', security: bearer, params: IdParam, response: { 200: SignedDocumentSchema, ...problemResponses } },
    handler: async (req) => notices.document(principalOf(req), id(req)),
  });

  app.get('/api/v1/notices/:id/print', {
    schema: {
      tags,
      summary: 'A printable HTML rendering with the signature fingerprint (the signed JSON is embedded)',
      security: bearer,
      params: IdParam,
      querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')], { default: 'zh' })) }, { additionalProperties: false }),
    },
    handler: async (req, reply) => reply.type('text/html; charset=utf-8').send(await notices.print(principalOf(req), id(req), (req.query as { lang?: 'zh' | 'en' }).lang ?? 'zh')),
  });

  app.post('/api/v1/notices/:id/acknowledge', {
    schema: { tags, summary: 'Acknowledge receipt (the noticed unit): the legal delivery time', security: bearer, params: IdParam, response: { 200: Notice, ...problemResponses } },
    handler: async (req) => notices.acknowledge(principalOf(req), id(req)),
  });

  app.post('/api/v1/notices/:id/result', {
    schema: { tags, summary: 'Report the result with evidence (the noticed unit, Art. 9)', security: bearer, params: IdParam, body: ResultInput, response: { 200: Notice, ...problemResponses } },
    handler: async (req) => notices.reportResult(principalOf(req), id(req), req.body as ResultInput),
  });

  app.post('/api/v1/notices/:id/verification', {
    schema: { tags, summary: 'Verify the result: accept, or send back with reasons (regulator or institution)', security: bearer, params: IdParam, body: VerifyInput, response: { 200: Notice, ...problemResponses } },
    handler: async (req) => notices.verify(principalOf(req), id(req), req.body as VerifyInput),
  });

  app.post('/api/v1/notices/:id/written', {
    schema: { tags, summary: 'Issue the written, signed notice after a phone notification (emergencies, Art. 8)', security: bearer, params: IdParam, response: { 200: Notice, ...problemResponses } },
    handler: async (req) => notices.issueWritten(principalOf(req), id(req)),
  });
}
