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

  test('lists the log newest first, filtered by actor, kind and object, with restricted reads grouped', async () => {
    const vendor = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    const gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    const bj = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: vendor.headers,
      payload: { category: 'malicious_resource', subtype: 'botnet_c2', title: 'audit list', discovered_at: new Date().toISOString(), tlp: 'amber', observables: [{ type: 'ipv4', value: '113.108.77.9' }] },
    });
    assert.equal(r.statusCode, 201, r.body);
    // A regulator's list views write restricted reads; they must not flood the log page.
    for (let i = 0; i < 3; i++) await h.app.inject({ method: 'GET', url: '/api/v1/cases', headers: gd.headers });
    const get = async (who: TestOrg, q: string) => {
      const res = await h.app.inject({ method: 'GET', url: `/api/v1/audit?${q}`, headers: who.headers });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const mine = await get(ministry, `actor_org_id=${vendor.id}`);
    assert.ok(mine.entries.length >= 1);
    assert.ok(mine.entries.every((e: { actor_org_id: string }) => e.actor_org_id === vendor.id));
    assert.ok(mine.entries.some((e: { action: string }) => e.action === 'report.submitted' || e.action.startsWith('report.')));
    const seqs = mine.entries.map((e: { seq: number }) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a: number, b: number) => b - a), 'newest first');
    const kind = await get(ministry, 'action=report.&limit=200');
    assert.ok(kind.entries.every((e: { action: string }) => e.action.startsWith('report.')));
    const byObject = await get(ministry, `object_type=report&object_id=${r.json().id}`);
    assert.ok(byObject.entries.length >= 1 && byObject.entries.every((e: { object_id: string }) => e.object_id === r.json().id));
    // Reads are grouped by who read which kind of record, not listed one by one.
    const reads = await get(ministry, `actor_org_id=${gd.id}`);
    assert.ok(reads.entries.every((e: { action: string }) => e.action !== 'restricted.read'));
    const group = reads.reads.find((g: { object_type: string }) => g.object_type === 'case');
    assert.ok(group, JSON.stringify(reads.reads));
    assert.ok(group.entries >= 3);
    const listed = await get(ministry, `actor_org_id=${gd.id}&reads=only`);
    assert.ok(listed.entries.length >= 3 && listed.entries.every((e: { action: string }) => e.action === 'restricted.read'));
    assert.equal(listed.reads, null);
    // A provincial auditor sees its own province's entries only, never province-less ones (docs/access.md).
    const bjView = await get(bj, `actor_org_id=${vendor.id}`);
    assert.ok(bjView.entries.every((e: { province_code: string | null }) => e.province_code === '110000'));
    const gdView = await get(gd, 'limit=200');
    assert.ok(gdView.entries.length > 0 && gdView.entries.every((e: { province_code: string | null }) => e.province_code === '440000'), JSON.stringify(gdView.entries.map((e: { province_code: string | null }) => e.province_code)));
    // Paging by seq.
    const p1 = await get(ministry, 'limit=2');
    const p2 = await get(ministry, `limit=2&before_seq=${p1.next_before_seq}`);
    assert.ok(p2.entries.every((e: { seq: number }) => e.seq < p1.next_before_seq));
    const unit = await h.app.inject({ method: 'GET', url: '/api/v1/audit', headers: vendor.headers });
    assert.equal(unit.statusCode, 403);
  });
});
