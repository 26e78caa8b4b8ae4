/**
 * Review and decision (Art. 8): the regulator responsible for the case's province reviews the
 * identification and decides one or more measures. Each measure is routed target by target to the
 * unit responsible (routing.ts) and becomes one signed handling notice per unit; a target that
 * routes to no unit is kept on the decision for the regulator to assign by hand. Where the
 * affected party is a Party or government body or critical information infrastructure, its
 * superior authority and the cyberspace administration are notified too.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { notFound, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { Severity } from '../identification/case-state.js';
import { identificationRepository, type CaseRow } from '../identification/identification.repository.js';
import type { IdentificationService } from '../identification/identification.service.js';
import type { IndicatorsService } from '../indicators/indicators.service.js';
import type { NoticesService } from '../notices/notices.service.js';
import type { NoticeRow } from '../notices/notices.repository.js';
import { presentNotice } from '../notices/notices.presenter.js';
import { isPersonalValue, RestrictedRead } from '../access/confidentiality.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { canSeeCase, isInRegulatorReach } from '../access/workflow-access.js';
import { assertCanDecide } from './decisions.policy.js';
import { decisionsRepository, type DecisionRow, type UnroutedItem } from './decisions.repository.js';
import type { AssignUnroutedInput, DecisionInput } from './decisions.schema.js';
import type { DirectoryCache } from './directory-cache.js';
import { canTarget, checkDecisionMeasures, MEASURES, type AffectedPartyKind, type MeasureCode } from './measures.js';
import { routeTargets } from './routing.js';

const MAX_DEFAULT_TARGETS = 10_000;

export class DecisionsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly cases: IdentificationService,
    private readonly notices: NoticesService,
    private readonly indicators: IndicatorsService,
    private readonly directory: DirectoryCache,
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
  ) {}

  private async loadCase(actor: Principal, caseId: string): Promise<CaseRow> {
    const c = await this.cases.getRow(caseId);
    // What the caller may not see is not found, for writes too (issue 12 item 7).
    if (!c || !canSeeCase(actor, c)) throw notFound('Case');
    assertCanDecide(actor, c);
    return c;
  }

  /** Affected-party kinds and registered organizations, from the case's reports. */
  private async affected(tx: Executor, caseId: string): Promise<{ kinds: AffectedPartyKind[]; orgIds: string[] }> {
    const reports = await identificationRepository.reportsOf(tx, caseId);
    const kinds = new Set<AffectedPartyKind>();
    const orgIds = new Set<string>();
    for (const r of reports) {
      const a = (typeof r.affected_party === 'string' ? JSON.parse(r.affected_party) : r.affected_party) as { kind?: string; org_id?: string } | null;
      if (!a) continue;
      if (a.kind === 'party_government') kinds.add('party_or_government');
      if (a.kind === 'critical_information_infrastructure') kinds.add('critical_information_infrastructure');
      if (a.org_id) {
        const o = await this.directory.org(tx, a.org_id);
        if (o) {
          orgIds.add(o.id);
          if (o.is_cii) kinds.add('critical_information_infrastructure');
          if (o.is_party_government) kinds.add('party_or_government');
        }
      }
    }
    return { kinds: [...kinds], orgIds: [...orgIds] };
  }

  /** Art. 8: the superior authorities of the affected organizations and the cyberspace administration. */
  private async notificationRecipients(tx: Executor, c: CaseRow, affectedOrgIds: string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const id of affectedOrgIds) {
      const o = await this.directory.org(tx, id);
      if (o?.superior_org_id) out.add(o.superior_org_id);
    }
    const cacs = (await this.directory.all(tx)).filter((o) => o.kind === 'cyberspace_administration' && o.status === 'active');
    const cac = cacs.find((o) => o.province_code && o.province_code === c.province_code) ?? cacs.find((o) => !o.province_code);
    if (cac) out.add(cac.id);
    return [...out];
  }

  /** Decide measures and issue the notices, in one transaction. */
  async decide(actor: Principal, caseId: string, input: DecisionInput) {
    await this.loadCase(actor, caseId);
    const result = await this.db.transaction().execute(async (tx) => {
      const c = (await this.cases.getRow(caseId, tx))!;
      assertCanDecide(actor, c);
      const { kinds, orgIds } = await this.affected(tx, caseId);
      const caseIndicators = input.measures.some((m) => !m.targets) ? await identificationRepository.indicatorsOf(tx, caseId, MAX_DEFAULT_TARGETS) : [];
      const measures = input.measures.map((m) => ({
        ...m,
        targets: m.targets ?? (MEASURES[m.measure].targets.length ? caseIndicators.filter((i) => canTarget(m.measure, i.type)).map((i) => ({ type: i.type, value: i.value })) : []),
      }));
      const checked = checkDecisionMeasures(measures, kinds);
      if (!checked.ok) throw validationFailed(checked.errors[0].field, checked.errors[0].message, checked.errors);
      if (checked.measures.includes('notify_superior_authority') && !measures.some((m) => m.measure === 'notify_superior_authority'))
        measures.push({ measure: 'notify_superior_authority', targets: [] });

      const decided = await this.cases.transitionInTx(tx, actor, c, 'decide', { decided_at: c.decided_at ?? this.clock.now() }, { measures: checked.measures });
      const decisionId = randomUUID();
      const now = this.clock.now();
      await decisionsRepository.insert(tx, { id: decisionId, case_id: caseId, regulator_org_id: actor.orgId, measures, reasons: input.reasons, unrouted: [], created_at: now });

      const directory = await this.directory.routing(tx);
      const unrouted: UnroutedItem[] = [];
      const issued: NoticeRow[] = [];
      for (const m of measures) {
        const code = m.measure as MeasureCode;
        const common = {
          kind: 'handling_notice' as const,
          issuer_org_id: actor.orgId,
          province_code: c.province_code,
          case_id: caseId,
          decision_id: decisionId,
          category: c.category,
          measure: code,
          emergency: m.emergency ?? false,
          severity: (c.severity as Severity | null) ?? null,
          deadline_override: typeof m.deadline === 'string' ? new Date(m.deadline) : (m.deadline ?? null),
          phone_call: m.phone_call ? { ...m.phone_call, called_at: new Date(m.phone_call.called_at) } : null,
        };
        if (code === 'notify_superior_authority') {
          const recipients = await this.notificationRecipients(tx, c, orgIds);
          if (recipients.length === 0) unrouted.push({ measure: code, target: { type: 'organization', value: 'superior authority / cyberspace administration' }, detail: 'no superior authority or cyberspace administration is registered' });
          for (const r of recipients) issued.push(await this.notices.issueInTx(tx, actor, { ...common, recipient_org_id: r, targets: [], phone_call: null, emergency: false }));
          continue;
        }
        const targets = m.targets.map((t) => {
          const e = this.indicators.enrich(t.type, t.value);
          return { type: t.type, value: t.value, enrichment: { province_code: e.province_code, operator: e.operator } };
        });
        const routed = routeTargets(targets, directory, { measure: code, province_code: c.province_code });
        for (const u of routed.unrouted) unrouted.push({ measure: code, target: { type: u.target.type, value: u.target.value }, detail: u.detail });
        for (const g of routed.groups)
          issued.push(await this.notices.issueInTx(tx, actor, { ...common, recipient_org_id: g.org_id, targets: g.targets.map((t) => ({ type: t.target.type, value: t.target.value })) }));
      }
      if (unrouted.length) await decisionsRepository.setUnrouted(tx, decisionId, unrouted);
      if (issued.length && decided.state === 'decided') await this.cases.transitionInTx(tx, actor, decided, 'issue_notices', {}, { notices: issued.length });
      await this.audit.record(tx, actor, {
        action: 'decision.made',
        object_type: 'decision',
        object_id: decisionId,
        province_code: c.province_code,
        data: { case_id: caseId, measures: checked.measures, notices: issued.length, unrouted: unrouted.length },
      });
      return { decisionId, issued, unrouted };
    });
    this.webhooks.kick();
    return this.present(result.decisionId, result.issued);
  }

  private async present(decisionId: string, notices?: NoticeRow[]) {
    const d = (await decisionsRepository.get(this.db, decisionId))!;
    const all = notices ?? (await this.notices.ofCase(d.case_id)).filter((n) => n.decision_id === decisionId);
    return {
      id: d.id,
      case_id: d.case_id,
      regulator_org_id: d.regulator_org_id,
      reasons: d.reasons,
      measures: d.measures as object[],
      unrouted: d.unrouted,
      notices: all.map((n) => presentNotice(n)),
      created_at: new Date(d.created_at).toISOString(),
    };
  }

  /** A decision with its notices; personal values among their targets make it a restricted read (Art. 12). */
  async get(actor: Principal, id: string) {
    const d = await decisionsRepository.get(this.db, id);
    if (!d) throw notFound('Decision');
    const c = await this.loadCase(actor, d.case_id);
    const view = await this.present(id);
    const targets = [
      ...((view.measures as { targets?: { type: string }[] }[]).flatMap((m) => m.targets ?? [])),
      ...view.unrouted.map((u) => u.target),
      ...view.notices.flatMap((n) => n.targets),
    ];
    const fields = targets.some(isPersonalValue) ? ['targets.value'] : [];
    await this.audit.recordRead(actor, new RestrictedRead('decision.get', 'decision', id, c.province_code).add(id, fields).entry());
    return view;
  }

  /** Targets that routed to no unit: the regulator names the unit; a notice is issued at once. */
  async assignUnrouted(actor: Principal, decisionId: string, input: AssignUnroutedInput) {
    const d0 = await decisionsRepository.get(this.db, decisionId);
    if (!d0) throw notFound('Decision');
    await this.loadCase(actor, d0.case_id);
    await this.db.transaction().execute(async (tx) => {
      const d = (await decisionsRepository.get(tx, decisionId, true))!;
      const c = (await this.cases.getRow(d.case_id, tx))!;
      assertCanDecide(actor, c);
      const key = (m: string, t: { type: string; value: string }) => `${m}\u0000${t.type}\u0000${t.value}`;
      const open = new Set(d.unrouted.map((u) => key(u.measure, u.target)));
      const missing = input.targets.findIndex((t) => !open.has(key(input.measure, t)) && !(input.measure === 'notify_superior_authority'));
      if (missing >= 0) throw validationFailed(`/targets/${missing}`, 'this target is not among the decision\u2019s unrouted targets');
      const org = await this.directory.org(tx, input.org_id);
      if (!org) throw validationFailed('/org_id', 'no such organization');
      // Issue 12 item 6: only as many superior-authority notices as the decision left waiting, only
      // to authorities, and every hand-routed recipient within the regulator's reach.
      if (input.measure === 'notify_superior_authority') {
        if (!d.unrouted.some((u) => u.measure === 'notify_superior_authority')) throw validationFailed('/measure', 'no superior-authority notification of this decision is waiting for a recipient');
        if (org.kind !== 'superior_authority' && org.kind !== 'cyberspace_administration') throw validationFailed('/org_id', 'a superior authority or a cyberspace administration');
      }
      if (!isInRegulatorReach(actor, org)) throw validationFailed('/org_id', 'an organization of your province');
      const measure = input.measure as MeasureCode;
      const notice = await this.notices.issueInTx(tx, actor, {
        kind: 'handling_notice',
        issuer_org_id: actor.orgId,
        recipient_org_id: org.id,
        province_code: c.province_code,
        case_id: c.id,
        decision_id: d.id,
        category: c.category,
        measure,
        targets: measure === 'notify_superior_authority' ? [] : input.targets,
        severity: (c.severity as Severity | null) ?? null,
      });
      const done = new Set(input.targets.map((t) => key(input.measure, t)));
      const rest = d.unrouted.filter((u) => !(done.has(key(u.measure, u.target)) || (input.measure === 'notify_superior_authority' && u.measure === input.measure)));
      await decisionsRepository.setUnrouted(tx, d.id, rest);
      if (c.state === 'decided') await this.cases.transitionInTx(tx, actor, c, 'issue_notices', {}, { notices: 1 });
      await this.audit.record(tx, actor, { action: 'decision.unrouted_assigned', object_type: 'decision', object_id: d.id, province_code: c.province_code, data: { measure, org_id: org.id, targets: input.targets.length, notice_id: notice.id } });
    });
    this.webhooks.kick();
    return this.present(decisionId);
  }

  /** The regulator's review finds no measure is needed (e.g. the unit already handled it). */
  async closeWithoutMeasures(actor: Principal, caseId: string, reasons: string) {
    await this.loadCase(actor, caseId);
    return this.db.transaction().execute(async (tx) => {
      const c = (await this.cases.getRow(caseId, tx))!;
      assertCanDecide(actor, c);
      const next = await this.cases.transitionInTx(tx, actor, c, 'close_without_measures', { closed_at: this.clock.now() }, { reasons });
      return { id: next.id, state: next.state };
    });
  }

  /** The review sends the identification back to the institution. */
  async returnToIdentification(actor: Principal, caseId: string, reasons: string) {
    await this.loadCase(actor, caseId);
    return this.db.transaction().execute(async (tx) => {
      const c = (await this.cases.getRow(caseId, tx))!;
      assertCanDecide(actor, c);
      const next = await this.cases.transitionInTx(tx, actor, c, 'return_to_identification', { identified_at: null }, { reasons });
      if (c.assigned_org_id) await this.webhooks.enqueue(tx, { org_id: c.assigned_org_id, event_type: 'case.returned', payload: { case_id: c.id, reasons } });
      return { id: next.id, state: next.state };
    });
  }
}
