import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { verifyWebhook } from '../webhooks/webhook-signature.js';

const tag = `${process.pid}${Date.now().toString(36)}`;
const SECRET_A = 'a-secret-of-sixteen-or-more';
const SECRET_B = 'b-secret-of-sixteen-or-more';

interface Received {
  path: string;
  event: string;
  body: string;
  verified: boolean;
}

/** A real HTTP receiver on loopback that checks each signature with the secret of its path. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const secret = req.url === '/a' ? SECRET_A : SECRET_B;
      const verified = verifyWebhook({ secret, timestamp: req.headers['x-threatshare-timestamp'] as string, signature: req.headers['x-threatshare-signature'] as string, body });
      received.push({ path: req.url ?? '', event: String(req.headers['x-threatshare-event']), body, verified });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

/** Reads a text/event-stream until `until` says enough or the time runs out. */
async function readStream(url: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean, ms = 8000): Promise<{ events: SseEvent[]; raw: string; status: number; contentType: string }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  const events: SseEvent[] = [];
  let raw = '';
  const res = await fetch(url, { headers, signal: ac.signal });
  try {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      raw += text;
      buffer += text;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
        if (fields.data) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return { events, raw, status: res.status, contentType: String(res.headers.get('content-type')) };
}

describe(`push to units: subscriptions, signed webhooks, SSE, bulletins (${dbLabel})`, () => {
  let h: Harness;
  let base: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let ministry: TestOrg;
  let unitA: TestOrg;
  let unitB: TestOrg;
  let reporter: TestOrg;
  let subA: string;
  let streamStart: number;

  before(async () => {
    // A database of its own: the units here must receive exactly what they are entitled to, and on
    // a shared PostgreSQL other files send bulletins to every internet company (access-matrix), and
    // this suite sends one to every internet company of theirs.
    h = await startFreshHarness('push');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    receiver = await startReceiver();
    ministry = await makeOrg(h.c, 'regulator_national');
    unitA = await makeOrg(h.c, 'internet_company', { province_code: '110000', scopes: [{ kind: 'domain_suffix', value: `scope-${tag}.com` }] });
    unitB = await makeOrg(h.c, 'internet_company', { province_code: '110000' });
    reporter = await makeOrg(h.c, 'security_vendor', { province_code: '110000' });
    streamStart = await h.c.sharing.subscriptions.streamStart();
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  const submit = async (tlp: string, values: string[]) => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: reporter.headers,
      payload: { category: 'malicious_resource', subtype: 'phishing_site', title: 'push test', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp, observables: values.map((value) => ({ type: 'domain', value })) },
    });
    assert.equal(r.statusCode, 201, r.body);
  };

  test('subscribing: validation, only the organization\u2019s admin, one webhook endpoint per organization', async () => {
    const bad = await h.app.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: unitA.headers, payload: { events: ['case.assigned'] } });
    assert.equal(bad.statusCode, 400);
    const half = await h.app.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: unitA.headers, payload: { events: ['bulletin.sent'], webhook_url: `${receiver.url}/a` } });
    assert.equal(half.statusCode, 400);
    const foreign = await h.app.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: unitB.headers, payload: { events: ['bulletin.sent'], org_id: unitA.id } });
    assert.equal(foreign.statusCode, 403);
    const a = await h.app.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: unitA.headers,
      payload: { events: ['notice.issued', 'indicator.new_in_scope', 'bulletin.sent'], webhook_url: `${receiver.url}/a`, secret: SECRET_A },
    });
    assert.equal(a.statusCode, 201, a.body);
    subA = a.json().id;
    assert.deepEqual(a.json().events, ['notice.issued', 'indicator.new_in_scope', 'bulletin.sent']);
    assert.equal(a.json().webhook, true);
    const endpoint = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${unitA.id}/webhook`, headers: unitA.headers });
    assert.equal(endpoint.json().url, `${receiver.url}/a`);
    const b = await h.app.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: unitB.headers,
      payload: { events: ['notice.issued', 'indicator.new_in_scope', 'bulletin.sent'], webhook_url: `${receiver.url}/b`, secret: SECRET_B },
    });
    assert.equal(b.statusCode, 201);
    const list = await h.app.inject({ method: 'GET', url: '/api/v1/subscriptions', headers: unitA.headers });
    assert.deepEqual(list.json().items.map((s: { id: string }) => s.id), [subA]);
  });

  test('a unit receives by webhook and SSE exactly what it is entitled to, and nothing more', async () => {
    // In A's scope: amber (A is the responsible unit) is sent; red (A is not a named recipient) is not.
    await submit('amber', [`evil.scope-${tag}.com`, `unrelated-${tag}.com`]);
    await submit('red', [`red.scope-${tag}.com`]);
    const bulletin = await h.app.inject({
      method: 'POST',
      url: '/api/v1/bulletins',
      headers: ministry.headers,
      payload: { title: `通报 ${tag}`, body: '请立即处置', tlp: 'amber', warning_colour: 'orange', recipients: { org_ids: [unitA.id] } },
    });
    assert.equal(bulletin.statusCode, 201, bulletin.body);
    const bulletinId = bulletin.json().id;

    for (let i = 0; i < 20 && receiver.received.filter((r) => r.path === '/a').length < 2; i++) {
      await h.c.workflow.webhooks.dispatchDue();
      await new Promise((r) => setTimeout(r, 100));
    }
    const toA = receiver.received.filter((r) => r.path === '/a');
    assert.deepEqual(toA.map((r) => r.event).sort(), ['bulletin.sent', 'indicator.new_in_scope']);
    assert.ok(toA.every((r) => r.verified), 'every delivery carries a valid HMAC-SHA256 signature');
    const scoped = JSON.parse(toA.find((r) => r.event === 'indicator.new_in_scope')!.body);
    assert.deepEqual(scoped.data.indicators.map((i: { value: string }) => i.value), [`evil.scope-${tag}.com`]);
    assert.equal(scoped.data.indicators[0].tlp, 'amber');
    assert.ok(!JSON.stringify(toA).includes('red.scope') && !JSON.stringify(toA).includes('unrelated-'));
    assert.ok(!JSON.stringify(toA).includes(reporter.id), 'the reporter is not named');
    assert.equal(JSON.parse(toA.find((r) => r.event === 'bulletin.sent')!.body).data.bulletin_id, bulletinId);
    assert.equal(receiver.received.filter((r) => r.path === '/b').length, 0, 'B is entitled to none of it');

    const streamA = await readStream(`${base}/api/v1/stream?last_event_id=${streamStart}`, unitA.headers, (ev) => ev.length >= 2);
    assert.equal(streamA.status, 200);
    assert.match(streamA.contentType, /^text\/event-stream/);
    assert.deepEqual(streamA.events.map((e) => e.event), ['indicator.new_in_scope', 'bulletin.sent']);
    assert.deepEqual((streamA.events[0].data as { indicators: { value: string }[] }).indicators.map((i) => i.value), [`evil.scope-${tag}.com`]);
    // Resume after the first event with Last-Event-ID: only the second comes.
    const resumed = await readStream(`${base}/api/v1/stream`, { ...unitA.headers, 'last-event-id': streamA.events[0].id }, (ev) => ev.length >= 1);
    assert.deepEqual(resumed.events.map((e) => e.event), ['bulletin.sent']);
    const streamB = await readStream(`${base}/api/v1/stream?last_event_id=${streamStart}`, unitB.headers, () => false, 1500);
    assert.equal(streamB.events.length, 0, streamB.raw);
    assert.match(streamB.raw, /^retry: 3000/);
    const anonymous = await fetch(`${base}/api/v1/stream`);
    assert.equal(anonymous.status, 401);

    // The delivery log of the subscription, readable by A and by regulators, not by B.
    const log = await h.app.inject({ method: 'GET', url: `/api/v1/subscriptions/${subA}/deliveries`, headers: unitA.headers });
    assert.equal(log.statusCode, 200);
    assert.deepEqual(log.json().items.map((d: { event_type: string; state: string }) => `${d.event_type}:${d.state}`).sort(), ['bulletin.sent:delivered', 'indicator.new_in_scope:delivered']);
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/subscriptions/${subA}/deliveries`, headers: unitB.headers })).statusCode, 403);
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/subscriptions/${subA}/deliveries`, headers: ministry.headers })).statusCode, 200);
  });

  test('a notice the workflow issues reaches the recipient\u2019s stream and its subscription\u2019s delivery log, nobody else\u2019s', async () => {
    const seq = await h.c.sharing.subscriptions.streamStart();
    // The workflow enqueues notice.issued in the outbox inside its transaction, addressed to the recipient.
    const eventId = await h.c.handle.db.transaction().execute((tx) =>
      h.c.workflow.webhooks.enqueue(tx, { org_id: unitA.id, event_type: 'notice.issued', payload: { notice_id: `n-${tag}`, measure: 'block_domain' } }),
    );
    const stream = await readStream(`${base}/api/v1/stream?last_event_id=${seq}`, unitA.headers, (ev) => ev.length >= 1);
    assert.deepEqual(stream.events.map((e) => e.event), ['notice.issued']);
    assert.equal((stream.events[0].data as { id: string; data: { notice_id: string } }).data.notice_id, `n-${tag}`);
    assert.equal((stream.events[0].data as { id: string }).id, eventId);
    const other = await readStream(`${base}/api/v1/stream?last_event_id=${seq}`, unitB.headers, () => false, 1200);
    assert.equal(other.events.length, 0);
    await h.c.workflow.webhooks.dispatchDue();
    const log = await h.app.inject({ method: 'GET', url: `/api/v1/subscriptions/${subA}/deliveries`, headers: unitA.headers });
    assert.ok(log.json().items.some((d: { event_id: string; event_type: string }) => d.event_id === eventId && d.event_type === 'notice.issued'));
  });

  test('bulletins: recipients only, read receipts, TLP:RED to named organizations only', async () => {
    const sent = await h.app.inject({
      method: 'POST',
      url: '/api/v1/bulletins',
      headers: ministry.headers,
      payload: { title: `kinds ${tag}`, body: 'all internet companies', tlp: 'green', recipients: { org_kinds: ['internet_company'] } },
    });
    assert.equal(sent.statusCode, 201, sent.body);
    const id = sent.json().id;
    const red = await h.app.inject({ method: 'POST', url: '/api/v1/bulletins', headers: ministry.headers, payload: { title: 'x', body: 'x', tlp: 'red', recipients: { org_kinds: ['internet_company'] } } });
    assert.equal(red.statusCode, 400);
    assert.equal(red.json().field, '/recipients/org_kinds');
    const byUnit = await h.app.inject({ method: 'POST', url: '/api/v1/bulletins', headers: unitA.headers, payload: { title: 'x', body: 'x', tlp: 'green', recipients: { org_ids: [unitB.id] } } });
    assert.equal(byUnit.statusCode, 403);
    const gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    const outside = await h.app.inject({ method: 'POST', url: '/api/v1/bulletins', headers: gd.headers, payload: { title: 'x', body: 'x', tlp: 'green', recipients: { org_ids: [unitB.id] } } });
    assert.equal(outside.statusCode, 403, 'a provincial administration reaches only its own province');

    const before = await h.app.inject({ method: 'GET', url: `/api/v1/bulletins/${id}`, headers: ministry.headers });
    const receiptB = () => before.json().receipts.find((r: { org_id: string }) => r.org_id === unitB.id);
    assert.equal(receiptB().read_at, null);
    const readB = await h.app.inject({ method: 'GET', url: `/api/v1/bulletins/${id}`, headers: unitB.headers });
    assert.equal(readB.statusCode, 200);
    assert.ok(readB.json().read_at);
    assert.equal(readB.json().receipts, null, 'a recipient does not learn who else received it');
    const after = await h.app.inject({ method: 'GET', url: `/api/v1/bulletins/${id}`, headers: ministry.headers });
    assert.equal(after.json().receipts.find((r: { org_id: string }) => r.org_id === unitB.id).read_at, readB.json().read_at);
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/bulletins/${id}`, headers: reporter.headers })).statusCode, 404);
    const audit = await h.c.audit.forObject('bulletin', id);
    assert.deepEqual(audit.map((a) => a.action), ['bulletin.sent', 'bulletin.read']);
    const inbox = await h.app.inject({ method: 'GET', url: '/api/v1/bulletins', headers: unitB.headers });
    assert.ok(inbox.json().items.some((b: { id: string; read_at: string | null }) => b.id === id && b.read_at));
  });
});
