/**
 * Counts requests per key (a token, a console user, an anonymous client address) in a fixed
 * window, in this process's memory: the per-role rate limits of issue 13, item 6.
 *
 * One map probe and one increment per request, synchronously: @fastify/rate-limit, used before,
 * awaited four promises per request (key, allow list, limit, store), which showed in the lookup
 * profile (docs/benchmarks.md, "Lookup overhead"). A key's window starts at its first request
 * and lasts `windowMs`, as that plugin's in-memory store did.
 *
 * Memory is bounded: past `capacity` keys, the key whose window started longest ago is forgotten
 * (a key is re-inserted when its window renews, so insertion order is window order), one at a
 * time, never everyone at once.
 */
export interface RequestCount {
  /** Requests in this key's current window, this one included. */
  count: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
}

export class RequestLimiter {
  private readonly windows = new Map<string, RequestCount>();

  constructor(
    readonly windowMs = 60_000,
    readonly capacity = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `key`; the caller compares `count` with the key's limit. */
  hit(key: string): RequestCount {
    const t = this.now();
    let w = this.windows.get(key);
    if (w === undefined || w.resetAt <= t) {
      if (w !== undefined) this.windows.delete(key);
      else if (this.windows.size >= this.capacity) this.windows.delete(this.windows.keys().next().value!);
      w = { count: 0, resetAt: t + this.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w;
  }

  /** Whole seconds until `w` ends, at least 1. */
  secondsLeft(w: RequestCount): number {
    return Math.max(1, Math.ceil((w.resetAt - this.now()) / 1000));
  }

  get size(): number {
    return this.windows.size;
  }
}
