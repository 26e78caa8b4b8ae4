import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { microsecondText, RenderCache, renderedIdsOf, renderIndicatorRow, rowKindsOf, scoTypeOfRow } from './stix-render.js';
import type { IndicatorSource } from './stix.repository.js';

const at = new Date('2026-12-01T08:00:00.123Z');
const row = (id: number, type: string, value: string, extra: Partial<IndicatorSource> = {}): IndicatorSource => ({
  id,
  type,
  value,
  hash_algorithm: null,
  category: 'malicious_resource',
  subtype: 'phishing_site',
  status: 'active',
  listing: 'reported',
  tlp: 'green',
  first_seen: at,
  last_seen: at,
  sighting_count: 1,
  valid_until: null,
  province_code: null,
  operator: null,
  responsible_org_id: null,
  created_at: at,
  updated_at: at,
  ...extra,
});

/** One row of every kind the store holds (both families of CIDR blocks). */
const ROWS: IndicatorSource[] = [
  row(1, 'ipv4', '120.238.23.171'),
  row(2, 'ipv6', '2400:da00::6666'),
  row(3, 'cidr', '120.238.24.0/24'),
  row(4, 'cidr', '2400:da00::/32'),
  row(5, 'domain', 'render.example.com'),
  row(6, 'url', 'http://render.example.com/x'),
  row(7, 'email', 'someone@render.example.com'),
  row(8, 'phone', '+8613800138000'),
  row(9, 'broadband_account', 'gd0201234'),
  row(10, 'file_hash', '5d41402abc4b2a76b9719d911017c592', { hash_algorithm: 'md5' }),
  row(11, 'vulnerability', 'CVE-2017-0144', { category: 'hidden_danger', subtype: 'code_vulnerability' }),
];

const STIX_TYPES = [
  'indicator', 'relationship', 'vulnerability', 'ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr',
  'x-threatshare-phone-number', 'x-threatshare-broadband-account', 'file', 'malware', 'identity',
];

/** What the rendered-page SQL (taxii.repository.ts kindCondition) keeps of a row, in JS. */
function kept(r: IndicatorSource, types: string[]): boolean {
  return rowKindsOf(types).some((k) => k.type === r.type && (k.family === undefined || (k.family === 'v6') === r.value.includes(':')));
}

describe('indicator rows rendered for TAXII', () => {
  test('the id map holds exactly the ids of the objects a row renders', () => {
    for (const r of ROWS) assert.deepEqual(renderedIdsOf(r), renderIndicatorRow(r, '2026-12-01T08:00:00.123456Z').map((o) => o.id), r.type);
  });

  test('match[type]: a row is read exactly when it renders an object of an asked type (the page merge relies on it)', () => {
    for (const t of STIX_TYPES) {
      for (const pair of [[t], [t, 'indicator'], [t, 'ipv4-addr'], [t, 'vulnerability']]) {
        for (const r of ROWS) {
          const renders = renderIndicatorRow(r, '2026-12-01T08:00:00.123456Z').some((o) => pair.includes(o.type));
          assert.equal(kept(r, pair), renders, `${pair.join(',')} × ${r.type} ${r.value}`);
        }
      }
    }
  });

  test('objects carry the row\'s instant as date_added, modified as version, the audience TLP and their place', () => {
    const [sco, indicator, basedOn] = renderIndicatorRow(row(7, 'email', 'someone@render.example.com'), '2026-12-01T08:00:00.123456Z');
    assert.deepEqual([sco.type, indicator.type, basedOn.type], ['email-addr', 'indicator', 'relationship']);
    assert.deepEqual([sco.k, indicator.k, basedOn.k], [0, 1, 2]);
    assert.equal(sco.version, '2026-12-01T08:00:00.123456Z', 'an SCO has no modified: its version is date_added');
    assert.equal(indicator.version, '2026-12-01T08:00:00.123000Z');
    assert.equal(indicator.tlp, 'amber', 'a personal value is served to TLP:AMBER\'s audience at least');
    assert.equal(scoTypeOfRow('cidr', '2400:da00::/32'), 'ipv6-addr');
    assert.equal(microsecondText('2026-12-01T08:00:00Z'), '2026-12-01T08:00:00.000000Z');
    assert.equal(microsecondText('2026-12-01T08:00:00.1234567Z'), '2026-12-01T08:00:00.123456Z');
  });

  test('a row the export cannot express renders nothing and maps nothing', () => {
    const bad = row(12, 'file_hash', 'not-a-hash');
    assert.deepEqual(renderIndicatorRow(bad, '2026-12-01T08:00:00.123456Z'), []);
    assert.deepEqual(renderedIdsOf(bad), []);
  });

  test('the render cache renders a row once per instant, a changed row anew, within its bytes', () => {
    const cache = new RenderCache(40_000);
    const r = ROWS[4];
    const first = cache.render(r, '2026-12-01T08:00:00.123456Z');
    assert.equal(cache.render(r, '2026-12-01T08:00:00.123456Z'), first, 'the same objects, not rendered again');
    const changed = cache.render({ ...r, listing: 'lifted' }, '2026-12-01T09:00:00.000001Z');
    assert.notEqual(changed, first);
    assert.match(changed[1].json, /"revoked":true/);
    for (let i = 0; i < 200; i++) cache.render(row(1000 + i, 'domain', `fill-${i}.example.com`), '2026-12-01T08:00:00.123456Z');
    assert.ok(cache.size < 50, `bounded by bytes: ${cache.size} rows kept`);
  });
});
