/**
 * The audit chain anchored outside the database (issue 13, item 7): what someone who can write to
 * the database does to the chain (cut its tail and move the head back, edit an entry and re-hash
 * the rest, leave rows past the head) passes the chain's own check, and is found against the
 * signed checkpoint. On a fresh database: these tests tamper with the log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { verifySignedDocument } from '../notices/notice-document.js';
import { hashEntry } from './audit-chain.js';
import { auditRepository, type StoredAuditEntry } from './audit.repository.js';
import { HISTORY_FILE, LATEST_FILE } from './checkpoints.service.js';

describe(`audit checkpoints (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  const db = () => h.c.handle.db;
  const all = async () => auditRepository.page(db(), 0, 100_000);
  const setHead = (seq: number, hash: string) => sql`UPDATE audit_head SET seq = ${seq}, hash = ${hash} WHERE id = 1`.execute(db());
  const verify = async () => h.c.audit.verify(undefined, await h.c.checkpoints.anchor());

  before(async () => {
    h = await startFreshHarness('ckpt');
    ministry = await makeOrg(h.c, 'regulator_national');
    for (let i = 0; i < 3; i++) await makeOrg(h.c, 'security_vendor');
  });
  after(() => h.close());

  test('a checkpoint is the head signed with the platform key, in $DATA_DIR and at the well-known URL', async () => {
    const head = await auditRepository.head(db());
    const cp = await h.c.checkpoints.write();
    assert.equal(cp.document.head_seq, head.seq);
    assert.equal(cp.document.head_hash, head.hash);
    const keys = (await h.app.inject({ method: 'GET', url: '/.well-known/threatshare-keys.json' })).json().keys;
    assert.equal(verifySignedDocument(cp, keys).valid, true);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(h.config.dataDir, LATEST_FILE), 'utf8')), cp);
    assert.equal(fs.readFileSync(path.join(h.config.dataDir, HISTORY_FILE), 'utf8').trim().split('\n').length, 1);
    const published = await h.app.inject({ method: 'GET', url: '/.well-known/threatshare-audit-checkpoint.json' });
    assert.equal(published.statusCode, 200);
    assert.deepEqual(published.json(), cp);
    const v = await h.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: ministry.headers });
    assert.equal(v.json().ok, true, v.body);
    assert.equal(v.json().checkpoint.status, 'ok');
  });

  test('rows beyond the head are found (they were ignored)', async () => {
    const rows = await all();
    const last = rows[rows.length - 1];
    const prev = rows[rows.length - 2];
    await setHead(prev.seq, prev.hash);
    try {
      const v = await h.c.audit.verify();
      assert.equal(v.ok, false);
      assert.deepEqual(v.break, { seq: last.seq, reason: 'beyond_head' });
    } finally {
      await setHead(last.seq, last.hash);
    }
  });

  test('the tail deleted and the head moved back: the chain holds, the checkpoint does not', async () => {
    await makeOrg(h.c, 'security_vendor'); // entries after the checkpoint, which the attacker also removes
    const cp = h.c.checkpoints.latest()!;
    const rows = await all();
    const keep = rows.filter((r) => r.seq <= cp.document.head_seq - 2);
    const cut = rows.filter((r) => r.seq > cp.document.head_seq - 2);
    await sql`DELETE FROM audit_events WHERE seq > ${keep[keep.length - 1].seq}`.execute(db());
    await setHead(keep[keep.length - 1].seq, keep[keep.length - 1].hash);
    try {
      assert.equal((await h.c.audit.verify()).ok, true, 'the database alone cannot tell');
      const v = await verify();
      assert.equal(v.ok, false);
      assert.deepEqual(v.break, { seq: cp.document.head_seq, reason: 'checkpoint_missing' });
      assert.equal(v.checkpoint?.status, 'missing');
      // The CLI's and the API's answer are the same.
      const api = await h.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: ministry.headers });
      assert.equal(api.json().ok, false);
      assert.equal(api.json().break.reason, 'checkpoint_missing');
    } finally {
      await db().insertInto('audit_events').values(cut.map((e) => ({ ...e, data: JSON.stringify(e.data) })) as any).execute();
      const last = cut[cut.length - 1];
      await setHead(last.seq, last.hash);
    }
    assert.equal((await verify()).ok, true, 'restored');
  });

  test('an entry edited and everything after it re-hashed: the chain holds, the checkpoint does not', async () => {
    const cp = h.c.checkpoints.latest()!;
    const rows = await all();
    const from = rows.findIndex((r) => r.seq === 2);
    let prevHash = rows[from - 1].hash;
    const edited: StoredAuditEntry[] = [];
    for (const r of rows.slice(from)) {
      const { prev_hash: _p, hash: _h, ...entry } = r;
      const e = r.seq === 2 ? { ...entry, data: { ...entry.data, tampered: true } } : entry;
      const hash = hashEntry(prevHash, e);
      edited.push({ ...e, prev_hash: prevHash, hash });
      prevHash = hash;
    }
    for (const e of edited) await sql`UPDATE audit_events SET data = ${JSON.stringify(e.data)}::jsonb, prev_hash = ${e.prev_hash}, hash = ${e.hash} WHERE seq = ${e.seq}`.execute(db());
    await setHead(edited[edited.length - 1].seq, edited[edited.length - 1].hash);
    assert.equal((await h.c.audit.verify()).ok, true, 'the database alone cannot tell');
    const v = await verify();
    assert.equal(v.ok, false);
    assert.deepEqual(v.break, { seq: cp.document.head_seq, reason: 'checkpoint_mismatch' });
  });

  test('a checkpoint file altered by hand does not verify', async () => {
    const cp = h.c.checkpoints.latest()!;
    const forged = { ...cp, document: { ...cp.document, head_seq: 1 } };
    const v = await h.c.audit.verify(undefined, { checkpoint: forged, keys: (await h.c.workflow.notices.publicKeys()).keys });
    assert.equal(v.ok, false);
    assert.equal(v.break?.reason, 'checkpoint_signature');
  });
});
