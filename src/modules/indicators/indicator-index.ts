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
import type { IndicatorRow } from './indicators.repository.js';

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

export function indexKey(type: string, value: string): string {
  return `${type}\u0000${value}`;
}

export class IndicatorIndex {
  private readonly byKey = new Map<string, IndexedIndicator>();
  private readonly byId = new Map<number, string>();
  ready = false;

  get size(): number {
    return this.byKey.size;
  }

  get(type: string, value: string): IndexedIndicator | undefined {
    return this.byKey.get(indexKey(type, value));
  }

  getById(id: number): IndexedIndicator | undefined {
    const key = this.byId.get(id);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  apply(rows: Iterable<IndicatorRow>): void {
    for (const r of rows) {
      const key = indexKey(r.type, r.value);
      this.byKey.set(key, {
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
      this.byId.set(r.id, key);
    }
  }

  clear(): void {
    this.byKey.clear();
    this.byId.clear();
    this.ready = false;
  }
}
