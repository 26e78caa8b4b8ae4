import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, uniqueCode, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';

const newOrg = (over: Record<string, unknown> = {}) => ({
  kind: 'internet_company',
  name: '测试互联网公司',
  short_code: uniqueCode('org'),
  province_code: '440000',
  responsible_department: '安全部',
  responsible_person: { name: '王五', phone: '+86 20 0000 0000', email: 'sec@example.cn' },
  contacts: [{ name: '应急', phone: '+86 20 0000 0001' }],
  // A Guangdong block (ip2region), so a Guangdong administration may declare it too (docs/access.md).
  scopes: [{ kind: 'cidr', value: '125.88.1.0/24' }, { kind: 'asn', value: 'as4134' }, { kind: 'domain_suffix', value: '.Example-Corp.CN' }],
  ...over,
});

describe(`organizations and access (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let gd: TestOrg;
  let unit: TestOrg;
  let otherUnit: TestOrg;

  before(async () => {
    h = await startHarness();
    ministry = await makeOrg(h.c, 'regulator_national');
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    unit = await makeOrg(h.c, 'telecom_operator', { operator: 'china_telecom' });
    otherUnit = await makeOrg(h.c, 'security_vendor');
  });
  after(() => h.close());

  test('the ministry registers an organization with contacts and canonical scopes, audited', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: ministry.headers, payload: newOrg() });
    assert.equal(r.statusCode, 201, r.body);
    const org = r.json();
    assert.equal(org.province_name, '广东省');
    assert.deepEqual(org.scopes, [
      { kind: 'cidr', value: '125.88.1.0/24' },
      { kind: 'asn', value: 'AS4134' },
      { kind: 'domain_suffix', value: 'example-corp.cn' },
    ]);
    const trail = await h.c.audit.forObject('organization', org.id);
    assert.equal(trail[0].action, 'organization.created');
    assert.equal(trail[0].actor_org_id, ministry.id);
  });

  test('a provincial administration registers units only in its own province', async () => {
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: gd.headers, payload: newOrg() })).statusCode, 201);
    const other = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: gd.headers, payload: newOrg({ province_code: '110000' }) });
    assert.equal(other.statusCode, 403);
    assert.equal(other.json().code, 'forbidden');
    const reg = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: gd.headers, payload: newOrg({ kind: 'professional_institution', province_code: null }) });
    assert.equal(reg.statusCode, 403);
  });

  test('units cannot register organizations', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: unit.headers, payload: newOrg() });
    assert.equal(r.statusCode, 403);
  });

  test('bad input is refused with the field: province, scope, duplicate short code', async () => {
    let r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: ministry.headers, payload: newOrg({ province_code: '990000' }) });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, '/province_code');
    r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: ministry.headers, payload: newOrg({ scopes: [{ kind: 'cidr', value: '1.2.3.4/99' }] }) });
    assert.equal(r.json().field, '/scopes/0/value');
    const body = newOrg();
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: ministry.headers, payload: body })).statusCode, 201);
    r = await h.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: ministry.headers, payload: body });
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().field, '/short_code');
  });

  test('a unit keeps its own contacts current (Art. 5) but not another unit\'s, nor its own scopes', async () => {
    const r = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/organizations/${unit.id}/contacts`,
      headers: unit.headers,
      payload: { responsible_person: { name: '赵六', phone: '+86 10 1111 2222', email: 'new@example.cn' } },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().responsible_person.name, '赵六');
    assert.equal(r.json().version, 2);
    const foreign = await h.app.inject({ method: 'PUT', url: `/api/v1/organizations/${otherUnit.id}/contacts`, headers: unit.headers, payload: { contacts: [] } });
    assert.equal(foreign.statusCode, 403);
    const scopes = await h.app.inject({ method: 'PATCH', url: `/api/v1/organizations/${unit.id}`, headers: unit.headers, payload: { scopes: [] } });
    assert.equal(scopes.statusCode, 403);
  });

  test('contacts are personal information: another unit sees the directory entry, not the person', async () => {
    const seen = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${unit.id}`, headers: otherUnit.headers })).json();
    assert.equal(seen.responsible_person.phone, '[redacted]');
    assert.deepEqual(seen.contacts, []);
    const reg = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${unit.id}`, headers: gd.headers })).json();
    assert.notEqual(reg.responsible_person.phone, '[redacted]');
  });

  test('the directory filters by kind and province and ships the 31 provinces', async () => {
    const list = (await h.app.inject({ method: 'GET', url: '/api/v1/organizations?kind=regulator_provincial&province_code=440000', headers: ministry.headers })).json();
    assert.ok(list.items.length > 0 && list.items.every((o: { kind: string; province_code: string }) => o.kind === 'regulator_provincial' && o.province_code === '440000'));
    // Found by its short code: every file on a shared PostgreSQL registers Guangdong administrations, more than one page of them.
    const code = (await h.c.orgs.getRow(gd.id))!.short_code;
    const mine = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations?kind=regulator_provincial&province_code=440000&q=${encodeURIComponent(code)}`, headers: ministry.headers })).json();
    assert.deepEqual(mine.items.map((o: { id: string }) => o.id), [gd.id]);
    const provinces = (await h.app.inject({ method: 'GET', url: '/api/v1/provinces' })).json();
    assert.equal(provinces.length, 31);
  });
});

describe(`users and API tokens (${dbLabel})`, () => {
  let h: Harness;
  let admin: TestOrg;
  let reporterOnly: TestOrg;

  before(async () => {
    h = await startHarness();
    admin = await makeOrg(h.c, 'security_vendor');
    reporterOnly = await makeOrg(h.c, 'security_vendor', { roles: ['reporter'] });
  });
  after(() => h.close());

  test('a token is shown once, stored only as a hash, and works until revoked', async () => {
    const r = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${admin.id}/tokens`, headers: admin.headers, payload: { name: 'soc', roles: ['reporter'] } });
    assert.equal(r.statusCode, 201);
    const { id, token } = r.json();
    const row = await h.c.handle.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.notEqual(row.token_hash, token);
    assert.ok(!JSON.stringify(row).includes(token));
    const listed = (await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${admin.id}/tokens`, headers: admin.headers })).body;
    assert.ok(!listed.includes(token));
    const who = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(who.json().roles, ['reporter']);
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: admin.headers })).statusCode, 204);
    const after = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ${token}` } });
    assert.equal(after.statusCode, 401);
  });

  test('HTTP Basic with the token as password authenticates too (for TAXII clients)', async () => {
    const basic = Buffer.from(`anyone:${admin.token}`).toString('base64');
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Basic ${basic}` } });
    assert.equal(r.json().org_id, admin.id);
  });

  test('only admins manage access, and nobody grants roles they lack', async () => {
    const r = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${reporterOnly.id}/tokens`, headers: reporterOnly.headers, payload: { name: 'x', roles: ['reporter'] } });
    assert.equal(r.statusCode, 403);
    const other = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${reporterOnly.id}/tokens`, headers: admin.headers, payload: { name: 'x', roles: ['reporter'] } });
    assert.equal(other.statusCode, 403);
  });

  test('a token cannot be created already expired, and nothing is stored for the attempt', async () => {
    const count = async () => (await h.c.handle.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', admin.id).executeTakeFirstOrThrow()).n;
    const before = await count();
    for (const expires_at of [new Date(Date.now() - 60_000).toISOString(), new Date().toISOString()]) {
      const r = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${admin.id}/tokens`, headers: admin.headers, payload: { name: 'stale', roles: ['reporter'], expires_at } });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, 'validation_failed');
      assert.equal(r.json().field, '/expires_at');
    }
    assert.equal(await count(), before);
    const future = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${admin.id}/tokens`, headers: admin.headers, payload: { name: 'later', roles: ['reporter'], expires_at: new Date(Date.now() + 86_400_000).toISOString() } });
    assert.equal(future.statusCode, 201);
  });

  test('users get scrypt-hashed passwords', async () => {
    const username = `user-${Date.now()}`;
    const r = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${admin.id}/users`, headers: admin.headers, payload: { username, display_name: 'U', password: 'correct horse battery', roles: ['analyst'] } });
    assert.equal(r.statusCode, 201, r.body);
    const row = await h.c.handle.db.selectFrom('users').select('password_hash').where('username', '=', username).executeTakeFirstOrThrow();
    assert.match(row.password_hash!, /^scrypt\$/);
    assert.ok(await h.c.auth.authenticatePassword(username, 'correct horse battery'));
    assert.equal(await h.c.auth.authenticatePassword(username, 'wrong password!'), null);
    const dup = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${admin.id}/users`, headers: admin.headers, payload: { username, display_name: 'U', roles: ['analyst'] } });
    assert.equal(dup.statusCode, 409);
  });
});
