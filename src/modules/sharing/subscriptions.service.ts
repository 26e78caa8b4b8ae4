/**
 * Push to the units' platforms (Art. 6, issue 5): subscriptions of an organization to events
 * (new notices, new indicators in its scope, bulletins), delivered by the server-sent-events stream
 * and, when asked, by the organization's signed webhook through the workflow's outbox
 * (src/modules/webhooks: HMAC-SHA256, retries with backoff, delivery log). There is one webhook
 * mechanism; this module only decides who gets what.
 *
 * Entitlement is decided where an event is produced, per recipient organization: a notice goes to
 * its recipient, a bulletin to its resolved recipients, a new indicator to the unit responsible for
 * it and only up to TLP:AMBER. Payloads go through the confidentiality redaction.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Executor } from '../../db/database.js';
import { notFound, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { WebhookEvent, WebhooksService } from '../webhooks/webhooks.service.js';
import { assertCanManageSubscriptions, assertCanReadSubscription } from './sharing.policy.js';
import { sharingRepository, type StreamEventRow, type SubscriptionRow } from './sharing.repository.js';

export const SUBSCRIBABLE_EVENTS = ['notice.issued', 'indicator.new_in_scope', 'bulletin.sent'] as const;
export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];

/** Indicators per `indicator.new_in_scope` event: a bulk import becomes a few events, not millions. */
const INDICATORS_PER_EVENT = 500;

export interface SubscriptionInput {
  events: string[];
  webhook_url?: string;
  secret?: string;
  webhook?: boolean;
}

