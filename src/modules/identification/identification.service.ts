/**
 * Threat cases and identification (Art. 7). Reports that involve other parties open or join a
 * case inside their intake transaction (the same indicator reported by several units joins one
 * case); self-handled reports (Art. 6) are counted, not queued. Cases are assigned to a
 * professional institution by category and load, never to one whose organization reported the
 * case; the institution's verdict is confirmed, rejected, or more information needed (back to the
 * reporter with questions).
 */
import { randomUUID } from 'node:crypto';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { conflict, forbidden, notFound, validationFailed } from '../../lib/problem.js';
import { transitionOrThrow } from '../../lib/state-machine.js';
import type { AuditService } from '../audit/audit.service.js';
import { isInstitution, isRegulator, provinceFilter, type Principal } from '../auth/principal.js';
import type { DirectoryCache } from '../decisions/directory-cache.js';
import type { NoticesService } from '../notices/notices.service.js';
import type { ReportRow } from '../reports/reports.repository.js';
import { decodeCursor, encodeCursor } from '../reports/reports.service.js';
import { isPersonalValue, listProvince, REDACTED, RestrictedRead } from '../access/confidentiality.js';
import { caseReportersFor, seesCaseReporters } from '../access/workflow-access.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { chooseInstitution } from './assignment.js';
import { caseEventForVerdict, caseMachine, checkVerdict, type CaseEvent, type CaseState } from './case-state.js';
import { assertCanAssign, assertCanIdentify, assertCanProvideInfo, canSeeCase } from './identification.policy.js';
import { identificationRepository, type CaseRow, type IdentificationRow } from './identification.repository.js';
import type { CaseListQuery, IdentificationInput, InformationInput } from './identification.schema.js';

/** The states of a case that waits for identification: what the queue lists. */
export const QUEUE_STATES: readonly CaseState[] = ['open', 'identifying', 'more_info_needed'];

/** Most indicators of one case published with it (a bulk import's case can hold many more). */
const CASE_INDICATOR_CAP = 10_000;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function presentCase(p: Principal | null, c: CaseRow) {
  return {
    id: c.id,
    state: c.state,
    allowed_events: caseMachine.allowed(c.state as CaseState),
    category: c.category,
    subtype: c.subtype,
    title: c.title,
    province_code: c.province_code,
    reporting_org_ids: caseReportersFor(p, c.reporting_org_ids),
    assigned_org_id: c.assigned_org_id,
    severity: c.severity,
    questions: (c.questions as string[] | null) ?? null,
    opened_at: iso(c.opened_at)!,
    assigned_at: iso(c.assigned_at),
    identified_at: iso(c.identified_at),
    decided_at: iso(c.decided_at),
    closed_at: iso(c.closed_at),
  };
}

function authorShown(p: Principal, author: string, verdict: string): string | null {
  if (verdict !== 'info_provided' || author === p.orgId || seesCaseReporters(p)) return author;
  return null;
}

/** Called inside the transaction of every case transition, after the new state is written. */
export type CaseChangedHook = (tx: Executor, caseId: string, change?: { from: CaseState; to: CaseState }) => Promise<void>;

