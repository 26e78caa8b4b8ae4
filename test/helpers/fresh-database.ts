/**
 * A fresh, empty database for tests that need one (the demo seed refuses a database that already
 * has organizations): in-memory PGlite, or on PostgreSQL a throw-away database next to
 * TEST_DATABASE_URL's, dropped on close.
 */
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { TEST_DATABASE_URL } from './harness.js';

export async function openFreshDatabase(prefix: string): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) return { handle: await openDatabase({ dataDir: null }), drop: async () => undefined };
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL ?? undefined });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), poolSize: 8 });
  return {
    handle,
    async drop() {
      const a = new pg.Client({ connectionString: TEST_DATABASE_URL ?? undefined });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * Like `startHarness`, on a fresh database: for suites that move the workflow clock forward (keys,
 * deadlines), whose future-dated rows must not leak into other suites on a shared PostgreSQL.
 */
export async function startFreshHarness(prefix: string): Promise<import('./harness.js').Harness> {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { buildApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/config.js');
  const { createContainer } = await import('../../src/container.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-fresh-'));
  const config = loadConfig({ DATA_DIR: dataDir });
  const fresh = await openFreshDatabase(prefix);
  const c = await createContainer(config, { handle: fresh.handle });
  const app = await buildApp(c);
  await app.ready();
  return {
    c,
    app,
    config,
    async close() {
      await app.close();
      await c.close();
      await fresh.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
