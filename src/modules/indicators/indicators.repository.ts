/**
 * Every SQL statement of the indicator store. The batch upsert is the hot write path of intake:
 * one statement per batch over `unnest` arrays (the same SQL on PGlite and PostgreSQL), deduplicated
 * on (type, value), returning whether each row was new.
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

export interface IndicatorUpsert {
  type: string;
  value: string;
  hash_algorithm: string | null;
  category: string;
  subtype: string;
  tlp: string;
  seen_at: Date;
  valid_until: Date | null;
  province_code: string | null;
  operator: string | null;
  responsible_org_id: string | null;
  excluded: boolean;
}

export interface IndicatorRow {
  id: number;
  type: string;
  value: string;
  hash_algorithm: string | null;
  category: string;
  subtype: string;
  status: string;
  tlp: string;
  first_seen: Date;
  last_seen: Date;
  sighting_count: number;
  valid_until: Date | null;
  province_code: string | null;
  operator: string | null;
  responsible_org_id: string | null;
  excluded: boolean;
  created_at: Date;
  updated_at: Date;
}

/** TLP 2.0 from least to most restrictive; an indicator takes the least restrictive it was shared under. */
const TLP_ORDER = sql.raw(`ARRAY['clear','green','amber','amber+strict','red']`);

export function fixIndicator(r: any): IndicatorRow {
  return { ...r, province_code: r.province_code ? String(r.province_code).trim() : null };
}

