import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { inject } from '../../../test/helpers/workflow.js';
import type { AdjustableClock } from '../../lib/clock.js';
import { MAX_ATTEMPTS, nextAttemptDelayMs, signWebhook, verifyWebhook } from './webhook-signature.js';
import { DELIVERY_FAILED, endpointProblem, type WebhookEgressPolicy } from './webhook-transport.js';
import { SecretBox } from '../../lib/secret-box.js';
import { webhooksRepository } from './webhooks.repository.js';

describe('webhook signatures and backoff (pure)', () => {
  test('a receiver accepts the signature over timestamp and body, and nothing else', () => {
    const now = new Date('2026-05-01T00:00:00Z');
    const ts = Math.floor(now.getTime() / 1000);
    const sig = signWebhook('s3cret-s3cret-s3cret', ts, '{"a":1}');
    assert.match(sig, /^v1=[0-9a-f]{64}$/);
    assert.equal(verifyWebhook({ secret: 's3cret-s3cret-s3cret', timestamp: String(ts), signature: sig, body: '{"a":1}', now }), true);
    assert.equal(verifyWebhook({ secret: 's3cret-s3cret-s3cret', timestamp: String(ts), signature: sig, body: '{"a":2}', now }), false);
    assert.equal(verifyWebhook({ secret: 'other-secret-other', timestamp: String(ts), signature: sig, body: '{"a":1}', now }), false);
    assert.equal(verifyWebhook({ secret: 's3cret-s3cret-s3cret', timestamp: String(ts + 1), signature: sig, body: '{"a":1}', now }), false);
    assert.equal(verifyWebhook({ secret: 's3cret-s3cret-s3cret', timestamp: String(ts), signature: sig, body: '{"a":1}', now: new Date(now.getTime() + 600_000) }), false, 'too old: replay refused');
  });
  test('backoff doubles from 10 s, and stops after the last attempt', () => {
    assert.deepEqual([1, 2, 3, 4].map(nextAttemptDelayMs), [10_000, 20_000, 40_000, 80_000]);
    assert.equal(nextAttemptDelayMs(9), 2_560_000);
    // Ten attempts spread over about 85 minutes.
    assert.equal(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => nextAttemptDelayMs(i + 1)!).reduce((a, b) => a + b, 0), 5_110_000);
    assert.equal(nextAttemptDelayMs(MAX_ATTEMPTS), null);
  });
});

describe(`webhook outbox (${dbLabel})`, () => {
  let h: Harness;
  let unit: TestOrg;
  let other: TestOrg;
  let server: http.Server;
  let url: string;
  let failNext = 0;
  const got: { id: string; ok: boolean }[] = [];
  const SECRET = 'unit-test-secret-0123456789';

  before(async () => {
    process.env.THREATSHARE_TEST_CLOCK = '1';
    // A database of its own: dispatchDue claims every organization's due deliveries (50 oldest a
    // call) and counts them, and this suite moves its clock forward; on a shared PostgreSQL other
    // files' deliveries would be claimed early and counted, and ours left behind theirs.
    h = await startFreshHarness('webhook_outbox');
    delete process.env.THREATSHARE_TEST_CLOCK;
    unit = await makeOrg(h.c, 'internet_company');
    other = await makeOrg(h.c, 'internet_company');
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const ok = verifyWebhook({ secret: SECRET, timestamp: req.headers['x-threatshare-timestamp'] as string, signature: req.headers['x-threatshare-signature'] as string, body, now: h.c.workflow.clock.now() });
        got.push({ id: String(req.headers['x-threatshare-delivery']), ok });
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
        } else res.writeHead(ok ? 200 : 401).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await h.close();
  });

  const enqueue = async (org: TestOrg, type = 'test.event') => h.c.handle.db.transaction().execute((tx) => h.c.workflow.webhooks.enqueue(tx, { org_id: org.id, event_type: type, payload: { hello: 'world' } }));

  test('only the organization\u2019s admin sets its endpoint; the secret is never returned', async () => {
    assert.equal((await inject(h, other, 'PUT', `/api/v1/organizations/${unit.id}/webhook`, { url, secret: SECRET })).status, 403);
    const r = await inject(h, unit, 'PUT', `/api/v1/organizations/${unit.id}/webhook`, { url, secret: SECRET });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['enabled', 'org_id', 'updated_at', 'url']);
    const stored = await h.c.handle.db.selectFrom('webhook_endpoints').select('secret_enc').where('org_id', '=', unit.id).executeTakeFirstOrThrow();
    assert.ok(!stored.secret_enc.includes(SECRET), 'encrypted at rest');
  });

  test('a failed delivery is retried with backoff, every attempt logged, then delivered once', async () => {
    const clock = h.c.workflow.clock as AdjustableClock;
    failNext = 2;
    const id = await enqueue(unit);
    await h.c.workflow.scheduler.deliverAll();
    let log = (await inject(h, unit, 'GET', `/api/v1/organizations/${unit.id}/webhook/deliveries`)).body.find((d: any) => d.event_id === id);
    assert.equal(log.state, 'pending');
    assert.equal(log.last_status, 503);
    // Not due again before the backoff runs out.
    assert.equal(await h.c.workflow.webhooks.dispatchDue(), 0);
    clock.advance(10_001);
    await h.c.workflow.scheduler.deliverAll();
    clock.advance(20_001);
    await h.c.workflow.scheduler.deliverAll();
    log = (await inject(h, unit, 'GET', `/api/v1/organizations/${unit.id}/webhook/deliveries`)).body.find((d: any) => d.event_id === id);
    assert.equal(log.state, 'delivered');
    assert.deepEqual(log.log.map((a: any) => a.status), [503, 503, 200]);
    assert.equal(got.filter((g) => g.id === id).length, 3);
    assert.ok(got.filter((g) => g.id === id).every((g) => g.ok));
  });

  test('two dispatchers at once never send the same event twice (claimed with SKIP LOCKED)', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => enqueue(unit, 'test.burst')));
    const before = got.length;
    await Promise.all([h.c.workflow.webhooks.dispatchDue(50), h.c.workflow.webhooks.dispatchDue(50)]);
    const sent = got.slice(before).map((g) => g.id);
    assert.equal(sent.length, 20);
    assert.deepEqual([...new Set(sent)].sort(), [...ids].sort());
  });

  test('an organization without an endpoint: recorded, nothing sent', async () => {
    const id = await enqueue(other);
    await h.c.workflow.scheduler.deliverAll();
    const row = await h.c.handle.db.selectFrom('webhook_deliveries').select(['state']).where('event_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'no_endpoint');
  });
});

