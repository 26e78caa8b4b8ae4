/** Who may see and act on notices: pure rules, table-tested in notices.policy.test.ts. */
import { forbidden } from '../../lib/problem.js';
import { coversProvince, hasRole, isInstitution, isRegulator, type Principal } from '../auth/principal.js';

export type { NoticeFacts } from '../access/workflow-access.js';
/** Who may see a notice is the access module's rule. */
export { canSeeNotice } from '../access/workflow-access.js';
import type { NoticeFacts } from '../access/workflow-access.js';

/** Art. 9: the noticed unit acknowledges receipt and reports its result. */
export function assertIsNoticedUnit(p: Principal, n: NoticeFacts): void {
  if (p.orgId !== n.recipient_org_id) throw forbidden('Only the noticed unit acknowledges a notice and reports its result');
  if (!hasRole(p, 'handler', 'admin')) throw forbidden('Acting on a notice needs the handler role');
}

/** Art. 9: the regulator responsible for the notice's province, or a professional institution, verifies. */
export function assertCanVerify(p: Principal, n: NoticeFacts): void {
  if (!hasRole(p, 'analyst', 'handler', 'admin')) throw forbidden('Verifying a result needs the analyst or handler role');
  if (isInstitution(p)) return;
  if (isRegulator(p) && coversProvince(p, n.province_code)) return;
  throw forbidden('Only the regulator responsible for the notice\u2019s province, or a professional institution, verifies a result');
}

/** The regulator responsible for the province issues (written notices after a phone call, etc.). */
export function assertIsResponsibleRegulator(p: Principal, province_code: string | null): void {
  if (!isRegulator(p)) throw forbidden('Only a regulator may do this');
  if (!coversProvince(p, province_code)) throw forbidden('A provincial administration acts only within its own province (national cases: the ministry)');
  if (!hasRole(p, 'handler', 'analyst', 'admin')) throw forbidden('This needs the handler, analyst or admin role');
}

/** Rotating the platform signing key: the ministry's admins (CNCERT runs the platform for it). */
export function assertCanRotateKeys(p: Principal): void {
  if (!(p.orgKind === 'regulator_national' && hasRole(p, 'admin'))) throw forbidden('Only the ministry\u2019s admins rotate the platform signing key');
}
