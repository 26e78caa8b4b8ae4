/**
 * Every SQL statement of the TAXII server: pages of stored STIX objects per collection, the safe
 * horizon of concurrent writers, deletions, status resources and the cursor key.
 *
 * A page is a keyset range scan on (audience column, date_added, seq) for each audience the
 * collection unites (an organization's collection: what it owns, what it answers for, and the
 * shared definitions), each scan limited to the page size, merged and cut: its cost does not
 * depend on how deep the cursor is. The JSON is served as stored, never re-serialized.
 * Snapshot tests of this SQL are in taxii.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { indicatorStixBranches, stixOrganizationBranches } from '../access/access.sql.js';
import type { IndicatorSource } from '../stix/stix.repository.js';
import type { RowKind } from '../stix/stix-render.js';
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { CollectionAudience } from './taxii-collections.js';
import type { VersionMatch } from './taxii-query.js';

/**
 * A place in a collection's total order: (date_added, source, n, k), where source 0 is a stored
 * object (n its seq, k 0) and source 1 an object rendered from an indicator row (n the row's id,
 * k its position among the row's objects). Stored objects come first within one instant.
 */
export interface PagePosition {
  at: string;
  src: 0 | 1;
  n: number;
  k: number;
}

export interface PageQuery {
  audience: CollectionAudience;
  after: PagePosition | null;
  added_after: string | null;
  /** Rows added at or after this instant may belong to transactions still running: not served yet. */
  horizon: string | null;
  ids: string[] | null;
  types: string[] | null;
  versions: VersionMatch;
  spec_versions: string[] | null;
  /** Rows to fetch (page size + 1 tells whether there is more). */
  limit: number;
}

export interface PageRow {
  seq: number;
  id: string;
  type: string;
  date_added: string;
  /** modified/created, else date_added (TAXII 2.1 §3.6 for objects without either). */
  version: string;
  /** The object's TLP 2.0 marking: reads of amber and stricter are audited (Art. 12). */
  tlp: string;
  json: string;
}

