/**
 * Choosing the professional institution that identifies a threat case (Art. 7: identification
 * must be "scientific, fair, timely").
 *
 * Fairness: an institution never identifies a case its own organization reported, and callers add
 * further exclusions (an appeal is reviewed by a different institution than the one that
 * identified; an institution that declined is not chosen again).
 * Science: institutions that cover the case's category are preferred; only when none is eligible
 * does the case go to an institution without that category (better identified than stuck).
 * Timeliness: least open load first. Ties break on org_id so the same input always gives the same
 * answer (reproducible, testable, auditable).
 */

export interface InstitutionCandidate {
  org_id: string;
  /** Threat categories (reports/taxonomy.ts codes) the institution is entrusted with. */
  categories: readonly string[];
  /** Cases currently assigned to it and not yet given a verdict. */
  open_load: number;
}

export interface CaseForAssignment {
  category: string;
  reporting_org_ids: readonly string[];
}

export interface RankedInstitution {
  org_id: string;
  covers_category: boolean;
  open_load: number;
}

/**
 * Every eligible institution, best first: covering the category before not covering it, then
 * least load, then org_id ascending. Excluded and reporting organizations are left out.
 */
export function rankInstitutions(
  candidates: readonly InstitutionCandidate[],
  threatCase: CaseForAssignment,
  exclude_org_ids: readonly string[] = [],
): RankedInstitution[] {
  const excluded = new Set([...threatCase.reporting_org_ids, ...exclude_org_ids]);
  const seen = new Set<string>();
  const ranked: RankedInstitution[] = [];
  for (const c of candidates) {
    if (excluded.has(c.org_id) || seen.has(c.org_id)) continue;
    seen.add(c.org_id);
    ranked.push({
      org_id: c.org_id,
      covers_category: c.categories.includes(threatCase.category),
      // A negative or non-finite load is a bookkeeping error upstream; treat it as the worst.
      open_load: Number.isFinite(c.open_load) && c.open_load >= 0 ? c.open_load : Number.POSITIVE_INFINITY,
    });
  }
  return ranked.sort(
    (a, b) =>
      Number(b.covers_category) - Number(a.covers_category) ||
      a.open_load - b.open_load ||
      (a.org_id < b.org_id ? -1 : a.org_id > b.org_id ? 1 : 0),
  );
}

/** The institution to assign, or null when every candidate is excluded. */
export function chooseInstitution(
  candidates: readonly InstitutionCandidate[],
  threatCase: CaseForAssignment,
  exclude_org_ids: readonly string[] = [],
): string | null {
  return rankInstitutions(candidates, threatCase, exclude_org_ids)[0]?.org_id ?? null;
}
