/**
 * Who is asking: an organization, and the user or API token acting for it, with roles. Every
 * service method takes one and its module's policy decides first.
 */

export const ROLES = ['admin', 'analyst', 'reporter', 'handler', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const ORG_KINDS = [
  'regulator_national',
  'regulator_provincial',
  'professional_institution',
  'telecom_operator',
  'security_vendor',
  'internet_company',
  'domain_registrar',
  'cyberspace_administration',
  'superior_authority',
  'other',
] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/** Kinds that report and handle threats (DESIGN.md §1). */
export const UNIT_KINDS: readonly OrgKind[] = ['telecom_operator', 'security_vendor', 'internet_company', 'domain_registrar'];

export interface Principal {
  orgId: string;
  orgKind: OrgKind;
  orgName: string;
  provinceCode: string | null;
  userId: string | null;
  tokenId: string | null;
  username: string | null;
  roles: Role[];
}

/** A signed-in user's principal, from the user row joined with its organization (password and session sign-in alike). */
export function userPrincipal(row: { org_id: string; org_kind: string; org_name: string; province_code: string | null; user_id: string; username: string; roles: string[] }): Principal {
  return {
    orgId: row.org_id,
    orgKind: row.org_kind as OrgKind,
    orgName: row.org_name,
    provinceCode: row.province_code ? String(row.province_code).trim() : null,
    userId: row.user_id,
    tokenId: null,
    username: row.username,
    roles: row.roles as Role[],
  };
}

export const isRegulator = (p: Principal) => p.orgKind === 'regulator_national' || p.orgKind === 'regulator_provincial';
export const isNationalRegulator = (p: Principal) => p.orgKind === 'regulator_national';
export const isInstitution = (p: Principal) => p.orgKind === 'professional_institution';
export const hasRole = (p: Principal, ...roles: Role[]) => roles.some((r) => p.roles.includes(r));

/**
 * Two-level jurisdiction (Art. 3): the ministry and the professional institutions see the whole
 * nation; a provincial administration only its own province. Null province means national.
 */
export function coversProvince(p: Principal, provinceCode: string | null): boolean {
  if (isNationalRegulator(p) || isInstitution(p)) return true;
  if (p.orgKind === 'regulator_provincial') return provinceCode !== null && provinceCode === p.provinceCode;
  return false;
}

/** The province filter a list query must apply for this principal: undefined = no filter. */
export function provinceFilter(p: Principal): string | undefined {
  if (p.orgKind === 'regulator_provincial') return p.provinceCode ?? '__none__';
  return undefined;
}
