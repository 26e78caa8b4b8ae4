/**
 * A reusable outbox of signed webhooks. Any module enqueues an event inside its own transaction
 * (`enqueue(tx, {org_id, event_type, payload})`), so the event exists if and only if the change
 * committed; `dispatchDue` (run by the scheduler, in any number of processes) claims due
 * deliveries with FOR UPDATE SKIP LOCKED, POSTs them signed with HMAC-SHA256, and retries with
 * exponential backoff. Every attempt is logged.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { forbidden, validationFailed } from '../../lib/problem.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { AuditService } from '../audit/audit.service.js';
import { inJurisdiction } from '../access/access.table.js';
import { hasRole, isNationalRegulator, type Principal } from '../auth/principal.js';
import { DELIVERY_HEADER, EVENT_HEADER, nextAttemptDelayMs, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature.js';
import { webhooksRepository } from './webhooks.repository.js';
import { DELIVERY_FAILED, Egress, endpointProblem, STRICT_EGRESS, type WebhookEgressPolicy } from './webhook-transport.js';

export interface WebhookEvent {
  org_id: string;
  event_type: string;
  payload: unknown;
}

const LEASE_MS = 60_000;
const TIMEOUT_MS = 10_000;

export class WebhooksService {
  /** Called after a commit that enqueued events, to deliver without waiting for the next sweep. */
  onEnqueued: (() => void) | null = null;
  private readonly egress: Egress;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    egress: WebhookEgressPolicy = STRICT_EGRESS,
  ) {
    this.egress = new Egress(egress);
  }

  async enqueue(tx: Executor, e: WebhookEvent): Promise<string> {
    return (await this.enqueueMany(tx, [e]))[0];
  }

  /** Many events in one statement (sweeps). */
  async enqueueMany(tx: Executor, events: WebhookEvent[]): Promise<string[]> {
    const now = this.clock.now();
    const rows = events.map((e) => {
      const event_id = randomUUID();
      return { event_id, org_id: e.org_id, event_type: e.event_type, payload: { id: event_id, type: e.event_type, created_at: now.toISOString(), data: e.payload }, next_attempt_at: now, created_at: now };
    });
    if (rows.length) await webhooksRepository.insertDeliveries(tx, rows);
    return rows.map((r) => r.event_id);
  }

  /** A unit's webhook URL and delivery log: the unit, the ministry, its own province's administration (docs/access.md). */
  private async assertCanRead(actor: Principal, orgId: string): Promise<void> {
    const org = actor.orgId === orgId ? { province_code: actor.provinceCode } : await webhooksRepository.orgProvince(this.db, orgId);
    assertCanManageWebhook(actor, orgId, true, org?.province_code ?? null);
  }

  /**
   * Called by every workflow service once its transaction committed: starts deliveries, and runs
   * what else waits for a commit (the lookup index re-reading relisted indicators).
   */
  kick(): void {
    this.onEnqueued?.();
    for (const f of this.onCommitted) f();
  }

  /** Work that follows a workflow commit (see kick). */
  readonly onCommitted: (() => void)[] = [];

  async setEndpoint(actor: Principal, orgId: string, input: { url: string; secret: string; enabled?: boolean }) {
    assertCanManageWebhook(actor, orgId);
    let u: URL;
    try {
      u = new URL(input.url);
    } catch {
      throw validationFailed('/url', 'not a URL');
    }
    const problem = endpointProblem(u, this.egress.policy);
    if (problem) throw validationFailed('/url', `The endpoint must be ${problem}`);
    await this.db.transaction().execute(async (tx) => {
      await webhooksRepository.upsertEndpoint(tx, { org_id: orgId, url: u.toString(), secret_enc: this.box.seal(input.secret), enabled: input.enabled ?? true, updated_at: this.clock.now() });
      await this.audit.record(tx, actor, { action: 'webhook.endpoint_set', object_type: 'organization', object_id: orgId, data: { url: u.toString(), enabled: input.enabled ?? true } });
    });
    return this.getEndpoint(actor, orgId);
  }

  async getEndpoint(actor: Principal, orgId: string) {
    await this.assertCanRead(actor, orgId);
    const e = await webhooksRepository.endpoint(this.db, orgId);
    return e ? { org_id: e.org_id, url: e.url, enabled: e.enabled, updated_at: new Date(e.updated_at).toISOString() } : null;
  }

  /** The delivery log of an organization, newest first, with each attempt. */
  async deliveries(actor: Principal, orgId: string, limit = 50) {
    await this.assertCanRead(actor, orgId);
    const rows = await webhooksRepository.deliveries(this.db, orgId, limit);
    const attempts = await webhooksRepository.attempts(this.db, rows.map((r) => r.id));
    return rows.map((r) => ({
      id: String(r.id),
      event_id: r.event_id,
      event_type: r.event_type,
      state: r.state,
      attempts: r.attempts,
      next_attempt_at: r.state === 'pending' ? new Date(r.next_attempt_at).toISOString() : null,
      last_status: r.last_status,
      last_error: r.last_error,
      created_at: new Date(r.created_at).toISOString(),
      delivered_at: r.delivered_at ? new Date(r.delivered_at).toISOString() : null,
      log: attempts
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({ attempt: a.attempt, url: a.url, at: new Date(a.at).toISOString(), status: a.status, error: a.error, duration_ms: a.duration_ms })),
    }));
  }

  /** Claim and send due deliveries; returns how many were attempted. Safe in several processes. */
  async dispatchDue(limit = 50): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.db.transaction().execute((tx) => webhooksRepository.claimDue(tx, now, LEASE_MS, limit));
    if (claimed.length === 0) return 0;
    const endpoints = new Map((await webhooksRepository.endpoints(this.db, [...new Set(claimed.map((d) => d.org_id))])).map((e) => [e.org_id, e]));
    await Promise.all(
      claimed.map(async (d) => {
        const ep = endpoints.get(d.org_id);
        if (!ep || !ep.enabled) {
          await webhooksRepository.markNoEndpoint(this.db, d.id);
          return;
        }
        const body = JSON.stringify(d.payload);
        const ts = Math.floor(this.clock.now().getTime() / 1000);
        const started = Date.now();
        let status: number | null = null;
        let error: string | null = null;
        // Redirects are not followed; whatever kept an answer from coming is one message.
        status = await this.egress.post(
          ep.url,
          {
            'content-type': 'application/json',
            'user-agent': 'threatshare-webhook/1',
            [EVENT_HEADER]: d.event_type,
            [DELIVERY_HEADER]: d.event_id,
            [TIMESTAMP_HEADER]: String(ts),
            [SIGNATURE_HEADER]: signWebhook(this.box.open(ep.secret_enc), ts, body),
          },
          body,
          TIMEOUT_MS,
        );
        if (status === null) error = DELIVERY_FAILED;
        else if (status < 200 || status >= 300) error = `HTTP ${status}`;
        const at = this.clock.now();
        const delay = error ? nextAttemptDelayMs(d.attempts) : null;
        await this.db.transaction().execute((tx) =>
          webhooksRepository.recordAttempt(
            tx,
            { delivery_id: d.id, attempt: d.attempts, url: ep.url, at, status, error, duration_ms: Date.now() - started },
            error
              ? { state: delay === null ? 'failed' : 'pending', next_attempt_at: new Date(at.getTime() + (delay ?? 0)), delivered_at: null }
              : { state: 'delivered', next_attempt_at: at, delivered_at: at },
          ),
        );
      }),
    );
    return claimed.length;
  }
}

/** An organization's admin manages its own endpoint; regulators may read any delivery log. */
export function assertCanManageWebhook(p: Principal, orgId: string, read = false, orgProvince: string | null = null): void {
  if (p.orgId === orgId && hasRole(p, 'admin', ...(read ? (['handler'] as const) : []))) return;
  // Issue 12 item 4: a provincial administration reads only its own province's units' webhooks.
  if (read && (isNationalRegulator(p) || (p.orgKind === 'regulator_provincial' && inJurisdiction(p, orgProvince)))) return;
  throw forbidden(read ? 'Only the organization or a regulator sees its webhook deliveries' : 'Only an admin of the organization sets its webhook');
}
