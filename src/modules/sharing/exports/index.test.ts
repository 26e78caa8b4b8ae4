import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, collectExport, isExportFormatName, type ExportRow } from './index.js';
import { EXPORT_INDICATOR_TYPES } from './export-stream.js';

const AT = new Date('2025-07-19T12:00:00Z');

/** One valid canonical row of each type. */
const ONE_OF_EACH: ExportRow[] = [
  { type: 'ipv4', value: '192.0.2.1' },
  { type: 'ipv6', value: '2001:db8::1' },
  { type: 'cidr', value: '198.51.100.0/24' },
  { type: 'domain', value: 'evil.example.com' },
  { type: 'url', value: 'http://evil.example.com/payload.exe' },
  { type: 'file_hash', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', subtype: 'sha256' },
];

describe('EXPORT_FORMATS', () => {
  test('lists the formats routes and the CLI offer', () => {
    assert.deepEqual(EXPORT_FORMAT_NAMES, [
      'rpz',
      'nftables',
      'plain-ip',
      'plain-cidr',
      'plain-domain',
      'plain-url',
      'plain-hash',
      'hosts',
      'csv',
      'ndjson',
    ]);
    assert.equal(isExportFormatName('rpz'), true);
    assert.equal(isExportFormatName('toString'), false);
    assert.equal(isExportFormatName('stix'), false);
  });

  for (const name of EXPORT_FORMAT_NAMES) {
    test(`${name}: writes exactly the types it declares and skips the others`, async () => {
      const format = EXPORT_FORMATS[name];
      assert.match(format.extension, /^[a-z]+$/);
      assert.match(format.content_type, /^[a-z]+\/[a-z.+-]+(;|$)/);
      assert.match(format.load_command, /FILE/);
      for (const type of format.accepts) assert.ok(EXPORT_INDICATOR_TYPES.includes(type), `${type} is an indicator type`);
      const { text, stats } = await collectExport(format.generate(ONE_OF_EACH, { generated_at: AT }));
      assert.equal(stats.rows, ONE_OF_EACH.length);
      assert.equal(stats.skipped.unsupported_type, ONE_OF_EACH.length - format.accepts.length);
      assert.equal(stats.skipped.invalid, 0);
      assert.ok(stats.emitted >= format.accepts.length, `${stats.emitted} entries for ${format.accepts.join(', ')}`);
      const accepts: readonly string[] = format.accepts;
      for (const r of ONE_OF_EACH) {
        if (!accepts.includes(r.type) || (name === 'rpz' && r.type !== 'domain')) continue;
        assert.ok(text.includes(r.value), `${name} writes the ${r.type} ${r.value}`);
      }
    });
  }
});
