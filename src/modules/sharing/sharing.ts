/**
 * Sharing's part of the composition root (Art. 6, 11, 12): builds its services once, hooks them
 * into intake and into the workflow's webhook outbox, runs the expiry sweep, and registers the
 * routes. container.ts and app.ts each call one function here.
 */
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle, Executor } from '../../db/database.js';
import type { AuditService } from '../audit/audit.service.js';
import type { IndicatorsService } from '../indicators/indicators.service.js';
import type { ReportsService } from '../reports/reports.service.js';
import type { WebhookEvent, WebhooksService } from '../webhooks/webhooks.service.js';
import { BulletinsService } from './bulletins.service.js';
import { FeedsService } from './feeds.service.js';
import { ReleasesService } from './releases.service.js';
import { sharingRoutes as registerSharingRoutes } from './sharing.routes.js';
import { SubscriptionsService } from './subscriptions.service.js';

export interface Sharing {
  feeds: FeedsService;
  bulletins: BulletinsService;
  releases: ReleasesService;
  subscriptions: SubscriptionsService;
  publicUrl: string;
  /** Starts the expiry sweep and the exclusion-list refresh (every `expirySweepMs`); idempotent. */
  start(): void;
  stop(): void;
}

export async function createSharing(
  deps: { handle: DatabaseHandle; audit: AuditService; indicators: IndicatorsService; reports: ReportsService; webhooks: WebhooksService; publicUrl: string },
  options: { expirySweepMs?: number } = {},
): Promise<Sharing> {
  const db = deps.handle.db;
  const feeds = new FeedsService(deps.handle, deps.audit, deps.indicators);
  const subscriptions = new SubscriptionsService(db, deps.audit, deps.webhooks);
  const bulletins = new BulletinsService(db, deps.audit, subscriptions);
  const releases = new ReleasesService(db, deps.audit);
  deps.reports.intakeHooks.push(subscriptions.onIntake);
  // Every event the workflow puts in the outbox passes by here, inside its transaction, so a
  // subscribed notice also reaches the stream and the subscription's delivery log. (A hook list on
  // WebhooksService would be the tidier seam; this decorates the one instance the container built.)
  const enqueue = deps.webhooks.enqueue.bind(deps.webhooks);
  deps.webhooks.enqueue = async (tx: Executor, e: WebhookEvent) => {
    const eventId = await enqueue(tx, e);
    await subscriptions.onOutboxEvent(tx, e, eventId);
    return eventId;
  };
  await feeds.loadExclusions();

  const sweepMs = options.expirySweepMs ?? Number(process.env.THREATSHARE_EXPIRY_SWEEP_MS ?? 60_000);
  let timer: NodeJS.Timeout | null = null;
  let sweeping = false;
  return {
    feeds,
    bulletins,
    releases,
    subscriptions,
    publicUrl: deps.publicUrl.replace(/\/$/, ''),
    start() {
      if (timer || !(sweepMs > 0)) return;
      timer = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        // Also re-read the exclusion list, which another process may have changed, for intake here.
        void Promise.all([feeds.sweepExpired(), feeds.loadExclusions()])
          .catch(() => undefined)
          .finally(() => {
            sweeping = false;
          });
      }, sweepMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

export function sharingRoutes(app: FastifyInstance, s: Sharing): void {
  registerSharingRoutes(app, s);
}
