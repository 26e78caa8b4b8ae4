/** Every SQL statement of the MISP feed: the reports a principal's feed lists, and their observables. */
import { sql } from 'kysely';
import type { Executor } from '../../../db/database.js';

export interface FeedReportRow {
  id: string;
  org_id: string;
  title: string;
  category: string;
  subtype: string;
  tlp: string;
  province_code: string | null;
  received_at: Date;
  discovered_at: Date;
  disclose_reporter: boolean;
  reporter_name: string;
}

export const mispRepository = {
  /**
   * Newest reports first that the principal may see: its own, its province's (provincial
   * administrations), all (ministry, institutions), and anyone's shared at TLP:CLEAR or GREEN.
   */
  async reports(db: Executor, f: { all: boolean; org_id: string; province_code: string | null; limit: number }): Promise<FeedReportRow[]> {
    const r = await sql<FeedReportRow>`
      SELECT r.id, r.org_id, r.title, r.category, r.subtype, r.tlp, r.province_code, r.received_at, r.discovered_at,
        r.disclose_reporter, o.name AS reporter_name
      FROM reports r JOIN organizations o ON o.id = r.org_id
      WHERE r.observable_count > 0
        ${f.all ? sql`` : sql`AND (r.org_id = ${f.org_id}::uuid OR r.tlp IN ('clear', 'green') ${f.province_code ? sql`OR r.province_code = ${f.province_code}` : sql``})`}
      ORDER BY r.received_at DESC, r.id DESC
      LIMIT ${f.limit}`.execute(db);
    return r.rows.map((x) => ({ ...x, province_code: x.province_code ? String(x.province_code).trim() : null }));
  },

  async report(db: Executor, id: string): Promise<FeedReportRow | undefined> {
    const r = await sql<FeedReportRow>`
      SELECT r.id, r.org_id, r.title, r.category, r.subtype, r.tlp, r.province_code, r.received_at, r.discovered_at,
        r.disclose_reporter, o.name AS reporter_name
      FROM reports r JOIN organizations o ON o.id = r.org_id WHERE r.id = ${id}::uuid`.execute(db);
    const x = r.rows[0];
    return x ? { ...x, province_code: x.province_code ? String(x.province_code).trim() : null } : undefined;
  },

  async attributes(db: Executor, reportId: string, limit: number) {
    const r = await sql<{ indicator_id: number; type: string; value: string; hash_algorithm: string | null; status: string; excluded: boolean; listing: string; valid_until: Date | null; seen_at: Date }>`
      SELECT s.indicator_id, i.type, i.value, i.hash_algorithm, i.status, i.excluded, i.listing, i.valid_until, s.seen_at
      FROM sightings s JOIN indicators i ON i.id = s.indicator_id
      WHERE s.report_id = ${reportId}::uuid ORDER BY s.indicator_id LIMIT ${limit}`.execute(db);
    return r.rows;
  },
};
