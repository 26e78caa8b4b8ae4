/** HTTP for reports, bulk imports, evidence and the Article 2 taxonomy. */
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import { Problem, validationFailed } from '../../lib/problem.js';
import type { EvidenceService } from './evidence.service.js';
import type { ImportsService } from './imports.service.js';
import { ImportQuery, ImportReceipt, Report, ReportCreate, ReportListQuery, ReportReceipt } from './reports.schema.js';
import type { ReportsService } from './reports.service.js';
import { THREAT_CATEGORIES } from './taxonomy.js';
import type { BulkFormat } from './bulk-lines.js';

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A retry with the same key returns the first result and stores nothing twice' })),
});

function idempotencyKey(req: FastifyRequest): string | undefined {
  const k = req.headers['idempotency-key'];
  return typeof k === 'string' && k.length > 0 ? k : undefined;
}

/**
 * The bytes of a (possibly gzip-encoded) body, refusing it past `limit` decompressed bytes, or
 * as soon as it inflates more than `maxRatio` times what was received (a gzip bomb: 200 KiB that
 * inflate to 200 MiB would keep a core busy for minutes before the size limit). Small bodies may
 * inflate further (RATIO_FLOOR): short repetitive files compress well.
 */
export function bodyBytes(stream: Readable, gzip: boolean, limit: number, maxRatio: number): Readable {
  let compressed = 0;
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > limit) cb(new Problem('payload_too_large', `An import is at most ${limit} bytes (IMPORT_LIMIT)`));
      else if (gzip && maxRatio > 0 && seen > RATIO_FLOOR && seen > compressed * maxRatio)
        cb(new Problem('payload_too_large', `A compressed import inflates at most ${maxRatio} times (IMPORT_MAX_RATIO)`));
      else cb(null, chunk);
    },
  });
  if (!gzip) {
    stream.on('error', (e) => counter.destroy(e));
    return stream.pipe(counter);
  }
  const gunzip = createGunzip();
  stream.on('data', (chunk: Buffer) => (compressed += chunk.length));
  stream.on('error', (e) => gunzip.destroy(e));
  gunzip.on('error', (e) => counter.destroy(e));
  // Once refused, nothing more is inflated.
  counter.on('error', () => gunzip.destroy());
  // The piped stream holds the body (back-pressure) until the import reads it.
  return stream.pipe(gunzip).pipe(counter);
}

/** Decompressed bytes a gzip body may always reach, whatever its ratio. */
const RATIO_FLOOR = 1024 * 1024;

function formatOf(req: FastifyRequest, explicit?: BulkFormat): BulkFormat {
  if (explicit) return explicit;
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('text/csv')) return 'csv';
  if (ct.startsWith('application/x-ndjson') || ct.startsWith('application/ndjson') || ct.startsWith('application/jsonl')) return 'ndjson';
  return 'lines';
}

