/**
 * Every SQL statement of the indicator store. The batch upsert is the hot write path of intake:
 * one statement per batch over `unnest` arrays (the same SQL on PGlite and PostgreSQL), deduplicated
 * on (type, value), returning whether each row was new.
 */
import { sql } from 'kysely';
import { copyChunks, copyField, type CopyIn } from '../../db/copy-in.js';
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
  /** listing.ts (migration 0015). */
  listing: string;
  created_at: Date;
  updated_at: Date;
}

/** TLP 2.0 from least to most restrictive; an indicator takes the least restrictive it was shared under. */
const TLP_ORDER = sql.raw(`ARRAY['clear','green','amber','amber+strict','red']`);

export function fixIndicator(r: any): IndicatorRow {
  return { ...r, province_code: r.province_code ? String(r.province_code).trim() : null };
}

/** What bulk intake writes for a value known to be new; the rest takes the column defaults. */
const NEW_COLUMNS = [
  'type', 'value', 'hash_algorithm', 'category', 'subtype', 'tlp', 'first_seen', 'last_seen',
  'valid_until', 'province_code', 'operator', 'responsible_org_id', 'excluded',
] as const;

function* newIndicatorLines(rows: readonly IndicatorUpsert[]): Generator<string> {
  // The middle of the line (category to valid_until) is the same for long runs of rows: build it once per run.
  let last: IndicatorUpsert | null = null;
  let middle = '';
  for (const r of rows) {
    if (last === null || r.category !== last.category || r.subtype !== last.subtype || r.tlp !== last.tlp || r.seen_at !== last.seen_at || r.valid_until !== last.valid_until) {
      const seen = r.seen_at.toISOString();
      middle = `\t${copyField(r.category)}\t${copyField(r.subtype)}\t${copyField(r.tlp)}\t${seen}\t${seen}\t${copyField(r.valid_until)}\t`;
      last = r;
    }
    yield `${copyField(r.type)}\t${copyField(r.value)}\t${copyField(r.hash_algorithm)}${middle}${copyField(r.province_code)}\t${copyField(r.operator)}\t${copyField(r.responsible_org_id)}\t${r.excluded ? 't' : 'f'}\n`;
  }
}

/** Distinct ids as runs of consecutive ones, [first, last] pairs in ascending order. */
export function idRuns(given: readonly number[]): { first: number[]; last: number[] } {
  // COPY hands out ids in row order, so they come ascending; anything else is sorted first.
  let ids = given;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] <= ids[i - 1]) {
      ids = [...new Set(given)].sort((a, b) => a - b);
      break;
    }
  }
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && ids[i] === ids[i - 1] + 1) last[last.length - 1] = ids[i];
    else {
      first.push(ids[i]);
      last.push(ids[i]);
    }
  }
  return { first, last };
}

