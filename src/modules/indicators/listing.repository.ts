/**
 * The SQL of listing.ts: the rule applied to rows as one set operation, the condition every
 * blocking channel puts in its query, and the orders of notices in force (notice_orders).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/database.js';
import { BLOCKING_LISTINGS, CLEARED_CASE_STATES, CONFIRMED_CASE_STATES } from './listing.js';

const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)));

/** listing.ts `isBlocking`, over the alias `i` of `indicators`: literals only, so COPY can carry it too. */
export function blockingCondition(alias = 'i'): RawBuilder<boolean> {
  const a = sql.raw(alias);
  return sql<boolean>`(${a}.listing IN (${list(BLOCKING_LISTINGS)}) AND ${a}.status = 'active' AND NOT ${a}.excluded
    AND (${a}.valid_until IS NULL OR ${a}.valid_until > now()))`;
}

/**
 * listingOf(), in SQL for a set of ids: the facts of the rule (orders in force, the states of
 * every case holding each value, a trusted reporter) gathered by one grouped join each, then the
 * first row of the rule's table that holds. Set-based, so a bulk import's case of 100,000 values is
 * relisted by a few hash joins rather than three probes per value.
 */
const listingOfIds = (ids: readonly number[]) => sql`
  WITH a AS (SELECT DISTINCT x AS id FROM unnest(${[...ids]}::bigint[]) AS t(x)),
  cs AS (
    SELECT s.indicator_id AS id,
      bool_or(c.state IN (${list(CONFIRMED_CASE_STATES)})) AS confirmed,
      bool_and(c.state IN (${list(CLEARED_CASE_STATES)})) AS cleared
    FROM sightings s JOIN a ON a.id = s.indicator_id
    JOIN case_reports cr ON cr.report_id = s.report_id JOIN threat_cases c ON c.id = cr.case_id
    GROUP BY s.indicator_id),
  tr AS (
    SELECT DISTINCT s.indicator_id AS id FROM sightings s JOIN a ON a.id = s.indicator_id
    JOIN organizations g ON g.id = s.org_id WHERE g.provisional_listing),
  od AS (SELECT DISTINCT o.indicator_id AS id FROM notice_orders o JOIN a ON a.id = o.indicator_id)
  SELECT a.id, CASE
      WHEN od.id IS NOT NULL THEN 'ordered'
      WHEN cs.confirmed THEN 'confirmed'
      WHEN cs.cleared THEN 'lifted'
      WHEN tr.id IS NOT NULL THEN 'provisional'
      ELSE 'reported' END AS listing
  FROM a LEFT JOIN cs ON cs.id = a.id LEFT JOIN tr ON tr.id = a.id LEFT JOIN od ON od.id = a.id`;

export const listingRepository = {
  /**
   * Recomputes the listing of these values; only rows whose listing changes are written, and
   * their updated_at moves so incremental feeds, lookups in other processes and STIX follow.
   * Returns the ids that changed.
   */
  async relist(tx: Executor, ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const r = await sql<{ id: number }>`
      UPDATE indicators i SET listing = n.listing, updated_at = clock_timestamp()
      FROM (${listingOfIds(ids)}) n
      WHERE i.id = n.id AND i.listing <> n.listing
      RETURNING i.id`.execute(tx);
    return r.rows.map((x) => Number(x.id));
  },

  /** The values of a case, through its reports' sightings (a bulk import's ranges included). */
  async idsOfCase(db: Executor, caseId: string): Promise<number[]> {
    const r = await sql<{ indicator_id: number }>`
      SELECT DISTINCT s.indicator_id FROM case_reports cr JOIN sightings s ON s.report_id = cr.report_id WHERE cr.case_id = ${caseId}`.execute(db);
    return r.rows.map((x) => Number(x.indicator_id));
  },

  /** The values one organization reported. */
  async idsReportedBy(db: Executor, orgId: string): Promise<number[]> {
    const r = await sql<{ indicator_id: number }>`SELECT DISTINCT s.indicator_id FROM sightings s WHERE s.org_id = ${orgId}::uuid`.execute(db);
    return r.rows.map((x) => Number(x.indicator_id));
  },

  /** Values new to a report that can only be reported or provisional now (set operation for bulk intake). */
  async listFresh(tx: Executor, ids: readonly number[], listing: 'reported' | 'provisional'): Promise<number[]> {
    if (ids.length === 0) return [];
    const r = await sql<{ id: number }>`
      UPDATE indicators i SET listing = ${listing}, updated_at = clock_timestamp()
      WHERE i.id = ANY(${[...ids]}::bigint[]) AND i.listing IN ('reported', 'lifted') AND i.listing <> ${listing}
      RETURNING i.id`.execute(tx);
    return r.rows.map((x) => Number(x.id));
  },

  async isTrustedReporter(db: Executor, orgId: string): Promise<boolean> {
    const r = await sql<{ t: boolean }>`SELECT provisional_listing AS t FROM organizations WHERE id = ${orgId}::uuid`.execute(db);
    return r.rows[0]?.t === true;
  },

  async setTrustedReporter(tx: Executor, orgId: string, trusted: boolean): Promise<void> {
    await sql`UPDATE organizations SET provisional_listing = ${trusted}, updated_at = now() WHERE id = ${orgId}::uuid`.execute(tx);
  },

  /** The stored values among a notice's targets. */
  async idsOfTargets(db: Executor, targets: readonly { type: string; value: string }[]): Promise<number[]> {
    if (targets.length === 0) return [];
    const r = await sql<{ id: number }>`
      SELECT i.id FROM unnest(${targets.map((t) => t.type)}::text[], ${targets.map((t) => t.value)}::text[]) AS k(type, value)
      JOIN indicators i ON i.type = k.type AND i.value = k.value`.execute(db);
    return r.rows.map((x) => Number(x.id));
  },

  /** Puts a notice's orders in force (idempotent). */
  async putOrders(tx: Executor, noticeId: string, orgId: string, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`
      INSERT INTO notice_orders (notice_id, org_id, indicator_id)
      SELECT ${noticeId}::uuid, ${orgId}::uuid, x FROM unnest(${[...ids]}::bigint[]) AS t(x)
      ON CONFLICT DO NOTHING`.execute(tx);
  },

  /** Lifts a notice's orders; returns the values they held. */
  async liftOrders(tx: Executor, noticeId: string): Promise<number[]> {
    const r = await sql<{ indicator_id: number }>`DELETE FROM notice_orders WHERE notice_id = ${noticeId}::uuid RETURNING indicator_id`.execute(tx);
    return r.rows.map((x) => Number(x.indicator_id));
  },
};
