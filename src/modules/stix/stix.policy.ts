/**
 * Who may read a stored STIX object and who may import, pure (Art. 12 and TLP 2.0). The rules are
 * those of the indicator store (access/indicator-visibility.ts), applied to the audience columns every
 * stored object carries: the ministry and the professional institutions read everything; a
 * provincial administration everything of its province; every organization TLP:CLEAR and
 * TLP:GREEN, and what it owns or answers for.
 */
import { isInOrganizationCollection } from '../access/access.sql.js';
import { forbidden } from '../../lib/problem.js';
import { hasRole, isInstitution, isNationalRegulator, type Principal } from '../auth/principal.js';

export interface StoredAudience {
  tlp: string;
  province_code: string | null;
  owner_org_id: string | null;
  responsible_org_id: string | null;
}

export function canReadStixObject(p: Principal, o: StoredAudience): boolean {
  if (isNationalRegulator(p) || isInstitution(p)) return true;
  if (o.tlp === 'clear' || o.tlp === 'green') return true;
  if (p.orgKind === 'regulator_provincial' && o.province_code !== null && o.province_code === p.provinceCode) return true;
  // The organization collection's rule (access module): AMBER+STRICT and RED are not handed on.
  return isInOrganizationCollection(p.orgId, o);
}

/** Importing STIX is intake (Art. 6): the same roles as submitting a report. */
export function assertCanImportStix(p: Principal): void {
  if (!hasRole(p, 'reporter', 'admin', 'analyst')) throw forbidden('Importing STIX needs the reporter role');
}
