import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { authRepository } from './auth.repository.js';
import { AuthService, TOKEN_CACHE_TTL_MS, TOKEN_REFRESH_AHEAD_MS } from './auth.service.js';

// The server trusts a verified token for a few seconds without asking the database. These tests
// move the service's clock across that bound instead of sleeping.
describe(`token cache bounds (${dbLabel})`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('a token revoked by another process is refused once the cache bound has passed', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    let now = Date.now();
    const auth = new AuthService(h.c.handle.db, h.c.audit, () => now);
    const { id, token } = await auth.createToken(null, { org_id: org.id, name: 'cache', roles: ['analyst'] });
    assert.equal((await auth.authenticateToken(token))?.tokenId, id);
    // Another process (the CLI, another server) revokes it: this one only sees the database.
    await authRepository.revokeToken(h.c.handle.db, id, new Date());
    now += TOKEN_CACHE_TTL_MS - 1;
    assert.equal((await auth.authenticateToken(token))?.tokenId, id, 'within the bound the cached principal still answers');
    now += 1;
    assert.equal(auth.cachedPrincipal(token), undefined);
    assert.equal(await auth.authenticateToken(token), null, 'past the bound the database is asked again and refuses it');
  });

  test('a revocation through this process takes effect at once', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    const auth = new AuthService(h.c.handle.db, h.c.audit, () => Date.now());
    const admin = (await auth.authenticateToken(org.token))!;
    const { id, token } = await auth.createToken(null, { org_id: org.id, name: 'cache', roles: ['analyst'] });
    assert.ok(await auth.authenticateToken(token));
    await auth.revokeToken(admin, id);
    assert.equal(await auth.authenticateToken(token), null);
  });

  test('a cached token is refused at its expiry, not at the end of the cache window', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    let now = Date.now();
    const auth = new AuthService(h.c.handle.db, h.c.audit, () => now);
    const expiresAt = new Date(now + 2_000);
    const { token } = await auth.createToken(null, { org_id: org.id, name: 'short', roles: ['analyst'], expires_at: expiresAt });
    assert.ok(await auth.authenticateToken(token));
    now = expiresAt.getTime();
    assert.equal(auth.cachedPrincipal(token), undefined);
    assert.equal(await auth.authenticateToken(token), null);
  });

  test('a token in use is checked again before its window ends, in the background, and a revocation elsewhere is seen then', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    let now = Date.now();
    const auth = new AuthService(h.c.handle.db, h.c.audit, () => now);
    const { id, token } = await auth.createToken(null, { org_id: org.id, name: 'ahead', roles: ['analyst'] });
    const first = await auth.authenticateToken(token);
    now += TOKEN_CACHE_TTL_MS - TOKEN_REFRESH_AHEAD_MS - 1;
    assert.equal(auth.cachedPrincipal(token), first, 'early in the window: no check');
    await auth.settled();
    now += 2;
    assert.equal(auth.cachedPrincipal(token), first, 'near its end the cached principal still answers at once');
    await auth.settled();
    const renewed = auth.cachedPrincipal(token);
    assert.ok(renewed && renewed !== first && renewed.tokenId === id, 'and the background check renewed it');
    now += TOKEN_CACHE_TTL_MS - 1;
    assert.equal(auth.cachedPrincipal(token), renewed, 'a full window from the renewal');
    // Another process revokes it: the next check ahead of the end of the window refuses it.
    await auth.settled();
    await authRepository.revokeToken(h.c.handle.db, id, new Date());
    now += TOKEN_CACHE_TTL_MS - TOKEN_REFRESH_AHEAD_MS;
    assert.ok(auth.cachedPrincipal(token));
    await auth.settled();
    assert.equal(auth.cachedPrincipal(token), undefined);
    assert.equal(await auth.authenticateToken(token), null);
  });

  test('requests that find a token uncached at the same time share one query', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    const auth = new AuthService(h.c.handle.db, h.c.audit, () => Date.now());
    const { token } = await auth.createToken(null, { org_id: org.id, name: 'herd', roles: ['analyst'] });
    const original = authRepository.principalByTokenHash;
    let queries = 0;
    authRepository.principalByTokenHash = (...args: Parameters<typeof original>) => {
      queries++;
      return original.apply(authRepository, args);
    };
    try {
      const all = await Promise.all(Array.from({ length: 64 }, () => auth.authenticateToken(token)));
      assert.equal(queries, 1);
      assert.ok(all.every((p) => p !== null && p === all[0]));
    } finally {
      authRepository.principalByTokenHash = original;
    }
  });

  test('a check under way when this process revokes the token does not put it back in the cache', async () => {
    const org = await makeOrg(h.c, 'security_vendor');
    const auth = new AuthService(h.c.handle.db, h.c.audit, () => Date.now());
    const admin = (await auth.authenticateToken(org.token))!;
    const { id, token } = await auth.createToken(null, { org_id: org.id, name: 'race', roles: ['analyst'] });
    const checking = auth.authenticateToken(token);
    await auth.revokeToken(admin, id);
    await checking;
    assert.equal(auth.cachedPrincipal(token), undefined);
    assert.equal(await auth.authenticateToken(token), null);
  });
});
