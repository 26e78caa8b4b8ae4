/**
 * Test harness: a real database (in-process PGlite, or PostgreSQL when TEST_DATABASE_URL is set),
 * the real container and the real HTTP app, driven with `app.inject` or on a loopback port.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { openDatabase } from '../../src/db/database.js';

// Signing keys and webhook secrets in a shared test database are sealed with one secret.
process.env.THREATSHARE_KEY_SECRET ??= 'threatshare-test-only-key-secret';
// Test receivers listen on loopback over plain http: the documented override (README "Configuration").
process.env.WEBHOOK_ALLOW_ADDRESSES ??= '127.0.0.1';
process.env.WEBHOOK_ALLOW_HTTP ??= '1';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null;
export const dbLabel = TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface Harness {
  c: Container;
  app: FastifyInstance;
  config: Config;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<Config> = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-test-'));
  const config: Config = { ...loadConfig({ DATA_DIR: dataDir }), ...overrides };
  const handle = await openDatabase({ databaseUrl: TEST_DATABASE_URL, dataDir: null, poolSize: 8 });
  const c = await createContainer(config, { handle });
  const app = await buildApp(c);
  await app.ready();
  return {
    c,
    app,
    config,
    async close() {
      await app.close();
      await c.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
