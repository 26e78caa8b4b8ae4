/**
 * National scale (issue 15): the lookup server over a store of `--count` indicators (default ten
 * million) on PostgreSQL, beside the raw limits of the same run. Prints figures, never asserts.
 *
 *   npm run bench:scale -- [--count=10000000] [--duration=10] [--db-name=threatshare_scale]
 *     [--template=DB] [--parts=lookup,intake,taxii,lifecycle|none] [--intake-lines=1000000] [--taxii-lines=1000000] [--lifecycle-lines=1000000]
 *
 * 1. drops and recreates its own database `threatshare_scale` (or `--db-name`; never the test or bench databases
 *    others use), migrates it, creates a telecom operator and its token through the services;
 * 2. generates the indicators in SQL (generate_series, in chunks of a million, half public IPv4
 *    and half domains), not through the API: the machine is shared;
 * 3. starts the real server in a child process as `threatshare serve` does (listen, then build the
 *    lookup filter in the background) and times fork → first `/healthz` 200, and → filter built;
 * 4. autocannon, 64 connections, GET lookups for a realistic mix (99% unknown values) and for
 *    50/50, against the server and against a bare `node:http` child answering the same bytes;
 * 5. batch lookup of 10,000 values (half known), 5 times; the server's RSS after each step.
 *
 * `--stix-sync=no` (the default) stops the server's background sweep of the STIX id map: the
 * generated store was never mapped, and hashing ten million rows' ids would share the server's
 * core with the lookups; `--stix-sync=yes` measures lookups while it runs.
 *
 * `--template=DB` copies an earlier run's database (`CREATE DATABASE ... TEMPLATE`, a file copy)
 * instead of generating the store again: `--parts=none --db-name=DB` generates one and stops, so
 * each part can then be measured on the same ten million rows without an hour of generation.
 *
 * `--parts=` runs some of the parts after the generation (default all, in this order): `lookup`
 * (3–5 above); `intake` (bench/scale-intake.ts: the intake ratio to a bare COPY into a table
 * already holding the store, and the RPZ export of all domains against COPY TO); `taxii`
 * (bench/scale-taxii.ts: commit of a bulk import → TAXII serves its last value, a client's drain,
 * the id map); `lifecycle` (bench/scale-lifecycle.ts: expiry, withdrawal, retention of
 * `--lifecycle-lines` more values; last, as it retires this database's audit log).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { makeOrg } from '../test/helpers/factories.js';
import { fmt, machineLine, mib, parseFlags, PG_ADMIN_URL, positiveInt, postgresSettings, prng, seconds } from './bench-common.js';
import type { ServerMessage } from './lookup-server.js';
import { gcLine, gcOf, getCycling, lookupOnce, rssOf, startServer, stopServer } from './lookup-server-control.js';
import type { ChildProcess } from 'node:child_process';
import { runIntakePart } from './scale-intake.js';
import { lifecyclePart } from './scale-lifecycle.js';
import { measureTaxiiCurrency, overHttp } from './scale-taxii.js';

const PARTS = ['lookup', 'intake', 'taxii', 'lifecycle'];
const WARMUP_SECONDS = 3;
const REQUEST_LIST = 20_000;
const BATCH = 10_000;
const BATCH_REPEATS = 5;
const CHUNK = 1_000_000;

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** The i-th generated value (0-based): even i a public IPv4 address, odd i a domain. */
function valueOf(i: number): { type: string; value: string } {
  const x = Math.floor(i / 2);
  if (i % 2 === 0) return { type: 'ipv4', value: `${11 + Math.floor(x / 65536)}.${Math.floor(x / 256) % 256}.${x % 256}.7` };
  return { type: 'domain', value: `n${String(x).padStart(8, '0')}.scale-bench.com` };
}

const IPV4_SQL = `(11 + (g / 2) / 65536)::text || '.' || (((g / 2) / 256) % 256)::text || '.' || ((g / 2) % 256)::text || '.7'`;
const DOMAIN_SQL = `'n' || lpad(((g / 2))::text, 8, '0') || '.scale-bench.com'`;

