/**
 * The organization directory as the workflow needs it: names for documents, institutions for
 * assignment, and the routing index (routing.ts). Rebuilt when `OrgsService.generation` changes
 * (this process changed an organization) and at most every `maxAgeMs` (another process did).
 * Every method takes the executor to read with: inside a transaction, the transaction (PGlite has
 * one session, so reading outside it would wait for it forever).
 */
import type { Executor } from '../../db/database.js';
import type { OrgsService } from '../orgs/orgs.service.js';
import { orgsRepository, type OrgRow } from '../orgs/orgs.repository.js';
import { buildRoutingDirectory, type RoutingDirectory, type RoutingOrganization } from './routing.js';

export class DirectoryCache {
  private generation = -1;
  private loadedAt = 0;
  private byIdMap = new Map<string, OrgRow>();
  private routingDir: RoutingDirectory | null = null;

  constructor(
    private readonly orgs: OrgsService,
    private readonly maxAgeMs = 30_000,
  ) {}

  private async fresh(ex: Executor): Promise<void> {
    if (this.generation === this.orgs.generation && Date.now() - this.loadedAt < this.maxAgeMs) return;
    const generation = this.orgs.generation;
    const [orgs, scopes] = [await orgsRepository.all(ex), await orgsRepository.allScopes(ex)];
    const scopesOf = new Map<string, { cidr: string[]; asn: number[]; domain_suffix: string[] }>();
    for (const s of scopes) {
      let sc = scopesOf.get(s.org_id);
      if (!sc) scopesOf.set(s.org_id, (sc = { cidr: [], asn: [], domain_suffix: [] }));
      if (s.kind === 'cidr') sc.cidr.push(s.value);
      else if (s.kind === 'asn') sc.asn.push(Number(String(s.value).replace(/^AS/i, '')));
      else if (s.kind === 'domain_suffix') sc.domain_suffix.push(s.value);
    }
    this.byIdMap = new Map(orgs.map((o) => [o.id, o]));
    this.routingDir = buildRoutingDirectory(
      orgs.filter((o) => o.status === 'active').map((o) => ({ org_id: o.id, kind: o.kind, province_code: o.province_code, operator: o.operator, scopes: scopesOf.get(o.id) })),
    );
    this.generation = generation;
    this.loadedAt = Date.now();
  }

  async org(ex: Executor, id: string): Promise<OrgRow | undefined> {
    await this.fresh(ex);
    let o = this.byIdMap.get(id);
    if (!o) {
      // Registered by another process since the last load.
      this.loadedAt = 0;
      await this.fresh(ex);
      o = this.byIdMap.get(id);
    }
    return o;
  }

  async all(ex: Executor): Promise<OrgRow[]> {
    await this.fresh(ex);
    return [...this.byIdMap.values()];
  }

  async routing(ex: Executor): Promise<RoutingDirectory> {
    await this.fresh(ex);
    return this.routingDir!;
  }
}
