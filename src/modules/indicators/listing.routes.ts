/** HTTP for provisional listing: a regulator trusts a unit's reports before identification (listing.ts). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bearer, IdParam, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import type { OrgsService } from '../orgs/orgs.service.js';
import type { ListingService } from './listing.service.js';

const Body = Type.Object(
  { enabled: Type.Boolean({ description: 'true: the unit\u2019s reports are blocking before identification, shown as provisional; false: only identified or ordered values block' }) },
  { additionalProperties: false },
);
const Result = Type.Object({
  org_id: Type.String(),
  provisional_listing: Type.Boolean(),
  relisted: Type.Integer({ description: 'How many of the unit\u2019s values changed listing' }),
});

export function listingRoutes(app: FastifyInstance, deps: { listing: ListingService; orgs: OrgsService }): void {
  app.put('/api/v1/organizations/:id/provisional-listing', {
    schema: {
      tags: ['organizations'],
      summary: 'Trust a unit\u2019s reports for provisional listing',
      description:
        'Reported values are intelligence, not blocking orders, until identification confirms them (Art. 7) or a notice orders them blocked (Art. 8). A regulator (the ministry, or the unit\u2019s provincial administration) may let a trusted unit\u2019s reports into blocklists before identification: they are listed as `provisional` everywhere they appear.',
      security: bearer,
      params: IdParam,
      body: Body,
      response: { 200: Result, ...problemResponses },
    },
    handler: async (req) => {
      const { id } = req.params as { id: string };
      const { enabled } = req.body as { enabled: boolean };
      const actor = principalOf(req);
      const org = await deps.orgs.get(actor, id);
      return deps.listing.decideTrust(actor, org, enabled);
    },
  });
}
