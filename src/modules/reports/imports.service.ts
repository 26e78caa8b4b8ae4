/**
 * Bulk intake (Art. 6, whole-day dumps): CSV, NDJSON or plain lists, streamed line by line,
 * normalized, deduplicated within the file and against the store, enriched, and upserted in
 * batches inside one transaction, so an import is all in or not at all. The receipt counts new,
 * duplicate and refused lines and gives the reason for each refused one; one bad line never stops
 * the rest. Values new to the store go in by COPY (IndicatorsService.ingestBulk), the fastest
 * path PostgreSQL has, inside the same transaction as the report, its sightings and the receipt.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isUniqueViolation, type DatabaseHandle } from '../../db/database.js';
import { lineBatches, MAX_LINE_BYTES, OverlongLine, type Line } from '../../lib/line-batches.js';
import { Problem, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { BulkIntakeResult, IndicatorsService, IntakeItem } from '../indicators/indicators.service.js';
import { normalizeAny, normalizeObservable } from '../indicators/normalize.js';
import { isObservableType } from '../indicators/observable-types.js';
import { BulkLineParser, type BulkFormat } from './bulk-lines.js';
import { assertCanSubmit } from './reports.policy.js';
import { reportsRepository, type ReportRow } from './reports.repository.js';
import type { ReportsService } from './reports.service.js';
import type { ImportReceipt } from './reports.schema.js';
import { isSubtypeOf, THREAT_CATEGORIES, type ThreatCategory } from './taxonomy.js';

/**
 * Values per write. Each chunk is sorted by key before COPY (indexes fill left to right) while the
 * next is being read; bigger chunks sort better, smaller ones overlap more. The first chunks are
 * small and grow by half each time: the database starts writing after FIRST_CHUNK values rather
 * than a full chunk, and since it writes a value more slowly than Node reads one, a chunk half
 * again as large as the last is still ready before the database wants it.
 */
const CHUNK = 200_000;
const FIRST_CHUNK = 25_000;
/** Lines between two progress reports. */
const PROGRESS_EVERY = 5000;
const HASH_CHUNK = 64 * 1024;
const MAX_REFUSALS_KEPT = 1000;
/** A refusal stores and returns at most this much of the value and of the message. */
const REFUSAL_VALUE_CHARS = 200;
const REFUSAL_MESSAGE_CHARS = 300;

