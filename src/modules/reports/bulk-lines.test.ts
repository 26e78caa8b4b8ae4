import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BulkLineParser, splitCsvLine } from './bulk-lines.js';

describe('splitCsvLine', () => {
  test('splits plain, quoted, escaped and empty fields', () => {
    assert.deepEqual(splitCsvLine('a,b,c'), ['a', 'b', 'c']);
    assert.deepEqual(splitCsvLine('"a,b",c'), ['a,b', 'c']);
    assert.deepEqual(splitCsvLine('"say ""hi""",x'), ['say "hi"', 'x']);
    assert.deepEqual(splitCsvLine('a,,'), ['a', '', '']);
    assert.equal(splitCsvLine('"open'), null);
    assert.equal(splitCsvLine('"a"b,c'), null);
  });

  test('round-trips any fields written with RFC 4180 quoting', () => {
    fc.assert(
      fc.property(fc.array(fc.string().filter((s) => !s.includes('\n') && !s.includes('\r')), { minLength: 1, maxLength: 6 }), (cells) => {
        const line = cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(',');
        assert.deepEqual(splitCsvLine(line), cells);
      }),
    );
  });
});

describe('BulkLineParser', () => {
  test('plain lists take the first field and skip comments', () => {
    const p = new BulkLineParser('lines');
    assert.deepEqual(p.parse('# header'), { kind: 'skip' });
    assert.deepEqual(p.parse('1.2.3.4\t7'), { kind: 'candidate', c: { value: '1.2.3.4' } });
    assert.deepEqual(p.parse('example.org\r'), { kind: 'candidate', c: { value: 'example.org' } });
    assert.deepEqual(p.parse('   '), { kind: 'skip' });
  });

  test('CSV needs a header naming value and maps columns by name', () => {
    const p = new BulkLineParser('csv');
    assert.equal(p.parse('Type,Value').kind, 'skip');
    assert.deepEqual(p.parse('domain,example.org'), { kind: 'candidate', c: { value: 'example.org', type: 'domain', category: undefined, subtype: undefined } });
    const bad = new BulkLineParser('csv');
    assert.equal((bad.parse('a,b') as { code: string }).code, 'missing_header');
  });

  test('NDJSON lines are closed objects with string fields', () => {
    const p = new BulkLineParser('ndjson');
    assert.equal(p.parse('{"value":"x.org","type":"domain"}').kind, 'candidate');
    assert.equal((p.parse('[1]') as { code: string }).code, 'malformed_line');
    assert.equal((p.parse('{"value":"x","tlp":"red"}') as { code: string }).code, 'unknown_field');
    assert.equal((p.parse('{"value":"x","type":5}') as { code: string }).code, 'malformed_line');
  });
});
