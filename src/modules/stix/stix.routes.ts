/**
 * HTTP for STIX 2.1 in and out: import a bundle (Art. 6 intake), read a stored object, export an
 * indicator or an organization as a bundle, and the normative schema of our extension definition.
 * STIX bodies are `application/stix+json;version=2.1` (plain `application/json` is accepted too).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bearer, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import { parseJsonBody } from '../../http/strict-input.js';
import { validationFailed } from '../../lib/problem.js';
import type { IndicatorsService } from '../indicators/indicators.service.js';
import { THREATSHARE_EXTENSION_DOCS_PATH, THREATSHARE_EXTENSION_SCHEMA } from './stix-extension.js';
import { StixIdParam, StixImportQuery, StixImportReceipt } from './stix.schema.js';
import type { StixService } from './stix.service.js';
import type { Tlp } from './stix.types.js';

/** Sent as Buffers so the media type goes out exactly as STIX spells it. */
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

export function stixRoutes(app: FastifyInstance, deps: { stix: StixService; indicators: IndicatorsService; importLimit: number }): void {
  const { stix } = deps;
  const tags = ['stix'];

  app.register(async (scope) => {
    // Strict like every JSON body (src/http/strict-input.ts): UTF-8 or refused, no NUL or lone surrogate.
    scope.addContentTypeParser('application/stix+json', { parseAs: 'buffer', bodyLimit: deps.importLimit }, (_req, body, done) => {
      try {
        done(null, parseJsonBody(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    scope.post('/api/v1/stix/bundles', {
      bodyLimit: deps.importLimit,
      schema: {
        tags,
        summary: 'Import a STIX 2.1 bundle',
        description:
          'Each object is validated on its own: valid ones are stored (each version once; a newer `modified` supersedes) and invalid ones are listed with the reason. Indicators whose pattern is a plain list of values, SCOs, observed-data and vulnerabilities feed the indicator store through one report; other patterns are kept raw; objects we do not model are kept verbatim and served back (here and over TAXII). Re-importing the same bundle changes nothing.',
        security: bearer,
        querystring: StixImportQuery,
        response: { 201: StixImportReceipt, ...problemResponses },
      },
      handler: async (req, reply) => {
        const q = req.query as StixImportQuery;
        if (req.body === undefined || req.body === null) throw validationFailed('', 'Send the bundle as the request body');
        const receipt = await stix.importBundle(principalOf(req), req.body, { tlp: q.tlp as Tlp | undefined, category: q.category, subtype: q.subtype, title: q.title, source: 'api' });
        return reply.code(201).header('Location', `/api/v1/imports/${receipt.id}`).send(receipt);
      },
    });
  });

  app.get('/api/v1/stix/objects/:id', {
    schema: {
      tags,
      summary: 'A stored STIX object as a bundle (latest version; every version with ?versions=all)',
      security: bearer,
      params: StixIdParam,
      querystring: Type.Object({ versions: Type.Optional(Type.Literal('all')) }, { additionalProperties: false }),
      response: { ...problemResponses },
    },
    handler: async (req, reply) => {
      const body = await stix.objectBundle(principalOf(req), (req.params as { id: string }).id, (req.query as { versions?: string }).versions === 'all');
      return reply.header('content-type', STIX_MEDIA_TYPE).send(Buffer.from(body));
    },
  });

  app.get('/api/v1/stix/indicators/:id', {
    schema: {
      tags,
      summary: 'An indicator of the store as a STIX 2.1 bundle (SCO, indicator with pattern, based-on)',
      security: bearer,
      params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) }, { additionalProperties: false }),
      response: { ...problemResponses },
    },
    handler: async (req, reply) => {
      const id = Number((req.params as { id: string }).id);
      return reply.header('content-type', STIX_MEDIA_TYPE).send(Buffer.from(JSON.stringify(await stix.indicatorBundle(principalOf(req), id))));
    },
  });

  app.get('/api/v1/stix/organizations/:id', {
    schema: {
      tags,
      summary: 'A registered organization as a STIX identity (no contacts: Art. 12)',
      security: bearer,
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      response: { ...problemResponses },
    },
    handler: async (req, reply) => {
      principalOf(req);
      return reply.header('content-type', STIX_MEDIA_TYPE).send(Buffer.from(JSON.stringify(await stix.organizationBundle((req.params as { id: string }).id))));
    },
  });

  app.get(THREATSHARE_EXTENSION_DOCS_PATH, {
    config: { public: true },
    schema: { tags, summary: 'The normative JSON schema of the threatshare STIX extension definition' },
    handler: async (_req, reply) => reply.header('content-type', 'application/schema+json').send(JSON.stringify(THREATSHARE_EXTENSION_SCHEMA)),
  });
}
