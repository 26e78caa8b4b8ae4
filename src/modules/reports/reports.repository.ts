/** Every SQL statement of reports, bulk imports and evidence files. */
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/database.js';

export interface ReportRow {
  id: string;
  org_id: string;
  submitted_by_user: string | null;
  submitted_by_token: string | null;
  source: string;
  received_at: Date;
  category: string;
  subtype: string;
  title: string;
  description: string;
  discovered_at: Date;
  affected_party: unknown;
  tlp: string;
  self_handled: boolean;
  self_measures: unknown[];
  disclose_reporter: boolean;
  province_code: string | null;
  evidence_sha256: string[];
  observable_count: number;
  refused_count: number;
  version: number;
  supersedes_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  receipt: unknown;
}

export const REPORT_SORTS = ['received_at', 'category', 'province_code'] as const;
export type ReportSort = (typeof REPORT_SORTS)[number];

/** The SQL of each sort key; a report without a province sorts as the empty code (before any). */
const REPORT_SORT_KEYS: Record<ReportSort, { expr: RawBuilder<unknown>; type: string; text?: RawBuilder<unknown> }> = {
  // Microseconds kept, so the cursor marks the exact row whatever the session time zone.
  received_at: { expr: sql`received_at`, type: 'timestamptz', text: sql`to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` },
  category: { expr: sql`category`, type: 'text' },
  province_code: { expr: sql`coalesce(province_code::text, '')`, type: 'text' },
};

const fix = (r: any): ReportRow => ({ ...r, province_code: r.province_code ? String(r.province_code).trim() : null });

