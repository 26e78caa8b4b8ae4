/** HTTP for the timing figures. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { bearer, problemResponses } from '../../http/common.schema.js';
import type { StatsService } from './stats.service.js';

const Pair = Type.Object({ median: Type.Union([Type.Number(), Type.Null()]), p90: Type.Union([Type.Number(), Type.Null()]) });

export function statsRoutes(app: FastifyInstance, stats: StatsService): void {
  app.get('/api/v1/stats/timing', {
    schema: {
      tags: ['statistics'],
      summary: 'Time to identify, decide and handle (median, p90, seconds) and overdue rate, per province, category or unit',
      security: bearer,
      querystring: Type.Object(
        {
          group_by: Type.Union([Type.Literal('province'), Type.Literal('category'), Type.Literal('unit')], { default: 'province' }),
          province_code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          group_by: Type.String(),
          unit: Type.Literal('seconds'),
          groups: Type.Array(
            Type.Object({
              key: Type.Union([Type.String(), Type.Null()], { description: 'Province code, category, or unit org id; null = national / unknown' }),
              cases: Type.Integer(),
              time_to_identify: Pair,
              time_to_decide: Pair,
              time_to_handle: Pair,
              notices: Type.Integer(),
              overdue: Type.Integer(),
              overdue_rate: Type.Union([Type.Number(), Type.Null()]),
            }),
          ),
        }),
        ...problemResponses,
      },
    },
    handler: async (req) => stats.timing(principalOf(req), req.query as any),
  });

  const Counts = Type.Array(Type.Object({ key: Type.Union([Type.String(), Type.Null()]), count: Type.Integer() }));
  app.get('/api/v1/stats/threats', {
    schema: {
      tags: ['statistics'],
      summary: 'Threats reported by Article 2 category, by province and by day (UTC+8), within your jurisdiction',
      description: 'The ministry and institutions see the nation, a provincial administration its province, a unit its own reports. A null province is national.',
      security: bearer,
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({ since: Type.String({ format: 'date-time' }), days: Type.Integer(), total: Type.Integer(), by_category: Counts, by_province: Counts, by_day: Counts }),
        ...problemResponses,
      },
    },
    handler: async (req) => stats.threats(principalOf(req), req.query as { days?: number }),
  });
}
