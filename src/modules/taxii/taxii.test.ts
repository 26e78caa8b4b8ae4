import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { createStixValidator } from '../stix/stix-schema-validator.js';
import { TLP2_MARKING_IDS } from '../stix/stix-markings.js';
import type { StixObject } from '../stix/stix.types.js';
import { pageSql, renderedPageSql } from './taxii.repository.js';

const TAXII = 'application/taxii+json;version=2.1';
const ROOT = '/taxii2/threatshare';
const validator = createStixValidator();

function assertValidStix(objects: StixObject[]): void {
  for (const o of objects) assert.deepEqual(validator.validate(o), [], `${o.type} ${o.id}`);
}

const stamp = (ms: number) => new Date(Date.UTC(2024, 0, 1) + ms).toISOString();

function malware(name: string, overrides: Record<string, unknown> = {}): StixObject {
  return {
    type: 'malware',
    spec_version: '2.1',
    id: `malware--${randomUUID()}`,
    created: stamp(0),
    modified: stamp(0),
    name,
    is_family: true,
    ...overrides,
  };
}

function indicator(pattern: string, overrides: Record<string, unknown> = {}): StixObject {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: stamp(0),
    modified: stamp(0),
    pattern,
    pattern_type: 'stix',
    valid_from: stamp(0),
    ...overrides,
  };
}

