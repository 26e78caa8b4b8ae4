/**
 * Intake (Art. 2, 6): a unit submits a threat in the one specified format. The report is stored
 * once (an Idempotency-Key makes a retry return the first receipt), its observables are normalized
 * and deduplicated into the indicator store, and every change is one transaction with its audit
 * entry. Reports are immutable; a correction is a new version that supersedes the old.
 */
import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Db, Executor } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { forbidden, notFound, Problem, validationFailed, type ProblemDetail } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { IndicatorsService, IntakeItem } from '../indicators/indicators.service.js';
import { normalizeObservable } from '../indicators/normalize.js';
import { provinceByCode } from '../orgs/provinces.js';
import { isPersonalValue, listProvince, restrictedFieldsPresent, RestrictedRead } from '../access/confidentiality.js';
import { presentReport } from './reports.presenter.js';
import { assertCanSubmit } from './reports.policy.js';
import { canSeeReport } from '../access/report-visibility.js';
import { reportsRepository, type ReportRow } from './reports.repository.js';
import type { Report, ReportCreate, ReportListQuery, ReportReceipt } from './reports.schema.js';
import { isSubtypeOf, type ThreatCategory } from './taxonomy.js';

/**
 * Called inside the intake transaction of every accepted report (the workflow opens cases here).
 * `storedBefore`, when given (bulk intake), names the ids among `indicatorIds` whose values were
 * stored before this intake; the others were written by it with the columns' defaults.
 */
export type IntakeHook = (tx: Executor, report: ReportRow, indicatorIds: number[], actor: Principal, storedBefore?: number[]) => Promise<void>;

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalize(body) ?? '').digest('hex');
}

