/** Who acts on enforcement cases and appeals (Art. 10, 13): pure rules, table-tested. */
import { forbidden } from '../../lib/problem.js';
import { coversProvince, hasRole, isInstitution, isRegulator, type Principal } from '../auth/principal.js';

/** Who may read enforcement cases and appeals is the access module's rule. */
export { canSeeAppeal, canSeeEnforcement } from '../access/workflow-access.js';

/** The regulator of the province (the ministry anywhere) interviews, orders and penalizes. */
export function assertCanEnforce(p: Principal, e: { province_code: string | null }): void {
  if (!isRegulator(p)) throw forbidden('Only a regulator enforces');
  if (!coversProvince(p, e.province_code)) throw forbidden('A provincial administration enforces only in its own province');
  if (!hasRole(p, 'handler', 'admin')) throw forbidden('Enforcement needs the handler or admin role');
}

/** The reviewing institution records the outcome of an appeal. */
export function assertIsReviewer(p: Principal, a: { reviewer_org_id: string | null }): void {
  if (!isInstitution(p) || a.reviewer_org_id !== p.orgId) throw forbidden('Only the institution the appeal was assigned to reviews it');
  if (!hasRole(p, 'analyst', 'admin')) throw forbidden('Reviewing needs the analyst role');
}

