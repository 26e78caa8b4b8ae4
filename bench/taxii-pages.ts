/**
 * TAXII page latency benchmark (DESIGN.md §5: "TAXII pages at constant time however deep").
 *
 * For each database, on a freshly created one (PostgreSQL: `threatshare_taxii_bench`, dropped and
 * recreated; PGlite: a temp data directory), the TLP:GREEN indicator rows whose objects make
 * 1,000,000 (TAXII renders three from each row when a page is read: SCO, indicator, based-on).
 * Then GET {api-root}/collections/{tlp-green}/objects/ goes through the real app (Fastify,
 * authentication, the safe horizon, the page queries, the rendering, the envelope), for the first
 * page and for the page whose cursor is 900,000 objects deep, each timed over several rounds
 * (median and p95). For reference, the same depth with OFFSET over the rows.
 *
 *   npm run bench:taxii -- --db=postgres|pglite|both --objects=1000000 --depth=900000 --limit=1000 --rounds=30 [--import=1000000]
 *
 * `--import=N` then commits a bulk import of N new domains and measures what bench:scale's TAXII
 * part does (bench/scale-taxii.ts), in this process: commit → served, a client's drain, the id map.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase, sql, type DatabaseHandle } from '../src/db/database.js';
import { tlpCollections } from '../src/modules/taxii/taxii-collections.js';
import { encodeCursor } from '../src/modules/taxii/taxii-query.js';
import { taxiiRepository } from '../src/modules/taxii/taxii.repository.js';
import { makeOrg } from '../test/helpers/factories.js';
import { dbKinds, fmt, machineLine, parseFlags, positiveInt, postgresSettings, seconds, tempPgliteDir, type DbKind } from './bench-common.js';
import { inProcess, measureTaxiiCurrency, type TaxiiCurrencyFigures } from './scale-taxii.js';
import { recreateTaxiiBenchDb } from './taxii-bench-db.js';

const TAXII = 'application/taxii+json;version=2.1';

interface Figures {
  db: DbKind;
  objects: number;
  loadSeconds: number;
  first: number[];
  deep: number[];
  offset: number[];
  bytes: number;
  currency: TaxiiCurrencyFigures | null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

/**
 * Stores the indicator rows whose rendered objects make `objects` (three a row: SCO, indicator,
 * based-on), TLP:GREEN, one second apart, by one set-based INSERT … SELECT generate_series.
 */
async function load(handle: DatabaseHandle, objects: number): Promise<number> {
  const t = process.hrtime.bigint();
  const rows = Math.ceil(objects / 3);
  await sql`
    INSERT INTO indicators (type, value, category, subtype, tlp, first_seen, last_seen, province_code, operator, listing, created_at, updated_at)
    SELECT 'ipv4', (1 + (g >> 16) % 200)::text || '.' || ((g >> 8) & 255)::text || '.' || (g & 255)::text || '.' || ((g * 7) % 250)::text,
      'malicious_resource', 'botnet_c2', 'green', ts, ts, '440000', 'telecom', 'confirmed', ts, ts
    FROM (SELECT g, timestamptz '2024-01-01T00:00:00Z' + g * interval '1 second' AS ts FROM generate_series(0, ${rows - 1}) g) s`.execute(handle.db);
  await sql`ANALYZE indicators`.execute(handle.db);
  return seconds(t);
}