describe('webhook endpoints that would reach inside (pure)', () => {
  const strict: WebhookEgressPolicy = { allowAddresses: [], allowHttp: false };
  const dev: WebhookEgressPolicy = { allowAddresses: ['127.0.0.1'], allowHttp: true };
  test('only public https unless configured; literal inside addresses refused in every spelling', () => {
    const cases: [string, typeof strict, boolean][] = [
      ['https://hooks.example.com/x', strict, true],
      ['http://hooks.example.com/x', strict, false],
      ['http://hooks.example.com/x', dev, true],
      ['https://127.0.0.1/', strict, false],
      ['https://127.0.0.1:8443/', dev, true],
      ['https://127.0.0.2/', dev, false],
      ['https://10.1.2.3/', strict, false],
      ['https://192.168.0.1/', strict, false],
      ['https://172.16.5.4/', strict, false],
      ['https://100.64.0.1/', strict, false],
      ['https://169.254.169.254/latest/meta-data', strict, false],
      ['https://0.0.0.0/', strict, false],
      ['https://[::1]/', strict, false],
      ['https://[::ffff:127.0.0.1]/', strict, false],
      ['https://[fe80::1]/', strict, false],
      ['https://[fd00::1]/', strict, false],
      ['https://localhost/', strict, false],
      ['https://user:pw@hooks.example.com/', strict, false],
      ['https://58.222.86.210/hook', strict, true],
      ['ftp://hooks.example.com/', dev, false],
    ];
    for (const [url, policy, ok] of cases) assert.equal(endpointProblem(new URL(url), policy) === null, ok, url);
  });
});

