/**
 * Environment → typed configuration, read once at start-up. Every variable is documented in the
 * README ("Configuration"); an invalid value stops the process with a message naming it.
 */
import path from 'node:path';
import { DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_SIGHTING_RETENTION_DAYS, retentionPeriodProblem } from './modules/retention/retention-policy.js';

export interface Config {
  host: string;
  port: number;
  /** PGlite data directory and other local state (evidence store, signing keys, demo credentials). */
  dataDir: string;
  /** When set, PostgreSQL instead of the embedded PGlite. */
  databaseUrl: string | null;
  logLevel: string;
  /** Seed demo data on an empty database at start-up. */
  demo: boolean;
  /** Largest JSON request body, bytes. */
  bodyLimit: number;
  /** Largest evidence file, bytes. */
  evidenceLimit: number;
  /** Largest bulk import body, bytes. */
  importLimit: number;
  /** Largest inflation of a gzip-encoded import (decompressed bytes per received byte); 0 = no limit. */
  importMaxRatio: number;
  /** Public base URL of this platform, used in documents and links. */
  publicUrl: string;
  /** Interval of the signed audit checkpoints written by `serve`, ms (0 = only at start and stop). */
  auditCheckpointMs: number;
  /** Days the audit log is kept (0: for ever; else at least the legal minimum), retention-policy.ts. */
  auditRetentionDays: number;
  /** Days sightings are kept after every case holding their report is over (0: for ever). */
  sightingRetentionDays: number;
  /** Interval of the retention sweep run by `serve`, ms (0: never). */
  retentionSweepMs: number;
  /**
   * Which proxies to believe about the client's address (X-Forwarded-For), as Fastify's
   * `trustProxy`: false (none), true (all), a hop count, or addresses and CIDRs. Failed
   * authentications and rate limits are counted per client address, so set this behind a proxy.
   */
  trustProxy: boolean | number | string;
  /** Requests per minute per credential by role (the highest of its roles), and per address for anonymous requests; null: no limits. */
  rateLimits: RateLimits | null;
}

export type RateLimitRole = 'anonymous' | 'admin' | 'analyst' | 'reporter' | 'handler' | 'auditor';
export type RateLimits = Record<RateLimitRole, number>;

/**
 * Default requests per minute. Machines doing lookups, TAXII and feeds hold analyst tokens and
 * poll hard (the lookup benchmark runs at thousands a second); people at the console and
 * administrative tokens need far less; anonymous callers (sign-in, public pages, docs) least.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { anonymous: 600, admin: 6_000, auditor: 6_000, reporter: 60_000, handler: 60_000, analyst: 1_200_000 };

function rateLimitsFrom(env: NodeJS.ProcessEnv): RateLimits | null {
  const raw = (env.RATE_LIMITS ?? '').trim();
  if (raw === 'off') return null;
  const limits = { ...DEFAULT_RATE_LIMITS };
  if (!raw) return limits;
  for (const part of raw.split(',')) {
    const [role, value] = part.split('=').map((x) => x.trim());
    if (!role || !(role in limits) || !value || !/^[1-9][0-9]*$/.test(value)) {
      throw new Error(`RATE_LIMITS must be "off" or a list like "anonymous=600,admin=6000" over ${Object.keys(limits).join(', ')}; got "${raw}"`);
    }
    limits[role as RateLimitRole] = Number(value);
  }
  return limits;
}

function trustProxyFrom(env: NodeJS.ProcessEnv): boolean | number | string {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true') return true;
  if (/^[1-9][0-9]*$/.test(raw)) return Number(raw);
  return raw;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function boolFrom(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  return raw === '1' || raw === 'true' || raw === 'yes';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const host = env.HOST || '127.0.0.1';
  const port = intFrom(env, 'PORT', 8080);
  if (port > 65535) throw new Error(`PORT must be at most 65535, got ${port}`);
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const retention = { audit_days: intFrom(env, 'AUDIT_RETENTION_DAYS', DEFAULT_AUDIT_RETENTION_DAYS), sighting_days: intFrom(env, 'SIGHTING_RETENTION_DAYS', DEFAULT_SIGHTING_RETENTION_DAYS) };
  const retentionProblem = retentionPeriodProblem(retention);
  if (retentionProblem) throw new Error(retentionProblem);
  return {
    host,
    port,
    dataDir,
    databaseUrl: env.DATABASE_URL || null,
    logLevel: env.LOG_LEVEL || 'info',
    demo: boolFrom(env, 'THREATSHARE_DEMO'),
    bodyLimit: intFrom(env, 'BODY_LIMIT', 1024 * 1024),
    evidenceLimit: intFrom(env, 'EVIDENCE_LIMIT', 20 * 1024 * 1024),
    importLimit: intFrom(env, 'IMPORT_LIMIT', 256 * 1024 * 1024),
    importMaxRatio: intFrom(env, 'IMPORT_MAX_RATIO', 100),
    publicUrl: env.PUBLIC_URL || `http://${host}:${port}`,
    auditCheckpointMs: intFrom(env, 'AUDIT_CHECKPOINT_MS', 5 * 60_000),
    auditRetentionDays: intFrom(env, 'AUDIT_RETENTION_DAYS', DEFAULT_AUDIT_RETENTION_DAYS),
    sightingRetentionDays: intFrom(env, 'SIGHTING_RETENTION_DAYS', DEFAULT_SIGHTING_RETENTION_DAYS),
    retentionSweepMs: intFrom(env, 'RETENTION_SWEEP_MS', 60 * 60_000),
    trustProxy: trustProxyFrom(env),
    rateLimits: rateLimitsFrom(env),
  };
}