async function run(kind: DbKind, handle: DatabaseHandle, flags: { objects: number; depth: number; limit: number; rounds: number; import: number }): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
  const c = await createContainer(loadConfig({ DATA_DIR: dataDir }), { handle, loadIndex: false });
  try {
    const loadSeconds = await load(c.handle, flags.objects);
    console.log(`[${kind}] stored the ${fmt(Math.ceil(flags.objects / 3))} indicator rows of ${fmt(flags.objects)} objects in ${fmt(loadSeconds, 1)} s`);
    const app = await buildApp(c);
    await app.ready();
    c.interop.stix.stopSyncing();
    const org = await makeOrg(c, 'security_vendor', { name: '基准测试 TAXII' });
    const green = tlpCollections().find((x) => x.alias === 'tlp-green')!.id;
    const url = `/taxii2/threatshare/collections/${green}/objects/?limit=${flags.limit}`;

    // The cursor a client holds after reading `depth` objects: past the row that holds the
    // depth-th object (found here with OFFSET, once).
    const row = Math.floor(flags.depth / 3);
    const at = await sql<{ key_at: string; id: number }>`
      SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS key_at, id FROM indicators
      WHERE tlp = 'green' ORDER BY updated_at, id OFFSET ${row - 1} LIMIT 1`.execute(c.handle.db);
    const key = await taxiiRepository.cursorKey(c.handle.db);
    const next = encodeCursor(key, `${green}|objects`, { at: at.rows[0].key_at, src: 1, n: Number(at.rows[0].id), k: 2 });

    const timeGet = async (u: string) => {
      const t = process.hrtime.bigint();
      const r = await app.inject({ method: 'GET', url: u, headers: { accept: TAXII, ...org.headers } });
      const s = seconds(t);
      if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body.slice(0, 300)}`);
      const body = r.json() as { objects?: unknown[] };
      if ((body.objects?.length ?? 0) !== flags.limit) throw new Error(`page of ${body.objects?.length} objects`);
      return { s, bytes: r.rawPayload.length };
    };
    const first: number[] = [];
    const deep: number[] = [];
    const offset: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 3; i++) {
      await timeGet(url);
      await timeGet(`${url}&next=${encodeURIComponent(next)}`);
    }
    for (let i = 0; i < flags.rounds; i++) {
      const a = await timeGet(url);
      first.push(a.s * 1000);
      bytes = a.bytes;
      deep.push((await timeGet(`${url}&next=${encodeURIComponent(next)}`)).s * 1000);
    }
    for (let i = 0; i < Math.min(5, flags.rounds); i++) {
      const t = process.hrtime.bigint();
      await sql`SELECT * FROM indicators WHERE tlp = 'green' ORDER BY updated_at, id OFFSET ${row} LIMIT ${Math.ceil(flags.limit / 3)}`.execute(c.handle.db);
      offset.push(seconds(t) * 1000);
    }
    // A bulk import after the pages: commit → served, the drain, the id map (bench/scale-taxii.ts).
    let currency: TaxiiCurrencyFigures | null = null;
    if (flags.import > 0) {
      const principal = (await c.auth.authenticateToken(org.token))!;
      currency = await measureTaxiiCurrency(inProcess({ c, app, principal, headers: org.headers }), { lines: flags.import, load: () => os.loadavg().map((x) => x.toFixed(2)).join(' ') });
    }
    await app.close();
    return { db: kind, objects: flags.objects, loadSeconds, first, deep, offset, bytes, currency };
  } finally {
    await c.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { db: 'both', objects: '1000000', depth: '900000', limit: '1000', rounds: '30', import: '0' });
  const kinds = dbKinds(flags.db);
  const sizes = {
    objects: positiveInt(flags.objects, 'objects'),
    depth: positiveInt(flags.depth, 'depth'),
    limit: positiveInt(flags.limit, 'limit'),
    rounds: positiveInt(flags.rounds, 'rounds'),
    import: flags.import === '0' ? 0 : positiveInt(flags.import, 'import'),
  };
  if (sizes.depth + sizes.limit > sizes.objects) throw new Error('--depth plus --limit must not exceed --objects');
  console.log(`# bench:taxii — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}`);
  const results: Figures[] = [];
  for (const kind of kinds) {
    if (kind === 'postgres') {
      const url = await recreateTaxiiBenchDb();
      console.log(`\n[postgres] fresh database ${url}; ${await postgresSettings(url)}`);
      results.push(await run(kind, await openDatabase({ databaseUrl: url }), sizes));
    } else {
      const tmp = tempPgliteDir('taxii');
      console.log(`\n[pglite] fresh data directory ${tmp.dir}`);
      try {
        results.push(await run(kind, await openDatabase({ dataDir: tmp.dir }), sizes));
      } finally {
        tmp.cleanup();
      }
    }
  }
  console.log(`\n## results (GET objects, ${fmt(sizes.limit)} per page, through the app; ms, median / p95 over ${sizes.rounds} rounds)`);
  for (const r of results) {
    const ratio = median(r.deep) / median(r.first);
    console.log(`\n[${r.db}] ${fmt(r.objects)} objects stored (load ${fmt(r.loadSeconds, 1)} s); page of ${fmt(r.bytes / 1024)} KiB`);
    console.log(`  first page            : ${fmt(median(r.first), 1)} / ${fmt(p95(r.first), 1)}`);
    console.log(`  ${fmt(sizes.depth)} objects deep : ${fmt(median(r.deep), 1)} / ${fmt(p95(r.deep), 1)}`);
    console.log(`  deep / first          : ${fmt(ratio, 2)} (goal <= 2: ${ratio <= 2 ? 'met' : 'NOT met'})`);
    console.log(`  for reference, the same depth by OFFSET (SQL only): ${fmt(median(r.offset), 1)} ms`);
    const x = r.currency;
    if (x) {
      console.log(`  ${fmt(x.lines)}-line import committed → first value served ${fmt(x.firstSeconds * 1000)} ms, last ${fmt(x.lastSeconds * 1000)} ms (goal < 10 s: ${x.lastSeconds < 10 ? 'met' : 'NOT met'})`);
      console.log(`  drain: ${fmt(x.drainObjects)} objects in ${fmt(x.drainSeconds, 1)} s vs reading the values ${fmt(x.copySeconds, 2)} s; id map ${fmt(x.mapSeconds, 1)} s (${fmt(x.lines / x.mapSeconds)} rows/s)`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
