/** Every SQL statement of console sessions. */
import type { Executor } from '../../db/database.js';

export const sessionsRepository = {
  async insert(db: Executor, row: { id_hash: string; user_id: string; csrf_token: string; expires_at: Date; user_agent: string | null; ip: string | null }) {
    await db.insertInto('sessions').values(row).execute();
  },

  /** The session with its user and organization, as one row: what every console request needs. */
  async principalBySessionHash(db: Executor, idHash: string) {
    return db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .innerJoin('organizations as o', 'o.id', 'u.org_id')
      .select([
        's.id_hash',
        's.csrf_token',
        's.created_at',
        's.last_seen_at',
        's.expires_at',
        'u.id as user_id',
        'u.username',
        'u.display_name',
        'u.roles',
        'u.locale',
        'u.disabled_at',
        'u.totp_enabled_at',
        'o.id as org_id',
        'o.kind as org_kind',
        'o.name as org_name',
        'o.name_en as org_name_en',
        'o.province_code',
        'o.status as org_status',
      ])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst();
  },

  async touch(db: Executor, idHash: string, at: Date) {
    await db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
  },

  async delete(db: Executor, idHash: string) {
    const r = await db.deleteFrom('sessions').where('id_hash', '=', idHash).returning(['user_id']).executeTakeFirst();
    return r ?? null;
  },

  async deleteExpired(db: Executor, now: Date, idleBefore: Date) {
    const r = await db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleBefore)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  },
};
