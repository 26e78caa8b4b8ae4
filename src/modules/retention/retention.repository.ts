/**
 * The SQL of the sightings' retention (retention.service.ts): which cases are over for longer than
 * the period, which of their reports no other case still needs, and the removal of those reports'
 * sightings (single rows and bulk ranges) by report, through the indexes intake already keeps
 * (`sightings_report`, the primary key of `sighting_ranges`): no index added to the tables intake
 * writes most. The audit log's own retention is the audit module's (audit.repository.ts).
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { CASE_OVER_STATES } from './retention-policy.js';

const over = sql.join(CASE_OVER_STATES.map((s) => sql.lit(s)));

export const retentionRepository = {
  /**
   * Up to `limit` cases over (closed, rejected, withdrawn) since before `cutoff` whose sightings
   * were not retired yet, oldest first, locked so that two sweeps never take the same case.
   */
  async retirableCases(tx: Executor, cutoff: Date, limit: number): Promise<string[]> {
    const r = await sql<{ id: string }>`
      SELECT id FROM threat_cases
      WHERE sightings_retired_at IS NULL AND state IN (${over}) AND coalesce(closed_at, updated_at) < ${cutoff}
      ORDER BY coalesce(closed_at, updated_at), id LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(tx);
    return r.rows.map((x) => x.id);
  },

  /** The reports of these cases that no other case still needs (every case holding them is over since before cutoff). */
  async retirableReports(tx: Executor, caseIds: readonly string[], cutoff: Date): Promise<string[]> {
    if (caseIds.length === 0) return [];
    const r = await sql<{ report_id: string }>`
      SELECT DISTINCT cr.report_id FROM case_reports cr
      WHERE cr.case_id = ANY(${[...caseIds]}::uuid[])
        AND NOT EXISTS (
          SELECT 1 FROM case_reports o JOIN threat_cases t ON t.id = o.case_id
          WHERE o.report_id = cr.report_id
            AND NOT (t.state IN (${over}) AND coalesce(t.closed_at, t.updated_at) < ${cutoff}))`.execute(tx);
    return r.rows.map((x) => x.report_id);
  },

  /** The values these reports saw (a bulk report's ranges walk the indicators' primary key). */
  async valuesOfReports(tx: Executor, reportIds: readonly string[]): Promise<number[]> {
    if (reportIds.length === 0) return [];
    const r = await sql<{ id: string }>`
      SELECT indicator_id AS id FROM sighting_rows WHERE report_id = ANY(${[...reportIds]}::uuid[])
      UNION
      SELECT i.id FROM sighting_ranges g JOIN indicators i ON i.id BETWEEN g.first_id AND g.last_id
      WHERE g.report_id = ANY(${[...reportIds]}::uuid[])`.execute(tx);
    return r.rows.map((x) => Number(x.id));
  },

  /** Removes these reports' sightings; returns the sightings removed (a range counts its values). */
  async removeSightings(tx: Executor, reportIds: readonly string[]): Promise<{ rows: number; ranges: number; ranged_sightings: number }> {
    if (reportIds.length === 0) return { rows: 0, ranges: 0, ranged_sightings: 0 };
    const rows = await sql`DELETE FROM sighting_rows WHERE report_id = ANY(${[...reportIds]}::uuid[])`.execute(tx);
    const ranges = await sql<{ ranges: string; n: string | null }>`
      WITH d AS (DELETE FROM sighting_ranges WHERE report_id = ANY(${[...reportIds]}::uuid[]) RETURNING first_id, last_id)
      SELECT count(*) AS ranges, sum(last_id - first_id + 1) AS n FROM d`.execute(tx);
    return { rows: Number(rows.numAffectedRows ?? 0), ranges: Number(ranges.rows[0]?.ranges ?? 0), ranged_sightings: Number(ranges.rows[0]?.n ?? 0) };
  },

  async markRetired(tx: Executor, caseIds: readonly string[], at: Date): Promise<void> {
    if (caseIds.length === 0) return;
    await sql`UPDATE threat_cases SET sightings_retired_at = ${at} WHERE id = ANY(${[...caseIds]}::uuid[])`.execute(tx);
  },
};
