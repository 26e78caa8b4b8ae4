/**
 * STIX import and derivation benchmark (issue 4).
 *
 * For each database, on a freshly created one (PostgreSQL: its own `threatshare_taxii_bench`
 * database, dropped and recreated; PGlite: a temp data directory):
 *  1. the real MITRE ATT&CK for ICS bundle (test/fixtures/data/ics-attack.json, 1,826 objects) through
 *     StixService.importBundle: objects/s for a first import (ids made fresh each run, so every
 *     object is new), then for a re-import of the same bundle (every object unchanged);
 *  2. an indicator-heavy bundle (N indicators with simple patterns over real ipsum IPs), whose
 *     observables also enter the indicator store: objects/s;
 *  3. how indicators reach TAXII, two designs on the same 100,000-line bulk import through
 *     ImportsService: (a) as built, intake untouched (TAXII renders the rows when read) and the
 *     map of STIX ids to rows filled afterwards by StixService.sync (timed separately, what
 *     object-by-id waits for); (b) deriving the objects inside the intake transaction through
 *     an intake hook (what we chose not to do), to show what the lazy design spares intake.
 *
 *   npm run bench:stix -- --db=postgres|pglite|both --indicators=20000 --lines=100000
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createContainer, type Container } from '../src/container.js';
import { openDatabase, sql, type DatabaseHandle } from '../src/db/database.js';
import type { Principal } from '../src/modules/auth/principal.js';
import { derivedIndicatorRows } from '../src/modules/stix/stix-render.js';
import { stixRepository } from '../src/modules/stix/stix.repository.js';
import { makeOrg } from '../test/helpers/factories.js';
import { dbKinds, fmt, machineLine, parseFlags, positiveInt, postgresSettings, seconds, tempPgliteDir, type DbKind } from './bench-common.js';
import { recreateTaxiiBenchDb } from './taxii-bench-db.js';
import { DATA_DIR } from './corpus.js';

/** The bundle text with every STIX id replaced consistently by a fresh one (same objects, new ids). */
function freshIds(text: string): string {
  const map = new Map<string, string>();
  return text.replace(/([a-z][a-z0-9-]+[a-z0-9])--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g, (whole, type: string) => {
    let fresh = map.get(whole);
    if (fresh === undefined) map.set(whole, (fresh = `${type}--${randomUUID()}`));
    return fresh;
  });
}

function ipsumAddresses(n: number): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync(path.join(DATA_DIR, 'ipsum.txt'), 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    out.push(line.split('\t')[0].trim());
    if (out.length >= n) break;
  }
  // Past the real list, public addresses of 58.0.0.0/8 (China Telecom), distinct and deterministic.
  for (let i = 0; out.length < n; i++) out.push(`58.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${(i & 255) || 1}`);
  return [...new Set(out)];
}

