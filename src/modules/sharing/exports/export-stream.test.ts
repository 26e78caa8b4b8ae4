import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { collectExport, RowBatches, rowBatches, type ExportGenerator, type ExportRow, type RowSource } from './export-stream.js';
import { nftablesSets } from './nftables.js';
import { hostsFile, isHostName, plainList } from './plain-list.js';
import { encodeDnsName, rpzZone } from './rpz.js';

const AT = new Date('2025-07-19T12:00:00Z');
const row = (type: ExportRow['type'], value: string, extra: Partial<ExportRow> = {}): ExportRow => ({ type, value, ...extra });

const ROWS: ExportRow[] = [
  row('domain', 'evil.example.com'),
  row('domain', 'Upper.Example.COM.'),
  row('domain', 'a*b.example.com'),
  row('domain', 'bad name.example.com'),
  row('domain', `${'x'.repeat(63)}.${'y'.repeat(63)}.${'z'.repeat(63)}.${'w'.repeat(50)}.com`),
  row('domain', 'host.rpz-ip'),
  row('domain', 'gone.example.com', { valid_until: new Date('2025-07-01T00:00:00Z') }),
  row('ipv4', '192.0.2.7'),
  row('ipv4', '192.0.2.8'),
  row('ipv6', '2001:db8::7'),
  row('cidr', '198.51.100.0/24'),
  row('url', 'http://evil.example.com/a'),
  row('file_hash', 'd41d8cd98f00b204e9800998ecf8427e'),
];

async function* oneByOne(rows: ExportRow[]): AsyncGenerator<ExportRow> {
  for (const r of rows) yield r;
}
async function* inBatchesOf(rows: ExportRow[], size: number): AsyncGenerator<ExportRow[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

describe('row sources', () => {
  const generators: [string, (rows: RowSource) => ExportGenerator][] = [
    ['rpz', (rows) => rpzZone(rows, { generated_at: AT })],
    ['rpz with subdomains', (rows) => rpzZone(rows, { generated_at: AT, include_subdomains: true })],
    ['plain list', (rows) => plainList(rows, { generated_at: AT, types: ['domain', 'ipv4', 'url'] })],
    ['hosts', (rows) => hostsFile(rows, { generated_at: AT })],
    ['nftables', (rows) => nftablesSets(rows, { generated_at: AT })],
  ];

  test('every blocklist generator writes the same text and counts from an array, rows one by one, or batches', async () => {
    for (const [name, generate] of generators) {
      const expected = await collectExport(generate(ROWS));
      assert.ok(expected.stats.rows === ROWS.length && expected.stats.emitted > 0, name);
      for (const [label, source] of [
        ['one by one', oneByOne(ROWS)],
        ['batches of 1', new RowBatches(inBatchesOf(ROWS, 1))],
        ['batches of 4', new RowBatches(inBatchesOf(ROWS, 4))],
        ['a set', new Set(ROWS)],
      ] as [string, RowSource][]) {
        assert.deepEqual(await collectExport(generate(source)), expected, `${name}, ${label}`);
      }
    }
  });

  test('RowBatches still reads row by row, and rowBatches hands batches through untouched', async () => {
    const batches = [ROWS.slice(0, 2), ROWS.slice(2)];
    const rows: ExportRow[] = [];
    for await (const r of new RowBatches(inBatchesOf(ROWS, 2))) rows.push(r);
    assert.deepEqual(rows, ROWS);
    const seen: (readonly ExportRow[])[] = [];
    for await (const b of rowBatches(new RowBatches((async function* () { yield* batches; })()))) seen.push(b);
    assert.equal(seen[0], batches[0]);
    assert.equal(seen[1], batches[1]);
  });
});

describe('fast checks of the line writers agree with the full rules', () => {
  /** The hosts(5) name rule as it was written before the fast check (one look-ahead regex). */
  const HOST_NAME_REFERENCE = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
  const label = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'abz09_-'), minLength: 0, maxLength: 8 }),
    fc.integer({ min: 60, max: 66 }).map((n) => 'a'.repeat(n)),
    fc.string({ unit: fc.constantFrom(...'aZ-.* \t#é'), maxLength: 4 }),
  );
  const name = fc.array(label, { minLength: 1, maxLength: 8 }).map((labels) => labels.join('.'));
  const longName = fc.integer({ min: 240, max: 260 }).map((n) => Array.from({ length: n }, (_, i) => (i % 50 === 49 ? '.' : 'a')).join(''));

  test('isHostName is the hosts(5) rule', () => {
    fc.assert(fc.property(fc.oneof(name, longName), (value) => isHostName(value) === HOST_NAME_REFERENCE.test(value)), { numRuns: 5000 });
  });

  test('the plain-name shortcut of encodeDnsName gives what the label-by-label path gives', () => {
    // Upper case and a trailing dot both take the full path; the result must not change.
    fc.assert(
      fc.property(fc.oneof(name, longName), (value) => {
        const fast = encodeDnsName(value);
        assert.deepEqual(encodeDnsName(value.toUpperCase()), fast);
        if (!value.endsWith('.')) assert.deepEqual(encodeDnsName(`${value}.`), fast);
      }),
      { numRuns: 5000 },
    );
  });
});
