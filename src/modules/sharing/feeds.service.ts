/**
 * Feeds and exports (Art. 6: publish; DESIGN §6): blocklists that resolvers and firewalls load as
 * they are, for the audience of the requesting organization, streamed from the database in keyset
 * pages (never a million rows in memory), with a generation-based ETag for conditional GET. Also the
 * exclusion list (kept out of every blocklist) and the expiry sweep, both set operations.
 */
import { isBlocking } from '../indicators/listing.js';
import { createHash } from 'node:crypto';
import type { DatabaseHandle } from '../../db/database.js';
import { validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { indicatorsRepository } from '../indicators/indicators.repository.js';
import type { IndicatorsService } from '../indicators/indicators.service.js';
import { normalizeObservable } from '../indicators/normalize.js';
import type { ObservableType } from '../indicators/observable-types.js';
import { EXPORT_FORMATS, nextZoneSerial, RowBatches, type ExportFormatName, type ExportGenerator, type ExportRow } from './exports/index.js';
import { EXPORT_INDICATOR_TYPES } from './exports/export-stream.js';
import { listProvince, RestrictedRead } from '../access/confidentiality.js';
import { auditedRows } from './export-audit.js';
import { audienceKey, feedAudienceOf, type FeedAudience } from '../access/feed-audience.js';
import { assertCanManageExclusions, assertCanReadExclusions } from './sharing.policy.js';
import { sharingRepository, type FeedRow } from './sharing.repository.js';

export const FEED_PAGE = 10_000;
const EXCLUSIONS_KEY = 'sharing.exclusions';
const RPZ_SERIAL_KEY = 'sharing.rpz_serial';

export interface ExportRequest {
  format: ExportFormatName;
  /** RPZ: also block every name below each domain. */
  include_subdomains?: boolean;
  /** Restrict to these indicator types (within what the format carries). */
  types?: string[];
}

export interface PreparedExport {
  etag: string;
  last_modified: Date;
  content_type: string;
  file_name: string;
  /** Starts generating; call only when the client does not already hold `etag`. */
  body(): ExportGenerator;
}

export interface ExclusionEntry {
  type: string;
  value: string;
}

export class FeedsService {
  constructor(
    private readonly handle: DatabaseHandle,
    private readonly audit: AuditService,
    private readonly indicators: IndicatorsService,
  ) {}

  private get db() {
    return this.handle.db;
  }

  /** Reads the exclusion list into the intake path (start-up, and after a change). */
  async loadExclusions(): Promise<ExclusionEntry[]> {
    const s = await sharingRepository.setting<ExclusionEntry[]>(this.db, EXCLUSIONS_KEY);
    const entries = s?.value ?? [];
    this.indicators.setExclusions(entries.map((e) => `${e.type}:${e.value}`));
    return entries;
  }

  async exclusions(p: Principal): Promise<{ entries: ExclusionEntry[]; updated_at: string | null }> {
    assertCanReadExclusions(p);
    const s = await sharingRepository.setting<ExclusionEntry[]>(this.db, EXCLUSIONS_KEY);
    return { entries: s?.value ?? [], updated_at: s ? new Date(s.updated_at).toISOString() : null };
  }

  /**
   * Replaces the exclusion list and re-marks every indicator in one transaction: newly matching
   * ones leave every blocklist at the next generation, no longer matching ones come back.
   */
  async setExclusions(p: Principal, raw: ExclusionEntry[]): Promise<{ entries: ExclusionEntry[]; excluded: number; included: number }> {
    assertCanManageExclusions(p);
    const entries: ExclusionEntry[] = [];
    const seen = new Set<string>();
    raw.forEach((e, i) => {
      const n = normalizeObservable(e.type as ObservableType, e.value);
      if (!n.ok) throw validationFailed(`/entries/${i}/value`, n.message);
      const key = `${n.type}:${n.value}`;
      if (!seen.has(key)) entries.push({ type: n.type, value: n.value });
      seen.add(key);
    });
    const changed = await this.db.transaction().execute(async (tx) => {
      await sharingRepository.putSetting(tx, EXCLUSIONS_KEY, entries);
      const rows = await sharingRepository.applyExclusions(tx, entries);
      await this.audit.record(tx, p, {
        action: 'sharing.exclusions_set',
        object_type: 'settings',
        object_id: EXCLUSIONS_KEY,
        data: { entries: entries.length, excluded: rows.filter((r) => r.excluded).length, included: rows.filter((r) => !r.excluded).length },
      });
      return rows;
    });
    this.indicators.setExclusions(entries.map((e) => `${e.type}:${e.value}`));
    await this.republish(changed.map((r) => r.id));
    return { entries, excluded: changed.filter((r) => r.excluded).length, included: changed.filter((r) => !r.excluded).length };
  }

  /**
   * Marks indicators whose valid_until has passed as expired, in batches, as a set operation.
   * updated_at moves, so other processes' lookup indexes and every feed follow; in this process
   * the rows are stale at once (lookups read them from the database) and the cached ones re-read.
   */
  async sweepExpired(batch = 50_000): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = await this.db.transaction().execute(async (tx) => {
        const expired = await sharingRepository.expireDue(tx, batch);
        // One entry per batch, not per value: the rows themselves carry status and updated_at.
        if (expired.length > 0) {
          let lo = expired[0];
          let hi = expired[0];
          for (const id of expired) (lo = Math.min(lo, id)), (hi = Math.max(hi, id));
          await this.audit.record(tx, null, { action: 'indicator.expired', object_type: 'indicators', object_id: 'expiry', data: { expired: expired.length, min_id: lo, max_id: hi } });
        }
        // This process's cache follows after commit (only the entries it holds are re-read).
        this.indicators.markStale(expired);
        return expired;
      });
      total += ids.length;
      this.indicators.refreshStale();
      if (ids.length < batch) return total;
    }
  }

  private async republish(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += FEED_PAGE) this.indicators.publish(await indicatorsRepository.byIds(this.db, ids.slice(i, i + FEED_PAGE)));
  }

  /** The current generation: changes whenever any indicator or the exclusion list changes. */
  async generation(): Promise<{ key: string; at: Date }> {
    const g = await sharingRepository.generation(this.db);
    const at = g.max_updated === 'empty' ? new Date(0) : new Date(g.max_updated);
    return { key: `${g.max_updated}/${g.count}`, at: Number.isNaN(at.getTime()) ? new Date(0) : at };
  }

  /**
   * Prepares an export for an audience: its ETag (format, options, audience and generation) and a
   * body that streams from the database. The RPZ serial is allotted per generation and grows.
   */
  async prepareExport(p: Principal | null, req: ExportRequest): Promise<PreparedExport> {
    const format = EXPORT_FORMATS[req.format];
    const accepts = format.accepts as readonly string[];
    const types = req.types && req.types.length > 0 ? req.types.filter((t) => accepts.includes(t)) : [...accepts];
    for (const t of req.types ?? []) if (!accepts.includes(t)) throw validationFailed('/types', `${req.format} does not carry ${t}; it carries ${accepts.join(', ')}`);
    const audience = feedAudienceOf(p);
    const gen = await this.generation();
    const optionsKey = `${req.format}|${types.join(',')}|${req.include_subdomains ? 'sub' : ''}`;
    const etag = `"${createHash('sha256').update(`${optionsKey}|${audienceKey(audience)}|${gen.key}`).digest('base64url').slice(0, 32)}"`;
    const serial = req.format === 'rpz' ? await this.rpzSerial(gen.key, gen.at) : undefined;
    const lean = !(req.format === 'csv' || req.format === 'ndjson');
    return {
      etag,
      last_modified: gen.at,
      content_type: format.content_type,
      file_name: `threatshare-${req.format}.${format.extension}`,
      body: () => {
        const all = this.streamRows(audience, types, lean);
        // CSV and NDJSON carry every field: a download holding TLP:AMBER-or-stricter rows is audited (Art. 12).
        const rows = lean || !p ? all : auditedRows(all, new RestrictedRead(`export.${req.format}`, 'export', req.format, listProvince(p)), (read) => this.audit.recordRead(p, read.entry()));
        const options = { generated_at: gen.at, include_expired: true, source: 'threatshare' };
        if (req.format === 'rpz') return EXPORT_FORMATS.rpz.generate(rows, { ...options, serial, include_subdomains: req.include_subdomains ?? false });
        return (format.generate as (r: AsyncIterable<ExportRow>, o: object) => ExportGenerator)(rows, options);
      },
    };
  }

  /**
   * The serial of the zone for a generation: the same generation keeps its serial (so a conditional
   * GET and a fresh GET agree), a new one gets nextZoneSerial, which always follows the previous.
   */
  private async rpzSerial(generation: string, at: Date): Promise<number> {
    const current = await sharingRepository.setting<{ generation: string; serial: number }>(this.db, RPZ_SERIAL_KEY);
    if (current?.value.generation === generation) return current.value.serial;
    return this.db.transaction().execute(async (tx) => {
      const locked = await sharingRepository.lockSetting<{ generation: string; serial: number }>(tx, RPZ_SERIAL_KEY);
      if (locked?.generation === generation) return locked.serial;
      const serial = nextZoneSerial(locked?.serial, new Date(Math.max(Date.now(), at.getTime())));
      await sharingRepository.putSetting(tx, RPZ_SERIAL_KEY, { generation, serial });
      return serial;
    });
  }

  /**
   * The rows of an export, type after type in id order. Blocklists (`lean`: type and value only)
   * read in bulk, in batches (feedValues: COPY on PostgreSQL; issue 5); CSV and NDJSON,
   * which carry every column, read keyset pages by (type, id), the next fetched while the generator
   * writes the current one.
   */
  streamRows(audience: FeedAudience, types: readonly string[], lean: boolean): AsyncIterable<ExportRow> {
    return lean ? new RowBatches(this.leanBatches(audience, types)) : this.fullRows(audience, types);
  }

  private async *leanBatches(audience: FeedAudience, types: readonly string[]): AsyncGenerator<ExportRow[]> {
    for (const type of types) {
      const rowType = type as ExportRow['type'];
      for await (const values of sharingRepository.feedValues(this.handle, { audience, type })) {
        const rows: ExportRow[] = new Array(values.length);
        for (let i = 0; i < values.length; i++) rows[i] = { type: rowType, value: values[i] };
        yield rows;
      }
    }
  }

  private async *fullRows(audience: FeedAudience, types: readonly string[]): AsyncGenerator<ExportRow> {
    for (const type of types) {
      const page$ = (afterId: number) => sharingRepository.feedPage(this.db, { audience, type, afterId, limit: FEED_PAGE, lean: false });
      let next: Promise<FeedRow[]> | null = page$(0);
      while (next) {
        const page: FeedRow[] = await next;
        if (page.length === 0) break;
        next = page.length === FEED_PAGE ? page$(page[page.length - 1].id) : null;
        for (const r of page) yield presentFeedRow(r) as unknown as ExportRow;
      }
    }
  }

  /**
   * The incremental feed: every change since the cursor (new, changed, expired, withdrawn,
   * excluded), in (updated_at, id) order up to the safe horizon, so no commit is ever skipped.
   * A consumer applies `active` rows and removes the others.
   */
  async changes(p: Principal | null, q: { cursor?: string; limit?: number; types?: string[] }) {
    const audience = feedAudienceOf(p);
    const limit = Math.min(q.limit ?? 1000, 10_000);
    const types = q.types && q.types.length > 0 ? q.types : [...EXPORT_INDICATOR_TYPES];
    const horizon = await indicatorsRepository.safeWatermark(this.db, this.handle.kind);
    // `now`: start from the present without the backlog (a consumer that loaded a full export first).
    if (q.cursor === 'now') return { items: [], next_cursor: encodeCursor({ at: horizon, id: 0 }), more: false };
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const rows = await sharingRepository.changedPage(this.db, { audience, types, after, horizon, limit });
    const last = rows[rows.length - 1];
    // Caught up: the next poll starts at the horizon, nothing before it can still appear.
    const next = last ? encodeCursor({ at: last.updated_at_text, id: last.id }) : encodeCursor({ at: horizon, id: 0 });
    const now = Date.now();
    // One entry per page that carries TLP:AMBER-or-stricter indicators (Art. 12).
    const read = new RestrictedRead('feed.changes', 'feed', 'changes', listProvince(p));
    for (const r of rows) read.add(r.id, [], r.tlp);
    if (p) await this.audit.recordRead(p, read.entry());
    return {
      items: rows.map((r) => {
        const active = isBlocking(r, now);
        const f = presentFeedRow(r);
        return {
          ...f,
          first_seen: iso(f.first_seen)!,
          last_seen: iso(f.last_seen)!,
          valid_until: iso(f.valid_until),
          action: active ? ('add' as const) : ('remove' as const),
          excluded: r.excluded,
        };
      }),
      next_cursor: next,
      more: rows.length === limit,
    };
  }
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function encodeCursor(c: { at: string; id: number }): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

export function decodeCursor(s: string): { at: string; id: number } {
  try {
    const [at, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (typeof at !== 'string' || !Number.isInteger(id) || (at !== '-infinity' && Number.isNaN(Date.parse(at)))) throw new Error();
    return { at, id };
  } catch {
    throw validationFailed('/cursor', 'not a cursor this feed handed out');
  }
}

/** A feed row → what CSV, NDJSON and the incremental feed carry: no reporter, no responsible unit. */
export function presentFeedRow(r: FeedRow) {
  return {
    id: String(r.id),
    type: r.type,
    value: r.value,
    hash_algorithm: r.hash_algorithm,
    category: r.category,
    subtype: r.subtype,
    status: r.status,
    tlp: r.tlp,
    province_code: r.province_code,
    first_seen: r.first_seen,
    last_seen: r.last_seen,
    valid_until: r.valid_until,
    sighting_count: r.sighting_count,
  };
}
