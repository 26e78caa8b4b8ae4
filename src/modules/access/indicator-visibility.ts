/**
 * Who may learn that a value is a known threat (Art. 12 and TLP 2.0), pure. The ministry and the
 * professional institutions see everything; a provincial administration everything in its
 * province; everyone else what is shared as TLP:CLEAR or TLP:GREEN, and amber-or-stricter
 * indicators only where they answer for the resource. Reporters see what they reported; that needs
 * the sightings, so it is asked of the database (`needsReporterCheck`).
 */
import { isInstitution, isNationalRegulator, type Principal } from '../auth/principal.js';
import { inJurisdiction } from './access.table.js';

export interface VisibilityFacts {
  tlp: string;
  province_code: string | null;
  responsible_org_id: string | null;
}

export type Visibility = 'visible' | 'hidden' | 'needs_reporter_check';

export function indicatorVisibility(p: Principal, ind: VisibilityFacts): Visibility {
  if (isNationalRegulator(p) || isInstitution(p)) return 'visible';
  if (p.orgKind === 'regulator_provincial' && ind.province_code !== null && ind.province_code === p.provinceCode) return 'visible';
  if (ind.tlp === 'clear' || ind.tlp === 'green') return 'visible';
  if (ind.tlp === 'amber' && ind.responsible_org_id === p.orgId) return 'visible';
  return 'needs_reporter_check';
}

/**
 * Reporters are named to a unit only when they agreed (the lesson of US AIS): see DESIGN.md §6.
 * Regulators and institutions see them within their jurisdiction: a provincial administration
 * only for a report of its own province (ACCESS_TABLE, "reporter identity").
 */
export function canSeeReporter(p: Principal, reporter: { org_id: string; disclose_reporter: boolean; province_code: string | null }): boolean {
  return reporter.disclose_reporter || reporter.org_id === p.orgId || inJurisdiction(p, reporter.province_code);
}
