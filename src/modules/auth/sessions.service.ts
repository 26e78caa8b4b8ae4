/**
 * Console sessions: sign-in with username and password (scrypt, via AuthService), a random session
 * id in an HTTP-only cookie (stored as its SHA-256), a CSRF token per session, sign-out. Sessions
 * end after `absoluteMs` whatever happens and after `idleMs` without a request.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { Problem } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AuthService } from './auth.service.js';
import type { OrgKind, Principal, Role } from './principal.js';
import { hashToken } from './secrets.js';
import { SignInLimiter, type SignInLimits } from './sessions.limiter.js';
import { sessionsRepository } from './sessions.repository.js';

export const SESSION_COOKIE = 'ts_session';
const TOUCH_EVERY_MS = 60_000;

export interface SessionOptions {
  absoluteMs: number;
  idleMs: number;
  limits?: SignInLimits;
  now?: () => number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = { absoluteMs: 12 * 3600_000, idleMs: 2 * 3600_000 };

export interface SessionView {
  principal: Principal;
  csrfToken: string;
  displayName: string;
  locale: string;
  orgNameEn: string | null;
  expiresAt: Date;
}

export class SessionsService {
  private readonly limiter: SignInLimiter;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {
    this.limiter = new SignInLimiter(options.limits);
    this.now = options.now ?? Date.now;
  }

  /** Signs in; the returned `sessionId` goes into the cookie and nowhere else. */
  async signIn(username: string, password: string, meta: { userAgent?: string | null; ip?: string | null } = {}): Promise<{ sessionId: string; view: SessionView }> {
    const now = this.now();
    const wait = this.limiter.retryAfterMs(username, now);
    if (wait > 0) {
      throw new Problem('rate_limited', `Too many failed sign-ins for this username: try again in ${Math.ceil(wait / 60_000)} min`, { extra: { retry_after: Math.ceil(wait / 1000) } });
    }
    const principal = await this.auth.authenticatePassword(username, password);
    if (!principal || !principal.userId) {
      this.limiter.recordFailure(username, now);
      throw new Problem('unauthenticated', 'Wrong username or password');
    }
    this.limiter.recordSuccess(username);
    // Ended sessions are deleted now and then, on the way in: no scheduler needed for it.
    if (now - this.lastSweep > 3600_000) {
      this.lastSweep = now;
      await this.sweep();
    }
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now + this.options.absoluteMs);
    await this.db.transaction().execute(async (tx) => {
      await sessionsRepository.insert(tx, {
        id_hash: hashToken(sessionId),
        user_id: principal.userId!,
        csrf_token: csrfToken,
        expires_at: expiresAt,
        user_agent: meta.userAgent?.slice(0, 300) ?? null,
        ip: meta.ip ?? null,
      });
      await this.audit.record(tx, principal, { action: 'session.signed_in', object_type: 'user', object_id: principal.userId!, province_code: principal.provinceCode, data: { ip: meta.ip ?? null } });
    });
    const view = await this.authenticate(sessionId);
    if (!view) throw new Problem('internal_error', 'The new session could not be read back');
    return { sessionId, view };
  }

  /** The session behind a cookie value, or null when it is unknown, expired, idle too long or its user was disabled. */
  async authenticate(sessionId: string): Promise<SessionView | null> {
    if (!sessionId || sessionId.length > 100) return null;
    const idHash = hashToken(sessionId);
    const row = await sessionsRepository.principalBySessionHash(this.db, idHash);
    if (!row) return null;
    const now = this.now();
    const lastSeen = new Date(row.last_seen_at).getTime();
    if (new Date(row.expires_at).getTime() <= now || now - lastSeen > this.options.idleMs || row.disabled_at || row.org_status !== 'active') return null;
    if (now - lastSeen > TOUCH_EVERY_MS) await sessionsRepository.touch(this.db, idHash, new Date(now));
    const principal: Principal = {
      orgId: row.org_id,
      orgKind: row.org_kind as OrgKind,
      orgName: row.org_name,
      provinceCode: row.province_code ? String(row.province_code).trim() : null,
      userId: row.user_id,
      tokenId: null,
      username: row.username,
      roles: row.roles as Role[],
    };
    return { principal, csrfToken: row.csrf_token, displayName: row.display_name, locale: row.locale, orgNameEn: row.org_name_en ?? null, expiresAt: new Date(row.expires_at) };
  }

  /** Whether a request's X-CSRF-Token matches its session's token (constant time). */
  static csrfMatches(view: SessionView, header: string | undefined): boolean {
    if (!header) return false;
    const a = Buffer.from(header);
    const b = Buffer.from(view.csrfToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async signOut(sessionId: string, actor: Principal | null): Promise<void> {
    const idHash = hashToken(sessionId);
    await this.db.transaction().execute(async (tx) => {
      const deleted = await sessionsRepository.delete(tx, idHash);
      if (deleted) await this.audit.record(tx, actor, { action: 'session.signed_out', object_type: 'user', object_id: deleted.user_id, province_code: actor?.provinceCode ?? null });
    });
  }

  /** Deletes expired and idle sessions; the scheduler or a sign-in may call it. */
  async sweep(): Promise<number> {
    const now = this.now();
    return sessionsRepository.deleteExpired(this.db, new Date(now), new Date(now - this.options.idleMs));
  }
}
