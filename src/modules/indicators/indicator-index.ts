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
  /** listing.ts: in force as a blocking order, and why. */
  listing: string;
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

/**
 * New values of a bulk import made into entries before their ids are known (`stage`, while the
 * database writes the previous chunk), completed with their ids (`setIds`) and published after
 * commit (`publishStaged`) at the cost of a few array pushes.
 */
export interface StagedEntries {
  entries: IndexedIndicator[];
  byType: Map<string, Map<string, IndexedIndicator>>;
}

/** Entries folded from published layers into the main maps per turn of the event loop. */
const MERGE_SLICE = 20_000;

export class IndicatorIndex {
  /** One map per type, keyed by canonical value: no key to concatenate per lookup or write. */
  private readonly byType = new Map<string, Map<string, IndexedIndicator>>();
  /**
   * Maps of new values published by bulk imports, per type, not yet folded into `byType`: a
   * lookup that misses the main map asks them. They hold only values that were new when written,
   * so the main map, where every later change goes, always wins over them.
   */
  private readonly layers = new Map<string, Map<string, IndexedIndicator>[]>();
  private layerCount = 0;
  private merging: Promise<void> | null = null;
  private generation = 0;
  private count = 0;
  ready = false;

  get size(): number {
    return this.count;
  }

  get(type: string, value: string): IndexedIndicator | undefined {
    const hit = this.byType.get(type)?.get(value);
    if (hit !== undefined || this.layerCount === 0) return hit;
    return this.inLayers(type, value);
  }

  private inLayers(type: string, value: string): IndexedIndicator | undefined {
    const maps = this.layers.get(type);
    if (maps === undefined) return undefined;
    for (let i = maps.length - 1; i >= 0; i--) {
      const e = maps[i].get(value);
      if (e !== undefined) return e;
    }
    return undefined;
  }

  private put(e: IndexedIndicator): void {
    let values = this.byType.get(e.type);
    if (!values) this.byType.set(e.type, (values = new Map()));
    const size = values.size;
    values.set(e.value, e);
    // A value also in a published layer is counted twice until the layer is folded in (mergeLayers).
    this.count += values.size - size;
  }

  /**
   * Stores rows read from the database (they replace what was there under their value) and
   * returns their entries in the same order. There is no map by id: every reader by id has just
   * read the row, and a million-entry map would cost intake a second and the process ~50 MB.
   */
  apply(rows: Iterable<IndicatorRow>): IndexedIndicator[] {
    const out: IndexedIndicator[] = [];
    for (const r of rows) {
      const e: IndexedIndicator = {
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
        listing: intern(r.listing ?? 'reported'),
      };
      this.put(e);
      out.push(e);
    }
    return out;
  }

  /**
   * Entries for values bulk intake is about to write (`rows`, unique on type and value), as the
   * column defaults complete them: active, seen once, id still 0. Their strings come from intake's
   * own few constants, so no interning. Nothing is visible to lookups until publishStaged.
   */
  stage(rows: readonly IndicatorUpsert[]): StagedEntries {
    const entries: IndexedIndicator[] = new Array(rows.length);
    const byType = new Map<string, Map<string, IndexedIndicator>>();
    let type = '';
    let values: Map<string, IndexedIndicator> | undefined;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const seen = r.seen_at.getTime();
      const e: IndexedIndicator = {
        id: 0,
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
        listing: 'reported',
      };
      entries[i] = e;
      if (values === undefined || r.type !== type) {
        type = r.type;
        values = byType.get(type);
        if (values === undefined) byType.set(type, (values = new Map()));
      }
      values.set(r.value, e);
    }
    return { entries, byType };
  }

  /** The ids the database gave the staged values, in the same order. */
  static setIds(staged: StagedEntries, ids: readonly number[]): void {
    if (ids.length !== staged.entries.length) throw new Error(`setIds: ${ids.length} ids for ${staged.entries.length} entries`);
    for (let i = 0; i < ids.length; i++) staged.entries[i].id = ids[i];
  }

  /**
   * Makes committed, staged values visible to lookups at once: their maps become layers, folded
   * into the main maps a slice at a time in the background (mergeDone() resolves when none is left).
   */
  publishStaged(staged: StagedEntries): void {
    for (const [type, values] of staged.byType) {
      if (values.size === 0) continue;
      let maps = this.layers.get(type);
      if (maps === undefined) this.layers.set(type, (maps = []));
      maps.push(values);
      this.layerCount++;
      this.count += values.size;
    }
    if (this.merging === null && this.layerCount > 0) this.merging = this.mergeLayers(this.generation);
  }

  /** Resolves when every published layer has been folded into the main maps. */
  mergeDone(): Promise<void> {
    return this.merging ?? Promise.resolve();
  }

  private async mergeLayers(generation: number): Promise<void> {
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.layerCount > 0 && generation === this.generation) {
        const [type, maps] = [...this.layers].find(([, m]) => m.length > 0)!;
        const layer = maps[0];
        let main = this.byType.get(type);
        if (main === undefined) this.byType.set(type, (main = new Map()));
        let n = 0;
        for (const [value, e] of layer) {
          // The main map holds only what is as new or newer (a later change, or a poll of this row),
          // and that value was counted twice (put and publishStaged).
          if (main.has(value)) this.count--;
          else main.set(value, e);
          if (++n % MERGE_SLICE === 0) {
            await turn();
            if (generation !== this.generation) return;
          }
        }
        maps.shift();
        this.layerCount--;
        if (maps.length === 0) this.layers.delete(type);
        await turn();
      }
    } finally {
      if (generation === this.generation) this.merging = null;
    }
  }

  clear(): void {
    this.byType.clear();
    this.layers.clear();
    this.layerCount = 0;
    this.generation++;
    this.merging = null;
    this.count = 0;
    this.ready = false;
  }
}
