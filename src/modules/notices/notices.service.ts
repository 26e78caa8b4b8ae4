/**
 * Handling notices (Art. 8, 9) and every other signed document the platform sends a unit
 * (penalty decisions, withdrawals, restorations): issuing and signing (Ed25519 over RFC 8785
 * canonical JSON, keys in the database, encrypted at rest, rotatable), delivery by pull and by
 * signed webhook, acknowledgment (the legal delivery time), result feedback, verification,
 * phone-first emergencies, and the sweeps for deadlines, reminders and late written notices.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { conflict, notFound, validationFailed } from '../../lib/problem.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { transitionOrThrow } from '../../lib/state-machine.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { DirectoryCache } from '../decisions/directory-cache.js';
import { MEASURES, type MeasureCode } from '../decisions/measures.js';
import type { Severity } from '../identification/case-state.js';
import { isPersonalValue, listProvince, RestrictedRead } from '../access/confidentiality.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { computeDeadline, isWrittenNoticeLate, reminderTimes, writtenNoticeDueAt, type DeadlinePolicy, type Duration } from './deadline-policy.js';
import {
  buildNoticeDocument,
  generateSigningKey,
  renderNoticeHtml,
  signDocument,
  type NoticeDocumentInput,
  type NoticeKind,
  type PublicKeyRecord,
  type SignedDocument,
} from './notice-document.js';
import { DEADLINE_RUNNING_STATES, noticeMachine, withdrawalRequiresRestoration, type NoticeEvent, type NoticeState } from './notice-state.js';
import { ENFORCEMENT_NOTICE_KINDS } from '../access/workflow-access.js';
import { assertCanRotateKeys, assertCanVerify, assertIsNoticedUnit, assertIsResponsibleRegulator, canSeeNotice } from './notices.policy.js';
import { presentNotice } from './notices.presenter.js';
import { noticesRepository, type NoticeRow } from './notices.repository.js';

export interface IssueSpec {
  kind: NoticeKind;
  issuer_org_id: string;
  recipient_org_id: string;
  province_code: string | null;
  case_id?: string | null;
  decision_id?: string | null;
  enforcement_case_id?: string | null;
  references?: { notice_id: string; version: number } | null;
  category?: string | null;
  measure?: MeasureCode | null;
  targets?: { type: string; value: string }[];
  emergency?: boolean;
  severity?: Severity | null;
  /** A period from issue, or an instant; default from the deadline policy. */
  deadline_override?: Duration | Date | null;
  /** Emergencies: the phone call that came first (Art. 8). The notice waits for its written form. */
  phone_call?: { caller: string; callee: string; called_at: Date } | null;
  reasons?: string | null;
  penalty?: NoticeDocumentInput['penalty'];
}

/** Hooks other modules plug in (wired in container.ts), so modules do not import each other in circles. */
export interface NoticeHooks {
  /** A notice reached an end: the case may close. */
  onSettled?: (tx: Executor, caseId: string, actor: Principal | null) => Promise<void>;
  /** Notices went overdue in a sweep: open enforcement cases. */
  onOverdue?: (tx: Executor, notices: NoticeRow[], now: Date) => Promise<void>;
  /** A notice was inserted or changed state: what it orders is in force, or no longer (listing.service.ts). */
  onStateChanged?: (tx: Executor, notice: NoticeRow) => Promise<void>;
}


interface Signer {
  key_id: string;
  privateKey: KeyObject;
  fingerprint: string;
}

