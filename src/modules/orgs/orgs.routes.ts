/** HTTP for organizations: schema in, service call, schema out. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import type { OrgsService } from './orgs.service.js';
import { ContactsUpdate, Organization, OrganizationCreate, OrganizationList, OrganizationSummary, OrganizationUpdate, OrgListQuery } from './orgs.schema.js';
import { PROVINCES } from './provinces.js';

export function orgsRoutes(app: FastifyInstance, orgs: OrgsService): void {
  const tags = ['organizations'];

  app.get('/api/v1/provinces', {
    config: { public: true },
    schema: {
      tags,
      summary: 'The 31 provincial-level divisions (GB/T 2260) and their names',
      response: { 200: Type.Array(Type.Object({ code: Type.String(), name_zh: Type.String(), short_name_zh: Type.String(), name_en: Type.String() })) },
    },
    handler: async () => PROVINCES,
  });

  app.get('/api/v1/organizations', {
    schema: { tags, summary: 'The organization directory', security: bearer, querystring: OrgListQuery, response: { 200: OrganizationList, ...problemResponses } },
    handler: async (req) => orgs.list(principalOf(req), req.query as any),
  });

  app.post('/api/v1/organizations', {
    schema: { tags, summary: 'Register an organization (regulator admins)', security: bearer, body: OrganizationCreate, response: { 201: Organization, ...problemResponses } },
    handler: async (req, reply) => reply.code(201).send(await orgs.create(principalOf(req), req.body as OrganizationCreate)),
  });

  app.get('/api/v1/organizations/me', {
    schema: { tags, summary: 'Your own organization', security: bearer, response: { 200: Organization, ...problemResponses } },
    handler: async (req) => orgs.get(principalOf(req), principalOf(req).orgId),
  });

  app.get('/api/v1/organizations/:id', {
    schema: { tags, summary: 'One organization', security: bearer, params: IdParam, response: { 200: Organization, ...problemResponses } },
    handler: async (req) => orgs.get(principalOf(req), (req.params as { id: string }).id),
  });

  app.get('/api/v1/organizations/:id/summary', {
    schema: {
      tags,
      summary: 'Who an organization is (name, kind, province), without contacts or scopes',
      description: 'For showing a name: carries no classified field, so reading it writes no audit entry.',
      security: bearer,
      params: IdParam,
      response: { 200: OrganizationSummary, ...problemResponses },
    },
    handler: async (req) => orgs.summary((req.params as { id: string }).id),
  });

  app.patch('/api/v1/organizations/:id', {
    schema: { tags, summary: 'Change an organization (regulator admins)', security: bearer, params: IdParam, body: OrganizationUpdate, response: { 200: Organization, ...problemResponses } },
    handler: async (req) => orgs.update(principalOf(req), (req.params as { id: string }).id, req.body as OrganizationUpdate),
  });

  app.put('/api/v1/organizations/:id/contacts', {
    schema: {
      tags,
      summary: 'Keep responsible department, person and contacts current (Art. 5): the unit itself or its regulator',
      security: bearer,
      params: IdParam,
      body: ContactsUpdate,
      response: { 200: Organization, ...problemResponses },
    },
    handler: async (req) => orgs.updateContacts(principalOf(req), (req.params as { id: string }).id, req.body as ContactsUpdate),
  });
}
