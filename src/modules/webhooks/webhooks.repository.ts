/** Every SQL statement of webhook endpoints and the delivery outbox. */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

export interface DeliveryRow {
  id: number;
  event_id: string;
  org_id: string;
  event_type: string;
  payload: unknown;
  state: string;
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export const webhooksRepository = {
  /** The province of the organization a webhook belongs to (who may read it depends on it). */
  async orgProvince(db: Executor, orgId: string): Promise<{ province_code: string | null } | undefined> {
    return db.selectFrom('organizations').select('province_code').where('id', '=', orgId).executeTakeFirst();
  },


  async upsertEndpoint(tx: Executor, row: { org_id: string; url: string; secret_enc: string; enabled: boolean; updated_at: Date }): Promise<void> {
    await tx
      .insertInto('webhook_endpoints')
      .values(row)
      .onConflict((oc) => oc.column('org_id').doUpdateSet({ url: row.url, secret_enc: row.secret_enc, enabled: row.enabled, updated_at: row.updated_at }))
      .execute();
  },

  async endpoint(db: Executor, orgId: string) {
    return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  },

  async endpoints(db: Executor, orgIds: string[]) {
    if (orgIds.length === 0) return [];
    return db.selectFrom('webhook_endpoints').selectAll().where('org_id', 'in', orgIds).execute();
  },

  async insertDeliveries(tx: Executor, rows: { event_id: string; org_id: string; event_type: string; payload: unknown; next_attempt_at: Date; created_at: Date }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 1000)
      await tx
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + 1000).map((row) => ({ ...row, payload: JSON.stringify(row.payload), state: 'pending' })))
        .execute();
  },

  /**
   * Claims due deliveries: rows another process holds are skipped, and the claim pushes
   * `next_attempt_at` out by the lease, so a process that dies mid-send leaves them to be retried.
   */
  async claimDue(tx: Executor, now: Date, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
    const rows = await sql<DeliveryRow>`
      UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = ${new Date(now.getTime() + leaseMs)}
      WHERE d.id IN (
        SELECT id FROM webhook_deliveries
        WHERE state = 'pending' AND next_attempt_at <= ${now}
        ORDER BY next_attempt_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING d.*`.execute(tx);
    return rows.rows.map((r) => ({ ...r, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload }));
  },

  async recordAttempt(
    tx: Executor,
    a: { delivery_id: number; attempt: number; url: string; at: Date; status: number | null; error: string | null; duration_ms: number },
    next: { state: string; next_attempt_at: Date; delivered_at: Date | null },
  ): Promise<void> {
    await tx.insertInto('webhook_attempts').values(a).onConflict((oc) => oc.doNothing()).execute();
    await tx
      .updateTable('webhook_deliveries')
      .set({ state: next.state, next_attempt_at: next.next_attempt_at, delivered_at: next.delivered_at, last_status: a.status, last_error: a.error })
      .where('id', '=', a.delivery_id)
      .execute();
  },

  async markNoEndpoint(tx: Executor, id: number): Promise<void> {
    await tx.updateTable('webhook_deliveries').set({ state: 'no_endpoint', last_error: 'the organization has no webhook endpoint' }).where('id', '=', id).execute();
  },

  async deliveries(db: Executor, orgId: string, limit: number) {
    return db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', orgId).orderBy('id', 'desc').limit(limit).execute();
  },

  async attempts(db: Executor, deliveryIds: number[]) {
    if (deliveryIds.length === 0) return [];
    return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
  },
};