export function reportsRoutes(
  app: FastifyInstance,
  deps: { reports: ReportsService; imports: ImportsService; evidence: EvidenceService; importLimit: number; importMaxRatio: number; evidenceLimit: number },
): void {
  const { reports, imports, evidence } = deps;
  const tags = ['reports'];

  app.get('/api/v1/taxonomy', {
    config: { public: true },
    schema: { tags, summary: 'Article 2 categories and sub-types with Chinese and English labels' },
    handler: async () => THREAT_CATEGORIES,
  });

  app.post('/api/v1/reports', {
    schema: {
      tags,
      summary: 'Submit a threat report (Art. 6)',
      description: 'One report in the specified format. Every observable is normalized; one that cannot be its stated type, or that is not on the public internet, refuses the report with the reason per value. With an Idempotency-Key, a retry returns the first receipt (200) and stores nothing twice.',
      security: bearer,
      headers: IdempotencyHeaders,
      body: ReportCreate,
      response: { 201: ReportReceipt, 200: ReportReceipt, ...problemResponses, 422: problemResponses[400] },
    },
    handler: async (req, reply) => {
      const { receipt, replayed } = await reports.submit(principalOf(req), req.body as ReportCreate, { idempotencyKey: idempotencyKey(req) });
      return reply.code(replayed ? 200 : 201).header('Location', `/api/v1/reports/${receipt.id}`).send(receipt);
    },
  });

  app.get('/api/v1/reports', {
    schema: { tags, summary: 'Reports you may see, newest first (keyset pages)', security: bearer, querystring: ReportListQuery, response: { 200: Type.Object({ items: Type.Array(Report), next: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses } },
    handler: async (req) => reports.list(principalOf(req), req.query as any),
  });

  app.get('/api/v1/reports/:id', {
    schema: {
      tags,
      summary: 'One report with its observables',
      security: bearer,
      params: IdParam,
      response: { 200: Type.Object({ ...Report.properties, observables: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), value: Type.String() })) }), ...problemResponses },
    },
    handler: async (req) => reports.get(principalOf(req), (req.params as { id: string }).id),
  });

  // Bulk intake and evidence take raw bodies: their own content-type parsers, in their own scope.
  app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'text/plain', 'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/octet-stream'], (_req, payload, done) => done(null, payload));

    scope.post('/api/v1/imports', {
      schema: {
        tags,
        summary: 'Bulk intake of CSV, NDJSON or a plain list',
        description:
          'Body: `text/csv` (header `value[,type,category,subtype]`), `application/x-ndjson` (`{"value":…,"type":…}` a line) or `text/plain` (one value a line, `#` comments, as public blocklists publish them). `Content-Encoding: gzip` is accepted (inflating at most IMPORT_MAX_RATIO times). Each line is accepted, a duplicate, or refused with its reason; refused lines never stop the rest. A line is at most 64 KiB: a longer one is refused as `too_long`; a refusal keeps at most 200 characters of the value. All in one transaction.',
        security: bearer,
        headers: IdempotencyHeaders,
        querystring: ImportQuery,
        response: { 201: ImportReceipt, 200: ImportReceipt, ...problemResponses },
      },
      handler: async (req, reply) => {
        const q = req.query as any;
        if (!req.body || typeof (req.body as Readable).pipe !== 'function') throw validationFailed('/body', 'Send the file as the request body (text/csv, application/x-ndjson or text/plain)');
        const gzip = String(req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
        const bytes = bodyBytes(req.body as Readable, gzip, deps.importLimit, deps.importMaxRatio);
        const { receipt, replayed } = await imports.importBody(principalOf(req), bytes, { ...q, format: formatOf(req, q.format), idempotencyKey: idempotencyKey(req) });
        return reply.code(replayed ? 200 : 201).send(receipt);
      },
    });
  });

  app.get('/api/v1/imports/:id', {
    schema: { tags, summary: 'The receipt of a bulk import', security: bearer, params: IdParam, response: { 200: ImportReceipt, ...problemResponses } },
    handler: async (req) => imports.get(principalOf(req), (req.params as { id: string }).id),
  });

  app.register(async (scope) => {
    // Evidence is any file: no JSON or text parsing in this scope, every body arrives as bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.evidenceLimit }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/evidence', {
      bodyLimit: deps.evidenceLimit,
      schema: {
        tags,
        summary: 'Upload an evidence file; it is addressed by its SHA-256',
        description: 'The body is the file, with its Content-Type. Cite the returned sha256 in a report.',
        security: bearer,
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 255 })) }, { additionalProperties: false }),
        response: { 201: Type.Object({ sha256: Type.String(), size_bytes: Type.Integer(), media_type: Type.String(), file_name: Type.Union([Type.String(), Type.Null()]), created: Type.Boolean() }), ...problemResponses },
      },
      handler: async (req, reply) => {
        const body = req.body;
        if (!Buffer.isBuffer(body)) throw validationFailed('/body', 'Send the file as the request body');
        const media = String(req.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim() || 'application/octet-stream';
        const result = await evidence.upload(principalOf(req), body, media, (req.query as { name?: string }).name ?? null);
        return reply.code(201).send(result);
      },
    });
  });

  app.get('/api/v1/evidence/:sha256', {
    schema: { tags, summary: 'Download an evidence file you may read', security: bearer, params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false }) },
    handler: async (req, reply) => {
      const file = await evidence.download(principalOf(req), (req.params as { sha256: string }).sha256);
      reply.header('Content-Type', file.media_type).header('X-Content-Type-Options', 'nosniff');
      reply.header('Content-Disposition', `attachment; filename="${encodeURIComponent(file.file_name ?? (req.params as { sha256: string }).sha256)}"`);
      return reply.send(file.content);
    },
  });
}
