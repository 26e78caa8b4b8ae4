/**
 * HTTP for the MISP feed: `/feeds/misp/manifest.json`, `/feeds/misp/hashes.csv` and
 * `/feeds/misp/{uuid}.json`, the newest events; the same three under
 * `/feeds/misp/before/{cursor}/` for the events older than a page's last, named by each page's
 * `Link: <…>; rel="next"` header. In MISP: Sync Actions → Feeds → Add Feed, source format
 * "MISP Feed", URL `<platform>/feeds/misp` (or a `…/before/{cursor}` page to backfill older
 * events), and a header `Authorization: Bearer <token>` of the pulling unit.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { bearer, problemResponses } from '../../../http/common.schema.js';
import { principalOf } from '../../../http/authenticate.js';
import type { MispFeedService } from './misp.service.js';

const CURSOR = Type.String({ pattern: '^[A-Za-z0-9_-]{1,400}$' });
const EVENT = Type.String({ pattern: '^[0-9a-fA-F-]{36}\\.json$' });

/** The next (older) page as a feed URL of its own, relative to the feed root. */
function linkNext(reply: FastifyReply, prefix: string, next: string | null): FastifyReply {
  return next === null ? reply : reply.header('link', `<${prefix}/before/${next}/manifest.json>; rel="next"`);
}

export function mispRoutes(app: FastifyInstance, misp: MispFeedService): void {
  const tags = ['sharing'];
  const root = '/feeds/misp';
  for (const paged of [false, true]) {
    const base = paged ? `${root}/before/:cursor` : root;
    const params = (extra: Record<string, typeof EVENT> = {}) => Type.Object({ ...(paged ? { cursor: CURSOR } : {}), ...extra }, { additionalProperties: false });
    const cursorOf = (req: { params: unknown }) => (paged ? (req.params as { cursor: string }).cursor : null);
    const which = paged ? 'older than the cursor' : 'newest';
    app.get(`${base}/manifest.json`, {
      schema: { tags, summary: `MISP feed manifest: the ${which} events (report parts) you may see`, security: bearer, params: params(), response: { ...problemResponses } },
      handler: async (req, reply) => {
        const page = await misp.manifest(principalOf(req), cursorOf(req));
        return linkNext(reply, root, page.next).header('content-type', 'application/json').send(JSON.stringify(page.body));
      },
    });
    app.get(`${base}/hashes.csv`, {
      schema: { tags, summary: `MISP feed hashes of the ${which} events: MD5 of each attribute value, with its event uuid`, security: bearer, params: params(), response: { ...problemResponses } },
      handler: async (req, reply) => {
        const page = await misp.hashes(principalOf(req), cursorOf(req));
        return linkNext(reply, root, page.next).header('content-type', 'text/csv; charset=utf-8').send(Readable.from(page.body));
      },
    });
    app.get(`${base}/:event`, {
      schema: { tags, summary: 'One MISP event: a report, or one part of a large one, and its observables', security: bearer, params: params({ event: EVENT }), response: { ...problemResponses } },
      handler: async (req, reply) => {
        const id = (req.params as { event: string }).event.slice(0, 36);
        return reply.header('content-type', 'application/json').send(Readable.from(await misp.event(principalOf(req), id)));
      },
    });
  }
}
