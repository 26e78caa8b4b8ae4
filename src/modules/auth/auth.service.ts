/**
 * Authentication of API tokens and users, and their management. Authenticated principals are kept
 * for a few seconds in memory so the hot read paths (lookups, TAXII, feeds) do not pay a query per
 * request; a revocation in this process takes effect at once, in other processes (the CLI, other
 * servers) within TOKEN_CACHE_TTL_MS of the token's last check against the database, and an expiry
 * at its time (docs/scaling.md, "Authentication on the hot path").
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { Problem, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import { assertCanGrantRoles, assertCanManageAccess } from './auth.policy.js';
import { authRepository } from './auth.repository.js';
import { ROLES, userPrincipal, type OrgKind, type Principal, type Role } from './principal.js';
import { generateToken, hashPassword, hashToken, verifyPassword } from './secrets.js';

/** How long a verified token's principal is trusted without asking the database again. */
export const TOKEN_CACHE_TTL_MS = 10_000;
/**
 * A token still in use this close to the end of its window is checked again in the background,
 * while the cached principal keeps answering: a busy token's requests never wait for the
 * database, and never all at once (when the window ended, every request in flight, 64 of a
 * resolver's connections, asked the database for the same token at the same moment: a stall in
 * the lookup tail every ten seconds). Each check still happens within TOKEN_CACHE_TTL_MS of the last.
 */
export const TOKEN_REFRESH_AHEAD_MS = 2_000;
const TOUCH_EVERY_MS = 60_000;

