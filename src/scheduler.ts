/**
 * Scheduled sweeps inside `serve`: deadlines (overdue → enforcement), reminders, late written
 * notices after a phone call, and webhook delivery. Each sweep claims its rows with
 * FOR UPDATE SKIP LOCKED, so any number of server processes on one PostgreSQL can run them at
 * once without doing anything twice (PGlite is one process anyway).
 */
import type { NoticesService } from './modules/notices/notices.service.js';
import type { WebhooksService } from './modules/webhooks/webhooks.service.js';

export interface SweepCounts {
  overdue: number;
  reminders: number;
  late_written: number;
  webhooks: number;
}

const BATCH = 500;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepCounts> | null = null;
  private deliveryQueued = false;

  constructor(
    private readonly notices: NoticesService,
    private readonly webhooks: WebhooksService,
    private readonly intervalMs: number,
    private readonly log: { error(obj: object, msg: string): void } = console,
  ) {}

  /** Every sweep until nothing is due (each batch its own transaction). */
  runOnce(): Promise<SweepCounts> {
    this.running ??= (async () => {
      const counts: SweepCounts = { overdue: 0, reminders: 0, late_written: 0, webhooks: 0 };
      try {
        for (let n = BATCH; n === BATCH; ) counts.overdue += n = await this.notices.sweepDeadlines(BATCH);
        for (let n = BATCH; n === BATCH; ) counts.reminders += n = await this.notices.sweepReminders(BATCH);
        for (let n = BATCH; n === BATCH; ) counts.late_written += n = await this.notices.sweepLateWritten(BATCH);
        counts.webhooks = await this.deliverAll();
      } finally {
        this.running = null;
      }
      return counts;
    })();
    return this.running;
  }

  async deliverAll(): Promise<number> {
    let total = 0;
    for (let n = 50; n === 50; ) total += n = await this.webhooks.dispatchDue(50);
    return total;
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce().catch((err) => this.log.error({ err }, 'scheduled sweep failed'));
    }, this.intervalMs);
    this.timer.unref();
    // New events go out at once rather than at the next tick.
    this.webhooks.onEnqueued = () => {
      if (this.deliveryQueued) return;
      this.deliveryQueued = true;
      setImmediate(() => {
        this.deliveryQueued = false;
        this.deliverAll().catch((err) => this.log.error({ err }, 'webhook delivery failed'));
      });
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.webhooks.onEnqueued = null;
    await this.running?.catch(() => undefined);
  }
}
