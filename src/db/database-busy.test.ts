/**
 * A busy database fails a request with 503 instead of hanging it: a bounded wait for a pooled
 * connection and for the audit chain's head, so no holder that never commits can stop every other
 * writer (the in-process cycle: a transaction that holds the head and waits for a second pooled
 * connection while the pool's others wait for that head).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import Fastify from 'fastify';
import { TEST_DATABASE_URL, dbLabel } from '../../test/helpers/harness.js';
import { registerProblemHandler } from '../http/problem-handler.js';
import { auditRepository } from '../modules/audit/audit.repository.js';
import { migrate } from './migrate.js';
import { isDatabaseBusy, openDatabase, type DatabaseHandle } from './database.js';

describe(`a busy database (${dbLabel})`, () => {
  let handle: DatabaseHandle;
  before(async () => {
    handle = await openDatabase({ databaseUrl: TEST_DATABASE_URL, dataDir: null, poolSize: 2, poolWaitMs: 300 });
    await migrate(handle);
  });
  after(async () => {
    await handle.close();
  });

  test('the audit head is locked with a bounded wait, for the rest of that transaction only', async () => {
    await handle.db.transaction().execute(async (tx) => {
      await auditRepository.lockHead(tx);
      const inside = await sql<{ lock_timeout: string }>`SHOW lock_timeout`.execute(tx);
      assert.equal(inside.rows[0].lock_timeout, '30s');
    });
    const outside = await sql<{ lock_timeout: string }>`SHOW lock_timeout`.execute(handle.db);
    assert.equal(outside.rows[0].lock_timeout, '0', 'SET LOCAL ends with the transaction');
  });

  test('a lock not granted in time and a pool with no free connection are both "busy"', { skip: !TEST_DATABASE_URL && 'PGlite has one session: no lock waits, no pool' }, async () => {
    // Another session holds the head; this one gives up after its lock_timeout.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = handle.db.transaction().execute(async (tx) => {
      await auditRepository.lockHead(tx);
      locked();
      await held;
    });
    await isLocked;
    const lockErr = await handle.db
      .transaction()
      .execute(async (tx) => {
        await sql`SET LOCAL lock_timeout = '100ms'`.execute(tx);
        await tx.selectFrom('audit_head').select('seq').where('id', '=', 1).forUpdate().execute();
      })
      .then(() => null, (e: unknown) => e);
    assert.ok(isDatabaseBusy(lockErr), String(lockErr));
    // Both pooled connections taken (the holder and this one): the next acquirer waits 300 ms, then fails.
    const second = handle.db.transaction().execute(async () => {
      const poolErr = await sql`SELECT 1`.execute(handle.db).then(() => null, (e: unknown) => e);
      assert.ok(isDatabaseBusy(poolErr), String(poolErr));
    });
    await second;
    release();
    await holder;
    assert.equal(isDatabaseBusy(new Error('something else')), false);
    assert.equal(isDatabaseBusy(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
  });

  test('a pooled connection the server ends takes neither the process nor the pool with it', { skip: !TEST_DATABASE_URL && 'PGlite has no server to end a connection' }, async () => {
    const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db)).rows[0].pid;
    // The connection is idle in the pool now; another session ends it, as an administrator would.
    const admin = await openDatabase({ databaseUrl: TEST_DATABASE_URL, poolSize: 1 });
    try {
      await sql`SELECT pg_terminate_backend(${pid})`.execute(admin.db);
    } finally {
      await admin.close();
    }
    await new Promise((r) => setTimeout(r, 100)); // the 'error' event arrives; unhandled, it would end this process
    const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
    assert.equal(r.rows[0].one, 1, 'the next query gets a live connection');
  });

  test('the API answers a busy database with 503 problem+json and the code "unavailable"', async () => {
    const app = Fastify();
    registerProblemHandler(app);
    app.get('/busy', async () => {
      throw Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
    });
    const r = await app.inject({ method: 'GET', url: '/busy' });
    assert.equal(r.statusCode, 503);
    assert.match(String(r.headers['content-type']), /application\/problem\+json/);
    assert.equal(r.json().code, 'unavailable');
    await app.close();
  });
});
