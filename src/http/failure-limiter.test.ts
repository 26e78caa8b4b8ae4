import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../test/helpers/harness.js';
import { FailureLimiter } from './failure-limiter.js';

describe('FailureLimiter', () => {
  test('refuses after the limit within the window and forgets after it', () => {
    const l = new FailureLimiter(3, 1000);
    for (let i = 0; i < 3; i++) l.fail('a', 0);
    assert.equal(l.retryAfter('a', 10), 1);
    assert.equal(l.retryAfter('b', 10), 0);
    assert.equal(l.retryAfter('a', 1000), 0);
  });
});

describe(`credential guessing over HTTP (${dbLabel})`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('30 failed tokens from one address, then 429 with Retry-After even for a good token', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    for (let i = 0; i < 30; i++) {
      const r = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ts_guess${i}` } });
      assert.equal(r.statusCode, 401);
    }
    const blocked = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: org.headers });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().code, 'rate_limited');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    const other = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: org.headers, remoteAddress: '127.0.0.2' });
    assert.equal(other.statusCode, 200);
  });
});
