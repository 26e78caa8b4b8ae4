/** Who may manage users and tokens: pure rules, called first in every auth service method. */
import { forbidden } from '../../lib/problem.js';
import { hasRole, isNationalRegulator, type Principal } from './principal.js';

/** An organization's admin manages its own users and tokens; the ministry's admins manage any. */
export function assertCanManageAccess(p: Principal, orgId: string): void {
  if (!hasRole(p, 'admin')) throw forbidden('Only an admin can manage users and tokens');
  if (p.orgId !== orgId && !isNationalRegulator(p)) throw forbidden('You can manage only your own organization');
}

/** Nobody hands out roles they do not hold themselves, except the ministry's admins. */
export function assertCanGrantRoles(p: Principal, roles: readonly string[]): void {
  if (isNationalRegulator(p) && hasRole(p, 'admin')) return;
  const missing = roles.filter((r) => !p.roles.includes(r as never));
  if (missing.length) throw forbidden(`You cannot grant roles you do not hold: ${missing.join(', ')}`);
}