export const indicatorsRepository = {
  /** Rows must be unique on (type, value) within one call. */
  async upsertBatch(tx: Executor, rows: IndicatorUpsert[]): Promise<(IndicatorRow & { inserted: boolean })[]> {
    if (rows.length === 0) return [];
    const col = <K extends keyof IndicatorUpsert>(k: K) => rows.map((r) => r[k]);
    const result = await sql<IndicatorRow & { inserted: boolean }>`
      INSERT INTO indicators AS i (type, value, hash_algorithm, category, subtype, tlp, first_seen, last_seen,
        sighting_count, valid_until, province_code, operator, responsible_org_id, excluded)
      SELECT t.type, t.value, t.hash_algorithm, t.category, t.subtype, t.tlp, t.seen_at, t.seen_at, 1,
        t.valid_until, t.province_code, t.operator, t.responsible_org_id, t.excluded
      FROM unnest(${col('type')}::text[], ${col('value')}::text[], ${col('hash_algorithm')}::text[],
        ${col('category')}::text[], ${col('subtype')}::text[], ${col('tlp')}::text[], ${col('seen_at')}::timestamptz[],
        ${col('valid_until')}::timestamptz[], ${col('province_code')}::text[], ${col('operator')}::text[],
        ${col('responsible_org_id')}::uuid[], ${col('excluded')}::boolean[])
        AS t(type, value, hash_algorithm, category, subtype, tlp, seen_at, valid_until, province_code, operator, responsible_org_id, excluded)
      ON CONFLICT (type, value) DO UPDATE SET
        first_seen = least(i.first_seen, excluded.first_seen),
        last_seen = greatest(i.last_seen, excluded.last_seen),
        sighting_count = i.sighting_count + 1,
        tlp = CASE WHEN array_position(${TLP_ORDER}, excluded.tlp) < array_position(${TLP_ORDER}, i.tlp) THEN excluded.tlp ELSE i.tlp END,
        valid_until = CASE WHEN i.valid_until IS NULL OR excluded.valid_until IS NULL THEN NULL ELSE greatest(i.valid_until, excluded.valid_until) END,
        status = CASE WHEN i.status = 'expired' THEN 'active' ELSE i.status END,
        province_code = coalesce(i.province_code, excluded.province_code),
        operator = coalesce(i.operator, excluded.operator),
        responsible_org_id = coalesce(i.responsible_org_id, excluded.responsible_org_id),
        updated_at = now()
      RETURNING i.*, (i.xmax = 0) AS inserted`.execute(tx);
    return result.rows.map((r) => ({ ...fixIndicator(r), inserted: r.inserted }));
  },

  async insertSightings(tx: Executor, reportId: string, orgId: string, seenAt: Date, indicatorIds: number[]): Promise<void> {
    if (indicatorIds.length === 0) return;
    await sql`
      INSERT INTO sightings (indicator_id, report_id, org_id, seen_at)
      SELECT unnest(${indicatorIds}::bigint[]), ${reportId}::uuid, ${orgId}::uuid, ${seenAt}::timestamptz
      ON CONFLICT DO NOTHING`.execute(tx);
  },

  async byIds(db: Executor, ids: number[]): Promise<IndicatorRow[]> {
    if (ids.length === 0) return [];
    const rows = await db.selectFrom('indicators').selectAll().where('id', '=', sql<number>`any(${ids}::bigint[])`).execute();
    return rows.map(fixIndicator);
  },

  async get(db: Executor, id: number): Promise<IndicatorRow | undefined> {
    const row = await db.selectFrom('indicators').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fixIndicator(row) : undefined;
  },

  async getByValue(db: Executor, type: string, value: string): Promise<IndicatorRow | undefined> {
    const row = await db.selectFrom('indicators').selectAll().where('type', '=', type).where('value', '=', value).executeTakeFirst();
    return row ? fixIndicator(row) : undefined;
  },

  /** Keyset page by id, for loading the in-memory lookup index. */
  async pageById(db: Executor, afterId: number, limit: number): Promise<IndicatorRow[]> {
    const rows = await db.selectFrom('indicators').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(fixIndicator);
  },

  /**
   * Rows changed at or after a time (the writer's transaction start), keyset by (updated_at, id).
   * The cursor's time travels as text: PostgreSQL keeps microseconds, a JS Date only milliseconds,
   * and a truncated cursor would read the same page forever.
   */
  async changedSince(db: Executor, since: string, after: { at: string; id: number } | null, limit: number): Promise<(IndicatorRow & { updated_at_text: string })[]> {
    let q = db.selectFrom('indicators').selectAll().select(sql<string>`updated_at::text`.as('updated_at_text')).where('updated_at', '>=', sql<Date>`${since}::timestamptz`);
    if (after) {
      const at = sql<Date>`${after.at}::timestamptz`;
      q = q.where((eb) => eb.or([eb('updated_at', '>', at), eb.and([eb('updated_at', '=', at), eb('id', '>', after.id)])]));
    }
    const rows = await q.orderBy('updated_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ ...fixIndicator(r), updated_at_text: r.updated_at_text }));
  },

  /**
   * Where the poll of other writers may safely resume: the start of the oldest transaction still
   * running (its rows carry that start time as updated_at and are not visible yet), or now.
   */
  async safeWatermark(db: Executor, kind: 'pglite' | 'postgres'): Promise<string> {
    if (kind === 'pglite') return (await sql<{ now: string }>`SELECT now()::text AS now`.execute(db)).rows[0].now;
    const r = await sql<{ w: string }>`
      SELECT least(now(), coalesce((SELECT min(xact_start) FROM pg_stat_activity
        WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()), now()))::text AS w`.execute(db);
    return r.rows[0].w;
  },

  async reportersOf(db: Executor, indicatorId: number, limit = 50) {
    return db
      .selectFrom('sightings as s')
      .innerJoin('reports as r', 'r.id', 's.report_id')
      .select(['s.org_id', 's.report_id', 's.seen_at', 'r.disclose_reporter', 'r.tlp', 'r.category', 'r.subtype'])
      .where('s.indicator_id', '=', indicatorId)
      .orderBy('s.seen_at', 'desc')
      .limit(limit)
      .execute();
  },

  async count(db: Executor): Promise<number> {
    const r = await db.selectFrom('indicators').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  },

  async search(
    db: Executor,
    f: { type?: string; status?: string; category?: string; province_code?: string; q?: string; after_id?: number; limit: number },
  ): Promise<IndicatorRow[]> {
    let q = db.selectFrom('indicators').selectAll();
    if (f.type) q = q.where('type', '=', f.type);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.category) q = q.where('category', '=', f.category);
    if (f.province_code) q = q.where('province_code', '=', f.province_code);
    if (f.q) q = q.where('value', 'like', `${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    if (f.after_id) q = q.where('id', '<', f.after_id);
    const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map(fixIndicator);
  },
};
