/**
 * HTTP for sharing: exports and feeds (conditional GET, gzip, streamed), the incremental feed,
 * the exclusion list, bulletins, releases (API, public page, Atom feed), subscriptions and the
 * server-sent-events stream.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import type { Principal } from '../auth/principal.js';
import type { ExportFormatName } from './exports/index.js';
import { EXPORT_FORMATS } from './exports/index.js';
import { renderReleasesAtom, renderReleasesHtml } from './release-page.js';
import type { Sharing } from './sharing.js';
import {
  Bulletin,
  BulletinCreate,
  BulletinSummary,
  ChangesPage,
  ChangesQuery,
  Exclusions,
  ExclusionsBody,
  ExclusionsResult,
  ExportParams,
  ExportQuery,
  Release,
  ReleaseAction,
  ReleaseInput,
  Subscription,
  SubscriptionCreate,
  SubscriptionDelivery,
} from './sharing.schema.js';

const HEARTBEAT_MS = 15_000;
const STREAM_POLL_MS = 1_000;

/** Does the client already hold this representation? (RFC 9110 §13.1.2, weak comparison.) */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '').replace(/-gz"$/, '"');
  return ifNoneMatch.split(',').some((t) => bare(t) === bare(etag));
}

function acceptsGzip(req: FastifyRequest): boolean {
  const ae = String(req.headers['accept-encoding'] ?? '');
  return /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[0-9.]+)?\s*(,|$)/i.test(ae);
}

