import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { collectExport, CHUNK_SIZE, type ExportRow } from './export-stream.js';
import { parseIPPrefix, rpzIpTriggerName } from './ip-encoding.js';
import {
  compareZoneSerials,
  encodeDnsName,
  nextZoneSerial,
  rpzActionRecord,
  rpzZone,
  zoneSerialFromTime,
  type RpzOptions,
} from './rpz.js';
import { canIsolateNetwork, listValues, missingTools, readRealData, runTool, withTempDir, writeTemp } from './real-tools.test-support.js';

const ORIGIN = 'rpz.threatshare.example';
const AT = new Date('2025-07-19T12:00:00Z');

const domain = (value: string, extra: Partial<ExportRow> = {}): ExportRow => ({ type: 'domain', value, ...extra });

async function zoneText(rows: ExportRow[], options: RpzOptions = {}) {
  return collectExport(rpzZone(rows, { generated_at: AT, ...options }));
}

/** Owner names and record data of a zone as BIND parsed it (named-compilezone canonical dump). */
function compileZone(file: string, origin = ORIGIN): { status: number | null; records: string[]; output: string } {
  const result = runTool('named-compilezone', ['-q', '-i', 'none', '-o', '-', origin, file]);
  const records = result.stdout
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith(';'))
    .map((line) => line.split(/\s+/))
    .filter((f) => f[3] !== 'SOA' && f[3] !== 'NS')
    .map((f) => `${f[0]} ${f[3]} ${f.slice(4).join(' ')}`);
  return { status: result.status, records, output: result.stdout + result.stderr };
}

describe('zone serials (RFC 1982)', () => {
  test('the default serial is Unix seconds modulo 2^32', () => {
    assert.equal(zoneSerialFromTime(AT), 1752926400);
    assert.equal(zoneSerialFromTime(new Date(2 ** 32 * 1000 + 5000)), 5);
  });

  test('compares across the 2^32 wrap and leaves the 2^31 distance undefined', () => {
    assert.equal(compareZoneSerials(1, 2), -1);
    assert.equal(compareZoneSerials(2, 1), 1);
    assert.equal(compareZoneSerials(7, 7), 0);
    assert.equal(compareZoneSerials(0, 2 ** 32 - 1), 1);
    assert.equal(compareZoneSerials(2 ** 32 - 1, 0), -1);
    assert.equal(compareZoneSerials(0, 2 ** 31), undefined);
    assert.throws(() => compareZoneSerials(-1, 0), { code: 'validation_failed' });
    assert.throws(() => compareZoneSerials(2 ** 32, 0), { code: 'validation_failed' });
  });

  test('the next serial always follows the previous one', () => {
    const now = zoneSerialFromTime(AT);
    assert.equal(nextZoneSerial(undefined, AT), now);
    assert.equal(nextZoneSerial(now - 300, AT), now);
    // Same second, and a clock stepped back: previous + 1.
    assert.equal(nextZoneSerial(now, AT), now + 1);
    assert.equal(nextZoneSerial(now + 1000, AT), now + 1001);
    // At the top of the space it wraps to 0, which RFC 1982 orders after 2^32 - 1.
    assert.equal(nextZoneSerial(2 ** 32 - 1, new Date(0)), 0);
    assert.equal(compareZoneSerials(nextZoneSerial(2 ** 32 - 1, new Date(0)), 2 ** 32 - 1), 1);
  });
});

