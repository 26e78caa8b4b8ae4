/** Rows → API output for organizations; the one place contacts are redacted. */
import type { Principal } from '../auth/principal.js';
import { canSeeOrgDetails } from './orgs.policy.js';
import type { OrgRow, ScopeRow } from './orgs.repository.js';
import { provinceByCode } from './provinces.js';
import type { Organization } from './orgs.schema.js';

export function presentOrganization(viewer: Principal | null, org: OrgRow, scopes: ScopeRow[]): Organization {
  const full = viewer === null || canSeeOrgDetails(viewer, org);
  return {
    id: org.id,
    kind: org.kind as Organization['kind'],
    name: org.name,
    name_en: org.name_en,
    short_code: org.short_code,
    province_code: org.province_code,
    province_name: org.province_code ? (provinceByCode(org.province_code)?.name_zh ?? null) : null,
    operator: org.operator,
    parent_id: org.parent_id,
    responsible_department: org.responsible_department,
    responsible_person: full ? org.responsible_person : { name: '[redacted]', phone: '[redacted]', email: '[redacted]' },
    contacts: full ? org.contacts : [],
    is_cii: org.is_cii,
    is_party_government: org.is_party_government,
    superior_org_id: org.superior_org_id,
    categories: org.categories,
    status: org.status,
    scopes: full ? scopes.filter((s) => s.org_id === org.id).map(({ kind, value }) => ({ kind, value })) : [],
    created_at: new Date(org.created_at).toISOString(),
    updated_at: new Date(org.updated_at).toISOString(),
    version: org.version,
  };
}
