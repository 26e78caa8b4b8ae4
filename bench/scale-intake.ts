/**
 * bench:scale's intake part (issue 15: "intake ratio to COPY into a table already holding 10 M",
 * "RPZ export of all domains"), run by bench/scale.ts over the store it generated
 * (`--parts=intake`), so every figure is of a full store, not of an empty table:
 *
 *  (c) first, while the store holds exactly the generated rows: the RPZ export of all domains as
 *      the ministry (FeedsService, as bench:exports runs it, `?types=domain`) against the raw limit
 *      `COPY (SELECT value FROM indicators WHERE type = 'domain') TO STDOUT`, and the default RPZ
 *      (domains and IPv4 triggers) against the COPY of both types, each best of two, timed to the
 *      last byte with nothing counted per line inside the timing;
 *  (a) the raw limit of intake: a bare COPY of the corpus' canonical (type, value) rows into a
 *      table with UNIQUE (type, value) that already holds the store's (type, value) rows (built by
 *      INSERT … SELECT from indicators);
 *  (b) the intake: `ImportsService.importLines` of the same lines (bench/corpus.ts, values the store
 *      does not hold) as a security vendor's token, with the lookup filter built as a server has it;
 *      ratio = COPY time / intake time (bench/intake-parts.ts, shared with bench:intake);
 *  then how long the search index takes to catch up with the import in the background.
 * The load average is printed beside each figure. Prints, never asserts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { makeOrg } from '../test/helpers/factories.js';
import { cpuLine, fmt, mib, seconds } from './bench-common.js';
import { buildCorpus, copyText, writeCorpusFile, type Corpus } from './corpus.js';
import { copyTypesSeconds, exportOnce } from './export-parts.js';
import { bareCopyPostgresCpu, copyTableDdl, timedImport } from './intake-parts.js';

const COPY_TABLE = 'bench_copy_full';
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** One timed run and the load average at its end. */
type Timed = { s: number; bytes: number; records?: number; load: string };
async function timed(run: () => Promise<{ s: number; bytes: number; records?: number }>): Promise<Timed> {
  const r = await run();
  return { ...r, load: load() };
}

export interface IntakePartOptions {
  /** The store's database (PostgreSQL), already holding `count` indicators. */
  url: string;
  count: number;
  /** Lines imported into it (default 1,000,000, as bench:intake). */
  lines?: number;
}

/**
 * The corpus without any value the store holds: built, probed against the unique key, and built
 * again without the values found, until none is (the generated store and the corpus share shapes,
 * e.g. public IPv4 addresses ending in .7).
 */
export async function freshCorpus(client: pg.Client, lines: number): Promise<Corpus> {
  const exclude = new Set<string>();
  for (let round = 0; ; round++) {
    const corpus = buildCorpus(lines, undefined, exclude);
    let found = 0;
    for (let i = 0; i < corpus.rows.length; i += 50_000) {
      const slice = corpus.rows.slice(i, i + 50_000);
      const r = await client.query<{ type: string; value: string }>(
        'SELECT i.type, i.value FROM unnest($1::text[], $2::text[]) AS k(type, value) JOIN indicators i ON i.type = k.type AND i.value = k.value',
        [slice.map((x) => x.type), slice.map((x) => x.value)],
      );
      for (const x of r.rows) exclude.add(`${x.type}\u0000${x.value}`);
      found += r.rows.length;
    }
    if (found === 0) return corpus;
    if (round >= 9) throw new Error(`the corpus still meets ${found} stored values after ${round + 1} rounds`);
    console.log(`[intake] ${fmt(found)} corpus values are in the store already: drawn again`);
  }
}

