import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { indicatorsRepository } from './indicators.repository.js';

describe(`indicator store and lookups (${dbLabel})`, () => {
  let h: Harness;
  let vendor: TestOrg;
  let cloud: TestOrg;
  let unrelated: TestOrg;
  let ministry: TestOrg;
  let gd: TestOrg;
  let bj: TestOrg;
  let cncert: TestOrg;
  const stamp = Date.now();
  const cloudSuffix = `cloud-${stamp}.cn`;

  before(async () => {
    h = await startHarness();
    vendor = await makeOrg(h.c, 'security_vendor');
    cloud = await makeOrg(h.c, 'internet_company', { scopes: [{ kind: 'domain_suffix', value: cloudSuffix }, { kind: 'cidr', value: '120.238.23.0/24' }] });
    unrelated = await makeOrg(h.c, 'internet_company', { province_code: '310000' });
    ministry = await makeOrg(h.c, 'regulator_national');
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    bj = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    cncert = await makeOrg(h.c, 'professional_institution');
  });
  after(() => h.close());

  const submit = async (org: TestOrg, observables: { type: string; value: string }[], tlp = 'amber', extra: Record<string, unknown> = {}) => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: org.headers,
      payload: { category: 'malicious_resource', subtype: 'botnet_c2', title: 't', discovered_at: new Date().toISOString(), tlp, observables, ...extra },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json();
  };
  const lookup = async (org: TestOrg, value: string) => (await h.app.inject({ method: 'GET', url: `/api/v1/indicators/lookup?value=${encodeURIComponent(value)}`, headers: org.headers })).json();

  test('enriches an IP with province and operator, and a declared scope names the responsible unit', async () => {
    await submit(vendor, [{ type: 'ipv4', value: '120.238.23.168' }]);
    const row = await h.c.handle.db.selectFrom('indicators').selectAll().where('type', '=', 'ipv4').where('value', '=', '120.238.23.168').executeTakeFirstOrThrow();
    assert.equal(String(row.province_code).trim(), '440000');
    assert.equal(row.operator, 'china_mobile');
  });

  test('a declared domain suffix names the responsible unit for names below it', async () => {
    const r = await submit(vendor, [{ type: 'domain', value: `evil.${cloudSuffix}` }, { type: 'url', value: `https://files.${cloudSuffix}/x.apk` }]);
    const rows = await h.c.handle.db.selectFrom('indicators').select(['value', 'responsible_org_id']).where('id', 'in', r.observables.map((o: { indicator_id: string }) => Number(o.indicator_id))).execute();
    assert.equal(rows.length, 2);
    assert.ok(rows.every((x) => x.responsible_org_id === cloud.id));
  });

  test('lookups of values outside the hot cache that arrive together share one query; one alone asks the plain probe', async () => {
    const values = Array.from({ length: 12 }, (_, i) => `together-${i}-${stamp}.example-threat.com`);
    await submit(vendor, [...values, `alone-${stamp}.example-threat.com`].map((value) => ({ type: 'domain', value })), 'green');
    const p = (await h.c.auth.authenticateToken(unrelated.token))!;
    const calls = { rowsOf: 0, getByValue: 0 };
    const { rowsOf, getByValue } = indicatorsRepository;
    indicatorsRepository.rowsOf = (...a: Parameters<typeof rowsOf>) => (calls.rowsOf++, rowsOf.apply(indicatorsRepository, a));
    indicatorsRepository.getByValue = (...a: Parameters<typeof getByValue>) => (calls.getByValue++, getByValue.apply(indicatorsRepository, a));
    try {
      const queries = h.c.indicators.probeQueries;
      // Written by this process, not asked yet: in the filter, not in the hot cache. The same value twice, and one never stored.
      const asked = [...values, values[0].toUpperCase(), `never-${stamp}.example-threat.com`];
      const answers = await Promise.all(asked.map((v) => h.c.indicators.lookup(p, v)));
      assert.deepEqual(answers.map((a) => a.known), [...values.map(() => true), true, false]);
      assert.deepEqual(answers.map((a) => a.value), [...values, values[0], `never-${stamp}.example-threat.com`]);
      assert.ok(h.c.indicators.probeQueries - queries === 1 && calls.rowsOf === 1 && calls.getByValue === 0, `one query for all of them: ${JSON.stringify(calls)}`);
      assert.equal((await h.c.indicators.lookup(p, values[3])).known, true);
      assert.equal(calls.rowsOf + calls.getByValue, 1, 'then they are cached');
      assert.equal((await h.c.indicators.lookup(p, `alone-${stamp}.example-threat.com`)).known, true);
      assert.equal(calls.getByValue, 1, 'a value asked alone: the plain query');
    } finally {
      Object.assign(indicatorsRepository, { rowsOf, getByValue });
    }
  });

  test('lookup normalizes what it is asked and answers with category, status and province', async () => {
    const name = `Lookup-${stamp}.Example-Threat.com`;
    await submit(vendor, [{ type: 'domain', value: name }], 'green');
    const l = await lookup(unrelated, `${name.toUpperCase()}.`);
    assert.equal(l.known, true);
    assert.equal(l.type, 'domain');
    assert.equal(l.value, name.toLowerCase());
    assert.equal(l.indicator.category, 'malicious_resource');
    assert.equal(l.indicator.status, 'active');
    const unknown = await lookup(unrelated, `never-${stamp}.example.org`);
    assert.equal(unknown.known, false);
    const bad = await lookup(unrelated, '10.0.0.1');
    assert.equal(bad.known, false);
    assert.equal(bad.error.code, 'not_public');
  });

  test('TLP decides who learns an amber indicator: reporter, regulators and institutions yes, an unrelated unit no', async () => {
    const name = `amber-${stamp}.example-threat.com`;
    await submit(vendor, [{ type: 'domain', value: name }], 'amber');
    assert.equal((await lookup(vendor, name)).known, true);
    assert.equal((await lookup(ministry, name)).known, true);
    assert.equal((await lookup(cncert, name)).known, true);
    assert.equal((await lookup(unrelated, name)).known, false);
  });

  test('a provincial regulator sees amber indicators of its own province only', async () => {
    const ip = '58.222.86.210'; // Jiangsu
    await submit(vendor, [{ type: 'ipv4', value: ip }], 'red');
    const gdIp = '120.238.23.168';
    await submit(vendor, [{ type: 'ipv4', value: gdIp }], 'red');
    assert.equal((await lookup(bj, ip)).known, false);
    const gdSees = await lookup(gd, gdIp);
    assert.equal(gdSees.known, true);
    assert.equal(gdSees.indicator.province_code, '440000');
    assert.equal((await lookup(bj, `nothing-${stamp}.example.org`)).known, false);
  });

  test('batch lookup answers 10,000 values in one call and counts the known ones', async () => {
    const names = Array.from({ length: 3 }, (_, i) => `batch-${i}-${stamp}.example-threat.com`);
    await submit(vendor, names.map((value) => ({ type: 'domain', value })), 'green');
    const values = [...names, ...Array.from({ length: 9997 }, (_, i) => `unknown-${i}-${stamp}.example.org`)];
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/indicators/lookup', headers: unrelated.headers, payload: { values } });
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assert.equal(body.results.length, 10000);
    assert.equal(body.known, 3);
    const tooMany = await h.app.inject({ method: 'POST', url: '/api/v1/indicators/lookup', headers: unrelated.headers, payload: { values: [...values, 'x.org'] } });
    assert.equal(tooMany.statusCode, 400);
    assert.equal(tooMany.json().field, '/values');
  });

  test('a noticed unit does not learn who reported unless the reporter agreed', async () => {
    const name = `anon-${stamp}.${cloudSuffix}`;
    const r = await submit(vendor, [{ type: 'domain', value: name }], 'green');
    const id = r.observables[0].indicator_id;
    const asCloud = (await h.app.inject({ method: 'GET', url: `/api/v1/indicators/${id}`, headers: cloud.headers })).json();
    assert.equal(asCloud.reporters[0].org_id, null);
    const asMinistry = (await h.app.inject({ method: 'GET', url: `/api/v1/indicators/${id}`, headers: ministry.headers })).json();
    assert.equal(asMinistry.reporters[0].org_id, vendor.id);
    const named = `named-${stamp}.${cloudSuffix}`;
    const r2 = await submit(vendor, [{ type: 'domain', value: named }], 'green', { disclose_reporter: true });
    const asCloud2 = (await h.app.inject({ method: 'GET', url: `/api/v1/indicators/${r2.observables[0].indicator_id}`, headers: cloud.headers })).json();
    assert.equal(asCloud2.reporters[0].org_id, vendor.id);
  });

  test('the index follows writes of another process (polling the safe watermark)', async () => {
    if (h.c.handle.kind !== 'postgres') return; // PGlite has one process by construction
    const name = `poll-${stamp}.example-threat.com`;
    const before = (await h.c.indicators.find('domain', name));
    assert.equal(before, undefined);
    // Write directly, as another server process would, then poll.
    await h.c.handle.db.insertInto('indicators').values({ type: 'domain', value: name, category: 'malicious_resource', subtype: 'other', first_seen: new Date(), last_seen: new Date(), hash_algorithm: null, province_code: null, operator: null, responsible_org_id: null, valid_until: null, tlp: 'clear' }).execute();
    await h.c.indicators.pollOnce();
    assert.equal((await h.c.indicators.find('domain', name))?.tlp, 'clear');
  });

  test('answers from the database while the lookup filter is being built, and a rebuilt filter knows every stored value', async () => {
    const name = `filter-${stamp}.example-threat.com`;
    await submit(vendor, [{ type: 'domain', value: name }], 'green');
    h.c.indicators.index.clear();
    assert.equal(h.c.indicators.index.ready, false);
    assert.equal((await lookup(unrelated, name)).known, true, 'no filter yet: the unique index answers');
    assert.equal((await lookup(unrelated, `absent-${stamp}.example-threat.com`)).known, false);
    const batch = (await h.app.inject({ method: 'POST', url: '/api/v1/indicators/lookup', headers: unrelated.headers, payload: { values: [name, `absent-${stamp}.example-threat.com`] } })).json();
    assert.deepEqual(batch.results.map((r: { known: boolean }) => r.known), [true, false]);
    // Counted before the rebuild: other files add rows to a shared PostgreSQL meanwhile, which a
    // count taken after the scan would hold against it.
    const stored = Number((await h.c.handle.db.selectFrom('indicators').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    await h.c.indicators.load();
    assert.equal(h.c.indicators.index.ready, true);
    assert.equal(h.c.indicators.index.mightContain('domain', name), true, 'the scan put the stored value in the filter');
    assert.ok(h.c.indicators.index.size >= stored * 0.99);
    assert.equal((await lookup(unrelated, name)).known, true);
    assert.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).json().lookup_filter, 'ready');
  });

  test('search pages by keyset and filters by type', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/indicators?type=domain&limit=2', headers: ministry.headers });
    const body = r.json();
    assert.equal(body.items.length, 2);
    assert.ok(body.items.every((x: { type: string }) => x.type === 'domain'));
    const next = await h.app.inject({ method: 'GET', url: `/api/v1/indicators?type=domain&limit=2&before_id=${body.next_before_id}`, headers: ministry.headers });
    assert.ok(next.json().items.every((x: { id: string }) => Number(x.id) < body.next_before_id));
  });

  test('search finds any part of a value in any case, and a defanged query finds the live value', async () => {
    const name = `portal-${stamp}.searchable-threat.com`;
    await submit(vendor, [{ type: 'domain', value: name }, { type: 'url', value: `http://${name}/Login.php` }], 'green');
    const search = async (q: string) =>
      ((await h.app.inject({ method: 'GET', url: `/api/v1/indicators?q=${encodeURIComponent(q)}`, headers: ministry.headers })).json().items as { value: string }[]).map((x) => x.value).sort();
    assert.deepEqual(await search(`${stamp}.SEARCHABLE`), [name, `http://${name}/Login.php`].sort());
    assert.deepEqual(await search('login.PHP'), [`http://${name}/Login.php`].filter((v) => v.includes(String(stamp))).concat((await search('login.PHP')).filter((v) => !v.includes(String(stamp)))).sort());
    assert.ok((await search(`${stamp}[.]searchable-threat[.]com`)).includes(name));
    assert.ok((await search(`hxxp://${name.replace(/\./g, '[.]')}`)).includes(`http://${name}/Login.php`));
    assert.deepEqual(await search(`no-such-${stamp}`), []);
    // The submitted defanged value is stored live, so a reporter may paste it as it is written.
    const r = await submit(vendor, [{ type: 'domain', value: `defanged-${stamp}[.]searchable-threat[.]com` }], 'green');
    assert.equal(r.observables[0].value ?? (await lookup(ministry, `defanged-${stamp}.searchable-threat.com`)).value, `defanged-${stamp}.searchable-threat.com`);
  });

  test('an import leaves its values to the search backlog, and search finds them before and after the index takes them', async () => {
    const names = [`Bulk-${stamp}.Backlog-Search.com`, `http://bulk-${stamp}.backlog-search.com/Drop.EXE`, `bulk2-${stamp}.backlog-search.net`];
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/imports?format=lines&category=malicious_resource&subtype=phishing_site&tlp=green',
      headers: { ...vendor.headers, 'content-type': 'text/plain' },
      payload: names.join('\n') + '\n',
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().accepted, 3);
    const ids = (await h.c.handle.db.selectFrom('indicators').select('id').where('value', 'like', `%${stamp}.backlog-search.%`).execute()).map((x) => Number(x.id));
    assert.equal(ids.length, 3);
    const indexed = () => h.c.handle.db.selectFrom('indicator_search').select('id').where('id', 'in', ids).execute();
    // The import wrote no trigram entry: its ids wait in the backlog, inside its own transaction.
    assert.deepEqual(await indexed(), []);
    const queuedRun = async () => {
      const queued = await h.c.handle.db.selectFrom('indicator_search_backlog').selectAll().execute();
      return ids.map((id) => queued.some((b) => Number(b.first_id) <= id && id <= Number(b.last_id)));
    };
    assert.deepEqual(await queuedRun(), [true, true, true], 'every new id is in a backlog run');

    const search = async (q: string) =>
      ((await h.app.inject({ method: 'GET', url: `/api/v1/indicators?q=${encodeURIComponent(q)}`, headers: ministry.headers })).json().items as { value: string }[]).map((x) => x.value).sort();
    const expected = [`bulk-${stamp}.backlog-search.com`, `http://bulk-${stamp}.backlog-search.com/Drop.EXE`].sort();
    assert.deepEqual(await search(`BULK-${stamp}.backlog-SEARCH.COM`), expected);

    assert.ok((await h.c.indicators.indexSearchBacklog()) >= 3);
    assert.equal((await indexed()).length, 3);
    // Other files' imports queue their own ids meanwhile on a shared PostgreSQL: what is asked is that none of these waits any more.
    assert.deepEqual(await queuedRun(), [false, false, false], 'no backlog run holds an id of the import');
    assert.deepEqual(await search(`BULK-${stamp}.backlog-SEARCH.COM`), expected);
    assert.deepEqual(await search(`drop.exe`).then((v) => v.filter((x) => x.includes(String(stamp)))), [`http://bulk-${stamp}.backlog-search.com/Drop.EXE`]);
    // A single report's new value takes the same way (the upsert queues what it inserted).
    await submit(vendor, [{ type: 'domain', value: `single-${stamp}.backlog-search.org` }], 'green');
    assert.ok((await h.c.indicators.searchBacklog()) >= 1);
    assert.deepEqual(await search(`SINGLE-${stamp}`), [`single-${stamp}.backlog-search.org`]);
    await h.c.indicators.indexSearchBacklog();
    assert.deepEqual(await search(`SINGLE-${stamp}`), [`single-${stamp}.backlog-search.org`]);
  });
});
