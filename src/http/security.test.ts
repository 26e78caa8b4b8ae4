import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../test/helpers/harness.js';
import { securityHeaders } from './security.js';

describe(`security headers on every response (${dbLabel})`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  function assertHardened(r: { headers: Record<string, unknown> }, what: string) {
    const csp = String(r.headers['content-security-policy'] ?? '');
    assert.match(csp, /default-src 'self'/, `${what}: CSP`);
    assert.match(csp, /script-src 'self'(;|$)/, `${what}: only the server's own scripts`);
    assert.match(csp, /frame-ancestors 'none'/, `${what}: no framing by CSP`);
    assert.match(csp, /object-src 'none'/, `${what}: no plugins`);
    assert.equal(r.headers['x-frame-options'], 'DENY', `${what}: no framing`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', `${what}: no sniffing`);
    assert.equal(r.headers['referrer-policy'], 'same-origin', `${what}: referrer`);
    // Plain-http test server: no HSTS and no upgrade of requests (it would break every asset).
    assert.equal(r.headers['strict-transport-security'], undefined, `${what}: HSTS only over https`);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
  }

  test('the API, its errors, /releases, /docs, /openapi.json and the console all carry them', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    const cases: [string, Record<string, string>, number][] = [
      ['/api/v1/whoami', org.headers, 200],
      ['/api/v1/whoami', {}, 401],
      ['/api/v1/no-such-route', {}, 404],
      ['/releases', {}, 200],
      ['/releases.json', {}, 200],
      ['/docs', {}, 200],
      ['/docs/static/index.html', {}, 302],
      ['/docs/static/swagger-initializer.js', {}, 200],
      ['/openapi.json', {}, 200],
      ['/', {}, 200],
      ['/cases/123', {}, 200],
      ['/healthz', {}, 200],
    ];
    for (const [url, headers, status] of cases) {
      const r = await h.app.inject({ method: 'GET', url, headers });
      assert.equal(r.statusCode, status, url);
      assertHardened(r, url);
    }
  });

  test('the event stream, which writes its own response, carries them too', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as { port: number };
    const ac = new AbortController();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/stream`, { headers: org.headers, signal: ac.signal });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assertHardened({ headers: Object.fromEntries(res.headers) }, '/api/v1/stream');
    } finally {
      ac.abort();
    }
  });

  test('a page whose HTML would run an inline script is not allowed to by the policy', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/releases' });
    assert.match(r.body, /<html/);
    const csp = String(r.headers['content-security-policy']);
    assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
    assert.match(csp, /script-src-attr 'none'/);
  });
});

describe('the security header set, computed once at start-up', () => {
  test('over https it adds HSTS and upgrades requests; over plain http neither', () => {
    const plain = new Map(securityHeaders({ https: false }));
    const tls = new Map(securityHeaders({ https: true }));
    assert.equal(plain.get('strict-transport-security'), undefined);
    assert.equal(tls.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    assert.match(tls.get('content-security-policy') ?? '', /;upgrade-insecure-requests$/);
    assert.doesNotMatch(plain.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
  });

  test('keeps helmet\'s other protections beside the policy', () => {
    const h = new Map(securityHeaders({ https: false }));
    assert.equal(h.get('cross-origin-resource-policy'), 'same-origin');
    assert.equal(h.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(h.get('x-permitted-cross-domain-policies'), 'none');
    assert.equal(h.get('x-xss-protection'), '0');
    assert.equal(h.has('x-powered-by'), false);
  });
});
