/** HTTP for users and API tokens. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bearer, problemResponses } from '../../http/common.schema.js';
import { principalOf } from '../../http/authenticate.js';
import type { AuthService } from './auth.service.js';
import { ROLES, type Role } from './principal.js';

const RoleSchema = Type.Enum([...ROLES]);
const OrgParam = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export function authRoutes(app: FastifyInstance, auth: AuthService): void {
  const tags = ['access'];

  app.get('/api/v1/whoami', {
    schema: {
      tags,
      summary: 'Who you are: organization, roles, province',
      security: bearer,
      response: {
        200: Type.Object({
          org_id: Type.String(),
          org_kind: Type.String(),
          org_name: Type.String(),
          province_code: Type.Union([Type.String(), Type.Null()]),
          user_id: Type.Union([Type.String(), Type.Null()]),
          username: Type.Union([Type.String(), Type.Null()]),
          token_id: Type.Union([Type.String(), Type.Null()]),
          roles: Type.Array(Type.String()),
        }),
      },
    },
    handler: async (req) => {
      const p = principalOf(req);
      return { org_id: p.orgId, org_kind: p.orgKind, org_name: p.orgName, province_code: p.provinceCode, user_id: p.userId, username: p.username, token_id: p.tokenId, roles: p.roles };
    },
  });

  app.post('/api/v1/organizations/:id/tokens', {
    schema: {
      tags,
      summary: 'Create an API token; the secret is shown once, in this response only',
      security: bearer,
      params: OrgParam,
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 100 }),
          roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 5 }),
          expires_at: Type.Optional(Type.String({ format: 'date-time' })),
        },
        { additionalProperties: false },
      ),
      response: { 201: Type.Object({ id: Type.String(), token: Type.String(), prefix: Type.String() }), ...problemResponses },
    },
    handler: async (req, reply) => {
      const body = req.body as { name: string; roles: Role[]; expires_at?: string };
      const created = await auth.createToken(principalOf(req), {
        org_id: (req.params as { id: string }).id,
        name: body.name,
        roles: body.roles,
        expires_at: body.expires_at ? new Date(body.expires_at) : null,
      });
      return reply.code(201).send(created);
    },
  });

  app.get('/api/v1/organizations/:id/tokens', {
    schema: {
      tags,
      summary: 'List API tokens (never their secrets)',
      security: bearer,
      params: OrgParam,
      response: {
        200: Type.Array(
          Type.Object({
            id: Type.String(),
            name: Type.String(),
            token_prefix: Type.String(),
            roles: Type.Array(Type.String()),
            created_at: Type.String(),
            expires_at: Type.Union([Type.String(), Type.Null()]),
            last_used_at: Type.Union([Type.String(), Type.Null()]),
            revoked_at: Type.Union([Type.String(), Type.Null()]),
          }),
        ),
        ...problemResponses,
      },
    },
    handler: async (req) => {
      const rows = await auth.listTokens(principalOf(req), (req.params as { id: string }).id);
      const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
      return rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString(), expires_at: iso(r.expires_at), last_used_at: iso(r.last_used_at), revoked_at: iso(r.revoked_at) }));
    },
  });

  app.delete('/api/v1/tokens/:id', {
    schema: { tags, summary: 'Revoke an API token', security: bearer, params: OrgParam, response: { 204: Type.Null(), ...problemResponses } },
    handler: async (req, reply) => {
      await auth.revokeToken(principalOf(req), (req.params as { id: string }).id);
      return reply.code(204).send();
    },
  });

  app.post('/api/v1/organizations/:id/users', {
    schema: {
      tags,
      summary: 'Create a user of an organization',
      security: bearer,
      params: OrgParam,
      body: Type.Object(
        {
          username: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{2,63}$' }),
          display_name: Type.String({ minLength: 1, maxLength: 100 }),
          password: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
          roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 5 }),
          locale: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])),
        },
        { additionalProperties: false },
      ),
      response: { 201: Type.Object({ id: Type.String() }), ...problemResponses },
    },
    handler: async (req, reply) => {
      const body = req.body as { username: string; display_name: string; password?: string; roles: Role[]; locale?: string };
      return reply.code(201).send(await auth.createUser(principalOf(req), { ...body, org_id: (req.params as { id: string }).id }));
    },
  });

  app.get('/api/v1/organizations/:id/users', {
    schema: {
      tags,
      summary: 'Users of an organization',
      security: bearer,
      params: OrgParam,
      response: {
        200: Type.Array(Type.Object({ id: Type.String(), username: Type.String(), display_name: Type.String(), roles: Type.Array(Type.String()), locale: Type.String(), disabled_at: Type.Union([Type.String(), Type.Null()]) })),
        ...problemResponses,
      },
    },
    handler: async (req) => {
      const rows = await auth.listUsers(principalOf(req), (req.params as { id: string }).id);
      return rows.map((r) => ({ ...r, disabled_at: r.disabled_at ? new Date(r.disabled_at).toISOString() : null }));
    },
  });
}
