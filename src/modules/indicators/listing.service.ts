/**
 * Keeps each indicator's listing (listing.ts) true to its cases and notices, inside the
 * transaction of the change that moves it: a case transition, a report joining a case, a notice
 * issued, suspended, resumed or withdrawn, a regulator trusting a reporter. Every blocking channel
 * reads the column, so each sees the change at its next generation.
 */
import type { Db, Executor } from '../../db/database.js';
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

  constructor(private readonly db: Db) {}

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
  readonly onIntake = async (tx: Executor, report: { org_id: string; source: string; self_handled: boolean }, indicatorIds: number[]): Promise<void> => {
    if (report.self_handled || indicatorIds.length === 0) return;
    if (report.source === 'bulk' || report.source === 'cli') {
      const trusted = await listingRepository.isTrustedReporter(tx, report.org_id);
      const changed = await listingRepository.listFresh(tx, indicatorIds, trusted ? 'provisional' : 'reported');
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

  isTrustedReporter(orgId: string): Promise<boolean> {
    return listingRepository.isTrustedReporter(this.db, orgId);
  }
}