async function sendExport(s: Sharing, req: FastifyRequest, reply: FastifyReply, p: Principal | null) {
  const { format } = req.params as { format: ExportFormatName };
  const q = req.query as { include_subdomains?: boolean; types?: string };
  const prepared = await s.feeds.prepareExport(p, { format, include_subdomains: q.include_subdomains, types: q.types ? q.types.split(',').map((t) => t.trim()).filter(Boolean) : undefined });
  const gzip = acceptsGzip(req);
  const etag = gzip ? prepared.etag.replace(/"$/, '-gz"') : prepared.etag;
  reply.header('etag', etag);
  reply.header('last-modified', prepared.last_modified.toUTCString());
  reply.header('cache-control', p ? 'private, no-cache' : 'public, no-cache');
  reply.header('vary', 'Accept-Encoding, Authorization');
  if (matchesEtag(req.headers['if-none-match'], prepared.etag)) return reply.code(304).send();
  reply.header('content-type', prepared.content_type);
  reply.header('content-disposition', `inline; filename="${prepared.file_name}"`);
  reply.header('x-load-command', EXPORT_FORMATS[format].load_command.replace(/[^\x20-\x7e]/g, ' '));
  const body = Readable.from(prepared.body(), { objectMode: false });
  if (!gzip) return reply.send(body);
  reply.header('content-encoding', 'gzip');
  // pipeline, not pipe: when the client goes away Fastify destroys the gzip stream, and the body
  // must go too, so the generator stops and its database COPY gives its connection back.
  const gzipped = createGzip({ level: 4 });
  pipeline(body, gzipped, () => {});
  return reply.send(gzipped);
}

export function sharingRoutes(app: FastifyInstance, s: Sharing): void {
  const tags = ['sharing'];
  // Open event streams end when the server closes, so shutdown never waits on a subscriber.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of streams) stop();
  });
  const exportDescription = Object.entries(EXPORT_FORMATS)
    .map(([name, f]) => `- \`${name}\` (${f.content_type}): ${f.description}. Load: \`${f.load_command}\``)
    .join('\n');

  app.get('/api/v1/exports/:format', {
    schema: {
      tags,
      summary: 'A blocklist or context export of what your organization may see (active, not excluded, not expired)',
      description: `Streams the file; answers 304 to If-None-Match with the current ETag; gzip when accepted.\n\n${exportDescription}`,
      security: bearer,
      params: ExportParams,
      querystring: ExportQuery,
      response: { 200: { description: 'The file', type: 'string' } as object, ...problemResponses },
    },
    handler: async (req, reply) => sendExport(s, req, reply, principalOf(req)),
  });

  app.get('/feeds/public/:format', {
    config: { public: true },
    schema: {
      tags,
      summary: 'The public blocklists: TLP:CLEAR indicators only, no authentication',
      params: ExportParams,
      querystring: ExportQuery,
      response: { 200: { description: 'The file', type: 'string' } as object, ...problemResponses },
    },
    handler: async (req, reply) => sendExport(s, req, reply, null),
  });

  app.get('/api/v1/feeds/changes', {
    schema: {
      tags,
      summary: 'Incremental feed: every change to what you may see since a cursor (add / remove)',
      description: 'Follow next_cursor until `more` is false; poll again later with the last cursor. Withdrawn, expired, handled and excluded indicators come as `remove`.',
      security: bearer,
      querystring: ChangesQuery,
      response: { 200: ChangesPage, ...problemResponses },
    },
    handler: async (req) => {
      const q = req.query as { cursor?: string; limit?: number; types?: string };
      return s.feeds.changes(principalOf(req), { cursor: q.cursor, limit: q.limit, types: q.types?.split(',').filter(Boolean) });
    },
  });

  app.get('/api/v1/exclusions', {
    schema: { tags, summary: 'The exclusion list: values kept out of every blocklist', security: bearer, response: { 200: Exclusions, ...problemResponses } },
    handler: async (req) => s.feeds.exclusions(principalOf(req)),
  });
  app.put('/api/v1/exclusions', {
    schema: {
      tags,
      summary: 'Replace the exclusion list (the ministry): matching indicators leave every blocklist at once',
      security: bearer,
      body: ExclusionsBody,
      response: { 200: ExclusionsResult, ...problemResponses },
    },
    handler: async (req) => s.feeds.setExclusions(principalOf(req), (req.body as { entries: { type: string; value: string }[] }).entries),
  });

  // ---- bulletins --------------------------------------------------------------------------------
  app.post('/api/v1/bulletins', {
    schema: { tags, summary: 'Send a bulletin (通报) to named units or kinds of units (regulators)', security: bearer, body: BulletinCreate, response: { 201: Bulletin, ...problemResponses } },
    handler: async (req, reply) => reply.code(201).send(await s.bulletins.send(principalOf(req), req.body as BulletinCreate)),
  });
  app.get('/api/v1/bulletins', {
    schema: {
      tags,
      summary: 'Bulletins you sent or received, newest first',
      security: bearer,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(BulletinSummary) }), ...problemResponses },
    },
    handler: async (req) => ({ items: await s.bulletins.list(principalOf(req), (req.query as { limit?: number }).limit) }),
  });
  app.get('/api/v1/bulletins/:id', {
    schema: { tags, summary: 'One bulletin; a recipient\u2019s first read is its read receipt', security: bearer, params: IdParam, response: { 200: Bulletin, ...problemResponses } },
    handler: async (req) => s.bulletins.get(principalOf(req), (req.params as { id: string }).id),
  });

  // ---- releases ---------------------------------------------------------------------------------
  app.post('/api/v1/releases', {
    schema: { tags, summary: 'Draft a public release (regulators, institutions)', security: bearer, body: ReleaseInput, response: { 201: Release, ...problemResponses } },
    handler: async (req, reply) => reply.code(201).send(await s.releases.create(principalOf(req), req.body as any)),
  });
  app.put('/api/v1/releases/:id', {
    schema: { tags, summary: 'Revise a draft or rejected release (its author)', security: bearer, params: IdParam, body: ReleaseInput, response: { 200: Release, ...problemResponses } },
    handler: async (req) => s.releases.update(principalOf(req), (req.params as { id: string }).id, req.body as any),
  });
  app.post('/api/v1/releases/:id/transitions', {
    schema: {
      tags,
      summary: 'submit (author); approve, reject (with reasons), publish, withdraw (a regulator)',
      security: bearer,
      params: IdParam,
      body: ReleaseAction,
      response: { 200: Release, ...problemResponses },
    },
    handler: async (req) => {
      const b = req.body as { action: 'submit' | 'approve' | 'reject' | 'publish' | 'withdraw'; reasons?: string };
      return s.releases.transition(principalOf(req), (req.params as { id: string }).id, b.action, b.reasons);
    },
  });
  app.get('/api/v1/releases', {
    schema: { tags, summary: 'Releases you authored, all (regulators), and published ones', security: bearer, response: { 200: Type.Object({ items: Type.Array(Release) }), ...problemResponses } },
    handler: async (req) => ({ items: await s.releases.list(principalOf(req)) }),
  });
  app.get('/api/v1/releases/:id', {
    schema: { tags, summary: 'One release', security: bearer, params: IdParam, response: { 200: Release, ...problemResponses } },
    handler: async (req) => s.releases.get(principalOf(req), (req.params as { id: string }).id),
  });
  app.get('/releases', {
    config: { public: true },
    schema: { tags, summary: 'The public page of published releases (HTML, ?lang=zh|en)', querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')])) }, { additionalProperties: false }) },
    handler: async (req, reply) => {
      const lang = (req.query as { lang?: 'zh' | 'en' }).lang ?? (/^en/i.test(String(req.headers['accept-language'] ?? '')) ? 'en' : 'zh');
      reply.header('content-type', 'text/html; charset=utf-8').header('content-language', lang === 'zh' ? 'zh-CN' : 'en');
      return reply.send(renderReleasesHtml(await s.releases.published(), lang, s.publicUrl));
    },
  });
  app.get('/releases.atom', {
    config: { public: true },
    schema: { tags, summary: 'Atom feed of published releases' },
    handler: async (_req, reply) => reply.header('content-type', 'application/atom+xml; charset=utf-8').send(renderReleasesAtom(await s.releases.published(), s.publicUrl)),
  });
  app.get('/releases.json', {
    config: { public: true },
    schema: { tags, summary: 'Published releases as JSON', response: { 200: Type.Object({ items: Type.Array(Release) }) } },
    handler: async () => ({ items: await s.releases.published() }),
  });

  // ---- subscriptions and the stream -------------------------------------------------------------
  app.post('/api/v1/subscriptions', {
    schema: { tags, summary: 'Subscribe your organization to events (SSE stream, and the signed webhook when asked)', security: bearer, body: SubscriptionCreate, response: { 201: Subscription, ...problemResponses } },
    handler: async (req, reply) => {
      const p = principalOf(req);
      const b = req.body as { events: string[]; webhook_url?: string; secret?: string; webhook?: boolean; org_id?: string };
      return reply.code(201).send(await s.subscriptions.create(p, b.org_id ?? p.orgId, b));
    },
  });
  app.get('/api/v1/subscriptions', {
    schema: { tags, summary: 'Your organization\u2019s subscriptions', security: bearer, response: { 200: Type.Object({ items: Type.Array(Subscription) }), ...problemResponses } },
    handler: async (req) => ({ items: await s.subscriptions.list(principalOf(req), principalOf(req).orgId) }),
  });
  app.delete('/api/v1/subscriptions/:id', {
    schema: { tags, summary: 'End a subscription', security: bearer, params: IdParam, response: { 204: Type.Null(), ...problemResponses } },
    handler: async (req, reply) => {
      await s.subscriptions.remove(principalOf(req), (req.params as { id: string }).id);
      return reply.code(204).send();
    },
  });
  app.get('/api/v1/subscriptions/:id/deliveries', {
    schema: {
      tags,
      summary: 'The webhook delivery log of a subscription (state, attempts, last status)',
      security: bearer,
      params: IdParam,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(SubscriptionDelivery) }), ...problemResponses },
    },
    handler: async (req) => ({ items: await s.subscriptions.deliveries(principalOf(req), (req.params as { id: string }).id, (req.query as { limit?: number }).limit) }),
  });

  app.get('/api/v1/stream', {
    schema: {
      tags,
      summary: 'Server-sent events: your organization\u2019s subscribed events, resumable with Last-Event-ID',
      description: 'text/event-stream; `id:` is the event sequence; a comment line every 15 s keeps the connection open. Only events your organization is entitled to.',
      security: bearer,
      querystring: Type.Object({ last_event_id: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
    },
    handler: async (req, reply) => {
      const p = principalOf(req);
      await s.subscriptions.assertCanStream(p);
      const header = req.headers['last-event-id'];
      const fromHeader = header !== undefined && /^\d+$/.test(String(header)) ? Number(header) : undefined;
      let cursor = fromHeader ?? (req.query as { last_event_id?: number }).last_event_id ?? (await s.subscriptions.streamStart());
      reply.hijack();
      const res = reply.raw;
      // The headers the hooks set (security headers, rate limits) go out with the stream's own.
      res.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 3000\n: stream from ${cursor}\n\n`);
      let closed = false;
      let wake: (() => void) | null = null;
      const unlisten = s.subscriptions.listen(() => wake?.());
      const stop = () => {
        closed = true;
        wake?.();
      };
      streams.add(stop);
      req.raw.on('close', stop);
      let lastWrite = Date.now();
      while (!closed) {
        try {
          const events = await s.subscriptions.eventsAfter(p, cursor, 100);
          for (const e of events) {
            res.write(`id: ${e.seq}\nevent: ${e.event_type}\ndata: ${JSON.stringify(e.payload)}\n\n`);
            cursor = e.seq;
            lastWrite = Date.now();
          }
          if (events.length === 100) continue;
        } catch {
          // The database is briefly unavailable: keep the connection, try again at the next poll.
        }
        if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          res.write(': heartbeat\n\n');
          lastWrite = Date.now();
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, STREAM_POLL_MS);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = null;
      }
      unlisten();
      streams.delete(stop);
      res.end();
    },
  });
}
