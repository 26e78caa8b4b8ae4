/** Every SQL statement of decisions. */
import type { Selectable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { DecisionsTable } from '../../db/workflow-schema.js';

export type DecisionRow = Omit<Selectable<DecisionsTable>, 'measures' | 'unrouted'> & { measures: unknown; unrouted: UnroutedItem[] };
export interface UnroutedItem {
  measure: string;
  target: { type: string; value: string };
  detail: string;
}

const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

export const decisionsRepository = {
  async insert(tx: Executor, d: DecisionRow): Promise<void> {
    await tx.insertInto('decisions').values({ ...d, measures: JSON.stringify(d.measures), unrouted: JSON.stringify(d.unrouted) }).execute();
  },
  async get(db: Executor, id: string, forUpdate = false): Promise<DecisionRow | undefined> {
    let q = db.selectFrom('decisions').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? { ...r, measures: parse(r.measures), unrouted: parse(r.unrouted) } : undefined;
  },
  async setUnrouted(tx: Executor, id: string, unrouted: UnroutedItem[]): Promise<void> {
    await tx.updateTable('decisions').set({ unrouted: JSON.stringify(unrouted) }).where('id', '=', id).execute();
  },
  async ofCase(db: Executor, caseId: string): Promise<DecisionRow[]> {
    const rows = await db.selectFrom('decisions').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
    return rows.map((r) => ({ ...r, measures: parse(r.measures), unrouted: parse(r.unrouted) }));
  },
};
