import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, uniqueCode, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { SignInLimiter } from './sessions.limiter.js';
import { readCookie } from './sessions.routes.js';
import { currentTotp } from './second-factor.js';

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

  test('five failed sign-ins from one address do not lock the owner out from their own address', async () => {
    const name = uniqueCode('attacked');
    await h.c.auth.createUser(null, { org_id: org.id, username: name, display_name: 'x', password: PASSWORD, roles: ['analyst'] });
    for (let i = 0; i < 5; i++) assert.equal((await signInFrom('198.51.100.66', name, 'wrong-password')).statusCode, 401);
    const attacker = await signInFrom('198.51.100.66', name, 'wrong-password');
    assert.equal(attacker.statusCode, 429);
    assert.equal(attacker.json().code, 'rate_limited');
    assert.ok(Number(attacker.headers['retry-after']) > 0);
    assert.equal(attacker.json().retry_after, Number(attacker.headers['retry-after']));
    const owner = await signInFrom('203.0.113.5', name, PASSWORD);
    assert.equal(owner.statusCode, 201, 'the owner signs in from elsewhere');
    assert.equal(owner.json().username, name);
  });

  test('password spraying: 30 failures from one address across usernames are refused with 429, other addresses go on', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 32; i++) codes.push((await signInFrom('192.0.2.99', uniqueCode('spray'), 'Winter2026!')).statusCode);
    assert.deepEqual(codes.slice(0, 30), Array(30).fill(401));
    assert.deepEqual(codes.slice(30), [429, 429]);
    const other = await signInFrom('192.0.2.100', username, PASSWORD);
    assert.equal(other.statusCode, 201);
  });

  test('an unknown username and a wrong password get the same answer', async () => {
    const unknown = await signInFrom('198.51.100.77', uniqueCode('nobody'), 'whatever-password');
    const wrong = await signInFrom('198.51.100.78', username, 'whatever-password');
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual({ ...(unknown.json() as object), instance: '' }, { ...(wrong.json() as object), instance: '' });
  });

  async function signInFrom(ip: string, u: string, p: string, extra: Record<string, string> = {}) {
    return h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: u, password: p, ...extra }, remoteAddress: ip });
  }

  describe('second factor', () => {
    let regulator: TestOrg;
    before(async () => {
      regulator = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    });

    test('a regulator admin must enrol TOTP before using the console; then sign-in needs a code, a replayed code and a used recovery code are refused', async () => {
      const admin = uniqueCode('reg-admin');
      const created = await h.c.auth.createUser(null, { org_id: regulator.id, username: admin, display_name: '管理员', password: PASSWORD, roles: ['admin', 'analyst'] });
      const first = await signInFrom('198.51.100.200', admin, PASSWORD);
      assert.equal(first.statusCode, 201);
      assert.equal(first.json().second_factor, 'enrolment_required');
      const cookie = String(first.headers['set-cookie']).split(';')[0]!;
      const csrf = first.json().csrf_token as string;
      const blocked = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } });
      assert.equal(blocked.statusCode, 403);
      assert.equal(blocked.json().code, 'second_factor_enrolment_required');

      const noCsrf = await h.app.inject({ method: 'POST', url: '/api/v1/session/totp', headers: { cookie } });
      assert.equal(noCsrf.statusCode, 401);
      const start = await h.app.inject({ method: 'POST', url: '/api/v1/session/totp', headers: { cookie, 'x-csrf-token': csrf } });
      assert.equal(start.statusCode, 201);
      const { secret, otpauth_uri } = start.json() as { secret: string; otpauth_uri: string };
      assert.match(otpauth_uri, /^otpauth:\/\/totp\//);
      assert.ok(otpauth_uri.includes(`secret=${secret}`));
      const stored = await h.c.handle.db.selectFrom('users').select(['totp_secret_sealed', 'totp_enabled_at']).where('id', '=', created.id).executeTakeFirstOrThrow();
      assert.ok(stored.totp_secret_sealed && !stored.totp_secret_sealed.includes(secret), 'sealed, never in clear');
      assert.equal(stored.totp_enabled_at, null, 'not on before a code is proved');

      const wrong = await h.app.inject({ method: 'POST', url: '/api/v1/session/totp/confirm', headers: { cookie, 'x-csrf-token': csrf }, payload: { code: (Number(await currentTotp(secret)) ^ 1).toString().padStart(6, '0') } });
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().field, '/code');
      const code = await currentTotp(secret);
      const confirm = await h.app.inject({ method: 'POST', url: '/api/v1/session/totp/confirm', headers: { cookie, 'x-csrf-token': csrf }, payload: { code } });
      assert.equal(confirm.statusCode, 200);
      const recovery = confirm.json().recovery_codes as string[];
      assert.equal(recovery.length, 10);
      assert.equal(new Set(recovery).size, 10);
      assert.equal((await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } })).statusCode, 200);
      const again = await h.app.inject({ method: 'POST', url: '/api/v1/session/totp', headers: { cookie, 'x-csrf-token': csrf } });
      assert.equal(again.statusCode, 409);

      const noCode = await signInFrom('198.51.100.201', admin, PASSWORD);
      assert.equal(noCode.statusCode, 401);
      assert.equal(noCode.json().code, 'second_factor_required');
      assert.equal(noCode.json().field, '/totp_code');
      assert.equal(noCode.headers['set-cookie'], undefined);
      const replayed = await signInFrom('198.51.100.201', admin, PASSWORD, { totp_code: code });
      assert.equal(replayed.statusCode, 401, 'the code used at enrolment does not work again');
      const next = await currentTotp(secret, Date.now() + 30_000);
      const ok = await signInFrom('198.51.100.201', admin, PASSWORD, { totp_code: next });
      assert.equal(ok.statusCode, 201);
      assert.equal(ok.json().second_factor, 'enabled');
      assert.equal((await signInFrom('198.51.100.202', admin, PASSWORD, { totp_code: next })).statusCode, 401, 'no replay');
      const withRecovery = await signInFrom('198.51.100.202', admin, PASSWORD, { recovery_code: recovery[3]!.toUpperCase() });
      assert.equal(withRecovery.statusCode, 201);
      const reused = await signInFrom('198.51.100.202', admin, PASSWORD, { recovery_code: recovery[3]! });
      assert.equal(reused.statusCode, 401);
      assert.equal(reused.json().field, '/recovery_code');
      const trail = (await h.c.audit.forObject('user', created.id)).map((e) => e.action);
      assert.ok(trail.includes('user.second_factor_enabled'));
    });

    test('an analyst of a regulator and a unit admin need no second factor', async () => {
      const analyst = uniqueCode('reg-analyst');
      await h.c.auth.createUser(null, { org_id: regulator.id, username: analyst, display_name: 'x', password: PASSWORD, roles: ['analyst'] });
      const r = await signInFrom('198.51.100.210', analyst, PASSWORD);
      assert.equal(r.json().second_factor, 'none');
      const cookie = String(r.headers['set-cookie']).split(';')[0]!;
      assert.equal((await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } })).statusCode, 200);
    });
  });
});

