/** Who may submit and see reports: pure rules. */
import { forbidden } from '../../lib/problem.js';
import { inJurisdiction } from '../access/access.table.js';
import { hasRole, type Principal } from '../auth/principal.js';

export function assertCanSubmit(p: Principal): void {
  if (!hasRole(p, 'reporter', 'admin', 'analyst')) throw forbidden('Submitting reports needs the reporter role');
}

/** Personal contact details of the affected party stay with those who act on them (Art. 12). */
export function canSeeAffectedContact(p: Principal, r: { org_id: string; province_code: string | null }): boolean {
  return r.org_id === p.orgId || inJurisdiction(p, r.province_code);
}
