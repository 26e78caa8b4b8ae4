/** The timing figures (Art. 4: timely discovery, scientific identification, effective handling), in SQL. */
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

export type GroupBy = 'province' | 'category' | 'unit';

export interface TimingRow {
  key: string | null;
  cases: number;
  identify_median_s: number | null;
  identify_p90_s: number | null;
  decide_median_s: number | null;
  decide_p90_s: number | null;
  notices: number;
  handle_median_s: number | null;
  handle_p90_s: number | null;
  overdue: number;
  with_deadline: number;
}

/**
 * Times in seconds: identify = opened → verdict, decide = verdict → decision, handle = notice
 * issued → result verified. Overdue rate = notices that went overdue / notices with a deadline.
 * By unit, identification and decision times count for the first reporting unit, handling for the
 * noticed unit.
 */
export async function timing(db: Executor, f: { group_by: GroupBy; province_code?: string; from?: Date; to?: Date }): Promise<TimingRow[]> {
  const caseKey = f.group_by === 'province' ? sql`c.province_code::text` : f.group_by === 'category' ? sql`c.category` : sql`c.reporting_org_ids[1]::text`;
  const noticeKey = f.group_by === 'province' ? sql`n.province_code::text` : f.group_by === 'category' ? sql`n.category` : sql`n.recipient_org_id::text`;
  const from = f.from ?? new Date(0);
  const to = f.to ?? new Date('9999-01-01T00:00:00Z');
  const caseProvince = f.province_code ? sql`AND c.province_code = ${f.province_code}` : sql``;
  const noticeProvince = f.province_code ? sql`AND n.province_code = ${f.province_code}` : sql``;
  const r = await sql<TimingRow>`
    WITH c AS (
      SELECT coalesce(${caseKey}, '') AS key,
        extract(epoch FROM c.identified_at - c.opened_at) AS identify_s,
        extract(epoch FROM c.decided_at - c.identified_at) AS decide_s
      FROM threat_cases c WHERE c.opened_at >= ${from} AND c.opened_at < ${to} ${caseProvince}
    ), n AS (
      SELECT coalesce(${noticeKey}, '') AS key,
        extract(epoch FROM n.verified_at - n.issued_at) AS handle_s,
        (n.overdue_at IS NOT NULL) AS went_overdue,
        (n.deadline IS NOT NULL) AS has_deadline
      FROM notices n WHERE n.kind = 'handling_notice' AND n.requires_result AND n.created_at >= ${from} AND n.created_at < ${to} ${noticeProvince}
    ), cs AS (
      SELECT key, count(*)::int AS cases,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY identify_s) AS identify_median_s,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY identify_s) AS identify_p90_s,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY decide_s) AS decide_median_s,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY decide_s) AS decide_p90_s
      FROM c GROUP BY key
    ), ns AS (
      SELECT key, count(*)::int AS notices,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY handle_s) AS handle_median_s,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY handle_s) AS handle_p90_s,
        count(*) FILTER (WHERE went_overdue)::int AS overdue,
        count(*) FILTER (WHERE has_deadline)::int AS with_deadline
      FROM n GROUP BY key
    )
    SELECT nullif(coalesce(cs.key, ns.key), '') AS key, coalesce(cs.cases, 0) AS cases,
      cs.identify_median_s, cs.identify_p90_s, cs.decide_median_s, cs.decide_p90_s,
      coalesce(ns.notices, 0) AS notices, ns.handle_median_s, ns.handle_p90_s,
      coalesce(ns.overdue, 0) AS overdue, coalesce(ns.with_deadline, 0) AS with_deadline
    FROM cs FULL OUTER JOIN ns ON cs.key = ns.key
    ORDER BY 1 NULLS FIRST`.execute(db);
  return r.rows;
}

export interface CountRow {
  key: string | null;
  count: number;
}

/**
 * Reports received since a time, counted by Article 2 category, by province and by day (China
 * Standard Time, UTC+8, which has no daylight saving), inside a jurisdiction.
 */
export async function threatCounts(
  db: Executor,
  f: { since: Date; province_code?: string; org_id?: string },
): Promise<{ by_category: CountRow[]; by_province: CountRow[]; by_day: CountRow[] }> {
  let base = db.selectFrom('reports').where('received_at', '>=', f.since);
  if (f.province_code) base = base.where('province_code', '=', f.province_code);
  if (f.org_id) base = base.where('org_id', '=', f.org_id);
  const count = sql<number>`count(*)::int`.as('count');
  const day = sql<string>`to_char((received_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;
  const [by_category, by_province, by_day] = await Promise.all([
    base.select([sql<string>`category`.as('key'), count]).groupBy('category').orderBy('count', 'desc').execute(),
    base.select([sql<string | null>`province_code`.as('key'), count]).groupBy('province_code').orderBy('count', 'desc').execute(),
    base.select([day.as('key'), count]).groupBy(day).orderBy(day).execute(),
  ]);
  return { by_category, by_province, by_day };
}
