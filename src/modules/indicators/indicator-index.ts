/**
 * What each process keeps in memory to answer lookups (DESIGN.md §4 "Lookups at national scale"):
 * a membership filter over every stored (type, value), 1.5–3 bytes per indicator, that answers
 * "certainly not stored" for the unknown values that are nearly all of a resolver's or firewall's
 * questions, and a bounded cache of hot entries. Everything else asks PostgreSQL's unique index.
 *
 * Why not the rows themselves: one JavaScript object per indicator cost ~700 bytes each, 2 GiB at
 * three million, and a start-up that waited for all of them. The filter is built by a background
 * scan after the server listens: until it is complete (`ready`), every lookup asks the database,
 * which is slower but never wrong. It only ever gains members (a withdrawn or expired value stays
 * a member and the database gives its status), so a false "maybe" costs one query; a value becomes
 * a member as soon as this process commits it, or as the poll of other writers reads it.
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
  /** listing.ts: in force as a blocking order, and why. */
  listing: string;
}

/** Few distinct values repeat a million times: keep one copy of each. */
const interned = new Map<string, string>();
function intern<T extends string | null>(s: T): T {
  if (s === null) return s;
  const hit = interned.get(s);
  if (hit !== undefined) return hit as T;
  if (interned.size < 10_000) interned.set(s, s);
  return s;
}