export class SubscriptionsService {
  /** Wakes the streams of this process after a commit (other processes poll). */
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly webhooks: WebhooksService,
  ) {}

  async create(p: Principal, orgId: string, input: SubscriptionInput) {
    assertCanManageSubscriptions(p, orgId);
    const events = [...new Set(input.events)];
    if (events.length === 0) throw validationFailed('/events', 'name at least one event');
    events.forEach((e, i) => {
      if (!(SUBSCRIBABLE_EVENTS as readonly string[]).includes(e)) throw validationFailed(`/events/${i}`, `one of ${SUBSCRIBABLE_EVENTS.join(', ')}`);
    });
    if ((input.webhook_url === undefined) !== (input.secret === undefined)) throw validationFailed(input.webhook_url ? '/secret' : '/webhook_url', 'webhook_url and secret go together');
    // The organization's one webhook endpoint (the outbox's) receives every subscribed event.
    if (input.webhook_url && input.secret) await this.webhooks.setEndpoint(p, orgId, { url: input.webhook_url, secret: input.secret });
    const row: SubscriptionRow = { id: randomUUID(), org_id: orgId, events, webhook: Boolean(input.webhook_url) || input.webhook === true, created_at: new Date() };
    await this.db.transaction().execute(async (tx) => {
      await sharingRepository.insertSubscription(tx, row);
      await this.audit.record(tx, p, { action: 'subscription.created', object_type: 'subscription', object_id: row.id, data: { org_id: orgId, events, webhook: row.webhook } });
    });
    return presentSubscription(row);
  }

  async list(p: Principal, orgId: string) {
    assertCanReadSubscription(p, orgId);
    return (await sharingRepository.subscriptionsOf(this.db, orgId)).map(presentSubscription);
  }

  async remove(p: Principal, id: string): Promise<void> {
    const s = await sharingRepository.subscription(this.db, id);
    if (!s) throw notFound('Subscription');
    assertCanManageSubscriptions(p, s.org_id);
    await this.db.transaction().execute(async (tx) => {
      await sharingRepository.disableSubscription(tx, id, new Date());
      await this.audit.record(tx, p, { action: 'subscription.removed', object_type: 'subscription', object_id: id, data: { org_id: s.org_id } });
    });
  }

  async deliveries(p: Principal, id: string, limit = 50) {
    const s = await sharingRepository.subscription(this.db, id);
    if (!s) throw notFound('Subscription');
    assertCanReadSubscription(p, s.org_id);
    return (await sharingRepository.deliveriesOf(this.db, id, limit)).map((d) => ({
      id: String(d.id),
      event_id: d.event_id,
      event_type: d.event_type,
      state: d.state,
      attempts: d.attempts,
      last_status: d.last_status,
      last_error: d.last_error,
      created_at: new Date(d.created_at).toISOString(),
      delivered_at: d.delivered_at ? new Date(d.delivered_at).toISOString() : null,
    }));
  }

  /**
   * Publishes events produced by this module (bulletins, new indicators in scope) inside the
   * producer's transaction: one stream row per subscribed organization, and one outbox delivery
   * per organization whose subscription asks for the webhook.
   */
  async publish(tx: Executor, events: { org_id: string; event_type: SubscribableEvent; payload: unknown }[]): Promise<void> {
    if (events.length === 0) return;
    const wanted = await this.subscribed(tx, events);
    if (wanted.length === 0) return;
    const at = new Date();
    await sharingRepository.appendEvents(tx, wanted.map((w) => w.event), at);
    for (const w of wanted) {
      const hooks = w.subs.filter((s) => s.webhook);
      if (hooks.length === 0) continue;
      const eventId = await this.webhooks.enqueue(tx, w.event);
      await sharingRepository.linkDelivery(tx, hooks.map((s) => s.id), eventId);
    }
  }

  /**
   * Called for every event the workflow puts in the outbox (wired in sharing.ts): a subscribed
   * notice event also goes to the stream and into the subscription's delivery log. The outbox
   * delivers the webhook itself.
   */
  async onOutboxEvent(tx: Executor, e: WebhookEvent, eventId: string): Promise<void> {
    if (e.event_type !== 'notice.issued') return;
    const subs = await sharingRepository.subscribers(tx, e.event_type, [e.org_id]);
    if (subs.length === 0) return;
    await sharingRepository.appendEvents(tx, [{ org_id: e.org_id, event_type: e.event_type, payload: { id: eventId, type: e.event_type, data: e.payload } }], new Date());
    await sharingRepository.linkDelivery(tx, subs.filter((s) => s.webhook).map((s) => s.id), eventId);
  }

  private async subscribed(tx: Executor, events: { org_id: string; event_type: string; payload: unknown }[]) {
    const out: { event: WebhookEvent; subs: SubscriptionRow[] }[] = [];
    const byType = new Map<string, typeof events>();
    for (const e of events) byType.set(e.event_type, [...(byType.get(e.event_type) ?? []), e]);
    for (const [type, list] of byType) {
      const subs = await sharingRepository.subscribers(tx, type, [...new Set(list.map((e) => e.org_id))]);
      for (const e of list) {
        const mine = subs.filter((s) => s.org_id === e.org_id);
        if (mine.length > 0) out.push({ event: { org_id: e.org_id, event_type: e.event_type, payload: e.payload }, subs: mine });
      }
    }
    return out;
  }

  /**
   * The intake hook: new indicators (created in this transaction) in a unit's declared scope, up to
   * TLP:AMBER (the responsible unit's entitlement), grouped per unit.
   */
  readonly onIntake = async (tx: Executor, _report: unknown, indicatorIds: number[]): Promise<void> => {
    // Bulk intake pays one probe of the small subscriptions table when nobody subscribed.
    if (indicatorIds.length === 0 || !(await sharingRepository.anySubscriber(tx, 'indicator.new_in_scope'))) return;
    const rows = await sharingRepository.newInScope(tx, indicatorIds);
    if (rows.length === 0) return;
    const byOrg = new Map<string, typeof rows>();
    for (const r of rows) byOrg.set(r.responsible_org_id, [...(byOrg.get(r.responsible_org_id) ?? []), r]);
    const events: { org_id: string; event_type: SubscribableEvent; payload: unknown }[] = [];
    for (const [org, list] of byOrg) {
      for (let i = 0; i < list.length; i += INDICATORS_PER_EVENT) {
        events.push({
          org_id: org,
          event_type: 'indicator.new_in_scope',
          payload: {
            indicators: list.slice(i, i + INDICATORS_PER_EVENT).map((r) => ({
              id: String(r.id),
              type: r.type,
              // The responsible unit is entitled to the value, personal or not: it is its own resource.
              value: r.value,
              category: r.category,
              subtype: r.subtype,
              tlp: r.tlp,
              first_seen: new Date(r.first_seen).toISOString(),
              valid_until: r.valid_until ? new Date(r.valid_until).toISOString() : null,
            })),
          },
        });
      }
    }
    await this.publish(tx, events);
  };

  // ---- the server-sent-events stream ------------------------------------------------------------

  onCommitted(): void {
    for (const l of this.listeners) l();
    this.webhooks.kick();
  }

  listen(wake: () => void): () => void {
    this.listeners.add(wake);
    return () => this.listeners.delete(wake);
  }

  /** Where a new stream starts when it has no Last-Event-ID: now (it only sees what follows). */
  async streamStart(): Promise<number> {
    return sharingRepository.headSeq(this.db);
  }

  async eventsAfter(p: Principal, afterSeq: number, limit = 100): Promise<StreamEventRow[]> {
    return sharingRepository.eventsAfter(this.db, p.orgId, afterSeq, limit);
  }

  /** Only an organization with a subscription has a stream. */
  async assertCanStream(p: Principal): Promise<void> {
    assertCanReadSubscription(p, p.orgId);
  }
}

export function presentSubscription(s: SubscriptionRow) {
  return { id: s.id, org_id: s.org_id, events: s.events, webhook: s.webhook, created_at: new Date(s.created_at).toISOString() };
}
