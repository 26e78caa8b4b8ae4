/**
 * Counts failed authentications per key (a client address, a presented credential, a username)
 * in a fixed window, in this process's memory. It never decides on its own whether a request is
 * refused: callers consult it only for attempts that have already failed, so a valid credential
 * is never refused because someone else failed from the same address (issue 13, item 1).
 *
 * Memory is bounded: past `capacity` keys the least recently failed ones are forgotten, one at a
 * time, never everyone at once (the old limiter cleared its whole map at 100,000 addresses, so an
 * attacker who sprayed addresses reset the limit for everybody).
 */
import ipaddr from 'ipaddr.js';

export class FailureLimiter {
  /** Insertion order is recency order: a failure re-inserts its key at the end. */
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    readonly maxFailures = 30,
    readonly windowMs = 60_000,
    readonly capacity = 50_000,
  ) {}

  /** Seconds until this key's failures stop counting, when it has reached the limit; else 0. */
  retryAfter(key: string, now = Date.now()): number {
    const f = this.failures.get(key);
    if (!f) return 0;
    if (now - f.since >= this.windowMs) {
      this.failures.delete(key);
      return 0;
    }
    return f.count >= this.maxFailures ? Math.max(1, Math.ceil((f.since + this.windowMs - now) / 1000)) : 0;
  }

  /** Records one failure; returns the seconds to wait when the key is now over the limit, else 0. */
  fail(key: string, now = Date.now()): number {
    const f = this.failures.get(key);
    if (f) this.failures.delete(key);
    const entry = !f || now - f.since >= this.windowMs ? { count: 1, since: now } : { count: f.count + 1, since: f.since };
    this.failures.set(key, entry);
    while (this.failures.size > this.capacity) {
      const oldest = this.failures.keys().next().value as string;
      this.failures.delete(oldest);
    }
    return this.retryAfter(key, now);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  get size(): number {
    return this.failures.size;
  }
}

/**
 * The key of a client address: IPv4 as it is, IPv6 by its /64 (one subscriber usually holds a
 * whole /64, so counting single addresses would let one client rotate through 2^64 of them).
 */
export function clientKey(ip: string): string {
  try {
    const addr = ipaddr.process(ip);
    if (addr.kind() === 'ipv6') {
      const parts = (addr as ipaddr.IPv6).parts.slice(0, 4);
      return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
    }
    return addr.toString();
  } catch {
    return ip;
  }
}