export class IdentificationService {
  notices: NoticesService | null = null;
  /** Listeners of case transitions (the STIX store publishes the case: issue 4), run in the same transaction. */
  readonly onCaseChanged: CaseChangedHook[] = [];

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly webhooks: WebhooksService,
    private readonly directory: DirectoryCache,
    private readonly clock: Clock,
  ) {}

  // ------------------------------------------------------------------ intake

  /**
   * The intake hook (ReportsService.intakeHooks), inside the report's transaction. A bulk import
   * opens one case for the whole import with two inserts (its indicators are the import report's
   * sightings): no per-indicator work.
   */
  readonly onIntake = async (tx: Executor, report: ReportRow, indicatorIds: number[], actor: Principal): Promise<void> => {
    const now = this.clock.now();
    if (report.self_handled) {
      await identificationRepository.countSelfHandled(tx, report.org_id, now.toISOString().slice(0, 10), report.category);
      return;
    }
    if (indicatorIds.length === 0) return;
    const bulk = report.source === 'bulk' || report.source === 'cli';
    const existing = bulk ? undefined : await identificationRepository.findJoinableCase(tx, indicatorIds, report.id);
    if (existing) {
      await identificationRepository.linkReport(tx, existing.id, report.id, report.org_id, now);
      await identificationRepository.addReporter(tx, existing.id, report.org_id, now);
      await this.audit.record(tx, actor, { action: 'case.report_joined', object_type: 'case', object_id: existing.id, province_code: existing.province_code, data: { report_id: report.id } });
      return;
    }
    const id = randomUUID();
    const c: Omit<CaseRow, 'version' | 'declined_org_ids'> = {
      id,
      state: 'open',
      category: report.category,
      subtype: report.subtype,
      title: report.title,
      province_code: report.province_code,
      reporting_org_ids: [report.org_id],
      assigned_org_id: null,
      severity: null,
      questions: null,
      opened_at: now,
      assigned_at: null,
      identified_at: null,
      decided_at: null,
      closed_at: null,
      updated_at: now,
    };
    await identificationRepository.insertCase(tx, c);
    await identificationRepository.linkReport(tx, id, report.id, report.org_id, now);
    await this.audit.record(tx, actor, { action: 'case.opened', object_type: 'case', object_id: id, province_code: c.province_code, data: { report_id: report.id, category: c.category, indicators: indicatorIds.length } });
    await this.autoAssign(tx, { ...c, version: 1, declined_org_ids: [] }, null);
  };

  /** Assign to the best institution (category, then load); stays in the queue when none is eligible. */
  private async autoAssign(tx: Executor, c: CaseRow, actor: Principal | null, explicit?: string): Promise<string | null> {
    let chosen: string | null;
    if (explicit) {
      const org = await this.directory.org(tx, explicit);
      if (!org || org.kind !== 'professional_institution') throw validationFailed('/institution_org_id', 'not a professional institution');
      if (c.reporting_org_ids.includes(explicit)) throw forbidden('An institution never identifies a case its own organization reported');
      chosen = explicit;
    } else {
      const loads = await identificationRepository.institutionLoads(tx);
      const candidates = (await this.directory.all(tx))
        .filter((o) => o.kind === 'professional_institution' && o.status === 'active')
        .map((o) => ({ org_id: o.id, categories: o.categories, open_load: loads.get(o.id) ?? 0 }));
      chosen = chooseInstitution(candidates, { category: c.category, reporting_org_ids: c.reporting_org_ids }, c.declined_org_ids.filter((d) => d !== c.assigned_org_id));
    }
    if (!chosen) return null;
    const event: CaseEvent = c.state === 'identifying' ? 'reassign' : 'assign';
    const to = transitionOrThrow(caseMachine, `Case ${c.id}`, c.state as CaseState, event);
    const now = this.clock.now();
    await identificationRepository.update(tx, c.id, { state: to, assigned_org_id: chosen, assigned_at: now, updated_at: now });
    await this.audit.record(tx, actor, { action: `case.${event}`, object_type: 'case', object_id: c.id, province_code: c.province_code, data: { institution_org_id: chosen, automatic: !explicit } });
    await this.webhooks.enqueue(tx, { org_id: chosen, event_type: 'case.assigned', payload: { case_id: c.id, category: c.category, title: c.title } });
    return chosen;
  }

  // ------------------------------------------------------------------ reading

  private async load(actor: Principal, id: string): Promise<CaseRow> {
    const c = await identificationRepository.get(this.db, id);
    if (!c) throw notFound('Case');
    if (!canSeeCase(actor, c) && !canSeeCase(actor, c, { noticed: await identificationRepository.isNoticedUnit(this.db, id, actor.orgId) })) throw notFound('Case');
    return c;
  }

  /** A case with its identifications and indicator ids, read inside the caller's transaction (for publication). */
  async snapshotInTx(tx: Executor, id: string): Promise<{ row: CaseRow; identifications: IdentificationRow[]; indicatorIds: number[] } | undefined> {
    const row = await identificationRepository.get(tx, id);
    if (!row) return undefined;
    // One after the other: a transaction is one connection.
    const identifications = await identificationRepository.identificationsOf(tx, id);
    const indicators = await identificationRepository.indicatorsOf(tx, id, CASE_INDICATOR_CAP);
    return { row, identifications, indicatorIds: indicators.map((i) => Number(i.id)) };
  }

  async getRow(id: string, tx?: Executor): Promise<CaseRow | undefined> {
    return identificationRepository.get(tx ?? this.db, id, !!tx);
  }

  async get(actor: Principal, id: string) {
    const c = await this.load(actor, id);
    const insider = isRegulator(actor) || isInstitution(actor);
    const isReporter = c.reporting_org_ids.includes(actor.orgId);
    const [reports, identifications, indicators, notices] = await Promise.all([
      identificationRepository.reportsOf(this.db, id),
      identificationRepository.identificationsOf(this.db, id),
      identificationRepository.indicatorsOf(this.db, id, 1000),
      this.notices ? this.notices.ofCase(id) : Promise.resolve([]),
    ]);
    const view = {
      ...presentCase(actor, c),
      // A reporter is named to the noticed unit only with its consent (DESIGN §6).
      reports: reports.map((r) => ({ id: r.id, org_id: insider || r.org_id === actor.orgId || r.disclose_reporter ? r.org_id : null, title: r.title, subtype: r.subtype, received_at: iso(r.received_at), observable_count: r.observable_count })),
      // A personal value to the parties and insiders; a unit that is only noticed acts on its notice's targets.
      indicators: indicators.map((i) => ({ id: String(i.id), type: i.type, value: insider || isReporter || !isPersonalValue(i) ? i.value : REDACTED, province_code: i.province_code, operator: i.operator })),
      identifications: identifications.map((i) => ({
        id: i.id,
        institution_org_id: i.institution_org_id,
        // An answer is the reporter's; it names the reporter only to whom reporters are named (DESIGN §6).
        author_org_id: authorShown(actor, i.author_org_id ?? i.institution_org_id, i.verdict),
        verdict: i.verdict,
        severity: i.severity,
        analysis: i.analysis,
        evidence_sha256: i.evidence_sha256,
        recommended_measures: i.recommended_measures,
        questions: i.questions,
        reasons: i.reasons,
        created_at: iso(i.created_at),
      })),
      notices: insider ? notices.map((n) => ({ id: n.id, kind: n.kind, state: n.state, measure: n.measure, recipient_org_id: n.recipient_org_id, deadline: iso(n.deadline) })) : [],
    };
    // Whoever may see a case is a party to it or oversees it: the reporters' identities and the
    // personal values among its indicators are shown, and the read is audited (Art. 12).
    const fields = [
      ...(view.reporting_org_ids?.length ? ['reporting_org_ids'] : []),
      ...(view.reports.some((r) => r.org_id !== null) ? ['reports.org_id'] : []),
      ...(view.indicators.some(isPersonalValue) ? ['indicators.value'] : []),
    ];
    await this.audit.recordRead(actor, new RestrictedRead('case.get', 'case', id, c.province_code).add(id, fields).entry());
    return view;
  }

  async list(actor: Principal, q: CaseListQuery) {
    const limit = q.limit ?? 50;
    const sort = q.sort ?? 'opened_at';
    const order = q.order ?? 'desc';
    const f: Parameters<typeof identificationRepository.list>[1] = { state: q.state, category: q.category, report_id: q.report_id, indicator_id: q.indicator_id, sort, order, limit };
    if (q.before) {
      f.after = decodeCursor(q.before, sort, order);
      if (!identificationRepository.validSortKey(sort, f.after.key)) throw validationFailed('/before', 'The cursor is not one this server issued');
    }
    const pf = provinceFilter(actor);
    if (pf) {
      if (q.province_code && q.province_code !== pf) throw forbidden('A provincial administration sees its own province only');
      f.province_code = pf;
    } else if (isRegulator(actor) || isInstitution(actor)) f.province_code = q.province_code;
    else f.reporting_org_id = actor.orgId;
    if (q.queue) {
      // The identification queue holds only what waits for a verdict (Art. 7), never closed cases.
      f.states = QUEUE_STATES;
      if (isInstitution(actor)) f.assigned_org_id = actor.orgId;
    }
    const rows = await identificationRepository.list(this.db, f);
    const last = rows[rows.length - 1];
    const items = rows.map((c) => presentCase(actor, c));
    const read = new RestrictedRead('case.list', 'case', 'list', listProvince(actor));
    for (const item of items) if (item.reporting_org_ids?.length) read.add(item.id, ['reporting_org_ids']);
    await this.audit.recordRead(actor, read.entry());
    return {
      items,
      next: rows.length === limit && last ? encodeCursor(sort, order, last.sort_key, last.id) : null,
    };
  }

  async selfHandled(actor: Principal) {
    // A provincial administration counts its own province's units (issue 12 item 7).
    const rows = await identificationRepository.selfHandledCounts(
      this.db,
      isRegulator(actor) || isInstitution(actor) ? null : actor.orgId,
      actor.orgKind === 'regulator_provincial' ? (actor.provinceCode ?? '__none__') : null,
    );
    return { items: rows.map((r) => ({ org_id: r.org_id, category: r.category, reports: Number(r.reports) })) };
  }

  // ------------------------------------------------------------------ transitions

  /** One case transition inside the caller's transaction, with its audit entry. */
  async transitionInTx(tx: Executor, actor: Principal | null, c: CaseRow, event: CaseEvent, patch: Partial<CaseRow> = {}, data: Record<string, unknown> = {}): Promise<CaseRow> {
    const to = transitionOrThrow(caseMachine, `Case ${c.id}`, c.state as CaseState, event);
    const now = this.clock.now();
    const full = { ...patch, state: to, updated_at: now };
    await identificationRepository.update(tx, c.id, full);
    await this.audit.record(tx, actor, { action: `case.${event}`, object_type: 'case', object_id: c.id, province_code: c.province_code, data: { from: c.state, to, ...data } });
    for (const hook of this.onCaseChanged) await hook(tx, c.id, { from: c.state as CaseState, to });
    return { ...c, ...full };
  }

  private async act<T>(actor: Principal, id: string, fn: (tx: Executor, c: CaseRow) => Promise<T>): Promise<T> {
    await this.load(actor, id);
    const out = await this.db.transaction().execute(async (tx) => fn(tx, (await identificationRepository.get(tx, id, true))!));
    this.webhooks.kick();
    return out;
  }

  async assign(actor: Principal, id: string, input: { institution_org_id?: string }) {
    return this.act(actor, id, async (tx, c) => {
      assertCanAssign(actor, c);
      if (c.state !== 'open' && c.state !== 'identifying') transitionOrThrow(caseMachine, `Case ${id}`, c.state as CaseState, 'assign');
      const chosen = await this.autoAssign(tx, c, actor, input.institution_org_id);
      if (!chosen) throw conflict('No professional institution is eligible: every one reported this case or declined it');
      return presentCase(actor, (await identificationRepository.get(tx, id))!);
    });
  }

  /** The institution declines (workload, a conflict found late): back to the queue, then reassigned elsewhere. */
  async decline(actor: Principal, id: string, reasons: string) {
    return this.act(actor, id, async (tx, c) => {
      assertCanIdentify(actor, c);
      let next = await this.transitionInTx(tx, actor, c, 'decline', { assigned_org_id: null, declined_org_ids: [...c.declined_org_ids, actor.orgId] } as Partial<CaseRow>, { reasons });
      await this.autoAssign(tx, next, null);
      next = (await identificationRepository.get(tx, id))!;
      return presentCase(actor, next);
    });
  }

  /** Art. 7: the verdict, with severity, evidence, analysis and recommended measures. */
  async identify(actor: Principal, id: string, input: IdentificationInput) {
    const problem = checkVerdict({ ...input, evidence_ids: input.evidence_sha256 });
    if (problem) throw validationFailed(problem.field, problem.message);
    return this.act(actor, id, async (tx, c) => {
      assertCanIdentify(actor, c);
      const now = this.clock.now();
      const event = caseEventForVerdict(input.verdict);
      const patch: Partial<CaseRow> =
        input.verdict === 'more_info_needed'
          ? { questions: input.questions ?? [] }
          : { identified_at: now, severity: input.verdict === 'confirmed' ? (input.severity ?? null) : null, questions: null };
      // The identification goes in first so the transition's hooks (STIX publication) see the verdict.
      await identificationRepository.insertIdentification(tx, {
        id: randomUUID(),
        case_id: id,
        institution_org_id: actor.orgId,
        author_org_id: actor.orgId,
        actor_user_id: actor.userId,
        actor_token_id: actor.tokenId,
        verdict: input.verdict,
        severity: input.severity ?? null,
        analysis: input.analysis ?? null,
        evidence_sha256: input.evidence_sha256 ?? [],
        recommended_measures: input.recommended_measures ?? [],
        questions: input.questions ?? null,
        reasons: input.reasons ?? null,
        created_at: now,
      });
      const next = await this.transitionInTx(tx, actor, c, event, patch, { verdict: input.verdict, severity: input.severity ?? null });
      if (input.verdict === 'more_info_needed')
        for (const org of c.reporting_org_ids) await this.webhooks.enqueue(tx, { org_id: org, event_type: 'case.more_info_needed', payload: { case_id: id, questions: input.questions } });
      return presentCase(actor, next);
    });
  }

  /** The reporter answers; the case returns to the same institution. */
  async provideInfo(actor: Principal, id: string, input: InformationInput) {
    return this.act(actor, id, async (tx, c) => {
      assertCanProvideInfo(actor, c);
      const next = await this.transitionInTx(tx, actor, c, 'provide_info', { questions: null }, { evidence: input.evidence_sha256?.length ?? 0 });
      await identificationRepository.insertIdentification(tx, {
        id: randomUUID(),
        case_id: id,
        institution_org_id: c.assigned_org_id!,
        author_org_id: actor.orgId,
        actor_user_id: actor.userId,
        actor_token_id: actor.tokenId,
        verdict: 'info_provided',
        severity: null,
        analysis: input.answers,
        evidence_sha256: input.evidence_sha256 ?? [],
        recommended_measures: [],
        questions: c.questions,
        reasons: null,
        created_at: this.clock.now(),
      });
      if (c.assigned_org_id) await this.webhooks.enqueue(tx, { org_id: c.assigned_org_id, event_type: 'case.info_provided', payload: { case_id: id } });
      return presentCase(actor, next);
    });
  }

  /** Notices hook: when every notice of a case in handling reached an end, the case closes. */
  readonly closeIfSettled = async (tx: Executor, caseId: string, actor: Principal | null): Promise<void> => {
    const c = await identificationRepository.get(tx, caseId, true);
    if (!c || c.state !== 'handling' || !this.notices) return;
    const fresh = (await this.notices.ofCase(caseId, tx)).filter((n) => n.kind === 'handling_notice');
    // An overdue notice still owes a result (a late one is accepted and verified): escalating it to
    // enforcement does not end it for the case.
    const ended = fresh.every((n) => n.state === 'verified' || n.state === 'withdrawn' || (!n.requires_result && n.state !== 'phone_notified' && n.state !== 'overdue'));
    if (ended && fresh.length) await this.transitionInTx(tx, actor, c, 'close', { closed_at: this.clock.now() });
  };
}