describe('owner names', () => {
  test('response-IP triggers use the canonical form BIND prints', () => {
    const cases: Array<[string, string, string]> = [
      ['ipv4', '1.2.3.4', '32.4.3.2.1.rpz-ip'],
      ['cidr', '10.0.0.0/8', '8.0.0.0.10.rpz-ip'],
      ['cidr', '10.1.2.3/8', '8.0.0.0.10.rpz-ip'],
      ['cidr', '2001:db8::/48', '48.zz.db8.2001.rpz-ip'],
      // BIND's own example: equal zero runs, the first (in address order) becomes zz.
      ['ipv6', '2001:db8:0:0:1:0:0:1', '128.1.0.0.1.zz.db8.2001.rpz-ip'],
      ['ipv6', '2001:db8:0:1:1:1:1:1', '128.1.1.1.1.1.0.db8.2001.rpz-ip'],
      ['ipv6', '::ffff:1.2.3.4', '32.4.3.2.1.rpz-ip'],
      ['ipv6', '2001:DB8::7', '128.7.zz.db8.2001.rpz-ip'],
    ];
    for (const [type, value, expected] of cases) {
      const prefix = parseIPPrefix(type, value);
      assert.ok(prefix, `${value} parses`);
      assert.equal(rpzIpTriggerName(prefix), expected, value);
    }
    assert.equal(parseIPPrefix('cidr', '0.0.0.0/0'), undefined);
    assert.equal(parseIPPrefix('ipv4', '01.2.3.4'), undefined);
    assert.equal(parseIPPrefix('ipv6', 'fe80::1%eth0'), undefined);
  });

  test('labels are escaped, and unsafe or oversized names refused', () => {
    assert.deepEqual(encodeDnsName('Evil.Example.COM.'), { text: 'evil.example.com', wire: 17 });
    assert.equal(encodeDnsName('a*b;c.com')?.text, 'a\\042b\\059c.com');
    assert.equal(encodeDnsName('@.com')?.text, '\\064.com');
    assert.equal(encodeDnsName(`${'a'.repeat(63)}.com`)?.wire, 64 + 4);
    assert.equal(encodeDnsName(`${'a'.repeat(64)}.com`), undefined);
    assert.equal(encodeDnsName('a..com'), undefined);
    assert.equal(encodeDnsName('has space.com'), undefined);
    assert.equal(encodeDnsName('bücher.de'), undefined);
    assert.equal(encodeDnsName(''), undefined);
  });

  test('each action maps to its RPZ record', () => {
    assert.equal(rpzActionRecord('nxdomain'), 'CNAME .');
    assert.equal(rpzActionRecord('nodata'), 'CNAME *.');
    assert.equal(rpzActionRecord('passthru'), 'CNAME rpz-passthru.');
    assert.equal(rpzActionRecord('drop'), 'CNAME rpz-drop.');
    assert.equal(rpzActionRecord({ redirect: 'Walled.Example' }), 'CNAME walled.example.');
    assert.equal(rpzActionRecord({ redirect: '192.0.2.80' }), 'A 192.0.2.80');
    assert.equal(rpzActionRecord({ redirect: '2001:db8::80' }), 'AAAA 2001:db8::80');
    assert.throws(() => rpzActionRecord({ redirect: 'bad name.example' }), { code: 'validation_failed' });
  });
});

describe('rpzZone', () => {
  test('writes header, SOA, NS, one CNAME per domain and a counting trailer', async () => {
    const { text, stats } = await zoneText(
      [
        domain('evil.example.com'),
        { type: 'url', value: 'http://evil.example.com/x' },
        domain('old.example.net', { valid_until: new Date('2025-01-01T00:00:00Z') }),
        domain('still.example.net', { valid_until: new Date('2026-01-01T00:00:00Z') }),
        domain('x.rpz-ip'),
        { type: 'ipv4', value: '192.0.2.1' },
      ],
      { serial: 42, expected_count: 6, ttl: 120, ip_triggers: false },
    );
    const lines = text.split('\n');
    for (const expected of ['; source: threatshare', '; generated: 2025-07-19T12:00:00.000Z', '; count: 6 indicators', '$TTL 120', '$ORIGIN rpz.threatshare.example.', '@ SOA localhost. hostmaster.localhost. 42 3600 600 604800 60', '@ NS localhost.']) {
      assert.ok(lines.includes(expected), `has the line ${expected}`);
    }
    assert.deepEqual(
      lines.filter((l) => l.includes(' CNAME ')),
      ['evil.example.com CNAME .', 'still.example.net CNAME .'],
    );
    assert.deepEqual(stats, {
      rows: 6,
      emitted: 2,
      skipped: { unsupported_type: 2, invalid: 1, too_long: 0, expired: 1 },
      merged: 0,
    });
    assert.match(text, /; entries: 2 records for 2 domains and 0 IP triggers from 6 rows; skipped 4: unsupported_type 2, invalid 1, expired 1\n$/);
  });

  test('refuses options that would write a broken zone', async () => {
    await assert.rejects(zoneText([], { origin: 'bad origin.' }), { code: 'validation_failed', field: '/origin' });
    await assert.rejects(zoneText([], { serial: 2 ** 32 }), { code: 'validation_failed', field: '/serial' });
    await assert.rejects(zoneText([], { ttl: -1 }), { code: 'validation_failed', field: '/ttl' });
    await assert.rejects(zoneText([], { soa: { rname: 'a..b' } }), { code: 'validation_failed', field: '/soa/rname' });
  });

  test('streams: the first chunk leaves before the source is exhausted, chunks stay near 64 KiB', async () => {
    let pulled = 0;
    const total = 50_000;
    async function* source(): AsyncGenerator<ExportRow> {
      for (let i = 0; i < total; i++) {
        pulled++;
        yield domain(`host-${i}.example.org`);
      }
    }
    const generator = rpzZone(source(), { generated_at: AT });
    await generator.next(); // header
    const first = await generator.next();
    assert.equal(first.done, false);
    assert.ok(pulled < total, `only ${pulled} of ${total} rows read before the first chunk`);
    assert.equal(typeof first.value, 'string');
    const size = (first.value as string).length;
    assert.ok(size >= CHUNK_SIZE && size < CHUNK_SIZE + 200, `chunk of ${size} characters`);
    let records = (first.value as string).split('\n').filter((l) => l.endsWith(' CNAME .')).length;
    for (;;) {
      const step = await generator.next();
      if (step.done) {
        assert.equal(step.value.emitted, total);
        break;
      }
      records += step.value.split('\n').filter((l) => l.endsWith(' CNAME .')).length;
    }
    assert.equal(records, total);
  });
});

