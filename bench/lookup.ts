/**
 * Lookup benchmark (DESIGN.md §5: "indicator lookups over HTTP at least half of a bare node:http
 * server's request rate"; §6: "a batch lookup of 10,000 values answers in well under a second").
 *
 * For each database, on a freshly created one:
 *  1. load N indicators straight into `indicators` with COPY (the corpus of bench/corpus.ts, with
 *     the platform's own enrichment; TLP:CLEAR, as the public feeds they come from), so the run
 *     spends its time on lookups, not on intake (bench/intake.ts measures that);
 *  2. start the real server in a child process (`createContainer` loads the lookup index from the
 *     database as at start-up, then `buildApp` listens on 127.0.0.1) and drive
 *     `GET /api/v1/indicators/lookup?value=` with autocannon, 64 connections, for --duration
 *     seconds, over a fixed list of requests: half random stored values, half unknown values of the
 *     same shapes, as a telecom operator's token;
 *  3. batch lookups: POST /api/v1/indicators/lookup with 10,000 values (half known), repeated;
 *  4. the raw limit: a bare node:http child answering one constant JSON body (the real server's
 *     answer for a known value, so the bytes on the wire match), driven the same way.
 * The server's resident memory is read in the child after start-up and after the runs.
 * Before the server starts, the STIX objects the TAXII module derives from every indicator are
 * synced once (timed apart; `--stix-sync=no` skips it, and the server then does the first
 * conversion of the whole store in the background while it is being measured).
 *
 *   npm run bench:lookup -- --db=postgres|pglite|both --count=1000000 --duration=20 [--stix-sync=no]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import autocannon from 'autocannon';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { makeOrg } from '../test/helpers/factories.js';
import { dbKinds, fmt, machineLine, mib, parseFlags, positiveInt, prng, recreatePostgresDb, seconds, tempPgliteDir, type DbKind } from './bench-common.js';
import { buildCorpus, type CanonicalRow } from './corpus.js';
import type { ServerMessage } from './lookup-server.js';
import { lookupOnce, rssOf, startServer, stopServer } from './lookup-server-control.js';

const CONNECTIONS = 64;
const WARMUP_SECONDS = 3;
const REQUEST_LIST = 20_000;
const BATCH = 10_000;
const BATCH_REPEATS = 5;
const LOAD_COLUMNS = '(type, value, hash_algorithm, category, subtype, tlp, first_seen, last_seen, province_code, operator, responsible_org_id)';

interface CannonFigures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

interface LookupFigures {
  db: DbKind;
  count: number;
  loadSeconds: number;
  startSeconds: number;
  indexed: number;
  app: CannonFigures;
  bare: CannonFigures;
  batch: { seconds: number[]; known: number };
  rssAfterLoad: number;
  rssAfterRun: number;
  rssAfterBatch: number;
  heapAfterLoad: number;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { db: 'both', count: '1000000', duration: '20', 'stix-sync': 'yes' });
  const stixSync = flags['stix-sync'] !== 'no';
  const kinds = dbKinds(flags.db);
  const count = positiveInt(flags.count, 'count');
  const duration = positiveInt(flags.duration, 'duration');

  console.log(`# bench:lookup — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}; load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  // Only the distinct canonical values matter here: no duplicates to load.
  const corpus = buildCorpus(count);
  const rows = corpus.rows;
  console.log(`corpus: ${fmt(rows.length)} distinct values (${Object.entries(corpus.byType).map(([t, n]) => `${t} ${fmt(n)}`).join(', ')})`);
  const requests = requestValues(rows);

  const results: LookupFigures[] = [];
  for (const kind of kinds) results.push(await benchOne(kind, rows, requests, duration, stixSync));

  console.log('\n## results');
  for (const r of results) {
    const rate = r.app.rps / r.bare.rps;
    const p99 = r.app.p99 / Math.max(r.bare.p99, 1);
    const batchBest = Math.min(...r.batch.seconds);
    const batchMedian = [...r.batch.seconds].sort((a, b) => a - b)[Math.floor(r.batch.seconds.length / 2)];
    const goal = (ok: boolean) => (r.db === 'postgres' ? ` (goal: ${ok ? 'met' : 'NOT met'})` : '');
    console.log(`\n[${r.db}] ${fmt(r.indexed)} indicators; direct load ${fmt(r.loadSeconds, 1)} s; server start with index load ${fmt(r.startSeconds, 1)} s`);
    console.log(`  GET lookup : ${fmt(r.app.rps)} req/s, p50 ${r.app.p50} ms, p99 ${r.app.p99} ms (${fmt(r.app.total)} requests, non-2xx ${r.app.non2xx}, errors ${r.app.errors})`);
    console.log(`  bare http  : ${fmt(r.bare.rps)} req/s, p50 ${r.bare.p50} ms, p99 ${r.bare.p99} ms (${fmt(r.bare.total)} requests, non-2xx ${r.bare.non2xx}, errors ${r.bare.errors})`);
    console.log(`  rate ratio : ${fmt(rate, 3)}${goal(rate >= 0.5)} (goal >= 0.5)`);
    console.log(`  p99 ratio  : ${fmt(p99, 2)}${goal(p99 <= 2)} (goal <= 2)`);
    console.log(
      `  batch      : ${fmt(BATCH)} values in ${r.batch.seconds.map((s) => `${fmt(s * 1000)} ms`).join(', ')}; median ${fmt(BATCH / batchMedian)} values/s, best ${fmt(BATCH / batchBest)} values/s; ${fmt(r.batch.known)} known of ${fmt(BATCH)}`,
    );
    console.log(
      `  server RSS : ${mib(r.rssAfterLoad)} after start-up (heap ${mib(r.heapAfterLoad)}), ${mib(r.rssAfterRun)} after the GET run, ${mib(r.rssAfterBatch)} after the batches${goal(Math.max(r.rssAfterLoad, r.rssAfterRun, r.rssAfterBatch) < 2 ** 30)} (goal < 1 GiB)`,
    );
  }
  console.log(`\nload average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

/** The request list: half stored values, half unknown values of the same shapes, shuffled. */
function requestValues(rows: CanonicalRow[]): { known: string[]; unknown: string[] } {
  const rnd = prng(7);
  const int = (n: number) => Math.floor(rnd() * n);
  const stored = new Set(rows.map((r) => r.value));
  const known: string[] = [];
  const unknown: string[] = [];
  while (known.length < REQUEST_LIST / 2) known.push(rows[int(rows.length)].value);
  for (let i = 0; unknown.length < REQUEST_LIST / 2; i++) {
    const shape = i % 4;
    const v =
      shape === 0
        ? `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`
        : shape === 1
          ? `nx${int(1e9).toString(36)}${i}.com`
          : shape === 2
            ? `http://nx${int(1e9).toString(36)}${i}.net/path/${i}`
            : (int(2 ** 31).toString(16) + i.toString(16)).padStart(64, 'a');
    if (!stored.has(v)) unknown.push(v);
  }
  return { known, unknown };
}

