/**
 * Every SQL statement that writes the STIX store (`stix_objects`, `stix_sync_state`) or reads the
 * platform records it derives from. Batches go through `unnest` arrays: one statement per batch,
 * the same SQL on PGlite and PostgreSQL. TAXII's reads are in taxii/taxii.repository.ts.
 */
import type { IndicatorRow } from '../indicators/indicators.repository.js';
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

/** One row to store. `version` is the object's `modified` (else `created`) as a STIX timestamp. */
export interface StixObjectInsert {
  id: string;
  type: string;
  spec_version: string;
  version: string | null;
  superseded: boolean;
  tlp: string;
  province_code: string | null;
  owner_org_id: string | null;
  responsible_org_id: string | null;
  source: 'import' | 'platform' | 'definition';
  source_key: string | null;
  json: string;
}

/** A stored version of an object, with the version at full (microsecond) precision. */
export interface StoredVersion {
  seq: number;
  id: string;
  version: string | null;
  superseded: boolean;
  source: string;
}

export interface StoredObjectRow {
  seq: number;
  id: string;
  type: string;
  version: string | null;
  date_added: string;
  superseded: boolean;
  tlp: string;
  province_code: string | null;
  owner_org_id: string | null;
  responsible_org_id: string | null;
  source: string;
  source_key: string | null;
  json: string;
}

/** Timestamps as RFC 3339 text with all six fractional digits, so keyset and version compare exactly. */
export const isoText = (column: string) => sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** The indicator columns the STIX export needs: the stored row, without the blocklist flag. */
export type IndicatorSource = Omit<IndicatorRow, 'excluded'>;