export class NoticesService {
  readonly hooks: NoticeHooks = {};
  private signerCache = new Map<string, KeyObject>();
  private txSigner = new WeakMap<object, Signer>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly webhooks: WebhooksService,
    private readonly directory: DirectoryCache,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    readonly policy: DeadlinePolicy,
    private readonly publicUrl: string,
  ) {}

  // ------------------------------------------------------------------ keys

  /**
   * The active signing key (created at start-up by `ensureKey`, or here on first use). A signer
   * holds the keys lock shared until its transaction ends and rotation takes it exclusively, so a
   * rotation waits for the documents being signed, and once it commits nothing is signed with the
   * old key: its validity ends at the rotation, with no overlap in which a stolen old key still
   * signs valid documents. Callers take the signer before reading the time for issued_at.
   */
  private async signer(tx: Executor): Promise<Signer> {
    // Within one transaction the lock is already held: the key cannot change under it.
    const memo = this.txSigner.get(tx);
    if (memo) return memo;
    const s = await this.lookupSigner(tx);
    this.txSigner.set(tx, s);
    return s;
  }

  private async lookupSigner(tx: Executor): Promise<Signer> {
    let row = await noticesRepository.activeKey(tx);
    if (row) {
      await noticesRepository.lockKeysShared(tx);
      // A rotation may have committed while this waited for the lock.
      row = (await noticesRepository.activeKey(tx))!;
    } else {
      await noticesRepository.lockKeys(tx);
      row = await noticesRepository.activeKey(tx);
      if (!row) {
        await this.createKey(tx, this.clock.now(), null);
        row = (await noticesRepository.activeKey(tx))!;
      }
    }
    let key = this.signerCache.get(row.key_id);
    if (!key) {
      key = createPrivateKey(this.box.open(row.private_key_enc));
      this.signerCache.set(row.key_id, key);
    }
    return { key_id: row.key_id, privateKey: key, fingerprint: row.fingerprint };
  }

  private async createKey(tx: Executor, at: Date, actor: Principal | null): Promise<string> {
    const k = generateSigningKey(at);
    const pem = k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await noticesRepository.insertKey(tx, { key_id: k.key_id, public_key_pem: k.public_key_pem, private_key_enc: this.box.seal(pem), fingerprint: k.fingerprint, valid_from: at });
    await this.audit.record(tx, actor, { action: 'signing_key.created', object_type: 'signing_key', object_id: k.key_id, data: { fingerprint: k.fingerprint, valid_from: at.toISOString() } });
    return k.key_id;
  }

  async ensureKey(): Promise<void> {
    await this.db.transaction().execute((tx) => this.signer(tx));
  }

  /**
   * Rotation: a new key signs from now and the old one stops now (a millisecond later, for a
   * document read the time in the same millisecond before the lock was ours); it stays published
   * for ever with its validity, so what it signed before still verifies.
   */
  async rotateKey(actor: Principal): Promise<{ key_id: string }> {
    assertCanRotateKeys(actor);
    const key_id = await this.db.transaction().execute(async (tx) => {
      await noticesRepository.lockKeys(tx);
      const now = this.clock.now();
      await noticesRepository.retireActiveKeys(tx, new Date(now.getTime() + 1));
      return this.createKey(tx, now, actor);
    });
    return { key_id };
  }

  /**
   * Signs a platform statement other than a notice (the audit chain's checkpoints) with the
   * active key; the document is built with the time read after the key, like a notice's.
   */
  async signStatement<D>(build: (now: Date) => D): Promise<SignedDocument<D>> {
    return this.db.transaction().execute(async (tx) => {
      const signer = await this.signer(tx);
      return signDocument(build(this.clock.now()), signer);
    });
  }

  async publicKeys(): Promise<{ issuer: string; keys: (PublicKeyRecord & { alg: 'Ed25519'; fingerprint: string })[] }> {
    const rows = await noticesRepository.allKeys(this.db);
    return {
      issuer: this.publicUrl,
      keys: rows.map((r) => ({
        key_id: r.key_id,
        alg: 'Ed25519' as const,
        public_key_pem: r.public_key_pem,
        fingerprint: r.fingerprint,
        valid_from: new Date(r.valid_from).toISOString(),
        valid_until: r.valid_until ? new Date(r.valid_until).toISOString() : null,
      })),
    };
  }

  // ------------------------------------------------------------------ issuing

  private async party(tx: Executor, orgId: string) {
    const o = await this.directory.org(tx, orgId);
    if (!o) throw validationFailed('/recipient_org_id', `organization ${orgId} does not exist`);
    return { org_id: o.id, name: o.name };
  }

  private async sign(tx: Executor, n: NoticeRow | (IssueSpec & { id: string; version: number }), issuedAt: Date, extra: { deadline: Date | null; phone_notified_at: Date | null; references?: { notice_id: string; version: number } | null }, given?: Signer): Promise<{ signed: SignedDocument; key_id: string }> {
    const spec = n as any;
    // A handling notice says what it is about and why: the case's threat and the decision's reasons (issue 11).
    const context = spec.kind === 'handling_notice' && spec.case_id ? await noticesRepository.threatContext(tx, spec.case_id, spec.decision_id ?? null) : null;
    const doc = buildNoticeDocument({
      kind: spec.kind,
      notice_id: spec.id,
      version: spec.version ?? 1,
      issued_at: issuedAt,
      issuer: await this.party(tx, spec.issuer_org_id),
      recipient: await this.party(tx, spec.recipient_org_id),
      case_ref: spec.case_id ? { case_id: spec.case_id, decision_id: spec.decision_id ?? null } : null,
      measure: spec.measure ?? null,
      targets: spec.targets ?? [],
      deadline: extra.deadline,
      emergency: spec.emergency ?? false,
      phone_notified_at: extra.phone_notified_at,
      references: extra.references ?? spec.references ?? null,
      reasons: spec.reasons ?? context?.reasons ?? null,
      threat: context?.threat ?? null,
      penalty: spec.penalty ?? null,
    });
    const signer = given ?? (await this.signer(tx));
    return { signed: signDocument(doc, signer), key_id: signer.key_id };
  }

  private nextReminder(issuedAt: Date, deadline: Date | null, after: Date): Date | null {
    return reminderTimes({ issued_at: issuedAt, deadline, policy: this.policy }).find((t) => t.getTime() > after.getTime()) ?? null;
  }

  /**
   * Issue one document inside the caller's transaction: signed at once, or (emergencies with a
   * phone call) recorded as `phone_notified` until the written notice follows. Audited, and pushed
   * to the unit's webhook after commit.
   */
  async issueInTx(tx: Executor, actor: Principal | null, spec: IssueSpec): Promise<NoticeRow> {
    const id = randomUUID();
    // Take the key (and its lock) before reading the time, so issued_at is inside its validity.
    const signer = spec.phone_call ? undefined : await this.signer(tx);
    const now = this.clock.now();
    const measure = spec.measure ?? null;
    const def = measure ? MEASURES[measure] : null;
    const emergency = spec.emergency ?? false;
    if (emergency && def && !def.emergency_eligible) throw validationFailed('/emergency', `"${measure}" is not ordered as an emergency`);
    const phone = spec.phone_call ?? null;
    if (phone && !emergency) throw validationFailed('/phone_call', 'a phone notification first is for emergencies');
    if (phone && phone.called_at.getTime() > now.getTime()) throw validationFailed('/phone_call/called_at', 'the call is in the future');
    const start = phone ? phone.called_at : now;
    const deadline =
      spec.kind === 'handling_notice' && measure ? computeDeadline(measure, { emergency, severity: spec.severity ?? null, issued_at: start, policy: this.policy, override: spec.deadline_override ?? null }) : null;
    const base = { ...spec, id, version: 1 };
    const row: NoticeRow = {
      id,
      kind: spec.kind,
      state: phone ? 'phone_notified' : 'issued',
      case_id: spec.case_id ?? null,
      decision_id: spec.decision_id ?? null,
      enforcement_case_id: spec.enforcement_case_id ?? null,
      references_notice_id: spec.references?.notice_id ?? null,
      issuer_org_id: spec.issuer_org_id,
      recipient_org_id: spec.recipient_org_id,
      province_code: spec.province_code,
      category: spec.category ?? null,
      measure,
      targets: spec.targets ?? [],
      emergency,
      severity: spec.severity ?? null,
      requires_result: spec.kind === 'handling_notice' && (def?.requires_result ?? false),
      deadline,
      phone_call: phone ? { caller: phone.caller, callee: phone.callee, called_at: phone.called_at.toISOString() } : null,
      phone_notified_at: phone ? phone.called_at : null,
      written_due_at: phone ? writtenNoticeDueAt(phone.called_at, this.policy) : null,
      written_late: false,
      issued_at: phone ? null : now,
      acknowledged_at: null,
      result: null,
      result_at: null,
      verification: null,
      verified_at: null,
      overdue_at: null,
      next_reminder_at: null,
      reminders_sent: 0,
      signed: null,
      key_id: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    if (!phone) {
      const { signed, key_id } = await this.sign(tx, base, now, { deadline, phone_notified_at: null }, signer);
      row.signed = signed;
      row.key_id = key_id;
      row.next_reminder_at = row.requires_result ? this.nextReminder(now, deadline, now) : null;
    }
    const { written_late: _w, reminders_sent: _r, ...insert } = row;
    await noticesRepository.insert(tx, insert);
    await this.hooks.onStateChanged?.(tx, row);
    await this.audit.record(tx, actor, {
      action: phone ? 'notice.phone_notified' : `notice.issued`,
      object_type: 'notice',
      object_id: id,
      province_code: spec.province_code,
      data: { kind: spec.kind, recipient_org_id: spec.recipient_org_id, case_id: row.case_id, measure, targets: (row.targets as unknown[]).length, deadline: deadline?.toISOString() ?? null, emergency, key_id: row.key_id, phone_call: row.phone_call },
    });
    if (!phone) await this.pushIssued(tx, row);
    return row;
  }

  private async pushIssued(tx: Executor, row: NoticeRow): Promise<void> {
    await this.webhooks.enqueue(tx, {
      org_id: row.recipient_org_id,
      event_type: `notice.${row.kind === 'handling_notice' ? 'issued' : row.kind}`,
      payload: { notice: presentNotice(row, this.publicUrl), document: row.signed },
    });
  }

  // ------------------------------------------------------------------ reading

  private async load(actor: Principal, id: string): Promise<NoticeRow> {
    const n = await noticesRepository.get(this.db, id);
    if (!n || !canSeeNotice(actor, n)) throw notFound('Notice');
    return n;
  }

  /**
   * A notice's targets may be personal information (a phone number, an e-mail account, a broadband
   * account to block: Art. 8) and a penalty decision names the person directly responsible: those
   * who may see the notice must, and their read is audited (Art. 12).
   */
  async get(actor: Principal, id: string) {
    const n = await this.load(actor, id);
    await this.audit.recordRead(actor, new RestrictedRead('notice.get', 'notice', id, n.province_code).add(id, noticeRestrictedFields(n, false)).entry());
    return presentNotice(n, this.publicUrl);
  }

  async list(actor: Principal, q: { state?: string; kind?: string; case_id?: string; province_code?: string; limit?: number; offset?: number }) {
    const f: Parameters<typeof noticesRepository.list>[1] = { state: q.state, kind: q.kind, case_id: q.case_id, limit: q.limit ?? 50, offset: q.offset ?? 0 };
    if (actor.orgKind === 'regulator_provincial') f.province_code = actor.provinceCode ?? '000000';
    else if (actor.orgKind === 'regulator_national' || actor.orgKind === 'professional_institution') f.province_code = q.province_code;
    else f.recipient_org_id = actor.orgId;
    // Penalty decisions are enforcement's, not the institutions' (access module).
    if (actor.orgKind === 'professional_institution') f.exclude_kinds = ENFORCEMENT_NOTICE_KINDS;
    const rows = await noticesRepository.list(this.db, f);
    const read = new RestrictedRead('notice.list', 'notice', 'list', listProvince(actor));
    for (const r of rows) read.add(r.id, noticeRestrictedFields(r, false));
    await this.audit.recordRead(actor, read.entry());
    return { items: rows.map((r) => presentNotice(r, this.publicUrl)) };
  }

  async ofCase(caseId: string, tx?: Executor) {
    return noticesRepository.ofCase(tx ?? this.db, caseId);
  }

  async document(actor: Principal, id: string): Promise<SignedDocument> {
    return this.signedDocument(actor, id, 'notice.document');
  }

  private async signedDocument(actor: Principal, id: string, channel: string): Promise<SignedDocument> {
    const n = await this.load(actor, id);
    if (!n.signed) throw conflict('This notice has no written document yet: the unit was notified by phone and the written notice has not been issued', { state: n.state });
    await this.audit.recordRead(actor, new RestrictedRead(channel, 'notice', id, n.province_code).add(id, noticeRestrictedFields(n, true)).entry());
    return n.signed as SignedDocument;
  }

  async print(actor: Principal, id: string, lang: 'zh' | 'en'): Promise<string> {
    const signed = await this.signedDocument(actor, id, 'notice.print');
    const key = await noticesRepository.keyById(this.db, signed.signature.key_id);
    return renderNoticeHtml(signed, lang, { key_fingerprint: key?.fingerprint, public_keys_url: `${this.publicUrl}/.well-known/threatshare-keys.json` });
  }

  // ------------------------------------------------------------------ transitions

  private async transition(
    actor: Principal,
    id: string,
    event: NoticeEvent,
    check: (n: NoticeRow) => void,
    change: (n: NoticeRow, tx: Executor, now: Date, to: NoticeState) => Promise<Partial<NoticeRow>>,
    data: Record<string, unknown> = {},
  ) {
    await this.load(actor, id);
    const row = await this.db.transaction().execute(async (tx) => {
      const n = (await noticesRepository.get(tx, id, true))!;
      check(n);
      const to = transitionOrThrow(noticeMachine, `Notice ${id}`, n.state as NoticeState, event);
      if (event === 'issue_written') await this.signer(tx);
      const now = this.clock.now();
      const patch = { ...(await change(n, tx, now, to)), state: to, updated_at: now };
      await noticesRepository.update(tx, id, patch);
      const updated = { ...n, ...patch } as NoticeRow;
      if (to !== n.state) await this.hooks.onStateChanged?.(tx, updated);
      await this.audit.record(tx, actor, { action: `notice.${event}`, object_type: 'notice', object_id: id, province_code: n.province_code, data: { from: n.state, to, ...data } });
      if (updated.case_id && (to === 'verified' || to === 'withdrawn')) await this.hooks.onSettled?.(tx, updated.case_id, actor);
      return updated;
    });
    this.webhooks.kick();
    return presentNotice(row, this.publicUrl);
  }

  /** Art. 9: the unit acknowledges receipt; the first acknowledgment is the legal delivery time. */
  acknowledge(actor: Principal, id: string) {
    return this.transition(actor, id, 'acknowledge', (n) => assertIsNoticedUnit(actor, n), async (n, _tx, now) => ({ acknowledged_at: n.acknowledged_at ?? now }));
  }

  /** Art. 9: the unit reports what it did, with evidence. */
  reportResult(actor: Principal, id: string, input: { summary: string; evidence_sha256?: string[]; completed_at?: string }) {
    return this.transition(
      actor,
      id,
      'report_result',
      (n) => {
        assertIsNoticedUnit(actor, n);
        if (!n.requires_result) throw conflict('This notice informs; it takes no result');
      },
      async (n, tx, now) => {
        const result = { summary: input.summary, evidence_sha256: input.evidence_sha256 ?? [], completed_at: input.completed_at ?? now.toISOString(), reported_at: now.toISOString(), reported_by: actor.userId ?? actor.tokenId };
        await this.webhooks.enqueue(tx, { org_id: n.issuer_org_id, event_type: 'notice.result_reported', payload: { notice_id: n.id, result } });
        return { result, result_at: now };
      },
      { evidence: input.evidence_sha256?.length ?? 0 },
    );
  }

  /** Art. 9: the regulator or an institution re-checks: accept, or send back with reasons. */
  verify(actor: Principal, id: string, input: { outcome: 'accepted' | 'sent_back'; reasons?: string }) {
    if (input.outcome === 'sent_back' && !input.reasons?.trim()) throw validationFailed('/reasons', 'sending a result back gives the reasons');
    const event: NoticeEvent = input.outcome === 'accepted' ? 'verify' : 'send_back';
    return this.transition(
      actor,
      id,
      event,
      (n) => assertCanVerify(actor, n),
      async (n, tx, now, to) => {
        const verification = { outcome: input.outcome, reasons: input.reasons ?? null, by_org_id: actor.orgId, at: now.toISOString() };
        await this.webhooks.enqueue(tx, { org_id: n.recipient_org_id, event_type: `notice.${input.outcome === 'accepted' ? 'verified' : 'sent_back'}`, payload: { notice_id: n.id, verification } });
        return {
          verification,
          verified_at: input.outcome === 'accepted' ? now : null,
          next_reminder_at: to === 'sent_back' && n.issued_at ? this.nextReminder(n.issued_at, n.deadline, now) : null,
        };
      },
      { outcome: input.outcome },
    );
  }

  /**
   * Art. 8 emergencies: after the phone call, the written notice. If the measure's deadline ran out
   * meanwhile, the written notice carries a new one counted from now.
   */
  issueWritten(actor: Principal, id: string) {
    return this.transition(
      actor,
      id,
      'issue_written',
      (n) => assertIsResponsibleRegulator(actor, n.province_code),
      async (n, tx, now) => {
        let deadline = n.deadline;
        if (deadline && deadline.getTime() <= now.getTime() && n.measure)
          deadline = computeDeadline(n.measure as MeasureCode, { emergency: n.emergency, severity: n.severity as Severity | null, issued_at: now, policy: this.policy });
        const { signed, key_id } = await this.sign(tx, n, now, { deadline, phone_notified_at: n.phone_notified_at });
        const late = isWrittenNoticeLate({ phone_notified_at: n.phone_notified_at!, written_issued_at: now, now, policy: this.policy });
        const patch = { signed, key_id, issued_at: now, deadline, written_late: n.written_late || late, next_reminder_at: n.requires_result ? this.nextReminder(now, deadline, now) : null };
        await this.pushIssued(tx, { ...n, ...patch, state: 'issued' } as NoticeRow);
        return patch;
      },
    );
  }

  /**
   * Withdraw a notice inside the caller's transaction (appeal outcome, changed decision): the
   * notice ends, and the unit gets a signed withdrawal, or a restoration when the measure may be
   * in force. Returns the new document's row, or null when there was nothing to withdraw.
   */
  async withdrawInTx(tx: Executor, actor: Principal | null, noticeId: string, reasons: string): Promise<NoticeRow | null> {
    const n = (await noticesRepository.get(tx, noticeId, true))!;
    const r = noticeMachine.next(n.state as NoticeState, 'withdraw');
    if (!r.ok) return null;
    const now = this.clock.now();
    await noticesRepository.update(tx, noticeId, { state: r.state, updated_at: now, next_reminder_at: null });
    await this.hooks.onStateChanged?.(tx, { ...n, state: r.state, updated_at: now });
    await this.audit.record(tx, actor, { action: 'notice.withdraw', object_type: 'notice', object_id: noticeId, province_code: n.province_code, data: { from: n.state, to: r.state, reasons } });
    if (!n.signed) return null; // a phone notification without a written notice: nothing to withdraw in writing
    const kind: NoticeKind = n.kind === 'handling_notice' && withdrawalRequiresRestoration(n.state as NoticeState) ? 'restoration' : 'withdrawal';
    return this.issueInTx(tx, actor, {
      kind,
      issuer_org_id: actor?.orgId && (await this.directory.org(tx, actor.orgId))?.kind.startsWith('regulator') ? actor.orgId : n.issuer_org_id,
      recipient_org_id: n.recipient_org_id,
      province_code: n.province_code,
      case_id: n.case_id,
      decision_id: n.decision_id,
      enforcement_case_id: n.enforcement_case_id,
      references: { notice_id: n.id, version: n.version },
      category: n.category,
      reasons,
    });
  }

  // ------------------------------------------------------------------ sweeps

  /** Notices past their deadline without an accepted result → overdue, and an enforcement case each (Art. 13). */
  async sweepDeadlines(limit = 500): Promise<number> {
    const now = this.clock.now();
    const n = await this.db.transaction().execute(async (tx) => {
      const rows = await noticesRepository.claimOverdue(tx, now, limit);
      if (rows.length === 0) return 0;
      await this.hooks.onOverdue?.(tx, rows, now);
      await this.webhooks.enqueueMany(tx, rows.map((r) => ({ org_id: r.recipient_org_id, event_type: 'notice.overdue', payload: { notice_id: r.id, deadline: r.deadline?.toISOString() ?? null, enforcement_case_id: r.enforcement_case_id } })));
      // One chain append for the batch (AuditService.recordMany); still one entry per notice.
      await this.audit.recordMany(tx, null, rows.map((r) => ({ action: 'notice.deadline_passed', object_type: 'notice', object_id: r.id, province_code: r.province_code, data: { from: 'running', to: 'overdue', deadline: r.deadline?.toISOString() ?? null, enforcement_case_id: r.enforcement_case_id } })));
      return rows.length;
    });
    if (n) this.webhooks.kick();
    return n;
  }

  /** Reminders before the deadline (the policy's fractions of the period), pushed to the unit. */
  async sweepReminders(limit = 500): Promise<number> {
    const now = this.clock.now();
    const n = await this.db.transaction().execute(async (tx) => {
      const rows = await noticesRepository.claimReminders(tx, now, limit);
      for (const r of rows) {
        const running = DEADLINE_RUNNING_STATES.includes(r.state as NoticeState);
        if (running)
          await this.webhooks.enqueue(tx, { org_id: r.recipient_org_id, event_type: 'notice.reminder', payload: { notice_id: r.id, state: r.state, deadline: r.deadline?.toISOString() ?? null } });
        await noticesRepository.update(tx, r.id, {
          next_reminder_at: running && r.issued_at ? this.nextReminder(r.issued_at, r.deadline, now) : null,
          reminders_sent: r.reminders_sent + (running ? 1 : 0),
        });
      }
      return rows.length;
    });
    if (n) this.webhooks.kick();
    return n;
  }

  /** Phone notifications whose written notice is late: flagged, and the regulator is told. */
  async sweepLateWritten(limit = 500): Promise<number> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const rows = await noticesRepository.claimLateWritten(tx, now, limit);
      for (const r of rows) {
        await this.audit.record(tx, null, { action: 'notice.written_notice_late', object_type: 'notice', object_id: r.id, province_code: r.province_code, data: { written_due_at: r.written_due_at?.toISOString() ?? null } });
        await this.webhooks.enqueue(tx, { org_id: r.issuer_org_id, event_type: 'notice.written_notice_late', payload: { notice_id: r.id, written_due_at: r.written_due_at?.toISOString() ?? null } });
      }
      return rows.length;
    });
  }
}

/**
 * The restricted content of a notice: personal values among its targets and, in its signed
 * document, the person directly responsible named by a penalty decision. Names, never values.
 */
export function noticeRestrictedFields(n: Pick<NoticeRow, 'targets' | 'signed'>, withDocument: boolean): string[] {
  const fields: string[] = [];
  if (((n.targets as { type: string }[] | null) ?? []).some(isPersonalValue)) fields.push('targets.value');
  if (withDocument && (n.signed as SignedDocument | null)?.document.penalty?.person_name) fields.push('penalty.person_name');
  return fields;
}
