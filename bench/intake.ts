/**
 * Bulk intake benchmark (DESIGN.md §5: "bulk intake at least half of raw PostgreSQL COPY speed
 * with dedup").
 *
 * For each database, in the same run and on the same freshly created database:
 *  (b) the raw limit: a bare COPY of the corpus' canonical (type, value) rows into a fresh table
 *      with the same UNIQUE (type, value) index as `indicators` (pg-copy-streams on PostgreSQL,
 *      `COPY ... FROM '/dev/blob'` on PGlite);
 *  (a) the real bulk path end to end: `ImportsService.importLines` reading the corpus file line by
 *      line as a real organization's token, so normalization, in-file dedup, enrichment, the
 *      upsert, sightings, the report and import records, the audit event and the publish to the
 *      in-memory lookup index are all inside the timing.
 * Both rates are per canonical row stored (the same rows either way), so the ratio intake/COPY is
 * simply COPY time / intake time. The input line rate of the intake is printed too.
 *
 *   npm run bench:intake -- --db=postgres|pglite|both --count=1000000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase, sql } from '../src/db/database.js';
import {
  dbKinds,
  fmt,
  machineLine,
  parseFlags,
  positiveInt,
  postgresSettings,
  recreatePostgresDb,
  seconds,
  tempPgliteDir,
  type DbKind,
} from './bench-common.js';
import { buildCorpus, copyText, writeCorpusFile, type Corpus } from './corpus.js';
import { bareCopyPglite, bareCopyPostgres, copyTableDdl, timedImport } from './intake-parts.js';

const COPY_TABLE = 'bench_copy';
const COPY_DDL = copyTableDdl(COPY_TABLE);

interface IntakeFigures {
  db: DbKind;
  rows: number;
  copySeconds: number;
  intakeSeconds: number;
  receipt: { total: number; accepted: number; duplicates: number; refused: number };
  stored: number;
  indexed: number;
  enrichSeconds: number;
  rssAfterMiB: number;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { db: 'both', count: '1000000' });
  const kinds = dbKinds(flags.db);
  const count = positiveInt(flags.count, 'count');

  console.log(`# bench:intake — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}; load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const t0 = process.hrtime.bigint();
  const corpus = buildCorpus(count);
  const file = writeCorpusFile(corpus, 'intake');
  console.log(
    `corpus: ${fmt(corpus.lines.length)} lines (${fmt(corpus.realLines)} real from test/fixtures/data, ${fmt(corpus.generatedLines)} generated), ` +
      `${fmt(corpus.rows.length)} distinct canonical values, ${fmt(corpus.duplicateLines)} duplicate lines, ${fmt(corpus.refusedLines)} refused; ` +
      `by type ${Object.entries(corpus.byType).map(([t, n]) => `${t} ${fmt(n)}`).join(', ')}; built in ${fmt(seconds(t0), 1)} s -> ${file}`,
  );
  const copyBody = Buffer.from(copyText(corpus.rows));

  const results: IntakeFigures[] = [];
  try {
    for (const kind of kinds) results.push(kind === 'postgres' ? await benchPostgres(corpus, file, copyBody) : await benchPglite(corpus, file, copyBody));
  } finally {
    fs.rmSync(file, { force: true });
  }

  console.log('\n## results (rows = distinct canonical values stored)');
  console.log(`normalization alone (normalizeAny over every distinct line, measured while building the corpus): ${fmt(corpus.rows.length / corpus.normalizeSeconds)} values/s`);
  for (const r of results) {
    const copyRate = r.rows / r.copySeconds;
    const intakeRate = r.rows / r.intakeSeconds;
    const ratio = intakeRate / copyRate;
    console.log(`\n[${r.db}]`);
    console.log(`  bare COPY     : ${fmt(r.rows)} rows in ${fmt(r.copySeconds, 2)} s = ${fmt(copyRate)} rows/s`);
    console.log(
      `  intake        : ${fmt(r.rows)} rows in ${fmt(r.intakeSeconds, 2)} s = ${fmt(intakeRate)} rows/s (${fmt(r.receipt.total / r.intakeSeconds)} input lines/s)`,
    );
    console.log(`  ratio intake/COPY: ${fmt(ratio, 3)}${r.db === 'postgres' ? ` (goal >= 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'})` : ''}`);
    console.log(`  receipt       : total ${fmt(r.receipt.total)}, new ${fmt(r.receipt.accepted)}, duplicates ${fmt(r.receipt.duplicates)}, refused ${fmt(r.receipt.refused)}`);
    console.log(`  check         : indicators table ${fmt(r.stored)} rows, lookup index ${fmt(r.indexed)} entries (expected ${fmt(r.rows)})`);
    console.log(`  enrichment alone (IndicatorsService.enrich over the stored rows, after the run): ${fmt(r.rows / r.enrichSeconds)} values/s`);
    console.log(`  process RSS after intake: ${fmt(r.rssAfterMiB)} MiB`);
  }
  console.log(`\nload average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

/** PostgreSQL: COPY through pg-copy-streams, then the intake through the container's pool. */
async function benchPostgres(corpus: Corpus, file: string, copyBody: Buffer): Promise<IntakeFigures> {
  const url = await recreatePostgresDb();
  console.log(`\n[postgres] fresh database ${url}; ${await postgresSettings(url)}`);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let copySeconds: number;
  try {
    await client.query(COPY_DDL);
    await client.query('CHECKPOINT');
    copySeconds = await bareCopyPostgres(client, COPY_TABLE, copyBody);
    const n = Number((await client.query(`SELECT count(*) AS n FROM ${COPY_TABLE}`)).rows[0].n);
    if (n !== corpus.rows.length) throw new Error(`COPY loaded ${n} rows, expected ${corpus.rows.length}`);
    console.log(`[postgres] bare COPY: ${fmt(copySeconds, 2)} s`);
    // Out of the way of the intake that follows (same database, same WAL).
    await client.query(`DROP TABLE ${COPY_TABLE}`);
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }

  const handle = await openDatabase({ databaseUrl: url });
  return runIntake('postgres', handle, corpus, file, copySeconds);
}

