/**
 * The console's second factor (issue 13, item 4): TOTP (RFC 6238, 30 s steps, 6 digits, what
 * every authenticator app speaks) through otplib, and single-use recovery codes. Who must have
 * one is a rule of its own: the admins of regulators and professional institutions, whose
 * accounts decide measures, sign notices and manage other accounts.
 */
import { randomBytes } from 'node:crypto';
import { generate, generateSecret, generateURI, verify } from 'otplib';
import type { OrgKind, Role } from './principal.js';

const SECOND_FACTOR_KINDS: readonly OrgKind[] = ['regulator_national', 'regulator_provincial', 'professional_institution'];

/** Whether this account may not use the console without a second factor. */
export function requiresSecondFactor(orgKind: OrgKind | string, roles: readonly (Role | string)[]): boolean {
  return SECOND_FACTOR_KINDS.includes(orgKind as OrgKind) && roles.includes('admin');
}

export const TOTP_ISSUER = 'threatshare';

export function newTotpSecret(): string {
  return generateSecret();
}

/** The otpauth:// URI an authenticator app reads (as a QR code or pasted). */
export function totpUri(secret: string, username: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret });
}

/**
 * The time step of a valid code, or null. One step either side is accepted for clock drift; a
 * step at or before `lastStep` is refused, so a code seen over a shoulder cannot be used again.
 */
export async function acceptTotp(secret: string, code: string, lastStep: number | null, nowMs = Date.now()): Promise<number | null> {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const r = await verify({ secret, token: code, epoch: Math.floor(nowMs / 1000), epochTolerance: 30, ...(lastStep !== null ? { afterTimeStep: lastStep } : {}) });
  return r.valid ? (r as { timeStep: number }).timeStep : null;
}

/** The current code of a secret (tests and the demo's documentation use it). */
export async function currentTotp(secret: string, nowMs = Date.now()): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000) });
}

// 32 symbols (no l, o, 0, 1), so each random byte maps to one without bias.
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Ten codes like `k7m2p-x9qrt`, 50 bits each: enough for single use, short enough to type. */
export function newRecoveryCodes(n = 10): string[] {
  return Array.from({ length: n }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A typed recovery code in its stored form: lower case, without spaces or dashes. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}
