/**
 * Failed sign-ins per username, counted in this process's memory: after `maxFailures` failures
 * within `windowMs`, the username is locked for `lockMs` whatever password is tried. Pure
 * bookkeeping with an injected clock. Being in memory, the count is per process and starts again
 * on restart; behind a load balancer each node counts on its own, which still bounds guessing
 * to (nodes × maxFailures) tries per window.
 */

export interface SignInLimits {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class SignInLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {}

  /** Milliseconds until this username may try again, or 0 when it may try now. */
  retryAfterMs(username: string, now: number): number {
    const e = this.entries.get(key(username));
    if (!e) return 0;
    return Math.max(0, e.lockedUntil - now);
  }

  recordFailure(username: string, now: number): void {
    const k = key(username);
    const e = this.entries.get(k) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((t) => now - t < this.limits.windowMs);
    e.failures.push(now);
    if (e.failures.length >= this.limits.maxFailures) {
      e.lockedUntil = now + this.limits.lockMs;
      e.failures = [];
    }
    this.entries.set(k, e);
    // Bound the memory an attacker can make us spend by trying many usernames.
    if (this.entries.size > 100_000) this.prune(now);
  }

  recordSuccess(username: string): void {
    this.entries.delete(key(username));
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => now - t >= this.limits.windowMs)) this.entries.delete(k);
    }
    if (this.entries.size > 100_000) this.entries.clear();
  }
}

const key = (username: string) => username.trim().toLowerCase();
