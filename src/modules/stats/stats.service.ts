/** Timing figures per province, category or unit, for the console's charts (Art. 4). */
import type { Db } from '../../db/database.js';
import { forbidden } from '../../lib/problem.js';
import { isInstitution, isRegulator, provinceFilter, type Principal } from '../auth/principal.js';
import { timing, type GroupBy } from './stats.repository.js';

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
}
