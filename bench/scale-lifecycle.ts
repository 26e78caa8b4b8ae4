/**
 * Expiry, withdrawal and retention at intake speed (issue 15), and what slows with the data in
 * sightings and the audit log. Prints figures beside raw limits measured in the same run; never
 * asserts on them.
 *
 *   npm run bench:lifecycle -- [--db=postgres|pglite|both] [--count=1000000] [--audit=200000]
 *                              [--partitions=yes|no] [--steps=yes|no] [--partitioned-first=no|yes]
 *
 * Standalone it works on its own database (PostgreSQL `threatshare_lifecycle`, dropped and
 * recreated; PGlite a fresh data directory). `lifecyclePart(url, count)` runs the same steps on a
 * database that already holds data (bench/scale.ts calls it on its store of ten million), in a
 * namespace of values of its own.
 *
 * 1. intake: `count` new domains by `ImportsService.importLines` (one bulk report, one case), then
 *    half of them again (known values: one sighting row each, a second case) — the reference rate;
 * 2. withdrawal: the first case confirmed, then withdrawn on appeal (ListingService.onCaseTransition,
 *    as the workflow calls it) — beside a bare UPDATE of the same rows by primary-key range;
 * 3. expiry: every value made due, then `FeedsService.sweepExpired` — beside a bare UPDATE;
 * 4. retention of sightings: both cases ended 1,000 days ago, `RetentionService.retireSightings`
 *    (removes the range and the rows, relists every value) — beside a bare DELETE by key range;
 * 5. the audit log: `--audit` entries appended by `AuditService.recordMany`; verify of the chain,
 *    the auditor's newest page; retention of all of them (`AuditService.retire`) — beside a bare
 *    DELETE of a copy by key range; verify again;
 * 6. partitioning by time, measured rather than assumed: a sightings-shaped table of `count` rows
 *    over 12 months, plain and partitioned by month: insert, probes by indicator, and retention of
 *    the oldest month (DELETE vs DROP of a partition).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createContainer, type Container } from '../src/container.js';
import { openDatabase, sql, type DatabaseHandle } from '../src/db/database.js';
import { auditRepository } from '../src/modules/audit/audit.repository.js';
import type { AuditInput } from '../src/modules/audit/audit.service.js';
import { RetentionService } from '../src/modules/retention/retention.service.js';
import { makeOrg } from '../test/helpers/factories.js';
import { dbKinds, fmt, machineLine, parseFlags, PG_ADMIN_URL, positiveInt, postgresSettings, prng, seconds, tempPgliteDir, type DbKind } from './bench-common.js';
import pg from 'pg';

const LIFECYCLE_DB = 'threatshare_lifecycle';
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const rate = (n: number, s: number) => `${fmt(n / s)}/s`;

interface Line {
  name: string;
  rows: number;
  seconds: number;
  rawSeconds?: number;
  rawName?: string;
}

function print(label: string, lines: Line[]): void {
  console.log(`\n## results [${label}]; load average ${load()}`);
  for (const l of lines) {
    const raw = l.rawSeconds !== undefined ? `; raw ${l.rawName}: ${fmt(l.rawSeconds, 2)} s = ${rate(l.rows, l.rawSeconds)}; ratio ${fmt(l.rawSeconds / l.seconds, 2)}` : '';
    console.log(`  ${l.name.padEnd(34)}: ${fmt(l.rows)} in ${fmt(l.seconds, 2)} s = ${rate(l.rows, l.seconds)}${raw}`);
  }
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const r = await f();
  return [r, seconds(t)];
}

/** The steps on an open container; returns the printed lines. */
export async function lifecycleSteps(c: Container, count: number, auditCount: number, label: string): Promise<Line[]> {
  const db = c.handle.db;
  const lines: Line[] = [];
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const value = (i: number) => `l${i}.${run}.lifecycle-bench.com`;
  const ministry = await makeOrg(c, 'regulator_national', { name: `生命周期基准 部 ${run}` });
  const vendor = await makeOrg(c, 'security_vendor', { name: `生命周期基准 安全企业 ${run}` });
  const p = (await c.auth.authenticateToken(vendor.token))!;
  void ministry;
  const step = (s: string) => console.log(`[${label}] ${s}; load ${load()}`);
  const vacuum = () => sql`VACUUM ANALYZE indicators`.execute(db);

  // 1. intake, the reference
  const values = Array.from({ length: count }, (_, i) => value(i));
  const opts = { format: 'lines' as const, category: 'malicious_resource', subtype: 'malware_distribution', tlp: 'clear' as const, title: `bench:lifecycle ${run}` };
  const [first, intakeSeconds] = await timed(() => c.imports.importLines(p, values, opts));
  lines.push({ name: 'intake of new values', rows: first.receipt.accepted, seconds: intakeSeconds });
  step(`intake ${fmt(first.receipt.accepted)} new in ${fmt(intakeSeconds, 1)} s`);
  const half = values.slice(0, Math.floor(count / 2));
  const [second, againSeconds] = await timed(() => c.imports.importLines(p, half, { ...opts, title: `bench:lifecycle again ${run}` }));
  lines.push({ name: 'intake of known values', rows: second.receipt.total, seconds: againSeconds });
  step(`intake ${fmt(second.receipt.total)} known in ${fmt(againSeconds, 1)} s`);
  const reportOf = async (importId: string) => (await sql<{ report_id: string }>`SELECT report_id FROM imports WHERE id = ${importId}::uuid`.execute(db)).rows[0].report_id;
  const caseOf = async (reportId: string) => (await sql<{ case_id: string }>`SELECT case_id FROM case_reports WHERE report_id = ${reportId}::uuid`.execute(db)).rows[0].case_id;
  const case1 = await caseOf(await reportOf(first.receipt.id));
  const case2 = await caseOf(await reportOf(second.receipt.id));
  // The new values' ids, from the first report's sightings (ranges, and rows for any value intake upserted).
  const report1 = await reportOf(first.receipt.id);
  const ids = (await sql<{ lo: string; hi: string; n: string }>`
    SELECT min(lo) AS lo, max(hi) AS hi, sum(n) AS n FROM (
      SELECT min(first_id) AS lo, max(last_id) AS hi, sum(last_id - first_id + 1) AS n FROM sighting_ranges WHERE report_id = ${report1}::uuid
      UNION ALL SELECT min(indicator_id), max(indicator_id), count(*) FROM sighting_rows WHERE report_id = ${report1}::uuid) x`.execute(db)).rows[0];
  const lo = Number(ids.lo);
  const hi = Number(ids.hi);
  const span = `id ${fmt(lo)}–${fmt(hi)} (${fmt(Number(ids.n))} rows, ${fmt(hi - lo + 1)} ids)`;
  step(`values ${span}`);

  // 2. withdrawal on appeal: confirmed, then withdrawn; beside a bare UPDATE of the same rows
  const transition = (caseId: string, from: string, to: string) =>
    timed(() =>
      db.transaction().execute(async (tx) => {
        await sql`UPDATE threat_cases SET state = ${to}, updated_at = now() WHERE id = ${caseId}::uuid`.execute(tx);
        await c.listing.onCaseTransition(tx, caseId, from as never, to as never);
        return Number((await sql<{ n: string }>`SELECT count(*) AS n FROM indicators WHERE id BETWEEN ${lo} AND ${hi} AND listing = ${to === 'confirmed' ? 'confirmed' : 'lifted'}`.execute(tx)).rows[0].n);
      }),
    );
  /**
   * The raw limit of a write to these rows: the same UPDATE by primary-key range on a fresh copy
   * of them with every index of `indicators` (LIKE … INCLUDING ALL), vacuumed, so neither the
   * dead rows of the steps before nor their order of work weigh on it.
   */
  const rawUpdate = async (set: string) => {
    await sql`DROP TABLE IF EXISTS bench_raw_ind`.execute(db);
    await sql`CREATE TABLE bench_raw_ind (LIKE indicators INCLUDING ALL)`.execute(db);
    await sql`INSERT INTO bench_raw_ind OVERRIDING SYSTEM VALUE SELECT * FROM indicators WHERE id BETWEEN ${lo} AND ${hi}`.execute(db);
    await sql`VACUUM ANALYZE bench_raw_ind`.execute(db);
    const [, s] = await timed(() => sql.raw(`UPDATE bench_raw_ind SET ${set}, updated_at = now() WHERE id BETWEEN ${lo} AND ${hi}`).execute(db));
    await sql`DROP TABLE bench_raw_ind`.execute(db);
    return s;
  };
  await transition(case2, 'open', 'confirmed');
  await vacuum();
  const [confirmed, confirmSeconds] = await transition(case1, 'open', 'confirmed');
  step(`case confirmed: ${fmt(confirmed)} values listed in ${fmt(confirmSeconds, 1)} s`);
  // Case 2 (the known half) withdrawn first, so case 1's withdrawal lifts every value.
  await transition(case2, 'confirmed', 'withdrawn');
  await vacuum();
  const [lifted, withdrawSeconds] = await transition(case1, 'confirmed', 'withdrawn');
  const rawListing = await rawUpdate(`listing = 'lifted'`);
  lines.push({ name: 'case confirmed (values listed)', rows: confirmed, seconds: confirmSeconds, rawSeconds: rawListing, rawName: 'UPDATE by id range' });
  lines.push({ name: 'case withdrawn (values lifted)', rows: lifted, seconds: withdrawSeconds, rawSeconds: rawListing, rawName: 'UPDATE by id range' });
  step(`case withdrawn: ${fmt(lifted)} values lifted in ${fmt(withdrawSeconds, 1)} s; bare UPDATE ${fmt(rawListing, 1)} s`);

  // 3. expiry: every value due; the sweep beside a bare UPDATE of the same rows
  await sql`UPDATE indicators SET valid_until = now() - interval '1 second' WHERE id BETWEEN ${lo} AND ${hi}`.execute(db);
  await vacuum();
  const [expired, expirySeconds] = await timed(() => c.sharing.feeds.sweepExpired());
  const rawExpiry = await rawUpdate(`status = 'expired'`);
  lines.push({ name: 'expiry sweep', rows: expired, seconds: expirySeconds, rawSeconds: rawExpiry, rawName: 'UPDATE by id range' });
  step(`expiry: ${fmt(expired)} in ${fmt(expirySeconds, 1)} s; bare UPDATE ${fmt(rawExpiry, 1)} s`);

  // 4. retention of sightings: both cases over 1,000 days ago
  await sql`UPDATE threat_cases SET closed_at = now() - interval '1000 days' WHERE id IN (${case1}::uuid, ${case2}::uuid)`.execute(db);
  const rows2 = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM sighting_rows WHERE report_id = ${await reportOf(second.receipt.id)}::uuid`.execute(db)).rows[0].n);
  await sql`CREATE TABLE bench_raw_rows AS SELECT g AS id, g AS indicator_id, gen_random_uuid() AS report_id, gen_random_uuid() AS org_id, now() AS seen_at FROM generate_series(1, ${rows2}::int) g`.execute(db);
  await sql`ALTER TABLE bench_raw_rows ADD PRIMARY KEY (id)`.execute(db);
  const rawRelist = await rawUpdate(`listing = 'reported'`);
  await vacuum();
  const retention = new RetentionService(db, c.audit, c.listing, { audit_days: 0, sighting_days: 730 });
  const [retired, retireSeconds] = await timed(() => retention.retireSightings(new Date(Date.now() - 730 * 86_400_000)));
  const [, rawDelete] = await timed(() => sql`DELETE FROM bench_raw_rows WHERE id BETWEEN 1 AND ${rows2}`.execute(db));
  await sql`DROP TABLE bench_raw_rows`.execute(db);
  // The same work bare: the rows deleted by key range, and the values' listing written by key range.
  lines.push({ name: `sightings retention (${fmt(retired.sightings)} sightings)`, rows: retired.relisted, seconds: retireSeconds, rawSeconds: rawDelete + rawRelist, rawName: 'DELETE rows + UPDATE values by id range' });
  step(`sightings retention: ${fmt(retired.cases)} cases, ${fmt(retired.sightings)} sightings (${fmt(rows2)} rows), ${fmt(retired.relisted)} relisted in ${fmt(retireSeconds, 1)} s; bare DELETE of ${fmt(rows2)} rows ${fmt(rawDelete, 2)} s`);

  // 5. the audit log
  const before = await auditRepository.head(db);
  const BATCH = 10_000;
  const [, appendSeconds] = await timed(async () => {
    for (let done = 0; done < auditCount; done += BATCH) {
      const n = Math.min(BATCH, auditCount - done);
      const inputs: AuditInput[] = Array.from({ length: n }, (_, i) => ({ action: 'restricted.read', object_type: 'indicator', object_id: String(done + i), province_code: '440000', data: { channel: 'bench', count: 1 } }));
      await db.transaction().execute((tx) => c.audit.recordMany(tx, p, inputs));
    }
  });
  const head = await auditRepository.head(db);
  lines.push({ name: 'audit append (recordMany 10k)', rows: head.seq - before.seq, seconds: appendSeconds });
  const [v1, verifySeconds] = await timed(() => c.audit.verify());
  lines.push({ name: `audit verify (${fmt(v1.entries)} entries)`, rows: v1.entries, seconds: verifySeconds });
  const [, pageSeconds] = await timed(async () => {
    for (let i = 0; i < 20; i++) await c.audit.list({ limit: 50 });
  });
  const [, filteredSeconds] = await timed(async () => {
    for (let i = 0; i < 20; i++) await c.audit.list({ limit: 50, action: 'notice.', reads: 'exclude' });
  });
  console.log(`[${label}] audit: newest page of 50 (with grouped reads) ${fmt((pageSeconds / 20) * 1000, 1)} ms; filtered by a rare action ${fmt((filteredSeconds / 20) * 1000, 1)} ms, over ${fmt(v1.entries)} entries`);
  await sql`CREATE TABLE bench_raw_audit AS SELECT * FROM audit_events`.execute(db);
  await sql`ALTER TABLE bench_raw_audit ADD PRIMARY KEY (seq)`.execute(db);
  const cutoff = new Date(Date.now() + 1000);
  await new Promise((r) => setTimeout(r, 1100));
  const [r, retireAuditSeconds] = await timed(() => c.audit.retire(cutoff, { period_days: 0 }));
  const [, rawAudit] = await timed(() => sql`DELETE FROM bench_raw_audit WHERE seq <= ${r.through_seq ?? 0}`.execute(db));
  await sql`DROP TABLE bench_raw_audit`.execute(db);
  lines.push({ name: 'audit retention', rows: r.removed, seconds: retireAuditSeconds, rawSeconds: rawAudit, rawName: 'DELETE by seq range' });
  const [v2, verify2Seconds] = await timed(() => c.audit.verify());
  console.log(`[${label}] audit retention: ${fmt(r.removed)} entries in ${r.entries} batches; verify after: ok ${v2.ok}, ${fmt(v2.entries)} entries in ${fmt(verify2Seconds * 1000, 0)} ms (before: ok ${v1.ok}, ${fmt(verifySeconds, 1)} s)`);
  return lines;
}

/** Sightings-shaped rows over 12 months, plain and partitioned by month: insert, probe, retire a month. */
export async function partitionExperiment(handle: DatabaseHandle, count: number, partitionedFirst = false): Promise<Line[]> {
  const db = handle.db;
  const lines: Line[] = [];
  await sql`DROP TABLE IF EXISTS bench_sight_plain, bench_sight_part CASCADE`.execute(db);
  await sql`CREATE TABLE bench_sight_plain (indicator_id bigint NOT NULL, report_id uuid NOT NULL, org_id uuid NOT NULL, seen_at timestamptz NOT NULL, PRIMARY KEY (indicator_id, report_id))`.execute(db);
  await sql`CREATE INDEX ON bench_sight_plain (report_id)`.execute(db);
  await sql`CREATE TABLE bench_sight_part (indicator_id bigint NOT NULL, report_id uuid NOT NULL, org_id uuid NOT NULL, seen_at timestamptz NOT NULL, PRIMARY KEY (indicator_id, report_id, seen_at)) PARTITION BY RANGE (seen_at)`.execute(db);
  const start = Date.UTC(2026, 0, 1);
  for (let m = 0; m < 12; m++) {
    const from = new Date(Date.UTC(2026, m, 1)).toISOString();
    const to = new Date(Date.UTC(2026, m + 1, 1)).toISOString();
    await sql.raw(`CREATE TABLE bench_sight_part_${m} PARTITION OF bench_sight_part FOR VALUES FROM ('${from}') TO ('${to}')`).execute(db);
  }
  await sql`CREATE INDEX ON bench_sight_part (report_id)`.execute(db);
  // One report per 10,000 sightings, the months in order (as sightings arrive).
  const fill = (table: string) =>
    sql.raw(`INSERT INTO ${table} SELECT (g::bigint * 7919) % ${count * 4} + 1, md5((g / 10000)::text)::uuid, md5('org')::uuid,
      to_timestamp(${start / 1000} + (g::float8 / ${count}) * 365 * 86400) FROM generate_series(0, ${count - 1}) g`).execute(db);
  // The second fill runs against a warmer cache and a WAL the first already grew: --partitioned-first=yes swaps them.
  let plainInsert = 0;
  let partInsert = 0;
  if (partitionedFirst) {
    [, partInsert] = await timed(() => fill('bench_sight_part'));
    [, plainInsert] = await timed(() => fill('bench_sight_plain'));
  } else {
    [, plainInsert] = await timed(() => fill('bench_sight_plain'));
    [, partInsert] = await timed(() => fill('bench_sight_part'));
  }
  lines.push({ name: 'insert: plain', rows: count, seconds: plainInsert });
  lines.push({ name: 'insert: partitioned by month', rows: count, seconds: partInsert });
  await sql`ANALYZE bench_sight_plain`.execute(db);
  await sql`ANALYZE bench_sight_part`.execute(db);
  const rnd = prng(3);
  const probes = Array.from({ length: 2000 }, () => ((Math.floor(rnd() * count) * 7919) % (count * 4)) + 1);
  const probe = (table: string) =>
    timed(async () => {
      let found = 0;
      for (let i = 0; i < probes.length; i += 1) found += (await sql.raw(`SELECT report_id, seen_at FROM ${table} WHERE indicator_id = ${probes[i]}`).execute(db)).rows.length;
      return found;
    });
  const [foundPlain, plainProbe] = await probe('bench_sight_plain');
  const [foundPart, partProbe] = await probe('bench_sight_part');
  lines.push({ name: `probe by indicator: plain (${fmt(foundPlain)} hits)`, rows: probes.length, seconds: plainProbe });
  lines.push({ name: `probe by indicator: partitioned`, rows: probes.length, seconds: partProbe, rawSeconds: plainProbe, rawName: 'plain' });
  const reportProbe = (table: string) => timed(async () => {
    for (let i = 0; i < 200; i++) await sql.raw(`SELECT count(*) FROM ${table} WHERE report_id = md5('${i * 3}')::uuid`).execute(db);
  });
  const [, plainReport] = await reportProbe('bench_sight_plain');
  const [, partReport] = await reportProbe('bench_sight_part');
  lines.push({ name: 'a report\u2019s sightings: plain', rows: 200, seconds: plainReport });
  lines.push({ name: 'a report\u2019s sightings: partitioned', rows: 200, seconds: partReport, rawSeconds: plainReport, rawName: 'plain' });
  const monthEnd = new Date(Date.UTC(2026, 1, 1)).toISOString();
  const monthRows = Number((await sql.raw<{ n: string }>(`SELECT count(*) AS n FROM bench_sight_part_0`).execute(db)).rows[0].n);
  const [, plainDelete] = await timed(() => sql.raw(`DELETE FROM bench_sight_plain WHERE seen_at < '${monthEnd}'`).execute(db));
  const [, partDrop] = await timed(() => sql.raw(`DROP TABLE bench_sight_part_0`).execute(db));
  lines.push({ name: 'retire oldest month: DROP partition', rows: monthRows, seconds: partDrop, rawSeconds: plainDelete, rawName: 'DELETE from plain (no seen_at index)' });
  await sql`DROP TABLE bench_sight_plain, bench_sight_part CASCADE`.execute(db);
  return lines;
}

/** For bench/scale.ts: the steps on a database that already holds data (its own org and values). */
export async function lifecyclePart(url: string, count: number, auditCount = Math.max(1, Math.floor(count / 5))): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-lifecycle-state-'));
  const handle = await openDatabase({ databaseUrl: url });
  const c = await createContainer(loadConfig({ DATA_DIR: stateDir, DATABASE_URL: url }), { handle });
  try {
    const stored = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM indicators`.execute(c.handle.db)).rows[0].n);
    console.log(`\n# lifecycle part: ${fmt(count)} values into a store of ${fmt(stored)}; load ${load()}`);
    print(`postgres, ${fmt(stored)} stored`, await lifecycleSteps(c, count, auditCount, 'lifecycle'));
  } finally {
    await c.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { db: 'postgres', count: '1000000', audit: '', partitions: 'yes', steps: 'yes', 'partitioned-first': 'no' });
  const count = positiveInt(flags.count, 'count');
  const auditCount = flags.audit ? positiveInt(flags.audit, 'audit') : Math.max(1, Math.floor(count / 5));
  if (count > 1_000_000) console.log('note: above 1,000,000 on this shared machine only as the lead runs it');
  console.log(`# bench:lifecycle — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}; load average at start ${load()}; --count=${count} --audit=${auditCount}`);
  for (const kind of dbKinds(flags.db)) await benchOne(kind, count, auditCount, flags.partitions === 'yes', flags.steps === 'yes', flags['partitioned-first'] === 'yes');
  console.log(`\nload average at end ${load()}`);
}

async function benchOne(kind: DbKind, count: number, auditCount: number, partitions: boolean, steps: boolean, partitionedFirst: boolean): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-lifecycle-state-'));
  let handle: DatabaseHandle;
  let cleanup = () => undefined as void;
  let url: string | undefined;
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${LIFECYCLE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${LIFECYCLE_DB}`);
    await admin.end();
    url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${LIFECYCLE_DB}`);
    console.log(`\n[postgres] fresh database ${url}; ${await postgresSettings(url)}`);
    handle = await openDatabase({ databaseUrl: url });
  } else {
    const tmp = tempPgliteDir('lifecycle');
    console.log(`\n[pglite] fresh data directory ${tmp.dir}`);
    handle = await openDatabase({ dataDir: tmp.dir });
    cleanup = tmp.cleanup;
  }
  const c = await createContainer(loadConfig({ DATA_DIR: stateDir, ...(url ? { DATABASE_URL: url } : {}) }), { handle });
  try {
    if (steps) print(kind, await lifecycleSteps(c, count, auditCount, kind));
    if (partitions) print(`${kind}, partitioning experiment`, await partitionExperiment(c.handle, count, partitionedFirst));
  } finally {
    await c.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scale-lifecycle.ts')) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
