/**
 * The indicator store: canonical values deduplicated across all reports (Art. 6: store, analyze),
 * their enrichment with province, operator and responsible unit, and lookups that say whether a
 * value is a known threat. Lookups ask a membership filter in memory first, which answers most
 * unknown values at once, then a bounded cache of hot entries, then the unique index (see
 * indicator-index.ts and DESIGN.md §4); writes go to the database inside the caller's transaction
 * and reach the filter and cache once committed.
 */
import DataLoader from 'dataloader';
import type { CopyIn } from '../../db/copy-in.js';
import { isUniqueViolation, withSavepoint, type DatabaseHandle, type Executor } from '../../db/database.js';
import { notFound } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import {
  isRestrictedTlp,
  listProvince,
  PERSONAL_INDICATOR_TYPES,
  redactRecord,
  RestrictedRead,
  restrictedFieldsRevealed,
} from '../access/confidentiality.js';
import { entryOf, IndicatorIndex, type IndexedIndicator } from './indicator-index.js';
import { canSeeReporter, indicatorVisibility, isIndicatorEntitled } from '../access/indicator-visibility.js';
import { presentIndicator } from './indicators.presenter.js';
import { indicatorsRepository, type IndicatorRow, type IndicatorUpsert } from './indicators.repository.js';
import type { IndicatorSearchQuery, LookupResult } from './indicators.schema.js';
import { refang } from './refang.js';
import { createIpEnricher, type IpEnricher } from './ip-enrichment.js';
import { normalizeAny, normalizeObservable, type NormalizedObservable } from './normalize.js';
import type { ObservableType } from './observable-types.js';
import { ScopeMatcher, type DeclaredScope } from './scope-matcher.js';

export interface Enrichment {
  province_code: string | null;
  operator: string | null;
  responsible_org_id: string | null;
}

export interface IntakeItem extends NormalizedObservable {
  category: string;
  subtype: string;
}

export interface IntakeContext {
  report_id: string;
  org_id: string;
  seen_at: Date;
  tlp: string;
  valid_until: Date | null;
}

/** What ingestBulk wrote: counts, every id (the report's sightings), and what to publish after commit. */
export interface BulkIntakeResult {
  inserted: number;
  updated: number;
  ids: number[];
  /** Rows merged by upsert, as the database returned them. */
  rows: IndicatorRow[];
  /** Values written by COPY, with the ids they were given (same order). */
  fresh: { ids: number[]; rows: IndicatorUpsert[] }[];
  /** Ids of the values that were stored before (merged by upsert, not inserted). */
  updatedIds: number[];
}

/** A chunk of bulk intake made ready without the database (IndicatorsService.prepareBulk). */
export interface PreparedBulk {
  ctx: IntakeContext;
  /** Perhaps stored (the membership filter says maybe): merged by upsert, which inserts the few that are not. */
  stored: IndicatorUpsert[];
  /** Believed new, sorted by (type, value): written by COPY. */
  fresh: IndicatorUpsert[];
  /** No complete membership filter here: `fresh` still has to be checked against the unique key. */
  probe: boolean;
}

export interface IntakeOutcome {
  indicator_id: number;
  inserted: boolean;
}

const LOAD_PAGE = 20_000;
/**
 * Keys per page of the scan that builds the membership filter. Small enough that a page (~1 MB of
 * row objects) dies in the young generation: pages of 50,000 (~6 MB) outlived two scavenges while
 * the next one was read, and the scan of ten million rows left ~100 MiB of promoted garbage in the
 * old generation just as the server began to answer lookups at full rate.
 */
const FILTER_PAGE = 10_000;
/** A value asked by a single lookup that the filter and the hot cache could not answer. */
interface ProbeKey {
  type: string;
  value: string;
}

/** Values per query of a batch lookup. */
const LOOKUP_BATCH = 10_000;
/** Rows per upsert statement of values already stored (and of the fallback path). */
const UPSERT_BATCH = 5000;
/** Keys per existence probe when this process keeps no lookup index. */
const PROBE_BATCH = 10_000;

/**
 * Sorted by (type, value) in code-point order, as a C or C.UTF-8 collation orders the unique key:
 * grouped by type, then each group's values by the engine's own string sort (several times faster
 * than a comparator called from script).
 */
