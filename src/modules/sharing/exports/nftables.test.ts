import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { collectExport, type ExportRow } from './export-stream.js';
import { nftablesSets, type NftablesOptions } from './nftables.js';
import {
  listValues,
  nftCheck,
  nftLoadTwiceIsolated,
  readRealData,
  runTool,
  canIsolateNetwork,
  withTempDir,
  writeTemp,
} from './real-tools.test-support.js';

const AT = new Date('2025-07-19T12:00:00Z');
const row = (type: ExportRow['type'], value: string, extra: Partial<ExportRow> = {}): ExportRow => ({ type, value, ...extra });

async function nft(rows: ExportRow[], options: NftablesOptions = {}) {
  return collectExport(nftablesSets(rows, { generated_at: AT, ...options }));
}

/** The elements written for one set, in order. */
function elementsOf(text: string, set: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(new RegExp(`^add element \\S+ \\S+ ${set} \\{ (.*) \\}$`, 'gm'))) out.push(...m[1].split(', '));
  return out;
}

/** Overlaps that make a naive interval-set load fail with "conflicting intervals specified". */
const OVERLAPPING: ExportRow[] = [
  row('cidr', '10.0.0.0/8'),
  row('ipv4', '10.1.2.3'), // inside the /8
  row('ipv4', '10.1.2.3'), // and listed twice
  row('cidr', '10.20.0.0/16'), // a prefix inside the /8
  row('cidr', '192.168.0.0/25'),
  row('cidr', '192.168.0.128/25'), // adjacent: one /24
  row('ipv4', '192.168.1.0'), // adjacent to that /24: a range
  row('cidr', '172.16.0.0/12'),
  row('cidr', '172.16.5.0/24'),
  row('ipv4', '203.0.113.9'),
  row('cidr', '2001:db8::/32'),
  row('ipv6', '2001:db8::1'),
  row('cidr', '2001:db8:1::/48'),
  row('ipv6', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'),
  row('ipv6', '2001:db9::'), // adjacent to the end of 2001:db8::/32
  row('ipv6', '2001:db8:0:0:1:0:0:1'),
  row('ipv6', '2a00:1450:4001::1'),
];

describe('nftablesSets', () => {
  test('merges overlapping, contained, duplicate and adjacent entries into disjoint elements', async () => {
    const { text, stats } = await nft(OVERLAPPING);
    assert.deepEqual(elementsOf(text, 'blocklist_v4'), [
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0-192.168.1.0',
      '203.0.113.9',
    ]);
    assert.deepEqual(elementsOf(text, 'blocklist_v6'), ['2001:db8::-2001:db9::', '2a00:1450:4001::1']);
    assert.equal(stats.rows, OVERLAPPING.length);
    assert.equal(stats.emitted, 6);
    assert.equal(stats.merged, OVERLAPPING.length - 6);
  });

  test('declares the table and sets, flushes them, then adds elements in bounded statements', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => row('ipv4', `198.51.100.${i * 2}`));
    const { text } = await nft([...rows, row('domain', 'evil.example'), row('ipv4', 'not-an-ip')], {
      elements_per_statement: 4,
      table: 'regulator_block',
      source: 'unit\ntest',
    });
    const lines = text.split('\n');
    assert.ok(lines.includes('table inet regulator_block {'), 'table declared');
    assert.ok(lines.includes('flush set inet regulator_block blocklist_v4'), 'v4 set flushed');
    assert.ok(lines.includes('flush set inet regulator_block blocklist_v6'), 'v6 set flushed');
    assert.ok(lines.includes('# source: unit test'), 'a newline in the source cannot escape the comment');
    const statements = lines.filter((l) => l.startsWith('add element '));
    assert.deepEqual(statements.map((s) => s.split(', ').length), [4, 4, 2]);
    assert.ok(text.indexOf('flush set') < text.indexOf('add element'), 'flush comes before the new elements');
    assert.doesNotMatch(text, /chain/, 'no chains unless asked');
    assert.match(text, /skipped 2: unsupported_type 1, invalid 1/);
  });

  test('ip and ip6 families carry only their own set', async () => {
    const v4 = await nft(OVERLAPPING, { family: 'ip' });
    assert.equal(elementsOf(v4.text, 'blocklist_v6').length, 0);
    assert.doesNotMatch(v4.text, /blocklist_v6/);
    assert.equal(v4.stats.skipped.unsupported_type, 7);
    const v6 = await nft(OVERLAPPING, { family: 'ip6' });
    assert.doesNotMatch(v6.text, /blocklist_v4/);
    assert.equal(elementsOf(v6.text, 'blocklist_v6').length, 2);
  });

  test('skips expired rows', async () => {
    const { text, stats } = await nft([
      row('ipv4', '192.0.2.1', { valid_until: new Date('2025-07-19T11:59:59Z') }),
      row('ipv4', '192.0.2.2', { valid_until: null }),
    ]);
    assert.deepEqual(elementsOf(text, 'blocklist_v4'), ['192.0.2.2']);
    assert.equal(stats.skipped.expired, 1);
  });

  test('refuses names nft would misparse', async () => {
    await assert.rejects(nft([], { table: 'bad name' }), { code: 'validation_failed', field: '/table' });
    await assert.rejects(nft([], { set_v4: 'x;flush ruleset' }), { code: 'validation_failed', field: '/set_v4' });
    await assert.rejects(nft([], { set_v4: 's', set_v6: 's' }), { code: 'validation_failed', field: '/set_v6' });
    await assert.rejects(nft([], { elements_per_statement: 0 }), { code: 'validation_failed' });
  });
});

