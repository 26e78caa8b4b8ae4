/**
 * The retention sweep (issue 15): removes what is past its period as set operations, batch after
 * batch, each batch one transaction with its audit entry.
 *
 * - The audit log loses the prefix of its chain older than AUDIT_RETENTION_DAYS
 *   (AuditService.retire): verification then starts from a base the chain itself records.
 * - Sightings go once every case holding their report has been over for SIGHTING_RETENTION_DAYS;
 *   the values those sightings linked to the case are relisted in the same transaction (the
 *   listing rule reads sightings: a value whose only case ended long ago stops being blocked on
 *   its account) and every channel sees the change at its next generation.
 */
import type { Db } from '../../db/database.js';
import type { AuditService, RetireResult } from '../audit/audit.service.js';
import type { ListingService } from '../indicators/listing.service.js';
import { cutoffOf, retentionPeriodProblem, type RetentionPeriods } from './retention-policy.js';
import { retentionRepository } from './retention.repository.js';

export interface SightingsRetired {
  cases: number;
  reports: number;
  /** Sightings removed: single rows plus every value of the ranges removed. */
  sightings: number;
  /** Values whose listing changed. */
  relisted: number;
}

export interface SweepResult {
  audit: RetireResult | null;
  sightings: SightingsRetired | null;
}

/** Cases per transaction: a bulk import's case alone may hold a million values. */
const CASES_PER_BATCH = 100;

export class RetentionService {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly listing: ListingService,
    readonly periods: RetentionPeriods,
  ) {
    const problem = retentionPeriodProblem(periods);
    if (problem) throw new Error(problem);
  }

  /** One sweep of both; `now` is a parameter so tests can move time. */
  async sweep(now = new Date()): Promise<SweepResult> {
    const auditCutoff = cutoffOf(now, this.periods.audit_days);
    const sightingCutoff = cutoffOf(now, this.periods.sighting_days);
    const sightings = sightingCutoff ? await this.retireSightings(sightingCutoff) : null;
    // The log last, so the entries the sightings' batches just wrote are within its period.
    const audit = auditCutoff ? await this.audit.retire(auditCutoff, { period_days: this.periods.audit_days }) : null;
    return { audit, sightings };
  }

  async retireSightings(cutoff: Date, casesPerBatch = CASES_PER_BATCH): Promise<SightingsRetired> {
    const total: SightingsRetired = { cases: 0, reports: 0, sightings: 0, relisted: 0 };
    for (;;) {
      const done = await this.db.transaction().execute(async (tx) => {
        const cases = await retentionRepository.retirableCases(tx, cutoff, casesPerBatch);
        if (cases.length === 0) return null;
        const reports = await retentionRepository.retirableReports(tx, cases, cutoff);
        const values = await retentionRepository.valuesOfReports(tx, reports);
        const removed = await retentionRepository.removeSightings(tx, reports);
        await retentionRepository.markRetired(tx, cases, new Date());
        const relisted = await this.listing.relist(tx, values);
        const b = { cases: cases.length, reports: reports.length, sightings: removed.rows + removed.ranged_sightings, relisted: relisted.length };
        await this.audit.record(tx, null, {
          action: 'sightings.retired',
          object_type: 'cases',
          object_id: 'retention',
          data: { case_ids: cases, ...b, ranges: removed.ranges, cutoff: cutoff.toISOString(), period_days: this.periods.sighting_days },
        });
        return b;
      });
      if (!done) return total;
      total.cases += done.cases;
      total.reports += done.reports;
      total.sightings += done.sightings;
      total.relisted += done.relisted;
      if (done.cases < casesPerBatch) return total;
    }
  }

  /** Sweeps every `intervalMs`; `afterAudit` runs when the log lost entries (serve writes a checkpoint). */
  start(intervalMs: number, afterAudit?: () => Promise<unknown>, log: { error(obj: object, msg: string): void } = console): void {
    if (this.timer || !(intervalMs > 0)) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.sweep()
        .then(async (r) => {
          if (r.audit && r.audit.removed > 0) await afterAudit?.();
        })
        .catch((err) => log.error({ err }, 'retention sweep failed'))
        .finally(() => {
          this.running = false;
        });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
