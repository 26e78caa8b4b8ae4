import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { acceptsTaxii, decodeCursor, encodeCursor, isTaxiiContentType, MAX_PAGE, parseTaxiiFilter, TaxiiQueryError } from './taxii-query.js';

const ALL = ['added_after', 'limit', 'next', 'match[id]', 'match[type]', 'match[version]', 'match[spec_version]'];

describe('TAXII content negotiation', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, true],
    ['', true],
    ['application/taxii+json;version=2.1', true],
    ['application/taxii+json; version=2.1', true],
    ['application/taxii+json', true],
    ['*/*', true],
    ['application/*', true],
    ['text/html, application/taxii+json;version=2.1;q=0.9', true],
    ['application/taxii+json;version=2.0', false],
    ['application/json', false],
    ['application/stix+json;version=2.1', false],
    ['application/taxii+json;version=2.1;q=0', false],
  ];
  for (const [accept, ok] of cases) {
    test(`Accept ${JSON.stringify(accept)} is ${ok ? 'served' : 'refused (406)'}`, () => assert.equal(acceptsTaxii(accept), ok));
  }

  test('a POST body must be application/taxii+json of version 2.1 (or unversioned)', () => {
    assert.equal(isTaxiiContentType('application/taxii+json;version=2.1'), true);
    assert.equal(isTaxiiContentType('application/taxii+json'), true);
    assert.equal(isTaxiiContentType('application/taxii+json;version=2.0'), false);
    assert.equal(isTaxiiContentType('application/json'), false);
    assert.equal(isTaxiiContentType(undefined), false);
  });
});

describe('TAXII filter parameters', () => {
  test('defaults: 1000 per page, latest version, no filters', () => {
    const f = parseTaxiiFilter({}, ALL);
    assert.deepEqual(f, { added_after: null, limit: 1000, next: null, ids: null, types: null, versions: { all: false, last: true, first: false, timestamps: [] }, spec_versions: null });
  });

  test('lists, repeated parameters and version keywords', () => {
    const f = parseTaxiiFilter(
      { 'match[type]': ['indicator,malware', 'relationship'], 'match[version]': 'first,2024-01-01T00:00:00.000Z', limit: '20000', added_after: '2024-01-01T00:00:00Z' },
      ALL,
    );
    assert.deepEqual(f.types, ['indicator', 'malware', 'relationship']);
    assert.deepEqual(f.versions, { all: false, last: false, first: true, timestamps: ['2024-01-01T00:00:00.000Z'] });
    assert.equal(f.limit, MAX_PAGE, 'limit is capped, not refused');
    assert.equal(f.added_after, '2024-01-01T00:00:00Z');
    assert.deepEqual(parseTaxiiFilter({ 'match[version]': 'last,all' }, ALL).versions, { all: true });
  });

  const refused: [Record<string, unknown>, string][] = [
    [{ limit: '0' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ added_after: 'yesterday' }, 'added_after'],
    [{ 'match[id]': 'indicator--not-a-uuid' }, 'match[id]'],
    [{ 'match[type]': 'Indicator' }, 'match[type]'],
    [{ 'match[version]': 'newest' }, 'match[version]'],
    [{ 'match[spec_version]': 'two' }, 'match[spec_version]'],
    [{ offset: '10' }, 'offset'],
  ];
  for (const [query, parameter] of refused) {
    test(`refuses ${JSON.stringify(query)} naming ${parameter}`, () => {
      assert.throws(() => parseTaxiiFilter(query, ALL), (e: unknown) => e instanceof TaxiiQueryError && e.parameter === parameter);
    });
  }

  test('an endpoint refuses the parameters it does not take', () => {
    assert.throws(() => parseTaxiiFilter({ 'match[type]': 'indicator' }, ['limit', 'next']), TaxiiQueryError);
  });
});

describe('signed cursor', () => {
  const key = randomBytes(32);

  test('round-trips any position, for its own scope only', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.constantFrom(0 as const, 1 as const), fc.integer({ min: 1, max: 2 ** 52 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 999 }), (d, src, n, k, micros) => {
        const at = d.toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
        const c = encodeCursor(key, 'col|objects', { at, src, n, k });
        assert.deepEqual(decodeCursor(key, 'col|objects', c), { at, src, n, k });
        assert.equal(decodeCursor(key, 'other|objects', c), null);
      }),
    );
  });

  test('refuses a tampered, truncated or foreign cursor', () => {
    const c = encodeCursor(key, 's', { at: '2024-01-01T00:00:00.000001Z', src: 1, n: 42, k: 1 });
    const [payload, mac] = c.split('.');
    const forged = Buffer.from('2024-01-01T00:00:00.000001Z|1|41|1').toString('base64url');
    assert.equal(decodeCursor(key, 's', `${forged}.${mac}`), null);
    assert.equal(decodeCursor(key, 's', payload), null);
    assert.equal(decodeCursor(randomBytes(32), 's', c), null);
    assert.equal(decodeCursor(key, 's', 'garbage'), null);
  });
});
