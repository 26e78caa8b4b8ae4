import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CACHE_BYTES, CACHE_ENTRY_BYTES, IndicatorIndex, MembershipFilter } from './indicator-index.js';
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
  });

  test('bounds the cache in bytes, least recently used first, and keeps a value that is asked again', () => {
    // Entries of one size: 100 of them fit.
    const bytesOf = (v: string) => CACHE_ENTRY_BYTES + 2 * (`domain\u0000${v}`.length + v.length);
    const value = (i: number) => `hot-${String(i).padStart(6, '0')}.example.org`;
    const index = new IndicatorIndex({ cacheBytes: 100 * bytesOf(value(0)) });
    index.finishBuild(index.beginBuild(10));
    const [e] = index.apply([row(1, 'domain', 'a.example.org')]);
    const entry = (i: number) => ({ ...e, id: i, value: value(i) });
    for (let i = 0; i < 150; i++) index.remember(entry(i));
    assert.equal(index.cached, 100);
    assert.equal(index.cachedBytes, 100 * bytesOf(value(0)));
    assert.equal(index.cachedEntry('domain', value(49)), undefined, 'the least recently used went first');
    assert.equal(index.cachedEntry('domain', value(50))?.id, 50);
    // value(50) was in the older half: it moved to the young end, so 60 more evict 51..110 instead.
    for (let i = 150; i < 210; i++) index.remember(entry(i));
    assert.equal(index.cachedEntry('domain', value(50))?.id, 50, 'asked again: kept');
    assert.equal(index.cachedEntry('domain', value(51)), undefined);
    // A value asked between every few others outlives many times the cache's size of them.
    for (let i = 210; i < 1000; i++) {
      index.remember(entry(i));
      if (i % 10 === 0) assert.ok(index.cachedEntry('domain', value(50)), `still cached after ${i}`);
    }
    assert.ok(index.cachedBytes <= index.cacheLimit);
    assert.ok(index.cachedIds().has(50) && index.cachedIds().size === 100);
    // A replaced entry follows the row and keeps its place; clear empties it.
    index.apply([row(50, 'domain', value(50), { status: 'handled' })]);
    assert.equal(index.cachedEntry('domain', value(50))?.status, 'handled');
    index.clear();
    assert.equal(index.cached, 0);
    assert.equal(index.cachedBytes, 0);
    assert.ok(new IndicatorIndex().cacheLimit === CACHE_BYTES && CACHE_BYTES >= 2 ** 24, 'the default holds tens of thousands of entries');
  });
});
