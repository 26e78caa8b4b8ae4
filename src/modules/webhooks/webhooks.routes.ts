/** HTTP for webhook endpoints and the delivery log. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import type { WebhooksService } from './webhooks.service.js';

const Endpoint = Type.Object({ org_id: Type.String(), url: Type.String(), enabled: Type.Boolean(), updated_at: Type.String() });
const EndpointInput = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'Where notices and reminders are POSTed' }),
    secret: Type.String({ minLength: 16, maxLength: 200, description: 'HMAC-SHA256 key: X-Threatshare-Signature: v1=hex(HMAC(secret, timestamp + "." + body))' }),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export function webhooksRoutes(app: FastifyInstance, webhooks: WebhooksService): void {
  const tags = ['webhooks'];
  app.put('/api/v1/organizations/:id/webhook', {
    schema: { tags, summary: 'Set the organization\u2019s webhook endpoint (its admin)', security: bearer, params: IdParam, body: EndpointInput, response: { 200: Endpoint, ...problemResponses } },
    handler: async (req) => webhooks.setEndpoint(principalOf(req), (req.params as { id: string }).id, req.body as any),
  });
  app.get('/api/v1/organizations/:id/webhook', {
    schema: { tags, summary: 'The organization\u2019s webhook endpoint (the secret is never returned)', security: bearer, params: IdParam, response: { 200: Type.Union([Endpoint, Type.Null()]), ...problemResponses } },
    handler: async (req) => webhooks.getEndpoint(principalOf(req), (req.params as { id: string }).id),
  });
  app.get('/api/v1/organizations/:id/webhook/deliveries', {
    schema: {
      tags,
      summary: 'The delivery log: every event, its state and each attempt',
      security: bearer,
      params: IdParam,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }, { additionalProperties: false }),
      response: { 200: Type.Array(Type.Object({}, { additionalProperties: true })), ...problemResponses },
    },
    handler: async (req) => webhooks.deliveries(principalOf(req), (req.params as { id: string }).id, (req.query as { limit?: number }).limit),
  });
}