export const reportsRepository = {
  async insert(tx: Executor, r: Omit<ReportRow, 'received_at' | 'receipt'> & { received_at?: Date }): Promise<void> {
    await tx
      .insertInto('reports')
      .values({
        ...r,
        affected_party: r.affected_party === null ? null : JSON.stringify(r.affected_party),
        self_measures: JSON.stringify(r.self_measures),
      })
      .execute();
  },

  /** The case a report opened or joined, if any. */
  async caseOf(db: Executor, reportId: string): Promise<string | undefined> {
    const r = await db.selectFrom('case_reports').select('case_id').where('report_id', '=', reportId).orderBy('added_at').executeTakeFirst();
    return r?.case_id;
  },

  async setReceipt(tx: Executor, id: string, receipt: unknown): Promise<void> {
    await tx.updateTable('reports').set({ receipt: JSON.stringify(receipt) }).where('id', '=', id).execute();
  },

  async setCounts(tx: Executor, id: string, observable_count: number, refused_count: number): Promise<void> {
    await tx.updateTable('reports').set({ observable_count, refused_count }).where('id', '=', id).execute();
  },

  async get(db: Executor, id: string): Promise<ReportRow | undefined> {
    const r = await db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fix(r) : undefined;
  },

  async byIdempotencyKey(db: Executor, orgId: string, key: string): Promise<ReportRow | undefined> {
    const r = await db.selectFrom('reports').selectAll().where('org_id', '=', orgId).where('idempotency_key', '=', key).executeTakeFirst();
    return r ? fix(r) : undefined;
  },

  /**
   * One keyset page, ordered by (sort key, id) in one direction and continued after the cursor's
   * tuple: row comparison keeps pages free of repeats and gaps for every sort, with no OFFSET.
   */
  /** Whether a cursor's key can be compared under this sort (a forged one must not reach SQL as a 500). */
  validSortKey(sort: ReportSort, key: string): boolean {
    return sort !== 'received_at' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(key);
  },

  async list(
    db: Executor,
    f: { org_id?: string; province_code?: string; category?: string; self_handled?: boolean; words?: string[]; sort: ReportSort; order: 'asc' | 'desc'; after?: { key: string; id: string }; limit: number },
  ): Promise<Array<ReportRow & { sort_key: string }>> {
    const by = REPORT_SORT_KEYS[f.sort];
    let q = db.selectFrom('reports').selectAll().select(sql<string>`${by.text ?? by.expr}::text`.as('sort_key'));
    if (f.org_id) q = q.where('org_id', '=', f.org_id);
    if (f.province_code) q = q.where('province_code', '=', f.province_code);
    if (f.category) q = q.where('category', '=', f.category);
    if (f.self_handled !== undefined) q = q.where('self_handled', '=', f.self_handled);
    // Each word in the title or the description, any case, any part (trigram indexes, 0013).
    for (const w of f.words ?? []) {
      const like = `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('title', 'ilike', like), eb('description', 'ilike', like)]));
    }
    if (f.after) {
      const op = sql.raw(f.order === 'asc' ? '>' : '<');
      q = q.where(sql<boolean>`(${by.expr}, id) ${op} (${f.after.key}::${sql.raw(by.type)}, ${f.after.id}::uuid)`);
    }
    const rows = await q.orderBy(by.expr, f.order).orderBy('id', f.order).limit(f.limit).execute();
    return rows.map((r) => ({ ...fix(r), sort_key: String(r.sort_key) }));
  },

  async observablesOf(db: Executor, reportId: string, limit = 1000) {
    return db
      .selectFrom('sightings as s')
      .innerJoin('indicators as i', 'i.id', 's.indicator_id')
      .select(['i.id', 'i.type', 'i.value'])
      .where('s.report_id', '=', reportId)
      .orderBy('i.id')
      .limit(limit)
      .execute();
  },

  // Imports
  async insertImport(
    tx: Executor,
    r: { id: string; org_id: string; report_id: string | null; format: string; status: string; total: number; accepted: number; new_indicators: number; duplicates: number; refused: number; refusals: unknown[]; idempotency_key: string | null; request_hash: string | null },
  ): Promise<void> {
    await tx.insertInto('imports').values({ ...r, refusals: JSON.stringify(r.refusals) }).execute();
  },

  async importByKey(db: Executor, orgId: string, key: string) {
    return db.selectFrom('imports').selectAll().where('org_id', '=', orgId).where('idempotency_key', '=', key).executeTakeFirst();
  },

  async getImport(db: Executor, id: string) {
    return db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  },

  // Evidence
  async insertEvidence(tx: Executor, r: { sha256: string; size_bytes: number; media_type: string; file_name: string | null; content: Uint8Array; uploaded_by_org: string }): Promise<boolean> {
    const res = await tx.insertInto('evidence_files').values(r).onConflict((oc) => oc.column('sha256').doNothing()).executeTakeFirst();
    await tx.insertInto('evidence_access').values({ sha256: r.sha256, org_id: r.uploaded_by_org }).onConflict((oc) => oc.doNothing()).execute();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  async evidenceMeta(db: Executor, sha256: string) {
    return db.selectFrom('evidence_files').select(['sha256', 'size_bytes', 'media_type', 'file_name', 'uploaded_by_org', 'created_at']).where('sha256', '=', sha256).executeTakeFirst();
  },

  async evidenceContent(db: Executor, sha256: string) {
    return db.selectFrom('evidence_files').select(['content', 'media_type', 'file_name', 'size_bytes']).where('sha256', '=', sha256).executeTakeFirst();
  },

  async evidenceAccessible(db: Executor, orgId: string, hashes: string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows = await db.selectFrom('evidence_access').select('sha256').where('org_id', '=', orgId).where('sha256', 'in', hashes).execute();
    return new Set(rows.map((r) => r.sha256));
  },

  async grantEvidence(tx: Executor, orgId: string, hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await tx.insertInto('evidence_access').values(hashes.map((sha256) => ({ sha256, org_id: orgId }))).onConflict((oc) => oc.doNothing()).execute();
  },

  /** Whether a report cites this evidence file (so regulators and institutions may read it). */
  async evidenceCitedInProvince(db: Executor, sha256: string, provinceCode: string | null): Promise<boolean> {
    let q = db.selectFrom('reports').select('id').where(sql<boolean>`${sha256} = any(evidence_sha256)`);
    if (provinceCode) q = q.where('province_code', '=', provinceCode);
    return (await q.limit(1).executeTakeFirst()) !== undefined;
  },

  /**
   * Where a file is cited as a notice's result evidence or an identification's evidence: the
   * province and the case's institution, which decide who else may read it (docs/access.md).
   */
  async evidenceCitations(db: Executor, sha256: string): Promise<{ province_code: string | null; institution_org_id: string | null }[]> {
    const r = await sql<{ province_code: string | null; institution_org_id: string | null }>`
      SELECT n.province_code, c.assigned_org_id AS institution_org_id FROM notices n LEFT JOIN threat_cases c ON c.id = n.case_id
        WHERE n.result IS NOT NULL AND n.result -> 'evidence_sha256' @> jsonb_build_array(${sha256}::text)
      UNION ALL
      SELECT c.province_code, i.institution_org_id FROM identifications i JOIN threat_cases c ON c.id = i.case_id
        WHERE ${sha256} = ANY(i.evidence_sha256)
      LIMIT 100`.execute(db);
    return r.rows.map((x) => ({ province_code: x.province_code === null ? null : String(x.province_code).trim(), institution_org_id: x.institution_org_id }));
  },
};