describe('nftables files checked by nft', () => {
  function checkOrSkip(t: { skip: (message: string) => void }, text: string): { ok: boolean; output: string } | undefined {
    return withTempDir((dir) => {
      const result = nftCheck(writeTemp(dir, 'blocklist.nft', text));
      if ('skip' in result) {
        t.skip(result.skip);
        return undefined;
      }
      return result;
    });
  }

  test('overlapping real-world input loads, where the naive file fails with conflicting intervals', async (t) => {
    const { text } = await nft(OVERLAPPING, { drop_chains: true });
    const result = checkOrSkip(t, text);
    if (result === undefined) return;
    assert.equal(result.ok, true, result.output);
    // The control: the same rows written one element each, without merging, are refused by nft.
    const naive = `table inet t {\n\tset s { type ipv4_addr; flags interval; }\n}\n${OVERLAPPING.filter((r) => r.type !== 'ipv6' && !r.value.includes(':'))
      .map((r) => `add element inet t s { ${r.value} }`)
      .join('\n')}\n`;
    const control = checkOrSkip(t, naive);
    assert.equal(control?.ok, false);
    assert.match(control?.output ?? '', /conflicting intervals|interval overlaps|File exists/);
  });

  test('every family and hook combination passes nft -c', async (t) => {
    for (const options of [
      { family: 'ip' },
      { family: 'ip6' },
      { family: 'inet', drop_chains: { hooks: ['forward'] } },
      { family: 'ip', drop_chains: true },
      { family: 'ip6', drop_chains: { hooks: ['input', 'output'] } },
    ] as NftablesOptions[]) {
      const { text } = await nft(OVERLAPPING, options);
      const result = checkOrSkip(t, text);
      if (result === undefined) return;
      assert.equal(result.ok, true, `${JSON.stringify(options)}: ${result.output}`);
    }
  });

  test('the real IPsum and URLhaus addresses plus covering /24s load, twice, and match lookups', async (t) => {
    const ipsum = readRealData('ipsum.txt');
    const urlhaus = readRealData('urlhaus-domains.txt');
    const addresses = [
      ...listValues(ipsum.text).map((l) => l.split('\t')[0]),
      ...listValues(urlhaus.text).filter((v) => /^\d+\.\d+\.\d+\.\d+$/.test(v)),
    ];
    // Every 50th address also listed as its /24: real feeds mix both, and overlap heavily.
    const covering = addresses.filter((_, i) => i % 50 === 0).map((a) => `${a.split('.').slice(0, 3).join('.')}.0/24`);
    const rows = [...addresses.map((a) => row('ipv4', a)), ...covering.map((c) => row('cidr', c))];
    const { text, stats } = await nft(rows);
    assert.equal(stats.skipped.invalid, 0);
    assert.ok(stats.merged > covering.length, `${stats.merged} merged`);
    const result = checkOrSkip(t, text);
    if (result === undefined) return;
    assert.equal(result.ok, true, result.output.slice(0, 2000));
    if (!canIsolateNetwork()) return t.skip('a real load needs a private network namespace (unshare -n)');
    withTempDir((dir) => {
      const file = writeTemp(dir, 'blocklist.nft', text);
      const loaded = nftLoadTwiceIsolated(file, 'inet', 'threatshare');
      assert.ok(loaded, 'nft ran');
      assert.equal(loaded.status, 0, loaded.stderr);
      // An address inside a covering /24 but never listed itself is matched by the set;
      // a documentation address (RFC 5737), listed nowhere, is not.
      const inside = `${covering[0].split('.').slice(0, 3).join('.')}.254`;
      const lookup = runTool('unshare', [
        '-n',
        'sh',
        '-c',
        `nft -f "$1" || exit 9
         nft get element inet threatshare blocklist_v4 '{ ${inside} }' >/dev/null 2>&1; echo "inside $?"
         nft get element inet threatshare blocklist_v4 '{ 192.0.2.1 }' >/dev/null 2>&1; echo "outside $?"`,
        'sh',
        file,
      ]);
      assert.equal(lookup.status, 0, lookup.stderr);
      assert.match(lookup.stdout, /^inside 0$/m);
      assert.match(lookup.stdout, /^outside [1-9]\d*$/m);
    });
  });

  test('a reload replaces elements and does not duplicate the drop rules', async (t) => {
    if (!canIsolateNetwork()) return t.skip('a real load needs a private network namespace (unshare -n)');
    const { text } = await nft(OVERLAPPING, { drop_chains: true });
    withTempDir((dir) => {
      const loaded = nftLoadTwiceIsolated(writeTemp(dir, 'blocklist.nft', text), 'inet', 'threatshare');
      if (loaded === undefined) return t.skip('nft is not installed');
      assert.equal(loaded.status, 0, loaded.stderr);
      const rules = loaded.stdout.split('\n').filter((l) => l.includes('counter') && l.includes('drop'));
      assert.equal(rules.length, 8, loaded.stdout);
      assert.match(loaded.stdout, /10\.0\.0\.0\/8/);
    });
  });
});
