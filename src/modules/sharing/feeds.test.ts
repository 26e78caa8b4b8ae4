import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { makeOrg, type TestOrg } from '../../../test/helpers/factories.js';
import { dbLabel, type Harness } from '../../../test/helpers/harness.js';
import { startFreshHarness } from '../../../test/helpers/fresh-database.js';
import { principalFor } from './sharing.test-support.js';
import { policyAllows } from '../access/feed-audience.js';
import { canIsolateNetwork, listValues, missingTools, nftCheck, runTool, withTempDir, writeTemp } from './exports/real-tools.test-support.js';

const tag = `${process.pid}${Date.now().toString(36)}`;
const d = (name: string) => `${name}-${tag}.feed-test.com`;

describe(`feeds and exports over HTTP (${dbLabel})`, () => {
  let h: Harness;
  let ministry: TestOrg;
  let reporter: TestOrg;
  let responsible: TestOrg;
  let other: TestOrg;
  let gd: TestOrg;
  let bj: TestOrg;

  const submit = async (org: TestOrg, tlp: string, observables: { type: string; value: string }[], extra: Record<string, unknown> = {}) => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: org.headers,
      payload: { category: 'malicious_resource', subtype: 'phishing_site', title: 'feed test', discovered_at: new Date(Date.now() - 120_000).toISOString(), tlp, observables, ...extra },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json();
  };
  const get = (org: TestOrg | null, url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers: { ...(org?.headers ?? {}), ...headers } });

  let start: string;
  before(async () => {
    // Its own database: ETags and the changes feed follow every indicator stored, and on a shared
    // PostgreSQL other test files store indicators between a download and its conditional repeat.
    h = await startFreshHarness('feeds');
    start = (await h.app.inject({ method: 'GET', url: '/api/v1/feeds/changes?cursor=now', headers: (await makeOrg(h.c, 'regulator_national')).headers })).json().next_cursor;
    ministry = await makeOrg(h.c, 'regulator_national');
    reporter = await makeOrg(h.c, 'security_vendor', { province_code: '110000', trusted_reporter: true });
    responsible = await makeOrg(h.c, 'internet_company', { province_code: '110000', scopes: [{ kind: 'domain_suffix', value: `owned-${tag}.feed-test.com` }] });
    other = await makeOrg(h.c, 'internet_company', { province_code: '310000' });
    gd = await makeOrg(h.c, 'regulator_provincial', { province_code: '440000' });
    bj = await makeOrg(h.c, 'regulator_provincial', { province_code: '110000' });
    await submit(reporter, 'clear', [{ type: 'domain', value: d('clear') }]);
    await submit(reporter, 'green', [{ type: 'domain', value: d('green') }, { type: 'ipv4', value: '120.238.23.168' }, { type: 'cidr', value: '45.95.147.0/24' }]);
    await submit(reporter, 'amber', [{ type: 'domain', value: d('amber') }, { type: 'domain', value: `x.owned-${tag}.feed-test.com` }, { type: 'ipv4', value: '120.238.23.169' }]);
    await submit(reporter, 'red', [{ type: 'domain', value: d('red') }, { type: 'email', value: `victim-${tag}@example.cn` }]);
  });
  after(() => h.close());

  const domainsIn = (text: string) => new Set(listValues(text).filter((l) => l.includes(tag)));

  test('each organization gets exactly what the indicator policy lets it see', async () => {
    const expectations: [TestOrg | null, string[]][] = [
      [null, ['clear']],
      [other, ['clear', 'green']],
      [responsible, ['clear', 'green', 'x.owned']],
      [reporter, ['clear', 'green', 'amber', 'x.owned', 'red']],
      [ministry, ['clear', 'green', 'amber', 'x.owned', 'red']],
      [gd, ['clear', 'green']],
    ];
    for (const [org, names] of expectations) {
      const r = org ? await get(org, '/api/v1/exports/plain-domain') : await get(null, '/feeds/public/plain-domain');
      assert.equal(r.statusCode, 200, r.body);
      const got = domainsIn(r.body);
      const want = new Set(names.map((n) => (n === 'x.owned' ? `x.owned-${tag}.feed-test.com` : d(n))));
      assert.deepEqual(got, want, `${org?.kind ?? 'public'}: ${[...got].join(' ')}`);
    }
  });

  test('the SQL filter agrees with the access module on every stored indicator of this test', async () => {
    const rows = (
      await sql<{ id: number; tlp: string; province_code: string | null; responsible_org_id: string | null; reporters: string[] }>`
        SELECT i.id, i.tlp, trim(i.province_code) AS province_code, i.responsible_org_id,
          array(SELECT s.org_id::text FROM sightings s WHERE s.indicator_id = i.id) AS reporters
        FROM indicators i WHERE i.value LIKE ${'%' + tag + '%'} OR i.value IN ('120.238.23.168', '120.238.23.169', '45.95.147.0/24')`.execute(h.c.handle.db)
    ).rows;
    assert.ok(rows.length >= 7);
    for (const org of [other, responsible, reporter, ministry, gd, bj]) {
      const p = await principalFor(h.c, org);
      const r = await get(org, `/api/v1/feeds/changes?limit=10000&types=domain,ipv4,cidr,email&cursor=${encodeURIComponent(start)}`);
      assert.equal(r.statusCode, 200, r.body);
      const seen = new Set<string>(r.json().items.map((i: { id: string }) => i.id));
      for (const row of rows) {
        const allowed = policyAllows(p, { tlp: row.tlp, province_code: row.province_code, responsible_org_id: row.responsible_org_id, reported_by_org: row.reporters.includes(org.id) });
        assert.equal(seen.has(String(row.id)), allowed, `${org.kind} ${org.province_code} indicator ${row.id} tlp ${row.tlp} province ${row.province_code}`);
      }
    }
  });

  test('conditional GET: ETag and Last-Modified, 304 on If-None-Match, gzip when accepted', async () => {
    const fetchTwice = async (headers: Record<string, string> = {}) => {
      const full = await get(other, '/api/v1/exports/rpz', headers);
      return { full, repeat: await get(other, '/api/v1/exports/rpz', { ...headers, 'if-none-match': String(full.headers.etag) }) };
    };
    const { full: first, repeat: again } = await fetchTwice();
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['content-type'], 'text/dns');
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    assert.ok(first.headers['last-modified']);
    assert.match(String(first.headers['x-load-command']), /named-checkzone/);
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    // Another audience never shares the tag.
    const mine = await get(reporter, '/api/v1/exports/rpz', { 'if-none-match': etag });
    assert.equal(mine.statusCode, 200);
    const { full: gz, repeat: gzAgain } = await fetchTwice({ 'accept-encoding': 'gzip, deflate' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    const text = gunzipSync(gz.rawPayload).toString('utf8');
    assert.ok(text.includes(d('green')));
    // The same generation: the same bytes.
    assert.equal(String(gz.headers.etag), etag.replace(/"$/, '-gz"'));
    assert.equal(text, first.body, 'gzip carries the same bytes');
    assert.equal(gzAgain.statusCode, 304);
    // A change anywhere makes a new generation, with a serial that grows.
    await submit(reporter, 'green', [{ type: 'domain', value: d('later') }]);
    const next = await get(other, '/api/v1/exports/rpz', { 'if-none-match': etag });
    assert.equal(next.statusCode, 200);
    const serial = (t: string) => Number(/SOA\s+\S+\s+\S+\s+(\d+)/.exec(t)?.[1]);
    assert.ok(serial(next.body) > serial(first.body), `${serial(next.body)} > ${serial(first.body)}`);
    assert.ok(next.body.includes(d('later')));
  });

  test('the exclusion list keeps matching indicators out of every blocklist; only the ministry sets it', async () => {
    const refused = await h.app.inject({ method: 'PUT', url: '/api/v1/exclusions', headers: gd.headers, payload: { entries: [{ type: 'domain', value: d('green') }] } });
    assert.equal(refused.statusCode, 403);
    const set = await h.app.inject({ method: 'PUT', url: '/api/v1/exclusions', headers: ministry.headers, payload: { entries: [{ type: 'domain', value: d('green').toUpperCase() }, { type: 'ipv4', value: '120.238.23.168' }] } });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().excluded, 2);
    assert.deepEqual(set.json().entries[0], { type: 'domain', value: d('green') });
    for (const format of ['rpz', 'plain-domain', 'hosts', 'csv', 'ndjson', 'nftables', 'plain-ip']) {
      const r = await get(ministry, `/api/v1/exports/${format}`);
      assert.equal(r.statusCode, 200);
      assert.ok(!r.body.includes(d('green')), `${format} carries an excluded domain`);
      assert.ok(!/120\.238\.23\.168\b/.test(r.body), `${format} carries an excluded address`);
    }
    const changes = (await get(other, `/api/v1/feeds/changes?limit=10000&cursor=${encodeURIComponent(start)}`)).json();
    const removed = changes.items.find((i: { value: string }) => i.value === d('green'));
    assert.equal(removed.action, 'remove');
    assert.equal(removed.excluded, true);
    // Later intake of an excluded value stays excluded.
    await submit(reporter, 'green', [{ type: 'domain', value: `sub.${d('green')}` }]);
    assert.ok(!(await get(ministry, '/api/v1/exports/plain-domain')).body.includes(`sub.${d('green')}`));
    const audit = await h.c.audit.forObject('settings', 'sharing.exclusions');
    assert.equal(audit.at(-1)?.action, 'sharing.exclusions_set');
    // Emptying the list brings them back.
    await h.app.inject({ method: 'PUT', url: '/api/v1/exclusions', headers: ministry.headers, payload: { entries: [] } });
    assert.ok((await get(ministry, '/api/v1/exports/plain-domain')).body.includes(d('green')));
  });

  test('expired and withdrawn indicators leave every feed at the next generation', async () => {
    await submit(reporter, 'green', [{ type: 'domain', value: d('expiring') }], { valid_until: new Date(Date.now() - 30_000).toISOString() });
    await submit(reporter, 'green', [{ type: 'domain', value: d('withdrawn') }]);
    const cursor = (await get(other, '/api/v1/feeds/changes?cursor=now')).json().next_cursor;
    await new Promise((r) => setTimeout(r, 5));
    // The SQL already refuses a past valid_until; the sweep makes it a status change that feeds see.
    assert.ok(!(await get(other, '/api/v1/exports/plain-domain')).body.includes(d('expiring')));
    const swept = await h.c.sharing.feeds.sweepExpired();
    assert.ok(swept >= 1);
    const row = await h.c.handle.db.selectFrom('indicators').select(['status']).where('value', '=', d('expiring')).executeTakeFirstOrThrow();
    assert.equal(row.status, 'expired');
    assert.equal((await h.c.indicators.find('domain', d('expiring')))?.status, 'expired', 'this process\u2019s lookup index follows');
    await sql`UPDATE indicators SET status = 'withdrawn', updated_at = now() WHERE value = ${d('withdrawn')}`.execute(h.c.handle.db);
    for (const format of ['rpz', 'plain-domain', 'ndjson']) {
      const body = (await get(other, `/api/v1/exports/${format}`)).body;
      assert.ok(!body.includes(d('withdrawn')) && !body.includes(d('expiring')), format);
    }
    const inc = (await get(other, `/api/v1/feeds/changes?cursor=${encodeURIComponent(cursor)}&limit=10000`)).json();
    const actions = Object.fromEntries(inc.items.filter((i: { value: string }) => i.value.includes(tag)).map((i: { value: string; action: string }) => [i.value, i.action]));
    assert.equal(actions[d('withdrawn')], 'remove');
    assert.equal(actions[d('expiring')], 'remove');
    assert.equal((await get(other, '/api/v1/feeds/changes?cursor=not-a-cursor')).json().code, 'validation_failed');
  });

  test('formats refuse types they cannot carry, and unknown formats are 400', async () => {
    assert.equal((await get(other, '/api/v1/exports/nftables?types=domain')).statusCode, 400);
    assert.equal((await get(other, '/api/v1/exports/zip')).statusCode, 400);
    assert.equal((await get(null, '/api/v1/exports/rpz')).statusCode, 401);
  });

  describe('done: files downloaded over HTTP load into real systems', () => {
    let base: string;
    before(async () => {
      await h.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    });

    test('threatshare export downloads only when the file changed, and replaces it whole', async () => {
      const { downloadExport } = await import('./export-download.js');
      const dir = mkdtempSync(join(tmpdir(), 'threatshare-cli-export-'));
      try {
        const out = `${dir}/threatshare.rpz`;
        const client = { url: base, token: other.headers.authorization.slice('Bearer '.length) };
        const first = await downloadExport(client, 'rpz', { out });
        assert.equal(first.status, 'written');
        assert.ok(readFileSync(out, 'utf8').includes(d('green')));
        assert.match(readFileSync(`${out}.etag`, 'utf8'), /^"/);
        assert.equal((await downloadExport(client, 'rpz', { out })).status, 'unchanged');
        const pub = await downloadExport({ url: base, token: '' }, 'plain-domain', { out: `${dir}/public.txt`, public: true });
        assert.equal(pub.status, 'written');
        assert.ok(readFileSync(`${dir}/public.txt`, 'utf8').includes(d('clear')));
        assert.ok(!readFileSync(`${dir}/public.txt`, 'utf8').includes(d('green')));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('the nftables file passes nft -c -f', async (t) => {
      const res = await fetch(`${base}/api/v1/exports/nftables`, { headers: other.headers });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /45\.95\.147\.0\/24/);
      withTempDir((dir) => {
        const check = nftCheck(writeTemp(dir, 'blocklist.nft', text));
        if ('skip' in check) return t.skip(check.skip);
        assert.ok(check.ok, check.output);
      });
    });

    const liveSkip = missingTools('named', 'dig', 'named-checkzone') ?? (canIsolateNetwork() ? undefined : 'needs unshare -n and ip (root) to keep named on a private loopback');
    test('an RPZ downloaded from threatshare loads into named and blocks the reported domain', { skip: liveSkip }, async () => {
      const res = await fetch(`${base}/api/v1/exports/rpz?include_subdomains=true`, { headers: { ...other.headers, 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200);
      const zone = await res.text(); // fetch undoes the gzip
      const origin = 'rpz.threatshare.example';
      const port = 53535;
      const out = withTempDir((dir) => {
        writeTemp(dir, 'zone.rpz', zone);
        assert.equal(runTool('named-checkzone', [origin, `${dir}/zone.rpz`]).status, 0);
        writeTemp(dir, 'root.db', ['$TTL 60', '@ SOA localhost. hostmaster.localhost. 1 3600 600 604800 60', '@ NS localhost.', 'localhost A 127.0.0.1', '* A 192.0.2.1', ''].join('\n'));
        writeTemp(
          dir,
          'named.conf',
          `options { directory "${dir}"; pid-file "${dir}/named.pid"; session-keyfile "${dir}/session.key"; listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; };
  recursion yes; allow-query { 127.0.0.1; }; allow-recursion { 127.0.0.1; }; dnssec-validation no; notify no; response-policy { zone "${origin}"; }; };
controls { };
zone "." { type primary; file "${dir}/root.db"; };
zone "${origin}" { type primary; file "${dir}/zone.rpz"; };
`,
        );
        const q = (name: string) => `echo "Q ${name} $(dig +time=1 +tries=1 +noall +comments @127.0.0.1 -p ${port} ${name} A | grep -o 'status: [A-Z]*')"`;
        const script = `ip link set lo up
named -g -4 -c "${dir}/named.conf" > "${dir}/named.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do dig +short +time=1 +tries=1 @127.0.0.1 -p ${port} ${origin} SOA | grep -q localhost && break; sleep 0.1; done
${q(d('green'))}
${q(`www.${d('green')}`)}
${q(d('amber'))}
${q('fine.example.org')}
kill $pid; wait $pid; echo LOG; cat "${dir}/named.log"`;
        return runTool('unshare', ['-n', 'sh', '-c', script]);
      });
      const answers = Object.fromEntries([...out.stdout.matchAll(/^Q (\S+) status: (\S+)$/gm)].map((m) => [m[1], m[2]]));
      assert.deepEqual(
        answers,
        { [d('green')]: 'NXDOMAIN', [`www.${d('green')}`]: 'NXDOMAIN', [d('amber')]: 'NOERROR', 'fine.example.org': 'NOERROR' },
        out.stdout + out.stderr,
      );
      assert.match(out.stdout, /rpz: rpz\.threatshare\.example: reload done/);
    });
  });
});
