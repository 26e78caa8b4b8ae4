import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../../../../test/helpers/factories.js';
import { dbLabel, startHarness, type Harness } from '../../../../test/helpers/harness.js';
import { startFreshHarness } from '../../../../test/helpers/fresh-database.js';
import { v5 as uuidv5 } from 'uuid';
import { THREATSHARE_STIX_NAMESPACE } from '../../stix/stix-ids.js';
import { mispAttribute, mispAttributeJson, mispAttributeType, parsePartUuid, partUuid, PLATFORM_ORGC, reportToMispEvent } from './misp-feed.js';
import { MispFeedService } from './misp.service.js';

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

  test('an attribute written out as JSON is JSON.stringify of the attribute; its uuid is the v5 it always was', () => {
    const report = { id: '7c1f0a51-6ad9-4d3e-9f0e-3f6f1f1f1f1f', title: 't', category: 'malicious_resource', subtype: 'botnet_c2', tlp: 'green', received_at: new Date(0), discovered_at: new Date(0), reporter: null };
    for (const [i, type, value, status, listing] of [
      [1, 'domain', 'a"b\\c.example.com', 'active', 'confirmed'],
      [2, 'phone', '+8613900000000', 'active', 'reported'],
      [3, 'url', 'http://x.example/\u2028\n', 'handled', 'ordered'],
      [4, 'domain', 'gone.example', 'withdrawn', 'confirmed'],
    ] as const) {
      const a = { indicator_id: i, type, value, hash_algorithm: null, status, excluded: false, listing, valid_until: null, seen_at: new Date(1_700_000_000_123) };
      const o = mispAttribute(report, a);
      assert.equal(mispAttributeJson(report, a), o === null ? null : JSON.stringify(o));
      if (o) assert.equal(o.uuid, uuidv5(`misp-attribute/${report.id}/${i}`, THREATSHARE_STIX_NAMESPACE));
    }
  });

  test("a part's uuid is a UUIDv8 that leads back to its report; part 0 is the report's own", () => {
    const id = '7c1f0a51-6ad9-4d3e-9f0e-3f6f1f1f1f1f';
    assert.equal(partUuid(id, 0), id);
    assert.equal(parsePartUuid(id), null);
    const seen = new Set<string>();
    for (const k of [1, 2, 15, 16, 4095]) {
      const u = partUuid(id, k);
      assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const back = parsePartUuid(u)!;
      assert.equal(back.part, k);
      assert.ok(back.low <= id && id <= back.high, `${id} within [${back.low}, ${back.high}]`);
      seen.add(u);
    }
    assert.equal(seen.size, 5);
    assert.throws(() => partUuid(id, 4096), RangeError);
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

describe(`MISP feed of reports larger than an event (${dbLabel})`, () => {
  let h: Harness;
  let vendor: TestOrg;
  let other: TestOrg;
  let svc: MispFeedService;
  const CAP = 3;

  before(async () => {
    // Its own database: the walk pages through every report a unit may see, and on a shared
    // PostgreSQL the other test files' reports would be hundreds of events of three values.
    h = await startFreshHarness('mispcap');
    vendor = await makeOrg(h.c, 'security_vendor', { province_code: '440000' });
    other = await makeOrg(h.c, 'internet_company', { province_code: '110000' });
    // Three values an event and two events a manifest page, so a handful of values spans pages.
    svc = new MispFeedService(h.c.handle.db, h.c.audit, { maxAttributes: CAP, maxEvents: 2, batch: 2 });
  });
  after(() => h.close());

  const principal = async (o: TestOrg) => (await h.c.auth.authenticateToken(o.token))!;
  const text = async (it: AsyncIterable<string>) => {
    let s = '';
    for await (const x of it) s += x;
    return s;
  };

  /** Everything a principal's feed reaches: every manifest page, every event, every hashes.csv line. */
  async function walk(o: TestOrg) {
    const p = await principal(o);
    const manifest: Record<string, { info: string }> = {};
    const events = new Map<string, { uuid: string; info: string; Attribute: { value: string; uuid: string }[] }>();
    const hashes: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await svc.manifest(p, cursor);
      assert.ok(Object.keys(page.body).length <= 2, 'a page lists at most maxEvents events');
      for (const [uuid, entry] of Object.entries(page.body)) {
        assert.equal(manifest[uuid], undefined, `${uuid} is listed on one page only`);
        manifest[uuid] = entry;
        const e = JSON.parse(await text(await svc.event(p, uuid))).Event;
        assert.equal(e.uuid, uuid, 'the event is the one the manifest names');
        assert.ok(e.Attribute.length <= CAP, `${uuid}: at most ${CAP} attributes, got ${e.Attribute.length}`);
        events.set(uuid, e);
      }
      const hp = await svc.hashes(p, cursor);
      assert.equal(hp.next, page.next, 'hashes.csv pages as its manifest does');
      hashes.push(...(await text(hp.body)).split('\n').filter(Boolean));
      cursor = page.next;
      pages++;
    } while (cursor !== null && pages < 100);
    assert.equal(cursor, null, 'the pages end');
    return { manifest, events, hashes, pages };
  }
  /** The uuids of a report's events: its own and those of its parts. */
  const isPartOf = (uuid: string, report: string) => {
    if (uuid === report) return true;
    const x = parsePartUuid(uuid);
    return x !== null && partUuid(report, x.part) === uuid;
  };
  const valuesOf = (w: Awaited<ReturnType<typeof walk>>, report: string) =>
    [...w.events.values()].filter((e) => isPartOf(e.uuid, report)).flatMap((e) => e.Attribute.map((a) => a.value));

  test('every value of a bulk import (sighting rows and ranges alike) is reachable, in parts of at most the cap, on stable uuids', async () => {
    const stamp = Date.now();
    const known = Array.from({ length: 2 }, (_, i) => `known-${i}-${stamp}.example.org`);
    const p = await principal(vendor);
    const opts = { format: 'lines' as const, category: 'malicious_resource', subtype: 'phishing_site', tlp: 'green' };
    await h.c.imports.importLines(p, known, opts);
    const fresh = Array.from({ length: 8 }, (_, i) => `fresh-${i}-${stamp}.example.org`);
    const all = [...fresh.slice(0, 4), ...known, ...fresh.slice(4)];
    const big = (await h.c.imports.importLines(p, all, opts)).receipt.report_id!;
    const amber = (await h.c.imports.importLines(p, [`amber-${stamp}.example.org`], { ...opts, tlp: 'amber' })).receipt.report_id!;

    const w = await walk(other);
    const parts = Object.keys(w.manifest).filter((u) => isPartOf(u, big));
    assert.equal(parts.length, Math.ceil(all.length / CAP), 'ten values are four events of at most three');
    assert.ok(parts.includes(big), "part 1's uuid is the report's");
    assert.deepEqual(valuesOf(w, big).sort(), [...all].sort(), 'every value once, none lost to a cap');
    assert.equal(new Set(valuesOf(w, big)).size, all.length);
    assert.ok(w.pages >= 2, 'the events span manifest pages');
    assert.equal(w.manifest[amber], undefined, "another unit's amber report is not listed");
    await assert.rejects(svc.event(await principal(other), amber), /not found/);
    for (const v of all) assert.ok(w.hashes.some((l) => l.startsWith(`${createHash('md5').update(v).digest('hex')},`)), `hashes.csv has ${v}`);

    const again = await walk(other);
    assert.deepEqual(Object.keys(again.manifest).sort(), Object.keys(w.manifest).sort(), 'the same uuids on every read');
    for (const [u, e] of w.events) assert.deepEqual(again.events.get(u)?.Attribute, e.Attribute);

    const own = await walk(vendor);
    assert.ok(own.manifest[amber], 'the reporter lists its own amber report');
  });

  test('a shared report cut into parts leaves personal values out for those who see it only as shared', async () => {
    const stamp = Date.now();
    const observables = [
      { type: 'domain', value: `pers-a-${stamp}.example.org` },
      { type: 'phone', value: `+86139${String(stamp).slice(-8)}` },
      { type: 'domain', value: `pers-b-${stamp}.example.org` },
      { type: 'domain', value: `pers-c-${stamp}.example.org` },
      { type: 'domain', value: `pers-d-${stamp}.example.org` },
    ];
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: vendor.headers,
      payload: { category: 'malicious_resource', subtype: 'botnet_c2', title: 'parts', discovered_at: new Date(Date.now() - 60_000).toISOString(), tlp: 'green', observables },
    });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json().id as string;
    const outsider = await walk(other);
    assert.equal(Object.keys(outsider.manifest).filter((u) => isPartOf(u, id)).length, 2);
    const theirs = valuesOf(outsider, id);
    assert.deepEqual(theirs.sort(), observables.filter((o) => o.type !== 'phone').map((o) => o.value).sort());
    const own = await walk(vendor);
    const mine = valuesOf(own, id);
    assert.equal(mine.length, observables.length, 'the reporter is entitled to them');
  });

  test('older pages over HTTP: `before/<cursor>` is a feed of its own; a forged cursor is refused', async () => {
    const p = await principal(other);
    const first = await svc.manifest(p, null);
    assert.ok(first.next, 'a full page names the next');
    const res = await h.app.inject({ method: 'GET', url: `/feeds/misp/before/${first.next}/manifest.json`, headers: other.headers });
    assert.equal(res.statusCode, 200, res.body);
    const [uuid] = Object.keys(res.json());
    assert.ok(uuid, 'older events are listed');
    const ev = await h.app.inject({ method: 'GET', url: `/feeds/misp/before/${first.next}/${uuid}.json`, headers: other.headers });
    assert.equal(ev.statusCode, 200);
    assert.equal(ev.json().Event.uuid, uuid);
    const forged = Buffer.from(JSON.stringify(["1970-01-01'; --", uuid, 0])).toString('base64url');
    assert.equal((await h.app.inject({ method: 'GET', url: `/feeds/misp/before/${forged}/manifest.json`, headers: other.headers })).statusCode, 400);
  });
});