describe('RPZ loaded by BIND', { skip: missingTools('named-checkzone', 'named-compilezone') }, () => {
  const ROOM = 255 - 25; // wire octets left under rpz.threatshare.example. (25 octets with the root)
  // Three 63-octet labels (3 x 64) plus one of 37 (38): exactly 230, so 255 with the origin.
  const exact = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(37)}`;
  const overflow = `${exact}d`;
  assert.equal(encodeDnsName(exact)?.wire, ROOM);

  test('punycode, a 63-octet label, a 255-octet name, escapes and IP triggers pass named-checkzone', async () => {
    const rows: ExportRow[] = [
      domain('xn--80ak6aa92e.com'),
      domain('xn--fiqs8s.xn--55qx5d.cn'),
      domain(`${'x'.repeat(63)}.example.com`),
      domain(exact),
      domain(overflow),
      domain('we*ird;name.example'),
      domain('_dmarc.evil.example'),
      { type: 'ipv4', value: '198.51.100.7' },
      { type: 'cidr', value: '203.0.113.0/24' },
      { type: 'cidr', value: '2001:db8::/32' },
      { type: 'ipv6', value: '2001:db8:0:0:1:0:0:1' },
    ];
    const { text, stats } = await zoneText(rows, { ip_triggers: true });
    assert.equal(stats.skipped.too_long, 1);
    assert.equal(stats.emitted, rows.length - 1);
    withTempDir((dir) => {
      const file = writeTemp(dir, 'zone.rpz', text);
      const check = runTool('named-checkzone', [ORIGIN, file]);
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /loaded serial 1752926400/);
      const { records } = compileZone(file);
      const expected = [
        `${exact}.${ORIGIN}. CNAME .`, // exactly 255 octets with the origin
        `xn--80ak6aa92e.com.${ORIGIN}. CNAME .`,
        `we*ird\\;name.example.${ORIGIN}. CNAME .`, // BIND prints escapes in its own presentation form
        `128.1.0.0.1.zz.db8.2001.rpz-ip.${ORIGIN}. CNAME .`,
        `24.0.113.0.203.rpz-ip.${ORIGIN}. CNAME .`,
      ];
      for (const record of expected) assert.ok(records.includes(record), `zone has ${record}`);
      assert.equal(records.length, rows.length - 1);
    });
  });

  test('subdomain wildcards load, and a name whose wildcard would overflow is skipped whole', async () => {
    const fits = exact.slice(2); // 228 octets: 230 with "*."
    const { text, stats } = await zoneText([domain('evil.example.com'), domain(fits), domain(exact)], {
      include_subdomains: true,
    });
    assert.equal(stats.skipped.too_long, 1);
    assert.equal(stats.emitted, 4);
    withTempDir((dir) => {
      const file = writeTemp(dir, 'zone.rpz', text);
      const { status, records, output } = compileZone(file);
      assert.equal(status, 0, output);
      assert.deepEqual(records.sort(), [
        `*.${fits}.${ORIGIN}. CNAME .`,
        `*.evil.example.com.${ORIGIN}. CNAME .`,
        `${fits}.${ORIGIN}. CNAME .`,
        `evil.example.com.${ORIGIN}. CNAME .`,
      ].sort());
    });
  });

  test('every action and a custom origin and SOA load', async () => {
    const actions: RpzOptions['action'][] = ['nxdomain', 'nodata', 'passthru', 'drop', { redirect: 'walled.example.' }, { redirect: '192.0.2.80' }, { redirect: '2001:db8::80' }];
    for (const action of actions) {
      const { text } = await zoneText([domain('evil.example.com'), { type: 'cidr', value: '192.0.2.0/24' }], {
        action,
        include_subdomains: true,
        ip_triggers: true,
        origin: 'Block.Isp.Example',
        soa: { mname: 'ns1.isp.example', rname: 'noc.isp.example.', minimum: 30 },
      });
      withTempDir((dir) => {
        const file = writeTemp(dir, 'zone.rpz', text);
        const check = runTool('named-checkzone', ['block.isp.example', file]);
        assert.equal(check.status, 0, `${JSON.stringify(action)}: ${check.stdout}${check.stderr}`);
      });
    }
  });

  test('1,000 real URLhaus host names and addresses load with every record present', async () => {
    const data = readRealData('urlhaus-domains.txt');
    const values = listValues(data.text);
    // Take addresses and names from across the file, not only its leading IPs.
    const step = Math.max(1, Math.floor(values.length / 1000));
    const slice = values.filter((_, i) => i % step === 0).slice(0, 1000);
    assert.equal(slice.length, 1000, `${slice.length} values from ${data.path}`);
    const rows: ExportRow[] = slice.map((v) =>
      parseIPPrefix('ipv4', v) !== undefined ? { type: 'ipv4', value: v } : domain(v),
    );
    const ips = rows.filter((r) => r.type === 'ipv4').length;
    assert.ok(ips > 100 && ips < 1000, `a mix: ${ips} addresses`);
    const { text, stats } = await zoneText(rows, { ip_triggers: true });
    assert.equal(stats.emitted + stats.skipped.invalid + stats.skipped.too_long, slice.length);
    withTempDir((dir) => {
      const file = writeTemp(dir, 'urlhaus.rpz', text);
      const { status, records, output } = compileZone(file);
      assert.equal(status, 0, output);
      assert.equal(records.length, stats.emitted);
      assert.equal(records.filter((r) => r.includes('.rpz-ip.')).length, ips);
    });
  });

  const feed = readRealData('urlhaus-rpz-online.conf');
  test('names the URLhaus RPZ feed blocks today come out the same from our generator', async () => {
    const theirs = withTempDir((dir) => compileZone(writeTemp(dir, 'urlhaus.rpz', feed.text)));
    assert.equal(theirs.status, 0, theirs.output);
    const names = theirs.records.map((r) => r.split(' ')[0].slice(0, -(ORIGIN.length + 2)));
    assert.ok(names.length > 500, `${names.length} URLhaus names`);
    const { text } = await zoneText(names.map((n) => domain(n)));
    const ours = withTempDir((dir) => compileZone(writeTemp(dir, 'ours.rpz', text)));
    assert.equal(ours.status, 0, ours.output);
    assert.deepEqual(ours.records.sort(), theirs.records.sort());
  });
});

const liveSkip = missingTools('named', 'dig', 'named-checkzone') ?? (canIsolateNetwork() ? undefined : 'needs unshare -n and ip (root) to keep named on a private loopback');

describe('RPZ answered by a running named on loopback', { skip: liveSkip }, () => {
  test('blocked names, their subdomains and IP-trigger hits answer NXDOMAIN; others resolve', async () => {
    const { text } = await zoneText(
      [
        domain('evil.example.com'),
        domain('xn--80ak6aa92e.com'),
        { type: 'cidr', value: '198.51.100.0/24' },
        { type: 'cidr', value: '2001:db8:bad::/48' },
      ],
      { include_subdomains: true, ip_triggers: true },
    );
    const port = 53535; // free by construction: the namespace is new
    const result = withTempDir((dir) => {
      writeTemp(dir, 'zone.rpz', text);
      // A local root zone answers everything, so named never needs the real root servers.
      writeTemp(
        dir,
        'root.db',
        [
          '$TTL 60',
          '@ SOA localhost. hostmaster.localhost. 1 3600 600 604800 60',
          '@ NS localhost.',
          'localhost A 127.0.0.1',
          '* A 192.0.2.1',
          'iponly.test A 198.51.100.7',
          'v6only.test AAAA 2001:db8:bad::7',
          '',
        ].join('\n'),
      );
      writeTemp(
        dir,
        'named.conf',
        `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion yes;
  allow-query { 127.0.0.1; };
  allow-recursion { 127.0.0.1; };
  dnssec-validation no;
  notify no;
  response-policy { zone "${ORIGIN}"; };
};
controls { };
zone "." { type primary; file "${dir}/root.db"; };
zone "${ORIGIN}" { type primary; file "${dir}/zone.rpz"; };
`,
      );
      const dig = `dig +time=1 +tries=1 +noall +comments @127.0.0.1 -p ${port}`;
      const script = `