async function main() {
  const flags = parseFlags(process.argv.slice(2), { count: '10000000', duration: '10', 'stix-sync': 'no', 'db-name': 'threatshare_scale', template: '', parts: 'lookup,intake,taxii,lifecycle', 'intake-lines': '1000000', 'taxii-lines': '1000000', 'lifecycle-lines': '1000000' });
  // Each engineer profiling on the shared PostgreSQL passes a database of their own.
  const SCALE_DB = flags['db-name'];
  const template = flags.template;
  for (const [flag, name] of [['db-name', SCALE_DB], ['template', template]]) if (name && !/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`--${flag} must be a plain identifier, not ${name}`);
  if (template === SCALE_DB) throw new Error('--template must name another database than --db-name');
  const parts = flags.parts === 'none' ? [] : flags.parts.split(',');
  for (const part of parts) if (!PARTS.includes(part)) throw new Error(`--parts takes ${PARTS.join(', ')}, not ${part}`);
  const count = positiveInt(flags.count, 'count');
  const duration = positiveInt(flags.duration, 'duration');
  console.log(`# bench:scale — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}; load average at start ${load()}`);

  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${SCALE_DB} WITH (FORCE)`);
  const tc = process.hrtime.bigint();
  await admin.query(template ? `CREATE DATABASE ${SCALE_DB} TEMPLATE ${template}` : `CREATE DATABASE ${SCALE_DB}`);
  await admin.end();
  if (template) console.log(`copied database ${template} into ${SCALE_DB} in ${fmt(seconds(tc), 1)} s`);
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${SCALE_DB}`);
  console.log(`postgres: ${await postgresSettings(url)}`);

  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-scale-state-'));
  const handle = await openDatabase({ databaseUrl: url });
  const c = await createContainer(loadConfig({ DATA_DIR: stateDir, DATABASE_URL: url }), { handle, loadIndex: false });
  const token = (await makeOrg(c, 'telecom_operator', { name: '规模测试 电信运营商' })).token;
  await c.close();
  fs.rmSync(stateDir, { recursive: true, force: true });

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tg = process.hrtime.bigint();
  for (let lo = 0; lo < count && !template; lo += CHUNK) {
    const hi = Math.min(count, lo + CHUNK) - 1;
    await client.query(`
      INSERT INTO indicators (type, value, category, subtype, tlp, first_seen, last_seen, listing)
      SELECT t, v, 'malicious_resource', 'malware_distribution', 'clear', now(), now(), 'confirmed' FROM (
        SELECT CASE WHEN g % 2 = 0 THEN 'ipv4' ELSE 'domain' END AS t,
               CASE WHEN g % 2 = 0 THEN ${IPV4_SQL} ELSE ${DOMAIN_SQL} END AS v
        FROM generate_series(${lo}::bigint, ${hi}::bigint) AS g) s
      ORDER BY t, v`);
    process.stdout.write(`\rgenerated ${fmt(hi + 1)} of ${fmt(count)} (${fmt(seconds(tg), 0)} s, load ${load()})`);
  }
  if (!template) await client.query('ANALYZE indicators');
  const stored = Number((await client.query('SELECT count(*) AS n FROM indicators')).rows[0].n);
  const tableBytes = Number((await client.query(`SELECT pg_total_relation_size('indicators') AS b`)).rows[0].b);
  await client.end();
  const generateSeconds = seconds(tg);
  if (template && stored < count) throw new Error(`--template ${template} holds ${fmt(stored)} indicators, fewer than --count=${fmt(count)}`);
  console.log(`\n${fmt(stored)} indicators ${template ? `copied from ${template}` : 'generated'} in ${fmt(generateSeconds, 1)} s; table with indexes ${mib(tableBytes)}; load ${load()}`);

  if (parts.includes('lookup')) await lookupPart(url, token, count, stored, duration, flags['stix-sync']);
  if (parts.includes('intake')) await runIntakePart({ url, count, lines: positiveInt(flags['intake-lines'], 'intake-lines') });
  if (parts.includes('taxii')) await taxiiPart(url, token, positiveInt(flags['taxii-lines'], 'taxii-lines'));
  // Last: it retires the whole audit log of this throw-away database and vacuums the store.
  if (parts.includes('lifecycle')) await lifecyclePart(url, positiveInt(flags['lifecycle-lines'], 'lifecycle-lines'));
}

