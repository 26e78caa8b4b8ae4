/**
 * The demo organizations on a fresh database with the workflow's adjustable clock: for tests that
 * walk a threat through the real parties (MIIT, the provinces, CNCERT/CAICT, the operators' branches).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { seedDemo, type DemoCredential } from '../../src/demo/seed.js';
import type { AdjustableClock } from '../../src/lib/clock.js';
import { openFreshDatabase } from './fresh-database.js';

export interface DemoWorld {
  c: Container;
  app: FastifyInstance;
  clock: AdjustableClock;
  dataDir: string;
  creds: DemoCredential[];
  close(): Promise<void>;
}

export async function startDemoWorld(prefix: string): Promise<DemoWorld> {
  process.env.THREATSHARE_TEST_CLOCK = '1';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `threatshare-${prefix}-`));
  const fresh = await openFreshDatabase(prefix);
  const c = await createContainer({ ...loadConfig({ DATA_DIR: dataDir }), publicUrl: 'http://127.0.0.1:1' }, { handle: fresh.handle });
  const clock = c.workflow.clock as AdjustableClock;
  const creds = (await seedDemo(c)).credentials;
  const app = await buildApp(c);
  await app.ready();
  return {
    c,
    app,
    clock,
    dataDir,
    creds,
    async close() {
      delete process.env.THREATSHARE_TEST_CLOCK;
      await app.close();
      await c.close();
      await fresh.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
