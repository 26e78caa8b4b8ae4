/**
 * Keeps each indicator's listing (listing.ts) true to its cases and notices, inside the
 * transaction of the change that moves it: a case transition, a report joining a case, a notice
 * issued, suspended, resumed or withdrawn, a regulator trusting a reporter. Every blocking channel
 * reads the column, so each sees the change at its next generation.
 */
import type { Db, Executor } from '../../db/database.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { assertCanUpdateOrg } from '../orgs/orgs.policy.js';
import type { OrgRow } from '../orgs/orgs.repository.js';
import type { CaseState } from '../identification/case-state.js';
import { caseTransitionMayRelist, isOrderInForce } from './listing.js';
import { listingRepository } from './listing.repository.js';

export interface NoticeOrderFacts {
  id: string;
  kind: string;
  state: string;
  recipient_org_id: string;
  targets: unknown;
}

export class ListingService {
  /** Called with the ids whose listing changed (e.g. to refresh an in-memory lookup index). */
  readonly onRelisted: ((ids: number[]) => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  async relist(tx: Executor, ids: readonly number[]): Promise<number[]> {
    const changed = await listingRepository.relist(tx, ids);
    if (changed.length) for (const f of this.onRelisted) f(changed);
    return changed;
  }

  /** A case transition: relists the case's values when the transition crosses the rule's groups. */
  readonly onCaseTransition = async (tx: Executor, caseId: string, from: CaseState, to: CaseState): Promise<void> => {
    if (!caseTransitionMayRelist(from, to)) return;
    await this.relist(tx, await listingRepository.idsOfCase(tx, caseId));
  };

  /**
   * A report taken in (after the identification hook opened or joined its case). A bulk import
   * opens a case of its own, still open, so its values can only be reported or provisional: one
   * set operation. A single report may have joined a confirmed case: its few values are relisted.
   */
  readonly onIntake = async (
    tx: Executor,
    report: { org_id: string; source: string; self_handled: boolean },
    indicatorIds: number[],
    storedBefore?: number[],
  ): Promise<void> => {
    if (report.self_handled || indicatorIds.length === 0) return;
    if (report.source === 'bulk' || report.source === 'cli') {
      const trusted = await listingRepository.isTrustedReporter(tx, report.org_id);
      // Values this import wrote are 'reported' already (the column's default): for an untrusted
      // reporter only those stored before can change (a lifted one is reported again), and not
      // reading a million new rows back is a sixth of a bulk import's time (issue 15).
      const candidates = trusted ? indicatorIds : (storedBefore ?? indicatorIds);
      const changed = await listingRepository.listFresh(tx, candidates, trusted ? 'provisional' : 'reported');
      if (changed.length) for (const f of this.onRelisted) f(changed);
      return;
    }
    await this.relist(tx, indicatorIds);
  };

  /** A notice inserted or moved: its orders are in force exactly while the measure is. */
  readonly onNoticeChanged = async (tx: Executor, n: NoticeOrderFacts): Promise<void> => {
    if (n.kind !== 'handling_notice') return;
    const targets = Array.isArray(n.targets) ? (n.targets as { type: string; value: string }[]) : [];
    if (isOrderInForce(n.kind, n.state)) {
      const ids = await listingRepository.idsOfTargets(tx, targets);
      await listingRepository.putOrders(tx, n.id, n.recipient_org_id, ids);
      await this.relist(tx, ids);
    } else {
      await this.relist(tx, await listingRepository.liftOrders(tx, n.id));
    }
  };

  /** A regulator trusts (or stops trusting) a unit's reports for provisional listing. */
  async setTrustedReporter(tx: Executor, orgId: string, trusted: boolean): Promise<number[]> {
    await listingRepository.setTrustedReporter(tx, orgId, trusted);
    return this.relist(tx, await listingRepository.idsReportedBy(tx, orgId));
  }

  /**
   * A regulator's decision to list a unit's reports provisionally (or to stop): the regulator that
   * may change the unit decides (the ministry, or the unit's provincial administration), audited.
   */
  async decideTrust(actor: Principal, org: Pick<OrgRow, 'id' | 'kind' | 'province_code'>, trusted: boolean): Promise<{ org_id: string; provisional_listing: boolean; relisted: number }> {
    assertCanUpdateOrg(actor, org as OrgRow);
    const changed = await this.db.transaction().execute(async (tx) => {
      const ids = await this.setTrustedReporter(tx, org.id, trusted);
      await this.audit.record(tx, actor, { action: trusted ? 'organization.provisional_listing_granted' : 'organization.provisional_listing_revoked', object_type: 'organization', object_id: org.id, province_code: org.province_code, data: { relisted: ids.length } });
      return ids;
    });
    return { org_id: org.id, provisional_listing: trusted, relisted: changed.length };
  }

  isTrustedReporter(orgId: string): Promise<boolean> {
    return listingRepository.isTrustedReporter(this.db, orgId);
  }
}
