/** HTTP for threat cases and identification (Art. 7). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/authenticate.js';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import { AssignInput, CaseListQuery, IdentificationInput, InformationInput, ReasonsInput, ThreatCase } from './identification.schema.js';
import type { IdentificationService } from './identification.service.js';

export function identificationRoutes(app: FastifyInstance, svc: IdentificationService): void {
  const tags = ['cases'];
  const id = (req: { params: unknown }) => (req.params as { id: string }).id;
  const CaseDetail = Type.Object({ ...ThreatCase.properties }, { additionalProperties: true, description: 'The case with its reports, indicators (first 1,000), identifications and notices' });

  app.get('/api/v1/cases', {
    schema: { tags, summary: 'Threat cases you may see, sorted on the server (keyset pages); institutions: `queue=true` for your identification queue', security: bearer, querystring: CaseListQuery, response: { 200: Type.Object({ items: Type.Array(ThreatCase), next: Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page (`before`), null on the last' }) }), ...problemResponses } },
    handler: async (req) => svc.list(principalOf(req), req.query as any),
  });
  app.get('/api/v1/cases/:id', {
    schema: { tags, summary: 'One case with reports, indicators, identifications and notices', security: bearer, params: IdParam, response: { 200: CaseDetail, ...problemResponses } },
    handler: async (req) => svc.get(principalOf(req), id(req)),
  });
  app.post('/api/v1/cases/:id/assign', {
    schema: { tags, summary: 'Assign (or reassign) the case to a professional institution: by category and load unless named', security: bearer, params: IdParam, body: AssignInput, response: { 200: ThreatCase, ...problemResponses } },
    handler: async (req) => svc.assign(principalOf(req), id(req), (req.body ?? {}) as { institution_org_id?: string }),
  });
  app.post('/api/v1/cases/:id/decline', {
    schema: { tags, summary: 'The assigned institution declines; the case goes to another one', security: bearer, params: IdParam, body: ReasonsInput, response: { 200: ThreatCase, ...problemResponses } },
    handler: async (req) => svc.decline(principalOf(req), id(req), (req.body as { reasons: string }).reasons),
  });
  app.post('/api/v1/cases/:id/identification', {
    schema: {
      tags,
      summary: 'The verdict of the assigned institution (Art. 7): confirmed (severity, analysis or evidence, recommended measures), rejected (reasons) or more_info_needed (questions)',
      security: bearer,
      params: IdParam,
      body: IdentificationInput,
      response: { 200: ThreatCase, ...problemResponses },
    },
    handler: async (req) => svc.identify(principalOf(req), id(req), req.body as any),
  });
  app.post('/api/v1/cases/:id/information', {
    schema: { tags, summary: 'The reporter answers the institution\u2019s questions', security: bearer, params: IdParam, body: InformationInput, response: { 200: ThreatCase, ...problemResponses } },
    handler: async (req) => svc.provideInfo(principalOf(req), id(req), req.body as any),
  });
  app.get('/api/v1/self-handled', {
    schema: { tags, summary: 'Counts of self-handled reports (Art. 6) per unit and category', security: bearer, response: { 200: Type.Object({ items: Type.Array(Type.Object({ org_id: Type.String(), category: Type.String(), reports: Type.Integer() })) }), ...problemResponses } },
    handler: async (req) => svc.selfHandled(principalOf(req)),
  });
}
