import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../../test/helpers/harness.js';
import { mispAttributeType, PLATFORM_ORGC, reportToMispEvent } from './misp-feed.js';

describe('MISP attribute mapping (pure)', () => {
  const table: [string, string | null, string | null][] = [
    ['ipv4', null, 'ip-dst'],
    ['ipv6', null, 'ip-dst'],
    ['cidr', null, 'ip-dst'],
    ['domain', null, 'domain'],
    ['url', null, 'url'],
    ['email', null, 'email-src'],
    ['phone', null, 'phone-number'],
    ['broadband_account', null, 'text'],
    ['file_hash', 'md5', 'md5'],
    ['file_hash', 'sha1', 'sha1'],
    ['file_hash', 'sha256', 'sha256'],
    ['file_hash', null, null],
    ['vulnerability', null, 'vulnerability'],
  ];
  for (const [type, algorithm, misp] of table) {
    test(`${type}${algorithm ? `/${algorithm}` : ''} → ${misp}`, () => assert.equal(mispAttributeType(type, algorithm)?.type ?? null, misp));
  }

  test('withdrawn and false-positive values are left out; only blocking ones (identified, not excluded) are for detection', () => {
    const report = { id: '7c1f0a51-6ad9-4d3e-9f0e-3f6f1f1f1f1f', title: 't', category: 'malicious_resource', subtype: 'botnet_c2', tlp: 'green', received_at: new Date(0), discovered_at: new Date(0), reporter: null };
    const a = (indicator_id: number, status: string, excluded = false, listing = 'confirmed') => ({ indicator_id, type: 'domain', value: `d${indicator_id}.example.com`, hash_algorithm: null, status, excluded, listing, valid_until: null, seen_at: new Date(0) });
    const e = reportToMispEvent(report, [a(1, 'active'), a(2, 'withdrawn'), a(3, 'false_positive'), a(4, 'active', true), a(5, 'active', false, 'reported'), a(6, 'active', false, 'lifted'), a(7, 'active', false, 'ordered')]);
    assert.deepEqual(e.Event.Attribute.map((x) => [x.value, x.to_ids]), [
      ['d1.example.com', true],
      ['d4.example.com', false],
      ['d5.example.com', false],
      ['d6.example.com', false],
      ['d7.example.com', true],
    ]);
    assert.deepEqual(e.Event.Orgc, PLATFORM_ORGC);
  });
});

describe(`MISP feed over HTTP (${dbLabel})`, () => {
  let h: Harness;
  let vendor: TestOrg;
  let other: TestOrg;

  before(async () => {
    h = await startHarness();
    vendor = await makeOrg(h.c, 'security_vendor', { province_code: '440000', trusted_reporter: true });
    other = await makeOrg(h.c, 'internet_company', { province_code: '110000' });
  });
  after(() => h.close());

  const submit = async (tlp: string, disclose: boolean, observables: { type: string; value: string }[]) => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: vendor.headers,
      payload: { category: 'malicious_resource', subtype: 'botnet_c2', title: `MISP ${tlp}`, discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp, disclose_reporter: disclose, observables },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const get = (org: TestOrg, url: string) => h.app.inject({ method: 'GET', url, headers: org.headers });

  test('a unit adds the feed: manifest, one event per report, hashes.csv; reporters stay anonymous', async () => {
    const n = Date.now();
    const green = await submit('green', false, [
      { type: 'ipv4', value: '120.238.23.181' },
      { type: 'domain', value: `misp-${n}.example-threat.com` },
      { type: 'file_hash', value: '5d41402abc4b2a76b9719d911017c593' },
    ]);
    const amber = await submit('amber', false, [{ type: 'domain', value: `misp-amber-${n}.example-threat.com` }]);
    const named = await submit('green', true, [{ type: 'domain', value: `misp-named-${n}.example-threat.com` }]);

    const manifest = (await get(other, '/feeds/misp/manifest.json')).json();
    assert.ok(manifest[green], 'the green report is an event');
    assert.equal(manifest[amber], undefined, 'amber reports of others are not');
    assert.deepEqual(manifest[green].Orgc, PLATFORM_ORGC, 'the reporter is not named without its consent');
    assert.equal(manifest[named].Orgc.uuid, vendor.id);
    assert.ok(manifest[green].Tag.some((t: { name: string }) => t.name === 'tlp:green'));
    assert.match(manifest[green].timestamp, /^\d+$/);

    const event = await get(other, `/feeds/misp/${green}.json`);
    assert.equal(event.statusCode, 200);
    const attrs = event.json().Event.Attribute as { type: string; value: string; to_ids: boolean; uuid: string }[];
    assert.deepEqual(attrs.map((a) => a.type).sort(), ['domain', 'ip-dst', 'md5']);
    assert.ok(attrs.every((a) => a.to_ids));
    assert.equal(event.json().Event.uuid, green);
    assert.equal((await get(other, `/feeds/misp/${amber}.json`)).statusCode, 404);
    assert.equal((await get(vendor, `/feeds/misp/${amber}.json`)).statusCode, 200, 'the reporter sees its own');

    const hashes = (await get(other, '/feeds/misp/hashes.csv')).body.trim().split('\n');
    for (const a of attrs) assert.ok(hashes.includes(`${createHash('md5').update(a.value).digest('hex')},${green}`), a.value);
    assert.ok(!hashes.some((l) => l.endsWith(`,${amber}`)));
  });
});