describe(`webhook delivery cannot reach inside (${dbLabel})`, () => {
  let h: Harness;
  let unit: TestOrg;
  let receiver: http.Server;
  let port = 0;
  const hits: string[] = [];
  const saved = { a: process.env.WEBHOOK_ALLOW_ADDRESSES, b: process.env.WEBHOOK_ALLOW_HTTP };

  before(async () => {
    // Plain http for the test receiver, but no address exemption: the platform's own rules.
    process.env.WEBHOOK_ALLOW_ADDRESSES = '';
    process.env.WEBHOOK_ALLOW_HTTP = '1';
    // A database of its own: without the loopback exemption its dispatcher would claim other
    // files' deliveries to their loopback receivers and fail them; and ours may wait behind theirs.
    h = await startFreshHarness('webhook_inside');
    process.env.WEBHOOK_ALLOW_ADDRESSES = saved.a;
    process.env.WEBHOOK_ALLOW_HTTP = saved.b;
    unit = await makeOrg(h.c, 'internet_company');
    receiver = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    port = (receiver.address() as AddressInfo).port;
  });
  after(async () => {
    receiver.closeAllConnections();
    receiver.close();
    await h.close();
  });

  test('PUT /organizations/{id}/webhook refuses loopback, private, link-local and reserved addresses, and stores nothing', async () => {
    for (const url of [`http://127.0.0.1:${port}/`, 'http://10.0.0.8/', 'http://169.254.169.254/', 'http://[::1]/', `http://localhost:${port}/`, 'http://0.0.0.0/']) {
      const r = await inject(h, unit, 'PUT', `/api/v1/organizations/${unit.id}/webhook`, { url, secret: 'sixteen-chars-secret' });
      assert.equal(r.status, 400, url);
      assert.equal(r.body.code, 'validation_failed');
      assert.equal(r.body.field, '/url');
    }
    assert.equal((await inject(h, unit, 'GET', `/api/v1/organizations/${unit.id}/webhook`)).body, null);
  });

  test('a name that resolves to loopback is refused at connect time; the log says only "delivery failed"', async () => {
    // As if the name had resolved to a public address when it was set (DNS rebinding).
    await webhooksRepository.upsertEndpoint(h.c.handle.db, { org_id: unit.id, url: `http://localhost:${port}/rebound`, secret_enc: new SecretBox(h.c.workflow.config.keySecret).seal('sixteen-chars-secret'), enabled: true, updated_at: new Date() });
    const id = await h.c.handle.db.transaction().execute((tx) => h.c.workflow.webhooks.enqueue(tx, { org_id: unit.id, event_type: 'test.event', payload: {} }));
    await h.c.workflow.webhooks.dispatchDue();
    assert.deepEqual(hits, [], 'the receiver on loopback got nothing');
    const log = (await inject(h, unit, 'GET', `/api/v1/organizations/${unit.id}/webhook/deliveries`)).body.find((d: any) => d.event_id === id);
    assert.equal(log.last_status, null);
    assert.equal(log.last_error, DELIVERY_FAILED);
    assert.deepEqual(log.log.map((a: any) => a.error), [DELIVERY_FAILED]);
  });
});

describe(`webhook delivery errors tell nothing about the network (${dbLabel})`, () => {
  let h: Harness;
  let unit: TestOrg;
  let target: http.Server;
  let redirector: http.Server;
  const targetHits: string[] = [];

  before(async () => {
    // The test override (127.0.0.1 over http), on a database of its own: one dispatchDue takes the
    // 50 oldest due deliveries of every organization, which on a shared PostgreSQL may all be other files'.
    h = await startFreshHarness('webhook_errors');
    unit = await makeOrg(h.c, 'internet_company');
    target = http.createServer((req, res) => {
      targetHits.push(req.url ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const to = `http://127.0.0.1:${(target.address() as AddressInfo).port}/inside`;
    redirector = http.createServer((_req, res) => res.writeHead(307, { location: to }).end());
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const s of [target, redirector]) {
      s.closeAllConnections();
      s.close();
    }
    await h.close();
  });

  const deliverTo = async (url: string) => {
    await webhooksRepository.upsertEndpoint(h.c.handle.db, { org_id: unit.id, url, secret_enc: new SecretBox(h.c.workflow.config.keySecret).seal('sixteen-chars-secret'), enabled: true, updated_at: new Date() });
    const id = await h.c.handle.db.transaction().execute((tx) => h.c.workflow.webhooks.enqueue(tx, { org_id: unit.id, event_type: 'test.event', payload: {} }));
    await h.c.workflow.webhooks.dispatchDue();
    return (await inject(h, unit, 'GET', `/api/v1/organizations/${unit.id}/webhook/deliveries`)).body.find((d: any) => d.event_id === id);
  };

  test('a closed port, an unknown name and a refused address read the same in the log', async () => {
    const closed = await deliverTo('http://127.0.0.1:1/');
    const refused = await deliverTo('http://127.0.0.2:9/');
    const unknown = await deliverTo('http://no-such-host.invalid/');
    for (const d of [closed, refused, unknown]) {
      assert.equal(d.last_status, null);
      assert.equal(d.last_error, DELIVERY_FAILED);
    }
  });

  test('a redirect is not followed: the attempt fails with its status and the target gets nothing', async () => {
    const d = await deliverTo(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}/`);
    assert.equal(d.last_status, 307);
    assert.equal(d.last_error, 'HTTP 307');
    assert.deepEqual(targetHits, []);
  });
});