export async function runIntakePart(o: IntakePartOptions): Promise<void> {
  const lines = o.lines ?? 1_000_000;
  console.log(`\n## intake part: ${fmt(lines)} new lines into a store of ${fmt(o.count)} (PostgreSQL); load ${load()}`);
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-scale-intake-'));
  let file: string | null = null;
  try {
    const storedBefore = Number((await client.query('SELECT count(*) AS n FROM indicators')).rows[0].n);
    const corpus = await freshCorpus(client, lines);
    file = writeCorpusFile(corpus, 'scale-intake');
    const body = Buffer.from(copyText(corpus.rows));
    console.log(
      `[intake] corpus: ${fmt(corpus.lines.length)} lines, ${fmt(corpus.rows.length)} distinct values none of which the store holds, ` +
        `${fmt(corpus.duplicateLines)} duplicate lines; by type ${Object.entries(corpus.byType).map(([t, n]) => `${t} ${fmt(n)}`).join(', ')}`,
    );

    // The platform as a server runs it: the lookup filter built over the whole store first.
    const handle = await openDatabase({ databaseUrl: o.url });
    const tf = process.hrtime.bigint();
    const c = await createContainer(loadConfig({ DATA_DIR: stateDir, DATABASE_URL: o.url }), { handle });
    c.interop.stix.stopSyncing();
    console.log(`[intake] platform ready, lookup filter over ${fmt(c.indicators.index.size)} values built in ${fmt(seconds(tf), 1)} s; load ${load()}`);
    try {
      // (c) RPZ of all domains, before the import adds any (so both sides read the same rows).
      const ministry = await c.auth.authenticateToken((await makeOrg(c, 'regulator_national', { name: '规模测试 部' })).token);
      if (!ministry) throw new Error('the ministry token did not authenticate');
      // Like for like, each best of two, interleaved: the RPZ of the domains only (`?types=domain`,
      // the goal line: "RPZ export of all domains") against COPY TO of the domains, and the
      // default RPZ (domains and rpz-ip triggers of the IPv4 addresses) against COPY TO of both.
      const both = ['domain', 'ipv4'];
      const runs: { copyD: Timed[]; rpzD: Timed[]; copyB: Timed[]; rpzB: Timed[] } = { copyD: [], rpzD: [], copyB: [], rpzB: [] };
      for (let round = 0; round < 2; round++) {
        runs.copyD.push(await timed(() => copyTypesSeconds('postgres', o.url, handle, ['domain'])));
        runs.rpzD.push(await timed(() => exportOnce(c, ministry, 'rpz', ['domain'])));
        runs.copyB.push(await timed(() => copyTypesSeconds('postgres', o.url, handle, both)));
        runs.rpzB.push(await timed(() => exportOnce(c, ministry, 'rpz')));
      }
      const best = (xs: Timed[]) => xs.reduce((a, b) => (b.s < a.s ? b : a));
      const show = (xs: Timed[]) => xs.map((x) => `${fmt(x.s, 2)} s (load ${x.load})`).join(', ');
      const copyTo = best(runs.copyD);
      const rpz = best(runs.rpzD);
      const copyBoth = best(runs.copyB);
      const rpzBoth = best(runs.rpzB);
      const loadRpz = rpz.load;
      console.log(`[export] bare COPY TO of the domains: ${show(runs.copyD)}; ${mib(copyTo.bytes)}`);
      console.log(`[export] RPZ ?types=domain, ministry: ${show(runs.rpzD)}; ${fmt(rpz.records ?? 0)} records, ${mib(rpz.bytes)}`);
      console.log(`[export] bare COPY TO of domains and IPv4: ${show(runs.copyB)}; ${mib(copyBoth.bytes)}`);
      console.log(`[export] RPZ default (domains + IPv4 triggers), ministry: ${show(runs.rpzB)}; ${fmt(rpzBoth.records ?? 0)} records, ${mib(rpzBoth.bytes)}`);

      // (a) the raw limit: the same rows into a (type, value) table that holds the store's keys.
      await client.query(`DROP TABLE IF EXISTS ${COPY_TABLE}`);
      await client.query(copyTableDdl(COPY_TABLE));
      const tb = process.hrtime.bigint();
      await client.query(`INSERT INTO ${COPY_TABLE} (type, value) SELECT type, value FROM indicators`);
      await client.query(`VACUUM ANALYZE ${COPY_TABLE}`);
      await client.query('CHECKPOINT');
      console.log(`[intake] raw limit's table filled with the store's ${fmt(storedBefore)} keys in ${fmt(seconds(tb), 1)} s; load ${load()}`);
      const loadCopyBefore = load();
      const copyWal0 = await walLsn(client);
      const { seconds: copySeconds, cpu: copyCpu } = await bareCopyPostgresCpu(client, COPY_TABLE, body);
      const loadCopy = load();
      const copyWal = await walBytesSince(client, copyWal0);
      const copied = Number((await client.query(`SELECT count(*) AS n FROM ${COPY_TABLE}`)).rows[0].n);
      if (copied !== storedBefore + corpus.rows.length) throw new Error(`the raw limit's table holds ${copied}, expected ${storedBefore + corpus.rows.length}`);
      console.log(`[intake] bare COPY of ${fmt(corpus.rows.length)} rows into ${fmt(storedBefore)}: ${fmt(copySeconds, 2)} s (load ${loadCopyBefore} → ${loadCopy}); WAL ${mib(copyWal)}; ${cpuLine(copyCpu, copySeconds)}`);
      await client.query(`DROP TABLE ${COPY_TABLE}`);
      await client.query('CHECKPOINT');

      // (b) the intake of the same lines.
      const sizesBefore = await indicatorSizes(client);
      const loadIntakeBefore = load();
      const intakeWal0 = await walLsn(client);
      const intake = await timedImport(c, 'postgres', file, 'bench:scale intake');
      const loadIntake = load();
      // From before timedImport's CHECKPOINT: that checkpoint writes little, the store was checkpointed after the raw limit.
      const intakeWal = await walBytesSince(client, intakeWal0);
      const sizesAfter = await indicatorSizes(client);
      const stored = Number((await client.query('SELECT count(*) AS n FROM indicators')).rows[0].n);
      console.log(
        `[intake] intake: ${fmt(intake.seconds, 2)} s (load ${loadIntakeBefore} → ${loadIntake}); receipt total ${fmt(intake.receipt.total)}, ` +
          `new ${fmt(intake.receipt.accepted)}, duplicates ${fmt(intake.receipt.duplicates)}, refused ${fmt(intake.receipt.refused)}; store ${fmt(stored)} (expected ${fmt(storedBefore + corpus.rows.length)}); ${cpuLine(intake.cpu, intake.seconds)}`,
      );
      console.log(`[intake] WAL written by the intake ${mib(intakeWal)} (bare COPY ${mib(copyWal)}); indicators' relations before → after the import: ${Object.keys(sizesAfter).map((k) => `${k} ${mib(sizesBefore[k] ?? 0)} → ${mib(sizesAfter[k])}`).join(', ')}`);
      const backlog = await searchBacklog(c);
      const ratio = copySeconds / intake.seconds;
      const exportRatio = rpz.s / copyTo.s;
      const bothRatio = rpzBoth.s / copyBoth.s;
      const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
      console.log(`\n## intake part results (${fmt(storedBefore)} stored before the import; load average at end ${load()})`);
      console.log(`  intake     : ${fmt(corpus.rows.length)} new values: bare COPY ${fmt(copySeconds, 2)} s (${fmt(corpus.rows.length / copySeconds)} rows/s, load ${loadCopy}), intake ${fmt(intake.seconds, 2)} s (${fmt(corpus.rows.length / intake.seconds)} rows/s, load ${loadIntake}): ratio ${fmt(ratio, 3)} (goal >= 0.5: ${met(ratio >= 0.5)})`);
      console.log(`  search     : ${backlog}`);
      console.log(`  RPZ export : all domains (?types=domain, the goal line): ${fmt(rpz.records ?? 0)} records in ${fmt(rpz.s, 2)} s vs COPY TO of the domains ${fmt(copyTo.s, 2)} s: ${fmt(exportRatio, 2)}x (goal <= 2: ${met(exportRatio <= 2)}; load ${loadRpz})`);
      console.log(`  RPZ default: domains + IPv4 triggers: ${fmt(rpzBoth.records ?? 0)} records in ${fmt(rpzBoth.s, 2)} s vs COPY TO of both types ${fmt(copyBoth.s, 2)} s: ${fmt(bothRatio, 2)}x (load ${rpzBoth.load})`);
    } finally {
      await c.close();
    }
  } finally {
    await client.end();
    if (file) fs.rmSync(file, { force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function walLsn(client: pg.Client): Promise<string> {
  return (await client.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
}

async function walBytesSince(client: pg.Client, from: string): Promise<number> {
  return Number((await client.query<{ d: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS d', [from])).rows[0].d);
}

/** Bytes of the indicators heap and of each of its indexes. */
async function indicatorSizes(client: pg.Client): Promise<Record<string, number>> {
  const r = await client.query<{ name: string; bytes: string }>(
    `SELECT 'heap' AS name, pg_relation_size('indicators') AS bytes
     UNION ALL SELECT c.relname, pg_relation_size(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = 'indicators'::regclass`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, Number(x.bytes)]));
}

/**
 * The search index after the import (migration 0016): what the import left in the backlog, and
 * how long the background indexing takes to move it into the trigram index (timed here in the
 * foreground, as the server's background loop runs it: a slice per transaction).
 */
async function searchBacklog(c: Awaited<ReturnType<typeof createContainer>>): Promise<string> {
  const waiting = await c.indicators.searchBacklog();
  const loadBefore = load();
  const t = process.hrtime.bigint();
  const indexed = await c.indicators.indexSearchBacklog();
  const s = seconds(t);
  return `the import left ${fmt(waiting)} ids in the search backlog; indexed afterwards ${fmt(indexed)} in ${fmt(s, 2)} s = ${fmt(indexed / Math.max(s, 1e-9))} ids/s (load ${loadBefore} → ${load()}); searches read the backlog by range meanwhile`;
}
