/**
 * The indicator store: canonical values deduplicated across all reports (Art. 6: store, analyze),
 * their enrichment with province, operator and responsible unit, and lookups that say whether a
 * value is a known threat. Lookups read the in-memory index (see indicator-index.ts); writes go to
 * the database inside the caller's transaction and reach the index once committed.
 */
import type { DatabaseHandle, Executor } from '../../db/database.js';
import { notFound } from '../../lib/problem.js';
import type { Principal } from '../auth/principal.js';
import { IndicatorIndex, type IndexedIndicator } from './indicator-index.js';
import { canSeeReporter, indicatorVisibility } from './indicators.policy.js';
import { presentIndicator } from './indicators.presenter.js';
import { indicatorsRepository, type IndicatorRow, type IndicatorUpsert } from './indicators.repository.js';
import type { IndicatorSearchQuery, LookupResult } from './indicators.schema.js';
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

export interface IntakeOutcome {
  indicator_id: number;
  inserted: boolean;
}

const LOAD_PAGE = 20_000;

let sharedIpEnricher: IpEnricher | null = null;
function ipEnricher(): IpEnricher {
  sharedIpEnricher ??= createIpEnricher();
  return sharedIpEnricher;
}

export class IndicatorsService {
  readonly index = new IndicatorIndex();
  private scopes = new ScopeMatcher([]);
  private exclusions = new Set<string>();
  private watermark: string | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(private readonly handle: DatabaseHandle) {}

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
    const upserts: IndicatorUpsert[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const e = this.enrich(it.type, it.value);
      upserts[i] = {
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

  /** Makes committed changes visible to lookups in this process at once. */
  publish(rows: IndicatorRow[]): void {
    this.index.apply(rows);
  }

  /** Loads the whole index (start-up), then follows other writers' commits every `pollMs`. */
  async load(onProgress?: (n: number) => void): Promise<void> {
    this.index.clear();
    this.watermark = await indicatorsRepository.safeWatermark(this.db, this.handle.kind);
    let after = 0;
    for (;;) {
      const page = await indicatorsRepository.pageById(this.db, after, LOAD_PAGE);
      if (page.length === 0) break;
      this.index.apply(page);
      after = page[page.length - 1].id;
      onProgress?.(this.index.size);
    }
    this.index.ready = true;
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
        const last = page[page.length - 1];
        after = { at: last.updated_at_text, id: last.id };
      }
      this.watermark = next;
      return n;
    } finally {
      this.polling = false;
    }
  }

  async lookup(p: Principal, raw: string, type?: ObservableType): Promise<LookupResult> {
    const n = type ? normalizeObservable(type, raw) : normalizeAny(raw);
    if (!n.ok) return { query: raw, type: type ?? null, value: null, known: false, error: { code: n.code, message: n.message } };
    const hit = this.index.get(n.type, n.value);
    if (!hit || !(await this.canSee(p, hit))) return { query: raw, type: n.type, value: n.value, known: false };
    return { query: raw, type: n.type, value: n.value, known: true, indicator: presentIndicator(hit) };
  }

  async batchLookup(p: Principal, values: string[], type?: ObservableType): Promise<{ results: LookupResult[]; known: number }> {
    const results: LookupResult[] = new Array(values.length);
    let known = 0;
    for (let i = 0; i < values.length; i++) {
      results[i] = await this.lookup(p, values[i], type);
      if (results[i].known) known++;
    }
    return { results, known };
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
    this.index.apply([row]);
    const entry = this.index.getById(id)!;
    if (!(await this.canSee(p, entry))) throw notFound('Indicator');
    const reporters = await indicatorsRepository.reportersOf(this.db, id);
    return {
      ...presentIndicator(entry),
      responsible_org_id: row.responsible_org_id,
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
  }

  async search(p: Principal, q: IndicatorSearchQuery) {
    const limit = q.limit ?? 50;
    const items = [];
    let before = q.before_id;
    // Filter by visibility in pages until the page is full (visibility rarely removes many).
    for (let guard = 0; guard < 10 && items.length < limit; guard++) {
      const rows = await indicatorsRepository.search(this.db, {
        type: q.type,
        status: q.status,
        category: q.category,
        province_code: q.province_code,
        q: q.q,
        after_id: before,
        limit: limit * 2,
      });
      if (rows.length === 0) break;
      this.index.apply(rows);
      for (const r of rows) {
        const e = this.index.getById(r.id)!;
        if (await this.canSee(p, e)) items.push(presentIndicator(e));
        if (items.length >= limit) break;
      }
      before = rows[rows.length - 1].id;
      if (rows.length < limit * 2) break;
    }
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