export interface OrganizationSource {
  id: string;
  kind: string;
  name: string;
  name_en: string | null;
  province_code: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A position in indicators by (updated_at, id); `at` is RFC 3339 text with microseconds. */
/** Where the derivation of indicators stands (stix_sync_state, migration 0014). */
export interface SyncState {
  indicators_watermark: Date;
  organizations_watermark: Date;
  /** The last row the running sweep derived, or null when no sweep is under way. */
  cursor: IndicatorKey | null;
  /** The watermark the running sweep moves to when it ends. */
  sweep_watermark: Date | null;
}

export interface IndicatorKey {
  at: string;
  id: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const trimProvince = <T extends { province_code: string | null }>(r: T): T => ({
  ...r,
  province_code: r.province_code ? String(r.province_code).trim() : null,
});

export const stixRepository = {
  /** Serializes writers that decide which stored version is the latest (imports, TAXII POSTs). */
  async lockVersions(tx: Executor): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(7311042019)`.execute(tx);
  },

  /** Every stored version of these ids. */
  async versionsOf(db: Executor, ids: string[]): Promise<StoredVersion[]> {
    if (ids.length === 0) return [];
    const r = await sql<StoredVersion>`
      SELECT seq, id, ${isoText('version')} AS version, superseded, source
      FROM stix_objects WHERE id = ANY(${ids}::text[])`.execute(db);
    return r.rows;
  },

  /** Inserts rows, skipping any (id, version) already stored; returns the rows inserted. */
  async insertBatch(tx: Executor, rows: StixObjectInsert[]): Promise<{ seq: number; id: string; version: string | null }[]> {
    if (rows.length === 0) return [];
    const col = <K extends keyof StixObjectInsert>(k: K) => rows.map((r) => r[k]);
    const r = await sql<{ seq: number; id: string; version: string | null }>`
      INSERT INTO stix_objects (id, type, spec_version, version, superseded, tlp, province_code, owner_org_id,
        responsible_org_id, source, source_key, json)
      SELECT * FROM unnest(${col('id')}::text[], ${col('type')}::text[], ${col('spec_version')}::text[],
        ${col('version')}::timestamptz[], ${col('superseded')}::boolean[], ${col('tlp')}::text[], ${col('province_code')}::text[],
        ${col('owner_org_id')}::uuid[], ${col('responsible_org_id')}::uuid[], ${col('source')}::text[],
        ${col('source_key')}::text[], ${col('json')}::text[])
      ON CONFLICT (id, version) DO NOTHING
      RETURNING seq, id, ${isoText('version')} AS version`.execute(tx);
    return r.rows;
  },

  /** Marks every other version of these ids as superseded by the rows just inserted. */
  async supersedeOthers(tx: Executor, latest: { id: string; seq: number }[]): Promise<void> {
    if (latest.length === 0) return;
    await sql`
      UPDATE stix_objects s SET superseded = true
      FROM unnest(${latest.map((l) => l.id)}::text[], ${latest.map((l) => l.seq)}::bigint[]) AS l(id, seq)
      WHERE s.id = l.id AND s.seq <> l.seq AND NOT s.superseded`.execute(tx);
  },

  /** The stored version of the derived object of each platform record (its indicator/identity/report). */
  async derivedVersions(db: Executor, keys: string[], types: string[]): Promise<Map<string, string | null>> {
    if (keys.length === 0) return new Map();
    const r = await sql<{ source_key: string; version: string | null }>`
      SELECT source_key, ${isoText('version')} AS version FROM stix_objects
      WHERE source_key = ANY(${keys}::text[]) AND type = ANY(${types}::text[]) AND source = 'platform'`.execute(db);
    return new Map(r.rows.map((x) => [x.source_key, x.version]));
  },

  /** Removes what was derived from these platform records (before writing their new version). */
  async deleteDerived(tx: Executor, keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const r = await sql`DELETE FROM stix_objects WHERE source_key = ANY(${keys}::text[]) AND source = 'platform'`.execute(tx);
    return Number(r.numAffectedRows ?? 0);
  },

  /** Latest stored rows of one id (all versions when `allVersions`). */
  async rowsOf(db: Executor, id: string, allVersions = false): Promise<StoredObjectRow[]> {
    const r = await sql<StoredObjectRow>`
      SELECT seq, id, type, ${isoText('version')} AS version, ${isoText('date_added')} AS date_added, superseded, tlp,
        province_code, owner_org_id, responsible_org_id, source, source_key, json
      FROM stix_objects WHERE id = ${id} ${allVersions ? sql`` : sql`AND NOT superseded`}
      ORDER BY version NULLS FIRST, seq`.execute(db);
    return r.rows;
  },

  async countBySource(db: Executor): Promise<Record<string, number>> {
    const r = await sql<{ source: string; n: number }>`SELECT source, count(*)::bigint AS n FROM stix_objects GROUP BY source`.execute(db);
    return Object.fromEntries(r.rows.map((x) => [x.source, Number(x.n)]));
  },

  // -- Deriving the platform's records ----------------------------------------------------------

  /** Locks the sync state row for one pass's batch, so two processes never interleave a batch. */
  async lockSyncState(tx: Executor): Promise<{ indicators_watermark: Date; organizations_watermark: Date }> {
    const r = await sql<{ indicators_watermark: Date; organizations_watermark: Date }>`
      SELECT indicators_watermark, organizations_watermark FROM stix_sync_state WHERE id = 1 FOR UPDATE`.execute(tx);
    return r.rows[0];
  },

  async syncState(db: Executor): Promise<SyncState> {
    const r = await sql<{ indicators_watermark: Date; organizations_watermark: Date; indicators_cursor_at: string | null; indicators_cursor_id: string | number | null; indicators_sweep_watermark: Date | null }>`
      SELECT indicators_watermark, organizations_watermark, indicators_cursor_at, indicators_cursor_id, indicators_sweep_watermark
      FROM stix_sync_state WHERE id = 1`.execute(db);
    const row = r.rows[0];
    return {
      indicators_watermark: new Date(row.indicators_watermark),
      organizations_watermark: new Date(row.organizations_watermark),
      cursor: row.indicators_cursor_at !== null && row.indicators_cursor_id !== null ? { at: row.indicators_cursor_at, id: Number(row.indicators_cursor_id) } : null,
      sweep_watermark: row.indicators_sweep_watermark === null ? null : new Date(row.indicators_sweep_watermark),
    };
  },

  /**
   * Records how far the indicator sweep that started from `since` got: its last row (keyset on
   * (updated_at, id)) and the watermark it will move to when it ends. Written only while `since`
   * is still the stored watermark, so a process with an older view never moves the sweep back.
   */
  async setIndicatorSweep(db: Executor, since: Date, cursor: IndicatorKey, sweepWatermark: Date): Promise<void> {
    await sql`
      UPDATE stix_sync_state SET indicators_cursor_at = ${cursor.at}, indicators_cursor_id = ${cursor.id}::bigint,
        indicators_sweep_watermark = ${sweepWatermark}::timestamptz, updated_at = now()
      WHERE id = 1 AND date_trunc('milliseconds', indicators_watermark) = date_trunc('milliseconds', ${since}::timestamptz)`.execute(db);
  },

  /** The sweep from `since` reached the end: everything before `watermark` is derived. */
  async finishIndicatorSweep(db: Executor, since: Date, watermark: Date): Promise<void> {
    await sql`
      UPDATE stix_sync_state SET indicators_watermark = ${watermark}::timestamptz, indicators_cursor_at = NULL,
        indicators_cursor_id = NULL, indicators_sweep_watermark = NULL, updated_at = now()
      WHERE id = 1 AND date_trunc('milliseconds', indicators_watermark) = date_trunc('milliseconds', ${since}::timestamptz)`.execute(db);
  },

  async setWatermarks(db: Executor, w: { indicators?: Date; organizations?: Date }): Promise<void> {
    await sql`
      UPDATE stix_sync_state SET
        indicators_watermark = coalesce(${w.indicators ?? null}::timestamptz, indicators_watermark),
        organizations_watermark = coalesce(${w.organizations ?? null}::timestamptz, organizations_watermark),
        updated_at = now()
      WHERE id = 1`.execute(db);
  },

  /**
   * Where the next pass may safely resume: the start of the oldest other transaction still running
   * (its rows carry that start as updated_at and are not visible yet), or now. PGlite has one
   * session, so nothing can be in flight.
   */
  async safeWatermark(db: Executor, kind: 'pglite' | 'postgres'): Promise<Date> {
    if (kind === 'pglite') return (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0].now;
    const r = await sql<{ w: Date }>`
      SELECT least(now(), coalesce((SELECT min(xact_start) FROM pg_stat_activity
        WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()), now())) AS w`.execute(db);
    return r.rows[0].w;
  },

  /**
   * Indicators changed at or after `since`, keyset by (updated_at, id). The key's time travels as
   * text with microseconds: a JS Date would cut it to milliseconds, and every row of one import
   * shares its transaction's updated_at, so a cut key would return the same page forever.
   */
  async indicatorsChangedSince(db: Executor, since: Date, after: IndicatorKey | null, limit: number): Promise<(IndicatorSource & { key_at: string })[]> {
    const r = await sql<IndicatorSource & { key_at: string }>`
      SELECT id, type, value, hash_algorithm, category, subtype, status, listing, tlp, first_seen, last_seen, sighting_count,
        valid_until, province_code, operator, responsible_org_id, created_at, updated_at, ${isoText('updated_at')} AS key_at
      FROM indicators
      WHERE updated_at >= ${since}
        ${after ? sql`AND (updated_at, id) > (${after.at}::timestamptz, ${after.id}::bigint)` : sql``}
      ORDER BY updated_at, id
      LIMIT ${limit}`.execute(db);
    return r.rows.map(trimProvince);
  },

  /** Is any indicator newer than this key (cheap: the (updated_at, id) index, one row)? */
  async hasIndicatorAfter(db: Executor, after: IndicatorKey | null): Promise<boolean> {
    const r = await sql<{ x: number }>`
      SELECT 1 AS x FROM indicators ${after ? sql`WHERE (updated_at, id) > (${after.at}::timestamptz, ${after.id}::bigint)` : sql``}
      LIMIT 1`.execute(db);
    return r.rows.length > 0;
  },

  /** These rows, with `key_at`, their updated_at as text with microseconds (a rendered object's date_added). */
  async indicatorsByIds(db: Executor, ids: number[]): Promise<(IndicatorSource & { key_at: string })[]> {
    if (ids.length === 0) return [];
    const r = await sql<IndicatorSource & { key_at: string }>`
      SELECT id, type, value, hash_algorithm, category, subtype, status, listing, tlp, first_seen, last_seen, sighting_count,
        valid_until, province_code, operator, responsible_org_id, created_at, updated_at, ${isoText('updated_at')} AS key_at
      FROM indicators WHERE id = ANY(${ids}::bigint[])`.execute(db);
    return r.rows.map(trimProvince);
  },

  /** Maps rendered objects' STIX ids (their UUID part) to their rows; an id already mapped is left alone. */
  async insertIndicatorIds(db: Executor, uuids: string[], indicatorIds: number[]): Promise<number> {
    if (uuids.length === 0) return 0;
    const r = await sql`
      INSERT INTO stix_indicator_ids (uuid, indicator_id)
      SELECT * FROM unnest(${uuids}::uuid[], ${indicatorIds}::bigint[])
      ON CONFLICT (uuid) DO NOTHING`.execute(db);
    return Number(r.numAffectedRows ?? 0);
  },

  /** The rows whose rendered objects may carry these STIX ids (ids not of UUID form are ignored). */
  async indicatorIdsOfStixIds(db: Executor, stixIds: readonly string[]): Promise<number[]> {
    const uuids = stixIds.map((id) => id.slice(id.indexOf('--') + 2)).filter((u) => UUID.test(u));
    if (uuids.length === 0) return [];
    const r = await sql<{ indicator_id: string | number }>`
      SELECT DISTINCT indicator_id FROM stix_indicator_ids WHERE uuid = ANY(${uuids}::uuid[])`.execute(db);
    return r.rows.map((x) => Number(x.indicator_id));
  },

  async organizationsChangedSince(db: Executor, since: Date): Promise<OrganizationSource[]> {
    const r = await sql<OrganizationSource>`
      SELECT id, kind, name, name_en, province_code, created_at, updated_at FROM organizations
      WHERE updated_at >= ${since} ORDER BY updated_at, id`.execute(db);
    return r.rows.map(trimProvince);
  },

  async organizationsByIds(db: Executor, ids: string[]): Promise<OrganizationSource[]> {
    if (ids.length === 0) return [];
    const r = await sql<OrganizationSource>`
      SELECT id, kind, name, name_en, province_code, created_at, updated_at FROM organizations
      WHERE id = ANY(${ids}::uuid[])`.execute(db);
    return r.rows.map(trimProvince);
  },

  async maxOrganizationUpdate(db: Executor): Promise<Date | null> {
    const r = await sql<{ m: Date | null }>`SELECT max(updated_at) AS m FROM organizations`.execute(db);
    return r.rows[0]?.m ?? null;
  },
};
