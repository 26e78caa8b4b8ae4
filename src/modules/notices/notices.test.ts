import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { confirmedCase, freshBlock, inject } from '../../../test/helpers/workflow.js';
import type { AdjustableClock } from '../../lib/clock.js';
import { verifySignedDocument } from './notice-document.js';
import { noticesRepository } from './notices.repository.js';

// Every process that signs shares the key secret (docs/workflow.md); the suites share one PostgreSQL.
process.env.THREATSHARE_KEY_SECRET ??= 'threatshare-test-only-key-secret';

describe(`notices: emergencies, deadlines, reminders, keys (${dbLabel})`, () => {
  let h: Harness;
  const block = freshBlock('58.60');
  let clock: AdjustableClock;
  let gd: TestOrg;
  let bj: TestOrg;
  let ministry: TestOrg;
  let inst: TestOrg;
  let vendor: TestOrg;
  let unit: TestOrg;

  before(async () => {
    process.env.THREATSHARE_TEST_CLOCK = '1';
    h = await startFreshHarness('ts_wf_notices');
    delete process.env.THREATSHARE_TEST_CLOCK;
    clock = h.c.workflow.clock as AdjustableClock;
    ministry = await makeOrg(h.c, 'regulator_national');
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    bj = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    inst = await makeOrg(h.c, 'professional_institution');
    vendor = await makeOrg(h.c, 'security_vendor');
    // A declared scope routes before any operator branch: the notice goes to this unit.
    unit = await makeOrg(h.c, 'internet_company', { scopes: [{ kind: 'cidr', value: block.cidr }] });
  });
  after(() => h.close());

  test('an emergency: phone first, then the written notice; late written notices are flagged by the sweep', async () => {
    const caseId = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: gd, observables: [{ type: 'ipv4', value: block.ip(1) }] });
    const calledAt = new Date(clock.now().getTime() - 60_000).toISOString();
    const d = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/decisions`, {
      reasons: 'Active phishing C2',
      measures: [{ measure: 'block_ip', emergency: true, phone_call: { caller: 'GD duty officer Li', callee: 'Unit NOC Wang', called_at: calledAt } }],
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const n = d.body.notices[0];
    assert.equal(n.recipient_org_id, unit.id);
    assert.equal(n.state, 'phone_notified');
    assert.equal(n.phone_call.callee, 'Unit NOC Wang');
    assert.equal(n.document_url, null);
    assert.equal(new Date(n.deadline).getTime() - new Date(calledAt).getTime(), 2 * 3_600_000, 'emergency block: 2 h from the call');
    assert.equal(new Date(n.written_due_at).getTime() - new Date(calledAt).getTime(), 24 * 3_600_000);
    assert.equal((await inject(h, unit, 'GET', `/api/v1/notices/${n.id}/document`)).status, 409);
    assert.equal((await inject(h, unit, 'POST', `/api/v1/notices/${n.id}/result`, { summary: 'x' })).body.code, 'illegal_transition');

    clock.advance(25 * 3_600_000);
    const counts = await h.c.workflow.scheduler.runOnce();
    assert.ok(counts.late_written >= 1);
    const late = await inject(h, gd, 'GET', `/api/v1/notices/${n.id}`);
    assert.equal(late.body.written_late, true);
    assert.equal(late.body.state, 'phone_notified', 'no overdue before the written notice exists');
    assert.equal((await inject(h, bj, 'POST', `/api/v1/notices/${n.id}/written`)).status, 404);

    const written = await inject(h, gd, 'POST', `/api/v1/notices/${n.id}/written`);
    assert.equal(written.status, 200, JSON.stringify(written.body));
    assert.equal(written.body.state, 'issued');
    assert.ok(new Date(written.body.deadline).getTime() > clock.now().getTime(), 'a deadline that ran out while waiting is counted again from the written notice');
    const doc = (await inject(h, unit, 'GET', `/api/v1/notices/${n.id}/document`)).body;
    assert.equal(doc.document.phone_notified_at, new Date(calledAt).toISOString());
    assert.equal(doc.document.emergency, true);
    const keys = (await h.app.inject({ method: 'GET', url: '/.well-known/threatshare-keys.json' })).json().keys;
    assert.equal(verifySignedDocument(doc, keys).valid, true);
    const trail = (await h.c.audit.forObject('notice', n.id)).map((e) => e.action);
    assert.deepEqual(trail, ['notice.phone_notified', 'notice.written_notice_late', 'notice.issue_written']);
  });

  test('reminders go out before the deadline, then the deadline sweep escalates', async () => {
    const caseId = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: gd, observables: [{ type: 'ipv4', value: block.ip(2) }] });
    const d = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'r', measures: [{ measure: 'block_ip', deadline: { hours: 10 } }] });
    const id = d.body.notices[0].id;
    const before = (await noticesRepository.get(h.c.handle.db, id))!;
    assert.equal(before.next_reminder_at!.getTime() - before.issued_at!.getTime(), 5 * 3_600_000, 'first reminder at half the period');
    clock.advance(5 * 3_600_000 + 1000);
    await h.c.workflow.scheduler.runOnce();
    const mid = (await noticesRepository.get(h.c.handle.db, id))!;
    assert.equal(mid.reminders_sent, 1);
    assert.equal(mid.next_reminder_at!.getTime() - mid.issued_at!.getTime(), 9 * 3_600_000);
    const events = await h.c.handle.db.selectFrom('webhook_deliveries').select('event_type').where('org_id', '=', unit.id).execute();
    assert.ok(events.some((e) => e.event_type === 'notice.reminder'));
    clock.advance(5 * 3_600_000);
    await h.c.workflow.scheduler.runOnce();
    const end = await inject(h, gd, 'GET', `/api/v1/notices/${id}`);
    assert.equal(end.body.state, 'overdue');
    const ec = await inject(h, gd, 'GET', `/api/v1/enforcement-cases/${end.body.enforcement_case_id}`);
    assert.equal(ec.body.state, 'opened');
    assert.equal(ec.body.org_id, unit.id);
    // A late result is still accepted and verified.
    await inject(h, unit, 'POST', `/api/v1/notices/${id}/acknowledge`);
    assert.equal((await inject(h, unit, 'POST', `/api/v1/notices/${id}/result`, { summary: 'done late' })).body.state, 'result_reported');
  });

  test('key rotation: new documents use the new key; old ones still verify with the published old key', async () => {
    const caseId = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: gd, observables: [{ type: 'ipv4', value: block.ip(3) }] });
    const first = await inject(h, gd, 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'r', measures: [{ measure: 'block_ip' }] });
    const oldDoc = (await inject(h, unit, 'GET', `/api/v1/notices/${first.body.notices[0].id}/document`)).body;
    assert.equal((await inject(h, gd, 'POST', '/api/v1/signing-keys/rotate')).status, 403);
    const rotating = h.c.workflow.clock.now().getTime();
    const rotated = await inject(h, ministry, 'POST', '/api/v1/signing-keys/rotate');
    assert.equal(rotated.status, 200);
    const retired = (await h.app.inject({ method: 'GET', url: '/.well-known/threatshare-keys.json' })).json().keys.find((k: any) => k.key_id === oldDoc.signature.key_id);
    // Revoked at once: the old key signs nothing valid from the rotation on (no minutes of overlap).
    assert.ok(Date.parse(retired.valid_until) <= h.c.workflow.clock.now().getTime() + 1, `old key valid until ${retired.valid_until}`);
    assert.ok(Date.parse(retired.valid_until) >= rotating);
    assert.notEqual(rotated.body.key_id, oldDoc.signature.key_id);
    const caseId2 = await confirmedCase(h, { reporter: vendor, institution: inst, regulator: gd, observables: [{ type: 'ipv4', value: block.ip(4) }] });
    const second = await inject(h, gd, 'POST', `/api/v1/cases/${caseId2}/decisions`, { reasons: 'r', measures: [{ measure: 'block_ip' }] });
    const newDoc = (await inject(h, unit, 'GET', `/api/v1/notices/${second.body.notices[0].id}/document`)).body;
    assert.equal(newDoc.signature.key_id, rotated.body.key_id);
    const keys = (await h.app.inject({ method: 'GET', url: '/.well-known/threatshare-keys.json' })).json().keys;
    const old = keys.find((k: any) => k.key_id === oldDoc.signature.key_id);
    assert.ok(old.valid_until, 'the retired key stays published with the end of its validity');
    assert.equal(verifySignedDocument(oldDoc, keys).valid, true);
    assert.equal(verifySignedDocument(newDoc, keys).valid, true);
    // A document claiming the old key after its validity is refused.
    const forged = { ...newDoc, signature: { ...newDoc.signature, key_id: oldDoc.signature.key_id } };
    assert.equal(verifySignedDocument(forged, keys).valid, false);
    const html = await h.app.inject({ method: 'GET', url: `/api/v1/notices/${second.body.notices[0].id}/print?lang=zh`, headers: unit.headers });
    assert.match(html.body, /签名指纹/);
    assert.ok(html.body.includes(keys.find((k: any) => k.key_id === rotated.body.key_id).fingerprint));
  });

  test('the deadline sweep SQL claims by the partial index (snapshot)', () => {
    const compiled = noticesRepository.claimOverdueQuery(h.c.handle.db, new Date('2026-01-01T00:00:00Z'), 500).compile(h.c.handle.db);
    assert.equal(
      compiled.sql.replace(/\s+/g, ' ').trim(),
      "SELECT id FROM notices WHERE state IN ('issued', 'delivered', 'sent_back') AND deadline IS NOT NULL AND deadline <= $1 ORDER BY deadline LIMIT $2 FOR UPDATE SKIP LOCKED",
    );
  });
});
