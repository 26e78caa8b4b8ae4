/**
 * Who may learn that a value is a known threat (Art. 12 and TLP 2.0), pure. The ministry and the
 * professional institutions see everything; a provincial administration everything in its
 * province; everyone else what is shared as TLP:CLEAR or TLP:GREEN, and amber-or-stricter
 * indicators only where they answer for the resource. Reporters see what they reported; that needs
 * the sightings, so it is asked of the database (`needsReporterCheck`).
 */
import type { Principal } from '../auth/principal.js';
import { inJurisdiction, indicatorRelations, relationsAllowFields, relationsAllowTlp, type IndicatorFacts } from './access.table.js';

export type VisibilityFacts = IndicatorFacts;

export type Visibility = 'visible' | 'hidden' | 'needs_reporter_check';

/**
 * INDICATOR_ACCESS without the reporter relation, which needs the sightings: 'needs_reporter_check'
 * means only the reporter relation could still make it visible.
 */
export function indicatorVisibility(p: Principal, ind: VisibilityFacts): Visibility {
  return relationsAllowTlp(indicatorRelations(p, ind, false), ind.tlp) ? 'visible' : 'needs_reporter_check';
}

/** Entitled to an indicator's restricted fields (its personal value, its responsible unit). */
export function isIndicatorEntitled(p: Principal | null, ind: VisibilityFacts, reported: boolean): boolean {
  return relationsAllowFields(indicatorRelations(p, ind, reported), ind.tlp);
}

/**
 * Reporters are named to a unit only when they agreed (the lesson of US AIS): see DESIGN.md §6.
 * Regulators and institutions see them within their jurisdiction: a provincial administration
 * only for a report of its own province (ACCESS_TABLE, "reporter identity").
 */
export function canSeeReporter(p: Principal, reporter: { org_id: string; disclose_reporter: boolean; province_code: string | null }): boolean {
  return reporter.disclose_reporter || reporter.org_id === p.orgId || inJurisdiction(p, reporter.province_code);
}
