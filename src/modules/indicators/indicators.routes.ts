/** HTTP for indicator lookups and the indicator store. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bearer, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import { BatchLookupBody, BatchLookupResult, IndicatorDetail, IndicatorSearchQuery, IndicatorSummary, LookupQuery, LookupResult } from './indicators.schema.js';
import type { IndicatorsService } from './indicators.service.js';
import type { ObservableType } from './observable-types.js';

export function indicatorsRoutes(app: FastifyInstance, indicators: IndicatorsService): void {
  const tags = ['indicators'];

  app.get('/api/v1/indicators/lookup', {
    schema: {
      tags,
      summary: 'Is this value a known threat?',
      description: 'Any observable: its type is detected and it is normalized before the lookup. Answers with its category, status and province when it is known and you may see it.',
      security: bearer,
      querystring: LookupQuery,
      response: { 200: LookupResult, ...problemResponses },
    },
    // Not async: most answers are ready at once (lookupNow), and Fastify sends a returned value
    // without a promise in between.
    handler: (req) => {
      const q = req.query as { value: string; type?: ObservableType };
      return indicators.lookupNow(principalOf(req), q.value, q.type);
    },
  });

  app.post('/api/v1/indicators/lookup', {
    schema: { tags, summary: 'Batch lookup of up to 10,000 values', security: bearer, body: BatchLookupBody, response: { 200: BatchLookupResult, ...problemResponses } },
    handler: async (req) => {
      const b = req.body as { values: string[]; type?: ObservableType };
      return indicators.batchLookup(principalOf(req), b.values, b.type);
    },
  });

  app.get('/api/v1/indicators', {
    schema: {
      tags,
      summary: 'Search the indicator store (newest first, keyset pages)',
      security: bearer,
      querystring: IndicatorSearchQuery,
      response: { 200: Type.Object({ items: Type.Array(IndicatorSummary), next_before_id: Type.Union([Type.Integer(), Type.Null()]) }), ...problemResponses },
    },
    handler: async (req) => indicators.search(principalOf(req), req.query as any),
  });

  app.get('/api/v1/indicators/:id', {
    schema: {
      tags,
      summary: 'One indicator with its sightings',
      description:
        'Reporters are named only to regulators and institutions, or where the reporter agreed. A personal value (e-mail, phone, broadband account) and the responsible unit are shown only to regulators, institutions, the responsible unit and the reporters of the indicator (`[redacted]` and null otherwise, Art. 12). Every read that shows a restricted field is in the audit log.',
      security: bearer,
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
      response: { 200: IndicatorDetail, ...problemResponses },
    },
    handler: async (req) => indicators.detail(principalOf(req), (req.params as { id: number }).id),
  });
}
