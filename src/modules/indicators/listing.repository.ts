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

/** The case states of one value's cases, through its reports' sightings. */
const caseOf = (states: RawBuilder<unknown>) => sql`EXISTS (
    SELECT 1 FROM sightings s JOIN case_reports cr ON cr.report_id = s.report_id JOIN threat_cases c ON c.id = cr.case_id
    WHERE s.indicator_id = i.id AND ${states})`;

/** listingOf(), in SQL over `indicators i`: the first row of the rule's table that holds wins. */
const LISTING_EXPR = sql`CASE
    WHEN EXISTS (SELECT 1 FROM notice_orders o WHERE o.indicator_id = i.id) THEN 'ordered'
    WHEN ${caseOf(sql`c.state IN (${list(CONFIRMED_CASE_STATES)})`)} THEN 'confirmed'
    WHEN ${caseOf(sql`true`)} AND NOT ${caseOf(sql`c.state NOT IN (${list(CLEARED_CASE_STATES)})`)} THEN 'lifted'
    WHEN EXISTS (SELECT 1 FROM sightings s JOIN organizations g ON g.id = s.org_id WHERE s.indicator_id = i.id AND g.provisional_listing) THEN 'provisional'
    ELSE 'reported' END`;

export const listingRepository = {
  /**
   * Recomputes the listing of these values; only rows whose listing changes are written, and
   * their updated_at moves so incremental feeds, lookups in other processes and STIX follow.
   * Returns the ids that changed.
   */
  async relist(tx: Executor, ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const r = await sql<{ id: number }>`
      UPDATE indicators i SET listing = n.listing, updated_at = now()
      FROM (SELECT i.id, ${LISTING_EXPR} AS listing FROM indicators i WHERE i.id = ANY(${[...ids]}::bigint[])) n
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
      UPDATE indicators i SET listing = ${listing}, updated_at = now()
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
