/** HTTP for enforcement cases, penalties and appeals (Art. 10, 13). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import { ReasonsInput } from '../identification/identification.schema.js';
import type { AppealsService } from './appeals.service.js';
import { Appeal, AppealAssignInput, AppealInput, AppealOutcomeInput, EnforcementCase, InterviewInput, PenaltyInput, RectificationInput } from './enforcement.schema.js';
import type { EnforcementService } from './enforcement.service.js';

export function enforcementRoutes(app: FastifyInstance, enforcement: EnforcementService, appeals: AppealsService): void {
  const tags = ['enforcement'];
  const id = (req: { params: unknown }) => (req.params as { id: string }).id;
  const one = { 200: EnforcementCase, ...problemResponses };

  app.get('/api/v1/enforcement-cases', {
    schema: {
      tags,
      summary: 'Enforcement cases: regulators their jurisdiction, a unit its own',
      security: bearer,
      querystring: Type.Object({ state: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(EnforcementCase) }), ...problemResponses },
    },
    handler: async (req) => enforcement.list(principalOf(req), req.query as any),
  });
  app.get('/api/v1/enforcement-cases/:id', { schema: { tags, summary: 'One enforcement case with its actions', security: bearer, params: IdParam, response: one }, handler: async (req) => enforcement.get(principalOf(req), id(req)) });
  app.post('/api/v1/enforcement-cases/:id/interview', {
    schema: { tags, summary: 'Record an interview (约谈, CSL Art. 56)', security: bearer, params: IdParam, body: InterviewInput, response: one },
    handler: async (req) => enforcement.holdInterview(principalOf(req), id(req), req.body as any),
  });
  app.post('/api/v1/enforcement-cases/:id/rectification-order', {
    schema: { tags, summary: 'Order rectification by a date', security: bearer, params: IdParam, body: RectificationInput, response: one },
    handler: async (req) => enforcement.orderRectification(principalOf(req), id(req), req.body as any),
  });
  app.post('/api/v1/enforcement-cases/:id/penalty', {
    schema: {
      tags,
      summary: 'Decide a penalty (warning, fine) under the law in force at the conduct date; issued as a signed notice',
      description: 'Refused (400, field named) when the provision was not in force on the conduct date, the tier does not exist, or an amount is outside the statutory range.',
      security: bearer,
      params: IdParam,
      body: PenaltyInput,
      response: one,
    },
    handler: async (req) => enforcement.decidePenalty(principalOf(req), id(req), req.body as any),
  });
  app.post('/api/v1/enforcement-cases/:id/dismiss', { schema: { tags, summary: 'Dismiss (delay justified, result verified)', security: bearer, params: IdParam, body: ReasonsInput, response: one }, handler: async (req) => enforcement.dismiss(principalOf(req), id(req), (req.body as { reasons: string }).reasons) });
  app.post('/api/v1/enforcement-cases/:id/close', { schema: { tags, summary: 'Close (rectified, or penalty carried out)', security: bearer, params: IdParam, body: ReasonsInput, response: one }, handler: async (req) => enforcement.close(principalOf(req), id(req), (req.body as { reasons: string }).reasons) });

  const atags = ['appeals'];
  app.post('/api/v1/cases/:id/appeals', {
    schema: {
      tags: atags,
      summary: 'Ask for review (复核) of the finding and its measures: the resource holder, a noticed unit or a reporter, within the period',
      security: bearer,
      params: IdParam,
      body: AppealInput,
      response: { 201: Appeal, ...problemResponses },
    },
    handler: async (req, reply) => reply.code(201).send(await appeals.submit(principalOf(req), id(req), req.body as { reasons: string })),
  });
  app.get('/api/v1/appeals', { schema: { tags: atags, summary: 'Appeals you made or review', security: bearer, response: { 200: Type.Object({ items: Type.Array(Appeal) }), ...problemResponses } }, handler: async (req) => appeals.list(principalOf(req)) });
  app.get('/api/v1/appeals/:id', { schema: { tags: atags, summary: 'One appeal', security: bearer, params: IdParam, response: { 200: Appeal, ...problemResponses } }, handler: async (req) => appeals.get(principalOf(req), id(req)) });
  app.post('/api/v1/appeals/:id/assign', {
    schema: { tags: atags, summary: 'Name the reviewing institution (a regulator); never the one that identified', security: bearer, params: IdParam, body: AppealAssignInput, response: { 200: Appeal, ...problemResponses } },
    handler: async (req) => appeals.assign(principalOf(req), id(req), (req.body as { reviewer_org_id: string }).reviewer_org_id),
  });
  app.post('/api/v1/appeals/:id/outcome', {
    schema: { tags: atags, summary: 'The reviewer\u2019s outcome: upheld, changed, or withdrawn (withdraws the finding and its notices, signed)', security: bearer, params: IdParam, body: AppealOutcomeInput, response: { 200: Appeal, ...problemResponses } },
    handler: async (req) => appeals.decide(principalOf(req), id(req), req.body as any),
  });
}
