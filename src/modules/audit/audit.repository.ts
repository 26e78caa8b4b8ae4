/** Every SQL statement of the audit log. */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { AuditEntry } from './audit-chain.js';

export interface StoredAuditEntry extends AuditEntry {
  prev_hash: string;
  hash: string;
}

function toEntry(row: any): StoredAuditEntry {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor_org_id: row.actor_org_id,
    actor_user_id: row.actor_user_id,
    actor_token_id: row.actor_token_id,
    action: row.action,
    object_type: row.object_type,
    object_id: row.object_id,
    province_code: row.province_code,
    data: typeof row.data === 'string' ? JSON.parse(row.data) : row.data,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/** The longest an append waits for the chain head (the longest legitimate holder, a sweep of hundreds of notices, takes seconds). */
const HEAD_LOCK_TIMEOUT = '30s';

export const auditRepository = {
  /**
   * Locks the chain head for the rest of the transaction: appends are serialized here. The wait is
   * bounded (HEAD_LOCK_TIMEOUT, then SQLSTATE 55P03, answered as 503): a holder that never
   * commits must not stop every other writer of the platform with it.
   */
  async lockHead(tx: Executor): Promise<{ seq: number; hash: string }> {
    await sql.raw(`SET LOCAL lock_timeout = '${HEAD_LOCK_TIMEOUT}'`).execute(tx);
    const head = await tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
    return { seq: Number(head.seq), hash: head.hash };
  },

  /** Appends entries already chained from the locked head, and moves the head to the last one. */
  async insertMany(tx: Executor, entries: StoredAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    for (let i = 0; i < entries.length; i += 1000) {
      await tx
        .insertInto('audit_events')
        .values(entries.slice(i, i + 1000).map((e) => ({ ...e, data: JSON.stringify(e.data) })))
        .execute();
    }
    const last = entries[entries.length - 1];
    await tx.updateTable('audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
  },

  async page(db: Executor, afterSeq: number, limit: number): Promise<StoredAuditEntry[]> {
    const rows = await db.selectFrom('audit_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(toEntry);
  },

  async forObject(db: Executor, objectType: string, objectId: string, limit = 500): Promise<StoredAuditEntry[]> {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('object_type', '=', objectType)
      .where('object_id', '=', objectId)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  },

  /** The head and the highest entry, in one statement (one snapshot). */
  async extent(db: Executor): Promise<{ head_seq: number; max_seq: number }> {
    const r = await sql<{ head_seq: number; max_seq: number | null }>`SELECT h.seq AS head_seq, (SELECT max(seq) FROM audit_events) AS max_seq FROM audit_head h WHERE h.id = 1`.execute(db);
    const row = r.rows[0];
    return { head_seq: Number(row.head_seq), max_seq: Number(row.max_seq ?? 0) };
  },

  async bySeq(db: Executor, seq: number): Promise<{ hash: string } | undefined> {
    return db.selectFrom('audit_events').select('hash').where('seq', '=', seq).executeTakeFirst();
  },

  async head(db: Executor): Promise<{ seq: number; hash: string }> {
    const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { seq: Number(head.seq), hash: head.hash };
  },
};
