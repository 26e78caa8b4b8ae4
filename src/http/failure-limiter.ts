/**
 * Slows down credential guessing: after too many failed authentications from one address within
 * a window, further requests from it are refused with 429 until the window passes. In memory, per
 * process (a load balancer in front spreads an attacker over processes, each still limiting).
 */
export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    readonly maxFailures = 30,
    readonly windowMs = 60_000,
  ) {}

  /** Seconds to wait, or 0 when this address may try. */
  retryAfter(key: string, now = Date.now()): number {
    const f = this.failures.get(key);
    if (!f) return 0;
    if (now - f.since >= this.windowMs) {
      this.failures.delete(key);
      return 0;
    }
    return f.count >= this.maxFailures ? Math.ceil((f.since + this.windowMs - now) / 1000) : 0;
  }

  fail(key: string, now = Date.now()): void {
    const f = this.failures.get(key);
    if (!f || now - f.since >= this.windowMs) this.failures.set(key, { count: 1, since: now });
    else f.count++;
    if (this.failures.size > 100_000) this.failures.clear();
  }
}
