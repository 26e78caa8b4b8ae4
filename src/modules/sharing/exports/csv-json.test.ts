import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { collectExport, type ExportRow } from './export-stream.js';
import { csvCell, csvExport, ndjsonExport } from './csv-json.js';

const AT = new Date('2025-07-19T12:00:00Z');

/** A strict RFC 4180 reader, to prove what a spreadsheet or SIEM gets back. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"' && field.length === 0) {
      quoted = true;
      i++;
    } else if (ch === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      assert.ok(ch !== '"' && ch !== '\n' && ch !== '\r', `bare ${JSON.stringify(ch)} at ${i}`);
      field += ch;
      i++;
    }
  }
  assert.equal(field.length + record.length, 0, 'the last record ends with CRLF');
  return records;
}

const ROWS: ExportRow[] = [
  {
    type: 'domain',
    value: 'evil.example.com',
    category: 'malicious_resource',
    subtype: 'phishing',
    first_seen: new Date('2025-07-01T08:00:00Z'),
    last_seen: new Date('2025-07-18T09:30:00Z'),
    valid_until: null,
    id: '0198a1b2-0000-7000-8000-000000000001',
    tlp: 'amber',
    sighting_count: 3,
  },
  { type: 'url', value: 'http://x.example/?a="1",b=2\nnext', id: 'u1' },
  { type: 'url', value: '=HYPERLINK("http://x.example","click")', id: 'u2' },
  { type: 'ipv4', value: '192.0.2.1', category: '+cmd', subtype: '-2+3', id: '@sum' },
  { type: 'ipv4', value: '192.0.2.2', valid_until: new Date('2025-07-19T00:00:00Z') },
];

describe('csvExport', () => {
  test('writes a header and RFC 4180 records that read back to the original values', async () => {
    const { text, stats } = await collectExport(csvExport(ROWS, { generated_at: AT }));
    const records = parseCsv(text);
    assert.deepEqual(records[0], ['type', 'value', 'category', 'subtype', 'first_seen', 'last_seen', 'valid_until', 'id']);
    assert.deepEqual(records[1], [
      'domain',
      'evil.example.com',
      'malicious_resource',
      'phishing',
      '2025-07-01T08:00:00.000Z',
      '2025-07-18T09:30:00.000Z',
      '',
      '0198a1b2-0000-7000-8000-000000000001',
    ]);
    assert.equal(records[2][1], 'http://x.example/?a="1",b=2\nnext');
    assert.equal(records.length, 5, 'the expired row is left out');
    assert.equal(stats.skipped.expired, 1);
  });

  test('neutralizes cells a spreadsheet would run as formulas', async () => {
    const records = parseCsv((await collectExport(csvExport(ROWS, { generated_at: AT }))).text);
    assert.equal(records[3][1], `'=HYPERLINK("http://x.example","click")`);
    assert.deepEqual(records[4].slice(2, 4), ["'+cmd", "'-2+3"]);
    assert.equal(records[4][7], "'@sum");
    assert.equal(csvCell('\tx'), "'\tx");
    assert.equal(csvCell('safe-value'), 'safe-value');
  });

  test('chooses columns, including context fields, and types', async () => {
    const { text } = await collectExport(
      csvExport(ROWS, { columns: ['value', 'tlp', 'sighting_count'], types: ['domain'], generated_at: AT }),
    );
    assert.deepEqual(parseCsv(text), [
      ['value', 'tlp', 'sighting_count'],
      ['evil.example.com', 'amber', '3'],
    ]);
  });

  test('any string survives a round trip (after the formula prefix)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 20 }), async (values) => {
        const rows: ExportRow[] = values.map((value) => ({ type: 'url', value }));
        const records = parseCsv((await collectExport(csvExport(rows, { columns: ['value'] }))).text);
        assert.deepEqual(
          records.slice(1).map((r) => r[0]),
          values.map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)),
        );
      }),
    );
  });
});

describe('ndjsonExport', () => {
  test('writes every field of each row as one JSON object per line', async () => {
    const { text, stats } = await collectExport(ndjsonExport(ROWS, { generated_at: AT }));
    const lines = text.split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, 4);
    assert.deepEqual(JSON.parse(lines[0]), {
      type: 'domain',
      value: 'evil.example.com',
      category: 'malicious_resource',
      subtype: 'phishing',
      first_seen: '2025-07-01T08:00:00.000Z',
      last_seen: '2025-07-18T09:30:00.000Z',
      valid_until: null,
      id: '0198a1b2-0000-7000-8000-000000000001',
      tlp: 'amber',
      sighting_count: 3,
    });
    assert.equal(JSON.parse(lines[1]).value, 'http://x.example/?a="1",b=2\nnext');
    assert.equal(stats.emitted, 4);
  });

  test('can include expired rows and filter by type', async () => {
    const { text } = await collectExport(ndjsonExport(ROWS, { include_expired: true, types: ['ipv4'], generated_at: AT }));
    assert.deepEqual(
      text.trim().split('\n').map((l) => JSON.parse(l).value),
      ['192.0.2.1', '192.0.2.2'],
    );
  });
});
