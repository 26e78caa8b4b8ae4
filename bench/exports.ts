/**
 * Export and feed benchmark (issue 5; DESIGN.md §5 "an RPZ export of one million domains in
 * seconds"). In one run, on the same stored rows:
 *  (a) the raw limit: a bare `COPY (SELECT value FROM indicators WHERE type = 'domain') TO STDOUT`
 *      (pg-copy-streams on PostgreSQL, `TO '/dev/blob'` on PGlite), best of two;
 *  (b) the RPZ and plain-domain exports through the real code path (FeedsService.prepareExport,
 *      sharingRepository.feedValues and the generator), for the ministry's audience (everything) and
 *      for a unit's audience (the TLP filter in SQL); ratio export / COPY (goal: at most 2);
 *  (c) feed generation while intake runs at full speed: intake rate and export rate alone, then
 *      both at once, so neither may stall the other.
 *
 *   npm run bench:exports -- --db=postgres|pglite|both --count=1000000 --seconds=15
 *
 * PostgreSQL uses its own database `threatshare_exports_bench` (dropped and recreated), never `test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { makeOrg } from '../test/helpers/factories.js';
import { dbKinds, fmt, machineLine, mib, parseFlags, PG_ADMIN_URL, positiveInt, postgresSettings, seconds, tempPgliteDir, type DbKind } from './bench-common.js';
import { copyDomainsSeconds as copySeconds, exportOnce } from './export-parts.js';

const BENCH_DB = 'threatshare_exports_bench';

async function recreateDb(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  } finally {
    await admin.end();
  }
  return PG_ADMIN_URL.replace(/\/[^/]*$/, `/${BENCH_DB}`);
}

async function run(kind: DbKind, count: number, loadSeconds: number): Promise<void> {
  let url: string | null = null;
  let tmp: ReturnType<typeof tempPgliteDir> | null = null;
  if (kind === 'postgres') {
    url = await recreateDb();
    console.log(`\n[postgres] fresh database ${url}; ${await postgresSettings(url)}`);
  } else {
    tmp = tempPgliteDir('exports');
    console.log(`\n[pglite] fresh data directory ${tmp.dir}`);
  }
  const handle = await openDatabase(url ? { databaseUrl: url } : { dataDir: tmp!.dir });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
  const c = await createContainer(loadConfig({ DATA_DIR: dataDir }), { handle, loadIndex: false });
  try {
    const ministry = await c.auth.authenticateToken((await makeOrg(c, 'regulator_national', { name: '基准 部' })).token);
    const unitOrg = await makeOrg(c, 'internet_company', { name: '基准 互联网企业' });
    const unit = await c.auth.authenticateToken(unitOrg.token);
    if (!ministry || !unit) throw new Error('benchmark tokens did not authenticate');

    // Set-based load: 1M domains, 80% TLP:GREEN and 20% TLP:AMBER (a unit sees the green ones),
    // all identified (listing confirmed: an unidentified value is in no blocklist).
    let t = process.hrtime.bigint();
    await sql`INSERT INTO indicators (type, value, category, subtype, tlp, first_seen, last_seen, listing)
      SELECT 'domain', 'd' || g || '-' || md5(g::text)::varchar(8) || '.bench-threat.com', 'malicious_resource', 'phishing_site',
        CASE WHEN g % 5 = 0 THEN 'amber' ELSE 'green' END, now(), now(), 'confirmed'
      FROM generate_series(1, ${count}) g`.execute(c.handle.db);
    await sql`ANALYZE indicators`.execute(c.handle.db);
    if (kind === 'postgres') await sql`CHECKPOINT`.execute(c.handle.db);
    console.log(`[${kind}] stored ${fmt(count)} domains in ${fmt(seconds(t), 2)} s (set-based INSERT)`);

    const copy1 = await copySeconds(kind, url, handle);
    const rpzAll = await exportOnce(c, ministry, 'rpz');
    const plainAll = await exportOnce(c, ministry, 'plain-domain');
    const rpzUnit = await exportOnce(c, unit, 'rpz');
    const plainUnit = await exportOnce(c, unit, 'plain-domain');
    const copy2 = await copySeconds(kind, url, handle);
    const copy = Math.min(copy1.s, copy2.s);
    console.log(`[${kind}] bare COPY of the domain column: ${fmt(copy, 2)} s${Number.isNaN(copy1.bytes) ? '' : ` (${mib(copy1.bytes)})`} (runs: ${fmt(copy1.s, 2)}, ${fmt(copy2.s, 2)})`);
    for (const [label, r] of [
      ['RPZ, ministry (all)', rpzAll],
      ['plain-domain, ministry', plainAll],
      ['RPZ, unit (TLP filter)', rpzUnit],
      ['plain-domain, unit', plainUnit],
    ] as const) {
      console.log(`[${kind}] ${label.padEnd(24)}: ${fmt(r.s, 2)} s, ${mib(r.bytes)}, ${fmt(r.records)} records, ${fmt(count / r.s)} rows/s; ratio to COPY ${fmt(r.s / copy, 2)} (goal <= 2: ${r.s / copy <= 2 ? 'met' : 'NOT met'})`);
    }

    // Feed generation while intake runs: intake = reports of 1,000 new domains each, as fast as it goes.
    let batch = 0;
    const intakeFor = async (ms: number) => {
      const end = Date.now() + ms;
      let rows = 0;
      while (Date.now() < end) {
        batch++;
        await c.reports.submit(unit, {
          category: 'malicious_resource',
          subtype: 'phishing_site',
          title: `bench ${batch}`,
          discovered_at: new Date(Date.now() - 1000).toISOString(),
          tlp: 'green',
          observables: Array.from({ length: 1000 }, (_, i) => ({ type: 'domain', value: `n${batch}-${i}.bench-intake.com` })),
        } as any);
        rows += 1000;
      }
      return rows / (ms / 1000);
    };
    const exportFor = async (ms: number) => {
      const end = Date.now() + ms;
      let rows = 0;
      while (Date.now() < end) rows += (await exportOnce(c, unit, 'plain-domain')).records;
      return rows / (ms / 1000);
    };
    const ms = loadSeconds * 1000;
    const intakeAlone = await intakeFor(ms);
    const exportAlone = await exportFor(ms);
    const [intakeTogether, exportTogether] = await Promise.all([intakeFor(ms), exportFor(ms)]);
    console.log(`[${kind}] intake alone     : ${fmt(intakeAlone)} indicators/s`);
    console.log(`[${kind}] export alone     : ${fmt(exportAlone)} exported lines/s (plain-domain, unit)`);
    console.log(`[${kind}] together         : intake ${fmt(intakeTogether)} indicators/s (${fmt((100 * intakeTogether) / intakeAlone)}% of alone), export ${fmt(exportTogether)} lines/s (${fmt((100 * exportTogether) / exportAlone)}% of alone)`);
  } finally {
    await c.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    tmp?.cleanup();
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { db: 'both', count: '1000000', seconds: '15' });
  const count = positiveInt(flags.count, 'count');
  const loadSeconds = positiveInt(flags.seconds, 'seconds');
  console.log(`exports benchmark: ${fmt(count)} domains; ${machineLine()}`);
  for (const kind of dbKinds(flags.db)) await run(kind, count, loadSeconds);
  console.log(`\nload average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