const ISO = (expr: string) => sql.raw(`to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** The audience conditions a collection unites; each is served by its own partial index. */
function branches(a: CollectionAudience): RawBuilder<unknown>[] {
  const definitions = sql`o.source = 'definition'`;
  switch (a.kind) {
    case 'tlp':
      return a.tlp === 'clear' ? [sql`o.tlp = ${a.tlp}`] : [sql`o.tlp = ${a.tlp}`, definitions];
    case 'province':
      return [sql`o.province_code = ${a.province_code}`, definitions];
    case 'organization':
      // The access module's rule: AMBER+STRICT and RED are never handed on because an organization answers for them.
      return [...stixOrganizationBranches(a.org_id), definitions];
  }
}

function conditions(q: PageQuery): RawBuilder<unknown>[] {
  const c: RawBuilder<unknown>[] = [];
  if (q.after) {
    c.push(q.after.src === 0 ? sql`(o.date_added, o.seq) > (${q.after.at}::timestamptz, ${q.after.n}::bigint)` : sql`o.date_added > ${q.after.at}::timestamptz`);
  }
  if (q.added_after) c.push(sql`o.date_added > ${q.added_after}::timestamptz`);
  if (q.horizon) c.push(sql`o.date_added < ${q.horizon}::timestamptz`);
  if (q.ids) c.push(sql`o.id = ANY(${q.ids}::text[])`);
  if (q.types) c.push(sql`o.type = ANY(${q.types}::text[])`);
  if (q.spec_versions) c.push(sql`o.spec_version = ANY(${q.spec_versions}::text[])`);
  if (!q.versions.all) {
    const v: RawBuilder<unknown>[] = [];
    if (q.versions.last) v.push(sql`NOT o.superseded`);
    if (q.versions.first) v.push(sql`NOT EXISTS (SELECT 1 FROM stix_objects e WHERE e.id = o.id AND e.version < o.version)`);
    if (q.versions.timestamps.length > 0) v.push(sql`coalesce(o.version, o.date_added) = ANY(${q.versions.timestamps}::timestamptz[])`);
    c.push(v.length === 0 ? sql`false` : sql`(${sql.join(v, sql` OR `)})`);
  }
  return c;
}

const and = (parts: RawBuilder<unknown>[]) => (parts.length === 0 ? sql`true` : sql.join(parts, sql` AND `));

/** The SQL of one page (exported for the snapshot test). */
export function pageSql(q: PageQuery): RawBuilder<PageRow> {
  const c = conditions(q);
  const b = branches(q.audience);
  let keys: RawBuilder<unknown>;
  if (q.ids) {
    // A few ids: the (id, version) index finds them; the audience is a filter.
    keys = sql`SELECT o.seq, o.date_added FROM stix_objects o WHERE ${and(c)} AND (${sql.join(b, sql` OR `)})
      ORDER BY o.date_added, o.seq LIMIT ${q.limit}`;
  } else {
    const scans = b.map((branch) => sql`(SELECT o.seq, o.date_added FROM stix_objects o WHERE ${branch} AND ${and(c)} ORDER BY o.date_added, o.seq LIMIT ${q.limit})`);
    keys = sql`SELECT seq, date_added FROM (${sql.join(scans, sql` UNION `)}) u ORDER BY date_added, seq LIMIT ${q.limit}`;
  }
  return sql<PageRow>`
    WITH k AS (${keys})
    SELECT s.seq, s.id, s.type, ${ISO('s.date_added')} AS date_added, ${ISO('coalesce(s.version, s.date_added)')} AS version, s.tlp, s.json
    FROM k JOIN stix_objects s ON s.seq = k.seq
    ORDER BY k.date_added, k.seq`;
}

/** A page's indicator rows, whose objects TAXII renders (stix-render.ts). */
export interface RenderedPageQuery {
  audience: CollectionAudience;
  after: PagePosition | null;
  added_after: string | null;
  horizon: string | null;
  /** Rows whose objects carry the ids asked for (match[id], through stix_indicator_ids). */
  row_ids: number[] | null;
  /** Rows that render an object of the types asked for (match[type]); null: any. */
  kinds: RowKind[] | null;
  /** Rows whose objects' version is one of these (match[version] timestamps): updated_at or its millisecond. */
  version_timestamps: string[] | null;
  limit: number;
}

export type RenderedRow = IndicatorSource & { key_at: string };

function kindCondition(kinds: RowKind[]): RawBuilder<unknown> {
  const whole = kinds.filter((k) => k.family === undefined).map((k) => k.type);
  const parts: RawBuilder<unknown>[] = [];
  if (whole.length > 0) parts.push(sql`i.type = ANY(${whole}::text[])`);
  for (const k of kinds.filter((x) => x.family !== undefined)) {
    parts.push(k.family === 'v6' ? sql`(i.type = ${k.type} AND strpos(i.value, ':') > 0)` : sql`(i.type = ${k.type} AND strpos(i.value, ':') = 0)`);
  }
  return parts.length === 0 ? sql`false` : sql`(${sql.join(parts, sql` OR `)})`;
}

function renderedConditions(q: RenderedPageQuery): RawBuilder<unknown>[] {
  const c: RawBuilder<unknown>[] = [];
  if (q.after) {
    c.push(q.after.src === 0 ? sql`i.updated_at >= ${q.after.at}::timestamptz` : sql`(i.updated_at, i.id) >= (${q.after.at}::timestamptz, ${q.after.n}::bigint)`);
  }
  if (q.added_after) c.push(sql`i.updated_at > ${q.added_after}::timestamptz`);
  if (q.horizon) c.push(sql`i.updated_at < ${q.horizon}::timestamptz`);
  if (q.row_ids) c.push(sql`i.id = ANY(${q.row_ids}::bigint[])`);
  if (q.kinds) c.push(kindCondition(q.kinds));
  if (q.version_timestamps) {
    c.push(sql`(i.updated_at = ANY(${q.version_timestamps}::timestamptz[]) OR date_trunc('milliseconds', i.updated_at) = ANY(${q.version_timestamps}::timestamptz[]))`);
  }
  return c;
}

/** The SQL of one page of indicator rows (exported for the snapshot test). */
export function renderedPageSql(q: RenderedPageQuery): RawBuilder<RenderedRow> {
  const c = renderedConditions(q);
  const b = indicatorStixBranches(q.audience);
  let keys: RawBuilder<unknown>;
  if (q.row_ids) {
    keys = sql`SELECT i.id, i.updated_at FROM indicators i WHERE ${and(c)} AND (${sql.join(b, sql` OR `)}) ORDER BY i.updated_at, i.id LIMIT ${q.limit}`;
  } else {
    const scans = b.map((branch) => sql`(SELECT i.id, i.updated_at FROM indicators i WHERE ${branch} AND ${and(c)} ORDER BY i.updated_at, i.id LIMIT ${q.limit})`);
    keys = sql`SELECT id, updated_at FROM (${sql.join(scans, sql` UNION ALL `)}) u ORDER BY updated_at, id LIMIT ${q.limit}`;
  }
  return sql<RenderedRow>`
    WITH k AS (${keys})
    SELECT i.id, i.type, i.value, i.hash_algorithm, i.category, i.subtype, i.status, i.listing, i.tlp, i.first_seen, i.last_seen,
      i.sighting_count, i.valid_until, i.province_code, i.operator, i.responsible_org_id, i.created_at, i.updated_at,
      ${ISO('i.updated_at')} AS key_at
    FROM k JOIN indicators i ON i.id = k.id
    ORDER BY k.updated_at, k.id`;
}

export const taxiiRepository = {
  async page(db: Executor, q: PageQuery): Promise<PageRow[]> {
    return (await pageSql(q).execute(db)).rows;
  },

  async renderedPage(db: Executor, q: RenderedPageQuery): Promise<RenderedRow[]> {
    const rows = (await renderedPageSql(q).execute(db)).rows;
    return rows.map((r) => ({ ...r, id: Number(r.id), province_code: r.province_code ? String(r.province_code).trim() : null }));
  },

  /**
   * The instant before which every row a page reads is committed or will never be: the start of
   * the oldest transaction now writing stix_objects or indicators (date_added and updated_at are
   * clock_timestamp() at the write, taken after the writer holds its lock: never earlier), or now. Asked in its own statement before the page's, so a writer that commits
   * between the two is either seen by the page or starts after the horizon. PostgreSQL only.
   */
  async horizon(db: Executor): Promise<{ horizon: string; now: string }> {
    const r = await sql<{ horizon: string; now: string }>`
      WITH c AS (SELECT clock_timestamp() AS now)
      SELECT ${ISO(`least(c.now, (SELECT min(a.xact_start) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.relation IN ('stix_objects'::regclass, 'indicators'::regclass) AND l.mode = 'RowExclusiveLock'
          AND l.pid <> pg_backend_pid()))`)} AS horizon, ${ISO('c.now')} AS now FROM c`.execute(db);
    return r.rows[0];
  },

  /** Rows of one id in a collection that a DELETE would remove, with who stored them. */
  async deletable(db: Executor, audience: CollectionAudience, id: string, versions: VersionMatch, specVersions: string[] | null) {
    const q: PageQuery = { audience, after: null, added_after: null, horizon: null, ids: [id], types: null, versions, spec_versions: specVersions, limit: 100_000 };
    const c = conditions(q);
    const b = branches(audience);
    const r = await sql<{ seq: number; source: string; owner_org_id: string | null }>`
      SELECT o.seq, o.source, o.owner_org_id FROM stix_objects o WHERE ${and(c)} AND (${sql.join(b, sql` OR `)})`.execute(db);
    return r.rows;
  },

  /** Deletes rows and makes the newest remaining version of the id the latest again. */
  async deleteRows(tx: Executor, id: string, seqs: number[]): Promise<number> {
    const r = await sql`DELETE FROM stix_objects WHERE seq = ANY(${seqs}::bigint[])`.execute(tx);
    await sql`
      UPDATE stix_objects SET superseded = (seq <> (SELECT seq FROM stix_objects WHERE id = ${id} ORDER BY version DESC NULLS LAST, seq DESC LIMIT 1))
      WHERE id = ${id}`.execute(tx);
    return Number(r.numAffectedRows ?? 0);
  },

  async insertStatus(db: Executor, s: { id: string; org_id: string; collection_id: string; status: string; request_timestamp: string; body: string }): Promise<void> {
    await db.insertInto('taxii_status').values(s).execute();
  },

  async getStatus(db: Executor, id: string) {
    return db.selectFrom('taxii_status').select(['id', 'org_id', 'body']).where('id', '=', id).executeTakeFirst();
  },

  async organization(db: Executor, id: string) {
    return db.selectFrom('organizations').select(['id', 'name', 'short_code']).where('id', '=', id).executeTakeFirst();
  },

  /** The key that signs `next` cursors: one per installation, shared by every process. */
  async cursorKey(db: Executor): Promise<Buffer> {
    const fresh = randomBytes(32).toString('base64');
    await db
      .insertInto('settings')
      .values({ key: 'taxii.cursor_key', value: JSON.stringify(fresh) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await db.selectFrom('settings').select('value').where('key', '=', 'taxii.cursor_key').executeTakeFirstOrThrow();
    const value = typeof row.value === 'string' ? row.value : String(row.value);
    return Buffer.from(value, 'base64');
  },
};
