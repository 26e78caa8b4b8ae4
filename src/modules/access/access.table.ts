/**
 * Who may see what (Art. 3 two-level jurisdiction, Art. 12 confidentiality, TLP 2.0, DESIGN §6
 * reporter consent), written once. Every channel — the API, TAXII, the STIX export, the blocklist
 * exports and feeds, MISP, SSE and webhooks, bulletins, releases, the audit timeline — asks this
 * module: services through the predicates below, repositories through the SQL conditions of
 * access.sql.ts, which state the same rows of this table for the database. docs/access.md prints
 * ACCESS_TABLE (renderAccessTable), and test/access-matrix.test.ts seeds restricted items and
 * checks every channel against it.
 *
 * Where visibility rules were written before this module (issue 12 inventory):
 *   - indicators/indicators.policy.ts: indicatorVisibility, canSeeReporter (any provincial
 *     administration saw every unnamed reporter) → indicator-visibility.ts here;
 *   - sharing/confidentiality.ts: isEntitledToRestricted (any provincial administration was
 *     entitled to personal values of any province), redactRecord, RestrictedRead → confidentiality.ts;
 *   - sharing/feed-audience.ts and sharing.repository.ts audienceFilter (feeds, exports) →
 *     feed-audience.ts and access.sql.ts;
 *   - taxii/taxii.repository.ts: the organization collection's `tlp <> 'red'` (let AMBER+STRICT out
 *     to the responsible unit) → access.sql.ts stixOrganizationBranches;
 *   - reports/reports.policy.ts canSeeReport, misp.service.ts `visible()` and misp.repository.ts's
 *     report filter (three statements of one rule) → report-visibility.ts here (canSeeReport,
 *     isReportInFeed, reportInFeedSql); reports.policy.ts canSeeAffectedContact; evidence.service.ts; orgs.policy.ts (contacts, webhooks); enforcement.policy.ts
 *     (penalties, appeals); bulletins.service.ts (what a bulletin may cite, its TLP floor);
 *     the audit timeline's province filter. Their rules are rows of ACCESS_TABLE and each one
 *     calls the predicate of this module named in the row.
 */
import type { Principal } from '../auth/principal.js';

export type Audience =
  | 'regulator_national'
  | 'regulator_provincial'
  | 'professional_institution'
  | 'responsible_unit'
  | 'reporter'
  | 'noticed_unit'
  | 'other_organization'
  | 'public';

export interface AccessRule {
  object: string;
  audience: Audience;
  /** Which rows of that kind the audience sees. */
  rows: string;
  /** Which restricted fields it sees in them (the rest are redacted). */
  fields: string;
}

