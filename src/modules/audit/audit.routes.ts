/** HTTP for the audit trail of an object and the verification of the chain. */
import type { FastifyInstance } from 'fastify';
import { canSeeAuditEntry } from '../access/workflow-access.js';
import { Type } from 'typebox';
import { bearer, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import { forbidden, Problem } from '../../lib/problem.js';
import { hasRole, isRegulator, type Principal } from '../auth/principal.js';
import type { AuditService } from './audit.service.js';
import type { AuditCheckpoints } from './checkpoints.service.js';

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

const SignedCheckpoint = Type.Object(
  {
    document: Type.Object({
      schema: Type.Literal('threatshare.audit_checkpoint/1'),
      issuer: Type.String(),
      head_seq: Type.Integer({ description: 'Sequence number of the last entry of the chain' }),
      head_hash: Type.String({ description: 'Its SHA-256 chain hash (hex)' }),
      issued_at: Type.String(),
    }),
    signature: Type.Object({ alg: Type.Literal('Ed25519'), key_id: Type.String(), value: Type.String() }),
  },
  { description: 'The audit chain\u2019s head, signed with the platform key (verify with /.well-known/threatshare-keys.json)' },
);

export function auditRoutes(app: FastifyInstance, audit: AuditService, checkpoints: AuditCheckpoints): void {
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

  app.get('/api/v1/audit', {
    schema: {
      tags,
      summary: 'The audit log, newest first, filtered by actor, object, kind and time (keyset pages); restricted reads grouped',
      security: bearer,
      querystring: Type.Object(
        {
          actor_org_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only what this organization did' })),
          object_type: Type.Optional(Type.String({ maxLength: 50, description: 'case, notice, report, indicator, organization, …' })),
          object_id: Type.Optional(Type.String({ maxLength: 200 })),
          action: Type.Optional(Type.String({ maxLength: 100, pattern: '^[a-z_.]+$', description: 'An action (`notice.acknowledged`), or a kind of actions ending in a dot (`notice.`)' })),
          since: Type.Optional(Type.String({ format: 'date-time' })),
          until: Type.Optional(Type.String({ format: 'date-time' })),
          reads: Type.Optional(Type.Enum(['exclude', 'include', 'only'], { default: 'exclude', description: 'Restricted reads (`restricted.read`): grouped in `reads` (exclude, the default), listed with the rest, or listed alone' })),
          before_seq: Type.Optional(Type.Integer({ minimum: 1, description: 'Keyset cursor: `next_before_seq` of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          entries: Type.Array(Entry),
          reads: Type.Union([
            Type.Array(Type.Object({ actor_org_id: Type.Union([Type.String(), Type.Null()]), object_type: Type.String(), channel: Type.Union([Type.String(), Type.Null()]), entries: Type.Integer(), records: Type.Integer(), last_at: Type.String() })),
            Type.Null(),
          ], { description: 'Restricted reads under the same filters, grouped; null when they are listed' }),
          next_before_seq: Type.Union([Type.Integer(), Type.Null()]),
        }),
        ...problemResponses,
      },
    },
    handler: async (req) => {
      const p = principalOf(req);
      assertAuditor(p);
      const q = req.query as { actor_org_id?: string; object_type?: string; object_id?: string; action?: string; since?: string; until?: string; reads?: 'exclude' | 'include' | 'only'; before_seq?: number; limit?: number };
      const r = await audit.list({
        ...q,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        province_code: p.orgKind === 'regulator_provincial' ? (p.provinceCode ?? undefined) : undefined,
        limit: q.limit ?? 50,
      });
      return { ...r, reads: r.reads?.map((x) => ({ ...x, last_at: x.last_at.toISOString() })) ?? null };
    },
  });

  app.get('/api/v1/audit/verify', {
    schema: {
      tags,
      summary: 'Re-compute the hash chain of the whole audit log',
      security: bearer,
      response: {
        200: Type.Object({
          ok: Type.Boolean(),
          entries: Type.Integer(),
          head_seq: Type.Integer(),
          head_hash: Type.String(),
          break: Type.Union([Type.Object({ seq: Type.Integer(), reason: Type.String() }), Type.Null()]),
          checkpoint: Type.Union([Type.Object({ head_seq: Type.Integer(), head_hash: Type.String(), issued_at: Type.String(), status: Type.String() }), Type.Null()]),
          retention: Type.Union(
            [
              Type.Object({
                through_seq: Type.Integer({ description: 'The last entry removed by retention: the verified chain starts after it, from its hash' }),
                removed: Type.Integer({ description: 'Entries removed by retention so far' }),
                entry_seq: Type.Integer({ description: 'The audit.retention_applied entry of the chain that records this base' }),
              }),
              Type.Null(),
            ],
            { description: 'Where the chain starts when retention removed its oldest entries; null when the whole log is kept' },
          ),
        }),
        ...problemResponses,
      },
    },
    handler: async (req) => {
      assertAuditor(principalOf(req));
      return audit.verify(undefined, await checkpoints.anchor());
    },
  });

  app.get('/.well-known/threatshare-audit-checkpoint.json', {
    config: { public: true },
    schema: {
      tags,
      summary: 'The latest signed checkpoint of the audit chain (keep copies: a later verification checks the chain still passes through them)',
      response: { 200: SignedCheckpoint, 404: problemResponses[404] },
    },
    handler: async (_req, reply) => {
      const latest = checkpoints.latest();
      if (!latest) throw new Problem('not_found', 'No audit checkpoint has been written yet');
      return reply.header('cache-control', 'public, max-age=60').send(latest);
    },
  });
}
