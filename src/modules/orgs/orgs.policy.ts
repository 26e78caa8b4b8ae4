/** Who may see and change organizations: pure rules, table-tested. */
import { forbidden } from '../../lib/problem.js';
import { hasRole, isInstitution, isNationalRegulator, isRegulator, type Principal } from '../auth/principal.js';
import type { OrgRow } from './orgs.repository.js';

/** Regulators register organizations: the ministry any, a province only units in its province. */
export function assertCanCreateOrg(p: Principal, target: { kind: string; province_code?: string | null }): void {
  if (!isRegulator(p) || !hasRole(p, 'admin')) throw forbidden('Only a regulator admin can register organizations');
  if (isNationalRegulator(p)) return;
  if (target.kind === 'regulator_national' || target.kind === 'regulator_provincial' || target.kind === 'professional_institution' || target.kind === 'cyberspace_administration')
    throw forbidden('Only the ministry registers regulators, professional institutions and cyberspace administrations');
  if (target.province_code !== p.provinceCode) throw forbidden('A provincial administration registers units in its own province only');
}

export function assertCanUpdateOrg(p: Principal, org: OrgRow): void {
  if (!isRegulator(p) || !hasRole(p, 'admin')) throw forbidden('Only a regulator admin can change an organization');
  if (isNationalRegulator(p)) return;
  if (org.province_code !== p.provinceCode || org.kind.startsWith('regulator') || org.kind === 'professional_institution')
    throw forbidden('A provincial administration changes units in its own province only');
}

/** Art. 5: a unit keeps its own responsible department, person and contacts current. */
export function assertCanEditContacts(p: Principal, org: OrgRow): void {
  if (p.orgId === org.id && hasRole(p, 'admin')) return;
  assertCanUpdateOrg(p, org);
}

/**
 * Contacts and resource scopes are personal and business information (Art. 12): regulators,
 * institutions and the organization itself see them; other units see the directory entry only.
 */
export function canSeeOrgDetails(p: Principal, org: { id: string }): boolean {
  return p.orgId === org.id || isRegulator(p) || isInstitution(p);
}
