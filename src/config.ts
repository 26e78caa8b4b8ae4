/**
 * Environment → typed configuration, read once at start-up. Every variable is documented in the
 * README ("Configuration"); an invalid value stops the process with a message naming it.
 */
import path from 'node:path';

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
  };
}
