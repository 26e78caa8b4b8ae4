import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';

describe(`audit log in the database (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  before(async () => {
    h = await startHarness();
    ministry = await makeOrg(h.c, 'regulator_national');
  });
  after(() => h.close());

  test('every state change leaves a chained entry, and the API verifies the chain', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: ministry.headers });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().ok, true);
    assert.ok(r.json().entries >= 2);
    const trail = await h.app.inject({ method: 'GET', url: `/api/v1/audit/organization/${ministry.id}`, headers: ministry.headers });
    assert.equal(trail.json()[0].action, 'organization.created');
  });

  test('an entry edited in the database is found by verification', { skip: dbLabel === 'postgres' ? 'tampering with the shared database would break other test processes' : false }, async () => {
    await sql`UPDATE audit_events SET data = '{"tampered":true}' WHERE seq = 1`.execute(h.c.handle.db);
    const v = await h.c.audit.verify();
    assert.equal(v.ok, false);
    assert.deepEqual(v.break, { seq: 1, reason: 'hash_mismatch' });
  });

  test('recordMany appends a batch as consecutive chained entries under one head lock', async () => {
    const id = `batch-${Date.now()}`;
    const stored = await h.c.handle.db.transaction().execute((tx) =>
      h.c.audit.recordMany(tx, null, [1, 2, 3].map((i) => ({ action: 'test.batch', object_type: 'test', object_id: id, data: { i } }))),
    );
    assert.deepEqual(stored.map((e) => e.seq - stored[0].seq), [0, 1, 2]);
    assert.equal(stored[1].prev_hash, stored[0].hash);
    assert.equal(stored[2].prev_hash, stored[1].hash);
    const trail = await h.c.audit.forObject('test', id);
    assert.deepEqual(trail.map((e) => e.data.i), [1, 2, 3]);
  });

  test('units may not read the audit trail', async () => {
    const unit = await makeOrg(h.c, 'security_vendor');
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: unit.headers });
    assert.equal(r.statusCode, 403);
  });
});
