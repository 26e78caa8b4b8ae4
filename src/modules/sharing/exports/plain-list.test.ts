import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { collectExport, type ExportRow } from './export-stream.js';
import { hostsFile, isListableValue, plainList } from './plain-list.js';
import { listValues, readRealData } from './real-tools.test-support.js';

const AT = new Date('2025-07-19T12:00:00Z');
const row = (type: ExportRow['type'], value: string, extra: Partial<ExportRow> = {}): ExportRow => ({ type, value, ...extra });

const MIXED: ExportRow[] = [
  row('domain', 'evil.example.com'),
  row('domain', 'xn--80ak6aa92e.com'),
  row('domain', 'evil.example.com\n#injected'),
  row('ipv4', '192.0.2.7'),
  row('ipv6', '2001:db8::7'),
  row('cidr', '198.51.100.0/24'),
  row('url', 'http://evil.example.com/a%20b?x=1'),
  row('url', 'http://evil.example.com/has space'),
  row('file_hash', 'd41d8cd98f00b204e9800998ecf8427e', { subtype: 'md5' }),
  row('file_hash', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', { subtype: 'sha256' }),
  row('file_hash', 'not-a-hash', { subtype: 'sha256' }),
  row('domain', 'gone.example.com', { valid_until: new Date('2025-07-01T00:00:00Z') }),
];

function body(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#'));
}

describe('plainList', () => {
  test('writes one value per line for the chosen types under a # header', async () => {
    const { text, stats } = await collectExport(plainList(MIXED, { types: ['ipv4', 'ipv6'], generated_at: AT }));
    assert.deepEqual(body(text), ['192.0.2.7', '2001:db8::7']);
    assert.match(text, /^# threatshare blocklist\n# source: threatshare\n# generated: 2025-07-19T12:00:00\.000Z\n# types: ipv4, ipv6; one value per line\n/);
    assert.match(text, /# entries: 2 from 12 rows; skipped 10: unsupported_type 10\n$/);
    assert.equal(stats.emitted, 2);
  });

  test('never lets a value add or comment out a line', async () => {
    const { text, stats } = await collectExport(plainList(MIXED, { types: ['domain', 'url'], generated_at: AT }));
    assert.deepEqual(body(text), ['evil.example.com', 'xn--80ak6aa92e.com', 'http://evil.example.com/a%20b?x=1']);
    assert.equal(stats.skipped.invalid, 2);
    assert.equal(stats.skipped.expired, 1);
    assert.doesNotMatch(text, /injected/);
  });

  test('filters hashes by subtype and refuses malformed ones', async () => {
    const { text, stats } = await collectExport(
      plainList(MIXED, { types: ['file_hash'], subtype: 'sha256', generated_at: AT }),
    );
    assert.deepEqual(body(text), ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
    assert.equal(stats.skipped.invalid, 1);
  });

  test('refuses an empty or unknown type selection', async () => {
    await assert.rejects(collectExport(plainList([], { types: [] })), { code: 'validation_failed' });
    await assert.rejects(collectExport(plainList([], { types: ['email' as 'url'] })), { code: 'validation_failed' });
  });

  test('real URLhaus URLs come out one per line, unchanged', async () => {
    const data = readRealData('urlhaus-urls.txt');
    const urls = listValues(data.text).slice(0, 1000);
    const { text, stats } = await collectExport(plainList(urls.map((u) => row('url', u)), { types: ['url'], generated_at: AT }));
    const listed = body(text);
    assert.equal(listed.length + stats.skipped.invalid, urls.length);
    assert.ok(listed.length > urls.length * 0.95, `${listed.length} of ${urls.length} listed`);
    assert.deepEqual(listed, urls.filter((u) => isListableValue(row('url', u))));
  });
});

describe('hostsFile', () => {
  test('maps each domain to 0.0.0.0 and leaves everything else out', async () => {
    const { text, stats } = await collectExport(hostsFile(MIXED, { generated_at: AT }));
    assert.deepEqual(body(text), ['0.0.0.0 evil.example.com', '0.0.0.0 xn--80ak6aa92e.com']);
    assert.equal(stats.skipped.invalid, 1);
    assert.equal(stats.skipped.expired, 1);
    assert.equal(stats.skipped.unsupported_type, 8);
  });

  test('takes another address, and refuses one that is not an IP', async () => {
    const { text } = await collectExport(hostsFile([row('domain', 'a.example')], { address: '::', generated_at: AT }));
    assert.deepEqual(body(text), [':: a.example']);
    await assert.rejects(collectExport(hostsFile([], { address: 'localhost' })), { code: 'validation_failed' });
  });
});