export class ReportsService {
  readonly intakeHooks: IntakeHook[] = [];

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly indicators: IndicatorsService,
  ) {}

  async submit(
    actor: Principal,
    input: ReportCreate,
    opts: { idempotencyKey?: string; source?: 'api' | 'console' | 'cli' } = {},
  ): Promise<{ receipt: ReportReceipt; replayed: boolean }> {
    assertCanSubmit(actor);
    const hash = requestHash(input);
    if (opts.idempotencyKey) {
      const replay = await this.replay(actor, opts.idempotencyKey, hash);
      if (replay) return { receipt: replay, replayed: true };
    }
    if (!isSubtypeOf(input.category as ThreatCategory, input.subtype))
      throw validationFailed('/subtype', `"${input.subtype}" is not a sub-type of ${input.category}`);
    if (input.affected_party?.province_code && !provinceByCode(input.affected_party.province_code))
      throw validationFailed('/affected_party/province_code', `Unknown province code ${input.affected_party.province_code}`);
    const discovered = new Date(input.discovered_at);
    if (discovered.getTime() > Date.now() + 5 * 60_000) throw validationFailed('/discovered_at', 'The discovery time is in the future');
    const validUntil = input.valid_until ? new Date(input.valid_until) : null;
    if (validUntil && validUntil <= discovered) throw validationFailed('/valid_until', 'valid_until must be after discovered_at');

    // Normalize every observable; one bad value refuses the report (a report is one document).
    const errors: ProblemDetail[] = [];
    const items: IntakeItem[] = [];
    const indexOf = new Map<string, number>();
    const positions: number[] = [];
    input.observables.forEach((o, i) => {
      const n = normalizeObservable(o.type, o.value);
      if (!n.ok) {
        errors.push({ field: `/observables/${i}/value`, code: n.code, message: n.message });
        return;
      }
      const key = `${n.type}\u0000${n.value}`;
      let at = indexOf.get(key);
      if (at === undefined) {
        at = items.length;
        indexOf.set(key, at);
        items.push({ ...n, category: input.category, subtype: input.subtype });
      }
      positions[i] = at;
    });
    if (errors.length) throw validationFailed(errors[0].field!, `${errors.length} observable(s) refused: ${errors[0].message}`, errors);

    const evidence = [...new Set(input.evidence_sha256 ?? [])];
    if (evidence.length) {
      const ok = await reportsRepository.evidenceAccessible(this.db, actor.orgId, evidence);
      const missing = evidence.findIndex((h) => !ok.has(h));
      if (missing >= 0) throw validationFailed(`/evidence_sha256/${missing}`, `Evidence ${evidence[missing]} was not uploaded by your organization`);
    }

    let version = 1;
    if (input.supersedes_id) {
      const old = await reportsRepository.get(this.db, input.supersedes_id);
      if (!old || old.org_id !== actor.orgId) throw validationFailed('/supersedes_id', 'You can correct only your own reports');
      version = old.version + 1;
    }

    const id = randomUUID();
    const province =
      items.map((it) => this.indicators.enrich(it.type, it.value).province_code).find((p) => p) ??
      input.affected_party?.province_code ??
      actor.provinceCode ??
      null;
    const row: Omit<ReportRow, 'received_at' | 'receipt'> = {
      id,
      org_id: actor.orgId,
      submitted_by_user: actor.userId,
      submitted_by_token: actor.tokenId,
      source: opts.source ?? 'api',
      category: input.category,
      subtype: input.subtype,
      title: input.title,
      description: input.description ?? '',
      discovered_at: discovered,
      affected_party: input.affected_party ?? null,
      tlp: input.tlp,
      self_handled: input.self_handled ?? false,
      self_measures: input.self_measures ?? [],
      disclose_reporter: input.disclose_reporter ?? false,
      province_code: province,
      evidence_sha256: evidence,
      observable_count: items.length,
      refused_count: 0,
      version,
      supersedes_id: input.supersedes_id ?? null,
      idempotency_key: opts.idempotencyKey ?? null,
      request_hash: hash,
    };

    let changed: Parameters<IndicatorsService['publish']>[0] = [];
    let receipt: ReportReceipt;
    try {
      receipt = await this.db.transaction().execute(async (tx) => {
        await reportsRepository.insert(tx, row);
        const { outcomes, rows } = await this.indicators.ingest(tx, items, {
          report_id: id,
          org_id: actor.orgId,
          seen_at: discovered,
          tlp: input.tlp,
          valid_until: validUntil,
        });
        changed = rows;
        const stored = (await reportsRepository.get(tx, id))!;
        const rec: ReportReceipt = {
          ...presentReport(actor, stored),
          observables: input.observables.map((_, i) => {
            const it = items[positions[i]];
            const out = outcomes[positions[i]];
            const firstAt = positions.indexOf(positions[i]) === i;
            return {
              index: i,
              type: it.type,
              value: it.value,
              status: out.inserted && firstAt ? ('accepted' as const) : ('duplicate' as const),
              indicator_id: String(out.indicator_id),
            };
          }),
        };
        for (const hook of this.intakeHooks) await hook(tx, stored, outcomes.map((o) => o.indicator_id), actor);
        // The receipt names the case the identification hook opened or joined (issue 11).
        const caseId = await reportsRepository.caseOf(tx, id);
        if (caseId) rec.case_id = caseId;
        await reportsRepository.setReceipt(tx, id, rec);
        await this.audit.record(tx, actor, {
          action: row.self_handled ? 'report.self_handled_recorded' : 'report.submitted',
          object_type: 'report',
          object_id: id,
          province_code: province,
          data: { category: row.category, subtype: row.subtype, observables: items.length, tlp: row.tlp, version, supersedes_id: row.supersedes_id, request_hash: hash },
        });
        return rec;
      });
    } catch (err) {
      // Two identical retries raced: the loser returns the winner's receipt.
      if (opts.idempotencyKey && isUniqueViolation(err)) {
        const replay = await this.replay(actor, opts.idempotencyKey, hash);
        if (replay) return { receipt: replay, replayed: true };
      }
      throw err;
    }
    this.indicators.publish(changed);
    return { receipt, replayed: false };
  }

  private async replay(actor: Principal, key: string, hash: string): Promise<ReportReceipt | null> {
    const existing = await reportsRepository.byIdempotencyKey(this.db, actor.orgId, key);
    if (!existing) return null;
    if (existing.request_hash !== hash)
      throw new Problem('idempotency_mismatch', 'This Idempotency-Key was used for a different report; use a new key for a new report', { field: '/headers/idempotency-key' });
    return existing.receipt as ReportReceipt;
  }

  /**
   * One report as its reader may see it. Whoever may see a report is entitled to its restricted
   * fields (reports.policy.ts), so the read is in the audit log (Art. 12), own reports included.
   */
  async get(actor: Principal, id: string): Promise<Report & { observables: { id: string; type: string; value: string }[] }> {
    const r = await reportsRepository.get(this.db, id);
    if (!r || !canSeeReport(actor, r)) throw notFound('Report');
    const obs = await reportsRepository.observablesOf(this.db, id);
    const view = { ...presentReport(actor, r), observables: obs.map((o) => ({ id: String(o.id), type: o.type, value: o.value })) };
    const read = new RestrictedRead('report.get', 'report', id, r.province_code).add(id, [
      ...restrictedFieldsPresent('report', view),
      ...(view.observables.some(isPersonalValue) ? ['observables.value'] : []),
    ], r.tlp);
    await this.audit.recordRead(actor, read.entry());
    return view;
  }

  async getRow(id: string): Promise<ReportRow | undefined> {
    return reportsRepository.get(this.db, id);
  }

  async list(actor: Principal, q: ReportListQuery): Promise<{ items: Report[]; next: string | null }> {
    const limit = q.limit ?? 50;
    const sort = q.sort ?? 'received_at';
    const order = q.order ?? 'desc';
    const f: Parameters<typeof reportsRepository.list>[1] = { category: q.category, self_handled: q.self_handled, words: q.q ? q.q.split(/\s+/).filter(Boolean).slice(0, 8) : undefined, sort, order, limit };
    if (actor.orgKind === 'regulator_national' || actor.orgKind === 'professional_institution') {
      f.province_code = q.province_code;
      f.org_id = q.org_id;
    } else if (actor.orgKind === 'regulator_provincial') {
      if (q.province_code && q.province_code !== actor.provinceCode) throw forbidden('A provincial administration sees its own province only');
      f.province_code = actor.provinceCode ?? '000000';
      f.org_id = q.org_id;
    } else {
      if (q.org_id && q.org_id !== actor.orgId) throw forbidden('A unit sees its own reports only');
      f.org_id = actor.orgId;
      f.province_code = q.province_code;
    }
    if (q.before) {
      f.after = decodeCursor(q.before, sort, order);
      if (!reportsRepository.validSortKey(sort, f.after.key)) throw validationFailed('/before', 'The cursor is not one this server issued');
    }
    const rows = await reportsRepository.list(this.db, f);
    const last = rows[rows.length - 1];
    const items = rows.map((r) => presentReport(actor, r));
    // One entry for the page, naming the reports whose restricted fields it carried.
    const read = new RestrictedRead('report.list', 'report', 'list', listProvince(actor));
    for (const item of items) read.add(item.id, restrictedFieldsPresent('report', item), item.tlp);
    await this.audit.recordRead(actor, read.entry());
    return {
      items,
      next: rows.length === limit && last ? encodeCursor(sort, order, last.sort_key, last.id) : null,
    };
  }
}

/**
 * A keyset cursor: the sort, the direction, and the last row's sort key and id. A cursor of another
 * sort or direction is refused, since its tuple would not mark a position in this order.
 */
export function encodeCursor(sort: string, order: string, key: string, id: string): string {
  return Buffer.from(JSON.stringify([sort, order, key, id])).toString('base64url');
}

export function decodeCursor(c: string, sort: string, order: string): { key: string; id: string } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(c, 'base64url').toString());
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'string') || !UUID.test(v[3])) {
    throw validationFailed('/before', 'The cursor is not one this server issued');
  }
  if (v[0] !== sort || v[1] !== order) throw validationFailed('/before', `The cursor belongs to sort=${v[0]}&order=${v[1]}`);
  return { key: v[2], id: v[3] };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