/** A row as the lookup answer presents it. */
export function entryOf(r: IndicatorRow): IndexedIndicator {
  return {
    id: Number(r.id),
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
}

/** Probes per value: with 12–24 bits per member, a false "maybe" for 0.3–2% of unknown values. */
const PROBES = 6;
const MIN_BITS = 1 << 23; // 1 MiB

/**
 * A Bloom filter over `type \0 value`, two 32-bit string hashes combined by double hashing
 * (Kirsch–Mitzenmacher). Its size is a power of two chosen for the expected members; past its
 * capacity the false-maybe rate climbs, and the owner rebuilds it larger (`isFull`).
 */
export class MembershipFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private members = 0;

  constructor(expected: number) {
    let bits = MIN_BITS;
    while (bits < expected * 12 && bits < 2 ** 31) bits *= 2;
    this.bits = new Uint32Array(bits / 32);
    this.mask = bits - 1;
  }

  get size(): number {
    return this.members;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }

  /** More members than 12 bits each: time for a bigger one. */
  get isFull(): boolean {
    return this.members * 12 > this.mask + 1;
  }

  /** Adds a member; one already in (or a false "maybe") is not counted again. */
  add(type: string, value: string): void {
    let h1 = hash1(type, value);
    const h2 = hash2(type, value) | 1;
    let isNew = false;
    for (let i = 0; i < PROBES; i++) {
      const bit = h1 & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if ((this.bits[word] & flag) === 0) {
        this.bits[word] |= flag;
        isNew = true;
      }
      h1 = (h1 + h2) | 0;
    }
    if (isNew) this.members++;
  }

  mightContain(type: string, value: string): boolean {
    let h1 = hash1(type, value);
    const h2 = hash2(type, value) | 1;
    for (let i = 0; i < PROBES; i++) {
      const bit = h1 & this.mask;
      if ((this.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
      h1 = (h1 + h2) | 0;
    }
    return true;
  }
}

/** FNV-1a over the UTF-16 code units of type, a separator, and value. */
function hash1(type: string, value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < type.length; i++) h = Math.imul(h ^ type.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0, 0x01000193);
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A multiply-rotate hash with a different seed, finished by a murmur-style avalanche. */
function hash2(type: string, value: string): number {
  let h = 0x9747b28c ^ (type.length * 31 + value.length);
  for (let i = 0; i < type.length; i++) h = Math.imul((h << 5) | (h >>> 27), 0x5bd1e995) ^ type.charCodeAt(i);
  for (let i = 0; i < value.length; i++) h = Math.imul((h << 5) | (h >>> 27), 0x5bd1e995) ^ value.charCodeAt(i);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * What the hot-value cache may hold, in bytes (estimated per entry: CACHE_ENTRY_BYTES plus two per
 * character of the value and of its key): 32 MiB, whatever the store holds. At ~330 bytes an
 * entry that is ~100,000 entries of IPv4 addresses and domains; a long URL takes more room.
 */
export const CACHE_BYTES = 32 * 2 ** 20;
/** The fixed part of an entry: the entry object, its slot, the Map's slot and the key's header. */
export const CACHE_ENTRY_BYTES = 280;

/** A cached entry with its place in the recency order. */
interface CacheSlot {
  key: string;
  entry: IndexedIndicator;
  bytes: number;
  /** `IndicatorIndex.tick` when it last moved to the young end. */
  tick: number;
}

const slotBytes = (key: string, e: IndexedIndicator) => CACHE_ENTRY_BYTES + 2 * (key.length + e.value.length);

export class IndicatorIndex {
  private filter: MembershipFilter | null = null;
  /** The filter a (re)build is filling: every add goes to it too, so it misses nothing. */
  private building: MembershipFilter | null = null;
  /**
   * Least recently used first (a Map keeps insertion order; a hit in the older half of what the
   * bound holds moves to the end). Any other hit changes nothing: a hot value asked thousands of times a second
   * is not deleted and re-inserted each time, which would keep a new key in the (old-generation)
   * Map per lookup for the garbage collector to trace, and rehash the Map every few thousand.
   */
  private readonly cache = new Map<string, CacheSlot>();
  private cacheBytes = 0;
  /** Moves to the young end so far: a slot whose tick is more than half the cache behind is in the older half. */
  private tick = 0;
  /** The cache's bound in bytes (tests make it small). */
  readonly cacheLimit: number;

  constructor(options: { cacheBytes?: number } = {}) {
    this.cacheLimit = options.cacheBytes ?? CACHE_BYTES;
  }

  /** The filter is complete: a "no" from it is final. Setting it false makes every answer ask the database. */
  ready = false;

  /** Indicators the filter knows (an estimate of the store's size: a re-added value counts twice). */
  get size(): number {
    return this.filter?.size ?? 0;
  }

  /** Bytes the filter and the cache hold, for /healthz and the benchmarks. */
  get filterBytes(): number {
    return (this.filter?.bytes ?? 0) + (this.building?.bytes ?? 0);
  }

  /** Entries in the hot cache. */
  get cached(): number {
    return this.cache.size;
  }

  /** Their estimated bytes (at most `cacheLimit`). */
  get cachedBytes(): number {
    return this.cacheBytes;
  }

  /** False only when the value is certainly not stored. */
  mightContain(type: string, value: string): boolean {
    if (!this.ready || this.filter === null) return true;
    return this.filter.mightContain(type, value);
  }

  /** A hot entry, if cached (an answer the database gave and this process keeps current). */
  cachedEntry(type: string, value: string): IndexedIndicator | undefined {
    const slot = this.cache.get(`${type}\u0000${value}`);
    if (slot === undefined) return undefined;
    if (this.tick - slot.tick > this.capacity() >>> 1) this.moveToEnd(slot);
    return slot.entry;
  }

  /**
   * About how many entries fit (the bound over the mean entry so far): an entry is at risk only
   * once as many others as half of that went ahead of it, so below the bound a hit moves nothing.
   */
  private capacity(): number {
    return this.cacheBytes === 0 ? 0 : Math.max(this.cache.size, Math.floor((this.cacheLimit * this.cache.size) / this.cacheBytes));
  }

  private moveToEnd(slot: CacheSlot): void {
    this.cache.delete(slot.key);
    this.cache.set(slot.key, slot);
    slot.tick = ++this.tick;
  }

  /** Keeps an entry the database just gave, evicting the least recently used past the bound. */
  remember(e: IndexedIndicator): void {
    const key = `${e.type}\u0000${e.value}`;
    const old = this.cache.get(key);
    if (old !== undefined) {
      this.replace(old, e);
      this.moveToEnd(old);
    } else {
      const slot: CacheSlot = { key, entry: e, bytes: slotBytes(key, e), tick: ++this.tick };
      this.cache.set(key, slot);
      this.cacheBytes += slot.bytes;
    }
    while (this.cacheBytes > this.cacheLimit && this.cache.size > 1) {
      const oldest = this.cache.values().next().value!;
      this.cache.delete(oldest.key);
      this.cacheBytes -= oldest.bytes;
    }
  }

  private replace(slot: CacheSlot, e: IndexedIndicator): void {
    const bytes = slotBytes(slot.key, e);
    this.cacheBytes += bytes - slot.bytes;
    slot.bytes = bytes;
    slot.entry = e;
  }

  /** The ids of the cached entries (bounded by the cache): what a change must re-read, nothing else. */
  cachedIds(): Set<number> {
    const ids = new Set<number>();
    for (const s of this.cache.values()) ids.add(s.entry.id);
    return ids;
  }

  /** A value is (about to be) stored: a member from now on. */
  add(type: string, value: string): void {
    this.filter?.add(type, value);
    this.building?.add(type, value);
  }

  /**
   * Rows read from or written to the database: members of the filter, and the new state of any
   * cached entry. Returns their entries in the same order; only lookups fill the cache.
   */
  apply(rows: Iterable<IndicatorRow>): IndexedIndicator[] {
    const out: IndexedIndicator[] = [];
    for (const r of rows) {
      const e = entryOf(r);
      this.add(e.type, e.value);
      const slot = this.cache.get(`${e.type}\u0000${e.value}`);
      if (slot !== undefined) this.replace(slot, e);
      out.push(e);
    }
    return out;
  }

  /** Starts a (re)build for about `expected` members; the current filter answers until it is done. */
  beginBuild(expected: number): MembershipFilter {
    this.building = new MembershipFilter(Math.max(expected, 1));
    return this.building;
  }

  /** The build saw every stored value: it replaces the current filter. */
  finishBuild(f: MembershipFilter): void {
    if (this.building !== f) return;
    this.filter = f;
    this.building = null;
    this.ready = true;
  }

  /** The current filter is past its capacity (and no rebuild is under way). */
  get needsRebuild(): boolean {
    return this.building === null && this.filter !== null && this.filter.isFull;
  }

  clear(): void {
    this.filter = null;
    this.building = null;
    this.cache.clear();
    this.cacheBytes = 0;
    this.ready = false;
  }
}
