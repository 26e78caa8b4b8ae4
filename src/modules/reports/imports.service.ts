/**
 * Bulk intake (Art. 6, whole-day dumps): CSV, NDJSON or plain lists, streamed line by line,
 * normalized, deduplicated within the file and against the store, enriched, and upserted in
 * batches inside one transaction, so an import is all in or not at all. The receipt counts new,
 * duplicate and refused lines and gives the reason for each refused one; one bad line never stops
 * the rest. While the database writes one batch, the next is being normalized.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { isUniqueViolation } from '../../db/database.js';
import { Problem, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { IndicatorsService, IntakeItem } from '../indicators/indicators.service.js';
import type { IndicatorRow } from '../indicators/indicators.repository.js';
import { normalizeAny, normalizeObservable } from '../indicators/normalize.js';
import { isObservableType } from '../indicators/observable-types.js';
import { BulkLineParser, type BulkFormat } from './bulk-lines.js';
import { assertCanSubmit } from './reports.policy.js';
import { reportsRepository, type ReportRow } from './reports.repository.js';
import type { ReportsService } from './reports.service.js';
import type { ImportReceipt } from './reports.schema.js';
import { isSubtypeOf, THREAT_CATEGORIES, type ThreatCategory } from './taxonomy.js';

const BATCH = 5000;
const MAX_REFUSALS_KEPT = 1000;

export interface ImportOptions {
  format: BulkFormat;
  category: string;
  subtype: string;
  tlp?: string;
  title?: string;
  type?: string;
  valid_days?: number;
  self_handled?: boolean;
  idempotencyKey?: string;
  source?: 'bulk' | 'cli';
  onProgress?: (lines: number) => void;
}

export class ImportsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly indicators: IndicatorsService,
    private readonly reports: ReportsService,
  ) {}

  async importLines(actor: Principal, lines: AsyncIterable<string> | Iterable<string>, o: ImportOptions): Promise<{ receipt: ImportReceipt; replayed: boolean }> {
    assertCanSubmit(actor);
    if (!(o.category in THREAT_CATEGORIES)) throw validationFailed('/category', `Unknown category "${o.category}"`);
    if (!isSubtypeOf(o.category as ThreatCategory, o.subtype)) throw validationFailed('/subtype', `"${o.subtype}" is not a sub-type of ${o.category}`);
    if (o.type !== undefined && !isObservableType(o.type)) throw validationFailed('/type', `Unknown observable type "${o.type}"`);

    const bodyHash = createHash('sha256');
    bodyHash.update(JSON.stringify([o.format, o.category, o.subtype, o.tlp ?? 'amber', o.type ?? null, o.valid_days ?? null, o.self_handled ?? false]));
    if (o.idempotencyKey) {
      const existing = await reportsRepository.importByKey(this.db, actor.orgId, o.idempotencyKey);
      if (existing) {
        for await (const line of lines) bodyHash.update(line).update('\n');
        if (existing.request_hash !== bodyHash.digest('hex'))
          throw new Problem('idempotency_mismatch', 'This Idempotency-Key was used for a different import', { field: '/headers/idempotency-key' });
        return { receipt: presentImport(existing), replayed: true };
      }
    }

    const importId = randomUUID();
    const reportId = randomUUID();
    const now = new Date();
    const tlp = o.tlp ?? 'amber';
    const validUntil = o.valid_days ? new Date(now.getTime() + o.valid_days * 86_400_000) : null;
    const parser = new BulkLineParser(o.format);
    const seen = new Set<string>();
    const refusals: ImportReceipt['refusals'] = [];
    let total = 0;
    let refused = 0;
    let inserted = 0;
    let duplicates = 0;
    const changed: IndicatorRow[][] = [];

    const report: Omit<ReportRow, 'received_at' | 'receipt'> = {
      id: reportId,
      org_id: actor.orgId,
      submitted_by_user: actor.userId,
      submitted_by_token: actor.tokenId,
      source: o.source ?? 'bulk',
      category: o.category,
      subtype: o.subtype,
      title: o.title ?? `Bulk import ${now.toISOString()}`,
      description: '',
      discovered_at: now,
      affected_party: null,
      tlp,
      self_handled: o.self_handled ?? false,
      self_measures: [],
      disclose_reporter: false,
      province_code: actor.provinceCode,
      evidence_sha256: [],
      observable_count: 0,
      refused_count: 0,
      version: 1,
      supersedes_id: null,
      idempotency_key: null,
      request_hash: null,
    };

    const refuse = (line: number, value: string, code: string, message: string) => {
      refused++;
      if (refusals.length < MAX_REFUSALS_KEPT) refusals.push({ line, value: value.slice(0, 500), code, message });
    };

    let receipt: ImportReceipt;
    try {
      receipt = await this.db.transaction().execute(async (tx) => {
        await reportsRepository.insert(tx, report);
        let batch: IntakeItem[] = [];
        let pending: Promise<void> | null = null;
        const flush = async () => {
          if (pending) await pending;
          if (batch.length === 0) return;
          const items = batch;
          batch = [];
          pending = this.indicators
            .ingest(tx, items, { report_id: reportId, org_id: actor.orgId, seen_at: now, tlp, valid_until: validUntil })
            .then(({ outcomes, rows }) => {
              for (const out of outcomes) out.inserted ? inserted++ : duplicates++;
              changed.push(rows);
            });
        };

        let lineNo = 0;
        for await (const raw of lines) {
          lineNo++;
          bodyHash.update(raw).update('\n');
          const p = parser.parse(raw);
          if (p.kind === 'skip') continue;
          total++;
          if (p.kind === 'refused') {
            refuse(lineNo, p.value, p.code, p.message);
            continue;
          }
          const c = p.c;
          const type = c.type ?? o.type;
          if (type !== undefined && !isObservableType(type)) {
            refuse(lineNo, c.value, 'unknown_type', `Unknown observable type "${type}"`);
            continue;
          }
          const category = c.category ?? o.category;
          const subtype = c.subtype ?? (c.category ? 'other' : o.subtype);
          if (!(category in THREAT_CATEGORIES) || !isSubtypeOf(category as ThreatCategory, subtype)) {
            refuse(lineNo, c.value, 'invalid_category', `"${category}/${subtype}" is not an Article 2 category and sub-type`);
            continue;
          }
          const n = type ? normalizeObservable(type, c.value) : normalizeAny(c.value);
          if (!n.ok) {
            refuse(lineNo, c.value, n.code, n.message);
            continue;
          }
          const key = `${n.type}\u0000${n.value}`;
          if (seen.has(key)) {
            duplicates++;
            continue;
          }
          seen.add(key);
          batch.push({ ...n, category, subtype });
          if (batch.length >= BATCH) {
            await flush();
            o.onProgress?.(lineNo);
          }
        }
        await flush();
        if (pending) await pending;
        if (o.format === 'csv' && !parser.hasHeader && total === 0) throw validationFailed('/body', 'The CSV file is empty: the first line is a header naming the columns');
        o.onProgress?.(lineNo);

        const accepted = inserted + duplicates;
        await reportsRepository.setCounts(tx, reportId, seen.size, refused);
        const requestHash = bodyHash.digest('hex');
        await reportsRepository.insertImport(tx, {
          id: importId,
          org_id: actor.orgId,
          report_id: reportId,
          format: o.format,
          status: 'completed',
          total,
          accepted,
          new_indicators: inserted,
          duplicates,
          refused,
          refusals,
          idempotency_key: o.idempotencyKey ?? null,
          request_hash: requestHash,
        });
        const stored = (await reportsRepository.get(tx, reportId))!;
        const ids = changed.flatMap((rows) => rows.map((r) => r.id));
        for (const hook of this.reports.intakeHooks) await hook(tx, stored, ids, actor);
        await this.audit.record(tx, actor, {
          action: 'import.completed',
          object_type: 'import',
          object_id: importId,
          province_code: actor.provinceCode,
          data: { report_id: reportId, format: o.format, total, new_indicators: inserted, duplicates, refused, request_hash: requestHash },
        });
        return {
          id: importId,
          report_id: reportId,
          total,
          accepted: inserted,
          duplicates,
          refused,
          refusals,
          created_at: now.toISOString(),
        };
      });
    } catch (err) {
      if (o.idempotencyKey && isUniqueViolation(err)) {
        const existing = await reportsRepository.importByKey(this.db, actor.orgId, o.idempotencyKey);
        if (existing) return { receipt: presentImport(existing), replayed: true };
      }
      throw err;
    }
    for (const rows of changed) this.indicators.publish(rows);
    return { receipt, replayed: false };
  }

  async get(actor: Principal, id: string): Promise<ImportReceipt> {
    const row = await reportsRepository.getImport(this.db, id);
    if (!row || (row.org_id !== actor.orgId && actor.orgKind !== 'regulator_national')) throw new Problem('not_found', 'Import was not found');
    return presentImport(row);
  }
}

function presentImport(row: any): ImportReceipt {
  return {
    id: row.id,
    report_id: row.report_id,
    total: row.total,
    accepted: row.new_indicators,
    duplicates: row.duplicates,
    refused: row.refused,
    refusals: typeof row.refusals === 'string' ? JSON.parse(row.refusals) : row.refusals,
    created_at: new Date(row.created_at).toISOString(),
  };
}