/** The one table (docs/access.md prints it). */
export const ACCESS_TABLE: readonly AccessRule[] = [
  { object: 'indicator', audience: 'regulator_national', rows: 'all', fields: 'all' },
  { object: 'indicator', audience: 'professional_institution', rows: 'all', fields: 'all' },
  { object: 'indicator', audience: 'regulator_provincial', rows: 'its province (any TLP); elsewhere as other_organization', fields: 'all, in its province; none elsewhere (personal values `[redacted]`, no responsible unit)' },
  { object: 'indicator', audience: 'responsible_unit', rows: 'TLP:CLEAR, GREEN, AMBER', fields: 'all' },
  { object: 'indicator', audience: 'reporter', rows: 'what it reported, any TLP', fields: 'all' },
  { object: 'indicator', audience: 'other_organization', rows: 'TLP:CLEAR, GREEN', fields: 'none' },
  { object: 'indicator', audience: 'public', rows: 'TLP:CLEAR (public exports, releases)', fields: 'none' },
  { object: 'stix object (TAXII)', audience: 'responsible_unit', rows: 'its own objects; those it answers for up to TLP:AMBER (never AMBER+STRICT or RED)', fields: 'as indicator' },
  { object: 'stix object (TAXII)', audience: 'regulator_provincial', rows: 'its province collection', fields: 'as indicator' },
  { object: 'report', audience: 'reporter', rows: 'its own', fields: 'all' },
  { object: 'report', audience: 'regulator_national', rows: 'all', fields: 'all' },
  { object: 'report', audience: 'professional_institution', rows: 'all', fields: 'all' },
  { object: 'report', audience: 'regulator_provincial', rows: 'its province', fields: 'all, in its province' },
  { object: 'report (MISP feed event)', audience: 'other_organization', rows: 'the reports it may see as above, and everyone\'s at TLP:CLEAR or GREEN', fields: 'observables of a report it may see; in a shared one personal values are left out (a MISP attribute cannot be redacted)' },
  { object: 'reporter identity (org_id, report_id)', audience: 'regulator_provincial', rows: '—', fields: 'only for reports of its province, or where the reporter agreed' },
  { object: 'reporter identity (org_id, report_id)', audience: 'other_organization', rows: '—', fields: 'only where the reporter agreed (disclose_reporter)' },
  { object: 'reporter identity (org_id, report_id)', audience: 'noticed_unit', rows: '—', fields: 'only where the reporter agreed' },
  { object: 'case', audience: 'regulator_provincial', rows: 'its province', fields: 'all' },
  { object: 'case', audience: 'noticed_unit', rows: 'cases behind its notices', fields: 'reporters only with their consent' },
  { object: 'case', audience: 'reporter', rows: 'cases of its reports', fields: 'itself as a reporter; other reporters only with their consent' },
  { object: 'evidence', audience: 'reporter', rows: 'what it uploaded', fields: 'all' },
  { object: 'evidence', audience: 'regulator_provincial', rows: 'cited by a report or a notice result of its province', fields: 'all' },
  { object: 'evidence', audience: 'professional_institution', rows: 'cited by a report or a notice result', fields: 'all' },
  { object: 'organization webhooks and deliveries', audience: 'regulator_provincial', rows: 'units of its province', fields: 'all' },
  { object: 'organization webhooks and deliveries', audience: 'other_organization', rows: 'its own only', fields: 'all' },
  { object: 'penalty, enforcement case', audience: 'professional_institution', rows: 'none', fields: '—' },
  { object: 'penalty, enforcement case', audience: 'regulator_provincial', rows: 'its province', fields: 'all' },
  { object: 'appeal', audience: 'regulator_provincial', rows: 'appeals against its province\'s decisions', fields: 'all' },
  { object: 'appeal', audience: 'regulator_national', rows: 'all', fields: 'all' },
  { object: 'bulletin', audience: 'other_organization', rows: 'addressed to it', fields: 'cites at most the bulletin\'s TLP, which is at least the strictest it cites; personal values `[redacted]`' },
  { object: 'audit entry', audience: 'regulator_provincial', rows: 'entries of its province (never province-less ones)', fields: 'all' },
  { object: 'anything not visible', audience: 'other_organization', rows: 'answers 404 for reads and writes alike (never 403)', fields: '—' },
];

/**
 * How a principal stands to one indicator (or a stored STIX object derived from one). A principal
 * may stand in several relations at once (a unit that reported and answers for it); it gets the
 * union of what they allow.
 */
export type IndicatorRelation =
  | 'ministry'
  | 'institution'
  | 'province_regulator'
  | 'responsible_unit'
  | 'reporter'
  | 'ordered_unit'
  | 'any_organization'
  | 'public';

/**
 * The indicator rows of the table, as data: which TLP markings each relation sees, and whether it
 * sees the restricted fields (a personal value, the responsible unit). Every indicator channel
 * reads this: indicatorVisibility, isIndicatorEntitled, the SQL of access.sql.ts states it for the
 * database, and the matrix test checks every channel against it.
 */
export const INDICATOR_ACCESS: Readonly<Record<IndicatorRelation, { tlps: readonly TlpLevel[]; restricted_fields: boolean; who: string }>> = {
  ministry: { tlps: ['clear', 'green', 'amber', 'amber+strict', 'red'], restricted_fields: true, who: 'the ministry (regulator_national)' },
  institution: { tlps: ['clear', 'green', 'amber', 'amber+strict', 'red'], restricted_fields: true, who: 'a professional institution' },
  province_regulator: { tlps: ['clear', 'green', 'amber', 'amber+strict', 'red'], restricted_fields: true, who: "the administration of the indicator's province (a province-less one is in no province)" },
  responsible_unit: { tlps: ['clear', 'green', 'amber'], restricted_fields: true, who: 'the unit that answers for the resource' },
  reporter: { tlps: ['clear', 'green', 'amber', 'amber+strict', 'red'], restricted_fields: true, who: 'an organization that reported it' },
  ordered_unit: { tlps: ['clear', 'green', 'amber', 'amber+strict', 'red'], restricted_fields: true, who: 'a unit a notice in force orders to block it (its feeds and exports: `notice_orders`)' },
  any_organization: { tlps: ['clear', 'green'], restricted_fields: false, who: 'any authenticated organization, other provinces\' administrations included' },
  public: { tlps: ['clear'], restricted_fields: false, who: 'no authentication (public exports)' },
};