ip link set lo up
named -g -4 -c "${dir}/named.conf" > "${dir}/named.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do
  if dig +short +time=1 +tries=1 @127.0.0.1 -p ${port} ${ORIGIN} SOA | grep -q localhost; then break; fi
  sleep 0.1
done
for q in "evil.example.com A" "www.evil.example.com A" "xn--80ak6aa92e.com A" "iponly.test A" "v6only.test AAAA" "fine.example.org A" "example.com A"; do
  set -- $q
  echo "Q $1 $2 $(${dig} $1 $2 | grep -o 'status: [A-Z]*')"
done
kill $pid; wait $pid
echo LOG; cat "${dir}/named.log"
`;
      return runTool('unshare', ['-n', 'sh', '-c', script]);
    });
    const answers = Object.fromEntries(
      [...result.stdout.matchAll(/^Q (\S+) (\S+) status: (\S+)$/gm)].map((m) => [`${m[1]} ${m[2]}`, m[3]]),
    );
    const log = result.stdout.slice(result.stdout.indexOf('LOG'));
    assert.deepEqual(
      answers,
      {
        'evil.example.com A': 'NXDOMAIN',
        'www.evil.example.com A': 'NXDOMAIN',
        'xn--80ak6aa92e.com A': 'NXDOMAIN',
        'iponly.test A': 'NXDOMAIN',
        'v6only.test AAAA': 'NXDOMAIN',
        'fine.example.org A': 'NOERROR',
        'example.com A': 'NOERROR',
      },
      result.stdout + result.stderr,
    );
    assert.doesNotMatch(log, /invalid rpz|not the canonical/, log);
    assert.match(log, /rpz: rpz\.threatshare\.example: reload done/);
  });
});

const unboundSkip = missingTools('unbound', 'dig') ?? (canIsolateNetwork() ? undefined : 'needs unshare -n and ip (root) to keep unbound on a private loopback');

describe('RPZ answered by a running Unbound on loopback', { skip: unboundSkip }, () => {
  test('Unbound loads the same zone and answers NXDOMAIN for blocked names and subdomains', async () => {
    const { text } = await zoneText([domain('evil.example.com'), domain('xn--80ak6aa92e.com'), { type: 'cidr', value: '198.51.100.0/24' }], {
      include_subdomains: true,
    });
    const port = 53536; // free by construction: the namespace is new
    const result = withTempDir((dir) => {
      writeTemp(dir, 'zone.rpz', text);
      writeTemp(
        dir,
        'unbound.conf',
        `server:
  interface: 127.0.0.1@${port}
  do-ip6: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: "${dir}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  module-config: "respip iterator"
  local-zone: "test." static
  local-data: "fine.test. A 192.0.2.1"
