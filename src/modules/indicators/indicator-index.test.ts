import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IndicatorIndex } from './indicator-index.js';
import type { IndicatorRow, IndicatorUpsert } from './indicators.repository.js';

const seen = new Date('2026-11-01T00:00:00Z');
const upsert = (type: string, value: string): IndicatorUpsert => ({
  type,
  value,
  hash_algorithm: null,
  category: 'malicious_resource',
  subtype: 'phishing_site',
  tlp: 'amber',
  seen_at: seen,
  valid_until: null,
  province_code: null,
  operator: null,
  responsible_org_id: null,
  excluded: false,
});
const row = (id: number, type: string, value: string, over: Partial<IndicatorRow> = {}) =>
  ({ ...upsert(type, value), id, status: 'active', first_seen: seen, last_seen: seen, sighting_count: 2, ...over }) as unknown as IndicatorRow;

describe('the lookup index: values a bulk import staged', () => {
  test('are invisible until published, then found with their ids, and folded into the main maps in the background', async () => {
    const index = new IndicatorIndex();
    const rows = Array.from({ length: 45_000 }, (_, i) => upsert(i % 3 === 0 ? 'ipv4' : 'domain', i % 3 === 0 ? `203.0.${i >> 8 & 255}.${i & 255}` : `v${i}.example.org`));
    const staged = index.stage(rows);
    IndicatorIndex.setIds(staged, rows.map((_, i) => 1000 + i));
    assert.equal(index.get('domain', 'v1.example.org'), undefined, 'nothing before publish');
    assert.equal(index.size, 0);
    index.publishStaged(staged);
    assert.equal(index.size, 45_000);
    assert.equal(index.get('domain', 'v1.example.org')?.id, 1001, 'found at once, from the layer');
    assert.equal(index.get('ipv4', rows[3].value)?.id, 1003);
    assert.equal(index.get('domain', 'absent.example.org'), undefined);
    await index.mergeDone();
    assert.equal(index.size, 45_000, 'the fold changes no count');
    assert.equal(index.get('domain', 'v44999.example.org')?.id, 1000 + 44_999);
    assert.equal(index.get('domain', 'v1.example.org')?.sighting_count, 1, 'as the column defaults complete a new row');
  });

  test('a later change in the main map wins over the layer and is counted once', async () => {
    const index = new IndicatorIndex();
    const staged = index.stage([upsert('domain', 'a.example.org'), upsert('domain', 'b.example.org')]);
    IndicatorIndex.setIds(staged, [1, 2]);
    index.publishStaged(staged);
    // A second report merges a.example.org, or the poll reads the committed row back.
    index.apply([row(1, 'domain', 'a.example.org', { status: 'handled' })]);
    assert.equal(index.get('domain', 'a.example.org')?.status, 'handled');
    await index.mergeDone();
    assert.equal(index.get('domain', 'a.example.org')?.status, 'handled', 'the fold does not bring the older entry back');
    assert.equal(index.size, 2);
  });

  test('clear drops layers and stops their fold; setIds insists on one id per entry', async () => {
    const index = new IndicatorIndex();
    const staged = index.stage(Array.from({ length: 30_000 }, (_, i) => upsert('domain', `c${i}.example.org`)));
    assert.throws(() => IndicatorIndex.setIds(staged, [1]), /1 ids for 30000 entries/);
    IndicatorIndex.setIds(staged, Array.from({ length: 30_000 }, (_, i) => i + 1));
    index.publishStaged(staged);
    index.clear();
    assert.equal(index.size, 0);
    assert.equal(index.get('domain', 'c1.example.org'), undefined);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(index.get('domain', 'c29999.example.org'), undefined, 'no fold after clear');
    assert.equal(index.size, 0);
  });
});