describe(`TAXII 2.1 server (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let guangdong: TestOrg;
  let beijing: TestOrg;
  let vendor: TestOrg;
  let other: TestOrg;
  let auditorOnly: TestOrg;
  let ids: Record<string, string>;

  before(async () => {
    // A database of its own: every page ends at the horizon of the writers in flight (after a wait
    // of HORIZON_WAIT_MS), and on a shared PostgreSQL another file's long writer (a 200,000-row
    // COPY) keeps it behind the objects this suite has just posted and expects on the page.
    h = await startFreshHarness('taxii');
    ministry = await makeOrg(h.c, 'regulator_national');
    guangdong = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    beijing = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    vendor = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    other = await makeOrg(h.c, 'internet_company', { province_code: '110000' });
    auditorOnly = await makeOrg(h.c, 'security_vendor', { roles: ['auditor'] });
    const r = await get(ministry, `${ROOT}/collections/`);
    ids = Object.fromEntries(r.json().collections.map((c: { alias?: string; id: string }) => [c.alias ?? c.id, c.id]));
  });
  after(() => h.close());

  function get(org: TestOrg | null, url: string, headers: Record<string, string> = {}) {
    return h.app.inject({ method: 'GET', url, headers: { accept: TAXII, ...(org ? org.headers : {}), ...headers } });
  }
  function post(org: TestOrg, collection: string, objects: unknown[], headers: Record<string, string> = {}) {
    return h.app.inject({
      method: 'POST',
      url: `${ROOT}/collections/${collection}/objects/`,
      headers: { accept: TAXII, 'content-type': TAXII, ...org.headers, ...headers },
      payload: JSON.stringify({ objects }),
    });
  }
  function basic(org: TestOrg): Record<string, string> {
    const token = org.headers.authorization.slice('Bearer '.length);
    return { authorization: `Basic ${Buffer.from(`taxii-client:${token}`).toString('base64')}` };
  }
  /** Follows `next` to the end; returns every object and the number of pages. */
  async function readAll(org: TestOrg, url: string): Promise<{ objects: StixObject[]; pages: number }> {
    const objects: StixObject[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const r = await get(org, next ? `${url}${sep}next=${encodeURIComponent(next)}` : url);
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json();
      objects.push(...(body.objects ?? []));
      next = body.more ? body.next : undefined;
      if (body.more) assert.ok(body.next, 'more pages come with next');
      pages++;
    } while (next);
    return { objects, pages };
  }

  test('discovery, API root and collections: what a client asks first, with Basic or Bearer', async () => {
    const d = await get(null, '/taxii2/', basic(vendor));
    assert.equal(d.statusCode, 200, d.body);
    assert.equal(d.headers['content-type'], TAXII);
    assert.deepEqual(d.json().api_roots, [d.json().default]);
    assert.match(d.json().default, /\/taxii2\/threatshare\/$/);

    const root = await get(vendor, `${ROOT}/`);
    assert.equal(root.statusCode, 200);
    assert.deepEqual(root.json().versions, [TAXII]);
    assert.equal(root.json().max_content_length, h.config.importLimit);

    const list = await get(vendor, `${ROOT}/collections/`);
    const cols = list.json().collections as { id: string; alias?: string; can_read: boolean; can_write: boolean; media_types: string[] }[];
    assert.deepEqual(cols.map((c) => c.alias ?? c.id), ['public', 'tlp-green', 'tlp-amber', 'tlp-amber-strict', 'tlp-red', `org-${cols[5].alias?.slice(4)}`]);
    assert.equal(cols[5].id, vendor.id, "the unit's own collection has its id");
    assert.deepEqual(cols.map((c) => [c.can_read, c.can_write]), [[true, false], [true, true], [false, true], [false, true], [false, true], [true, true]]);
    assert.deepEqual(cols[0].media_types, ['application/stix+json;version=2.1']);

    const one = await get(guangdong, `${ROOT}/collections/${ids['province-440000']}/`);
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().can_read, true);
  });

  test('no credentials, a bad token, a refused Accept or body type: TAXII error messages', async () => {
    const anon = await get(null, `${ROOT}/collections/`);
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.headers['content-type'], TAXII);
    assert.match(String(anon.headers['www-authenticate']), /Basic/);
    assert.equal(anon.json().http_status, '401');
    assert.ok(anon.json().title);

    const bad = await get(null, `${ROOT}/collections/`, { authorization: `Basic ${Buffer.from('x:not-a-token').toString('base64')}` });
    assert.equal(bad.statusCode, 401);

    for (const accept of ['application/json', 'application/taxii+json;version=2.0', 'text/html']) {
      const r = await get(vendor, `${ROOT}/collections/`, { accept });
      assert.equal(r.statusCode, 406, accept);
      assert.equal(r.json().http_status, '406');
    }
    const wrongBody = await post(vendor, ids['tlp-green'], [malware('x')], { 'content-type': 'application/json' });
    assert.equal(wrongBody.statusCode, 415);
    assert.equal(wrongBody.json().http_status, '415');
    const oldVersion = await post(vendor, ids['tlp-green'], [malware('x')], { 'content-type': 'application/taxii+json;version=2.0' });
    assert.equal(oldVersion.statusCode, 415);

    const missing = await get(vendor, `${ROOT}/collections/${randomUUID()}/`);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().http_status, '404');
    const noRoute = await get(vendor, `${ROOT}/nothing-here/`);
    assert.equal(noRoute.statusCode, 404);
    assert.equal(noRoute.headers['content-type'], TAXII);
  });

  test('POST objects answers 202 with a status resource that can be polled; invalid objects fail with the reason', async () => {
    const good = indicator("[ipv4-addr:value = '120.238.23.200' OR domain-name:value = 'c2.taxii-post-example.com']");
    const family = malware('PostedFamily');
    const broken = indicator('[ipv4-addr:value = ');
    const amber = malware('AmberOne', { object_marking_refs: [TLP2_MARKING_IDS.amber] });
    const r = await post(vendor, ids['tlp-green'], [good, family, broken, amber]);
    assert.equal(r.statusCode, 202, r.body);
    assert.equal(r.headers['content-type'], TAXII);
    const status = r.json();
    assert.equal(status.status, 'complete');
    assert.equal(status.total_count, 4);
    assert.equal(status.success_count, 2);
    assert.equal(status.failure_count, 2);
    assert.equal(status.pending_count, 0);
    assert.deepEqual(status.successes.map((s: { id: string }) => s.id).sort(), [good.id, family.id].sort());
    const reasons = Object.fromEntries(status.failures.map((f: { id: string; message: string }) => [f.id, f.message]));
    assert.match(reasons[broken.id], /pattern/);
    assert.match(reasons[amber.id], /TLP:AMBER/);

    const polled = await get(vendor, `${ROOT}/status/${status.id}/`);
    assert.equal(polled.statusCode, 200);
    assert.deepEqual(polled.json(), status);
    assert.equal((await get(other, `${ROOT}/status/${status.id}/`)).statusCode, 404, "another organization does not see the status");

    // The simple pattern became observables of the indicator store.
    const ind = await h.c.handle.db.selectFrom('indicators').select(['type', 'tlp']).where('value', 'in', ['c2.taxii-post-example.com', '120.238.23.200']).orderBy('type').execute();
    assert.deepEqual(ind, [{ type: 'domain', tlp: 'green' }, { type: 'ipv4', tlp: 'green' }]);
  });

  test('objects page by page with next, every object once, in date_added order, valid STIX', async () => {
    const posted = Array.from({ length: 25 }, (_, i) => malware(`Paged-${i}`));
    for (let i = 0; i < posted.length; i += 5) assert.equal((await post(vendor, vendor.id, posted.slice(i, i + 5))).statusCode, 202);

    const first = await get(vendor, `${ROOT}/collections/${vendor.id}/objects/?limit=10&match[type]=malware`);
    assert.equal(first.statusCode, 200);
    assert.equal(first.json().more, true);
    assert.equal(first.json().objects.length, 10);
    assert.ok(first.headers['x-taxii-date-added-first']);
    assert.ok(String(first.headers['x-taxii-date-added-first']) <= String(first.headers['x-taxii-date-added-last']));

    const { objects, pages } = await readAll(vendor, `${ROOT}/collections/${vendor.id}/objects/?limit=10&match[type]=malware`);
    assert.equal(pages, 3);
    const names = objects.map((o) => o.name);
    assert.deepEqual(names.filter((n) => String(n).startsWith('Paged-')), posted.map((o) => o.name), 'in the order they were added, none twice');
    assertValidStix(objects);

    const forged = await get(vendor, `${ROOT}/collections/${vendor.id}/objects/?next=${first.json().next.slice(0, -2)}xx`);
    assert.equal(forged.statusCode, 400);
    const reused = await get(vendor, `${ROOT}/collections/${ids['tlp-green']}/objects/?next=${encodeURIComponent(first.json().next)}`);
    assert.equal(reused.statusCode, 400, 'a cursor is bound to its collection');

    // added_after: only what was added after the last page's last date.
    const last = String(first.headers['x-taxii-date-added-last']);
    const later = await readAll(vendor, `${ROOT}/collections/${vendor.id}/objects/?match[type]=malware&added_after=${last}`);
    assert.ok(later.objects.length >= 15 && later.objects.length <= 25);
    assert.ok(later.objects.every((o) => !first.json().objects.slice(0, 1).some((f: StixObject) => f.id === o.id)));

    const byId = await get(vendor, `${ROOT}/collections/${vendor.id}/objects/?match[id]=${posted[3].id},${posted[7].id}`);
    assert.deepEqual(byId.json().objects.map((o: StixObject) => o.id).sort(), [posted[3].id, posted[7].id].sort());
    const spec = await get(vendor, `${ROOT}/collections/${vendor.id}/objects/?match[spec_version]=2.0&match[type]=malware`);
    assert.equal(spec.json().objects, undefined);
    assert.equal(spec.json().more, false);
  });

  test('object by id, versions and manifest: a newer modified supersedes, every version is kept', async () => {
    const v1 = malware('Versioned', { created: stamp(1000), modified: stamp(1000) });
    const v2 = { ...v1, modified: stamp(2000), description: 'second version' };
    assert.equal((await post(vendor, vendor.id, [v1])).statusCode, 202);
    assert.equal((await post(vendor, vendor.id, [v2])).statusCode, 202);
    const again = await post(vendor, vendor.id, [v1]);
    assert.equal(again.json().success_count, 1, 're-posting a stored version succeeds and stores nothing');

    const base = `${ROOT}/collections/${vendor.id}/objects/${v1.id}/`;
    const latest = await get(vendor, base);
    assert.equal(latest.statusCode, 200);
    assert.deepEqual(latest.json().objects, [v2]);
    assert.deepEqual((await get(vendor, `${base}?match[version]=first`)).json().objects, [v1]);
    assert.deepEqual((await get(vendor, `${base}?match[version]=all`)).json().objects, [v1, v2]);
    assert.deepEqual((await get(vendor, `${base}?match[version]=${stamp(1000)}`)).json().objects, [v1]);

    const versions = await get(vendor, `${base}versions/`);
    assert.equal(versions.statusCode, 200);
    assert.deepEqual(versions.json().versions.map((v: string) => Date.parse(v)), [Date.parse(stamp(1000)), Date.parse(stamp(2000))]);
    assert.ok(versions.headers['x-taxii-date-added-last']);
    const stored = await h.c.handle.db.selectFrom('stix_objects').select(['superseded']).where('id', '=', v1.id).orderBy('version').execute();
    assert.deepEqual(stored.map((s) => s.superseded), [true, false]);

    const manifest = await get(vendor, `${ROOT}/collections/${vendor.id}/manifest/?match[id]=${v1.id}&match[version]=all`);
    assert.equal(manifest.statusCode, 200);
    const entries = manifest.json().objects;
    assert.equal(entries.length, 2);
    for (const e of entries) {
      assert.equal(e.id, v1.id);
      assert.equal(e.media_type, 'application/stix+json;version=2.1');
      assert.match(e.date_added, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    }
    assert.equal((await get(vendor, `${ROOT}/collections/${vendor.id}/objects/malware--${randomUUID()}/`)).statusCode, 404);
  });

  test('indicators from intake are served in the collections of their audience, as valid STIX', async () => {
    const value = `intake-${Date.now()}.example-threat.com`;
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: vendor.headers,
      payload: { category: 'malicious_resource', subtype: 'phishing_site', title: '钓鱼网站', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'green', observables: [{ type: 'domain', value }] },
    });
    assert.equal(r.statusCode, 201, r.body);
    const found = await readAll(other, `${ROOT}/collections/${ids['tlp-green']}/objects/?match[type]=indicator,domain-name,relationship&limit=500`);
    const ind = found.objects.find((o) => o.type === 'indicator' && String(o.pattern).includes(value));
    assert.ok(ind, 'the derived indicator is in tlp-green');
    assert.equal(ind.pattern, `[domain-name:value = '${value}']`);
    assert.deepEqual(ind.object_marking_refs, [TLP2_MARKING_IDS.green]);
    assert.ok(found.objects.some((o) => o.type === 'domain-name' && o.value === value));
    assert.ok(found.objects.some((o) => o.type === 'relationship' && o.source_ref === ind.id));
    assertValidStix(found.objects);
    // The definitions a consumer needs are in every collection.
    const defs = await get(other, `${ROOT}/collections/${ids['tlp-green']}/objects/?match[type]=marking-definition,extension-definition,identity&limit=100`);
    const types = new Set(defs.json().objects.map((o: StixObject) => o.type));
    assert.ok(types.has('marking-definition') && types.has('extension-definition') && types.has('identity'));
    assertValidStix(defs.json().objects);
  });

  test('refuses what a principal may not read or write', async () => {
    const objects = `${ROOT}/collections/${ids['tlp-amber']}/objects/`;
    const amberRead = await get(vendor, objects);
    assert.equal(amberRead.statusCode, 403);
    assert.equal(amberRead.json().http_status, '403');
    assert.equal((await get(ministry, objects)).statusCode, 200);
    assert.equal((await post(vendor, ids.public, [malware('not public')])).statusCode, 403);
    assert.equal((await post(ministry, ids.public, [malware('published', { object_marking_refs: [TLP2_MARKING_IDS.clear] })])).statusCode, 202);
    // A collection the principal may neither read nor write does not exist for it (404, never 403).
    assert.equal((await get(vendor, `${ROOT}/collections/${ids['province-440000']}/objects/`)).statusCode, 404);
    assert.equal((await get(beijing, `${ROOT}/collections/${ids['province-440000']}/objects/`)).statusCode, 404);
    assert.equal((await get(other, `${ROOT}/collections/${vendor.id}/objects/`)).statusCode, 404);
    assert.equal((await post(other, vendor.id, [malware('into another org')])).statusCode, 404);
    const hidden = await h.app.inject({ method: 'DELETE', url: `${ROOT}/collections/${vendor.id}/objects/indicator--00000000-0000-4000-8000-000000000000/`, headers: { accept: TAXII, ...other.headers } });
    assert.equal(hidden.statusCode, 404, hidden.body);
    assert.equal((await post(auditorOnly, ids['tlp-green'], [malware('auditors do not share')])).statusCode, 403);

    // Guangdong's administration reads everything of its province, at any TLP.
    const amberInGd = malware('AmberInGuangdong', { object_marking_refs: [TLP2_MARKING_IDS.amber] });
    const amberPost = await post(vendor, ids['tlp-amber'], [amberInGd]);
    assert.equal(amberPost.statusCode, 202, amberPost.body);
    const gd = await get(guangdong, `${ROOT}/collections/${ids['province-440000']}/objects/?match[id]=${amberInGd.id}`);
    assert.equal(gd.statusCode, 200);
    assert.deepEqual(gd.json().objects, [amberInGd]);
  });

  test('DELETE removes what the organization shared, and nothing else', async () => {
    const mine = malware('ToDelete');
    assert.equal((await post(vendor, ids['tlp-green'], [mine])).statusCode, 202);
    const url = `${ROOT}/collections/${ids['tlp-green']}/objects/${mine.id}/`;
    const del = (org: TestOrg, u = url) => h.app.inject({ method: 'DELETE', url: u, headers: { accept: TAXII, ...org.headers } });
    assert.equal((await del(other)).statusCode, 403, 'not the owner');
    const ok = await del(vendor);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await get(vendor, url)).statusCode, 404);
    assert.equal((await del(vendor)).statusCode, 404);

    const derived = await readAll(vendor, `${ROOT}/collections/${ids['tlp-green']}/objects/?match[type]=indicator&limit=1000`);
    const platformIndicator = derived.objects.find((o) => o.created_by_ref !== undefined && String(o.id).startsWith('indicator--'));
    assert.ok(platformIndicator);
    assert.equal((await del(ministry, `${ROOT}/collections/${ids['tlp-green']}/objects/${platformIndicator.id}/`)).statusCode, 403, 'derived records are withdrawn through their workflow');
  });

  test('the page SQL is keyset on (date_added, seq) per audience, never OFFSET (snapshot)', () => {
    const compiled = pageSql({
      audience: { kind: 'organization', org_id: '00000000-0000-4000-8000-000000000000' },
      after: { at: '2024-01-01T00:00:00.000000Z', src: 0, n: 1, k: 0 },
      added_after: null,
      horizon: null,
      ids: null,
      types: null,
      versions: { all: false, last: true, first: false, timestamps: [] },
      spec_versions: null,
      limit: 1001,
    }).compile(h.c.handle.db);
    const normalized = compiled.sql.replace(/\s+/g, ' ').trim();
    assert.equal(
      normalized,
      'WITH k AS (SELECT seq, date_added FROM ((SELECT o.seq, o.date_added FROM stix_objects o WHERE o.owner_org_id = $1::uuid AND (o.date_added, o.seq) > ($2::timestamptz, $3::bigint) AND (NOT o.superseded) ORDER BY o.date_added, o.seq LIMIT $4) UNION (SELECT o.seq, o.date_added FROM stix_objects o WHERE o.responsible_org_id = $5::uuid AND o.tlp IN (\'clear\', \'green\', \'amber\') AND (o.date_added, o.seq) > ($6::timestamptz, $7::bigint) AND (NOT o.superseded) ORDER BY o.date_added, o.seq LIMIT $8) UNION (SELECT o.seq, o.date_added FROM stix_objects o WHERE o.source = \'definition\' AND (o.date_added, o.seq) > ($9::timestamptz, $10::bigint) AND (NOT o.superseded) ORDER BY o.date_added, o.seq LIMIT $11)) u ORDER BY date_added, seq LIMIT $12) SELECT s.seq, s.id, s.type, to_char(s.date_added AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') AS date_added, to_char(coalesce(s.version, s.date_added) AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') AS version, s.tlp, s.json FROM k JOIN stix_objects s ON s.seq = k.seq ORDER BY k.date_added, k.seq',
    );
    assert.doesNotMatch(normalized, /OFFSET/i);
  });

  test('the rendered page SQL is keyset on (updated_at, id) of indicators per audience, never OFFSET (snapshot)', () => {
    const compiled = renderedPageSql({
      audience: { kind: 'tlp', tlp: 'amber' },
      after: { at: '2024-01-01T00:00:00.000000Z', src: 1, n: 7, k: 1 },
      added_after: null,
      horizon: '2024-01-02T00:00:00.000000Z',
      row_ids: null,
      kinds: [{ type: 'domain' }, { type: 'cidr', family: 'v4' }],
      version_timestamps: null,
      limit: 1002,
    }).compile(h.c.handle.db);
    const normalized = compiled.sql.replace(/\s+/g, ' ').trim();
    assert.equal(
      normalized,
      "WITH k AS (SELECT id, updated_at FROM ((SELECT i.id, i.updated_at FROM indicators i WHERE i.tlp = 'amber' AND (i.updated_at, i.id) >= ($1::timestamptz, $2::bigint) AND i.updated_at < $3::timestamptz AND (i.type = ANY($4::text[]) OR (i.type = $5 AND strpos(i.value, ':') = 0)) ORDER BY i.updated_at, i.id LIMIT $6) UNION ALL (SELECT i.id, i.updated_at FROM indicators i WHERE i.tlp IN ('clear', 'green') AND i.type IN ('email', 'phone', 'broadband_account') AND (i.updated_at, i.id) >= ($7::timestamptz, $8::bigint) AND i.updated_at < $9::timestamptz AND (i.type = ANY($10::text[]) OR (i.type = $11 AND strpos(i.value, ':') = 0)) ORDER BY i.updated_at, i.id LIMIT $12)) u ORDER BY updated_at, id LIMIT $13) SELECT i.id, i.type, i.value, i.hash_algorithm, i.category, i.subtype, i.status, i.listing, i.tlp, i.first_seen, i.last_seen, i.sighting_count, i.valid_until, i.province_code, i.operator, i.responsible_org_id, i.created_at, i.updated_at, to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS key_at FROM k JOIN indicators i ON i.id = k.id ORDER BY k.updated_at, k.id",
    );
    assert.doesNotMatch(normalized, /OFFSET/i);
  });
});
