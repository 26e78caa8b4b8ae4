/** Who may see threat cases, assign them and identify them (Art. 7): pure rules, table-tested. */
import { forbidden } from '../../lib/problem.js';
import { coversProvince, hasRole, isInstitution, isRegulator, type Principal } from '../auth/principal.js';

export type { CaseFacts } from '../access/workflow-access.js';
/** Who may see a case is the access module's rule. */
export { canSeeCase } from '../access/workflow-access.js';
import type { CaseFacts } from '../access/workflow-access.js';

/** Regulators assign within their jurisdiction (the ministry: any case). */
export function assertCanAssign(p: Principal, c: CaseFacts): void {
  if (!isRegulator(p) || !coversProvince(p, c.province_code)) throw forbidden('Only the regulator responsible for the case\u2019s province assigns it');
  if (!hasRole(p, 'admin', 'analyst', 'handler')) throw forbidden('Assigning needs the admin, analyst or handler role');
}

/** Art. 7: the assigned institution identifies, never a case its own organization reported. */
export function assertCanIdentify(p: Principal, c: CaseFacts): void {
  if (!isInstitution(p)) throw forbidden('Only a professional institution identifies threats');
  if (!hasRole(p, 'analyst', 'admin')) throw forbidden('Identifying needs the analyst role');
  if (c.reporting_org_ids.includes(p.orgId)) throw forbidden('An institution never identifies a case its own organization reported');
  if (c.assigned_org_id !== p.orgId) throw forbidden('This case is assigned to another institution');
}

/** The reporters answer the institution's questions. */
export function assertCanProvideInfo(p: Principal, c: CaseFacts): void {
  if (!c.reporting_org_ids.includes(p.orgId)) throw forbidden('Only a unit that reported the case answers its questions');
  if (!hasRole(p, 'reporter', 'analyst', 'admin')) throw forbidden('Answering needs the reporter role');
}
