/** Who decides measures (Art. 8): pure rules, table-tested. */
import { forbidden } from '../../lib/problem.js';
import { coversProvince, hasRole, isRegulator, type Principal } from '../auth/principal.js';

/**
 * The regulator responsible for the case's province reviews the identification and decides; the
 * ministry decides national cases (no province) and may act anywhere.
 */
export function assertCanDecide(p: Principal, c: { province_code: string | null }): void {
  if (!isRegulator(p)) throw forbidden('Only a regulator decides measures');
  if (!coversProvince(p, c.province_code))
    throw forbidden(c.province_code ? `A provincial administration decides only in its own province; this case is in ${c.province_code}` : 'A national case is decided by the ministry');
  if (!hasRole(p, 'handler', 'analyst', 'admin')) throw forbidden('Deciding needs the handler, analyst or admin role');
}
