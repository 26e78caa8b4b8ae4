/** Every SQL statement of signing keys and notices. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { NoticesTable } from '../../db/workflow-schema.js';

export type NoticeRow = Selectable<NoticesTable>;

const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
export function fixNotice(r: any): NoticeRow {
  return {
    ...r,
    province_code: r.province_code ? String(r.province_code).trim() : null,
    targets: parse(r.targets),
    phone_call: parse(r.phone_call),
    result: parse(r.result),
    verification: parse(r.verification),
    signed: parse(r.signed),
  };
}

const j = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export type NoticeInsert = Omit<NoticeRow, 'written_late' | 'reminders_sent' | 'version'> & { version?: number };

export const noticesRepository = {
  // ---- signing keys ----
  async activeKey(db: Executor) {
    return db.selectFrom('signing_keys').selectAll().where('valid_until', 'is', null).orderBy('valid_from', 'desc').executeTakeFirst();
  },
  async allKeys(db: Executor) {
    return db.selectFrom('signing_keys').select(['key_id', 'public_key_pem', 'fingerprint', 'valid_from', 'valid_until']).orderBy('valid_from').execute();
  },
  /** What a handling notice says of its threat: the case's category, sub-type, title and severity, and the decision's reasons. */
  async threatContext(db: Executor, caseId: string, decisionId: string | null) {
    const c = await db.selectFrom('threat_cases').select(['category', 'subtype', 'title', 'severity']).where('id', '=', caseId).executeTakeFirst();
    const d = decisionId ? await db.selectFrom('decisions').select(['reasons']).where('id', '=', decisionId).executeTakeFirst() : undefined;
    return c ? { threat: { category: c.category, subtype: c.subtype, title: c.title, severity: c.severity }, reasons: d?.reasons ?? null } : null;
  },
  async keyById(db: Executor, keyId: string) {
    return db.selectFrom('signing_keys').select(['key_id', 'fingerprint']).where('key_id', '=', keyId).executeTakeFirst();
  },
  /** Serializes key creation and rotation across processes (released at commit). */
  async lockKeys(tx: Executor): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(7311042019)`.execute(tx);
  },
  /** Held by every signer until its commit, so a rotation waits for documents being signed. */
  async lockKeysShared(tx: Executor): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock_shared(7311042019)`.execute(tx);
  },
  async retireActiveKeys(tx: Executor, until: Date): Promise<void> {
    await tx.updateTable('signing_keys').set({ valid_until: until }).where('valid_until', 'is', null).execute();
  },
  async insertKey(tx: Executor, k: { key_id: string; public_key_pem: string; private_key_enc: string; fingerprint: string; valid_from: Date }): Promise<void> {
    await tx.insertInto('signing_keys').values(k).execute();
  },

  // ---- notices ----
  async insert(tx: Executor, n: NoticeInsert): Promise<void> {
    await tx
      .insertInto('notices')
      .values({
        ...n,
        targets: JSON.stringify(n.targets),
        phone_call: j(n.phone_call),
        result: j(n.result),
        verification: j(n.verification),
        signed: j(n.signed),
      })
      .execute();
  },

  async get(db: Executor, id: string, forUpdate = false): Promise<NoticeRow | undefined> {
    let q = db.selectFrom('notices').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? fixNotice(r) : undefined;
  },

  async update(tx: Executor, id: string, patch: Partial<Record<keyof NoticeRow, unknown>>): Promise<void> {
    const set: Record<string, unknown> = { ...patch };
    for (const k of ['targets', 'phone_call', 'result', 'verification', 'signed'] as const) if (k in set) set[k] = j(set[k]);
    await tx.updateTable('notices').set(set as any).where('id', '=', id).execute();
  },

  async list(
    db: Executor,
    f: { recipient_org_id?: string; province_code?: string; case_id?: string; state?: string; kind?: string; exclude_kinds?: readonly string[]; limit: number; offset: number },
  ): Promise<NoticeRow[]> {
    let q = db.selectFrom('notices').selectAll();
    if (f.exclude_kinds && f.exclude_kinds.length > 0) q = q.where('kind', 'not in', [...f.exclude_kinds]);
    if (f.recipient_org_id) q = q.where('recipient_org_id', '=', f.recipient_org_id);
    if (f.province_code) q = q.where('province_code', '=', f.province_code);
    if (f.case_id) q = q.where('case_id', '=', f.case_id);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.kind) q = q.where('kind', '=', f.kind);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
    return rows.map(fixNotice);
  },

  async ofCase(db: Executor, caseId: string): Promise<NoticeRow[]> {
    const rows = await db.selectFrom('notices').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
    return rows.map(fixNotice);
  },

  /**
   * The deadline sweep's claim: due notices by the partial index `notices_deadline_due`, locked,
   * skipping rows another process holds. Its SQL is snapshot-tested (notices.sweep.test.ts).
   */
  claimOverdueQuery(db: Executor, now: Date, limit: number) {
    return sql<{ id: string }>`
      SELECT id FROM notices
      WHERE state IN ('issued', 'delivered', 'sent_back') AND deadline IS NOT NULL AND deadline <= ${now}
      ORDER BY deadline
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED`;
  },

  async claimOverdue(tx: Executor, now: Date, limit: number): Promise<NoticeRow[]> {
    const rows = await sql`
      UPDATE notices n SET state = 'overdue', overdue_at = ${now}, updated_at = ${now}, next_reminder_at = NULL
      WHERE n.id IN (
        SELECT id FROM notices
        WHERE state IN ('issued', 'delivered', 'sent_back') AND deadline IS NOT NULL AND deadline <= ${now}
        ORDER BY deadline LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING n.*`.execute(tx);
    return rows.rows.map(fixNotice);
  },

  async claimReminders(tx: Executor, now: Date, limit: number): Promise<NoticeRow[]> {
    const rows = await sql`
      SELECT * FROM notices WHERE next_reminder_at IS NOT NULL AND next_reminder_at <= ${now}
      ORDER BY next_reminder_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(tx);
    return rows.rows.map(fixNotice);
  },

  async claimLateWritten(tx: Executor, now: Date, limit: number): Promise<NoticeRow[]> {
    const rows = await sql`
      UPDATE notices n SET written_late = true, updated_at = ${now}
      WHERE n.id IN (
        SELECT id FROM notices WHERE state = 'phone_notified' AND NOT written_late AND written_due_at <= ${now}
        ORDER BY written_due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING n.*`.execute(tx);
    return rows.rows.map(fixNotice);
  },
};
