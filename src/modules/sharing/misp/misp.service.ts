/**
 * The MISP feed per principal: what it may see of the reports (reports.policy.ts, plus everyone's
 * TLP:CLEAR and GREEN reports, the community's share), newest first, capped so a feed stays a
 * feed: MISP itself struggles with events past ~100k attributes and with manifests of many
 * thousands of events.
 */
import type { Db } from '../../../db/database.js';
import { notFound } from '../../../lib/problem.js';
import { isInstitution, isNationalRegulator, type Principal } from '../../auth/principal.js';
import { canSeeReport } from '../../reports/reports.policy.js';
import { canSeeReporter } from '../../indicators/indicators.policy.js';
import { hashLines, manifestEntry, reportToMispEvent, type FeedReport } from './misp-feed.js';
import { mispRepository, type FeedReportRow } from './misp.repository.js';

export const MISP_MAX_EVENTS = 5000;
export const MISP_MAX_ATTRIBUTES = 100_000;

function visible(p: Principal, r: FeedReportRow): boolean {
  return canSeeReport(p, r) || r.tlp === 'clear' || r.tlp === 'green';
}

function feedReport(p: Principal, r: FeedReportRow): FeedReport {
  const named = r.disclose_reporter || canSeeReporter(p, { org_id: r.org_id, disclose_reporter: r.disclose_reporter });
  return {
    id: r.id,
    title: r.title,
    category: r.category,
    subtype: r.subtype,
    tlp: r.tlp,
    received_at: new Date(r.received_at),
    discovered_at: new Date(r.discovered_at),
    reporter: named ? { id: r.org_id, name: r.reporter_name } : null,
  };
}

export class MispFeedService {
  constructor(private readonly db: Db) {}

  private async listed(p: Principal): Promise<FeedReportRow[]> {
    const all = isNationalRegulator(p) || isInstitution(p);
    const province = p.orgKind === 'regulator_provincial' ? p.provinceCode : null;
    return mispRepository.reports(this.db, { all, org_id: p.orgId, province_code: province, limit: MISP_MAX_EVENTS });
  }

  async manifest(p: Principal): Promise<Record<string, ReturnType<typeof manifestEntry>>> {
    const out: Record<string, ReturnType<typeof manifestEntry>> = {};
    for (const r of await this.listed(p)) if (visible(p, r)) out[r.id] = manifestEntry(feedReport(p, r));
    return out;
  }

  async event(p: Principal, id: string) {
    const r = await mispRepository.report(this.db, id);
    if (!r || !visible(p, r)) throw notFound('Event');
    return reportToMispEvent(feedReport(p, r), await mispRepository.attributes(this.db, id, MISP_MAX_ATTRIBUTES));
  }

  async hashes(p: Principal): Promise<string> {
    const lines: string[] = [];
    for (const r of await this.listed(p)) {
      if (!visible(p, r)) continue;
      lines.push(...hashLines(reportToMispEvent(feedReport(p, r), await mispRepository.attributes(this.db, r.id, MISP_MAX_ATTRIBUTES))));
    }
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
}
