/**
 * Failed console sign-ins, counted in this process's memory so that guessing is slowed while the
 * account's owner is not locked out (issue 13, item 4). Three counts, each in a window:
 *
 * - per username and client address: 5 failures and that address may not try that username again
 *   until the window ends. The owner, from their own address, is not affected by an attacker's;
 * - per client address, whatever the username (password spraying): 30 failures;
 * - per username from anywhere (a guesser with many addresses): past 50 failures the username is
 *   throttled, not locked: one attempt every few seconds, so the owner waits seconds at most while
 *   a botnet gets a dozen guesses a minute.
 *
 * Memory is bounded per count (FailureLimiter forgets the least recent keys first). Behind a load
 * balancer each node counts on its own, which still bounds guessing to nodes × limits.
 */
import { clientKey, FailureLimiter } from '../../http/failure-limiter.js';

export interface SignInLimits {
  perUsernameAndClient: number;
  perClient: number;
  perUsername: number;
  windowMs: number;
  /** Time between two attempts at a throttled username. */
  throttleMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perUsernameAndClient: 5, perClient: 30, perUsername: 50, windowMs: 15 * 60_000, throttleMs: 5_000 };

export class SignInLimiter {
  private readonly pairs: FailureLimiter;
  private readonly clients: FailureLimiter;
  private readonly usernames: FailureLimiter;
  /** Last attempt at each throttled username, least recent first. */
  private readonly lastAttempt = new Map<string, number>();

  constructor(private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {
    this.pairs = new FailureLimiter(limits.perUsernameAndClient, limits.windowMs);
    this.clients = new FailureLimiter(limits.perClient, limits.windowMs);
    this.usernames = new FailureLimiter(limits.perUsername, limits.windowMs);
  }

  /**
   * Milliseconds until this client may try this username, or 0 when it may try now. A try that
   * is allowed on a throttled username is counted as its attempt of the period.
   */
  retryAfterMs(username: string, ip: string, now: number): number {
    const u = key(username);
    const c = clientKey(ip);
    const wait = Math.max(this.pairs.retryAfter(`${u}\n${c}`, now), this.clients.retryAfter(c, now)) * 1000;
    if (wait > 0) return wait;
    if (this.usernames.retryAfter(u, now) > 0) {
      const last = this.lastAttempt.get(u);
      if (last !== undefined && now - last < this.limits.throttleMs) return this.limits.throttleMs - (now - last);
      this.lastAttempt.delete(u);
      this.lastAttempt.set(u, now);
      while (this.lastAttempt.size > 50_000) this.lastAttempt.delete(this.lastAttempt.keys().next().value as string);
    }
    return 0;
  }

  recordFailure(username: string, ip: string, now: number): void {
    const u = key(username);
    const c = clientKey(ip);
    this.pairs.fail(`${u}\n${c}`, now);
    this.clients.fail(c, now);
    this.usernames.fail(u, now);
  }

  /** A success from this address forgets that address's failures at this username only. */
  recordSuccess(username: string, ip: string): void {
    this.pairs.forget(`${key(username)}\n${clientKey(ip)}`);
  }
}

const key = (username: string) => username.trim().toLowerCase();
