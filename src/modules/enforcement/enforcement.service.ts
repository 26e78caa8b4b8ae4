/**
 * Escalation and penalties (Art. 13): a notice past its deadline without an accepted result opens
 * an enforcement case (inside the deadline sweep's transaction). The regulator may hold an
 * interview (约谈), order rectification, and decide a penalty under the Cybersecurity Law as in
 * force on the date of the conduct, refused outside the statutory range; the penalty decision is
 * itself a signed notice to the unit.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { notFound, validationFailed } from '../../lib/problem.js';
import { transitionOrThrow } from '../../lib/state-machine.js';
import type { AuditService } from '../audit/audit.service.js';
import { isRegulator, provinceFilter, type Principal } from '../auth/principal.js';
import type { DirectoryCache } from '../decisions/directory-cache.js';
import { noticesRepository, type NoticeRow } from '../notices/notices.repository.js';
import type { NoticesService } from '../notices/notices.service.js';
import { listProvince, RestrictedRead } from '../access/confidentiality.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { enforcementMachine, type EnforcementEvent, type EnforcementState } from './enforcement-state.js';
import { assertCanEnforce, canSeeEnforcement } from './enforcement.policy.js';
import { enforcementRepository, type EnforcementRow } from './enforcement.repository.js';
import { interviewProvisionFor, toChinaDate, validatePenalty } from './legal-basis.js';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface PenaltyDecisionInput {
  provision: string;
  tier: string;
  kind: string;
  conduct_date?: string;
  unit_amount?: number;
  person_amount?: number;
  person_name?: string;
  reasons?: string;
}

export class EnforcementService {
  /** Set by the container: closes the threat case when its notices have all ended. */
  onSettled: ((tx: Executor, caseId: string, actor: Principal | null) => Promise<void>) | null = null;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly notices: NoticesService,
    private readonly directory: DirectoryCache,
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
  ) {}

  /** Notices hook (deadline sweep): one enforcement case per overdue handling notice, set-based. */
  readonly openForOverdue = async (tx: Executor, notices: NoticeRow[], now: Date): Promise<void> => {
    const due = notices.filter((n) => n.kind === 'handling_notice' && n.requires_result && !n.enforcement_case_id);
    if (due.length === 0) return;
    const rows: EnforcementRow[] = due.map((n) => ({
      id: randomUUID(),
      notice_id: n.id,
      case_id: n.case_id,
      org_id: n.recipient_org_id,
      province_code: n.province_code,
      state: 'opened',
      penalty_notice_id: null,
      opened_at: now,
      closed_at: null,
      updated_at: now,
    }));
    await enforcementRepository.insertMany(tx, rows);
    await sql`UPDATE notices n SET enforcement_case_id = v.eid FROM unnest(${rows.map((r) => r.notice_id)}::uuid[], ${rows.map((r) => r.id)}::uuid[]) AS v(nid, eid) WHERE n.id = v.nid`.execute(tx);
    const byNotice = new Map(due.map((n) => [n.id, n]));
    for (const r of rows) byNotice.get(r.notice_id)!.enforcement_case_id = r.id;
    await this.audit.recordMany(tx, null, rows.map((r) => ({ action: 'enforcement.opened', object_type: 'enforcement_case', object_id: r.id, province_code: r.province_code, data: { notice_id: r.notice_id, org_id: r.org_id, deadline: iso(byNotice.get(r.notice_id)!.deadline) } })));
    for (const caseId of new Set(due.map((n) => n.case_id).filter((x): x is string => !!x))) await this.onSettled?.(tx, caseId, null);
  };

  private async load(actor: Principal, id: string): Promise<EnforcementRow> {
    const e = await enforcementRepository.get(this.db, id);
    if (!e || !canSeeEnforcement(actor, e)) throw notFound('Enforcement case');
    return e;
  }

  private async present(e: EnforcementRow, ex: Executor = this.db) {
    const actions = await enforcementRepository.actions(ex, e.id);
    return {
      id: e.id,
      state: e.state,
      allowed_events: enforcementMachine.allowed(e.state as EnforcementState),
      notice_id: e.notice_id,
      case_id: e.case_id,
      org_id: e.org_id,
      province_code: e.province_code,
      penalty_notice_id: e.penalty_notice_id,
      opened_at: iso(e.opened_at)!,
      closed_at: iso(e.closed_at),
      actions: actions.map((a) => ({ id: a.id, kind: a.kind, data: a.data, actor_org_id: a.actor_org_id, at: iso(a.at)! })),
    };
  }

  /** Its actions name people (the person directly responsible, an interview's participants): a restricted read (Art. 12). */
  async get(actor: Principal, id: string) {
    const view = await this.present(await this.load(actor, id));
    await this.audit.recordRead(actor, new RestrictedRead('enforcement.get', 'enforcement_case', id, view.province_code).add(id, enforcementRestrictedFields(view.actions)).entry());
    return view;
  }

  async list(actor: Principal, q: { state?: string; limit?: number; offset?: number }) {
    const f: Parameters<typeof enforcementRepository.list>[1] = { state: q.state, limit: q.limit ?? 50, offset: q.offset ?? 0 };
    const pf = provinceFilter(actor);
    if (pf) f.province_code = pf;
    else if (!isRegulator(actor)) f.org_id = actor.orgId;
    const rows = await enforcementRepository.list(this.db, f);
    const items = await Promise.all(rows.map((r) => this.present(r)));
    const read = new RestrictedRead('enforcement.list', 'enforcement_case', 'list', listProvince(actor));
    for (const item of items) read.add(item.id, enforcementRestrictedFields(item.actions));
    await this.audit.recordRead(actor, read.entry());
    return { items };
  }

  /** One enforcement step: policy, state machine, action record, audit, in one transaction. */
  private async step(actor: Principal, id: string, event: EnforcementEvent, kind: string, data: Record<string, unknown>, extra?: (tx: Executor, e: EnforcementRow, now: Date) => Promise<Partial<EnforcementRow>>) {
    await this.load(actor, id);
    const out = await this.db.transaction().execute(async (tx) => {
      const e = (await enforcementRepository.get(tx, id, true))!;
      assertCanEnforce(actor, e);
      const to = transitionOrThrow(enforcementMachine, `Enforcement case ${id}`, e.state as EnforcementState, event);
      const now = this.clock.now();
      const patch: Partial<EnforcementRow> = { ...(extra ? await extra(tx, e, now) : {}), state: to, updated_at: now };
      if (to === 'closed' || to === 'dismissed') patch.closed_at = now;
      await enforcementRepository.update(tx, id, patch);
      await enforcementRepository.insertAction(tx, { id: randomUUID(), enforcement_case_id: id, kind, data: { ...data, ...(patch.penalty_notice_id ? { penalty_notice_id: patch.penalty_notice_id } : {}) }, actor_org_id: actor.orgId, at: now });
      await this.audit.record(tx, actor, { action: `enforcement.${event}`, object_type: 'enforcement_case', object_id: id, province_code: e.province_code, data: { from: e.state, to, ...data } });
      return this.present({ ...e, ...patch } as EnforcementRow, tx);
    });
    this.webhooks.kick();
    return out;
  }

  /** 约谈 (CSL Art. 56): who met, when, what was said. */
  holdInterview(actor: Principal, id: string, input: { held_at: string; participants: string[]; summary: string }) {
    return this.step(actor, id, 'hold_interview', 'interview', { ...input, legal_basis: interviewProvisionFor(input.held_at) });
  }

  orderRectification(actor: Principal, id: string, input: { requirements: string; due_date: string }) {
    return this.step(actor, id, 'order_rectification', 'rectification_order', input, async (tx, e) => {
      await this.webhooks.enqueue(tx, { org_id: e.org_id, event_type: 'enforcement.rectification_ordered', payload: { enforcement_case_id: e.id, ...input } });
      return {};
    });
  }

  /** The penalty decision: validated against the statute in force at the conduct date, signed, sent. */
  decidePenalty(actor: Principal, id: string, input: PenaltyDecisionInput) {
    return this.step(actor, id, 'decide_penalty', 'penalty', { ...input }, async (tx, e) => {
      const notice = await noticesRepository.get(tx, e.notice_id);
      const unit = await this.directory.org(tx, e.org_id);
      const conduct_date = input.conduct_date ?? toChinaDate(notice?.overdue_at ?? notice?.deadline ?? this.clock.now())!;
      const is_cii = unit?.is_cii ?? false;
      const check = validatePenalty({ conduct_date, basis: input.provision, tier: input.tier, kind: input.kind, is_cii, unit_amount: input.unit_amount, person_amount: input.person_amount });
      if (!check.ok) throw validationFailed(`/${check.field === 'basis' ? 'provision' : check.field}`, check.message);
      const doc = await this.notices.issueInTx(tx, actor, {
        kind: 'penalty_decision',
        issuer_org_id: actor.orgId,
        recipient_org_id: e.org_id,
        province_code: e.province_code,
        case_id: e.case_id,
        enforcement_case_id: e.id,
        references: notice ? { notice_id: notice.id, version: notice.version } : null,
        reasons: input.reasons ?? null,
        penalty: { provision: input.provision, tier: input.tier, kind: input.kind, conduct_date, is_cii, unit_amount: input.unit_amount ?? 0, person_amount: input.person_amount ?? 0, person_name: input.person_name ?? null },
      });
      return { penalty_notice_id: doc.id };
    });
  }

  dismiss(actor: Principal, id: string, reasons: string) {
    return this.step(actor, id, 'dismiss', 'dismissal', { reasons });
  }

  close(actor: Principal, id: string, reasons: string) {
    return this.step(actor, id, 'close', 'closure', { reasons });
  }

  /** Appeal withdrew the finding: open enforcement cases end; a decided penalty is withdrawn with it. */
  async endForWithdrawnFinding(tx: Executor, actor: Principal | null, caseId: string, reasons: string): Promise<void> {
    const now = this.clock.now();
    for (const e of await enforcementRepository.ofCase(tx, caseId)) {
      const event: EnforcementEvent | null = enforcementMachine.next(e.state as EnforcementState, 'dismiss').ok ? 'dismiss' : enforcementMachine.next(e.state as EnforcementState, 'close').ok ? 'close' : null;
      if (!event) continue;
      const to = transitionOrThrow(enforcementMachine, `Enforcement case ${e.id}`, e.state as EnforcementState, event);
      await enforcementRepository.update(tx, e.id, { state: to, closed_at: now, updated_at: now });
      await enforcementRepository.insertAction(tx, { id: randomUUID(), enforcement_case_id: e.id, kind: 'withdrawal', data: { reasons }, actor_org_id: actor?.orgId ?? e.org_id, at: now });
      await this.audit.record(tx, actor, { action: `enforcement.${event}`, object_type: 'enforcement_case', object_id: e.id, province_code: e.province_code, data: { from: e.state, to, reasons, cause: 'finding_withdrawn' } });
    }
  }
}

/** The people an enforcement case's actions name: personal information, by field name only. */
function enforcementRestrictedFields(actions: readonly { kind: string; data: unknown }[]): string[] {
  const fields = new Set<string>();
  for (const a of actions) {
    const d = (a.data ?? {}) as { person_name?: unknown; participants?: unknown };
    if (typeof d.person_name === 'string' && d.person_name !== '') fields.add('actions.person_name');
    if (Array.isArray(d.participants) && d.participants.length > 0) fields.add('actions.participants');
  }
  return [...fields];
}
