/**
 * Who may see a report, and which reports a MISP feed lists (ACCESS_TABLE rows "report" and
 * "report (MISP event)"), stated once: as predicates for services and as one SQL condition over
 * `reports r` for the repositories that filter in the database. report-visibility.test.ts runs the
 * predicate and the SQL against the same seeded rows for every kind of principal.
 *
 *   the reporting unit                     its own reports
 *   the ministry, institutions             all
 *   a provincial administration            its province's (a province-less report is in none)
 *   any organization (MISP feed only)      also everyone's TLP:CLEAR and GREEN reports, the
 *                                          community's share, without personal values (Art. 12)
 */
import { sql, type RawBuilder } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { inJurisdiction } from './access.table.js';

export interface ReportFacts {
  org_id: string;
  province_code: string | null;
  tlp: string;
}

/** The report itself, with its restricted fields (reports.service get; the entitlement of a MISP reader to personal values). */
export function canSeeReport(p: Principal, r: { org_id: string; province_code: string | null }): boolean {
  return r.org_id === p.orgId || inJurisdiction(p, r.province_code);
}

/** The markings a report is shared at with every organization in the MISP feed. */
export const COMMUNITY_REPORT_TLPS = ['clear', 'green'] as const;

/** A MISP feed lists the report: the reader may see it, or it is shared with the community. */
export function isReportInFeed(p: Principal, r: ReportFacts): boolean {
  return canSeeReport(p, r) || (COMMUNITY_REPORT_TLPS as readonly string[]).includes(r.tlp);
}

/** Who a report audience is, as the SQL needs it. */
export type ReportAudience = { kind: 'all' } | { kind: 'org'; org_id: string; province_code: string | null };

export function reportAudienceOf(p: Principal): ReportAudience {
  if (p.orgKind === 'regulator_national' || p.orgKind === 'professional_institution') return { kind: 'all' };
  return { kind: 'org', org_id: p.orgId, province_code: p.orgKind === 'regulator_provincial' ? p.provinceCode : null };
}

/** canSeeReport over `reports r`. */
export function reportVisibleSql(a: ReportAudience): RawBuilder<boolean> {
  if (a.kind === 'all') return sql<boolean>`true`;
  const province = a.province_code === null ? sql`false` : sql`r.province_code = ${a.province_code}`;
  return sql<boolean>`(r.org_id = ${a.org_id}::uuid OR ${province})`;
}

/** isReportInFeed over `reports r`. */
export function reportInFeedSql(a: ReportAudience): RawBuilder<boolean> {
  if (a.kind === 'all') return sql<boolean>`true`;
  return sql<boolean>`(${reportVisibleSql(a)} OR r.tlp IN ('clear', 'green'))`;
}
