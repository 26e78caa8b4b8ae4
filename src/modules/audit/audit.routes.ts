/** HTTP for the audit trail of an object and the verification of the chain. */
import type { FastifyInstance } from 'fastify';
import { canSeeAuditEntry } from '../access/workflow-access.js';
import { Type } from 'typebox';
import { bearer, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import { forbidden } from '../../lib/problem.js';
import { hasRole, isRegulator, type Principal } from '../auth/principal.js';
import type { AuditService } from './audit.service.js';

const Entry = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor_org_id: Type.Union([Type.String(), Type.Null()]),
  actor_user_id: Type.Union([Type.String(), Type.Null()]),
  actor_token_id: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  object_type: Type.String(),
  object_id: Type.String(),
  province_code: Type.Union([Type.String(), Type.Null()]),
  data: Type.Record(Type.String(), Type.Unknown()),
  prev_hash: Type.String(),
  hash: Type.String(),
});

function assertAuditor(p: Principal): void {
  if (!(isRegulator(p) || p.orgKind === 'professional_institution') || !hasRole(p, 'auditor', 'admin', 'analyst'))
    throw forbidden('The audit trail is for regulators and institutions');
}

export function auditRoutes(app: FastifyInstance, audit: AuditService): void {
  const tags = ['audit'];
  app.get('/api/v1/audit/:object_type/:object_id', {
    schema: {
      tags,
      summary: 'The audit trail of one object, as a timeline',
      security: bearer,
      params: Type.Object({ object_type: Type.String({ maxLength: 50 }), object_id: Type.String({ maxLength: 200 }) }),
      response: { 200: Type.Array(Entry), ...problemResponses },
    },
    handler: async (req) => {
      const p = principalOf(req);
      assertAuditor(p);
      const { object_type, object_id } = req.params as { object_type: string; object_id: string };
      const entries = await audit.forObject(object_type, object_id);
      // A provincial administration sees its province's entries only, never province-less ones (issue 12 item 7).
      return entries.filter((e) => canSeeAuditEntry(p, e));
    },
  });

  app.get('/api/v1/audit/verify', {
    schema: {
      tags,
      summary: 'Re-compute the hash chain of the whole audit log',
      security: bearer,
      response: { 200: Type.Object({ ok: Type.Boolean(), entries: Type.Integer(), head_seq: Type.Integer(), head_hash: Type.String(), break: Type.Union([Type.Object({ seq: Type.Integer(), reason: Type.String() }), Type.Null()]) }), ...problemResponses },
    },
    handler: async (req) => {
      assertAuditor(principalOf(req));
      return audit.verify();
    },
  });
}
