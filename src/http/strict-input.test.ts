import assert from 'node:assert/strict';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { makeOrg, type TestOrg } from '../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../test/helpers/harness.js';
import { findUnstorableString } from './strict-input.js';

describe('findUnstorableString', () => {
  test('finds NUL and lone surrogates, with the JSON pointer; paired surrogates are fine', () => {
    assert.equal(findUnstorableString({ a: ['ok', 'emoji \ud83d\ude00'] }), null);
    assert.deepEqual(findUnstorableString({ a: ['ok', 'x\u0000y'] })?.field, '/a/1');
    assert.deepEqual(findUnstorableString({ 'b/c': { d: '\ud800' } })?.field, '/b~1c/d');
    assert.deepEqual(findUnstorableString({ e: 'tail \udc00' })?.field, '/e');
    assert.match(findUnstorableString({ ['k\u0000']: 1 })!.message, /key/);
  });
});

describe(`malformed input is a 400 problem+json with its field, and changes nothing (${dbLabel})`, () => {
  let h: Harness;
  let org: TestOrg;
  before(async () => {
    h = await startHarness();
    org = await makeOrg(h.c, 'security_vendor');
  });
  after(() => h.close());

  const report = (over: Record<string, unknown> = {}) => ({
    category: 'malicious_resource',
    subtype: 'phishing_site',
    title: 'strict input',
    discovered_at: new Date().toISOString(),
    observables: [{ type: 'domain', value: 'strict-input-example.com' }],
    tlp: 'amber',
    ...over,
  });

  async function reportCount(): Promise<number> {
    const r = await h.c.handle.db.selectFrom('reports').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', org.id).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  function assertProblem(r: { statusCode: number; headers: Record<string, unknown>; json(): any }, code: string, field: string) {
    assert.equal(r.statusCode, 400);
    assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    const body = r.json();
    assert.equal(body.code, code);
    assert.equal(body.status, 400);
    assert.equal(body.field, field);
    assert.ok(body.type && body.title && body.detail);
  }

  test('a NUL byte in a string, and a lone surrogate, are refused with the field', async () => {
    const before = await reportCount();
    const nul = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: org.headers, payload: report({ title: 'bad\u0000title' }) });
    assertProblem(nul, 'validation_failed', '/title');
    const lone = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...org.headers, 'content-type': 'application/json' }, payload: JSON.stringify(report()).replace('"strict input"', '"x\\ud800y"') });
    assertProblem(lone, 'validation_failed', '/title');
    const deep = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: org.headers, payload: report({ observables: [{ type: 'domain', value: 'a\u0000.example.com' }] }) });
    assertProblem(deep, 'validation_failed', '/observables/0/value');
    assert.equal(await reportCount(), before);
  });

  test('invalid UTF-8 is refused, not stored with replacement characters', async () => {
    const before = await reportCount();
    const json = Buffer.from(JSON.stringify(report({ title: 'XX' })));
    const i = json.indexOf('XX');
    json[i] = 0xc3; // a lead byte followed by an ASCII byte: not UTF-8
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...org.headers, 'content-type': 'application/json' }, payload: json });
    assertProblem(r, 'malformed_body', '');
    assert.equal(await reportCount(), before);
  });

  test('a NUL in a query string is refused with the parameter as field', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/indicators/lookup?value=a%00b', headers: org.headers });
    assertProblem(r, 'validation_failed', '/querystring/value');
  });

  test('an out-of-range id or cursor is a 400, not a 500 from the database', async () => {
    const id = await h.app.inject({ method: 'GET', url: '/api/v1/indicators/99999999999999999999999', headers: org.headers });
    assertProblem(id, 'validation_failed', '/params/id');
    const cursor = await h.app.inject({ method: 'GET', url: '/api/v1/indicators?before_id=9223372036854775808', headers: org.headers });
    assertProblem(cursor, 'validation_failed', '/querystring/before_id');
  });

  test('a year-0001 date is refused; a real one is accepted', async () => {
    const before = await reportCount();
    const old = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: org.headers, payload: report({ discovered_at: '0001-01-01T00:00:00Z' }) });
    assertProblem(old, 'validation_failed', '/discovered_at');
    const far = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: org.headers, payload: report({ discovered_at: '9999-12-31T23:59:59Z' }) });
    assertProblem(far, 'validation_failed', '/discovered_at');
    assert.equal(await reportCount(), before);
    const ok = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: org.headers, payload: report() });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(await reportCount(), before + 1);
  });

  test('a body sent as gzip that is not gzip is a 400 problem', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/imports?category=malicious_resource&subtype=phishing_site', headers: { ...org.headers, 'content-type': 'text/plain', 'content-encoding': 'gzip' }, payload: 'evil.example.com\nnot gzip at all\n' });
    assertProblem(r, 'malformed_body', '');
    // Real gzip still works.
    const good = await h.app.inject({ method: 'POST', url: '/api/v1/imports?category=malicious_resource&subtype=phishing_site', headers: { ...org.headers, 'content-type': 'text/plain', 'content-encoding': 'gzip' }, payload: gzipSync('gzip-ok.example.com\n') });
    assert.ok(good.statusCode < 300, good.body);
  });

  test('a malformed path and a request that is not HTTP get problem+json, and a second client goes on', async () => {
    const path = await h.app.inject({ method: 'GET', url: '/api/v1/organizations/%E0%A4%A', headers: org.headers });
    assert.equal(path.statusCode, 400);
    assert.equal(path.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(path.json().code, 'validation_failed');

    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (h.app.server.address() as AddressInfo).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, /Content-Type: application\/problem\+json/);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.equal(body.code, 'validation_failed');
    const other = await fetch(`http://127.0.0.1:${port}/api/v1/whoami`, { headers: org.headers });
    assert.equal(other.status, 200);
  });
});