describe('sign-in limiter', () => {
  const limits = { perUsernameAndClient: 3, perClient: 10, perUsername: 6, windowMs: 1000, throttleMs: 100 };

  test('locks a username for the failing address only, and forgets after the window', () => {
    const l = new SignInLimiter(limits);
    for (let i = 0; i < 3; i++) l.recordFailure('Alice', '192.0.2.1', i);
    assert.ok(l.retryAfterMs('alice', '192.0.2.1', 10) > 0);
    assert.equal(l.retryAfterMs('ALICE', '192.0.2.2', 10), 0);
    assert.equal(l.retryAfterMs('alice', '192.0.2.1', 1000), 0);
  });

  test('failures older than the window do not count', () => {
    const l = new SignInLimiter(limits);
    l.recordFailure('bob', '192.0.2.1', 0);
    l.recordFailure('bob', '192.0.2.1', 50);
    l.recordFailure('bob', '192.0.2.1', 1200);
    assert.equal(l.retryAfterMs('bob', '192.0.2.1', 1200), 0);
  });

  test('a success from an address forgets that address\'s failures at that username', () => {
    const l = new SignInLimiter(limits);
    l.recordFailure('carol', '192.0.2.1', 0);
    l.recordFailure('carol', '192.0.2.1', 0);
    l.recordSuccess('carol', '192.0.2.1');
    l.recordFailure('carol', '192.0.2.1', 1);
    assert.equal(l.retryAfterMs('carol', '192.0.2.1', 1), 0);
  });

  test('a username attacked from many addresses is throttled, not locked: one attempt per period', () => {
    const l = new SignInLimiter(limits);
    for (let i = 0; i < 6; i++) l.recordFailure('dave', `198.51.100.${i}`, 0);
    assert.equal(l.retryAfterMs('dave', '203.0.113.9', 10), 0, 'the first attempt of the period is allowed');
    assert.equal(l.retryAfterMs('dave', '203.0.113.10', 20), 90, 'the next one waits for the rest of the period');
    assert.equal(l.retryAfterMs('dave', '203.0.113.10', 110), 0);
  });
});

describe(`session expiry (${dbLabel})`, () => {
  test('a session ends when idle too long, and ended sessions are swept', async () => {
    // A database of its own: the sweep runs two hours ahead and deletes every session idle for one,
    // which on a shared PostgreSQL is every other file's session too.
    const h = await startFreshHarness('sessions_idle');
    try {
      const org = await makeOrg(h.c, 'security_vendor');
      const username = uniqueCode('idle');
      await h.c.auth.createUser(null, { org_id: org.id, username, display_name: 'x', password: PASSWORD, roles: ['reporter'] });
      let now = Date.now();
      const { SessionsService } = await import('./sessions.service.js');
      const { SecretBox } = await import('../../lib/secret-box.js');
      const sessions = new SessionsService(h.c.handle.db, h.c.audit, h.c.auth, new SecretBox('test'), { absoluteMs: 10 * 3600_000, idleMs: 3600_000, now: () => now });
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
