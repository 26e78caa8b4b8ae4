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

  async entryAt(db: Executor, seq: number): Promise<StoredAuditEntry | undefined> {
    const row = await db.selectFrom('audit_events').selectAll().where('seq', '=', seq).executeTakeFirst();
    return row ? toEntry(row) : undefined;
  },

  async bySeq(db: Executor, seq: number): Promise<{ hash: string } | undefined> {
    return db.selectFrom('audit_events').select('hash').where('seq', '=', seq).executeTakeFirst();
  },

  /**
   * The log newest first, filtered, one keyset page (by seq). `province_code` keeps a provincial
   * auditor to entries of its province. `reads: 'exclude'` leaves out the
   * `restricted.read` entries, which the caller counts with readSummary instead.
   */
  async list(db: Executor, f: AuditListFilter): Promise<StoredAuditEntry[]> {
    let q = filtered(db.selectFrom('audit_events').selectAll(), f);
    if (f.before_seq) q = q.where('seq', '<', f.before_seq);
    const rows = await q.orderBy('seq', 'desc').limit(f.limit).execute();
    return rows.map(toEntry);
  },

  /** The restricted reads under the same filters, grouped by who read what kind of record. */
  async readSummary(db: Executor, f: AuditListFilter): Promise<{ actor_org_id: string | null; object_type: string; channel: string | null; entries: number; records: number; last_at: Date }[]> {
    const rows = await filtered(db.selectFrom('audit_events'), { ...f, reads: 'only' })
      .select([
        'actor_org_id',
        'object_type',
        sql<string | null>`data->>'channel'`.as('channel'),
        sql<number>`count(*)::int`.as('entries'),
        sql<number>`coalesce(sum(coalesce((data->>'count')::int, 1)), 0)::int`.as('records'),
        sql<Date>`max(at)`.as('last_at'),
      ])
      .groupBy(['actor_org_id', 'object_type', sql`data->>'channel'`])
      .orderBy(sql`max(at)`, 'desc')
      .limit(50)
      .execute();
    return rows.map((r) => ({ ...r, entries: Number(r.entries), records: Number(r.records), last_at: new Date(r.last_at) }));
  },

  /** Where the kept chain starts (the last retention applied), or null when nothing was ever removed. */
  async retentionBase(db: Executor): Promise<RetentionBase | null> {
    const r = await sql<{ through_seq: string; through_hash: string; entry_seq: string; removed: string }>`
      SELECT through_seq, through_hash, entry_seq, (SELECT sum(removed) FROM audit_retention) AS removed
      FROM audit_retention ORDER BY through_seq DESC LIMIT 1`.execute(db);
    const row = r.rows[0];
    return row ? { through_seq: Number(row.through_seq), through_hash: row.through_hash, entry_seq: Number(row.entry_seq), removed: Number(row.removed) } : null;
  },

  /**
   * The next prefix of the chain to remove: from the entry after `afterSeq`, at most `limit`
   * entries, ending before the first entry at or after `cutoff` (the chain can only lose a
   * prefix). One walk of the primary key; null when the next entry is still within the period.
   */
  async retirablePrefix(db: Executor, afterSeq: number, cutoff: Date, limit: number): Promise<{ through_seq: number; through_hash: string } | null> {
    const r = await sql<{ through_seq: string | null }>`
      WITH r AS (SELECT seq, at FROM audit_events WHERE seq > ${afterSeq} ORDER BY seq LIMIT ${limit})
      SELECT coalesce((SELECT min(seq) FROM r WHERE at >= ${cutoff}) - 1, (SELECT max(seq) FROM r)) AS through_seq`.execute(db);
    const through = r.rows[0]?.through_seq == null ? afterSeq : Number(r.rows[0].through_seq);
    if (through <= afterSeq) return null;
    const at = await db.selectFrom('audit_events').select('hash').where('seq', '=', through).executeTakeFirstOrThrow();
    return { through_seq: through, through_hash: at.hash };
  },

  /** Removes the entries in (afterSeq, throughSeq] by primary-key range; returns how many. */
  async removeRange(tx: Executor, afterSeq: number, throughSeq: number): Promise<number> {
    const r = await sql`DELETE FROM audit_events WHERE seq > ${afterSeq} AND seq <= ${throughSeq}`.execute(tx);
    return Number(r.numAffectedRows ?? 0);
  },

  async insertRetention(tx: Executor, row: { through_seq: number; through_hash: string; removed: number; cutoff: Date; entry_seq: number }): Promise<void> {
    await tx.insertInto('audit_retention').values(row).execute();
  },

  async head(db: Executor): Promise<{ seq: number; hash: string }> {
    const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { seq: Number(head.seq), hash: head.hash };
  },
};

export interface RetentionBase {
  /** The last entry removed: the kept chain starts after it, from its hash. */
  through_seq: number;
  through_hash: string;
  /** The `audit.retention_applied` entry that records this base inside the chain. */
  entry_seq: number;
  /** Entries removed by every retention so far. */
  removed: number;
}

export interface AuditListFilter {
  actor_org_id?: string;
  object_type?: string;
  object_id?: string;
  /** An action, or a prefix ending in a dot (`notice.`) for a kind of actions. */
  action?: string;
  since?: Date;
  until?: Date;
  /** A provincial auditor: its province and national entries only. */
  province_code?: string;
  reads?: 'exclude' | 'only' | 'include';
  before_seq?: number;
  limit: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function filtered<Q extends { where: (...a: any[]) => Q }>(q: Q, f: Omit<AuditListFilter, 'limit' | 'before_seq'>): Q {
  if (f.actor_org_id) q = q.where('actor_org_id', '=', f.actor_org_id);
  if (f.object_type) q = q.where('object_type', '=', f.object_type);
  if (f.object_id) q = q.where('object_id', '=', f.object_id);
  if (f.action) q = f.action.endsWith('.') ? q.where('action', 'like', `${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : q.where('action', '=', f.action);
  if (f.since) q = q.where('at', '>=', f.since);
  if (f.until) q = q.where('at', '<', f.until);
  // canSeeAuditEntry (access module): a provincial auditor sees its province's entries, never
  // province-less ones (issue 12 item 7).
  if (f.province_code) q = q.where('province_code', '=', f.province_code);
  if (f.reads === 'exclude') q = q.where('action', '<>', 'restricted.read');
  if (f.reads === 'only') q = q.where('action', '=', 'restricted.read');
  return q;
}
