/**
 * Two processes migrating one empty database at once (two servers started together, or two test
 * files on CI's freshly emptied database): both succeed and every migration is applied once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../../test/helpers/harness.js';
import { openDatabase } from './database.js';
import { listMigrations, migrate } from './migrate.js';

describe('migrations run by two sessions at once (postgres)', { skip: !TEST_DATABASE_URL && 'PostgreSQL only: PGlite has one session' }, () => {
  test('on an empty database both succeed, and each migration is applied once', async () => {
    const name = `migrate_race_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL ?? undefined });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    const a = await openDatabase({ databaseUrl: url.toString(), poolSize: 2 });
    const b = await openDatabase({ databaseUrl: url.toString(), poolSize: 2 });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const all = listMigrations().map((m) => m.name);
      // One session applied them all; the other, once it had the lock, found nothing left to do.
      assert.deepEqual([...ra, ...rb].sort(), [...all].sort());
      const rows = await a.db.selectFrom('schema_migrations' as never).select('name' as never).execute();
      assert.equal(rows.length, all.length);
    } finally {
      await a.close();
      await b.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