function sortedByKey<T extends { type: string; value: string }>(rows: T[]): T[] {
  const groups = new Map<string, Map<string, T>>();
  for (const r of rows) {
    let g = groups.get(r.type);
    if (!g) groups.set(r.type, (g = new Map()));
    g.set(r.value, r);
  }
  const out: T[] = [];
  for (const type of [...groups.keys()].sort()) {
    const g = groups.get(type)!;
    for (const value of [...g.keys()].sort()) out.push(g.get(value)!);
  }
  return out;
}


/**
 * Ids per transaction of the search indexing: a slice takes the database about a quarter of a
 * second on PostgreSQL, so on PGlite (one session) no request waits behind it for long.
 */
const SEARCH_SLICE = 10_000;
/** Two lists sorted as sortedByKey sorts, merged into one (the same order). */
function mergeByKey<T extends { type: string; value: string }>(a: T[], b: T[]): T[] {
  const out: T[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    out[k++] = x.type < y.type || (x.type === y.type && x.value < y.value) ? (i++, x) : (j++, y);
  }
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/** Most ids waiting to be re-read; past it, the poll (PostgreSQL) or the next load catches up. */
const STALE_LIMIT = 2_000_000;

let sharedIpEnricher: IpEnricher | null = null;
/** The process's one ip2region reader (the tables are large): also the orgs module's, for declared scopes. */
export function ipEnricher(): IpEnricher {
  sharedIpEnricher ??= createIpEnricher();
  return sharedIpEnricher;
}

export class IndicatorsService {
  readonly index = new IndicatorIndex();
  /** Single lookups the filter and the hot cache could not answer: each read the unique index (the benchmarks report it). */
  probes = 0;
  /** The queries that read them: the lookups of one turn of the event loop share one (`probe`). */
  probeQueries = 0;
  /**
   * The stored rows of the values single lookups ask, read together: the lookups of one turn of
   * the event loop share one query (and one pooled connection) of the unique key. Under load, 64
   * connections' lookups of values outside the hot cache arrive together and each waited for a
   * connection of the pool in turn. DataLoader's own cache is off: the hot cache is the cache.
   */
  private readonly prober = new DataLoader<ProbeKey, IndicatorRow | undefined>((keys) => this.readProbes(keys), {
    cache: false,
    maxBatchSize: LOOKUP_BATCH,
    // After the I/O callbacks of this turn (the requests that arrived with it), not after its microtasks only.
    batchScheduleFn: (run) => setImmediate(run),
  });
  private scopes = new ScopeMatcher([]);
  private exclusions = new Set<string>();
  private watermark: string | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly stale = new Set<number>();
  private refreshing = false;
  private polling = false;

  /** Reads of restricted indicators are audited (Art. 12); without it (tools, benchmarks) nothing is. */
  constructor(
    private readonly handle: DatabaseHandle,
    private readonly audit: AuditService | null = null,
  ) {}

  private get db() {
    return this.handle.db;
  }

  /** Declared resource scopes of organizations (they name the responsible unit). */
  setScopes(scopes: Iterable<DeclaredScope>): void {
    this.scopes = new ScopeMatcher(scopes);
  }

  /** The exclusion list: canonical `type:value` keys (major domains, public resolvers, our own hosts). */
  setExclusions(keys: Iterable<string>): void {
    this.exclusions = new Set(keys);
  }

  isExcluded(type: string, value: string): boolean {
    if (this.exclusions.size === 0) return false;
    if (this.exclusions.has(`${type}:${value}`)) return true;
    if (type === 'domain' || type === 'url' || type === 'email') {
      let host = value;
      if (type === 'url') host = hostOfUrl(value) ?? '';
      if (type === 'email') host = value.slice(value.lastIndexOf('@') + 1);
      for (let name = host; name; ) {
        if (this.exclusions.has(`domain:${name}`)) return true;
        const dot = name.indexOf('.');
        name = dot < 0 ? '' : name.slice(dot + 1);
      }
    }
    return false;
  }

  enrich(type: string, value: string): Enrichment {
    if (type === 'ipv4' || type === 'ipv6') {
      const geo = ipEnricher().enrich(value);
      const declared = type === 'ipv4' ? this.scopes.matchIpv4(value) : this.scopes.matchIpv6(value);
      return { province_code: geo.province_code, operator: geo.operator, responsible_org_id: declared };
    }
    if (type === 'cidr') {
      const base = value.slice(0, value.indexOf('/'));
      const geo = ipEnricher().enrich(base);
      const declared = base.includes(':') ? this.scopes.matchIpv6(base) : this.scopes.matchIpv4(base);
      return { province_code: geo.province_code, operator: geo.operator, responsible_org_id: declared };
    }
    if (type === 'domain') return { province_code: null, operator: null, responsible_org_id: this.scopes.matchDomain(value) };
    if (type === 'url') {
      const host = hostOfUrl(value);
      if (host && /^[0-9.]+$/.test(host)) return this.enrich('ipv4', host);
      if (host && host.startsWith('[')) return this.enrich('ipv6', host.slice(1, -1));
      return { province_code: null, operator: null, responsible_org_id: host ? this.scopes.matchDomain(host) : null };
    }
    if (type === 'email') return { province_code: null, operator: null, responsible_org_id: this.scopes.matchDomain(value.slice(value.lastIndexOf('@') + 1)) };
    return { province_code: null, operator: null, responsible_org_id: null };
  }

  /**
   * Upserts normalized observables and records one sighting each for the report, inside the
   * caller's transaction. Items must be unique on (type, value). Returns the outcome per item and
   * the changed rows, which the caller hands to `publish` after commit.
   */
  async ingest(tx: Executor, items: IntakeItem[], ctx: IntakeContext): Promise<{ outcomes: IntakeOutcome[]; rows: IndicatorRow[] }> {
    const upserts = items.map((it) => this.toUpsert(it, ctx));
    const rows = await indicatorsRepository.upsertBatch(tx, upserts);
    // RETURNING order follows the input rows for INSERT ... SELECT FROM unnest, but match by key to be safe.
    const byKey = new Map<string, (typeof rows)[number]>();
    for (const r of rows) byKey.set(`${r.type}\u0000${r.value}`, r);
    const outcomes: IntakeOutcome[] = items.map((it) => {
      const r = byKey.get(`${it.type}\u0000${it.value}`)!;
      return { indicator_id: r.id, inserted: r.inserted };
    });
    await indicatorsRepository.insertSightings(tx, ctx.report_id, ctx.org_id, ctx.seen_at, outcomes.map((o) => o.indicator_id));
    return { outcomes, rows };
  }

  /**
   * Bulk intake of a whole import inside the caller's bulk transaction (DatabaseHandle.bulkTransaction).
   * Values already stored (known to the lookup index, or found by one probe of the unique key when
   * this process keeps no index) are merged by upsertBatch as single reports are. The rest, usually
   * nearly all of a dump, are written by COPY: sorted by (type, value) and given ascending ids drawn
   * in one statement, so both keys fill their indexes from left to right; their sightings are one
   * row per run of consecutive ids (sighting_ranges, migration 0008), not one row per value. If one of them turns out to exist after all (another session stored it
   * meanwhile), the COPY fails, the savepoint undoes it, and those values take the upsert path.
   * Items must be unique on (type, value).
   */
  async ingestBulk(tx: Executor, copyIn: CopyIn, items: IntakeItem[], ctx: IntakeContext): Promise<BulkIntakeResult> {
    return this.writeBulk(tx, copyIn, this.prepareBulk(items, ctx));
  }

  /**
   * The half of ingestBulk that needs no database (enrichment, the split by the lookup index, the
   * sort), so an import can prepare one chunk while the database writes the previous one.
   */
  prepareBulk(items: IntakeItem[], ctx: IntakeContext): PreparedBulk {
    const probe = !this.index.ready;
    const fresh: IndicatorUpsert[] = [];
    const stored: IndicatorUpsert[] = [];
    for (const it of items) {
      const u = this.toUpsert(it, ctx);
      if (!probe && this.index.mightContain(it.type, it.value)) stored.push(u);
      else fresh.push(u);
    }
    return { ctx, stored, fresh: sortedByKey(fresh), probe };
  }

  async writeBulk(tx: Executor, copyIn: CopyIn, p: PreparedBulk): Promise<BulkIntakeResult> {
    const { ctx } = p;
    let stored = p.stored;
    let fresh = p.fresh;
    if (p.probe) {
      // No lookup index in this process (the CLI): ask the unique key which ones are stored.
      const isStored = await this.storedAmong(tx, fresh);
      // One at a time: spread into push, a million values overflow the call stack.
      for (const u of fresh) if (isStored(u)) stored.push(u);
      fresh = fresh.filter((u) => !isStored(u));
    } else if (stored.length > 0) {
      // The filter's "maybe" includes its false ones (about 1% of new values): one probe of the
      // unique key each sends those to the COPY, as an upsert costs several times a COPY's row
      // (a new row version through every index, and the row read back).
      const isStored = await this.storedAmong(tx, stored);
      const falseMaybes = sortedByKey(stored.filter((u) => !isStored(u)));
      if (falseMaybes.length > 0) {
        stored = stored.filter(isStored);
        fresh = mergeByKey(fresh, falseMaybes);
      }
    }
    const result: BulkIntakeResult = { inserted: 0, updated: 0, ids: [], rows: [], fresh: [], updatedIds: [] };
    const upsert = async (list: IndicatorUpsert[]) => {
      for (let i = 0; i < list.length; i += UPSERT_BATCH) {
        const batch = await indicatorsRepository.upsertBatch(tx, list.slice(i, i + UPSERT_BATCH));
        await indicatorsRepository.insertSightings(tx, ctx.report_id, ctx.org_id, ctx.seen_at, batch.map((r) => r.id));
        for (const r of batch) {
          if (r.inserted) result.inserted++;
          else {
            result.updated++;
            result.updatedIds.push(r.id);
          }
          result.ids.push(r.id);
          result.rows.push(r);
        }
      }
    };
    await upsert(stored);
    if (fresh.length === 0) return result;

    let ids: number[];
    try {
      ids = await withSavepoint(tx, 'intake_copy', async () => {
        const after = await indicatorsRepository.lastIdDrawn(tx);
        await indicatorsRepository.copyNew(copyIn, fresh);
        const given = await indicatorsRepository.idsGivenByCopy(tx, after, fresh);
        await indicatorsRepository.insertSightingRanges(tx, ctx.report_id, ctx.org_id, ctx.seen_at, given);
        await indicatorsRepository.queueForSearch(tx, given);
        return given;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await upsert(fresh);
      return result;
    }
    result.inserted += fresh.length;
    for (let i = 0; i < fresh.length; i++) result.ids.push(ids[i]);
    result.fresh.push({ ids, rows: fresh });
    return result;
  }

  /** Which of `items` are stored already, by one probe of the unique key each. */
  private async storedAmong(tx: Executor, items: readonly { type: string; value: string }[]): Promise<(it: { type: string; value: string }) => boolean> {
    const found = new Map<string, Set<string>>();
    for (let i = 0; i < items.length; i += PROBE_BATCH) {
      const slice = items.slice(i, i + PROBE_BATCH);
      for (const r of await indicatorsRepository.idsOf(tx, slice.map((it) => it.type), slice.map((it) => it.value))) {
        let values = found.get(r.type);
        if (!values) found.set(r.type, (values = new Set()));
        values.add(r.value);
      }
    }
    return (it) => found.get(it.type)?.has(it.value) ?? false;
  }

  private toUpsert(it: IntakeItem, ctx: IntakeContext): IndicatorUpsert {
    const e = this.enrich(it.type, it.value);
    return {
      type: it.type,
      value: it.value,
      hash_algorithm: it.hash_algorithm ?? null,
      category: it.category,
      subtype: it.subtype,
      tlp: ctx.tlp,
      seen_at: ctx.seen_at,
      valid_until: ctx.valid_until,
      province_code: e.province_code,
      operator: e.operator,
      responsible_org_id: e.responsible_org_id,
      excluded: this.isExcluded(it.type, it.value),
    };
  }

  /** Makes committed changes visible to lookups in this process at once. */
  publish(rows: IndicatorRow[]): void {
    this.index.apply(rows);
    this.refreshStale();
    this.rebuildIfFull();
  }

  /**
   * Rows a set operation changed inside a transaction (listing.ts relists them at a case
   * transition): their cached entries are re-read once the transaction committed (`refreshStale`,
   * which the services call after commit), and a lookup of one of them before then reads it from
   * the database, so no answer is older than the last commit. PGlite has no poll: this is how its
   * cache follows.
   */
  markStale(ids: Iterable<number>): void {
    for (const id of ids) if (this.stale.size < STALE_LIMIT) this.stale.add(id);
  }

  /**
   * Re-reads the stale rows this process holds in its cache, in the background (idempotent; ids
   * stay stale until applied). A stale id that is not cached needs nothing: the filter already
   * holds its value and a lookup reads the database. So a set operation over a million values
   * (a withdrawal, the expiry sweep) costs at most one read of the cache's entries (~100,000) here,
   * not a read back of every row it changed.
   */
  refreshStale(): void {
    if (this.stale.size === 0 || this.refreshing) return;
    this.refreshing = true;
    void (async () => {
      try {
        while (this.stale.size > 0) {
          const cached = this.index.cachedIds();
          const ids: number[] = [];
          for (const id of this.stale) {
            if (!cached.has(id)) this.stale.delete(id);
            else if (ids.length < 10_000) ids.push(id);
          }
          if (ids.length === 0) continue;
          this.index.apply(await indicatorsRepository.byIds(this.db, ids));
          for (const id of ids) this.stale.delete(id);
        }
      } catch {
        // the next call tries again; lookups of stale ids read the database meanwhile
      } finally {
        this.refreshing = false;
      }
    })();
  }

  /** The same for what ingestBulk wrote: merged rows as read back, new values as written. */
  publishBulk(r: BulkIntakeResult): void {
    this.index.apply(r.rows);
    for (const f of r.fresh) for (const row of f.rows) this.index.add(row.type, row.value);
    this.rebuildIfFull();
  }

  /** After a bulk import committed: the planner's statistics of sighting_ranges (see the repository). */
  refreshRangeStatistics(): Promise<void> {
    return indicatorsRepository.analyzeSightingRanges(this.db);
  }

  private building: Promise<void> | null = null;

  /**
   * Builds the membership filter by one keyset scan of the unique key's columns (start-up, or a
   * rebuild when the store outgrew it). Lookups do not wait: until it is complete they ask the
   * database. The poll's watermark is taken first, so what other processes commit meanwhile is
   * read by the poll; what this process commits meanwhile goes into the filter being built.
   */
  load(onProgress?: (n: number) => void): Promise<void> {
    this.building ??= this.buildFilter(onProgress).finally(() => {
      this.building = null;
    });
    return this.building;
  }

  private async buildFilter(onProgress?: (n: number) => void): Promise<void> {
    this.watermark ??= await indicatorsRepository.safeWatermark(this.db, this.handle.kind);
    const expected = Math.max(await indicatorsRepository.lastIdDrawn(this.db), this.index.size * 2);
    const filter = this.index.beginBuild(expected);
    let after = 0;
    for (;;) {
      const page = await indicatorsRepository.keysAfter(this.db, after, FILTER_PAGE);
      if (page.length === 0) break;
      for (const k of page) filter.add(k.type, k.value);
      after = Number(page[page.length - 1].id);
      onProgress?.(filter.size);
    }
    this.index.finishBuild(filter);
  }

  private rebuildIfFull(): void {
    if (this.index.needsRebuild) void this.load().catch(() => undefined);
  }

  private searchTimer: NodeJS.Timeout | null = null;
  private indexing: Promise<number> | null = null;
  private searchStopping = false;

  /**
   * Moves the search backlog into the trigram index (migration 0016), a slice per transaction,
   * until it is empty; returns how many ids it indexed. Searches are complete meanwhile (they read
   * the backlog by range); what this buys is that an import does not pay for the index.
   */
  indexSearchBacklog(): Promise<number> {
    this.indexing ??= (async () => {
      let total = 0;
      try {
        while (!this.searchStopping) {
          const n = await this.db.transaction().execute((tx) => indicatorsRepository.indexSearchBacklog(tx, SEARCH_SLICE));
          if (n === 0) return total;
          total += n;
          // Let queued requests in between two slices (PGlite has one session).
          await new Promise((resolve) => setImmediate(resolve));
        }
        return total;
      } finally {
        this.indexing = null;
      }
    })();
    return this.indexing;
  }

  /** Ids waiting for the search index. */
  searchBacklog(): Promise<number> {
    return indicatorsRepository.searchBacklogSize(this.db);
  }

  /** The server's background indexing: every `intervalMs`, whatever the backlog holds. */
  startSearchIndexing(intervalMs = 1000): void {
    if (this.searchTimer) return;
    this.searchTimer = setInterval(() => void this.indexSearchBacklog().catch(() => undefined), intervalMs);
    this.searchTimer.unref();
  }

  /** Stops the background indexing and waits for a slice in progress (before the database closes). */
  async stopSearchIndexing(): Promise<void> {
    if (this.searchTimer) clearInterval(this.searchTimer);
    this.searchTimer = null;
    this.searchStopping = true;
    await this.indexing?.catch(() => undefined);
    this.searchStopping = false;
  }

  startPolling(pollMs = 1000): void {
    if (this.pollTimer || this.handle.kind === 'pglite') return; // PGlite: this process is the only writer
    this.pollTimer = setInterval(() => void this.pollOnce().catch(() => undefined), pollMs);
    this.pollTimer.unref();
  }

  stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  /** Reads what other processes committed since the watermark. */
  async pollOnce(): Promise<number> {
    if (this.polling || !this.watermark) return 0;
    this.polling = true;
    try {
      const next = await indicatorsRepository.safeWatermark(this.db, this.handle.kind);
      let after: { at: string; id: number } | null = null;
      let n = 0;
      for (;;) {
        const page = await indicatorsRepository.changedSince(this.db, this.watermark, after, LOAD_PAGE);
        if (page.length === 0) break;
        this.index.apply(page);
        n += page.length;
        this.rebuildIfFull();
        const last = page[page.length - 1];
        after = { at: last.updated_at_text, id: last.id };
      }
      this.watermark = next;
      return n;
    } finally {
      this.polling = false;
    }
  }

  /**
   * Is this value a known threat? The value is the asker's own, so an answer reveals no classified
   * field, and lookups are not audited as reads: resolvers and firewalls ask thousands a second,
   * and an entry each would turn the audit log into a query log (docs/sharing.md).
   */
  async lookup(p: Principal, raw: string, type?: ObservableType): Promise<LookupResult> {
    return this.lookupNow(p, raw, type);
  }

  /**
   * `lookup`, answered without a promise when no database read is needed: a value the filter
   * rules out, or a hot entry whose visibility needs no reporter check. That is nearly every
   * lookup (99% of a resolver's values are unknown), and the HTTP route returns it as it is.
   */
  lookupNow(p: Principal, raw: string, type?: ObservableType): LookupResult | Promise<LookupResult> {
    const n = type ? normalizeObservable(type, raw) : normalizeAny(raw);
    if (!n.ok) return { query: raw, type: type ?? null, value: null, known: false, error: { code: n.code, message: n.message } };
    if (!this.index.mightContain(n.type, n.value)) return { query: raw, type: n.type, value: n.value, known: false };
    const cached = this.index.cachedEntry(n.type, n.value);
    if (cached !== undefined && !this.stale.has(cached.id)) {
      const v = indicatorVisibility(p, cached);
      if (v === 'visible') return { query: raw, type: n.type, value: n.value, known: true, indicator: presentIndicator(cached) };
      if (v === 'hidden') return { query: raw, type: n.type, value: n.value, known: false };
    }
    return this.lookupStored(p, raw, n.type, n.value);
  }

  /**
   * Many values in one call: the filter sorts out the unknown ones, the rest are read by one
   * probe of the unique key per slice of LOOKUP_BATCH values.
   */
  async batchLookup(p: Principal, values: string[], type?: ObservableType): Promise<{ results: LookupResult[]; known: number }> {
    const results: LookupResult[] = new Array(values.length);
    const asked: { i: number; type: string; value: string }[] = [];
    const hits: (IndexedIndicator | undefined)[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const raw = values[i];
      const n = type ? normalizeObservable(type, raw) : normalizeAny(raw);
      if (!n.ok) {
        results[i] = { query: raw, type: type ?? null, value: null, known: false, error: { code: n.code, message: n.message } };
        continue;
      }
      results[i] = { query: raw, type: n.type, value: n.value, known: false };
      if (!this.index.mightContain(n.type, n.value)) continue;
      const cached = this.index.cachedEntry(n.type, n.value);
      if (cached !== undefined && !this.stale.has(cached.id)) hits[i] = cached;
      else asked.push({ i, type: n.type, value: n.value });
    }
    for (let s = 0; s < asked.length; s += LOOKUP_BATCH) {
      const slice = asked.slice(s, s + LOOKUP_BATCH);
      const rows = await indicatorsRepository.rowsOf(this.db, slice.map((a) => a.type), slice.map((a) => a.value));
      const byKey = new Map<string, IndicatorRow>();
      for (const r of rows) byKey.set(`${r.type}\u0000${r.value}`, r);
      for (const a of slice) {
        const row = byKey.get(`${a.type}\u0000${a.value}`);
        if (row !== undefined) hits[a.i] = entryOf(row);
      }
    }
    let known = 0;
    for (let i = 0; i < values.length; i++) {
      const hit = hits[i];
      if (hit === undefined || !(await this.canSee(p, hit))) continue;
      results[i] = { ...results[i], known: true, indicator: presentIndicator(hit) };
      known++;
    }
    return { results, known };
  }

  /**
   * The stored indicator of a canonical value, or undefined: the filter, then the hot cache, then
   * the unique index (an answer found there is cached).
   */
  async find(type: string, value: string): Promise<IndexedIndicator | undefined> {
    if (!this.index.mightContain(type, value)) return undefined;
    const cached = this.index.cachedEntry(type, value);
    if (cached !== undefined && !this.stale.has(cached.id)) return cached;
    this.probes++;
    const row = await this.prober.load({ type, value });
    if (row === undefined) return undefined;
    const e = entryOf(row);
    this.index.remember(e);
    return e;
  }

  /** One query for the values of a batch, each asked once; a value alone is read by the plain probe. */
  private async readProbes(keys: readonly ProbeKey[]): Promise<(IndicatorRow | undefined)[]> {
    this.probeQueries++;
    if (keys.length === 1) return [await indicatorsRepository.getByValue(this.db, keys[0].type, keys[0].value)];
    const keyOf = (k: ProbeKey) => `${k.type}\u0000${k.value}`;
    const asked = new Map<string, ProbeKey>();
    for (const k of keys) asked.set(keyOf(k), k);
    const distinct = [...asked.values()];
    const rows = await indicatorsRepository.rowsOf(this.db, distinct.map((k) => k.type), distinct.map((k) => k.value));
    const found = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => found.get(keyOf(k)));
  }

  /** The rest of a lookup that the filter and the hot cache could not answer: the unique index, the reporters. */
  private async lookupStored(p: Principal, raw: string, type: string, value: string): Promise<LookupResult> {
    const hit = await this.find(type, value);
    if (!hit || !(await this.canSee(p, hit))) return { query: raw, type, value, known: false };
    return { query: raw, type, value, known: true, indicator: presentIndicator(hit) };
  }

  private async recordRead(p: Principal, read: RestrictedRead): Promise<void> {
    if (this.audit) await this.audit.recordRead(p, read.entry());
  }

  /**
   * Entitled to an indicator's restricted fields (its personal value, its responsible unit): the
   * regulators and institutions, the responsible unit, and the organizations that reported it.
   */
  private async isEntitled(
    p: Principal,
    i: { id: number; tlp: string; responsible_org_id: string | null; province_code: string | null },
    known: readonly { org_id: string }[] = [],
  ): Promise<boolean> {
    if (isIndicatorEntitled(p, i, known.some((r) => r.org_id === p.orgId))) return true;
    if (!isIndicatorEntitled(p, i, true)) return false;
    return (await indicatorsRepository.reportersOf(this.db, i.id, 1000)).some((r) => r.org_id === p.orgId);
  }

  private async canSee(p: Principal, i: IndexedIndicator): Promise<boolean> {
    const v = indicatorVisibility(p, i);
    if (v === 'visible') return true;
    if (v === 'hidden') return false;
    const reporters = await indicatorsRepository.reportersOf(this.db, i.id, 1000);
    return reporters.some((r) => r.org_id === p.orgId);
  }

  async detail(p: Principal, id: number) {
    const row = await indicatorsRepository.get(this.db, id);
    if (!row) throw notFound('Indicator');
    const [entry] = this.index.apply([row]);
    if (!(await this.canSee(p, entry))) throw notFound('Indicator');
    const reporters = await indicatorsRepository.reportersOf(this.db, id);
    const entitled = await this.isEntitled(p, entry, reporters);
    const summary = presentIndicator(entry);
    const view = {
      ...summary,
      value: entitled ? summary.value : redactRecord('indicator', summary, false).value,
      responsible_org_id: entitled ? row.responsible_org_id : null,
      reporters: reporters.map((r) => {
        const named = canSeeReporter(p, r);
        return {
          org_id: named ? r.org_id : null,
          report_id: named ? r.report_id : null,
          seen_at: new Date(r.seen_at).toISOString(),
          category: r.category,
          subtype: r.subtype,
        };
      }),
    };
    // Reporters are a trade secret where one is named that did not agree to be (DESIGN §6).
    const fields = restrictedFieldsRevealed('indicator', { type: view.type, value: view.value, responsible_org_id: view.responsible_org_id }, entitled);
    if (reporters.some((r) => !r.disclose_reporter && canSeeReporter(p, r))) fields.push('reporters');
    const read = new RestrictedRead('indicator.detail', 'indicator', String(id), entry.province_code).add(id, fields, entry.tlp);
    await this.recordRead(p, read);
    return view;
  }

  /**
   * An indicator `p` may see (404 otherwise), and whether `p` is entitled to its restricted fields,
   * for the views that present it in another form (a STIX bundle). The caller audits the read.
   */
  async visibleTo(p: Principal, id: number): Promise<{ indicator: IndexedIndicator; entitled: boolean }> {
    const row = await indicatorsRepository.get(this.db, id);
    if (!row) throw notFound('Indicator');
    const [indicator] = this.index.apply([row]);
    if (!(await this.canSee(p, indicator))) throw notFound('Indicator');
    return { indicator, entitled: await this.isEntitled(p, indicator) };
  }

  async search(p: Principal, q: IndicatorSearchQuery) {
    const limit = q.limit ?? 50;
    const items = [];
    const read = new RestrictedRead('indicator.search', 'indicator', 'list', listProvince(p));
    let before = q.before_id;
    // Filter by visibility in pages until the page is full (visibility rarely removes many).
    for (let guard = 0; guard < 10 && items.length < limit; guard++) {
      const rows = await indicatorsRepository.search(this.db, {
        type: q.type,
        status: q.status,
        category: q.category,
        province_code: q.province_code,
        // A defanged query (example[.]com) searches for the live value.
        q: q.q ? refang(q.q.trim()) || undefined : undefined,
        after_id: before,
        limit: limit * 2,
      });
      if (rows.length === 0) break;
      for (const e of this.index.apply(rows)) {
        if (await this.canSee(p, e)) {
          const item = presentIndicator(e);
          // A personal value (Art. 12) only to those entitled to it; the others see it redacted.
          const entitled = PERSONAL_INDICATOR_TYPES.has(e.type) ? await this.isEntitled(p, e) : false;
          items.push(redactRecord('indicator', item, entitled));
          read.add(e.id, restrictedFieldsRevealed('indicator', item, entitled), e.tlp);
        }
        if (items.length >= limit) break;
      }
      before = rows[rows.length - 1].id;
      if (rows.length < limit * 2) break;
    }
    await this.recordRead(p, read);
    return { items, next_before_id: items.length === limit ? Number(items[items.length - 1].id) : null };
  }
}

function hostOfUrl(url: string): string | null {
  const start = url.indexOf('//');
  if (start < 0) return null;
  let end = url.length;
  for (let i = start + 2; i < url.length; i++) {
    const c = url[i];
    if (c === '/' || c === '?' || c === '#') {
      end = i;
      break;
    }
  }
  let host = url.slice(start + 2, end);
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}
