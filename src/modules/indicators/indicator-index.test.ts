import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CACHE_ENTRIES, IndicatorIndex, MembershipFilter } from './indicator-index.js';
import type { IndicatorRow } from './indicators.repository.js';

const seen = new Date('2026-11-01T00:00:00Z');
const row = (id: number, type: string, value: string, over: Partial<IndicatorRow> = {}) =>
  ({
    id, type, value, hash_algorithm: null, category: 'malicious_resource', subtype: 'phishing_site', tlp: 'amber', status: 'active',
    first_seen: seen, last_seen: seen, sighting_count: 2, valid_until: null, province_code: null, operator: null, responsible_org_id: null, excluded: false,
    ...over,
  }) as unknown as IndicatorRow;

describe('the membership filter', () => {
  test('never says no to a member, and says maybe to few others', () => {
    const f = new MembershipFilter(200_000);
    for (let i = 0; i < 200_000; i++) f.add(i % 2 ? 'domain' : 'ipv4', i % 2 ? `m${i}.example.org` : `10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}`);
    for (let i = 0; i < 200_000; i++) assert.ok(f.mightContain(i % 2 ? 'domain' : 'ipv4', i % 2 ? `m${i}.example.org` : `10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}`), `member ${i}`);
    let maybe = 0;
    for (let i = 0; i < 100_000; i++) if (f.mightContain('domain', `unknown-${i}.example.net`)) maybe++;
    assert.ok(maybe < 2_000, `${maybe} false maybes in 100,000 (under 2%)`);
    assert.equal(f.mightContain('ipv4', 'm1.example.org'), false, 'the type is part of the key');
    assert.ok(f.bytes <= 200_000 * 3 + (1 << 20), `${f.bytes} bytes for 200,000 members: a few per indicator`);
  });

  test('counts a value added twice once, and says when it is past its capacity', () => {
    const f = new MembershipFilter(1);
    f.add('domain', 'a.example.org');
    f.add('domain', 'a.example.org');
    assert.equal(f.size, 1);
    assert.equal(f.isFull, false);
    for (let i = 0; f.size * 12 <= f.bytes * 8; i++) f.add('domain', `fill-${i}.example.org`);
    assert.equal(f.isFull, true);
  });
});

describe('the lookup index', () => {
  test('answers maybe to everything until its filter is built, then no to what was never added', () => {
    const index = new IndicatorIndex();
    assert.equal(index.mightContain('domain', 'x.example.org'), true, 'no filter yet: ask the database');
    const f = index.beginBuild(10);
    f.add('domain', 'scanned.example.org');
    index.add('domain', 'written-meanwhile.example.org');
    assert.equal(index.ready, false);
    index.finishBuild(f);
    assert.equal(index.ready, true);
    assert.equal(index.mightContain('domain', 'scanned.example.org'), true);
    assert.equal(index.mightContain('domain', 'written-meanwhile.example.org'), true, 'a write during the build is not lost');
    assert.equal(index.mightContain('domain', 'never.example.org'), false);
    index.ready = false;
    assert.equal(index.mightContain('domain', 'never.example.org'), true, 'not ready: every answer asks the database');
  });

  test('keeps cached entries current from applied rows, fills the cache only from lookups, and bounds it', () => {
    const index = new IndicatorIndex();
    index.finishBuild(index.beginBuild(10));
    index.apply([row(1, 'domain', 'a.example.org')]);
    assert.equal(index.cachedEntry('domain', 'a.example.org'), undefined, 'a write does not fill the cache');
    assert.equal(index.mightContain('domain', 'a.example.org'), true, 'but makes the value a member');
    const [e] = index.apply([row(1, 'domain', 'a.example.org')]);
    index.remember(e);
    index.apply([row(1, 'domain', 'a.example.org', { status: 'handled' })]);
    assert.equal(index.cachedEntry('domain', 'a.example.org')?.status, 'handled', 'a cached entry follows the row');
    for (let i = 0; i < CACHE_ENTRIES + 10; i++) index.remember({ ...e, value: `hot-${i}.example.org` });
    assert.equal(index.cached, CACHE_ENTRIES);
    assert.equal(index.cachedEntry('domain', 'a.example.org'), undefined, 'the least recently used went first');
    assert.ok(index.cachedEntry('domain', `hot-${CACHE_ENTRIES + 9}.example.org`));
  });
});
