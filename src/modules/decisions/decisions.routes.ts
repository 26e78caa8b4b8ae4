/** HTTP for decisions (Art. 8). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import { ReasonsInput } from '../identification/identification.schema.js';
import { AssignUnroutedInput, Decision, DecisionInput } from './decisions.schema.js';
import type { DecisionsService } from './decisions.service.js';

export function decisionsRoutes(app: FastifyInstance, svc: DecisionsService): void {
  const tags = ['decisions'];
  const id = (req: { params: unknown }) => (req.params as { id: string }).id;
  const State = Type.Object({ id: Type.String(), state: Type.String() });

  app.post('/api/v1/cases/:id/decisions', {
    schema: {
      tags,
      summary: 'Decide measures on a confirmed case and issue the signed notices (the regulator of the case\u2019s province)',
      description: 'Each measure is routed per target (declared scopes, then ip2region operator and province, then registrar suffixes); one notice per unit. Targets no unit covers are listed in `unrouted` for POST /api/v1/decisions/{id}/assign.',
      security: bearer,
      params: IdParam,
      body: DecisionInput,
      response: { 201: Decision, ...problemResponses },
    },
    handler: async (req, reply) => reply.code(201).send(await svc.decide(principalOf(req), id(req), req.body as DecisionInput)),
  });
  app.get('/api/v1/decisions/:id', {
    schema: { tags, summary: 'One decision with its notices and unrouted targets', security: bearer, params: IdParam, response: { 200: Decision, ...problemResponses } },
    handler: async (req) => svc.get(principalOf(req), id(req)),
  });
  app.post('/api/v1/decisions/:id/assign', {
    schema: { tags, summary: 'Assign unrouted targets to a unit by hand; the notice is issued at once', security: bearer, params: IdParam, body: AssignUnroutedInput, response: { 200: Decision, ...problemResponses } },
    handler: async (req) => svc.assignUnrouted(principalOf(req), id(req), req.body as AssignUnroutedInput),
  });
  app.post('/api/v1/cases/:id/close', {
    schema: { tags, summary: 'Close a confirmed case without measures (e.g. already handled)', security: bearer, params: IdParam, body: ReasonsInput, response: { 200: State, ...problemResponses } },
    handler: async (req) => svc.closeWithoutMeasures(principalOf(req), id(req), (req.body as { reasons: string }).reasons),
  });
  app.post('/api/v1/cases/:id/return', {
    schema: { tags, summary: 'Send the identification back to the institution', security: bearer, params: IdParam, body: ReasonsInput, response: { 200: State, ...problemResponses } },
    handler: async (req) => svc.returnToIdentification(principalOf(req), id(req), (req.body as { reasons: string }).reasons),
  });
}
