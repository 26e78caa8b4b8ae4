/** Every SQL statement of threat cases, their reports, and identifications. */
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { IdentificationsTable, ThreatCasesTable } from '../../db/workflow-schema.js';
import { CASE_STATES, SEVERITY_CODES, SEVERITY_LEVELS } from './case-state.js';

export type CaseRow = Selectable<ThreatCasesTable>;
export type IdentificationRow = Selectable<IdentificationsTable>;

const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const fixCase = (r: any): CaseRow => ({ ...r, province_code: r.province_code ? String(r.province_code).trim() : null, questions: parse(r.questions) });
const j = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Case states a new report of the same indicator may join (the finding is still open or acting). */
export const JOINABLE_STATES = ['open', 'identifying', 'more_info_needed', 'confirmed', 'decided', 'handling'];

export const CASE_SORTS = ['opened_at', 'state', 'severity', 'province_code'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

const INT = /^-?\d{1,9}$/;
/**
 * The SQL of each sort key. State sorts in the order of the workflow, not the alphabet; severity by
 * the grade of the MIIT emergency plan (general lowest, particularly major highest, none below all);
 * a national case (no province) sorts as the empty code.
 */
const CASE_SORT_KEYS: Record<CaseSort, { expr: RawBuilder<unknown>; type: string; text?: RawBuilder<unknown>; valid: RegExp }> = {
  opened_at: {
    expr: sql`opened_at`,
    type: 'timestamptz',
    text: sql`to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    valid: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  },
  state: { expr: sql`coalesce(array_position(ARRAY[${sql.join([...CASE_STATES])}]::text[], state), 0)`, type: 'int', valid: INT },
  severity: {
    expr: sql`(CASE severity ${sql.join(SEVERITY_CODES.map((c) => sql`WHEN ${sql.lit(c)} THEN ${sql.lit(SEVERITY_CODES.length + 1 - SEVERITY_LEVELS[c].rank)}`), sql` `)} ELSE 0 END)`,
    type: 'int',
    valid: INT,
  },
  province_code: { expr: sql`coalesce(province_code::text, '')`, type: 'text', valid: /^.{0,16}$/ },
};

export const identificationRepository = {
  async insertCase(tx: Executor, c: Omit<CaseRow, 'version' | 'declined_org_ids'>): Promise<void> {
    await tx.insertInto('threat_cases').values({ ...c, questions: j(c.questions) }).execute();
  },

  async linkReport(tx: Executor, caseId: string, reportId: string, orgId: string, at: Date): Promise<void> {
    await tx.insertInto('case_reports').values({ case_id: caseId, report_id: reportId, org_id: orgId, added_at: at }).onConflict((oc) => oc.doNothing()).execute();
  },

  /**
   * The joinable case that already holds one of these indicators: through the sightings of the
   * cases' reports (sightings' primary key starts with indicator_id), so no per-case copy of
   * indicators is kept. Excludes the report being taken in.
   */
  async findJoinableCase(tx: Executor, indicatorIds: number[], excludeReportId: string): Promise<CaseRow | undefined> {
    if (indicatorIds.length === 0) return undefined;
    const r = await sql`
      SELECT c.* FROM threat_cases c
      WHERE c.state IN (${sql.join(JOINABLE_STATES)})
        AND c.id IN (
          SELECT cr.case_id FROM sightings s JOIN case_reports cr ON cr.report_id = s.report_id
          WHERE s.indicator_id = ANY(${indicatorIds}::bigint[]) AND s.report_id <> ${excludeReportId})
      ORDER BY c.opened_at LIMIT 1
      FOR UPDATE OF c`.execute(tx);
    return r.rows[0] ? fixCase(r.rows[0]) : undefined;
  },

  async addReporter(tx: Executor, caseId: string, orgId: string, at: Date): Promise<void> {
    await sql`UPDATE threat_cases SET reporting_org_ids = CASE WHEN ${orgId}::uuid = ANY(reporting_org_ids) THEN reporting_org_ids ELSE array_append(reporting_org_ids, ${orgId}::uuid) END, updated_at = ${at} WHERE id = ${caseId}`.execute(tx);
  },

  async countSelfHandled(tx: Executor, orgId: string, day: string, category: string): Promise<void> {
    await sql`INSERT INTO self_handled_counts (org_id, day, category, reports) VALUES (${orgId}, ${day}, ${category}, 1)
      ON CONFLICT (org_id, day, category) DO UPDATE SET reports = self_handled_counts.reports + 1`.execute(tx);
  },

  async get(db: Executor, id: string, forUpdate = false): Promise<CaseRow | undefined> {
    let q = db.selectFrom('threat_cases').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r ? fixCase(r) : undefined;
  },

  async update(tx: Executor, id: string, patch: Partial<Record<keyof CaseRow, unknown>>): Promise<void> {
    const set: Record<string, unknown> = { ...patch };
    if ('questions' in set) set.questions = j(set.questions);
    await tx.updateTable('threat_cases').set(set as any).set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', id).execute();
  },

  /** Whether a cursor's key can be compared under this sort (a forged one must not reach SQL as a 500). */
  validSortKey(sort: CaseSort, key: string): boolean {
    return CASE_SORT_KEYS[sort].valid.test(key);
  },

  /**
   * One keyset page ordered by (sort key, id) in one direction, continued after the cursor's tuple
   * by row comparison: no repeats or gaps for any sort, and no OFFSET.
   */
  async list(
    db: Executor,
    f: { state?: string; states?: readonly string[]; report_id?: string; province_code?: string; assigned_org_id?: string; reporting_org_id?: string; category?: string; indicator_id?: number; sort: CaseSort; order: 'asc' | 'desc'; after?: { key: string; id: string }; limit: number },
  ): Promise<Array<CaseRow & { sort_key: string }>> {
    const by = CASE_SORT_KEYS[f.sort];
    let q = db.selectFrom('threat_cases').selectAll().select(sql<string>`${by.text ?? by.expr}::text`.as('sort_key'));
    if (f.state) q = q.where('state', '=', f.state);
    if (f.states) q = q.where('state', 'in', [...f.states]);
    if (f.report_id) q = q.where('id', 'in', db.selectFrom('case_reports').select('case_id').where('report_id', '=', f.report_id));
    if (f.province_code) q = q.where('province_code', '=', f.province_code);
    if (f.assigned_org_id) q = q.where('assigned_org_id', '=', f.assigned_org_id);
    if (f.category) q = q.where('category', '=', f.category);
    if (f.reporting_org_id) q = q.where(sql<boolean>`${f.reporting_org_id}::uuid = ANY(reporting_org_ids)`);
    if (f.indicator_id)
      q = q.where(sql<boolean>`EXISTS (SELECT 1 FROM sightings s JOIN case_reports cr ON cr.report_id = s.report_id WHERE s.indicator_id = ${f.indicator_id} AND cr.case_id = threat_cases.id)`);
    if (f.after) {
      const op = sql.raw(f.order === 'asc' ? '>' : '<');
      q = q.where(sql<boolean>`(${by.expr}, id) ${op} (${f.after.key}::${sql.raw(by.type)}, ${f.after.id}::uuid)`);
    }
    const rows = await q.orderBy(by.expr, f.order).orderBy('id', f.order).limit(f.limit).execute();
    return rows.map((r) => ({ ...fixCase(r), sort_key: String((r as { sort_key: unknown }).sort_key) }));
  },

  /** Whether an organization was noticed to act on the case (it may then open the case: docs/access.md). */
  async isNoticedUnit(db: Executor, caseId: string, orgId: string): Promise<boolean> {
    const r = await db.selectFrom('notices').select('id').where('case_id', '=', caseId).where('recipient_org_id', '=', orgId).limit(1).executeTakeFirst();
    return r !== undefined;
  },

  async reportsOf(db: Executor, caseId: string) {
    return db
      .selectFrom('case_reports as cr')
      .innerJoin('reports as r', 'r.id', 'cr.report_id')
      .select(['r.id', 'r.org_id', 'r.title', 'r.category', 'r.subtype', 'r.received_at', 'r.affected_party', 'r.observable_count', 'r.disclose_reporter'])
      .where('cr.case_id', '=', caseId)
      .orderBy('cr.added_at')
      .execute();
  },

  /** Indicators of a case (through its reports' sightings), capped. */
  async indicatorsOf(db: Executor, caseId: string, limit: number) {
    const r = await sql<{ id: number; type: string; value: string; province_code: string | null; operator: string | null }>`
      SELECT DISTINCT i.id, i.type, i.value, i.province_code, i.operator FROM case_reports cr
      JOIN sightings s ON s.report_id = cr.report_id JOIN indicators i ON i.id = s.indicator_id
      WHERE cr.case_id = ${caseId} ORDER BY i.id LIMIT ${limit}`.execute(db);
    return r.rows.map((x) => ({ ...x, province_code: x.province_code ? String(x.province_code).trim() : null }));
  },

  async insertIdentification(tx: Executor, row: IdentificationRow): Promise<void> {
    await tx.insertInto('identifications').values({ ...row, questions: j(row.questions) }).execute();
  },

  async identificationsOf(db: Executor, caseId: string): Promise<IdentificationRow[]> {
    const rows = await db.selectFrom('identifications').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
    return rows.map((r) => ({ ...r, questions: parse(r.questions) }));
  },

  /** Open load per institution: cases assigned and awaiting a verdict. */
  async institutionLoads(db: Executor): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('threat_cases')
      .select(['assigned_org_id', sql<number>`count(*)`.as('n')])
      .where('state', 'in', ['identifying', 'more_info_needed'])
      .where('assigned_org_id', 'is not', null)
      .groupBy('assigned_org_id')
      .execute();
    return new Map(rows.map((r) => [r.assigned_org_id!, Number(r.n)]));
  },

  async selfHandledCounts(db: Executor, orgId: string | null, provinceCode: string | null = null) {
    let q = db.selectFrom('self_handled_counts').select(['org_id', 'category', sql<number>`sum(reports)`.as('reports')]).groupBy(['org_id', 'category']);
    if (orgId) q = q.where('org_id', '=', orgId);
    if (provinceCode) q = q.where('org_id', 'in', db.selectFrom('organizations').select('id').where('province_code', '=', provinceCode));
    return q.execute();
  },
};