/** What the idempotency hash takes for a line: an over-long line by its length and prefix. */
function hashText(line: Line): string {
  return typeof line === 'string' ? line : `\u0000too_long:${line.bytes}:${line.prefix}`;
}

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
  /** Set at shutdown: running imports stop at their next batch and roll back. */
  private stopping = false;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly audit: AuditService,
    private readonly indicators: IndicatorsService,
    private readonly reports: ReportsService,
  ) {}

  private get db() {
    return this.handle.db;
  }

  /** Running imports stop at their next batch (and roll back); new ones are refused. */
  stop(): void {
    this.stopping = true;
  }

  private checkOptions(actor: Principal, o: ImportOptions): void {
    assertCanSubmit(actor);
    if (!(o.category in THREAT_CATEGORIES)) throw validationFailed('/category', `Unknown category "${o.category}"`);
    if (!isSubtypeOf(o.category as ThreatCategory, o.subtype)) throw validationFailed('/subtype', `"${o.subtype}" is not a sub-type of ${o.category}`);
    if (o.type !== undefined && !isObservableType(o.type)) throw validationFailed('/type', `Unknown observable type "${o.type}"`);
    if (this.stopping) throw new Problem('unavailable', 'The server is shutting down');
  }

  /**
   * An import from a request body (bytes, already decompressed and size-checked by the route).
   * PGlite has one session for every request: the body is first read to a temporary file, so a
   * slow or stalled client holds no transaction and every other request goes on meanwhile; the
   * import then reads the file at disk speed. PostgreSQL streams it straight in (its own
   * connection, others have theirs).
   */
  async importBody(actor: Principal, body: AsyncIterable<Buffer>, o: ImportOptions): Promise<{ receipt: ImportReceipt; replayed: boolean }> {
    this.checkOptions(actor, o);
    if (this.handle.kind !== 'pglite') return this.importLines(actor, lineBatches(body), o);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-import-'));
    try {
      const file = path.join(dir, 'body');
      await pipeline(body, fs.createWriteStream(file));
      return await this.importLines(actor, lineBatches(fs.createReadStream(file)), o);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async importLines(actor: Principal, lines: AsyncIterable<Line | Line[]> | Iterable<string>, o: ImportOptions): Promise<{ receipt: ImportReceipt; replayed: boolean }> {
    this.checkOptions(actor, o);

    const bodyHash = createHash('sha256');
    bodyHash.update(JSON.stringify([o.format, o.category, o.subtype, o.tlp ?? 'amber', o.type ?? null, o.valid_days ?? null, o.self_handled ?? false]));
    if (o.idempotencyKey) {
      const existing = await reportsRepository.importByKey(this.db, actor.orgId, o.idempotencyKey);
      if (existing) {
        for await (const entry of lines) for (const line of Array.isArray(entry) ? entry : [entry]) bodyHash.update(hashText(line)).update('\n');
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
    // Values seen in this file, per type (no concatenated key to build per line).
    const seen = new Map<string, Set<string>>();
    let distinct = 0;
    const refusals: ImportReceipt['refusals'] = [];
    let total = 0;
    let refused = 0;
    let inserted = 0;
    let duplicates = 0;
    const written: BulkIntakeResult[] = [];

    const report: Omit<ReportRow, 'received_at' | 'receipt'> = {
      id: reportId,
      org_id: actor.orgId,
      submitted_by_user: actor.userId,
      submitted_by_token: actor.tokenId,
      source: o.source ?? 'bulk',
      category: o.category,
      subtype: o.subtype,
      title: o.title ?? bulkTitle(o.category, o.subtype, now),
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
      if (refusals.length < MAX_REFUSALS_KEPT) refusals.push({ line, value: value.slice(0, REFUSAL_VALUE_CHARS), code, message: message.slice(0, REFUSAL_MESSAGE_CHARS) });
    };

    let receipt: ImportReceipt;
    try {
      receipt = await this.handle.bulkTransaction(async (tx, copyIn) => {
        await reportsRepository.insert(tx, report);
        let items: IntakeItem[] = [];
        let chunkSize = FIRST_CHUNK;
        // While the database writes one chunk, the next is read and normalized.
        let pending: Promise<void> | null = null;
        const ctx = { report_id: reportId, org_id: actor.orgId, seen_at: now, tlp, valid_until: validUntil };
        const write = async () => {
          if (items.length === 0) {
            if (pending) await pending;
            pending = null;
            return;
          }
          const chunk = items;
          items = [];
          // Node's half of the chunk (enrichment, split, sort) while the database writes the last one.
          const prepared = this.indicators.prepareBulk(chunk, ctx);
          if (pending) await pending;
          pending = this.indicators.writeBulk(tx, copyIn, prepared).then((w) => {
            inserted += w.inserted;
            duplicates += w.updated;
            written.push(w);
          });
          // A failure surfaces at the next await of `pending`; until then it is not unhandled.
          pending.catch(() => undefined);
        };
        // The request hash (idempotency) takes the body in pieces, not a call per line.
        let hashed = '';
        let lineNo = 0;
        const take = (line: Line): void => {
          lineNo++;
          if (lineNo % PROGRESS_EVERY === 0) o.onProgress?.(lineNo);
          hashed += hashText(line) + '\n';
          if (hashed.length >= HASH_CHUNK) {
            bodyHash.update(hashed);
            hashed = '';
          }
          if (line instanceof OverlongLine) {
            total++;
            return refuse(lineNo, line.prefix, 'too_long', `A line is at most ${MAX_LINE_BYTES} bytes; this one has ${line.bytes}`);
          }
          const p = parser.parse(line);
          if (p.kind === 'skip') return;
          total++;
          if (p.kind === 'refused') return refuse(lineNo, p.value, p.code, p.message);
          const c = p.c;
          const type = c.type ?? o.type;
          if (type !== undefined && !isObservableType(type)) return refuse(lineNo, c.value, 'unknown_type', `Unknown observable type "${type}"`);
          const category = c.category ?? o.category;
          const subtype = c.subtype ?? (c.category ? 'other' : o.subtype);
          if (!(category in THREAT_CATEGORIES) || !isSubtypeOf(category as ThreatCategory, subtype))
            return refuse(lineNo, c.value, 'invalid_category', `"${category}/${subtype}" is not an Article 2 category and sub-type`);
          const n = type ? normalizeObservable(type, c.value) : normalizeAny(c.value);
          if (!n.ok) return refuse(lineNo, c.value, n.code, n.message);
          let values = seen.get(n.type);
          if (!values) seen.set(n.type, (values = new Set()));
          if (values.has(n.value)) {
            duplicates++;
            return;
          }
          values.add(n.value);
          distinct++;
          items.push({ ok: true, type: n.type, value: n.value, hash_algorithm: n.hash_algorithm, category, subtype });
        };
        try {
          // Lines come one by one or, from a stream (lineBatches), a chunk's worth at a time.
          for await (const entry of lines) {
            if (this.stopping) throw new Problem('unavailable', 'The server is shutting down');
            if (!Array.isArray(entry)) take(entry);
            else for (let i = 0; i < entry.length; i++) take(entry[i]);
            if (items.length >= chunkSize) {
              await write();
              chunkSize = Math.min(CHUNK, Math.ceil(chunkSize * 1.5));
            }
          }
          bodyHash.update(hashed);
          await write(); // the last chunk
          await write(); // nothing left: waits until it is written
        } catch (err) {
          // The body broke off (or was too large) while a chunk was being written: let that write
          // finish before the transaction rolls back, so none of its statements can run after it.
          if (pending) await (pending as Promise<void>).catch(() => undefined);
          throw err;
        }
        if (o.format === 'csv' && !parser.hasHeader && total === 0) throw validationFailed('/body', 'The CSV file is empty: the first line is a header naming the columns');
        o.onProgress?.(lineNo);

        const accepted = inserted + duplicates;
        await reportsRepository.setCounts(tx, reportId, distinct, refused);
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
        const ids = written.flatMap((w) => w.ids);
        const storedBefore = written.flatMap((w) => w.updatedIds);
        for (const hook of this.reports.intakeHooks) await hook(tx, stored, ids, actor, storedBefore);
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
    for (const w of written) this.indicators.publishBulk(w);
    // Statistics are for the planner, not data: an import that committed is not failed for them.
    if (written.some((w) => w.fresh.length > 0)) await this.indicators.refreshRangeStatistics().catch(() => undefined);
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

/**
 * The title of a bulk import without one (its case takes it): what it is, from the taxonomy, and
 * when in Beijing time, in the platform's working language: "钓鱼网站：批量导入（2026-12-02 08:01 北京时间）",
 * not an ISO timestamp.
 */
export function bulkTitle(category: string, subtype: string, now: Date): string {
  const cat = THREAT_CATEGORIES[category as ThreatCategory] as { label: { zh: string }; subtypes: Record<string, { zh: string }> } | undefined;
  const what = cat?.subtypes[subtype]?.zh ?? cat?.label.zh ?? subtype;
  const when = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
  return `${what}：批量导入（${when} 北京时间）`;
}