rpz:
  name: "${ORIGIN}"
  zonefile: "${dir}/zone.rpz"
  rpz-log: yes
`,
      );
      const script = `
ip link set lo up
unbound -d -c "${dir}/unbound.conf" > "${dir}/unbound.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do
  if dig +short +time=1 +tries=1 @127.0.0.1 -p ${port} fine.test A | grep -q 192.0.2.1; then break; fi
  sleep 0.1
done
for q in evil.example.com www.evil.example.com xn--80ak6aa92e.com fine.test; do
  echo "Q $q $(dig +time=1 +tries=1 +noall +comments @127.0.0.1 -p ${port} $q A | grep -o 'status: [A-Z]*')"
done
kill $pid; wait $pid
echo LOG; cat "${dir}/unbound.log"
`;
      return runTool('unshare', ['-n', 'sh', '-c', script]);
    });
    const answers = Object.fromEntries([...result.stdout.matchAll(/^Q (\S+) status: (\S+)$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(
      answers,
      {
        'evil.example.com': 'NXDOMAIN',
        'www.evil.example.com': 'NXDOMAIN',
        'xn--80ak6aa92e.com': 'NXDOMAIN',
        'fine.test': 'NOERROR',
      },
      result.stdout + result.stderr,
    );
    assert.match(result.stdout, /rpz: applied \*\.evil\.example\.com\. rpz-nxdomain/);
    assert.doesNotMatch(result.stdout, /error:/);
  });
});
