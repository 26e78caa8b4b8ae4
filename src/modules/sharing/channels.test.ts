/**
 * Art. 12 through every channel: an organization that is not entitled tries to get each restricted
 * thing (a victim's contact, personal-information indicators, a TLP:AMBER and a TLP:RED indicator,
 * the reporter's identity) through each way out of the platform, and must fail.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { EXPORT_FORMAT_NAMES } from './exports/index.js';

const tag = `${process.pid}${Date.now().toString(36)}`;
const VICTIM_PHONE = `+861371${String(Date.now()).slice(-7)}`;
const AMBER_DOMAIN = `amber-${tag}.com`;
const RED_DOMAIN = `red-${tag}.com`;
const EMAIL = `victim-${tag}@example.cn`;
const TAXII = 'application/taxii+json;version=2.1';

describe(`restricted data never leaves through any channel to an unentitled organization (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let reporter: TestOrg;
  let outsider: TestOrg;
  let reportId: string;
  let emailId: string;
  let amberId: string;
  let base: string;
  const received: string[] = [];
  let receiver: http.Server;

  /** Every restricted string; none may appear in what the outsider gets. */
  const secrets = () => [VICTIM_PHONE, AMBER_DOMAIN, RED_DOMAIN, EMAIL, reporter.id, reportId];
  const assertClean = (channel: string, text: string) => {
    for (const s of secrets()) assert.ok(!text.includes(s), `${channel} leaks ${s}`);
  };

  before(async () => {
    h = await startHarness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    ministry = await makeOrg(h.c, 'regulator_national');
    reporter = await makeOrg(h.c, 'security_vendor', { province_code: '110000' });
    outsider = await makeOrg(h.c, 'internet_company', { province_code: '310000' });
    const sub = await h.app.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: outsider.headers,
      payload: { events: ['notice.issued', 'indicator.new_in_scope', 'bulletin.sent'], webhook_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'sixteen-chars-secret' },
    });
    assert.equal(sub.statusCode, 201, sub.body);
    const post = async (tlp: string, observables: { type: string; value: string }[], extra = {}) => {
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: reporter.headers,
        payload: { category: 'malicious_resource', subtype: 'phishing_site', title: `leak test ${tag}`, discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp, observables, ...extra },
      });
      assert.equal(r.statusCode, 201, r.body);
      return r.json();
    };
    const amber = await post('amber', [{ type: 'domain', value: AMBER_DOMAIN }, { type: 'email', value: EMAIL }], { affected_party: { name: '受害用户', kind: 'individual', contact: VICTIM_PHONE } });
    reportId = amber.id;
    amberId = amber.observables[0].indicator_id;
    emailId = amber.observables[1].indicator_id;
    await post('red', [{ type: 'domain', value: RED_DOMAIN }]);
  });
  after(async () => {
    await h.close();
    await new Promise((r) => receiver.close(r));
  });

  const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers: { ...outsider.headers, ...headers } });

  test('the report view: not found, and never the victim\u2019s contact', async () => {
    const r = await get(`/api/v1/reports/${reportId}`);
    assert.equal(r.statusCode, 404);
    assertClean('report list', (await get('/api/v1/reports?limit=200')).body);
  });

  test('indicator detail, lookup and search', async () => {
    assert.equal((await get(`/api/v1/indicators/${amberId}`)).statusCode, 404);
    assert.equal((await get(`/api/v1/indicators/${emailId}`)).statusCode, 404);
    for (const v of [AMBER_DOMAIN, RED_DOMAIN, EMAIL]) {
      const r = await get(`/api/v1/indicators/lookup?value=${encodeURIComponent(v)}`);
      assert.equal(r.json().known, false, v);
    }
    assertClean('indicator search', (await get(`/api/v1/indicators?q=${encodeURIComponent('amber-')}&limit=200`)).body);
  });

  test('every export format, the incremental feed and the public feeds', async () => {
    for (const format of EXPORT_FORMAT_NAMES) {
      const r = await get(`/api/v1/exports/${format}`);
      assert.equal(r.statusCode, 200, format);
      assertClean(`export ${format}`, r.body);
      assertClean(`public ${format}`, (await h.app.inject({ method: 'GET', url: `/feeds/public/${format}` })).body);
    }
    assertClean('changes feed', (await get('/api/v1/feeds/changes?cursor=now')).body);
    // The entitled reporter does get its own amber domain (the test can fail).
    assert.ok((await h.app.inject({ method: 'GET', url: '/api/v1/exports/plain-domain', headers: reporter.headers })).body.includes(AMBER_DOMAIN));
  });

  test('TAXII collections and objects', async () => {
    const cols = await get('/taxii2/threatshare/collections/', { accept: TAXII });
    assert.equal(cols.statusCode, 200, cols.body);
    let read = 0;
    for (const c of cols.json().collections ?? []) {
      const objects = await get(`/taxii2/threatshare/collections/${c.id}/objects/?limit=1000`, { accept: TAXII });
      if (objects.statusCode === 200) read++;
      assertClean(`taxii ${c.id}`, objects.body);
    }
    assert.ok(read > 0, 'at least one collection was read');
  });

  test('the MISP feed', async () => {
    const manifest = await get('/feeds/misp/manifest.json');
    if (manifest.statusCode === 404) return;
    assertClean('misp manifest', manifest.body);
    for (const event of Object.keys(manifest.json()).slice(0, 50)) assertClean(`misp ${event}`, (await get(`/feeds/misp/${event}.json`)).body);
  });

  test('webhooks and the event stream', async () => {
    await h.c.workflow.webhooks.dispatchDue();
    assertClean('webhooks', received.join('\n'));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    let raw = '';
    try {
      const res = await fetch(`${base}/api/v1/stream?last_event_id=0`, { headers: outsider.headers, signal: ac.signal });
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        raw += new TextDecoder().decode(value);
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
    assert.match(raw, /retry: 3000/);
    assertClean('sse', raw);
  });

  test('bulletins: a personal-information value is redacted for a recipient not responsible for it; the entitled read is audited', async () => {
    const sent = await h.app.inject({
      method: 'POST',
      url: '/api/v1/bulletins',
      headers: ministry.headers,
      payload: { title: `b ${tag}`, body: 'x', tlp: 'amber', indicator_ids: [emailId], recipients: { org_ids: [outsider.id] } },
    });
    assert.equal(sent.statusCode, 201, sent.body);
    const mine = await get(`/api/v1/bulletins/${sent.json().id}`);
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.json().indicators[0].value, '[redacted]');
    assertClean('bulletin', mine.body);
    await h.c.workflow.webhooks.dispatchDue();
    assertClean('bulletin webhook', received.join('\n'));
    assert.ok(received.some((b) => b.includes(sent.json().id)), 'the bulletin itself did arrive');
    // The ministry is entitled: it sees the value, and the read of a restricted field is audited.
    const full = await h.app.inject({ method: 'GET', url: `/api/v1/bulletins/${sent.json().id}`, headers: ministry.headers });
    assert.equal(full.json().indicators[0].value, EMAIL);
    const audit = await h.c.audit.forObject('bulletin', sent.json().id);
    const restricted = audit.find((a) => a.action === 'restricted.read');
    assert.ok(restricted, JSON.stringify(audit.map((a) => a.action)));
    assert.equal(restricted.actor_org_id, ministry.id);
  });

  test('public releases cannot carry personal information or non-CLEAR indicators', async () => {
    const draft = await h.app.inject({ method: 'POST', url: '/api/v1/releases', headers: ministry.headers, payload: { title_zh: 't', summary_zh: 's', body_zh: 'b', indicator_ids: [emailId] } });
    const submit = await h.app.inject({ method: 'POST', url: `/api/v1/releases/${draft.json().id}/transitions`, headers: ministry.headers, payload: { action: 'submit' } });
    assert.equal(submit.statusCode, 403);
    assertClean('releases page', (await h.app.inject({ method: 'GET', url: '/releases' })).body);
    assertClean('releases atom', (await h.app.inject({ method: 'GET', url: '/releases.atom' })).body);
  });
});
