/** Every SQL statement of enforcement cases, their actions, and appeals. */
import type { Selectable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { AppealsTable, EnforcementCasesTable } from '../../db/workflow-schema.js';

export type EnforcementRow = Selectable<EnforcementCasesTable>;
export type AppealRow = Selectable<AppealsTable>;
const fixProv = <T extends { province_code?: string | null }>(r: T): T => ({ ...r, province_code: r.province_code ? String(r.province_code).trim() : null });

export const enforcementRepository = {
  async insertMany(tx: Executor, rows: EnforcementRow[]): Promise<void> {
    if (rows.length) await tx.insertInto('enforcement_cases').values(rows).onConflict((oc) => oc.column('notice_id').doNothing()).execute();
  },
  async get(db: Executor, id: string, forUpdate = false): Promise<EnforcementRow | undefined> {
    let q = db.selectFrom('enforcement_cases').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? fixProv(r) : undefined;
  },
  async update(tx: Executor, id: string, patch: Partial<EnforcementRow>): Promise<void> {
    await tx.updateTable('enforcement_cases').set(patch).where('id', '=', id).execute();
  },
  async list(db: Executor, f: { province_code?: string; org_id?: string; state?: string; limit: number; offset: number }): Promise<EnforcementRow[]> {
    let q = db.selectFrom('enforcement_cases').selectAll();
    if (f.province_code) q = q.where('province_code', '=', f.province_code);
    if (f.org_id) q = q.where('org_id', '=', f.org_id);
    if (f.state) q = q.where('state', '=', f.state);
    return (await q.orderBy('opened_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute()).map(fixProv);
  },
  async ofCase(db: Executor, caseId: string): Promise<EnforcementRow[]> {
    return (await db.selectFrom('enforcement_cases').selectAll().where('case_id', '=', caseId).execute()).map(fixProv);
  },
  async insertAction(tx: Executor, a: { id: string; enforcement_case_id: string; kind: string; data: unknown; actor_org_id: string; at: Date }): Promise<void> {
    await tx.insertInto('enforcement_actions').values({ ...a, data: JSON.stringify(a.data) }).execute();
  },
  async actions(db: Executor, id: string) {
    const rows = await db.selectFrom('enforcement_actions').selectAll().where('enforcement_case_id', '=', id).orderBy('at').execute();
    return rows.map((r) => ({ ...r, data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data }));
  },

  // ---- appeals ----
  async insertAppeal(tx: Executor, a: AppealRow): Promise<void> {
    await tx.insertInto('appeals').values(a).execute();
  },
  async getAppeal(db: Executor, id: string, forUpdate = false): Promise<AppealRow | undefined> {
    let q = db.selectFrom('appeals').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateAppeal(tx: Executor, id: string, patch: Partial<AppealRow>): Promise<void> {
    await tx.updateTable('appeals').set(patch).where('id', '=', id).execute();
  },
  async appealsOfCase(db: Executor, caseId: string): Promise<AppealRow[]> {
    return db.selectFrom('appeals').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
  },
  /**
   * Appeals an organization made or reviews, and those a regulator oversees (canSeeAppeal: the
   * ministry every one, a provincial administration those against its province's cases).
   */
  async appealsFor(db: Executor, f: { appellant_org_id?: string; reviewer_org_id?: string; oversees?: { all: true } | { province_code: string }; limit: number }): Promise<AppealRow[]> {
    let q = db.selectFrom('appeals').selectAll();
    if (f.oversees && 'all' in f.oversees) return q.orderBy('created_at', 'desc').limit(f.limit).execute();
    const province = f.oversees && 'province_code' in f.oversees ? f.oversees.province_code : null;
    q = q.where((eb) => {
      const parts = [];
      if (f.appellant_org_id) parts.push(eb('appellant_org_id', '=', f.appellant_org_id));
      if (f.reviewer_org_id) parts.push(eb('reviewer_org_id', '=', f.reviewer_org_id));
      if (province) parts.push(eb('case_id', 'in', eb.selectFrom('threat_cases').select('id').where('province_code', '=', province)));
      return eb.or(parts);
    });
    return q.orderBy('created_at', 'desc').limit(f.limit).execute();
  },
};