export class AuthService {
  /** Keyed by the token itself (memory only): a hit costs one map probe, no hash per request. */
  private readonly cache = new Map<string, { principal: Principal; until: number; refreshAt: number }>();
  private readonly touched = new Map<string, number>();
  /** Checks against the database under way, one per token: concurrent requests share it. */
  private readonly checking = new Map<string, Promise<Principal | null>>();
  /** Revocations in this process so far: a check that began before one does not fill the cache. */
  private revocations = 0;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    /** Milliseconds since the epoch; tests move it to cross the cache bound without sleeping. */
    private readonly now: () => number = Date.now,
  ) {}

  /** The principal of a token authenticated within the last few seconds, without waiting. */
  cachedPrincipal(token: string): Principal | undefined {
    const hit = this.cache.get(token);
    if (hit === undefined) return undefined;
    const now = this.now();
    if (hit.until <= now) return undefined;
    if (hit.refreshAt <= now && !this.checking.has(token)) void this.check(token).catch(() => undefined);
    return hit.principal;
  }

  /** Checks that are under way (tests wait for the background ones). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.checking.values()]);
  }

  async authenticateToken(token: string): Promise<Principal | null> {
    const cached = this.cachedPrincipal(token);
    if (cached) return cached;
    return this.check(token);
  }

  /** The database's word on a token (shared by the requests that ask meanwhile), cached. */
  private check(token: string): Promise<Principal | null> {
    let p = this.checking.get(token);
    if (p === undefined) {
      p = this.checkNow(token).finally(() => this.checking.delete(token));
      this.checking.set(token, p);
    }
    return p;
  }

  private async checkNow(token: string): Promise<Principal | null> {
    const revocations = this.revocations;
    const hash = hashToken(token);
    const now = this.now();
    const row = await authRepository.principalByTokenHash(this.db, hash);
    const expiresAt = row?.expires_at ? new Date(row.expires_at).getTime() : Infinity;
    if (!row || row.revoked_at || row.disabled_at || row.org_status !== 'active' || expiresAt <= now) {
      this.cache.delete(token);
      return null;
    }
    const principal: Principal = {
      orgId: row.org_id,
      orgKind: row.org_kind as OrgKind,
      orgName: row.org_name,
      provinceCode: row.province_code ? String(row.province_code).trim() : null,
      userId: row.user_id,
      tokenId: row.token_id,
      username: row.username ?? null,
      roles: row.roles as Role[],
    };
    if (revocations === this.revocations) {
      if (this.cache.size > 10_000) this.cache.clear();
      // Never trusted past the token's own expiry.
      const until = Math.min(now + TOKEN_CACHE_TTL_MS, expiresAt);
      // A window that ends at the token's expiry is not renewed: there is nothing to renew.
      this.cache.set(token, { principal, until, refreshAt: until < expiresAt ? until - TOKEN_REFRESH_AHEAD_MS : Infinity });
    }
    const last = this.touched.get(row.token_id) ?? 0;
    if (now - last > TOUCH_EVERY_MS) {
      this.touched.set(row.token_id, now);
      await authRepository.touchToken(this.db, row.token_id, new Date(now));
    }
    return principal;
  }

  async authenticatePassword(username: string, password: string): Promise<Principal | null> {
    return (await this.checkPassword(username, password))?.principal ?? null;
  }

  /**
   * The user of a username and password, with their second-factor state, or null. Answers in
   * the same time whether or not the username exists, is disabled or has no password: scrypt
   * runs every time (against a throw-away hash when there is nothing to compare), so the timing
   * of a refusal does not tell which usernames exist.
   */
  async checkPassword(username: string, password: string): Promise<{ principal: Principal; totp: { sealedSecret: string | null; enabledAt: Date | null; lastStep: number | null } } | null> {
    const row = await authRepository.userByUsername(this.db, username);
    const usable = row && row.password_hash && !row.disabled_at && row.org_status === 'active';
    const matches = await verifyPassword(password, usable ? row.password_hash! : await decoyHash());
    if (!usable || !matches) return null;
    return {
      principal: userPrincipal({ ...row, user_id: row.id }),
      totp: { sealedSecret: row.totp_secret_sealed ?? null, enabledAt: row.totp_enabled_at ? new Date(row.totp_enabled_at) : null, lastStep: row.totp_last_step == null ? null : Number(row.totp_last_step) },
    };
  }

  /** Creates an API token; the secret is in the result and nowhere else, ever. */
  async createToken(
    actor: Principal | null,
    input: { org_id: string; name: string; roles: Role[]; user_id?: string | null; expires_at?: Date | null },
  ): Promise<{ id: string; token: string; prefix: string }> {
    if (actor) {
      assertCanManageAccess(actor, input.org_id);
      assertCanGrantRoles(actor, input.roles);
    }
    validateRoles(input.roles);
    if (input.expires_at && !(input.expires_at.getTime() > Date.now())) throw validationFailed('/expires_at', 'A token cannot be created already expired: give a time in the future');
    const { token, prefix, hash } = generateToken();
    const id = randomUUID();
    await this.db.transaction().execute(async (tx) => {
      await authRepository.insertToken(tx, {
        id,
        org_id: input.org_id,
        user_id: input.user_id ?? null,
        name: input.name,
        token_prefix: prefix,
        token_hash: hash,
        roles: input.roles,
        expires_at: input.expires_at ?? null,
      });
      await this.audit.record(tx, actor, { action: 'token.created', object_type: 'api_token', object_id: id, data: { org_id: input.org_id, name: input.name, roles: input.roles } });
    });
    return { id, token, prefix };
  }

  async listTokens(actor: Principal, orgId: string) {
    assertCanManageAccess(actor, orgId);
    return authRepository.listTokens(this.db, orgId);
  }

  async revokeToken(actor: Principal, tokenId: string): Promise<void> {
    const row = await authRepository.getToken(this.db, tokenId);
    if (!row) throw new Problem('not_found', 'Token was not found');
    assertCanManageAccess(actor, row.org_id);
    await this.db.transaction().execute(async (tx) => {
      await authRepository.revokeToken(tx, tokenId, new Date());
      await this.audit.record(tx, actor, { action: 'token.revoked', object_type: 'api_token', object_id: tokenId, data: { org_id: row.org_id } });
    });
    this.revocations++;
    for (const [token, entry] of this.cache) if (entry.principal.tokenId === tokenId) this.cache.delete(token);
  }

  async createUser(
    actor: Principal | null,
    input: { org_id: string; username: string; display_name: string; password?: string | null; roles: Role[]; locale?: string },
  ): Promise<{ id: string }> {
    if (actor) {
      assertCanManageAccess(actor, input.org_id);
      assertCanGrantRoles(actor, input.roles);
    }
    validateRoles(input.roles);
    if (input.password != null && input.password.length < 10) throw validationFailed('/password', 'A password has at least 10 characters');
    const id = randomUUID();
    const password_hash = input.password ? await hashPassword(input.password) : null;
    await this.db.transaction().execute(async (tx) => {
      const existing = await authRepository.userByUsername(tx, input.username);
      if (existing) throw new Problem('conflict', `Username "${input.username}" is taken`, { field: '/username' });
      await authRepository.insertUser(tx, { id, org_id: input.org_id, username: input.username, display_name: input.display_name, password_hash, roles: input.roles, locale: input.locale });
      await this.audit.record(tx, actor, { action: 'user.created', object_type: 'user', object_id: id, data: { org_id: input.org_id, username: input.username, roles: input.roles } });
    });
    return { id };
  }

  async listUsers(actor: Principal, orgId: string) {
    assertCanManageAccess(actor, orgId);
    return authRepository.listUsers(this.db, orgId);
  }
}

function validateRoles(roles: readonly string[]): void {
  if (roles.length === 0) throw validationFailed('/roles', 'At least one role is required');
  roles.forEach((r, i) => {
    if (!ROLES.includes(r as Role)) throw validationFailed(`/roles/${i}`, `Unknown role "${r}"; roles are ${ROLES.join(', ')}`);
  });
}

let decoy: Promise<string> | null = null;
/** A hash of a random password with the same scrypt cost as real ones, made once per process. */
function decoyHash(): Promise<string> {
  decoy ??= hashPassword(generateToken().token);
  return decoy;
}
