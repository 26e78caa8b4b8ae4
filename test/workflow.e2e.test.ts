/**
 * The whole handling path over HTTP with the demo organizations (issue 3):
 *   1. report → identification → decision → signed notice → webhook to a receiver on loopback
 *      (HMAC checked) → acknowledgment → result → verification;
 *   2. a notice that runs past its deadline → enforcement case → penalty (a signed notice) →
 *      an appeal by the unit, reviewed by a different institution, that withdraws the finding,
 *      the notices and the penalty (withdrawals signed too).
 * Every document the platform issued is verified offline, by `verifySignedDocument` and by the
 * `threatshare notice verify` CLI against a saved key file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../src/container.js';
import type { DemoCredential } from '../src/demo/seed.js';
import type { AdjustableClock } from '../src/lib/clock.js';
import { verifySignedDocument, type PublicKeyRecord } from '../src/modules/notices/notice-document.js';
import { verifyWebhook } from '../src/modules/webhooks/webhook-signature.js';
import { startDemoWorld, type DemoWorld } from './helpers/demo-world.js';
import { dbLabel } from './helpers/harness.js';

// Every process that signs shares the key secret (docs/workflow.md); the suites share one PostgreSQL.
process.env.THREATSHARE_KEY_SECRET ??= 'threatshare-test-only-key-secret';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

interface Received {
  event: string;
  delivery: string;
  body: any;
  signatureValid: boolean;
}

describe(`handling workflow end to end (${dbLabel})`, () => {
  let c: Container;
  let app: FastifyInstance;
  let clock: AdjustableClock;
  let dataDir: string;
  let world: DemoWorld;
  let creds: DemoCredential[];
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];
  const SECRET = 'e2e-webhook-secret-0123456789';
  const issuedDocuments: unknown[] = [];

  const cred = (code: string) => creds.find((x) => x.short_code === code)!;
  const byId = (id: string) => creds.find((x) => x.org_id === id)!;
  const auth = (x: DemoCredential) => ({ authorization: `Bearer ${x.token}` });
  const call = async (who: DemoCredential, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const r = await app.inject({ method, url, headers: auth(who), payload: payload as any });
    return { status: r.statusCode, body: r.headers['content-type']?.includes('json') ? r.json() : r.body };
  };

  before(async () => {
    world = await startDemoWorld('ts_wf_e2e');
    ({ c, app, clock, creds, dataDir } = world);
    assert.equal(typeof clock.advance, 'function', 'the test clock is adjustable');
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const signatureValid = verifyWebhook({ secret: SECRET, timestamp: req.headers['x-threatshare-timestamp'] as string, signature: req.headers['x-threatshare-signature'] as string, body, now: clock.now() });
        received.push({ event: String(req.headers['x-threatshare-event']), delivery: String(req.headers['x-threatshare-delivery']), body: JSON.parse(body), signatureValid });
        res.writeHead(signatureValid ? 204 : 401).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  after(async () => {
    receiver?.closeAllConnections();
    receiver?.close();
    await world?.close();
  });

  async function keys(): Promise<PublicKeyRecord[]> {
    const r = await app.inject({ method: 'GET', url: '/.well-known/threatshare-keys.json' });
    assert.equal(r.statusCode, 200);
    return r.json().keys;
  }

  async function reportAndConfirm(reporter: DemoCredential, ip: string, title: string) {
    const rep = await call(reporter, 'POST', '/api/v1/reports', {
      category: 'malicious_resource',
      subtype: 'botnet_c2',
      title,
      discovered_at: new Date(Date.now() - 600_000).toISOString(),
      tlp: 'amber',
      observables: [{ type: 'ipv4', value: ip }],
    });
    assert.equal(rep.status, 201, JSON.stringify(rep.body));
    // The regulator of the province finds the case the report opened, assigned by category and load.
    const gd = cred('ca-guangdong');
    const list = await call(gd, 'GET', '/api/v1/cases?state=identifying&limit=200');
    const kase = list.body.items.find((x: any) => x.title === title);
    assert.ok(kase, 'the report opened a case in the identification queue');
    assert.equal(kase.province_code, '440000');
    const institution = byId(kase.assigned_org_id);
    assert.equal(institution.kind, 'professional_institution');
    const queue = await call(institution, 'GET', '/api/v1/cases?queue=true');
    assert.ok(queue.body.items.some((x: any) => x.id === kase.id), 'the case is in the institution\u2019s queue');
    const verdict = await call(institution, 'POST', `/api/v1/cases/${kase.id}/identification`, {
      verdict: 'confirmed',
      severity: 'major',
      analysis: 'Beaconing from bots to this address observed by two sensors; C2 protocol identified.',
      recommended_measures: ['block_ip'],
    });
    assert.equal(verdict.status, 200, JSON.stringify(verdict.body));
    assert.equal(verdict.body.state, 'confirmed');
    return { caseId: kase.id as string, institution };
  }

  test('path 1: report → identification → decision → signed notice → webhook → ack → result → verification', async () => {
    const vendor = cred('demo-vendor-greatwall');
    const unit = cred('china-telecom-guangdong');
    const gd = cred('ca-guangdong');
    const { caseId, institution } = await reportAndConfirm(vendor, '113.108.1.1', 'E2E path 1: botnet controller');

    // The institution may not identify again (the case moved on): 409 names what is allowed.
    const again = await call(institution, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'rejected', reasons: 'x' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'illegal_transition');
    assert.ok(again.body.allowed.includes('decide'));

    // The unit configures its webhook.
    const hook = await call(unit, 'PUT', `/api/v1/organizations/${unit.org_id}/webhook`, { url: receiverUrl, secret: SECRET });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));

    // A provincial regulator never acts outside its province.
    const bj = await call(cred('ca-beijing'), 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'x', measures: [{ measure: 'block_ip' }] });
    assert.equal(bj.status, 404 === bj.status ? 404 : 403);
    assert.ok([403, 404].includes(bj.status));

    const decision = await call(gd, 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'Identification reviewed: confirmed C2.', measures: [{ measure: 'block_ip' }] });
    assert.equal(decision.status, 201, JSON.stringify(decision.body));
    assert.equal(decision.body.notices.length, 1);
    assert.deepEqual(decision.body.unrouted, []);
    const notice = decision.body.notices[0];
    assert.equal(notice.recipient_org_id, unit.org_id, 'routed to the operator\u2019s Guangdong branch by ip2region');
    assert.deepEqual(notice.targets, [{ type: 'ipv4', value: '113.108.1.1' }]);
    assert.equal(notice.state, 'issued');

    // The webhook reaches the receiver, signed.
    const counts = await c.workflow.scheduler.runOnce();
    assert.ok(counts.webhooks >= 1);
    const pushed = received.find((r) => r.event === 'notice.issued' && r.body.data.notice.id === notice.id);
    assert.ok(pushed, 'the receiver got notice.issued');
    assert.equal(pushed.signatureValid, true);
    const k = await keys();
    assert.deepEqual(verifySignedDocument(pushed.body.data.document, k).valid, true);
    const log = await call(unit, 'GET', `/api/v1/organizations/${unit.org_id}/webhook/deliveries`);
    assert.equal(log.body.find((d: any) => d.event_id === pushed.delivery).state, 'delivered');

    // The unit also pulls it, and its document.
    const pulled = await call(unit, 'GET', '/api/v1/notices?state=issued');
    assert.ok(pulled.body.items.some((n: any) => n.id === notice.id));
    const doc = await call(unit, 'GET', `/api/v1/notices/${notice.id}/document`);
    assert.equal(doc.status, 200);
    assert.deepEqual(doc.body, pushed.body.data.document);
    issuedDocuments.push(doc.body);
    const printed = await call(unit, 'GET', `/api/v1/notices/${notice.id}/print?lang=en`);
    assert.match(printed.body as string, /Signature fingerprint/);
    assert.match(printed.body as string, /113\.108\.1\.1/);

    // Another unit cannot see it.
    assert.equal((await call(cred('china-unicom-guangdong'), 'GET', `/api/v1/notices/${notice.id}`)).status, 404);

    const ack = await call(unit, 'POST', `/api/v1/notices/${notice.id}/acknowledge`);
    assert.equal(ack.status, 200);
    assert.equal(ack.body.state, 'delivered');
    assert.ok(ack.body.acknowledged_at);
    const ack2 = await call(unit, 'POST', `/api/v1/notices/${notice.id}/acknowledge`);
    assert.equal(ack2.status, 409);
    assert.deepEqual(ack2.body.allowed, ['report_result', 'deadline_passed', 'suspend', 'withdraw']);

    const result = await call(unit, 'POST', `/api/v1/notices/${notice.id}/result`, { summary: 'Null-routed 113.108.1.1/32 at the provincial core.' });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.state, 'result_reported');
    // The unit cannot verify its own result.
    assert.equal((await call(unit, 'POST', `/api/v1/notices/${notice.id}/verification`, { outcome: 'accepted' })).status, 403);
    const sentBack = await call(gd, 'POST', `/api/v1/notices/${notice.id}/verification`, { outcome: 'sent_back', reasons: 'Still answering on port 443.' });
    assert.equal(sentBack.body.state, 'sent_back');
    await call(unit, 'POST', `/api/v1/notices/${notice.id}/result`, { summary: 'Blocked at the border too.' });
    const verified = await call(gd, 'POST', `/api/v1/notices/${notice.id}/verification`, { outcome: 'accepted' });
    assert.equal(verified.status, 200);
    assert.equal(verified.body.state, 'verified');

    const kase = await call(gd, 'GET', `/api/v1/cases/${caseId}`);
    assert.equal(kase.body.state, 'closed', 'every notice verified: the case closes');
    const trail = await c.audit.forObject('notice', notice.id);
    assert.deepEqual(trail.map((e) => e.action), ['notice.issued', 'notice.acknowledge', 'notice.report_result', 'notice.send_back', 'notice.report_result', 'notice.verify']);
  });

  test('path 2: past the deadline → enforcement → penalty → appeal that withdraws it, all signed', async () => {
    const vendor = cred('demo-vendor-pearlriver');
    const unit = cred('china-unicom-guangdong');
    const gd = cred('ca-guangdong');
    const { caseId, institution } = await reportAndConfirm(vendor, '221.4.1.1', 'E2E path 2: botnet controller');
    await call(unit, 'PUT', `/api/v1/organizations/${unit.org_id}/webhook`, { url: receiverUrl, secret: SECRET });
    const decision = await call(gd, 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: 'Confirmed.', measures: [{ measure: 'block_ip', deadline: { hours: 1 } }] });
    assert.equal(decision.status, 201, JSON.stringify(decision.body));
    const notice = decision.body.notices[0];
    assert.equal(notice.recipient_org_id, unit.org_id);
    await call(unit, 'POST', `/api/v1/notices/${notice.id}/acknowledge`);

    clock.advance(2 * 3_600_000);
    const counts = await c.workflow.scheduler.runOnce();
    assert.ok(counts.overdue >= 1);
    const overdue = await call(gd, 'GET', `/api/v1/notices/${notice.id}`);
    assert.equal(overdue.body.state, 'overdue');
    assert.ok(overdue.body.enforcement_case_id);
    assert.ok(received.some((r) => r.event === 'notice.overdue' && r.body.data.notice_id === notice.id && r.signatureValid));
    const ecId = overdue.body.enforcement_case_id;

    // Outside the statutory range: refused, naming the field.
    const tooMuch = await call(gd, 'POST', `/api/v1/enforcement-cases/${ecId}/penalty`, { provision: 'csl_2025_art61', tier: 'warning', kind: 'warning_and_fine', unit_amount: 60_000 });
    assert.equal(tooMuch.status, 400);
    assert.equal(tooMuch.body.field, '/unit_amount');
    // Another province's regulator may not.
    assert.ok([403, 404].includes((await call(cred('ca-beijing'), 'POST', `/api/v1/enforcement-cases/${ecId}/penalty`, { provision: 'csl_2025_art61', tier: 'warning', kind: 'warning' })).status));
    const interview = await call(gd, 'POST', `/api/v1/enforcement-cases/${ecId}/interview`, { held_at: clock.now().toISOString(), participants: ['Unit security head'], summary: 'Explained the delay.' });
    assert.equal(interview.body.state, 'interview_held');
    const penalty = await call(gd, 'POST', `/api/v1/enforcement-cases/${ecId}/penalty`, { provision: 'csl_2025_art61', tier: 'warning', kind: 'warning_and_fine', unit_amount: 20_000, reasons: 'Did not block within the deadline.' });
    assert.equal(penalty.status, 200, JSON.stringify(penalty.body));
    assert.equal(penalty.body.state, 'penalty_decided');
    const penaltyDoc = await call(unit, 'GET', `/api/v1/notices/${penalty.body.penalty_notice_id}/document`);
    assert.equal(penaltyDoc.body.document.kind, 'penalty_decision');
    assert.equal(penaltyDoc.body.document.penalty.unit_amount, 20_000);
    issuedDocuments.push(penaltyDoc.body);

    // The noticed unit appeals; the review goes to the other institution.
    const appeal = await call(unit, 'POST', `/api/v1/cases/${caseId}/appeals`, { reasons: 'The address was reassigned to a customer before the report.' });
    assert.equal(appeal.status, 201, JSON.stringify(appeal.body));
    assert.equal(appeal.body.role, 'noticed_unit');
    assert.equal(appeal.body.state, 'under_review');
    assert.notEqual(appeal.body.reviewer_org_id, institution.org_id);
    const reviewer = byId(appeal.body.reviewer_org_id);
    assert.equal((await call(institution, 'POST', `/api/v1/appeals/${appeal.body.id}/outcome`, { outcome: 'withdrawn', reasons: 'x' })).status, 403);
    const outcome = await call(reviewer, 'POST', `/api/v1/appeals/${appeal.body.id}/outcome`, { outcome: 'withdrawn', reasons: 'The address had been reassigned; the finding does not hold.' });
    assert.equal(outcome.status, 200, JSON.stringify(outcome.body));
    assert.equal(outcome.body.state, 'withdrawn');

    const kase = await call(gd, 'GET', `/api/v1/cases/${caseId}`);
    assert.equal(kase.body.state, 'withdrawn');
    const all = (await call(unit, 'GET', `/api/v1/notices?case_id=${caseId}`)).body.items;
    const byKind = (k: string) => all.filter((n: any) => n.kind === k);
    assert.equal(byKind('handling_notice')[0].state, 'withdrawn');
    assert.equal(byKind('penalty_decision')[0].state, 'withdrawn');
    assert.equal(byKind('restoration').length, 1, 'the blocked address is to be restored');
    assert.equal(byKind('withdrawal').length, 1, 'the penalty decision is withdrawn in writing');
    for (const n of [...byKind('restoration'), ...byKind('withdrawal')]) issuedDocuments.push((await call(unit, 'GET', `/api/v1/notices/${n.id}/document`)).body);
    const ec = await call(gd, 'GET', `/api/v1/enforcement-cases/${ecId}`);
    assert.equal(ec.body.state, 'closed');
    await c.workflow.scheduler.runOnce();
    assert.ok(received.some((r) => r.event === 'notice.restoration' && r.signatureValid));
  });

  test('every issued document verifies offline; a changed one does not (library and CLI)', async () => {
    const k = await keys();
    assert.ok(issuedDocuments.length >= 4);
    const keysFile = path.join(dataDir, 'keys.json');
    fs.writeFileSync(keysFile, JSON.stringify({ keys: k }));
    for (const [i, d] of issuedDocuments.entries()) {
      assert.deepEqual(verifySignedDocument(d, k), { valid: true, key_id: k[0].key_id });
      const file = path.join(dataDir, `doc-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(d));
      const ok = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'notice', 'verify', file, '--keys', keysFile], { cwd: ROOT });
      assert.equal(JSON.parse(ok.stdout).valid, true);
    }
    const tampered = structuredClone(issuedDocuments[0]) as any;
    tampered.document.targets[0].value = '113.108.1.2';
    const bad = path.join(dataDir, 'tampered.json');
    fs.writeFileSync(bad, JSON.stringify(tampered));
    assert.equal(verifySignedDocument(tampered, k).valid, false);
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'notice', 'verify', bad, '--keys', keysFile], { cwd: ROOT }), (err: any) => err.code === 1 && JSON.parse(err.stdout).reason === 'bad_signature');
  });

  test('timing figures per province, category and unit', async () => {
    const gd = cred('ca-guangdong');
    for (const group_by of ['province', 'category', 'unit']) {
      const r = await call(gd, 'GET', `/api/v1/stats/timing?group_by=${group_by}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.groups.length >= 1);
    }
    const byProvince = (await call(gd, 'GET', '/api/v1/stats/timing?group_by=province')).body.groups;
    const g = byProvince.find((x: any) => x.key === '440000');
    assert.ok(g.cases >= 2);
    assert.equal(g.notices, 2);
    assert.equal(g.overdue, 1);
    assert.equal(g.overdue_rate, 0.5);
    assert.ok(g.time_to_handle.median !== null && g.time_to_handle.median >= 0);
    const unit = (await call(gd, 'GET', '/api/v1/stats/timing?group_by=unit')).body.groups.find((x: any) => x.key === cred('china-unicom-guangdong').org_id);
    assert.equal(unit.overdue_rate, 1);
    assert.equal((await call(cred('ca-beijing'), 'GET', '/api/v1/stats/timing?group_by=province&province_code=440000')).status, 403);
    assert.equal((await call(cred('china-unicom-guangdong'), 'GET', '/api/v1/stats/timing?group_by=province')).status, 403);
  });
});
