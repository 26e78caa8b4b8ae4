import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../test/helpers/harness.js';
import { THREATSHARE_EXTENSION_ID } from './stix-extension.js';
import { TLP2_MARKING_IDS } from './stix-markings.js';
import { createStixValidator } from './stix-schema-validator.js';
import { fixtureDataPath } from '../../../test/fixtures/paths.js';
import { indicatorRecordOf, renderIndicatorRow } from './stix-render.js';
import { stixRepository } from './stix.repository.js';
import type { OrganizationRecord, StixObject, ThreatCaseRecord } from './stix.types.js';

const ICS_ATTACK = fixtureDataPath('ics-attack.json');
const validator = createStixValidator();

function assertValidStix(objects: readonly StixObject[]): void {
  for (const o of objects) assert.deepEqual(validator.validate(o), [], `${o.type} ${o.id}`);
}

/**
 * The real bundle with every STIX id replaced consistently by a fresh one: the same objects and
 * references, but new to a shared PostgreSQL test database on every run (ids are global).
 */
function freshIds(text: string): string {
  const map = new Map<string, string>();
  return text.replace(/([a-z][a-z0-9-]+[a-z0-9])--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g, (whole, type: string) => {
    let fresh = map.get(whole);
    if (fresh === undefined) map.set(whole, (fresh = `${type}--${randomUUID()}`));
    return fresh;
  });
}

const T = (s: number) => new Date(Date.UTC(2024, 2, 1) + s * 1000).toISOString();
const bundle = (objects: unknown[]) => ({ type: 'bundle', id: `bundle--${randomUUID()}`, objects });