export const indicatorsRepository = {
  /** The last id the indicators' identity sequence handed out (0 before the first). */
  async lastIdDrawn(tx: Executor): Promise<number> {
    const r = await sql<{ last: number }>`SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS last FROM indicators_id_seq`.execute(tx);
    return Number(r.rows[0].last);
  },

  /**
   * The ids that COPY gave `rows` (in their order). When every id drawn after `after` is one of
   * them they are consecutive, in COPY order: the sequence proves it, or failing that one range
   * query (n rows, n consecutive ids, none of another session's). Otherwise another session drew
   * ids meanwhile and they are read back by key.
   */
  async idsGivenByCopy(tx: Executor, after: number, rows: readonly { type: string; value: string }[]): Promise<number[]> {
    // The sequence (cache 1) moved by exactly as many ids as COPY wrote rows: COPY drew them all,
    // one per row in row order, and nobody else drew any. No row needs reading.
    if ((await this.lastIdDrawn(tx)) - after === rows.length) return Array.from({ length: rows.length }, (_, i) => after + 1 + i);
    const r = await sql<{ lo: number | null; hi: number | null; n: number }>`
      SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM indicators WHERE id > ${after}`.execute(tx);
    const { lo, hi, n } = r.rows[0];
    if (lo !== null && hi !== null && Number(n) === rows.length && Number(hi) - Number(lo) + 1 === rows.length) {
      const first = Number(lo);
      return Array.from({ length: rows.length }, (_, i) => first + i);
    }
    const byKey = new Map<string, number>();
    for (let i = 0; i < rows.length; i += 10_000) {
      const slice = rows.slice(i, i + 10_000);
      for (const f of await this.idsOf(tx, slice.map((x) => x.type), slice.map((x) => x.value))) byKey.set(`${f.type}\u0000${f.value}`, f.id);
    }
    return rows.map((x) => byKey.get(`${x.type}\u0000${x.value}`)!);
  },

  /**
   * Writes values known to be new with COPY, in the order given: sorted by (type, value), they get
   * ascending ids from the column's identity, so both keys fill their indexes from left to right. A value that exists after all
   * (another session wrote it meanwhile) fails the whole COPY with a unique violation: run it in a
   * savepoint and fall back to upsertBatch.
   */
  async copyNew(copyIn: CopyIn, rows: readonly IndicatorUpsert[]): Promise<void> {
    if (rows.length === 0) return;
    await copyIn('indicators', NEW_COLUMNS, copyChunks(newIndicatorLines(rows)));
  },

  /**
   * One sighting per indicator for a report, for values this import wrote itself (ascending ids):
   * one sighting_ranges row per run of consecutive ids, usually one per COPY (migration 0008).
   */
  async insertSightingRanges(tx: Executor, reportId: string, orgId: string, seenAt: Date, indicatorIds: readonly number[]): Promise<void> {
    if (indicatorIds.length === 0) return;
    const { first, last } = idRuns(indicatorIds);
    await sql`
      INSERT INTO sighting_ranges (report_id, org_id, seen_at, first_id, last_id)
      SELECT ${reportId}::uuid, ${orgId}::uuid, ${seenAt}::timestamptz, f, l FROM unnest(${first}::bigint[], ${last}::bigint[]) AS t(f, l)`.execute(tx);
  },

  /**
   * Values this import wrote by COPY wait for the search index (migration 0016): one backlog row
   * per run of consecutive ids, in the same transaction, so a search sees them from its commit on.
   */
  async queueForSearch(tx: Executor, indicatorIds: readonly number[]): Promise<void> {
    if (indicatorIds.length === 0) return;
    const { first, last } = idRuns(indicatorIds);
    await sql`
      INSERT INTO indicator_search_backlog (first_id, last_id)
      SELECT f, l FROM unnest(${first}::bigint[], ${last}::bigint[]) AS t(f, l)`.execute(tx);
  },

  /**
   * Moves up to about `maxIds` ids of the backlog into the search index, in the caller's
   * transaction: the oldest backlog rows (locked, skipping those another indexer holds), the last
   * one cut where the slice ends. Returns how many ids it covered (0: nothing to do).
   */
  async indexSearchBacklog(tx: Executor, maxIds: number): Promise<number> {
    const taken = await sql<{ id: number; first_id: number; last_id: number }>`
      SELECT id, first_id, last_id FROM indicator_search_backlog ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED`.execute(tx);
    if (taken.rows.length === 0) return 0;
    const first: number[] = [];
    const last: number[] = [];
    const done: number[] = [];
    let cut: { id: number; next: number } | null = null;
    let covered = 0;
    for (const r of taken.rows) {
      const lo = Number(r.first_id);
      const hi = Number(r.last_id);
      const room = maxIds - covered;
      if (hi - lo + 1 > room) {
        first.push(lo);
        last.push(lo + room - 1);
        covered += room;
        cut = { id: Number(r.id), next: lo + room };
        break;
      }
      first.push(lo);
      last.push(hi);
      done.push(Number(r.id));
      covered += hi - lo + 1;
      if (covered >= maxIds) break;
    }
    await sql`
      INSERT INTO indicator_search (id, value)
      SELECT i.id, i.value FROM unnest(${first}::bigint[], ${last}::bigint[]) AS r(f, l)
      JOIN indicators i ON i.id BETWEEN r.f AND r.l
      ON CONFLICT (id) DO NOTHING`.execute(tx);
    if (done.length > 0) await sql`DELETE FROM indicator_search_backlog WHERE id = ANY(${done}::bigint[])`.execute(tx);
    if (cut) await sql`UPDATE indicator_search_backlog SET first_id = ${cut.next} WHERE id = ${cut.id}`.execute(tx);
    return covered;
  },

  /** Ids waiting for the search index (the backlog's runs, summed). */
  async searchBacklogSize(db: Executor): Promise<number> {
    const r = await sql<{ n: number | null }>`SELECT sum(last_id - first_id + 1) AS n FROM indicator_search_backlog`.execute(db);
    return Number(r.rows[0].n ?? 0);
  },

  /**
   * Fresh planner statistics for sighting_ranges, a handful of rows that stand for millions of
   * sightings: without them (autovacuum off, or not yet come round) the planner guesses thousands
   * of rows and answers "the values of this report" by scanning `indicators`. A few milliseconds.
   */
  async analyzeSightingRanges(db: Executor): Promise<void> {
    await sql`ANALYZE sighting_ranges`.execute(db);
  },

  /** Which of these (type, value) pairs are stored, and under which id: one probe of the unique key each. */
  async idsOf(db: Executor, types: string[], values: string[]): Promise<{ id: number; type: string; value: string }[]> {
    if (types.length === 0) return [];
    const r = await sql<{ id: number; type: string; value: string }>`
      SELECT i.id, i.type, i.value FROM unnest(${types}::text[], ${values}::text[]) AS k(type, value)
      JOIN indicators i ON i.type = k.type AND i.value = k.value`.execute(db);
    return r.rows;
  },

  /**
   * Rows must be unique on (type, value) within one call. The ids it inserted join the search
   * backlog in the same statement, as one run from the lowest to the highest: a run may take in ids
   * of another session's rows, which their own backlog row names too, and indexing is idempotent.
   */
  async upsertBatch(tx: Executor, rows: IndicatorUpsert[]): Promise<(IndicatorRow & { inserted: boolean })[]> {
    if (rows.length === 0) return [];
    const col = <K extends keyof IndicatorUpsert>(k: K) => rows.map((r) => r[k]);
    const result = await sql<IndicatorRow & { inserted: boolean }>`
      WITH written AS (
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
        updated_at = clock_timestamp()
      RETURNING i.*, (i.xmax = 0) AS inserted),
      queued AS (
        INSERT INTO indicator_search_backlog (first_id, last_id)
        SELECT min(id), max(id) FROM written WHERE inserted HAVING count(*) > 0)
      SELECT * FROM written`.execute(tx);
    return result.rows.map((r) => ({ ...fixIndicator(r), inserted: r.inserted }));
  },

  async insertSightings(tx: Executor, reportId: string, orgId: string, seenAt: Date, indicatorIds: number[]): Promise<void> {
    if (indicatorIds.length === 0) return;
    await sql`
      INSERT INTO sighting_rows (indicator_id, report_id, org_id, seen_at)
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

  /** Keyset page of the unique key's columns by id, for building the membership filter. */
  async keysAfter(db: Executor, afterId: number, limit: number): Promise<{ id: number; type: string; value: string }[]> {
    const r = await sql<{ id: number; type: string; value: string }>`
      SELECT id, type, value FROM indicators WHERE id > ${afterId}::bigint ORDER BY id LIMIT ${limit}`.execute(db);
    return r.rows;
  },

  /** The stored rows of these (type, value) pairs (a batch lookup): one probe of the unique key each. */
  async rowsOf(db: Executor, types: string[], values: string[]): Promise<IndicatorRow[]> {
    if (types.length === 0) return [];
    const r = await sql<IndicatorRow>`
      SELECT i.* FROM unnest(${types}::text[], ${values}::text[]) AS k(type, value)
      JOIN indicators i ON i.type = k.type AND i.value = k.value`.execute(db);
    return r.rows.map(fixIndicator);
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
      .select(['s.org_id', 's.report_id', 's.seen_at', 'r.disclose_reporter', 'r.province_code', 'r.tlp', 'r.category', 'r.subtype'])
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
    // Case-insensitive substring: the trigram index of indicator_search, and the values still in
    // its backlog read by primary-key range (migration 0016), so a search is current at every commit.
    if (f.q) {
      const pattern = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where('id', 'in', (eb) =>
        eb
          .selectFrom('indicator_search')
          .select('indicator_search.id')
          .where('indicator_search.value', 'ilike', pattern)
          .unionAll(
            eb
              .selectFrom('indicator_search_backlog as b')
              .innerJoin('indicators as j', (join) => join.onRef('j.id', '>=', 'b.first_id').onRef('j.id', '<=', 'b.last_id'))
              .select('j.id')
              .where('j.value', 'ilike', pattern),
          ),
      );
    }
    if (f.after_id) q = q.where('id', '<', f.after_id);
    const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map(fixIndicator);
  },
};
