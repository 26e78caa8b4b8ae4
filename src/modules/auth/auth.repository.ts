/** Every SQL statement of users and API tokens. */
import type { Executor } from '../../db/database.js';

export const authRepository = {
  async principalByTokenHash(db: Executor, hash: string) {
    return db
      .selectFrom('api_tokens as t')
      .innerJoin('organizations as o', 'o.id', 't.org_id')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id as token_id',
        't.roles',
        't.expires_at',
        't.revoked_at',
        't.last_used_at',
        't.user_id',
        'u.username',
        'u.disabled_at',
        'o.id as org_id',
        'o.kind as org_kind',
        'o.name as org_name',
        'o.province_code',
        'o.status as org_status',
      ])
      .where('t.token_hash', '=', hash)
      .executeTakeFirst();
  },

  async touchToken(db: Executor, tokenId: string, at: Date) {
    await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
  },

  async insertToken(
    db: Executor,
    row: { id: string; org_id: string; user_id: string | null; name: string; token_prefix: string; token_hash: string; roles: string[]; expires_at: Date | null },
  ) {
    await db.insertInto('api_tokens').values(row).execute();
  },

  async listTokens(db: Executor, orgId: string) {
    return db
      .selectFrom('api_tokens')
      .select(['id', 'org_id', 'user_id', 'name', 'token_prefix', 'roles', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .execute();
  },

  async getToken(db: Executor, id: string) {
    return db.selectFrom('api_tokens').select(['id', 'org_id', 'revoked_at', 'token_hash']).where('id', '=', id).executeTakeFirst();
  },

  async revokeToken(db: Executor, id: string, at: Date) {
    await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  },

  async insertUser(db: Executor, row: { id: string; org_id: string; username: string; display_name: string; password_hash: string | null; roles: string[]; locale?: string }) {
    await db.insertInto('users').values(row).execute();
  },

  async userByUsername(db: Executor, username: string) {
    return db
      .selectFrom('users as u')
      .innerJoin('organizations as o', 'o.id', 'u.org_id')
      .select(['u.id', 'u.org_id', 'u.username', 'u.display_name', 'u.password_hash', 'u.roles', 'u.locale', 'u.disabled_at', 'o.kind as org_kind', 'o.name as org_name', 'o.province_code', 'o.status as org_status'])
      .where('u.username', '=', username)
      .executeTakeFirst();
  },

  async listUsers(db: Executor, orgId: string) {
    return db
      .selectFrom('users')
      .select(['id', 'org_id', 'username', 'display_name', 'roles', 'locale', 'created_at', 'disabled_at'])
      .where('org_id', '=', orgId)
      .orderBy('username')
      .execute();
  },
};
