/**
 * HTTP for the MISP feed: `/feeds/misp/manifest.json`, `/feeds/misp/hashes.csv` and
 * `/feeds/misp/{uuid}.json`. In MISP: Sync Actions → Feeds → Add Feed, source format "MISP Feed",
 * URL `<platform>/feeds/misp`, and a header `Authorization: Bearer <token>` of the pulling unit.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bearer, problemResponses } from '../../../http/common.schema.js';
import { principalOf } from '../../../http/authenticate.js';
import type { MispFeedService } from './misp.service.js';

export function mispRoutes(app: FastifyInstance, misp: MispFeedService): void {
  const tags = ['sharing'];
  app.get('/feeds/misp/manifest.json', {
    schema: { tags, summary: 'MISP feed manifest: the events (reports) you may see', security: bearer, response: { ...problemResponses } },
    handler: async (req, reply) => reply.header('content-type', 'application/json').send(JSON.stringify(await misp.manifest(principalOf(req)))),
  });
  app.get('/feeds/misp/hashes.csv', {
    schema: { tags, summary: 'MISP feed hashes: MD5 of each attribute value, with its event uuid', security: bearer, response: { ...problemResponses } },
    handler: async (req, reply) => reply.header('content-type', 'text/csv; charset=utf-8').send(await misp.hashes(principalOf(req))),
  });
  app.get('/feeds/misp/:event', {
    schema: {
      tags,
      summary: 'One MISP event: a report and its observables',
      security: bearer,
      params: Type.Object({ event: Type.String({ pattern: '^[0-9a-fA-F-]{36}\\.json$' }) }, { additionalProperties: false }),
      response: { ...problemResponses },
    },
    handler: async (req, reply) => {
      const id = (req.params as { event: string }).event.slice(0, 36);
      return reply.header('content-type', 'application/json').send(JSON.stringify(await misp.event(principalOf(req), id)));
    },
  });
}
