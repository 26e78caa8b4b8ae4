/**
 * One threat through every party (issue 11): at each step of each path, what each party sees of
 * the threat through the API and through every channel that carries it — the plain IP list, the
 * RPZ zone, TAXII, the MISP feed and lookups — on the demo organizations.
 *
 *   path 1: reported → confirmed → decided (signed notice) → handled, the value in force throughout;
 *   path 2: confirmed and ordered → withdrawn on appeal: out of every blocking channel, revoked;
 *   path 3: overdue → penalty (signed, with its remedies) → a late result that still closes the case;
 *   and: a rejected report never blocks; a bulk import waits for identification unless its
 *   reporter is trusted for provisional listing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../src/container.js';
import type { DemoCredential } from '../src/demo/seed.js';
import type { AdjustableClock } from '../src/lib/clock.js';
import { startDemoWorld, type DemoWorld } from './helpers/demo-world.js';
import { dbLabel } from './helpers/harness.js';

process.env.THREATSHARE_KEY_SECRET ??= 'threatshare-test-only-key-secret';

const TAXII = '/taxii2/threatshare';

/** What one party sees of one value, channel by channel. */
interface Seen {
  lookup: { known: boolean; listing?: string; blocking?: boolean };
  plain: boolean;
  rpz: boolean;
  taxii: { present: boolean; revoked?: boolean; listing?: string };
  misp: boolean | null;
}

