/**
 * The MISP feed per principal: what it may see of the reports (reports.policy.ts, plus everyone's
 * TLP:CLEAR and GREEN reports, the community's share), newest first, capped so a feed stays a
 * feed: MISP itself struggles with events past ~100k attributes and with manifests of many
 * thousands of events.
 */
import type { Db } from '../../../db/database.js';
import { notFound } from '../../../lib/problem.js';
import type { AuditService } from '../../audit/audit.service.js';
import { isInstitution, isNationalRegulator, type Principal } from '../../auth/principal.js';
import { canSeeReport } from '../../reports/reports.policy.js';
import { canSeeReporter } from '../../access/indicator-visibility.js';
import { isPersonalValue, listProvince, RestrictedRead } from '../../access/confidentiality.js';
import { hashLines, manifestEntry, reportToMispEvent, type FeedReport } from './misp-feed.js';
import { mispRepository, type FeedReportRow } from './misp.repository.js';

export const MISP_MAX_EVENTS = 5000;
export const MISP_MAX_ATTRIBUTES = 100_000;

function visible(p: Principal, r: FeedReportRow): boolean {
  return canSeeReport(p, r) || r.tlp === 'clear' || r.tlp === 'green';
}

function feedReport(p: Principal, r: FeedReportRow): FeedReport {
  const named = r.disclose_reporter || canSeeReporter(p, { org_id: r.org_id, disclose_reporter: r.disclose_reporter, province_code: r.province_code });
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

/** The reporter is a trade secret where it did not agree to be named (DESIGN §6). */
const revealsReporter = (f: FeedReport, r: FeedReportRow) => f.reporter !== null && !r.disclose_reporter;

export class MispFeedService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  private async listed(p: Principal): Promise<FeedReportRow[]> {
    const all = isNationalRegulator(p) || isInstitution(p);
    const province = p.orgKind === 'regulator_provincial' ? p.provinceCode : null;
    return mispRepository.reports(this.db, { all, org_id: p.orgId, province_code: province, limit: MISP_MAX_EVENTS });
  }

  /**
   * A report's observables for the reader. A MISP attribute cannot carry a redacted value, so
   * personal values (Art. 12) are left out for a reader who sees the report only because it is
   * shared at TLP:CLEAR or GREEN; those who may see the report itself are entitled to them.
   */
  private async attributes(p: Principal, r: FeedReportRow) {
    const rows = await mispRepository.attributes(this.db, r.id, MISP_MAX_ATTRIBUTES);
    return canSeeReport(p, r) ? rows : rows.filter((a) => !isPersonalValue(a));
  }

  async manifest(p: Principal): Promise<Record<string, ReturnType<typeof manifestEntry>>> {
    const out: Record<string, ReturnType<typeof manifestEntry>> = {};
    const read = new RestrictedRead('misp.manifest', 'misp_event', 'manifest', listProvince(p));
    for (const r of await this.listed(p)) {
      if (!visible(p, r)) continue;
      const f = feedReport(p, r);
      out[r.id] = manifestEntry(f);
      read.add(r.id, revealsReporter(f, r) ? ['org_id'] : [], r.tlp);
    }
    await this.audit.recordRead(p, read.entry());
    return out;
  }

  async event(p: Principal, id: string) {
    const r = await mispRepository.report(this.db, id);
    if (!r || !visible(p, r)) throw notFound('Event');
    const f = feedReport(p, r);
    const attributes = await this.attributes(p, r);
    const fields = [...(revealsReporter(f, r) ? ['org_id'] : []), ...(attributes.some(isPersonalValue) ? ['observables.value'] : [])];
    await this.audit.recordRead(p, new RestrictedRead('misp.event', 'misp_event', id, r.province_code).add(id, fields, r.tlp).entry());
    return reportToMispEvent(f, attributes);
  }

  /** MD5s of personal values are as good as the values (a phone number's is found in seconds): the same rule. */
  async hashes(p: Principal): Promise<string> {
    const lines: string[] = [];
    const read = new RestrictedRead('misp.hashes', 'misp_event', 'hashes', listProvince(p));
    for (const r of await this.listed(p)) {
      if (!visible(p, r)) continue;
      const attributes = await this.attributes(p, r);
      lines.push(...hashLines(reportToMispEvent(feedReport(p, r), attributes)));
      read.add(r.id, attributes.some(isPersonalValue) ? ['observables.value'] : [], r.tlp);
    }
    await this.audit.recordRead(p, read.entry());
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
}