/** The reporter-identity row: to whom an unconsented reporter is named (DESIGN §6). */
export const REPORTER_NAMED_TO: readonly IndicatorRelation[] = ['ministry', 'institution', 'province_regulator', 'reporter'];

/** Facts about one indicator that decide the relations. */
export interface IndicatorFacts {
  tlp: string;
  province_code: string | null;
  responsible_org_id: string | null;
}

/** The relations `p` stands in to an indicator; `reported` is whether p's organization reported it. */
export function indicatorRelations(p: Principal | null, i: IndicatorFacts, reported = false, ordered = false): IndicatorRelation[] {
  if (!p) return ['public'];
  const r: IndicatorRelation[] = ['public', 'any_organization'];
  if (p.orgKind === 'regulator_national') r.push('ministry');
  if (p.orgKind === 'professional_institution') r.push('institution');
  if (p.orgKind === 'regulator_provincial' && i.province_code !== null && i.province_code === p.provinceCode) r.push('province_regulator');
  if (i.responsible_org_id !== null && i.responsible_org_id === p.orgId) r.push('responsible_unit');
  if (reported) r.push('reporter');
  if (ordered) r.push('ordered_unit');
  return r;
}

export const relationsAllowTlp = (rels: readonly IndicatorRelation[], tlp: string): boolean => rels.some((r) => (INDICATOR_ACCESS[r].tlps as readonly string[]).includes(tlp));
/** Restricted fields go to a relation that both sees the marking and is entitled to fields. */
export const relationsAllowFields = (rels: readonly IndicatorRelation[], tlp: string): boolean =>
  rels.some((r) => INDICATOR_ACCESS[r].restricted_fields && (INDICATOR_ACCESS[r].tlps as readonly string[]).includes(tlp));

/** The table as Markdown, for docs/access.md (test/access-matrix.test.ts checks the doc has it). */
export function renderAccessTable(): string {
  const lines = ['| object | audience | rows it sees | restricted fields it sees |', '|---|---|---|---|'];
  for (const r of ACCESS_TABLE) lines.push(`| ${r.object} | \`${r.audience}\` | ${r.rows} | ${r.fields} |`);
  lines.push('', '| indicator relation | who | TLP markings it sees | restricted fields (personal value, responsible unit) | names an unconsented reporter |', '|---|---|---|---|---|');
  for (const [rel, a] of Object.entries(INDICATOR_ACCESS)) {
    lines.push(`| \`${rel}\` | ${a.who} | ${a.tlps.join(', ')} | ${a.restricted_fields ? 'yes' : 'no'} | ${REPORTER_NAMED_TO.includes(rel as IndicatorRelation) ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}

/** The TLP 2.0 levels from least to most restrictive. */
export const TLP_ORDER = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type TlpLevel = (typeof TLP_ORDER)[number];
export const tlpRank = (t: string): number => {
  const i = TLP_ORDER.indexOf(t as TlpLevel);
  return i < 0 ? TLP_ORDER.length : i;
};
/** The strictest of the markings (clear for none). */
export function strictestTlp(tlps: readonly string[]): TlpLevel {
  let best = 0;
  for (const t of tlps) best = Math.max(best, Math.min(tlpRank(t), TLP_ORDER.length - 1));
  return TLP_ORDER[best];
}

/**
 * The jurisdiction test every rule shares (Art. 3): the ministry and institutions nationwide, a
 * provincial administration only a known province equal to its own.
 */
export function inJurisdiction(p: Principal, provinceCode: string | null | undefined): boolean {
  if (p.orgKind === 'regulator_national' || p.orgKind === 'professional_institution') return true;
  if (p.orgKind === 'regulator_provincial') return provinceCode !== null && provinceCode !== undefined && provinceCode === p.provinceCode;
  return false;
}
