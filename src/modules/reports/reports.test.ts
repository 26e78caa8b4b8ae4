import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';

const report = (over: Record<string, unknown> = {}) => ({
  category: 'malicious_resource',
  subtype: 'botnet_c2',
  title: '僵尸网络控制端',
  discovered_at: new Date(Date.now() - 60_000).toISOString(),
  tlp: 'amber',
  observables: [
    { type: 'ipv4', value: '120.238.23.168' },
    { type: 'domain', value: 'C2.Example-Threat.COM.' },
  ],
  ...over,
});

describe(`reports over HTTP (${dbLabel})`, () => {
  let h: Harness;
  let unit: TestOrg;
  let other: TestOrg;
  let ministry: TestOrg;
  let gd: TestOrg;
  let bj: TestOrg;

  before(async () => {
    h = await startHarness();
    ministry = await makeOrg(h.c, 'regulator_national');
    unit = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    other = await makeOrg(h.c, 'internet_company', { province_code: '440000' });
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    bj = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
  });
  after(() => h.close());

  const post = (org: TestOrg, payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...org.headers, ...headers }, payload: payload as object });

  test('accepts a report, normalizes its observables and answers with a receipt per observable', async () => {
    const r = await post(unit, report({ observables: [{ type: 'domain', value: `Fresh-${Date.now()}.Example-Threat.COM.` }, { type: 'ipv4', value: '120.238.23.168' }] }));
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json();
    assert.equal(body.observables.length, 2);
    assert.match(body.observables[0].value, /^fresh-\d+\.example-threat\.com$/);
    assert.equal(body.observables[0].status, 'accepted');
    assert.equal(body.province_code, '440000', 'the IP places the threat in Guangdong');
    assert.equal(r.headers.location, `/api/v1/reports/${body.id}`);
    const stored = await h.c.handle.db.selectFrom('reports').select(['org_id', 'observable_count']).where('id', '=', body.id).executeTakeFirstOrThrow();
    assert.equal(stored.org_id, unit.id);
    assert.equal(stored.observable_count, 2);
  });

  test('searches reports by words in the title or description, any case, any part of a word', async () => {
    const tag = `Zq${Date.now().toString(36)}`;
    const r1 = await post(unit, report({ title: `Phishing ${tag} bank portal`, description: 'Login page cloned' }));
    const r2 = await post(unit, report({ title: `Botnet ${tag}`, description: 'beacons to the PORTAL host' }));
    assert.equal(r1.statusCode, 201, r1.body);
    assert.equal(r2.statusCode, 201, r2.body);
    const ids = async (q: string, who = ministry) =>
      ((await h.app.inject({ method: 'GET', url: `/api/v1/reports?q=${encodeURIComponent(q)}`, headers: who.headers })).json().items as { id: string }[]).map((x) => x.id).sort();
    assert.deepEqual(await ids(tag.toLowerCase()), [r1.json().id, r2.json().id].sort());
    assert.deepEqual(await ids(`${tag.toUpperCase()} ortal`), [r1.json().id, r2.json().id].sort());
    assert.deepEqual(await ids(`${tag} cloned`), [r1.json().id]);
    assert.deepEqual(await ids(`${tag} nothing-like-this`), []);
    // Search stays inside the jurisdiction: Beijing does not find Guangdong's reports.
    assert.deepEqual(await ids(tag, bj), []);
  });

  test('a retry with the same Idempotency-Key returns the first receipt and stores nothing twice', async () => {
    const key = `retry-${Date.now()}`;
    const payload = report({ observables: [{ type: 'url', value: `http://dl.natgo.cn/${Date.now()}/x.sh` }] });
    const first = await post(unit, payload, { 'idempotency-key': key });
    const second = await post(unit, payload, { 'idempotency-key': key });
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(second.json(), first.json());
    const rows = await h.c.handle.db.selectFrom('reports').select('id').where('org_id', '=', unit.id).where('idempotency_key', '=', key).execute();
    assert.equal(rows.length, 1);
    const ind = await h.c.handle.db.selectFrom('indicators').select('sighting_count').where('value', '=', first.json().observables[0].value).executeTakeFirstOrThrow();
    assert.equal(ind.sighting_count, 1);
  });

  test('the same key with a different body is refused with idempotency_mismatch', async () => {
    const key = `mismatch-${Date.now()}`;
    assert.equal((await post(unit, report(), { 'idempotency-key': key })).statusCode, 201);
    const r = await post(unit, report({ title: 'another' }), { 'idempotency-key': key });
    assert.equal(r.statusCode, 422);
    assert.equal(r.json().code, 'idempotency_mismatch');
  });

  test('a second unit reporting the same value adds a sighting to the one indicator', async () => {
    const value = `dup-${Date.now()}.example-threat.com`;
    const a = await post(unit, report({ observables: [{ type: 'domain', value }] }));
    const b = await post(other, report({ observables: [{ type: 'domain', value }] }));
    assert.equal(a.json().observables[0].status, 'accepted');
    assert.equal(b.json().observables[0].status, 'duplicate');
    assert.equal(a.json().observables[0].indicator_id, b.json().observables[0].indicator_id);
    const ind = await h.c.handle.db.selectFrom('indicators').selectAll().where('type', '=', 'domain').where('value', '=', value).execute();
    assert.equal(ind.length, 1);
    assert.equal(ind[0].sighting_count, 2);
  });

  test('refuses an observable that is not its stated type, naming the field, and stores nothing', async () => {
    const before = await h.c.handle.db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', unit.id).executeTakeFirstOrThrow();
    const r = await post(unit, report({ observables: [{ type: 'ipv4', value: '8.8.8.8' }, { type: 'ipv4', value: '192.168.1.1' }, { type: 'domain', value: 'not a domain' }] }));
    assert.equal(r.statusCode, 400);
    const body = r.json();
    assert.equal(body.code, 'validation_failed');
    assert.equal(body.field, '/observables/1/value');
    assert.equal(body.errors.length, 2);
    assert.equal(body.errors[0].code, 'not_public');
    assert.equal(body.errors[1].field, '/observables/2/value');
    assert.match(r.headers['content-type'] as string, /application\/problem\+json/);
    const afterCount = await h.c.handle.db.selectFrom('reports').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', unit.id).executeTakeFirstOrThrow();
    assert.equal(afterCount.n, before.n);
  });

  test('refuses unknown fields, bad enums, sub-types of another category, malformed JSON and oversized bodies', async () => {
    let r = await post(unit, { ...report(), colour: 'red' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, '/colour');
    r = await post(unit, report({ tlp: 'purple' }));
    assert.equal(r.json().field, '/tlp');
    assert.match(r.json().detail, /clear, green, amber/);
    r = await post(unit, report({ subtype: 'trojan' }));
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, '/subtype');
    r = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...unit.headers, 'content-type': 'application/json' }, payload: '{"category": ' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'malformed_json');
    r = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...unit.headers, 'content-type': 'application/json' }, payload: JSON.stringify({ ...report(), description: 'x'.repeat(2 * 1024 * 1024) }) });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().code, 'payload_too_large');
    r = await post(unit, report({ discovered_at: new Date(Date.now() + 86_400_000).toISOString() }));
    assert.equal(r.json().field, '/discovered_at');
  });

  test('refuses anonymous and unknown tokens with 401', async () => {
    let r = await h.app.inject({ method: 'POST', url: '/api/v1/reports', payload: report() });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().code, 'unauthenticated');
    r = await h.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { authorization: 'Bearer ts_nope' }, payload: report() });
    assert.equal(r.statusCode, 401);
  });

  test('a self-handled report is recorded with its measures', async () => {
    const r = await post(unit, report({ self_handled: true, self_measures: [{ measure: 'block_ip', taken_at: new Date().toISOString(), result: 'blocked at the border' }] }));
    assert.equal(r.statusCode, 201);
    assert.equal(r.json().self_handled, true);
    const audit = await h.c.audit.forObject('report', r.json().id);
    assert.equal(audit[0].action, 'report.self_handled_recorded');
  });

  test('a correction supersedes the earlier version of the same unit only', async () => {
    const first = (await post(unit, report())).json();
    const fix = await post(unit, report({ title: 'corrected', supersedes_id: first.id }));
    assert.equal(fix.statusCode, 201);
    assert.equal(fix.json().version, 2);
    assert.equal(fix.json().supersedes_id, first.id);
    const foreign = await post(other, report({ supersedes_id: first.id }));
    assert.equal(foreign.statusCode, 400);
  });

  test('province-scoped access: Guangdong sees its report, Beijing does not, even by id', async () => {
    const id = (await post(unit, report())).json().id;
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: gd.headers })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: ministry.headers })).statusCode, 200);
    const denied = await h.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: bj.headers });
    assert.equal(denied.statusCode, 404);
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: other.headers })).statusCode, 404);
    const bjList = (await h.app.inject({ method: 'GET', url: '/api/v1/reports?limit=200', headers: bj.headers })).json();
    assert.ok(bjList.items.every((x: { province_code: string }) => x.province_code === '110000'));
    const forbidden = await h.app.inject({ method: 'GET', url: '/api/v1/reports?province_code=440000', headers: bj.headers });
    assert.equal(forbidden.statusCode, 403);
    const own = (await h.app.inject({ method: 'GET', url: '/api/v1/reports?limit=5', headers: unit.headers })).json();
    assert.ok(own.items.length > 0 && own.items.every((x: { org_id: string }) => x.org_id === unit.id));
  });

  test('lists page by keyset cursor without repeats', async () => {
    for (let i = 0; i < 3; i++) await post(other, report({ title: `page ${i}` }));
    const p1 = (await h.app.inject({ method: 'GET', url: '/api/v1/reports?limit=2', headers: other.headers })).json();
    assert.equal(p1.items.length, 2);
    assert.ok(p1.next);
    const p2 = (await h.app.inject({ method: 'GET', url: `/api/v1/reports?limit=2&before=${p1.next}`, headers: other.headers })).json();
    const ids = new Set([...p1.items, ...p2.items].map((x: { id: string }) => x.id));
    assert.equal(ids.size, p1.items.length + p2.items.length);
  });

  test('sorts on the server by category, province or time, and pages each sort by cursor without repeats or gaps', async () => {
    const sorter = await makeOrg(h.c, 'security_vendor', { province_code: null });
    const categories = ['incident', 'malicious_program', 'other', 'malicious_resource', 'hidden_danger', 'incident', 'malicious_program'];
    const created: string[] = [];
    for (const [i, category] of categories.entries()) {
      // No province (a domain, a unit without one), Beijing (the affected party's), Guangdong (the IP's).
      const domainOnly = { observables: [{ type: 'domain', value: `sort-${i}-${Date.now()}.example-threat.com` }] };
      const extra = i % 3 === 0 ? domainOnly : i % 3 === 1 ? { ...domainOnly, affected_party: { name: 'x', province_code: '110000' } } : {};
      const r = await post(sorter, report({ category, subtype: 'other', title: `sort ${i}`, ...extra }));
      assert.equal(r.statusCode, 201, r.body);
      created.push(r.json().id);
    }
    const walk = async (query: string) => {
      const seen: Array<{ id: string; category: string; province_code: string | null; received_at: string }> = [];
      let before = '';
      for (let guard = 0; guard < 20; guard++) {
        const r = await h.app.inject({ method: 'GET', url: `/api/v1/reports?limit=2&${query}${before ? `&before=${before}` : ''}`, headers: sorter.headers });
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json();
        seen.push(...body.items);
        if (!body.next) break;
        before = body.next;
      }
      assert.equal(new Set(seen.map((x) => x.id)).size, seen.length, `no repeats for ${query}`);
      assert.deepEqual(seen.map((x) => x.id).sort(), [...created].sort(), `no gaps for ${query}`);
      return seen;
    };
    const asc = await walk('sort=category&order=asc');
    assert.deepEqual(asc.map((x) => x.category), [...categories].sort());
    const desc = await walk('sort=category&order=desc');
    assert.deepEqual(desc.map((x) => x.category), [...categories].sort().reverse());
    assert.deepEqual(desc.map((x) => x.id), asc.map((x) => x.id).reverse(), 'ties broken by id in the same direction');
    const byProvince = await walk('sort=province_code&order=asc');
    const provinces = byProvince.map((x) => x.province_code ?? '');
    assert.deepEqual(provinces, ['', '', '', '110000', '110000', '440000', '440000'], 'no province sorts first');
    const oldest = await walk('sort=received_at&order=asc');
    assert.deepEqual(oldest.map((x) => x.id), created, 'oldest first is the order of submission');
    const newest = await walk('');
    assert.deepEqual(newest.map((x) => x.id), [...created].reverse());

    let r = await h.app.inject({ method: 'GET', url: '/api/v1/reports?sort=title', headers: sorter.headers });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, '/querystring/sort');
    r = await h.app.inject({ method: 'GET', url: '/api/v1/reports?order=sideways', headers: sorter.headers });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, '/querystring/order');
    const p1 = (await h.app.inject({ method: 'GET', url: '/api/v1/reports?limit=2&sort=category', headers: sorter.headers })).json();
    r = await h.app.inject({ method: 'GET', url: `/api/v1/reports?limit=2&sort=province_code&before=${p1.next}`, headers: sorter.headers });
    assert.equal(r.statusCode, 400, 'a cursor of another sort marks no position in this one');
    assert.equal(r.json().field, '/before');
    const forged = Buffer.from(JSON.stringify(['received_at', 'desc', 'yesterday', created[0]])).toString('base64url');
    r = await h.app.inject({ method: 'GET', url: `/api/v1/reports?before=${forged}`, headers: sorter.headers });
    assert.equal(r.statusCode, 400);
  });

  test('cases sort on the server too, and every sort pages by cursor without repeats or gaps', async () => {
    const reporter = await makeOrg(h.c, 'security_vendor', { province_code: null });
    for (let i = 0; i < 5; i++) {
      const extra = i % 2 ? { affected_party: { name: 'x', province_code: '110000' } } : {};
      const r = await post(reporter, report({ title: `case sort ${i}`, observables: [{ type: 'domain', value: `case-sort-${i}-${Date.now()}.example-threat.com` }], ...extra }));
      assert.equal(r.statusCode, 201, r.body);
    }
    const all = (await h.app.inject({ method: 'GET', url: '/api/v1/cases?limit=200', headers: reporter.headers })).json().items as Array<{ id: string; province_code: string | null; opened_at: string }>;
    assert.equal(all.length, 5, 'one case a report');
    for (const query of ['sort=province_code&order=asc', 'sort=state&order=desc', 'sort=severity&order=asc', 'sort=opened_at&order=asc', '']) {
      const seen: typeof all = [];
      let before = '';
      for (let guard = 0; guard < 10; guard++) {
        const r = await h.app.inject({ method: 'GET', url: `/api/v1/cases?limit=2&${query}${before ? `&before=${before}` : ''}`, headers: reporter.headers });
        assert.equal(r.statusCode, 200, r.body);
        seen.push(...r.json().items);
        before = r.json().next;
        if (!before) break;
      }
      assert.deepEqual(seen.map((c) => c.id).sort(), all.map((c) => c.id).sort(), `every case once for ${query}`);
      if (query.startsWith('sort=province_code')) assert.deepEqual(seen.map((c) => c.province_code), [null, null, null, '110000', '110000']);
      if (query === '') assert.deepEqual(seen.map((c) => c.id), all.map((c) => c.id), 'newest first by default');
      if (query.startsWith('sort=opened_at')) assert.deepEqual(seen.map((c) => c.id), all.map((c) => c.id).reverse());
    }
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/cases?sort=title', headers: reporter.headers });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, '/querystring/sort');
  });

  test('evidence is content-addressed, cited by hash and readable by the regulator of the province, with the read audited', async () => {
    const content = Buffer.from(`pcap bytes ${Date.now()}`);
    const up = await h.app.inject({ method: 'POST', url: '/api/v1/evidence?name=capture.pcap', headers: { ...unit.headers, 'content-type': 'application/vnd.tcpdump.pcap' }, payload: content });
    assert.equal(up.statusCode, 201, up.body);
    const { sha256 } = up.json();
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/evidence', headers: { ...unit.headers, 'content-type': 'application/octet-stream' }, payload: content });
    assert.equal(again.json().sha256, sha256);
    assert.equal(again.json().created, false);
    const json = await h.app.inject({ method: 'POST', url: '/api/v1/evidence?name=headers.json', headers: { ...unit.headers, 'content-type': 'application/json' }, payload: '{"not": "parsed"}' });
    assert.equal(json.statusCode, 201, json.body);
    assert.equal(json.json().media_type, 'application/json');
    const notYours = await post(other, report({ evidence_sha256: [sha256] }));
    assert.equal(notYours.statusCode, 400);
    const r = await post(unit, report({ evidence_sha256: [sha256] }));
    assert.equal(r.statusCode, 201);
    const got = await h.app.inject({ method: 'GET', url: `/api/v1/evidence/${sha256}`, headers: gd.headers });
    assert.equal(got.statusCode, 200);
    assert.equal(got.body, content.toString());
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/evidence/${sha256}`, headers: other.headers })).statusCode, 404);
    const trail = await h.c.audit.forObject('evidence', sha256);
    assert.ok(trail.some((e) => e.action === 'evidence.read' && e.actor_org_id === gd.id));
  });

  test('the affected party contact is redacted for no one entitled... and kept for the regulator', async () => {
    const r = await post(unit, report({ affected_party: { name: '某医院', kind: 'critical_information_infrastructure', contact: '李四 13800138000' } }));
    const id = r.json().id;
    const asGd = (await h.app.inject({ method: 'GET', url: `/api/v1/reports/${id}`, headers: gd.headers })).json();
    assert.equal(asGd.affected_party.contact, '李四 13800138000');
    assert.equal(asGd.org_id, unit.id);
  });
});