/** PGlite: COPY from a blob on a raw client, closed, then the container opens the same data directory. */
async function benchPglite(corpus: Corpus, file: string, copyBody: Buffer): Promise<IntakeFigures> {
  const tmp = tempPgliteDir('intake');
  console.log(`\n[pglite] fresh data directory ${tmp.dir}`);
  try {
    const raw = new PGlite(tmp.dir);
    await raw.waitReady;
    let copySeconds: number;
    try {
      await raw.exec(COPY_DDL);
      copySeconds = await bareCopyPglite(raw, COPY_TABLE, copyBody);
      const n = Number((await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${COPY_TABLE}`)).rows[0].n);
      if (n !== corpus.rows.length) throw new Error(`COPY loaded ${n} rows, expected ${corpus.rows.length}`);
      console.log(`[pglite] bare COPY: ${fmt(copySeconds, 2)} s`);
      await raw.exec(`DROP TABLE ${COPY_TABLE}; CHECKPOINT;`);
    } finally {
      await raw.close();
    }
    const handle = await openDatabase({ dataDir: tmp.dir });
    return await runIntake('pglite', handle, corpus, file, copySeconds);
  } finally {
    tmp.cleanup();
  }
}

async function runIntake(
  kind: DbKind,
  handle: Awaited<ReturnType<typeof openDatabase>>,
  corpus: Corpus,
  file: string,
  copySeconds: number,
): Promise<IntakeFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
  const c = await createContainer(loadConfig({ DATA_DIR: dataDir }), { handle });
  try {
    const { seconds: intakeSeconds, receipt } = await timedImport(c, kind, file, 'bench:intake');
    console.log(`[${kind}] intake: ${fmt(intakeSeconds, 2)} s`);

    const stored = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM indicators`.execute(c.handle.db)).rows[0].n);
    const te = process.hrtime.bigint();
    for (const r of corpus.rows) c.indicators.enrich(r.type, r.value);
    const enrichSeconds = seconds(te);
    return {
      db: kind,
      rows: corpus.rows.length,
      copySeconds,
      intakeSeconds,
      receipt,
      stored,
      indexed: c.indicators.index.size,
      enrichSeconds,
      rssAfterMiB: process.memoryUsage().rss / 2 ** 20,
    };
  } finally {
    await c.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

