/** Who may submit and see reports: pure rules. */
import { forbidden } from '../../lib/problem.js';
import { inJurisdiction } from '../access/access.table.js';
import { hasRole, isInstitution, isNationalRegulator, type Principal } from '../auth/principal.js';

export function assertCanSubmit(p: Principal): void {
  if (!hasRole(p, 'reporter', 'admin', 'analyst')) throw forbidden('Submitting reports needs the reporter role');
}

/** A unit sees its own reports; regulators those in their jurisdiction; institutions all (Art. 7). */
export function canSeeReport(p: Principal, r: { org_id: string; province_code: string | null }): boolean {
  if (r.org_id === p.orgId) return true;
  if (isNationalRegulator(p) || isInstitution(p)) return true;
  return p.orgKind === 'regulator_provincial' && r.province_code !== null && r.province_code === p.provinceCode;
}

/** Personal contact details of the affected party stay with those who act on them (Art. 12). */
export function canSeeAffectedContact(p: Principal, r: { org_id: string; province_code: string | null }): boolean {
  return r.org_id === p.orgId || inJurisdiction(p, r.province_code);
}
