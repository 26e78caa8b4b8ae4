/**
 * Appeals (复核, Art. 10): the resource holder, a noticed unit or a reporter asks for review of an
 * identification or a measure within the configured period. The review goes to a different
 * institution (never the one that identified, a reporter, or the appellant); its outcome upholds,
 * changes or withdraws the finding, and a withdrawal withdraws every notice that came from it
 * (each with a signed withdrawal or restoration document) and ends its enforcement cases.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { conflict, forbidden, notFound, validationFailed } from '../../lib/problem.js';
import { transitionOrThrow } from '../../lib/state-machine.js';
import type { AuditService } from '../audit/audit.service.js';
import { hasRole, type Principal } from '../auth/principal.js';
import { assertCanDecide } from '../decisions/decisions.policy.js';
import type { DirectoryCache } from '../decisions/directory-cache.js';
import { chooseInstitution } from '../identification/assignment.js';
import type { CaseState } from '../identification/case-state.js';
import { identificationRepository, type CaseRow } from '../identification/identification.repository.js';
import type { IdentificationService } from '../identification/identification.service.js';
import type { NoticesService } from '../notices/notices.service.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { appealEventForOutcome, appealMachine, appealOutcomeEffects, canAppeal, checkReviewer, reviewerExclusions, type AppealOutcome, type AppealState } from './appeal-state.js';
import { assertIsReviewer, canSeeAppeal } from './enforcement.policy.js';
import { enforcementRepository, type AppealRow } from './enforcement.repository.js';
import type { EnforcementService } from './enforcement.service.js';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

function presentAppeal(a: AppealRow) {
  return {
    id: a.id,
    case_id: a.case_id,
    appellant_org_id: a.appellant_org_id,
    role: a.role,
    subject: a.subject,
    state: a.state,
    allowed_events: appealMachine.allowed(a.state as AppealState),
    reasons: a.reasons,
    reviewer_org_id: a.reviewer_org_id,
    outcome: a.outcome,
    outcome_reasons: a.outcome_reasons,
    period_ends_at: iso(a.period_ends_at)!,
    created_at: iso(a.created_at)!,
    decided_at: iso(a.decided_at),
  };
}

export class AppealsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly cases: IdentificationService,
    private readonly notices: NoticesService,
    private readonly enforcement: EnforcementService,
    private readonly directory: DirectoryCache,
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
    private readonly periodDays: number,
  ) {}

  private async parties(tx: Executor, c: CaseRow) {
    const reports = await identificationRepository.reportsOf(tx, c.id);
    const holders = new Set<string>();
    for (const r of reports) {
      const a = (typeof r.affected_party === 'string' ? JSON.parse(r.affected_party) : r.affected_party) as { org_id?: string } | null;
      if (a?.org_id) holders.add(a.org_id);
    }
    const notices = (await this.notices.ofCase(c.id, tx)).filter((n) => n.issued_at);
    const identifications = await identificationRepository.identificationsOf(tx, c.id);
    return {
      resource_holder_org_ids: [...holders],
      noticed_units: notices.map((n) => ({ org_id: n.recipient_org_id, notified_at: new Date(n.issued_at!) })),
      identifying_org_ids: [...new Set(identifications.filter((i) => i.verdict !== 'info_provided').map((i) => i.institution_org_id))],
    };
  }

  /** Ask for review; assigned at once to a different institution when one is eligible. */
  async submit(actor: Principal, caseId: string, input: { reasons: string }) {
    const c0 = await this.cases.getRow(caseId);
    if (!c0) throw notFound('Case');
    if (!hasRole(actor, 'admin', 'handler', 'reporter', 'analyst')) throw forbidden('Appealing needs the admin, handler or reporter role');
    const out = await this.db.transaction().execute(async (tx) => {
      const c = (await this.cases.getRow(caseId, tx))!;
      const p = await this.parties(tx, c);
      const open = (await enforcementRepository.appealsOfCase(tx, caseId)).filter((a) => a.state === 'submitted' || a.state === 'under_review').map((a) => a.appellant_org_id);
      const can = canAppeal({
        appellant_org_id: actor.orgId,
        threat_case: { state: c.state as CaseState, finding_at: new Date(c.identified_at ?? c.opened_at), reporting_org_ids: c.reporting_org_ids, resource_holder_org_ids: p.resource_holder_org_ids, noticed_units: p.noticed_units },
        now: this.clock.now(),
        period_days: this.periodDays,
        open_appeal_org_ids: open,
      });
      if (!can.ok) {
        if (can.reason === 'not_a_party') throw notFound('Case');
        throw conflict(can.message, { reason: can.reason });
      }
      const now = this.clock.now();
      const a: AppealRow = {
        id: randomUUID(),
        case_id: caseId,
        appellant_org_id: actor.orgId,
        role: can.role,
        subject: can.subject,
        state: 'submitted',
        reasons: input.reasons,
        reviewer_org_id: null,
        outcome: null,
        outcome_reasons: null,
        period_ends_at: can.deadline,
        created_at: now,
        decided_at: null,
        updated_at: now,
      };
      await enforcementRepository.insertAppeal(tx, a);
      await this.audit.record(tx, actor, { action: 'appeal.submitted', object_type: 'appeal', object_id: a.id, province_code: c.province_code, data: { case_id: caseId, role: can.role, subject: can.subject } });
      const exclude = reviewerExclusions({ identifying_org_ids: p.identifying_org_ids, reporting_org_ids: c.reporting_org_ids, appellant_org_id: actor.orgId });
      const candidates = (await this.directory.all(tx)).filter((o) => o.kind === 'professional_institution' && o.status === 'active').map((o) => ({ org_id: o.id, categories: o.categories, open_load: 0 }));
      const reviewer = chooseInstitution(candidates, { category: c.category, reporting_org_ids: c.reporting_org_ids }, exclude);
      if (reviewer) return this.assignInTx(tx, null, a, c, reviewer);
      return a;
    });
    this.webhooks.kick();
    return presentAppeal(out);
  }

  private async assignInTx(tx: Executor, actor: Principal | null, a: AppealRow, c: CaseRow, reviewer: string): Promise<AppealRow> {
    const to = transitionOrThrow(appealMachine, `Appeal ${a.id}`, a.state as AppealState, a.state === 'under_review' ? 'reassign' : 'assign');
    const now = this.clock.now();
    await enforcementRepository.updateAppeal(tx, a.id, { state: to, reviewer_org_id: reviewer, updated_at: now });
    await this.audit.record(tx, actor, { action: 'appeal.assigned', object_type: 'appeal', object_id: a.id, province_code: c.province_code, data: { reviewer_org_id: reviewer } });
    await this.webhooks.enqueue(tx, { org_id: reviewer, event_type: 'appeal.assigned', payload: { appeal_id: a.id, case_id: c.id } });
    return { ...a, state: to, reviewer_org_id: reviewer, updated_at: now };
  }

  /** A regulator names the reviewing institution (when none was eligible, or to reassign). */
  async assign(actor: Principal, id: string, reviewerOrgId: string) {
    const out = await this.db.transaction().execute(async (tx) => {
      const a = await enforcementRepository.getAppeal(tx, id, true);
      if (!a) throw notFound('Appeal');
      const c = (await this.cases.getRow(a.case_id, tx))!;
      assertCanDecide(actor, c);
      const p = await this.parties(tx, c);
      const bad = checkReviewer({ reviewer_org_id: reviewerOrgId, identifying_org_ids: p.identifying_org_ids, reporting_org_ids: c.reporting_org_ids, appellant_org_id: a.appellant_org_id });
      if (bad) throw validationFailed(bad.field, bad.message);
      const org = await this.directory.org(tx, reviewerOrgId);
      if (!org || org.kind !== 'professional_institution') throw validationFailed('/reviewer_org_id', 'not a professional institution');
      return this.assignInTx(tx, actor, a, c, reviewerOrgId);
    });
    return presentAppeal(out);
  }

  async get(actor: Principal, id: string) {
    const a = await enforcementRepository.getAppeal(this.db, id);
    const c = a ? await this.cases.getRow(a.case_id) : undefined;
    if (!a || !c || !canSeeAppeal(actor, a, c.province_code)) throw notFound('Appeal');
    return presentAppeal(a);
  }

  async list(actor: Principal) {
    // The deciding regulator sees appeals against its decisions (issue 11 item 8; canSeeAppeal).
    const oversees =
      actor.orgKind === 'regulator_national' ? ({ all: true } as const) : actor.orgKind === 'regulator_provincial' && actor.provinceCode ? { province_code: actor.provinceCode } : undefined;
    const rows = await enforcementRepository.appealsFor(this.db, { appellant_org_id: actor.orgId, reviewer_org_id: actor.orgId, oversees, limit: 200 });
    return { items: rows.map(presentAppeal) };
  }

  /** The reviewer's outcome, and its effects on the case, its notices and enforcement. */
  async decide(actor: Principal, id: string, input: { outcome: AppealOutcome; reasons: string }) {
    const out = await this.db.transaction().execute(async (tx) => {
      const a = await enforcementRepository.getAppeal(tx, id, true);
      if (!a) throw notFound('Appeal');
      assertIsReviewer(actor, a);
      const to = transitionOrThrow(appealMachine, `Appeal ${id}`, a.state as AppealState, appealEventForOutcome(input.outcome));
      const effects = appealOutcomeEffects(input.outcome, a.subject as 'finding' | 'rejection');
      if (!effects.ok) throw validationFailed('/outcome', `an appeal against a ${a.subject} can be: ${effects.allowed.join(', ')}`);
      const now = this.clock.now();
      await enforcementRepository.updateAppeal(tx, id, { state: to, outcome: input.outcome, outcome_reasons: input.reasons, decided_at: now, updated_at: now });
      await this.audit.record(tx, actor, { action: `appeal.${input.outcome}`, object_type: 'appeal', object_id: id, data: { case_id: a.case_id, reasons: input.reasons } });
      const c = (await this.cases.getRow(a.case_id, tx))!;
      const e = effects.effects;
      if (e.case_event) await this.cases.transitionInTx(tx, actor, c, e.case_event, e.case_event === 'review_withdrawn' ? { closed_at: now } : {}, { appeal_id: id });
      let withdrawn = 0;
      if (e.notices === 'withdraw_all') {
        const reasons = `Finding withdrawn on review (appeal ${id}): ${input.reasons}`;
        for (const n of await this.notices.ofCase(a.case_id, tx)) {
          if (n.kind !== 'handling_notice' && n.kind !== 'penalty_decision') continue;
          if (await this.notices.withdrawInTx(tx, actor, n.id, reasons)) withdrawn++;
        }
        await this.enforcement.endForWithdrawnFinding(tx, actor, a.case_id, reasons);
      }
      await this.webhooks.enqueue(tx, { org_id: a.appellant_org_id, event_type: 'appeal.decided', payload: { appeal_id: id, outcome: input.outcome, notices_withdrawn: withdrawn } });
      return { ...a, state: to, outcome: input.outcome, outcome_reasons: input.reasons, decided_at: now, updated_at: now };
    });
    this.webhooks.kick();
    return presentAppeal(out);
  }
}
