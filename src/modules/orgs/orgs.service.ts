/** Organizations (Art. 5): the registry of regulators, institutions and units, with their scopes. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { forbidden, notFound, validationFailed, type ProblemDetail, Problem } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { listProvince, restrictedFieldsPresent, RestrictedRead } from '../access/confidentiality.js';
import { assertCanCreateOrg, assertCanEditContacts, assertCanUpdateOrg, canSeeOrgDetails } from './orgs.policy.js';
import { presentOrganization } from './orgs.presenter.js';
import { orgsRepository, type OrgRow } from './orgs.repository.js';
import type { ContactsUpdate, Organization, OrganizationCreate, OrganizationSummary, OrganizationUpdate, OrgListQuery } from './orgs.schema.js';
import { provinceByCode } from './provinces.js';
import ipaddr from 'ipaddr.js';
import { absurdScope, MIN_PROVINCIAL_IPV4_BITS, normalizeScope, sampleIpv4, type ScopeKind } from './scope-rules.js';

const PROVINCIAL_KINDS = new Set(['regulator_provincial']);

function checkProvince(kind: string, code: string | null | undefined): void {
  if (code && !provinceByCode(code)) throw validationFailed('/province_code', `Unknown province code ${code}`);
  if (PROVINCIAL_KINDS.has(kind) && !code) throw validationFailed('/province_code', 'A provincial administration needs its province');
  if (kind === 'regulator_national' && code) throw validationFailed('/province_code', 'The ministry is national: no province');
}

function normalizeScopes(scopes: { kind: ScopeKind; value: string }[]): { kind: string; value: string }[] {
  const errors: ProblemDetail[] = [];
  const out = new Map<string, { kind: string; value: string }>();
  scopes.forEach((s, i) => {
    const r = normalizeScope(s.kind, s.value);
    if (!r.ok) errors.push({ field: `/scopes/${i}/value`, message: r.message });
    else out.set(`${s.kind} ${r.value}`, { kind: s.kind, value: r.value });
  });
  if (errors.length) throw validationFailed(errors[0].field!, errors[0].message, errors);
  return [...out.values()];
}

export class OrgsService {
  /** Bumped on every change, so caches built from the directory (routing) know to rebuild. */
  generation = 0;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    /** IP to province (ip2region), for the scopes a provincial administration declares. */
    private readonly enrichIp: ((ip: string) => { province_code: string | null }) | null = null,
  ) {}

  /**
   * Declared scopes decide who answers for a resource, and so who receives its TLP:AMBER
   * indicators: absurd ones are refused for everyone, and a provincial administration declares
   * only its own province's resources — IPv4 blocks of at least /12 that ip2region places in it
   * (issue 12 item 3). Larger blocks and IPv6 are the ministry's to declare.
   */
  private checkScopes(actor: Principal | null, scopes: { kind: string; value: string }[]): void {
    for (let i = 0; i < scopes.length; i++) {
      const s = scopes[i];
      const field = `/scopes/${i}/value`;
      const absurd = absurdScope(s.kind, s.value);
      if (absurd) throw validationFailed(field, absurd);
      if (!actor || actor.orgKind !== 'regulator_provincial' || s.kind !== 'cidr') continue;
      const province = actor.provinceCode ?? '';
      const [addr, bits] = ipaddr.parseCIDR(s.value);
      const placed = addr.kind() === 'ipv4' && bits >= MIN_PROVINCIAL_IPV4_BITS && this.enrichIp !== null && sampleIpv4(s.value).every((ip) => this.enrichIp!(ip).province_code === province);
      if (!placed) throw validationFailed(field, `${s.value} is not a resource of province ${province}: ip2region does not place it there (IPv4 blocks of /${MIN_PROVINCIAL_IPV4_BITS} or smaller; the ministry declares the rest)`);
    }
  }

  async create(actor: Principal | null, input: OrganizationCreate, id: string = randomUUID()): Promise<Organization> {
    if (actor) assertCanCreateOrg(actor, input);
    checkProvince(input.kind, input.province_code);
    const scopes = normalizeScopes((input.scopes ?? []) as { kind: ScopeKind; value: string }[]);
    this.checkScopes(actor, scopes);
    const row: Omit<OrgRow, 'created_at' | 'updated_at' | 'version'> = {
      id,
      kind: input.kind,
      name: input.name,
      name_en: input.name_en ?? null,
      short_code: input.short_code,
      province_code: input.province_code ?? null,
      operator: input.operator ?? null,
      parent_id: input.parent_id ?? null,
      responsible_department: input.responsible_department,
      responsible_person: input.responsible_person,
      contacts: input.contacts ?? [],
      is_cii: input.is_cii ?? false,
      is_party_government: input.is_party_government ?? false,
      superior_org_id: input.superior_org_id ?? null,
      categories: input.categories ?? [],
      status: 'active',
    };
    try {
      await this.db.transaction().execute(async (tx) => {
        await orgsRepository.insert(tx, row);
        await orgsRepository.replaceScopes(tx, id, scopes);
        await this.audit.record(tx, actor, {
          action: 'organization.created',
          object_type: 'organization',
          object_id: id,
          province_code: row.province_code,
          data: { kind: row.kind, name: row.name, short_code: row.short_code, scopes: scopes.length },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Problem('conflict', `Short code "${input.short_code}" is taken`, { field: '/short_code' });
      if ((err as { code?: string }).code === '23503') throw validationFailed('/parent_id', 'A referenced organization does not exist');
      throw err;
    }
    this.generation++;
    return this.view(actor, id);
  }

  /**
   * One organization as its reader may see it: contacts and scopes only for those entitled
   * (orgs.policy.ts), and that read is in the audit log (Art. 12), the organization's own included.
   */
  async get(actor: Principal | null, id: string): Promise<Organization> {
    const view = await this.view(actor, id);
    if (actor && canSeeOrgDetails(actor, view)) {
      await this.audit.recordRead(actor, new RestrictedRead('organization.get', 'organization', id, view.province_code).add(id, restrictedFieldsPresent('organization', view)).entry());
    }
    return view;
  }

  /** Who an organization is (name, kind, province): nothing classified, so no read entry. */
  async summary(id: string): Promise<OrganizationSummary> {
    const org = await orgsRepository.get(this.db, id);
    if (!org) throw notFound('Organization');
    return { id: org.id, kind: org.kind as OrganizationSummary['kind'], name: org.name, name_en: org.name_en, short_code: org.short_code, province_code: org.province_code, status: org.status };
  }

  /** The record as `get` shows it, without a read entry: the answer to a change the writer made. */
  private async view(actor: Principal | null, id: string): Promise<Organization> {
    const org = await orgsRepository.get(this.db, id);
    if (!org) throw notFound('Organization');
    const scopes = await orgsRepository.scopesOf(this.db, [id]);
    return presentOrganization(actor, org, scopes);
  }

  async getRow(id: string): Promise<OrgRow | undefined> {
    return orgsRepository.get(this.db, id);
  }

  async getByShortCode(code: string): Promise<OrgRow | undefined> {
    return orgsRepository.getByShortCode(this.db, code);
  }

  async list(actor: Principal, query: OrgListQuery): Promise<{ items: Organization[]; total: number }> {
    const { items, total } = await orgsRepository.list(this.db, {
      kind: query.kind,
      province_code: query.province_code,
      q: query.q,
      limit: query.limit ?? 100,
      offset: query.offset ?? 0,
    });
    const scopes = await orgsRepository.scopesOf(this.db, items.map((o) => o.id));
    const views = items.map((o) => presentOrganization(actor, o, scopes));
    // One entry for the page, naming the organizations whose contacts or scopes it carried.
    const read = new RestrictedRead('organization.list', 'organization', 'list', listProvince(actor));
    for (const v of views) if (canSeeOrgDetails(actor, v)) read.add(v.id, restrictedFieldsPresent('organization', v));
    await this.audit.recordRead(actor, read.entry());
    return { items: views, total };
  }

  async update(actor: Principal, id: string, patch: OrganizationUpdate): Promise<Organization> {
    const org = await orgsRepository.get(this.db, id);
    if (!org) throw notFound('Organization');
    assertCanUpdateOrg(actor, org);
    if (patch.province_code !== undefined) checkProvince(org.kind, patch.province_code);
    // A provincial administration never moves a unit out of its province (issue 12 item 3).
    if (actor.orgKind === 'regulator_provincial' && patch.province_code !== undefined && patch.province_code !== actor.provinceCode)
      throw forbidden('A provincial administration keeps its units in its own province');
    const { scopes: rawScopes, ...fields } = patch;
    const scopes = rawScopes ? normalizeScopes(rawScopes as { kind: ScopeKind; value: string }[]) : undefined;
    if (scopes) this.checkScopes(actor, scopes);
    await this.db.transaction().execute(async (tx) => {
      await orgsRepository.update(tx, id, fields as Partial<OrgRow>);
      if (scopes) await orgsRepository.replaceScopes(tx, id, scopes);
      await this.audit.record(tx, actor, {
        action: 'organization.updated',
        object_type: 'organization',
        object_id: id,
        province_code: org.province_code,
        data: { fields: Object.keys(fields), scopes: scopes?.length },
      });
    });
    this.generation++;
    return this.view(actor, id);
  }

  async updateContacts(actor: Principal, id: string, patch: ContactsUpdate): Promise<Organization> {
    const org = await orgsRepository.get(this.db, id);
    if (!org) throw notFound('Organization');
    assertCanEditContacts(actor, org);
    if (Object.keys(patch).length === 0) throw validationFailed('', 'Nothing to change');
    await this.db.transaction().execute(async (tx) => {
      await orgsRepository.update(tx, id, patch as Partial<OrgRow>);
      await this.audit.record(tx, actor, {
        action: 'organization.contacts_updated',
        object_type: 'organization',
        object_id: id,
        province_code: org.province_code,
        data: { fields: Object.keys(patch) },
      });
    });
    this.generation++;
    return this.view(actor, id);
  }

  async count(): Promise<number> {
    return (await orgsRepository.list(this.db, { limit: 1, offset: 0 })).total;
  }

  /** The whole directory with scopes, for routing and enrichment caches. */
  async directory(): Promise<{ orgs: OrgRow[]; scopes: { org_id: string; kind: string; value: string }[] }> {
    const [orgs, scopes] = await Promise.all([orgsRepository.all(this.db), orgsRepository.allScopes(this.db)]);
    return { orgs, scopes };
  }
}
