/**
 * The in-memory read model of the indicator store, answering lookups without a query.
 *
 * Why: a lookup is the hottest read of the platform (resolvers, firewalls and the units' own
 * platforms ask it all day), and PGlite answers only a few thousand point queries a second. Every
 * process keeps one compact entry per indicator, loaded at start-up by keyset pages and then kept
 * current two ways: this process applies its own writes right after they commit, and a poll reads
 * what other processes committed (rows whose `updated_at`, the writer's transaction start, is at or
 * after a safe watermark: the start of the oldest transaction that was still running at the last
 * poll, so a long import that commits late is never missed).
 */
import type { IndicatorRow, IndicatorUpsert } from './indicators.repository.js';

export interface IndexedIndicator {
  id: number;
  type: string;
  value: string;
  category: string;
  subtype: string;
  status: string;
  tlp: string;
  first_seen: number;
  last_seen: number;
  sighting_count: number;
  valid_until: number | null;
  province_code: string | null;
  operator: string | null;
  responsible_org_id: string | null;
  excluded: boolean;
}

/** Few distinct values repeat a million times: keep one copy of each. */
const interned = new Map<string, string>();
function intern<T extends string | null>(s: T): T {
  if (s === null) return s;
  const hit = interned.get(s);
  if (hit !== undefined) return hit as T;
  if (interned.size < 100_000) interned.set(s, s);
  return s;
}

export class IndicatorIndex {
  /** One map per type, keyed by canonical value: no key to concatenate per lookup or write. */
  private readonly byType = new Map<string, Map<string, IndexedIndicator>>();
  private readonly byId = new Map<number, IndexedIndicator>();
  private count = 0;
  ready = false;

  get size(): number {
    return this.count;
  }

  get(type: string, value: string): IndexedIndicator | undefined {
    return this.byType.get(type)?.get(value);
  }

  getById(id: number): IndexedIndicator | undefined {
    return this.byId.get(id);
  }

  private put(e: IndexedIndicator): void {
    let values = this.byType.get(e.type);
    if (!values) this.byType.set(e.type, (values = new Map()));
    const size = values.size;
    values.set(e.value, e);
    this.count += values.size - size;
    this.byId.set(e.id, e);
  }

  apply(rows: Iterable<IndicatorRow>): void {
    for (const r of rows) {
      this.put({
        id: r.id,
        type: intern(r.type),
        value: r.value,
        category: intern(r.category),
        subtype: intern(r.subtype),
        status: intern(r.status),
        tlp: intern(r.tlp),
        first_seen: new Date(r.first_seen).getTime(),
        last_seen: new Date(r.last_seen).getTime(),
        sighting_count: r.sighting_count,
        valid_until: r.valid_until ? new Date(r.valid_until).getTime() : null,
        province_code: intern(r.province_code),
        operator: intern(r.operator),
        responsible_org_id: intern(r.responsible_org_id),
        excluded: r.excluded,
      });
    }
  }

  /**
   * Values bulk intake has just written (ids in the same order), as the column defaults complete
   * them: active, seen once. Their strings come from intake's own few constants, so no interning.
   */
  applyNew(ids: readonly number[], rows: readonly IndicatorUpsert[]): void {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const seen = r.seen_at.getTime();
      this.put({
        id: ids[i],
        type: r.type,
        value: r.value,
        category: r.category,
        subtype: r.subtype,
        status: 'active',
        tlp: r.tlp,
        first_seen: seen,
        last_seen: seen,
        sighting_count: 1,
        valid_until: r.valid_until ? r.valid_until.getTime() : null,
        province_code: r.province_code,
        operator: r.operator,
        responsible_org_id: r.responsible_org_id,
        excluded: r.excluded,
      });
    }
  }

  clear(): void {
    this.byType.clear();
    this.byId.clear();
    this.count = 0;
    this.ready = false;
  }
}