async function benchOne(
  kind: DbKind,
  rows: CanonicalRow[],
  values: { known: string[]; unknown: string[] },
  duration: number,
  stixSync: boolean,
): Promise<LookupFigures> {
  let url = '';
  let tmp: { dir: string; cleanup(): void } | null = null;
  if (kind === 'postgres') url = await recreatePostgresDb();
  else tmp = tempPgliteDir('lookup');
  console.log(`\n[${kind}] fresh ${url || tmp!.dir}`);
  try {
    const { token, loadSeconds, stixSyncSeconds } = await loadIndicators(kind, url, tmp?.dir ?? '', rows, stixSync);
    console.log(
      `[${kind}] loaded ${fmt(rows.length)} indicators in ${fmt(loadSeconds, 1)} s; STIX sync before start: ${stixSyncSeconds === null ? 'skipped (--stix-sync=no)' : `${fmt(stixSyncSeconds, 1)} s`}`,
    );

    const app = await startServer(['--mode=app', url ? `--url=${url}` : `--data-dir=${tmp!.dir}`]);
    const { port } = app.ready;
    console.log(`[${kind}] server on 127.0.0.1:${port}: ${fmt(app.ready.indexed)} indexed in ${fmt(app.ready.loadSeconds, 1)} s, RSS ${mib(app.ready.rss)}`);
    const headers = { authorization: `Bearer ${token}` };

    // Sanity: a stored value is known, an unknown one is not; the known answer is the bare server's body.
    const hit = await lookupOnce(port, values.known[0], headers);
    const miss = await lookupOnce(port, values.unknown[0], headers);
    if (hit.json.known !== true || miss.json.known !== false) throw new Error(`lookup sanity check failed: ${hit.text} / ${miss.text}`);

    const paths = interleave(values.known, values.unknown).map((v) => `/api/v1/indicators/lookup?value=${encodeURIComponent(v)}`);
    const appFigures = await cannon(port, paths, headers, duration, `${kind} app`);
    const rssAfterRun = await rssOf(app.child);

    const batchSeconds: number[] = [];
    let batchKnown = 0;
    const batchValues = interleave(values.known.slice(0, BATCH / 2), values.unknown.slice(0, BATCH / 2));
    for (let i = 0; i < BATCH_REPEATS; i++) {
      const t = process.hrtime.bigint();
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/indicators/lookup`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ values: batchValues }),
      });
      const body = (await res.json()) as { known: number; results: unknown[] };
      batchSeconds.push(seconds(t));
      if (res.status !== 200 || body.results.length !== BATCH) throw new Error(`batch lookup answered ${res.status}`);
      batchKnown = body.known;
    }
    const rssAfterBatch = await rssOf(app.child);
    await stopServer(app.child);

    const bare = await startServer(['--mode=bare', `--body=${hit.text}`]);
    const bareFigures = await cannon(bare.ready.port, paths, headers, duration, `${kind} bare`);
    await stopServer(bare.child);

    return {
      db: kind,
      count: rows.length,
      loadSeconds,
      startSeconds: app.ready.loadSeconds,
      indexed: app.ready.indexed,
      app: appFigures,
      bare: bareFigures,
      batch: { seconds: batchSeconds, known: batchKnown },
      rssAfterLoad: app.ready.rss,
      heapAfterLoad: app.ready.heapUsed,
      rssAfterRun,
      rssAfterBatch,
    };
  } finally {
    tmp?.cleanup();
  }
}

/**
 * Creates the asking organization and its token through the services, then COPYs the indicators
 * (enriched by the platform's own `enrich`) straight into the table.
 */
async function loadIndicators(
  kind: DbKind,
  url: string,
  dataDir: string,
  rows: CanonicalRow[],
  stixSync: boolean,
): Promise<{ token: string; loadSeconds: number; stixSyncSeconds: number | null }> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
  const handle = await openDatabase(url ? { databaseUrl: url } : { dataDir });
  const c = await createContainer(loadConfig({ DATA_DIR: stateDir }), { handle, loadIndex: false });
  let token: string;
  const t = process.hrtime.bigint();
  let text: string;
  try {
    token = (await makeOrg(c, 'telecom_operator', { name: '基准测试 电信运营商' })).token;
    const now = new Date().toISOString();
    const parts: string[] = [];
    for (const r of rows) {
      const e = c.indicators.enrich(r.type, r.value);
      parts.push(
        `${r.type}\t${copyEscape(r.value)}\t${r.hash_algorithm ?? '\\N'}\tmalicious_resource\tmalware_distribution\tclear\t${now}\t${now}\t${e.province_code ?? '\\N'}\t${e.operator ? copyEscape(e.operator) : '\\N'}\t${e.responsible_org_id ?? '\\N'}\n`,
      );
    }
    text = parts.join('');
  } finally {
    await c.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const body = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += 1 << 16) chunks.push(body.subarray(i, i + (1 << 16)));
      await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY indicators ${LOAD_COLUMNS} FROM STDIN`)));
      await client.query('ANALYZE indicators');
    } finally {
      await client.end();
    }
  } else {
    // The platform's own extensions (migration 0013's trigram index needs pg_trgm to write rows).
    const raw = new PGlite(dataDir, { extensions: { pg_trgm } });
    try {
      await raw.query(`COPY indicators ${LOAD_COLUMNS} FROM '/dev/blob'`, [], { blob: new Blob([text]) });
      await raw.exec('ANALYZE indicators; CHECKPOINT;');
    } finally {
      await raw.close();
    }
  }
  const loadSeconds = seconds(t);

  // The server derives STIX objects from every indicator in the background (TAXII), from its
  // onReady on. A running platform has done that long ago; do it here, timed apart, so the lookup
  // figures are of the steady state and not of a first conversion of the whole store.
  let stixSyncSeconds: number | null = null;
  if (stixSync) {
    const stateDir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
    const h2 = await openDatabase(url ? { databaseUrl: url } : { dataDir });
    const c2 = await createContainer(loadConfig({ DATA_DIR: stateDir2 }), { handle: h2, loadIndex: false });
    try {
      const ts = process.hrtime.bigint();
      await c2.interop.stix.sync();
      stixSyncSeconds = seconds(ts);
    } finally {
      await c2.close();
      fs.rmSync(stateDir2, { recursive: true, force: true });
    }
  }
  return { token, loadSeconds, stixSyncSeconds };
}

function copyEscape(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

function interleave(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]);
    if (i < b.length) out.push(b[i]);
  }
  return out;
}


/** A warm-up, then the measured run; every connection walks the same request list. */
async function cannon(port: number, paths: string[], headers: Record<string, string>, duration: number, label: string): Promise<CannonFigures> {
  const run = (seconds: number) => {
    let next = 0;
    return autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: seconds,
      headers,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            req.path = paths[next++ % paths.length];
            return req;
          },
        },
      ],
    });
  };
  await run(WARMUP_SECONDS);
  const r = await run(duration);
  console.log(`[${label}] ${fmt(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, total: r.requests.total };
}




main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
