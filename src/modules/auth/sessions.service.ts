/**
 * Console sessions: sign-in with username and password (scrypt, via AuthService) and, for accounts
 * that have one, a second factor (TOTP or a recovery code); a random session
 * id in an HTTP-only cookie (stored as its SHA-256), a CSRF token per session, sign-out. Sessions
 * end after `absoluteMs` whatever happens and after `idleMs` without a request.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { Problem } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AuthService } from './auth.service.js';
import { userPrincipal, type Principal } from './principal.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { authRepository } from './auth.repository.js';
import { acceptTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, requiresSecondFactor, totpUri } from './second-factor.js';
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
  /** `enrolment_required`: the session may only enrol a second factor (or sign out) until it has. */
  secondFactor: SecondFactorState;
}

export type SecondFactorState = 'enabled' | 'enrolment_required' | 'none';

export class SessionsService {
  private readonly limiter: SignInLimiter;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly box: SecretBox,
    private readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {
    this.limiter = new SignInLimiter(options.limits);
    this.now = options.now ?? Date.now;
  }

  /**
   * Signs in; the returned `sessionId` goes into the cookie and nowhere else. A user with a
   * second factor must send a current TOTP code or an unused recovery code with the password.
   */
  async signIn(
    username: string,
    password: string,
    meta: { userAgent?: string | null; ip?: string | null; totpCode?: string | null; recoveryCode?: string | null } = {},
  ): Promise<{ sessionId: string; view: SessionView }> {
    const now = this.now();
    const ip = meta.ip ?? '';
    const wait = this.limiter.retryAfterMs(username, ip, now);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new Problem('rate_limited', `Too many failed sign-ins: try again in ${seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`}`, { extra: { retry_after: seconds } });
    }
    const checked = await this.auth.checkPassword(username, password);
    if (!checked || !checked.principal.userId) {
      this.limiter.recordFailure(username, ip, now);
      throw new Problem('unauthenticated', 'Wrong username or password');
    }
    const { principal, totp } = checked;
    let usedRecoveryCode = false;
    if (totp.enabledAt && totp.sealedSecret) {
      if (!meta.totpCode && !meta.recoveryCode) {
        throw new Problem('second_factor_required', 'Enter the 6-digit code of your authenticator app (or a recovery code)', { field: '/totp_code' });
      }
      const ok = meta.totpCode
        ? await this.acceptCode(principal.userId!, this.box.open(totp.sealedSecret), meta.totpCode, totp.lastStep, now)
        : await authRepository.useRecoveryCode(this.db, principal.userId!, hashToken(normalizeRecoveryCode(meta.recoveryCode!)), new Date(now));
      if (!ok) {
        this.limiter.recordFailure(username, ip, now);
        throw new Problem('second_factor_required', meta.totpCode ? 'The code is not valid (or was used already): enter the current one' : 'The recovery code is not valid or was used already', {
          field: meta.totpCode ? '/totp_code' : '/recovery_code',
        });
      }
      usedRecoveryCode = !meta.totpCode;
    }
    this.limiter.recordSuccess(username, ip);
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
      await this.audit.record(tx, principal, {
        action: 'session.signed_in',
        object_type: 'user',
        object_id: principal.userId!,
        province_code: principal.provinceCode,
        data: { ip: meta.ip ?? null, second_factor: totp.enabledAt ? (usedRecoveryCode ? 'recovery_code' : 'totp') : null },
      });
    });
    const view = await this.authenticate(sessionId);
    if (!view) throw new Problem('internal_error', 'The new session could not be read back');
    return { sessionId, view };
  }

  /** A TOTP code, accepted once: the step moves forward atomically, so a replay in parallel fails too. */
  private async acceptCode(userId: string, secret: string, code: string, lastStep: number | null, now: number): Promise<boolean> {
    const step = await acceptTotp(secret, code, lastStep, now);
    return step !== null && (await authRepository.advanceTotpStep(this.db, userId, step));
  }

  /** Starts TOTP enrolment: a new secret, shown once, that counts only after `confirmTotp`. */
  async startTotp(view: SessionView): Promise<{ secret: string; otpauth_uri: string }> {
    const userId = view.principal.userId!;
    const secret = newTotpSecret();
    const stored = await authRepository.setPendingTotpSecret(this.db, userId, this.box.seal(secret));
    if (!stored) throw new Problem('conflict', 'A second factor is already enabled for this account');
    return { secret, otpauth_uri: totpUri(secret, view.principal.username ?? userId) };
  }

  /** Proves a code from the pending secret: the second factor is on, and the recovery codes are returned once. */
  async confirmTotp(view: SessionView, code: string): Promise<{ recovery_codes: string[] }> {
    const userId = view.principal.userId!;
    const row = await authRepository.userSecondFactor(this.db, userId);
    if (!row?.totp_secret_sealed) throw new Problem('conflict', 'Start the enrolment first (POST /api/v1/session/totp)');
    if (row.totp_enabled_at) throw new Problem('conflict', 'A second factor is already enabled for this account');
    const step = await acceptTotp(this.box.open(row.totp_secret_sealed), code, null, this.now());
    if (step === null) throw new Problem('validation_failed', 'The code does not match: check the time on the device and enter the current code', { field: '/code' });
    const codes = newRecoveryCodes();
    await this.db.transaction().execute(async (tx) => {
      await authRepository.enableTotp(tx, userId, new Date(this.now()), step);
      await authRepository.replaceRecoveryCodes(tx, userId, codes.map((c) => hashToken(normalizeRecoveryCode(c))));
      await this.audit.record(tx, view.principal, { action: 'user.second_factor_enabled', object_type: 'user', object_id: userId, province_code: view.principal.provinceCode });
    });
    return { recovery_codes: codes };
  }

  /**
   * Gives a user an enabled TOTP secret without the enrolment dialogue: only for seeding the demo
   * world, whose credentials file carries the secret so its admins can sign in.
   */
  async provisionTotp(userId: string): Promise<{ secret: string; recovery_codes: string[] }> {
    const secret = newTotpSecret();
    const codes = newRecoveryCodes();
    await authRepository.setPendingTotpSecret(this.db, userId, this.box.seal(secret));
    await authRepository.enableTotp(this.db, userId, new Date(this.now()), 0);
    await authRepository.replaceRecoveryCodes(this.db, userId, codes.map((c) => hashToken(normalizeRecoveryCode(c))));
    return { secret, recovery_codes: codes };
  }

  /** Marks this database as the demo world (the sign-in page then shows the demo hint). */
  async markDemo(): Promise<void> {
    await authRepository.setFlag(this.db, 'demo', 'true');
  }

  /** What the sign-in page may show: the demo hint only on a database seeded with the demo world. */
  async signInOptions(): Promise<{ demo: boolean }> {
    return { demo: (await authRepository.flag(this.db, 'demo')) === 'true' };
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
    const principal = userPrincipal(row);
    const secondFactor: SecondFactorState = row.totp_enabled_at ? 'enabled' : requiresSecondFactor(principal.orgKind, principal.roles) ? 'enrolment_required' : 'none';
    return { principal, csrfToken: row.csrf_token, displayName: row.display_name, locale: row.locale, orgNameEn: row.org_name_en ?? null, expiresAt: new Date(row.expires_at), secondFactor };
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