async function lookupPart(url: string, token: string, count: number, stored: number, duration: number, stixSync: string) {
  // Start as `threatshare serve` does; time fork → first /healthz 200 from outside.
  const t0 = process.hrtime.bigint();
  const app = await startServer(['--mode=app', `--url=${url}`, '--start=background', `--stix-sync=${stixSync}`]);
  const port = app.ready.port;
  const filterBuilt = new Promise<Extract<ServerMessage, { kind: 'filter' }>>((resolve) => {
    const on = (m: ServerMessage) => {
      if (m.kind === 'filter') {
        app.child.off('message', on);
        resolve(m);
      }
    };
    app.child.on('message', on);
  });
  let healthSeconds = 0;
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    if (r?.status === 200) {
      healthSeconds = seconds(t0);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log(`server: /healthz 200 ${fmt(healthSeconds, 2)} s after fork, RSS ${mib(app.ready.rss)}; load ${load()}`);
  const headers = { authorization: `Bearer ${token}` };
  const f = await filterBuilt;
  console.log(`server: lookup filter built ${fmt(f.seconds, 1)} s after start, ${fmt(f.indexed)} members, ${mib(f.filterBytes)} (${fmt(f.filterBytes / Math.max(f.indexed, 1), 2)} bytes per indicator), RSS ${mib(f.rss)}, heap ${mib(f.heapUsed)}; load ${load()}`);

  const rnd = prng(11);
  const known = Array.from({ length: REQUEST_LIST }, () => valueOf(Math.floor(rnd() * count)).value);
  const unknown = Array.from({ length: REQUEST_LIST }, (_, i) => (i % 2 ? `nx${Math.floor(rnd() * 1e9).toString(36)}${i}.com` : `${1 + Math.floor(rnd() * 9)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`));
  const hit = await lookupOnce(port, known[0], headers);
  const miss = await lookupOnce(port, unknown[0], headers);
  if (hit.json.known !== true || miss.json.known !== false) throw new Error(`lookup sanity check failed: ${hit.text} / ${miss.text}`);

  const mixes: { name: string; knownShare: number }[] = [
    { name: 'realistic (1% known)', knownShare: 0.01 },
    { name: '50/50', knownShare: 0.5 },
  ];
  const figures: { name: string; app: Figures; bare: Figures; rss: number }[] = [];
  const bare = await startServer(['--mode=bare', `--body=${hit.text}`]);
  for (const m of mixes) {
    const paths: string[] = [];
    for (let i = 0; i < REQUEST_LIST; i++) paths.push(`/api/v1/indicators/lookup?value=${encodeURIComponent(rnd() < m.knownShare ? known[i] : unknown[i])}`);
    const a = await cannon(app.child, port, paths, headers, duration, `app ${m.name}`);
    const rss = await rssOf(app.child);
    const b = await cannon(bare.child, bare.ready.port, paths, headers, duration, `bare ${m.name}`);
    figures.push({ name: m.name, app: a, bare: b, rss });
  }
  await stopServer(bare.child);

  const batchValues = Array.from({ length: BATCH }, (_, i) => (i % 2 ? known[i] : unknown[i]));
  const batchSeconds: number[] = [];
  let batchKnown = 0;
  for (let i = 0; i < BATCH_REPEATS; i++) {
    const t = process.hrtime.bigint();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/indicators/lookup`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ values: batchValues }) });
    const body = (await res.json()) as { known: number; results: unknown[] };
    batchSeconds.push(seconds(t));
    if (res.status !== 200 || body.results.length !== BATCH) throw new Error(`batch lookup answered ${res.status}`);
    batchKnown = body.known;
  }
  const rssEnd = await rssOf(app.child);
  await stopServer(app.child);

  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`\n## results (${fmt(stored)} indicators on PostgreSQL; load average at end ${load()})`);
  console.log(`  start-up   : /healthz 200 after ${fmt(healthSeconds, 2)} s (goal < 10 s: ${met(healthSeconds < 10)}); filter built after ${fmt(f.seconds, 1)} s (lookups ask the database until then)`);
  for (const r of figures) {
    const rate = r.app.rps / r.bare.rps;
    const p99 = r.app.p99 / Math.max(r.bare.p99, 1);
    console.log(`  GET ${r.name}: ${fmt(r.app.rps)} req/s p99 ${r.app.p99} ms vs bare ${fmt(r.bare.rps)} req/s p99 ${r.bare.p99} ms: rate ${fmt(rate, 3)} (goal >= 0.5: ${met(rate >= 0.5)}), p99 ${fmt(p99, 2)}x (goal <= 2: ${met(p99 <= 2)}); non-2xx ${r.app.non2xx}, errors ${r.app.errors}`);
  }
  const best = Math.min(...batchSeconds);
  console.log(`  batch      : ${fmt(BATCH)} values in ${batchSeconds.map((s) => `${fmt(s * 1000)} ms`).join(', ')}; ${fmt(batchKnown)} known (goal < 1 s: ${met(best < 1)})`);
  const rssMax = Math.max(f.rss, rssEnd, ...figures.map((x) => x.rss));
  console.log(`  server RSS : ${mib(app.ready.rss)} at /healthz, ${mib(f.rss)} with the filter, ${figures.map((x) => `${mib(x.rss)} after ${x.name}`).join(', ')}, ${mib(rssEnd)} after the batches (goal < 1 GiB: ${met(rssMax < 2 ** 30)})`);
}

/**
 * TAXII current at commit (bench/scale-taxii.ts): a server started as `threatshare serve` is, a
 * bulk import of `lines` new domains committed by this process, and what the server serves of it.
 */
async function taxiiPart(url: string, token: string, lines: number) {
  const app = await startServer(['--mode=app', `--url=${url}`, '--start=background', '--stix-sync=no']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-scale-taxii-'));
  const bench = await overHttp({ url, stateDir: dir, port: app.ready.port, token });
  try {
    const x = await measureTaxiiCurrency(bench, { lines, load });
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(`\n## TAXII (${fmt(x.lines)}-line import into the store; load average at end ${load()})`);
    console.log(`  commit → last value served ${fmt(x.lastSeconds * 1000)} ms (goal < 10 s: ${met(x.lastSeconds < 10)}), first value ${fmt(x.firstSeconds * 1000)} ms; the import itself ${fmt(x.importSeconds, 1)} s`);
    console.log(`  a client's drain: ${fmt(x.drainObjects)} objects in ${fmt(x.drainSeconds, 1)} s vs COPY TO of the values ${fmt(x.copySeconds, 2)} s; by id after the id map (${fmt(x.mapSeconds, 1)} s, ${fmt(x.lines / x.mapSeconds)} rows/s)`);
  } finally {
    await bench.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await stopServer(app.child);
  }
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}


async function cannon(child: ChildProcess, port: number, paths: string[], headers: Record<string, string>, duration: number, label: string): Promise<Figures> {
  await gcOf(child);
  const w = await getCycling(port, paths, headers, WARMUP_SECONDS);
  const wg = await gcOf(child);
  if (label.startsWith('app')) console.log(`[${label}] warm-up: ${fmt(w.requests.total)} requests, ${fmt(wg.probes)} index probes in ${fmt(wg.probeQueries)} queries, p99 ${w.latency.p99} ms`);
  const r = await getCycling(port, paths, headers, duration);
  const g = await gcOf(child);
  // The server's own count: pg_stat_database flushes each backend's counts up to a second late,
  // so the warm-up's probes would fall into the run.
  const probes = label.startsWith('app') ? `; ${fmt(g.probes / Math.max(r.requests.total, 1), 4)} index probes/request in ${fmt(g.probeQueries)} queries (${fmt(g.cached)} entries cached)` : '';
  console.log(`[${label}] ${fmt(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, p99.9 ${r.latency.p99_9} ms, max ${r.latency.max} ms${probes}; load ${load()}`);
  console.log(`[${label}] ${gcLine(g, duration)}`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
