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
      .select([
        'u.id',
        'u.org_id',
        'u.username',
        'u.display_name',
        'u.password_hash',
        'u.roles',
        'u.locale',
        'u.disabled_at',
        'u.totp_secret_sealed',
        'u.totp_enabled_at',
        'u.totp_last_step',
        'o.kind as org_kind',
        'o.name as org_name',
        'o.province_code',
        'o.status as org_status',
      ])
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

  // ---- the console's second factor (0011) ----------------------------------------------------
  async userSecondFactor(db: Executor, userId: string) {
    return db.selectFrom('users').select(['id', 'username', 'totp_secret_sealed', 'totp_enabled_at', 'totp_last_step']).where('id', '=', userId).executeTakeFirst();
  },

  /** A new secret replaces any earlier one that was never enabled; an enabled one stays. */
  async setPendingTotpSecret(db: Executor, userId: string, sealed: string) {
    const r = await db.updateTable('users').set({ totp_secret_sealed: sealed, totp_last_step: null }).where('id', '=', userId).where('totp_enabled_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  async enableTotp(db: Executor, userId: string, at: Date, step: number) {
    await db.updateTable('users').set({ totp_enabled_at: at, totp_last_step: step }).where('id', '=', userId).execute();
  },

  /** Moves the last accepted step forward; false when another sign-in already used this step. */
  async advanceTotpStep(db: Executor, userId: string, step: number) {
    const r = await db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  async replaceRecoveryCodes(db: Executor, userId: string, hashes: string[]) {
    await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
    if (hashes.length) await db.insertInto('user_recovery_codes').values(hashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null }))).execute();
  },

  /** Uses a recovery code once; false when it is unknown or already used. */
  async useRecoveryCode(db: Executor, userId: string, hash: string, at: Date) {
    const r = await db.updateTable('user_recovery_codes').set({ used_at: at }).where('user_id', '=', userId).where('code_hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  async unusedRecoveryCodes(db: Executor, userId: string) {
    const r = await db.selectFrom('user_recovery_codes').select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  },

  // ---- deployment flags (0011) ------------------------------------------------------------------
  async flag(db: Executor, name: string) {
    return (await db.selectFrom('platform_flags').select('value').where('name', '=', name).executeTakeFirst())?.value ?? null;
  },

  async setFlag(db: Executor, name: string, value: string) {
    await db.insertInto('platform_flags').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
  },
};
