/** Timing figures per province, category or unit, for the console's charts (Art. 4). */
import type { Db } from '../../db/database.js';
import { forbidden } from '../../lib/problem.js';
import { isInstitution, isRegulator, provinceFilter, type Principal } from '../auth/principal.js';
import { threatCounts, timing, type GroupBy } from './stats.repository.js';

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);

export class StatsService {
  constructor(private readonly db: Db) {}

  async timing(actor: Principal, q: { group_by: GroupBy; province_code?: string; from?: string; to?: string }) {
    if (!isRegulator(actor) && !isInstitution(actor)) throw forbidden('Timing figures are for regulators and institutions');
    const pf = provinceFilter(actor);
    if (pf && q.province_code && q.province_code !== pf) throw forbidden('A provincial administration sees its own province only');
    const rows = await timing(this.db, { group_by: q.group_by, province_code: pf ?? q.province_code, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined });
    return {
      group_by: q.group_by,
      unit: 'seconds',
      groups: rows.map((r) => ({
        key: r.key ? r.key.trim() : null,
        cases: Number(r.cases),
        time_to_identify: { median: num(r.identify_median_s), p90: num(r.identify_p90_s) },
        time_to_decide: { median: num(r.decide_median_s), p90: num(r.decide_p90_s) },
        time_to_handle: { median: num(r.handle_median_s), p90: num(r.handle_p90_s) },
        notices: Number(r.notices),
        overdue: Number(r.overdue),
        overdue_rate: Number(r.with_deadline) ? Math.round((Number(r.overdue) / Number(r.with_deadline)) * 10000) / 10000 : null,
      })),
    };
  }

  /**
   * Threats reported in the last `days` days by category, province and day, for the dashboard:
   * the whole nation for the ministry and the institutions, one province for its administration,
   * a unit's own reports for a unit (the same jurisdiction as the report list).
   */
  async threats(actor: Principal, q: { days?: number }) {
    const days = q.days ?? 30;
    const since = new Date(Date.now() - days * 86_400_000);
    const pf = provinceFilter(actor);
    const scope = isRegulator(actor) || isInstitution(actor) ? { province_code: pf } : { org_id: actor.orgId };
    const counts = await threatCounts(this.db, { since, ...scope });
    const fix = (rows: { key: string | null; count: number }[]) => rows.map((r) => ({ key: r.key ? r.key.trim() : null, count: Number(r.count) }));
    return {
      since: since.toISOString(),
      days,
      total: counts.by_category.reduce((n, r) => n + Number(r.count), 0),
      by_category: fix(counts.by_category),
      by_province: fix(counts.by_province),
      by_day: zeroFilledDays(since, new Date(), fix(counts.by_day)),
    };
  }
}

/**
 * Every day of the window in China Standard Time (UTC+8, no daylight saving), oldest first, with
 * the days that had no report as zero: a chart of a quiet month is a flat line, not one dot.
 */
export function zeroFilledDays(since: Date, now: Date, rows: { key: string | null; count: number }[]): { key: string; count: number }[] {
  const counts = new Map(rows.filter((r) => r.key).map((r) => [r.key!, r.count]));
  const cst = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const out: { key: string; count: number }[] = [];
  const last = cst(now);
  for (let t = since.getTime(), day = cst(since); ; t += 86_400_000, day = cst(new Date(t))) {
    out.push({ key: day, count: counts.get(day) ?? 0 });
    counts.delete(day);
    if (day >= last) break;
  }
  // A day the clock put outside the window (none in practice) is still counted, never dropped.
  for (const [key, count] of counts) out.push({ key, count });
  return out.sort((a, b) => a.key.localeCompare(b.key));
}
