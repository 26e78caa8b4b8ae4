/**
 * TAXII page latency benchmark (DESIGN.md §5: "TAXII pages at constant time however deep").
 *
 * For each database, on a freshly created one (PostgreSQL: `threatshare_taxii_bench`, dropped and
 * recreated; PGlite: a temp data directory), 1,000,000 pre-serialized STIX objects (the SCO,
 * indicator and based-on relationship our export derives from indicator rows) are stored in the
 * tlp-green collection. Then GET {api-root}/collections/{tlp-green}/objects/ goes through the real
 * app (Fastify, authentication, the sync staleness check, the safe horizon, the page query, the
 * envelope), for the first page and for the page whose cursor is 900,000 objects deep, each
 * timed over several rounds (median and p95). For reference, the same depth with OFFSET.
 *
 *   npm run bench:taxii -- --db=postgres|pglite|both --objects=1000000 --depth=900000 --limit=1000 --rounds=30
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase, sql, type DatabaseHandle } from '../src/db/database.js';
import { derivedIndicatorRows } from '../src/modules/stix/stix-render.js';
import { stixRepository, type IndicatorSource } from '../src/modules/stix/stix.repository.js';
import { tlpCollections } from '../src/modules/taxii/taxii-collections.js';
import { encodeCursor } from '../src/modules/taxii/taxii-query.js';
import { taxiiRepository } from '../src/modules/taxii/taxii.repository.js';
import { makeOrg } from '../test/helpers/factories.js';
import { dbKinds, fmt, machineLine, parseFlags, positiveInt, postgresSettings, seconds, tempPgliteDir, type DbKind } from './bench-common.js';
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
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

function indicatorSource(i: number): IndicatorSource {
  const t = new Date(Date.UTC(2024, 0, 1) + i * 1000);
  return {
    id: i + 1,
    type: 'ipv4',
    listing: 'confirmed',
    value: `${1 + ((i >>> 16) % 200)}.${(i >>> 8) & 255}.${i & 255}.${(i * 7) % 250}`,
    hash_algorithm: null,
    category: 'malicious_resource',
    subtype: 'botnet_c2',
    status: 'active',
    tlp: 'green',
    first_seen: t,
    last_seen: t,
    sighting_count: 1,
    valid_until: null,
    province_code: '440000',
    operator: 'telecom',
    responsible_org_id: null,
    created_at: t,
    updated_at: t,
  };
}

async function load(handle: DatabaseHandle, objects: number): Promise<number> {
  const t = process.hrtime.bigint();
  let written = 0;
  for (let i = 0; written < objects; i += 1000) {
    const rows = [];
    for (let j = i; j < i + 1000; j++) rows.push(...derivedIndicatorRows(indicatorSource(j)));
    const slice = rows.slice(0, objects - written);
    written += (await stixRepository.insertBatch(handle.db, slice)).length;
    if (written % 100_000 < 3000) process.stderr.write(`\r  loaded ${fmt(written)} objects`);
  }
  process.stderr.write('\n');
  await sql`ANALYZE stix_objects`.execute(handle.db);
  return seconds(t);
}

async function run(kind: DbKind, handle: DatabaseHandle, flags: { objects: number; depth: number; limit: number; rounds: number }): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
  const c = await createContainer(loadConfig({ DATA_DIR: dataDir }), { handle, loadIndex: false });
  try {
    const loadSeconds = await load(c.handle, flags.objects);
    console.log(`[${kind}] stored ${fmt(flags.objects)} objects in ${fmt(loadSeconds, 1)} s`);
    const app = await buildApp(c);
    await app.ready();
    c.interop.stix.stopSyncing();
    const org = await makeOrg(c, 'security_vendor', { name: '基准测试 TAXII' });
    await c.interop.stix.sync();
    const green = tlpCollections().find((x) => x.alias === 'tlp-green')!.id;
    const url = `/taxii2/threatshare/collections/${green}/objects/?limit=${flags.limit}`;

    // The cursor a client holds after reading `depth` objects (found here with OFFSET, once).
    const at = await sql<{ date_added: string; seq: number }>`
      SELECT to_char(date_added AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS date_added, seq FROM stix_objects
      WHERE tlp = 'green' OR source = 'definition' ORDER BY date_added, seq OFFSET ${flags.depth - 1} LIMIT 1`.execute(c.handle.db);
    const key = await taxiiRepository.cursorKey(c.handle.db);
    const next = encodeCursor(key, `${green}|objects`, { at: at.rows[0].date_added, src: 0, n: at.rows[0].seq, k: 0 });

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
      await sql`SELECT json FROM stix_objects WHERE tlp = 'green' AND NOT superseded ORDER BY date_added, seq OFFSET ${flags.depth} LIMIT ${flags.limit}`.execute(c.handle.db);
      offset.push(seconds(t) * 1000);
    }
    await app.close();
    return { db: kind, objects: flags.objects, loadSeconds, first, deep, offset, bytes };
  } finally {
    await c.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { db: 'both', objects: '1000000', depth: '900000', limit: '1000', rounds: '30' });
  const kinds = dbKinds(flags.db);
  const sizes = {
    objects: positiveInt(flags.objects, 'objects'),
    depth: positiveInt(flags.depth, 'depth'),
    limit: positiveInt(flags.limit, 'limit'),
    rounds: positiveInt(flags.rounds, 'rounds'),
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
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