describe(`STIX 2.1 in and out (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let vendor: TestOrg;
  let other: TestOrg;

  before(async () => {
    h = await startHarness();
    ministry = await makeOrg(h.c, 'regulator_national');
    vendor = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    other = await makeOrg(h.c, 'internet_company', { province_code: '110000' });
  });
  after(() => h.close());

  const importBundle = (org: TestOrg, body: unknown, query = '', contentType = 'application/stix+json;version=2.1') =>
    h.app.inject({ method: 'POST', url: `/api/v1/stix/bundles${query}`, headers: { ...org.headers, 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const storedCount = async (orgId: string) =>
    Number((await h.c.handle.db.selectFrom('stix_objects').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_org_id', '=', orgId).where('source', '=', 'import').executeTakeFirstOrThrow()).n);

  test('imports the real MITRE ATT&CK for ICS bundle through the API; re-importing it changes nothing', async () => {
    const text = freshIds(fs.readFileSync(ICS_ATTACK, 'utf8'));
    const original = JSON.parse(text) as { objects: StixObject[] };
    const org = await makeOrg(h.c, 'professional_institution');
    const first = await importBundle(org, text, '?tlp=clear');
    assert.equal(first.statusCode, 201, first.body);
    const r = first.json();
    assert.equal(r.total, 1826);
    assert.equal(r.stored, 1826);
    assert.deepEqual(r.invalid, []);
    assert.equal(r.report_id, null, 'ATT&CK carries no observables');
    assert.equal(await storedCount(org.id), 1826);

    // Objects we do not model are kept verbatim and served back.
    for (const type of ['x-mitre-tactic', 'attack-pattern', 'relationship', 'x-mitre-collection']) {
      const o = original.objects.find((x) => x.type === type)!;
      const got = await h.app.inject({ method: 'GET', url: `/api/v1/stix/objects/${o.id}`, headers: vendor.headers });
      assert.equal(got.statusCode, 200, got.body);
      assert.equal(got.headers['content-type'], 'application/stix+json;version=2.1');
      assert.deepEqual(got.json().objects, [o]);
    }

    const auditBefore = await h.c.handle.db.selectFrom('stix_objects').select(['seq', 'superseded']).where('owner_org_id', '=', org.id).where('source', '=', 'import').orderBy('seq').execute();
    const again = await importBundle(org, text, '?tlp=clear', 'application/json');
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().stored, 0);
    assert.equal(again.json().unchanged, 1826);
    const auditAfter = await h.c.handle.db.selectFrom('stix_objects').select(['seq', 'superseded']).where('owner_org_id', '=', org.id).where('source', '=', 'import').orderBy('seq').execute();
    assert.deepEqual(auditAfter, auditBefore, 'not a row added or changed');
  });

  test('a newer modified version supersedes; an older one is kept but not served as latest', async () => {
    const v1: StixObject = { type: 'attack-pattern', spec_version: '2.1', id: `attack-pattern--${randomUUID()}`, created: T(0), modified: T(10), name: 'Spearphishing v1' };
    const v2 = { ...v1, modified: T(20), name: 'Spearphishing v2' };
    const v0 = { ...v1, modified: T(5), name: 'Spearphishing v0' };
    assert.equal((await importBundle(vendor, bundle([v1]))).json().stored, 1);
    const newer = (await importBundle(vendor, bundle([v2]))).json();
    assert.equal(newer.stored, 1);
    assert.equal(newer.new_versions, 1);
    const older = (await importBundle(vendor, bundle([v0]))).json();
    assert.equal(older.older_versions, 1);

    const latest = await h.app.inject({ method: 'GET', url: `/api/v1/stix/objects/${v1.id}`, headers: vendor.headers });
    assert.deepEqual(latest.json().objects, [v2]);
    const all = await h.app.inject({ method: 'GET', url: `/api/v1/stix/objects/${v1.id}?versions=all`, headers: vendor.headers });
    assert.deepEqual(all.json().objects.map((o: StixObject) => o.name), ['Spearphishing v0', 'Spearphishing v1', 'Spearphishing v2']);
  });

  test('a bundle with invalid objects imports the valid ones and reports each invalid one with the reason', async () => {
    const good: StixObject = { type: 'malware', spec_version: '2.1', id: `malware--${randomUUID()}`, created: T(0), modified: T(0), name: 'Good', is_family: true };
    const objects = [
      good,
      { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: T(0), modified: T(0), pattern: "[ipv4-addr:value = '1.2.3.4'", pattern_type: 'stix', valid_from: T(0) },
      { type: 'malware', spec_version: '2.1', created: T(0), modified: T(0), name: 'no id', is_family: true },
      { type: 'malware', spec_version: '2.0', id: `malware--${randomUUID()}`, created: T(0), modified: T(0), name: 'old', is_family: true },
      'not an object',
    ];
    const r = await importBundle(vendor, bundle(objects));
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json();
    assert.equal(body.stored, 1);
    assert.deepEqual(body.invalid.map((i: { index: number }) => i.index), [1, 2, 3, 4]);
    assert.match(body.invalid[0].reason, /^pattern: /);
    assert.match(body.invalid[1].reason, /id is required/);
    assert.match(body.invalid[2].reason, /spec_version '2\.0'/);
    assert.deepEqual(body.objects.map((o: { status: string }) => o.status), ['stored', 'invalid', 'invalid', 'invalid', 'invalid']);

    const notBundle = await importBundle(vendor, { type: 'report' });
    assert.equal(notBundle.statusCode, 400);
    assert.equal(notBundle.json().code, 'validation_failed');
    const notJson = await importBundle(vendor, '{"type": "bundle",');
    assert.equal(notJson.statusCode, 400);
  });

  test('indicators with simple patterns, SCOs, observed-data and vulnerabilities become observables; the rest keeps its raw pattern', async () => {
    const n = Date.now();
    const simple = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: T(0), modified: T(0), pattern: `[ipv4-addr:value = '120.238.23.170'] OR [domain-name:value = 'c2-${n}.stix-import-test.com']`, pattern_type: 'stix', valid_from: T(0), object_marking_refs: [TLP2_MARKING_IDS.green] };
    const complex = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: T(0), modified: T(0), pattern: "[file:name = 'x.exe' AND file:size > 1000]", pattern_type: 'stix', valid_from: T(0) };
    const ours = {
      type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: T(0), modified: T(0), pattern: `[url:value = 'http://dl-${n}.stix-import-test.com/a.sh']`, pattern_type: 'stix', valid_from: T(0),
      extensions: { [THREATSHARE_EXTENSION_ID]: { extension_type: 'property-extension', category: 'malicious_resource', subtype: 'malware_distribution', status: 'active', sighting_count: 3 } },
    };
    const sco = { type: 'domain-name', spec_version: '2.1', id: `domain-name--${randomUUID()}`, value: `sco-${n}.stix-import-test.com` };
    const observed = { type: 'observed-data', spec_version: '2.1', id: `observed-data--${randomUUID()}`, created: T(0), modified: T(0), first_observed: T(0), last_observed: T(1), number_observed: 1, objects: { '0': { type: 'email-addr', value: `phish-${n}@stix-import-test.com` } } };
    const vuln = { type: 'vulnerability', spec_version: '2.1', id: `vulnerability--${randomUUID()}`, created: T(0), modified: T(0), name: 'Log4Shell', external_references: [{ source_name: 'cve', external_id: 'CVE-2021-44228' }] };
    const privateIp = { type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${randomUUID()}`, value: '10.1.2.3' };
    const sighting = { type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: T(0), modified: T(0), sighting_of_ref: simple.id, count: 4 };
    const rel = { type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: T(0), modified: T(0), relationship_type: 'indicates', source_ref: simple.id, target_ref: `malware--${randomUUID()}` };

    const r = await importBundle(vendor, bundle([simple, complex, ours, sco, observed, vuln, privateIp, sighting, rel]), '?tlp=amber');
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json();
    assert.equal(body.stored, 9);
    assert.equal(body.kept_raw, 1);
    // Fixed values (an address, a CVE) may already be known on a shared PostgreSQL test database.
    assert.equal(body.observables.accepted + body.observables.duplicates, 6);
    assert.equal(body.observables.refused, 1);
    assert.equal(body.observables.refusals[0].value, '10.1.2.3');
    assert.ok(body.report_id);

    const rows = await h.c.handle.db
      .selectFrom('indicators')
      .select(['type', 'value', 'category', 'subtype', 'tlp'])
      .where('value', 'in', ['120.238.23.170', `c2-${n}.stix-import-test.com`, `http://dl-${n}.stix-import-test.com/a.sh`, `sco-${n}.stix-import-test.com`, `phish-${n}@stix-import-test.com`, 'CVE-2021-44228'])
      .orderBy('type')
      .execute();
    const byType = Object.fromEntries(rows.map((x) => [x.type, x]));
    assert.deepEqual(Object.keys(byType).sort(), ['domain', 'email', 'ipv4', 'url', 'vulnerability']);
    assert.equal(byType.ipv4.tlp, 'green', 'the marking of the object, not the default');
    assert.equal(byType.url.subtype, 'malware_distribution', 'our extension names the taxon');
    assert.equal(byType.email.category, 'malicious_resource');
    const report = await h.c.handle.db.selectFrom('reports').select(['source', 'org_id', 'observable_count']).where('id', '=', body.report_id).executeTakeFirstOrThrow();
    assert.deepEqual(report, { source: 'stix', org_id: vendor.id, observable_count: 6 });

    // The raw pattern is kept and served back.
    const kept = await h.app.inject({ method: 'GET', url: `/api/v1/stix/objects/${complex.id}`, headers: vendor.headers });
    assert.equal(kept.json().objects[0].pattern, complex.pattern);
  });

  test('stored objects are read only by those their TLP and audience allow', async () => {
    const amber = { type: 'malware', spec_version: '2.1', id: `malware--${randomUUID()}`, created: T(0), modified: T(0), name: 'Amber only', is_family: true, object_marking_refs: [TLP2_MARKING_IDS.amber] };
    assert.equal((await importBundle(vendor, bundle([amber]))).statusCode, 201);
    const read = (org: TestOrg) => h.app.inject({ method: 'GET', url: `/api/v1/stix/objects/${amber.id}`, headers: org.headers });
    assert.equal((await read(vendor)).statusCode, 200);
    assert.equal((await read(ministry)).statusCode, 200);
    assert.equal((await read(other)).statusCode, 404);
  });

  test('every kind of object the platform emits validates against the OASIS schemas', async () => {
    const n = Date.now() % 100000;
    const observables = [
      { type: 'ipv4', value: '120.238.23.171' },
      { type: 'ipv6', value: '2400:da00::6666' },
      { type: 'cidr', value: '120.238.24.0/24' },
      { type: 'domain', value: `out-${n}.stix-export-test.com` },
      { type: 'url', value: `http://out-${n}.stix-export-test.com/x?a=b&c='d'` },
      { type: 'email', value: `out-${n}@stix-export-test.com` },
      { type: 'phone', value: '+8613800138000' },
      { type: 'broadband_account', value: `gd020${n}` },
      { type: 'file_hash', value: '5d41402abc4b2a76b9719d911017c592' },
      { type: 'file_hash', value: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d' },
      { type: 'file_hash', value: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' },
      { type: 'vulnerability', value: 'CVE-2017-0144' },
    ];
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: vendor.headers,
      payload: { category: 'malicious_program', subtype: 'trojan', title: 'export', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'amber', observables },
    });
    assert.equal(r.statusCode, 201, r.body);
    const ids = r.json().observables.map((o: { indicator_id: string }) => Number(o.indicator_id));
    // What TAXII serves of these rows: rendered from them when a page is read (stix-render.ts).
    const rows = await stixRepository.indicatorsByIds(h.c.handle.db, ids);
    const rendered = rows.flatMap((row) => renderIndicatorRow(row, row.key_at).map((o) => ({ row, object: JSON.parse(o.json) as StixObject })));
    const objects = rendered.map((x) => x.object);
    const kinds = new Set(objects.map((o) => o.type));
    for (const k of ['indicator', 'relationship', 'vulnerability', 'ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file', 'x-threatshare-phone-number', 'x-threatshare-broadband-account']) {
      assert.ok(kinds.has(k), `derived ${k}`);
    }
    assertValidStix(objects);
    // Every object carries the TLP 2.0 marking of its indicator (amber here, unless a value was shared wider before).
    for (const { row, object } of rendered) assert.deepEqual(object.object_marking_refs, [TLP2_MARKING_IDS[row.tlp as 'amber']], `${object.type} ${object.id}`);

    // Export endpoints: one indicator, one organization, as self-contained bundles.
    const one = await h.app.inject({ method: 'GET', url: `/api/v1/stix/indicators/${ids[0]}`, headers: vendor.headers });
    assert.equal(one.statusCode, 200, one.body);
    assert.deepEqual(validator.validate(one.json()), []);
    assert.ok(one.json().objects.some((o: StixObject) => o.type === 'marking-definition'));
    assert.equal((await h.app.inject({ method: 'GET', url: `/api/v1/stix/indicators/${ids[0]}`, headers: other.headers })).statusCode, 404, 'amber: not for another unit');
    const org = await h.app.inject({ method: 'GET', url: `/api/v1/stix/organizations/${vendor.id}`, headers: other.headers });
    assert.equal(org.statusCode, 200);
    assert.deepEqual(validator.validate(org.json()), []);
    assert.equal(JSON.stringify(org.json()).includes('duty@example.cn'), false, 'contacts never leave (Art. 12)');

    // A threat case with its identification: report, malware, sightings, indicates relationships.
    const indicatorRows = (await h.c.handle.db.selectFrom('indicators').selectAll().where('id', 'in', ids).execute()).map((row) =>
      indicatorRecordOf({ ...row, province_code: row.province_code ? String(row.province_code).trim() : null } as never),
    );
    const orgRecord: OrganizationRecord = { id: vendor.id, kind: 'security_vendor', name: 'vendor', name_en: null, province_code: '440000', created_at: new Date(), updated_at: new Date() };
    const threatCase = (verdict: ThreatCaseRecord['verdict']): ThreatCaseRecord => ({
      id: randomUUID(),
      title: 'Trojan campaign',
      category: 'malicious_program',
      subtype: 'trojan',
      severity: 'major',
      verdict,
      analysis: 'Confirmed by sandbox analysis',
      indicator_ids: indicatorRows.map((i) => i.id),
      created_at: new Date(Date.now() - 1000),
      updated_at: new Date(),
      tlp: 'amber',
    });
    const confirmed = threatCase('confirmed');
    const pending = threatCase('more_information_needed');
    await h.c.handle.db.transaction().execute(async (tx) => {
      assert.ok((await h.c.interop.stix.publishCase(tx, confirmed, indicatorRows, [orgRecord], { province_code: '440000' })) > 0);
      await h.c.interop.stix.publishCase(tx, pending, indicatorRows, [orgRecord], { province_code: '440000' });
    });
    const caseObjects = (await h.c.handle.db.selectFrom('stix_objects').select('json').where('source_key', 'in', [`case:${confirmed.id}`, `case:${pending.id}`]).execute()).map((x) => JSON.parse(x.json) as StixObject);
    const caseKinds = new Set(caseObjects.map((o) => o.type));
    for (const k of ['report', 'grouping', 'malware', 'sighting', 'relationship']) assert.ok(caseKinds.has(k), `case ${k}`);
    assertValidStix(caseObjects);

    // The fixed definitions.
    const defs = (await h.c.handle.db.selectFrom('stix_objects').select('json').where('source', '=', 'definition').execute()).map((x) => JSON.parse(x.json) as StixObject);
    assert.equal(defs.length, 7);
    assertValidStix(defs);
  });

  test('the extension definition schema is published where the extension says', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/docs/stix-extension' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().$defs.indicator_context.properties.extension_type.const, 'property-extension');
  });
});
