import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../test/helpers/harness.js';

// Small limits so that a test reaches them: the highest of a token's roles counts.
const LIMITS = { anonymous: 3, admin: 4, auditor: 4, reporter: 4, handler: 4, analyst: 6 };

describe(`per-role request rate limits (${dbLabel})`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ rateLimits: LIMITS });
  });
  after(() => h.close());

  test('a token is refused with 429 past the limit of its highest role; another token goes on', async () => {
    const org = await makeOrg(h.c, 'security_vendor', { roles: ['reporter', 'analyst'] });
    const other = await makeOrg(h.c, 'security_vendor', { roles: ['reporter'] });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 8; i++) {
      last = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: org.headers });
      statuses.push(last.statusCode);
      if (i === 0) {
        assert.equal(last.headers['x-ratelimit-limit'], '6');
        assert.equal(last.headers['x-ratelimit-remaining'], '5');
      }
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
    assert.equal(last!.json().code, 'rate_limited');
    const retry = Number(last!.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${last!.headers['retry-after']}`);
    assert.equal(last!.json().retry_after, retry);
    const o = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: other.headers });
    assert.equal(o.statusCode, 200);
    assert.equal(o.headers['x-ratelimit-limit'], '4');
  });

  test('anonymous requests are counted per client address; the health check never is', async () => {
    const ask = (remoteAddress: string, url = '/api/v1/session/options') => h.app.inject({ method: 'GET', url, remoteAddress });
    const a: number[] = [];
    for (let i = 0; i < 4; i++) a.push((await ask('192.0.2.10')).statusCode);
    assert.deepEqual(a, [200, 200, 200, 429]);
    assert.equal((await ask('192.0.2.11')).statusCode, 200);
    for (let i = 0; i < 5; i++) assert.equal((await ask('192.0.2.10', '/healthz')).statusCode, 200);
  });
});
