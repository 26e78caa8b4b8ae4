import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../test/helpers/harness.js';
import { DEFAULT_RATE_LIMITS } from '../config.js';
import { clientKey, FailureLimiter } from './failure-limiter.js';

describe('FailureLimiter', () => {
  test('reaches the limit within the window and forgets after it', () => {
    const l = new FailureLimiter(3, 1000);
    assert.equal(l.fail('a', 0), 0);
    assert.equal(l.fail('a', 0), 0);
    assert.equal(l.fail('a', 0), 1);
    assert.equal(l.retryAfter('a', 10), 1);
    assert.equal(l.retryAfter('b', 10), 0);
    assert.equal(l.retryAfter('a', 1000), 0);
  });

  test('memory is bounded by forgetting the least recent keys, never everyone at once', () => {
    const l = new FailureLimiter(2, 60_000, 100);
    l.fail('victim-of-spray', 0);
    l.fail('victim-of-spray', 0);
    for (let i = 0; i < 99; i++) l.fail(`spray-${i}`, 1);
    assert.equal(l.size, 100);
    assert.ok(l.retryAfter('victim-of-spray', 2) > 0, 'still limited: the spray did not reset it');
    // The recently failing key survives; the oldest spray keys go first.
    l.fail('victim-of-spray', 3);
    for (let i = 99; i < 150; i++) l.fail(`spray-${i}`, 4);
    assert.equal(l.size, 100);
    assert.ok(l.retryAfter('victim-of-spray', 5) > 0);
    assert.equal(l.retryAfter('spray-0', 5), 0);
  });

  test('an IPv6 client is counted by its /64, an IPv4-mapped address as IPv4', () => {
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), clientKey('2001:db8:1:2:bbbb::9'));
    assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
  });
});

describe(`credential guessing over HTTP (${dbLabel})`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('failed tokens from one address never lock out a valid token from that address', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    const address = '198.51.100.10';
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ts_guess${i}` }, remoteAddress: address });
      codes.push(r.statusCode);
    }
    assert.deepEqual(codes.slice(0, 29), Array(29).fill(401));
    // From the 30th failure on, the failing attempts are slowed with 429 and Retry-After.
    assert.deepEqual(codes.slice(29), Array(11).fill(429));
    const limited = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: 'Bearer ts_guess-more' }, remoteAddress: address });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
    // The valid token from the very same address keeps working.
    const valid = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: org.headers, remoteAddress: address });
    assert.equal(valid.statusCode, 200);
    assert.equal(valid.json().org_id, org.id);
  });

  test('one credential retried over and over is slowed on its own, from any address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: 'Bearer ts_revoked-and-retried' }, remoteAddress: `203.0.113.${i + 1}` });
      codes.push(r.statusCode);
    }
    assert.deepEqual(codes, [401, 401, 401, 401, 429, 429, 429]);
    const other = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: 'Bearer ts_another-one' }, remoteAddress: '203.0.113.1' });
    assert.equal(other.statusCode, 401);
  });

  test('TRUST_PROXY: behind a trusted proxy, failures count per forwarded client, not per proxy', async () => {
    const proxied = await startHarness({ trustProxy: '127.0.0.1' });
    try {
      for (let i = 0; i < 30; i++) {
        await proxied.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ts_x${i}`, 'x-forwarded-for': '192.0.2.66' } });
      }
      const attacker = await proxied.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: 'Bearer ts_x-more', 'x-forwarded-for': '192.0.2.66' } });
      assert.equal(attacker.statusCode, 429);
      const neighbour = await proxied.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: 'Bearer ts_typo', 'x-forwarded-for': '192.0.2.67' } });
      assert.equal(neighbour.statusCode, 401, 'another client behind the same proxy is not limited');
    } finally {
      await proxied.close();
    }
  });
});

describe(`per-role rate limits (${dbLabel})`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ rateLimits: { ...DEFAULT_RATE_LIMITS, anonymous: 5, auditor: 3 } });
  });
  after(() => h.close());

  test('a credential over its role limit gets 429 problem+json with Retry-After; another credential is not affected', async () => {
    const auditor = await makeOrg(h.c, 'security_vendor', { roles: ['auditor'] });
    const analyst = await makeOrg(h.c, 'security_vendor', { roles: ['analyst'] });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: auditor.headers })).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: auditor.headers });
    assert.equal(r.statusCode, 429);
    assert.equal(r.json().code, 'rate_limited');
    assert.equal(r.json().status, 429);
    assert.ok(Number(r.headers['retry-after']) > 0);
    assert.equal(r.headers['x-ratelimit-limit'], '3');
    for (let i = 0; i < 10; i++) assert.equal((await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: analyst.headers })).statusCode, 200);
  });

  test('anonymous requests are limited per client address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await h.app.inject({ method: 'GET', url: '/releases.json', remoteAddress: '192.0.2.200' })).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429]);
    assert.equal((await h.app.inject({ method: 'GET', url: '/releases.json', remoteAddress: '192.0.2.201' })).statusCode, 200);
  });
});
