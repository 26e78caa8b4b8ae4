/**
 * Bulk intake cannot be made to exhaust the server (issue 13, item 2): an over-long line is
 * refused without being held, a gzip bomb is refused at once, and a client that stalls in the
 * middle of its body holds no database session, so every other client goes on meanwhile.
 * Real HTTP on loopback.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';

const q = 'category=malicious_resource&subtype=malware_distribution';

describe(`bulk intake limits (${dbLabel})`, () => {
  let h: Harness;
  let unit: TestOrg;
  let other: TestOrg;
  let base = '';

  before(async () => {
    h = await startHarness();
    unit = await makeOrg(h.c, 'security_vendor');
    other = await makeOrg(h.c, 'internet_company');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  after(() => h.close());

  const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1/imports?${q}`, { method: 'POST', headers: { ...unit.headers, 'content-type': 'text/plain', ...headers }, body });

  const reportsOf = async (org: TestOrg) =>
    (await h.c.handle.db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', org.id).executeTakeFirstOrThrow()).n;

  test('a 20 MiB line is refused as too_long with a short prefix; the lines around it go in; nothing long is stored or echoed', async () => {
    const stamp = Date.now();
    const body = Buffer.concat([Buffer.from(`a-${stamp}.example.org\n`), Buffer.alloc(20 * 1024 * 1024, 'x'), Buffer.from(`\nb-${stamp}.example.org\n`)]);
    const r = await post(body);
    const text = await r.text();
    assert.equal(r.status, 201, text.slice(0, 500));
    assert.ok(text.length < 4096, `the receipt is short (${text.length} characters)`);
    const rec = JSON.parse(text);
    assert.equal(rec.total, 3);
    assert.equal(rec.accepted, 2);
    assert.equal(rec.refused, 1);
    assert.equal(rec.refusals[0].line, 2);
    assert.equal(rec.refusals[0].code, 'too_long');
    assert.ok(rec.refusals[0].value.length <= 200 && rec.refusals[0].value.startsWith('xxxx'));
    assert.match(rec.refusals[0].message, /65536 bytes; this one has 20971520/);
    const stored = await h.c.handle.db.selectFrom('imports').select('refusals').where('id', '=', rec.id).executeTakeFirstOrThrow();
    assert.ok(JSON.stringify(stored.refusals).length < 1024, 'the stored refusal is short too');
  });

  test('a refused value is stored and returned as a short prefix, whatever the line', async () => {
    const r = await post(`${'bad..'.repeat(2000)}\n`);
    const rec = (await r.json()) as any;
    assert.equal(r.status, 201);
    assert.equal(rec.refused, 1);
    assert.ok(rec.refusals[0].value.length <= 200);
    assert.ok(rec.refusals[0].message.length <= 300);
  });

  test('a gzip bomb is refused at once as payload_too_large and stores nothing', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'));
    assert.ok(bomb.length < 100 * 1024, 'compresses about a thousand times');
    const before = await reportsOf(unit);
    const r = await post(bomb, { 'content-encoding': 'gzip' });
    const p = (await r.json()) as any;
    assert.equal(r.status, 413);
    assert.equal(p.code, 'payload_too_large');
    assert.match(p.detail ?? p.message ?? '', /IMPORT_MAX_RATIO/);
    assert.equal(await reportsOf(unit), before);
    // An ordinary gzip body still goes in.
    const ok = await post(gzipSync(Buffer.from(`gz-${Date.now()}.example.org\n`)), { 'content-encoding': 'gzip' });
    assert.equal(ok.status, 201, await ok.text());
  });

  test('while one client stalls in the middle of its import, another client\u2019s requests succeed; then the import completes', async () => {
    const stamp = Date.now();
    const url = new URL(`${base}/api/v1/imports?${q}`);
    let resolveRes!: (r: { status: number; body: string }) => void;
    const done = new Promise<{ status: number; body: string }>((r) => (resolveRes = r));
    const req = http.request(url, { method: 'POST', headers: { ...unit.headers, 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolveRes({ status: res.statusCode!, body: b }));
    });
    req.write(`stall-a-${stamp}.example.org\n`);
    await new Promise((r) => setTimeout(r, 200)); // the server has the first bytes and waits for more
    // A second client writes (a report, its audit entry) and reads while the first is stalled.
    const report = await fetch(`${base}/api/v1/reports`, {
      method: 'POST',
      headers: { ...other.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'malicious_resource', subtype: 'phishing_site', title: 'meanwhile', tlp: 'green', discovered_at: new Date().toISOString(), observables: [{ type: 'domain', value: `meanwhile-${stamp}.example.org` }] }),
    });
    assert.equal(report.status, 201, await report.text());
    const lookup = await fetch(`${base}/api/v1/indicators/lookup?value=meanwhile-${stamp}.example.org`, { headers: other.headers });
    assert.equal(lookup.status, 200);
    req.end(`stall-b-${stamp}.example.org\n`);
    const res = await done;
    assert.equal(res.status, 201, res.body);
    assert.equal(JSON.parse(res.body).accepted, 2);
  });
});