function indicatorBundle(addresses: string[]) {
  const t = '2024-03-01T00:00:00.000Z';
  return {
    type: 'bundle',
    id: `bundle--${randomUUID()}`,
    objects: addresses.map((ip) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${randomUUID()}`,
      created: t,
      modified: t,
      pattern: `[ipv4-addr:value = '${ip}']`,
      pattern_type: 'stix',
      valid_from: t,
      indicator_types: ['malicious-activity'],
    })),
  };
}

interface Figures {
  db: DbKind;
  icsFirst: number;
  icsAgain: number;
  icsObjects: number;
  indicators: number;
  indicatorSeconds: number;
  indicatorObservables: number;
  lines: number;
  lazyIntake: number;
  lazySync: number;
  lazyObjects: number;
  hookIntake: number;
  hookObjects: number;
}

async function withContainer<T>(handle: DatabaseHandle, f: (c: Container, p: Principal) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
  const c = await createContainer(loadConfig({ DATA_DIR: dataDir }), { handle, loadIndex: false });
  try {
    const org = await makeOrg(c, 'security_vendor', { name: '基准测试 STIX' });
    const p = await c.auth.authenticateToken(org.token);
    if (!p) throw new Error('the benchmark token did not authenticate');
    return await f(c, p);
  } finally {
    await c.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function* linesOf(values: string[]): AsyncGenerator<string> {
  for (const v of values) yield v;
}

async function run(kind: DbKind, open: () => Promise<DatabaseHandle>, flags: { indicators: number; lines: number }): Promise<Figures> {
  const ics = fs.readFileSync(path.join(DATA_DIR, 'ics-attack.json'), 'utf8');
  const addresses = ipsumAddresses(flags.indicators + flags.lines * 2);
  const f = { db: kind } as Figures;

  await withContainer(await open(), async (c, p) => {
    const text = freshIds(ics);
    let t = process.hrtime.bigint();
    const first = await c.interop.stix.importBundle(p, text, { tlp: 'clear', source: 'cli' });
    f.icsFirst = seconds(t);
    f.icsObjects = first.total;
    if (first.stored !== first.total) throw new Error(`stored ${first.stored} of ${first.total}`);
    t = process.hrtime.bigint();
    const again = await c.interop.stix.importBundle(p, text, { tlp: 'clear', source: 'cli' });
    f.icsAgain = seconds(t);
    if (again.unchanged !== again.total) throw new Error('re-import changed something');
    console.log(`[${kind}] ATT&CK for ICS: first ${fmt(f.icsFirst, 2)} s, again ${fmt(f.icsAgain, 2)} s`);

    const bundle = indicatorBundle(addresses.slice(0, flags.indicators));
    t = process.hrtime.bigint();
    const r = await c.interop.stix.importBundle(p, bundle, { tlp: 'green', source: 'cli' });
    f.indicatorSeconds = seconds(t);
    f.indicators = bundle.objects.length;
    f.indicatorObservables = r.observables.accepted + r.observables.duplicates;
    console.log(`[${kind}] ${fmt(f.indicators)} indicators: ${fmt(f.indicatorSeconds, 2)} s (${fmt(r.observables.refused)} observables refused)`);
  });

  // (a) as built: intake untouched, derivation afterwards.
  const lazyValues = addresses.slice(flags.indicators, flags.indicators + flags.lines);
  await withContainer(await open(), async (c, p) => {
    await c.interop.stix.sync();
    let t = process.hrtime.bigint();
    await c.imports.importLines(p, linesOf(lazyValues), { format: 'lines', category: 'malicious_resource', subtype: 'attack_source', tlp: 'clear', type: 'ipv4', title: 'bench lazy' });
    f.lazyIntake = seconds(t);
    const mapped = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM stix_indicator_ids`.execute(c.handle.db)).rows[0].n);
    const before = await mapped();
    t = process.hrtime.bigint();
    await c.interop.stix.sync();
    f.lazySync = seconds(t);
    f.lines = lazyValues.length;
    f.lazyObjects = (await mapped()) - before;
    console.log(`[${kind}] as built: intake ${fmt(f.lazyIntake, 2)} s (TAXII serves it at commit), then the id map ${fmt(f.lazySync, 2)} s for ${fmt(f.lazyObjects)} ids`);
  });

  // (b) the road not taken: derive inside the intake transaction.
  const hookValues = addresses.slice(flags.indicators + flags.lines, flags.indicators + 2 * flags.lines);
  await withContainer(await open(), async (c, p) => {
    await c.interop.stix.sync();
    const before = (await stixRepository.countBySource(c.handle.db)).platform ?? 0;
    c.reports.intakeHooks.push(async (tx, _report, ids) => {
      for (let i = 0; i < ids.length; i += 2000) {
        const rows = await stixRepository.indicatorsByIds(tx, ids.slice(i, i + 2000));
        const inserts = rows.flatMap(derivedIndicatorRows);
        await stixRepository.deleteDerived(tx, rows.map((r) => `indicator:${r.id}`));
        for (let j = 0; j < inserts.length; j += 2000) await stixRepository.insertBatch(tx, inserts.slice(j, j + 2000));
      }
    });
    const t = process.hrtime.bigint();
    await c.imports.importLines(p, linesOf(hookValues), { format: 'lines', category: 'malicious_resource', subtype: 'attack_source', tlp: 'clear', type: 'ipv4', title: 'bench hook' });
    f.hookIntake = seconds(t);
    c.reports.intakeHooks.pop();
    f.hookObjects = ((await stixRepository.countBySource(c.handle.db)).platform ?? 0) - before;
    console.log(`[${kind}] in-transaction hook: intake ${fmt(f.hookIntake, 2)} s, ${fmt(f.hookObjects)} objects`);
  });
  return f;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { db: 'both', indicators: '20000', lines: '50000' });
  const kinds = dbKinds(flags.db);
  const sizes = { indicators: positiveInt(flags.indicators, 'indicators'), lines: positiveInt(flags.lines, 'lines') };
  console.log(`# bench:stix — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}`);
  const results: Figures[] = [];
  for (const kind of kinds) {
    if (kind === 'postgres') {
      const url = await recreateTaxiiBenchDb();
      console.log(`\n[postgres] fresh database ${url}; ${await postgresSettings(url)}`);
      results.push(await run(kind, () => openDatabase({ databaseUrl: url }), sizes));
    } else {
      const tmp = tempPgliteDir('stix');
      console.log(`\n[pglite] fresh data directory ${tmp.dir}`);
      try {
        results.push(await run(kind, () => openDatabase({ dataDir: tmp.dir }), sizes));
      } finally {
        tmp.cleanup();
      }
    }
  }
  console.log('\n## results');
  for (const r of results) {
    console.log(`\n[${r.db}]`);
    console.log(`  ATT&CK for ICS, first import : ${fmt(r.icsObjects)} objects in ${fmt(r.icsFirst, 2)} s = ${fmt(r.icsObjects / r.icsFirst)} objects/s`);
    console.log(`  ATT&CK for ICS, re-import    : ${fmt(r.icsObjects)} objects in ${fmt(r.icsAgain, 2)} s = ${fmt(r.icsObjects / r.icsAgain)} objects/s (nothing stored)`);
    console.log(`  indicator bundle             : ${fmt(r.indicators)} indicators in ${fmt(r.indicatorSeconds, 2)} s = ${fmt(r.indicators / r.indicatorSeconds)} objects/s (${fmt(r.indicatorObservables)} observables into the store)`);
    console.log(`  bulk intake ${fmt(r.lines)} lines, as built     : ${fmt(r.lazyIntake, 2)} s = ${fmt(r.lines / r.lazyIntake)} lines/s; id map afterwards (by-id reads) ${fmt(r.lazySync, 2)} s = ${fmt(r.lazyObjects / r.lazySync)} ids/s`);
    console.log(`  bulk intake ${fmt(r.lines)} lines, derive in tx : ${fmt(r.hookIntake, 2)} s = ${fmt(r.lines / r.hookIntake)} lines/s (intake ${fmt(r.hookIntake / r.lazyIntake, 2)}x slower)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
