/**
 * Who a feed or an export is for, pure (Art. 12, TLP 2.0). A feed carries exactly what
 * indicators.policy.ts lets the requesting organization see, and nothing else: the SQL filter that
 * sharing.repository.ts builds from a FeedAudience is the same rule written for the database, and
 * feed-audience.test.ts checks the two agree on every combination of facts.
 *
 *   national regulator, institutions   everything
 *   provincial regulator               its province, plus what any unit may see
 *   every organization                 TLP:CLEAR and TLP:GREEN; TLP:AMBER where it is the
 *                                      responsible unit; any TLP it reported itself; any TLP a
 *                                      notice in force orders it to block
 *   public (no authentication)         TLP:CLEAR only
 *
 * Personal-information indicator types (email, phone, broadband account) never enter a feed: the
 * export formats carry only blocklistable types (export-stream.ts EXPORT_INDICATOR_TYPES).
 */
import { isInstitution, isNationalRegulator, type Principal } from '../auth/principal.js';
import { indicatorVisibility, type VisibilityFacts } from '../indicators/indicators.policy.js';

export type FeedAudience =
  | { kind: 'all' }
  | { kind: 'public' }
  | { kind: 'org'; org_id: string; province_code: string | null };

export function feedAudienceOf(p: Principal | null): FeedAudience {
  if (!p) return { kind: 'public' };
  if (isNationalRegulator(p) || isInstitution(p)) return { kind: 'all' };
  return { kind: 'org', org_id: p.orgId, province_code: p.orgKind === 'regulator_provincial' ? p.provinceCode : null };
}

/** A stable key for caches and ETags: two principals with the same key get the same bytes. */
export function audienceKey(a: FeedAudience): string {
  if (a.kind === 'org') return `org:${a.org_id}:${a.province_code ?? ''}`;
  return a.kind;
}

/**
 * The rule as a predicate over one indicator, as the SQL applies it. `reported_by_org` is whether
 * the audience's organization has a sighting of it.
 */
export function isInFeed(a: FeedAudience, ind: VisibilityFacts & { reported_by_org: boolean; ordered_for_org?: boolean }): boolean {
  if (a.kind === 'all') return true;
  if (a.kind === 'public') return ind.tlp === 'clear';
  // A notice in force orders the unit to block it: in its feeds whatever the TLP (issue 11).
  if (ind.ordered_for_org === true) return true;
  if (a.province_code !== null && ind.province_code === a.province_code) return true;
  if (ind.tlp === 'clear' || ind.tlp === 'green') return true;
  if (ind.tlp === 'amber' && ind.responsible_org_id === a.org_id) return true;
  return ind.reported_by_org;
}

/** The policy's answer for the same facts (the reporter check resolved), for the agreement test. */
export function policyAllows(p: Principal, ind: VisibilityFacts & { reported_by_org: boolean }): boolean {
  const v = indicatorVisibility(p, ind);
  if (v === 'visible') return true;
  if (v === 'hidden') return false;
  return ind.reported_by_org;
}