describe(`one threat through every party and channel (${dbLabel})`, () => {
  let c: Container;
  let app: FastifyInstance;
  let clock: AdjustableClock;
  let creds: DemoCredential[];
  let world: DemoWorld;
  const tag = Math.random().toString(36).slice(2, 8);

  const cred = (code: string) => creds.find((x) => x.short_code === code)!;
  const byId = (id: string) => creds.find((x) => x.org_id === id)!;
  const call = async (who: DemoCredential | null, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const r = await app.inject({ method, url, headers: { ...(who ? { authorization: `Bearer ${who.token}` } : {}), ...headers }, payload: payload as any });
    return { status: r.statusCode, body: r.headers['content-type']?.includes('json') ? r.json() : r.body, text: r.body };
  };

  before(async () => {
    world = await startDemoWorld('ts_walk');
    ({ c, app, clock, creds } = world);
  });
  after(() => world?.close());

  /** Every channel, as `who` reads it, for an address and a domain of the same threat. */
  async function seen(who: DemoCredential, ip: string, domain: string, reportId: string): Promise<Seen> {
    const look = await call(who, 'GET', `/api/v1/indicators/lookup?value=${encodeURIComponent(ip)}`);
    assert.equal(look.status, 200, look.text);
    const plain = await call(who, 'GET', '/api/v1/exports/plain-ip');
    assert.equal(plain.status, 200, plain.text);
    const rpz = await call(who, 'GET', '/api/v1/exports/rpz');
    assert.equal(rpz.status, 200, rpz.text);
    // TAXII: every collection the party may read, the indicator whose pattern names the address
    // (rendered from the row when read: nothing to wait for after a change).
    const basic = { authorization: `Basic ${Buffer.from(`walk:${who.token}`).toString('base64')}`, accept: 'application/taxii+json;version=2.1' };
    const cols = await app.inject({ method: 'GET', url: `${TAXII}/collections/`, headers: basic });
    assert.equal(cols.statusCode, 200, cols.body);
    let taxii: Seen['taxii'] = { present: false };
    for (const col of cols.json().collections ?? []) {
      if (!col.can_read) continue;
      const objs = await app.inject({ method: 'GET', url: `${TAXII}/collections/${col.id}/objects/?match[type]=indicator&limit=1000`, headers: basic });
      assert.equal(objs.statusCode, 200, objs.body);
      const hit = (objs.json().objects ?? []).find((o: any) => typeof o.pattern === 'string' && o.pattern.includes(`'${ip}'`));
      if (hit) {
        const ext = Object.values(hit.extensions ?? {})[0] as { listing?: string } | undefined;
        taxii = { present: true, revoked: hit.revoked === true, listing: ext?.listing };
        break;
      }
    }
    const event = await call(who, 'GET', `/feeds/misp/${reportId}.json`);
    const attribute = event.status === 200 ? (event.body.Event.Attribute as any[]).find((a) => a.value === ip) : undefined;
    return {
      lookup: look.body.known ? { known: true, listing: look.body.indicator.listing, blocking: look.body.indicator.blocking } : { known: false },
      plain: plain.text.split('\n').includes(ip),
      rpz: rpz.text.split('\n').some((line) => line.startsWith(`${domain}.`) || line.startsWith(`${domain} `)),
      taxii,
      misp: attribute === undefined ? null : attribute.to_ids === true,
    };
  }

  async function submit(reporter: DemoCredential, ip: string, domain: string, title: string) {
    const r = await call(reporter, 'POST', '/api/v1/reports', {
      category: 'malicious_resource',
      subtype: 'botnet_c2',
      title,
      description: 'C2 beaconing seen by two sensors',
      discovered_at: new Date(Date.now() - 600_000).toISOString(),
      tlp: 'amber',
      observables: [
        { type: 'ipv4', value: ip },
        { type: 'domain', value: domain },
      ],
    });
    assert.equal(r.status, 201, r.text);
    assert.ok(r.body.case_id, 'the receipt names the case the report opened');
    const byReport = await call(cred('ca-guangdong'), 'GET', `/api/v1/cases?report_id=${r.body.id}`);
    assert.deepEqual(byReport.body.items.map((x: any) => x.id), [r.body.case_id], 'cases filter by report');
    return { reportId: r.body.id as string, caseId: r.body.case_id as string };
  }

  async function confirm(caseId: string): Promise<DemoCredential> {
    const kase = await call(cred('ca-guangdong'), 'GET', `/api/v1/cases/${caseId}`);
    assert.equal(kase.status, 200, kase.text);
    const institution = byId(kase.body.assigned_org_id);
    const queue = await call(institution, 'GET', '/api/v1/cases?queue=true&limit=200');
    assert.ok(queue.body.items.some((x: any) => x.id === caseId), 'waiting in the institution\u2019s queue');
    const v = await call(institution, 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'confirmed', severity: 'major', analysis: 'C2 protocol identified.', recommended_measures: ['block_ip'] });
    assert.equal(v.status, 200, v.text);
    const after = await call(institution, 'GET', '/api/v1/cases?queue=true&limit=200');
    assert.ok(!after.body.items.some((x: any) => x.id === caseId), 'a confirmed case leaves the queue');
    assert.ok(after.body.items.every((x: any) => ['open', 'identifying', 'more_info_needed'].includes(x.state)), 'the queue holds only what waits');
    return institution;
  }

  const REASONS = 'Identification reviewed: a botnet controller in Guangdong; block it at the operator.';

  async function decide(caseId: string, deadline?: { hours: number }) {
    const d = await call(cred('ca-guangdong'), 'POST', `/api/v1/cases/${caseId}/decisions`, { reasons: REASONS, measures: [{ measure: 'block_ip', ...(deadline ? { deadline } : {}) }] });
    assert.equal(d.status, 201, d.text);
    assert.equal(d.body.notices.length, 1);
    return d.body.notices[0];
  }

  test('path 1: reported → confirmed → ordered → handled, as each party sees it on every channel', async () => {
    const miit = cred('miit');
    const vendor = cred('demo-vendor-greatwall');
    const unit = cred('china-telecom-guangdong');
    const outsider = cred('china-unicom-guangdong');
    const ip = '113.108.7.21';
    const domain = `c2-${tag}-one.walk-threat.com`;
    const { reportId, caseId } = await submit(vendor, ip, domain, `walk 1 ${tag}`);

    // Reported, not identified: searchable and shared as intelligence, never a blocking order.
    let m = await seen(miit, ip, domain, reportId);
    assert.deepEqual(m.lookup, { known: true, listing: 'reported', blocking: false });
    assert.equal(m.plain, false, 'not in the ministry\u2019s IP blocklist before identification');
    assert.equal(m.rpz, false);
    assert.deepEqual(m.taxii, { present: true, revoked: false, listing: 'reported' });
    assert.equal(m.misp, false, 'MISP carries it, not for detection');
    assert.equal((await seen(vendor, ip, domain, reportId)).lookup.listing, 'reported');

    const institution = await confirm(caseId);
    m = await seen(miit, ip, domain, reportId);
    assert.deepEqual(m.lookup, { known: true, listing: 'confirmed', blocking: true });
    assert.equal(m.plain, true, 'identified: in the ministry\u2019s blocklist');
    assert.equal(m.rpz, true);
    assert.deepEqual(m.taxii, { present: true, revoked: false, listing: 'confirmed' });
    assert.equal(m.misp, true);
    // TLP:AMBER: not the unit's yet (it is not the responsible unit and has no order).
    assert.equal((await seen(unit, ip, domain, reportId)).plain, false);

    const notice = await decide(caseId);
    assert.equal(notice.recipient_org_id, unit.org_id, 'routed to China Telecom Guangdong by ip2region');
    // The order is the unit's to block whatever the TLP; the other operator gets nothing.
    const u = await seen(unit, ip, domain, reportId);
    assert.equal(u.plain, true, 'what the unit is ordered to block is in its feed');
    assert.equal((await seen(outsider, ip, domain, reportId)).plain, false);
    m = await seen(miit, ip, domain, reportId);
    assert.deepEqual(m.lookup, { known: true, listing: 'ordered', blocking: true });
    assert.equal(m.taxii.listing, 'ordered');

    // The signed notice says what and why.
    const doc = await call(unit, 'GET', `/api/v1/notices/${notice.id}/document`);
    assert.equal(doc.status, 200, doc.text);
    assert.equal(doc.body.document.reasons, REASONS);
    assert.equal(doc.body.document.threat.category, 'malicious_resource');
    assert.equal(doc.body.document.threat.subtype, 'botnet_c2');
    assert.equal(doc.body.document.threat.title, `walk 1 ${tag}`);
    assert.equal(doc.body.document.threat.severity, 'major');
    const printed = await call(unit, 'GET', `/api/v1/notices/${notice.id}/print?lang=zh`);
    assert.match(printed.text, /僵尸网络控制端/);
    assert.match(printed.text, /threatshare notice verify notice\.html --keys http:\/\/127\.0\.0\.1:1\/\.well-known\/threatshare-keys\.json/);

    assert.equal((await call(unit, 'POST', `/api/v1/notices/${notice.id}/acknowledge`)).status, 200);
    const upload = await app.inject({ method: 'POST', url: '/api/v1/evidence?name=null-route.txt', headers: { authorization: `Bearer ${unit.token}`, 'content-type': 'text/plain' }, payload: `null route ${ip}/32 ${tag}\n` });
    assert.equal(upload.statusCode, 201, upload.body);
    const sha = upload.json().sha256 as string;
    assert.equal((await call(unit, 'POST', `/api/v1/notices/${notice.id}/result`, { summary: 'Null-routed at the provincial core.', evidence_sha256: [sha] })).status, 200);
    // Verification is not blind: the deciding regulator, the ministry and the identifying
    // institution read the result's evidence; another operator does not learn it exists.
    for (const who of [cred('ca-guangdong'), miit, institution]) assert.equal((await call(who, 'GET', `/api/v1/evidence/${sha}`)).status, 200, `${who.short_code} reads the result evidence`);
    assert.equal((await call(outsider, 'GET', `/api/v1/evidence/${sha}`)).status, 404);
    const verified = await call(cred('ca-guangdong'), 'POST', `/api/v1/notices/${notice.id}/verification`, { outcome: 'accepted' });
    assert.equal(verified.body.state, 'verified');
    assert.equal((await call(cred('ca-guangdong'), 'GET', `/api/v1/cases/${caseId}`)).body.state, 'closed');
    // Handled: the block stays in force at the unit and everywhere else.
    assert.equal((await seen(unit, ip, domain, reportId)).plain, true);
    m = await seen(miit, ip, domain, reportId);
    assert.equal(m.plain, true);
    assert.equal(m.lookup.blocking, true);
  });

  test('path 2: withdrawn on appeal, the value leaves every blocking channel and TAXII revokes it', async () => {
    const miit = cred('miit');
    const vendor = cred('demo-vendor-pearlriver');
    const unit = cred('china-unicom-guangdong');
    const ip = '221.4.9.77';
    const domain = `c2-${tag}-two.walk-threat.com`;
    const { reportId, caseId } = await submit(vendor, ip, domain, `walk 2 ${tag}`);
    const institution = await confirm(caseId);
    const notice = await decide(caseId);
    assert.equal(notice.recipient_org_id, unit.org_id);
    assert.equal((await seen(unit, ip, domain, reportId)).plain, true);
    assert.equal((await seen(miit, ip, domain, reportId)).plain, true);

    const appeal = await call(unit, 'POST', `/api/v1/cases/${caseId}/appeals`, { reasons: 'The address was reassigned before the report.' });
    assert.equal(appeal.status, 201, appeal.text);
    assert.notEqual(appeal.body.reviewer_org_id, institution.org_id);
    // Measures stay in force during review; the deciding regulator and the ministry see the appeal.
    assert.equal((await seen(miit, ip, domain, reportId)).plain, true);
    for (const who of [cred('ca-guangdong'), miit]) {
      const appeals = await call(who, 'GET', '/api/v1/appeals');
      assert.equal(appeals.status, 200, appeals.text);
      assert.ok((appeals.body.items ?? appeals.body).some((a: any) => a.id === appeal.body.id), `${who.short_code} sees the appeal against its decision`);
    }
    // The noticed unit opens the case behind its notice, without the reporter's identity.
    const unitView = await call(unit, 'GET', `/api/v1/cases/${caseId}`);
    assert.equal(unitView.status, 200, unitView.text);
    assert.ok(!JSON.stringify(unitView.body).includes(vendor.org_id), 'no reporter identity without consent');
    const outcome = await call(byId(appeal.body.reviewer_org_id), 'POST', `/api/v1/appeals/${appeal.body.id}/outcome`, { outcome: 'withdrawn', reasons: 'The finding does not hold.' });
    assert.equal(outcome.status, 200, outcome.text);
    assert.equal((await call(cred('ca-guangdong'), 'GET', `/api/v1/cases/${caseId}`)).body.state, 'withdrawn');

    for (const who of [miit, unit, cred('ca-guangdong')]) {
      const s = await seen(who, ip, domain, reportId);
      assert.equal(s.plain, false, `${who.short_code}: out of the IP blocklist`);
      assert.equal(s.rpz, false, `${who.short_code}: out of the RPZ`);
    }
    const m = await seen(miit, ip, domain, reportId);
    assert.deepEqual(m.lookup, { known: true, listing: 'lifted', blocking: false });
    assert.deepEqual(m.taxii, { present: true, revoked: true, listing: 'lifted' });
    assert.equal(m.misp, false);
  });

  test('path 3: overdue → penalty with its remedies; escalation keeps the case open for the late result', async () => {
    const miit = cred('miit');
    const vendor = cred('demo-vendor-greatwall');
    const unit = cred('china-telecom-guangdong');
    const gd = cred('ca-guangdong');
    const ip = '113.108.9.33';
    const domain = `c2-${tag}-three.walk-threat.com`;
    const { reportId, caseId } = await submit(vendor, ip, domain, `walk 3 ${tag}`);
    await confirm(caseId);
    const notice = await decide(caseId, { hours: 1 });
    clock.advance(2 * 3_600_000);
    await c.workflow.scheduler.runOnce();
    const overdue = await call(gd, 'GET', `/api/v1/notices/${notice.id}`);
    assert.equal(overdue.body.state, 'overdue');
    assert.equal((await call(gd, 'GET', `/api/v1/cases/${caseId}`)).body.state, 'handling', 'escalation does not close the case');
    // Overdue, the order is still in force.
    assert.equal((await seen(unit, ip, domain, reportId)).plain, true);
    assert.equal((await seen(miit, ip, domain, reportId)).lookup.listing, 'ordered');

    const ecId = overdue.body.enforcement_case_id;
    const penalty = await call(gd, 'POST', `/api/v1/enforcement-cases/${ecId}/penalty`, { provision: 'csl_2025_art61', tier: 'warning', kind: 'warning_and_fine', unit_amount: 20_000, reasons: 'Did not block within the deadline.' });
    assert.equal(penalty.status, 200, penalty.text);
    const doc = await call(unit, 'GET', `/api/v1/notices/${penalty.body.penalty_notice_id}/document`);
    assert.match(doc.body.document.remedies.zh, /六十日内.*行政复议/);
    const printed = await call(unit, 'GET', `/api/v1/notices/${penalty.body.penalty_notice_id}/print?lang=zh`);
    assert.match(printed.text, /所涉逾期未处置的通知/);
    assert.doesNotMatch(printed.text, /所撤销的通知/);

    // The late result is accepted and verified; only then the case closes.
    const late = await call(unit, 'POST', `/api/v1/notices/${notice.id}/result`, { summary: 'Blocked, late.' });
    assert.equal(late.status, 200, late.text);
    assert.equal((await call(gd, 'GET', `/api/v1/cases/${caseId}`)).body.state, 'handling');
    assert.equal((await call(gd, 'POST', `/api/v1/notices/${notice.id}/verification`, { outcome: 'accepted' })).body.state, 'verified');
    assert.equal((await call(gd, 'GET', `/api/v1/cases/${caseId}`)).body.state, 'closed');
  });

  test('a rejected report never blocks; its value is lifted everywhere', async () => {
    const miit = cred('miit');
    const vendor = cred('demo-vendor-greatwall');
    const ip = '113.108.11.44';
    const domain = `c2-${tag}-four.walk-threat.com`;
    const { reportId, caseId } = await submit(vendor, ip, domain, `walk 4 ${tag}`);
    const kase = await call(cred('ca-guangdong'), 'GET', `/api/v1/cases/${caseId}`);
    const r = await call(byId(kase.body.assigned_org_id), 'POST', `/api/v1/cases/${caseId}/identification`, { verdict: 'rejected', reasons: 'A sinkhole, not a controller.' });
    assert.equal(r.status, 200, r.text);
    const m = await seen(miit, ip, domain, reportId);
    assert.deepEqual(m.lookup, { known: true, listing: 'lifted', blocking: false });
    assert.equal(m.plain, false);
    assert.equal(m.rpz, false);
    assert.equal(m.taxii.revoked, true);
  });

  test('a bulk import waits for identification, unless a regulator trusts its reporter for provisional listing', async () => {
    const miit = cred('miit');
    const gd = cred('ca-guangdong');
    const vendor = cred('demo-vendor-pearlriver');
    const lines = Array.from({ length: 50 }, (_, i) => `113.108.${200 + Math.floor(i / 250)}.${(i % 250) + 1}`);
    const imp = await call(vendor, 'POST', '/api/v1/imports?category=malicious_resource&subtype=attack_source', lines.join('\n'), { 'content-type': 'text/plain' });
    assert.equal(imp.status, 201, imp.text);
    const plain = async () => new Set((await call(miit, 'GET', '/api/v1/exports/plain-ip')).text.split('\n'));
    let listed = await plain();
    assert.equal(lines.filter((l) => listed.has(l)).length, 0, 'an unidentified import fills no blocklist');

    // Only the unit's regulator (or the ministry) may trust it; then its values are provisional.
    assert.equal((await call(cred('ca-beijing'), 'PUT', `/api/v1/organizations/${vendor.org_id}/provisional-listing`, { enabled: true })).status, 403);
    const trust = await call(gd, 'PUT', `/api/v1/organizations/${vendor.org_id}/provisional-listing`, { enabled: true });
    assert.equal(trust.status, 200, trust.text);
    assert.ok(trust.body.relisted >= lines.length);
    listed = await plain();
    assert.equal(lines.filter((l) => listed.has(l)).length, lines.length);
    const look = await call(miit, 'GET', `/api/v1/indicators/lookup?value=${lines[0]}`);
    assert.equal(look.body.indicator.listing, 'provisional');
    assert.equal(look.body.indicator.blocking, true);

    const revoke = await call(gd, 'PUT', `/api/v1/organizations/${vendor.org_id}/provisional-listing`, { enabled: false });
    assert.equal(revoke.status, 200, revoke.text);
    listed = await plain();
    assert.equal(lines.filter((l) => listed.has(l)).length, 0);
  });
});
