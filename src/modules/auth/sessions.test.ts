import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, uniqueCode, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { SignInLimiter } from './sessions.limiter.js';
import { readCookie } from './sessions.routes.js';

const PASSWORD = 'correct-horse-battery';

describe(`console sessions (${dbLabel})`, () => {
  let h: Harness;
  let org: TestOrg;
  let username: string;
  before(async () => {
    h = await startHarness();
    org = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    username = uniqueCode('officer');
    await h.c.auth.createUser(null, { org_id: org.id, username, display_name: '值班员', password: PASSWORD, roles: ['analyst', 'handler'] });
  });
  after(() => h.close());

  async function signIn(u = username, p = PASSWORD) {
    return h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: u, password: p } });
  }

  test('signs in with the password and sets an HTTP-only SameSite=Strict cookie holding no database value', async () => {
    const r = await signIn();
    assert.equal(r.statusCode, 201);
    const setCookie = String(r.headers['set-cookie']);
    assert.match(setCookie, /^ts_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    const body = r.json();
    assert.equal(body.username, username);
    assert.equal(body.province_code, '440000');
    assert.deepEqual(body.roles, ['analyst', 'handler']);
    assert.ok(body.csrf_token.length >= 20);
    const id = readCookie(setCookie, 'ts_session')!;
    const stored = await h.c.handle.db.selectFrom('sessions').selectAll().where('user_id', '=', body.user_id).execute();
    assert.ok(stored.length >= 1);
    assert.ok(stored.every((s) => s.id_hash !== id), 'the cookie value itself is never stored');
  });

  test('a wrong password is refused with 401 and sets no cookie', async () => {
    const r = await signIn(username, 'not-the-password');
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().code, 'unauthenticated');
    assert.equal(r.headers['set-cookie'], undefined);
  });

  test('the cookie authenticates reads; writes need the CSRF token, refused with 403 forbidden without it', async () => {
    const r = await signIn();
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    const csrf = r.json().csrf_token as string;
    const who = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } });
    assert.equal(who.statusCode, 200);
    assert.equal(who.json().org_id, org.id);
    const report = { category: 'malicious_resource', subtype: 'phishing_site', title: 'csrf test', discovered_at: new Date().toISOString(), observables: [{ type: 'domain', value: 'csrf-test-example.com' }], tlp: 'amber' };
    const noToken = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { cookie }, payload: report });
    assert.equal(noToken.statusCode, 403);
    assert.equal(noToken.json().code, 'forbidden');
    const wrongToken = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { cookie, 'x-csrf-token': csrf.replace(/./, 'x') + 'y' }, payload: report });
    assert.equal(wrongToken.statusCode, 403);
    const withToken = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
    assert.equal(withToken.json().csrf_token, csrf);
  });

  test('a bearer-token request needs no CSRF token', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/indicators/lookup', headers: org.headers, payload: { values: ['198.51.100.1'] } });
    assert.equal(r.statusCode, 200);
  });

  test('sign-out deletes the session: the cookie no longer authenticates, and both are audited', async () => {
    const r = await signIn();
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    const csrf = r.json().csrf_token as string;
    const out = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /ts_session=; .*Max-Age=0/);
    const after = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } });
    assert.equal(after.statusCode, 401);
    const trail = await h.c.audit.forObject('user', r.json().user_id);
    const actions = trail.map((e) => e.action);
    assert.ok(actions.includes('session.signed_in'));
    assert.ok(actions.includes('session.signed_out'));
  });

  test('a sign-out without the CSRF token clears the cookie but leaves the session', async () => {
    const r = await signIn();
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    const still = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } });
    assert.equal(still.statusCode, 200);
  });

  test('console requests get no Basic-auth challenge that would open a browser dialog', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/reports', headers: { 'x-requested-with': 'threatshare-console' } });
    assert.equal(r.statusCode, 401);
    assert.equal(r.headers['www-authenticate'], undefined);
    const api = await h.app.inject({ method: 'GET', url: '/api/v1/reports' });
    assert.ok(api.headers['www-authenticate']);
  });

  test('five failed sign-ins lock the username with 429, even for the right password', async () => {
    const name = uniqueCode('locked');
    await h.c.auth.createUser(null, { org_id: org.id, username: name, display_name: 'x', password: PASSWORD, roles: ['analyst'] });
    for (let i = 0; i < 5; i++) assert.equal((await signIn(name, 'wrong-password')).statusCode, 401);
    const r = await signIn(name, PASSWORD);
    assert.equal(r.statusCode, 429);
    assert.equal(r.json().code, 'rate_limited');
    assert.ok(r.json().retry_after > 0);
  });
});

describe('sign-in limiter', () => {
  test('locks after the fifth failure within the window, and unlocks after the lock period', () => {
    const l = new SignInLimiter({ maxFailures: 5, windowMs: 1000, lockMs: 5000 });
    for (let i = 0; i < 4; i++) l.recordFailure('Alice', i);
    assert.equal(l.retryAfterMs('alice', 10), 0);
    l.recordFailure('alice', 10);
    assert.equal(l.retryAfterMs('ALICE', 10), 5000);
    assert.equal(l.retryAfterMs('alice', 5010), 0);
  });

  test('failures older than the window do not count', () => {
    const l = new SignInLimiter({ maxFailures: 3, windowMs: 100, lockMs: 1000 });
    l.recordFailure('bob', 0);
    l.recordFailure('bob', 50);
    l.recordFailure('bob', 200);
    assert.equal(l.retryAfterMs('bob', 200), 0);
  });

  test('a success forgets the failures', () => {
    const l = new SignInLimiter({ maxFailures: 2, windowMs: 1000, lockMs: 1000 });
    l.recordFailure('carol', 0);
    l.recordSuccess('carol');
    l.recordFailure('carol', 1);
    assert.equal(l.retryAfterMs('carol', 1), 0);
  });
});

describe(`session expiry (${dbLabel})`, () => {
  test('a session ends when idle too long, and ended sessions are swept', async () => {
    const h = await startHarness();
    try {
      const org = await makeOrg(h.c, 'security_vendor');
      const username = uniqueCode('idle');
      await h.c.auth.createUser(null, { org_id: org.id, username, display_name: 'x', password: PASSWORD, roles: ['reporter'] });
      let now = Date.now();
      const { SessionsService } = await import('./sessions.service.js');
      const sessions = new SessionsService(h.c.handle.db, h.c.audit, h.c.auth, { absoluteMs: 10 * 3600_000, idleMs: 3600_000, now: () => now });
      const { sessionId } = await sessions.signIn(username, PASSWORD);
      assert.ok(await sessions.authenticate(sessionId));
      now += 2 * 3600_000;
      assert.equal(await sessions.authenticate(sessionId), null);
      assert.ok((await sessions.sweep()) >= 1);
      const userId = (await h.c.handle.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
      const left = await h.c.handle.db.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).execute();
      assert.equal(left.length, 0);
    } finally {
      await h.close();
    }
  });
});
