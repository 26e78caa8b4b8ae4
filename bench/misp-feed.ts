/**
 * MISP feed benchmark (issue 15: "the MISP feed keyset-paged on a total order"). One report of
 * `--count` values, stored by the real bulk import (its sightings are id ranges); then, in the
 * same run, beside the raw limit:
 *  (a) the raw limit: `COPY (SELECT … FROM sightings JOIN indicators … WHERE report_id = …
 *      ORDER BY id) TO STDOUT` of the same rows and columns an event is built from;
 *  (b) the whole feed as a MISP instance fetches it, over loopback HTTP through the real app
 *      (authentication, access, audit): manifest.json, every event (part) of the report, and
 *      hashes.csv; bytes, attributes counted, and the process's RSS before and at its peak while
 *      the feed was read (the app runs in this process; the lookup index of the import is in it).
 * With `--rows=yes` a second unit then reports the same values again: values already stored are
 * sighting rows, not ranges, and (a) and (b) are repeated for that report.
 *
 *   npm run bench:misp -- --db=postgres|pglite|both --count=1000000 --rows=yes
 *
 * PostgreSQL uses its own database `threatshare_misp_bench` (dropped and recreated), never `test`.
 * Figures are printed, never asserted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { sql } from 'kysely';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer, type Container } from '../src/container.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { makeOrg, type TestOrg } from '../test/helpers/factories.js';
import { dbKinds, fmt, machineLine, mib, parseFlags, PG_ADMIN_URL, positiveInt, postgresSettings, seconds, tempPgliteDir, type DbKind } from './bench-common.js';

const MISP_BENCH_DB = 'threatshare_misp_bench';

async function recreateMispBenchDb(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${MISP_BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${MISP_BENCH_DB}`);
  } finally {
    await admin.end();
  }
  return PG_ADMIN_URL.replace(/\/[^/]*$/, `/${MISP_BENCH_DB}`);
}

function* domains(n: number): Generator<string> {
  for (let i = 0; i < n; i++) yield `misp-bench-${i.toString(36)}.example-threat.cn`;
}

/** The rows an event is built from, as one COPY: the raw limit of reading them. */
async function copyReport(handle: DatabaseHandle, reportId: string): Promise<{ s: number; bytes: number }> {
  if (!/^[0-9a-f-]{36}$/.test(reportId)) throw new Error('report id');
  const select = `SELECT i.id, i.type, i.value, i.hash_algorithm, i.status, i.excluded, i.listing, i.valid_until, s.seen_at
    FROM sightings s JOIN indicators i ON i.id = s.indicator_id WHERE s.report_id = '${reportId}' ORDER BY i.id`;
  const t = process.hrtime.bigint();
  let bytes = 0;
  for await (const chunk of handle.copyOut(select)) bytes += chunk.length;
  return { s: seconds(t), bytes };
}

interface FeedFigures {
  s: number;
  manifestS: number;
  eventsS: number;
  hashesS: number;
  events: number;
  attributes: number;
  hashLines: number;
  bytes: number;
  peakRss: number;
  rssBefore: number;
}

const MARK = Buffer.from('"object_relation"');
const NEWLINE = 0x0a;

/** Reads a response body, counting bytes and (for events) attributes, never holding it whole. */
async function drain(res: Response, countAttributes: boolean): Promise<{ bytes: number; attributes: number; lines: number }> {
  if (!res.ok || !res.body) throw new Error(`${res.status} ${await res.text()}`);
  let bytes = 0;
  let attributes = 0;
  let lines = 0;
  let carry = Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    if (countAttributes) {
      // Every attribute carries one "object_relation" key; the event itself none.
      const buf = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      let end = 0;
      for (let at = buf.indexOf(MARK); at >= 0; at = buf.indexOf(MARK, at + MARK.length)) {
        attributes++;
        end = at + MARK.length;
      }
      carry = Buffer.from(buf.subarray(Math.max(end, buf.length - MARK.length + 1)));
    } else {
      for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) lines++;
    }
  }
  return { bytes, attributes, lines };
}

async function fetchFeed(base: string, org: TestOrg, reportId: string, withHashes: boolean): Promise<FeedFigures> {
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const get = (u: string) => fetch(`${base}${u}`, { headers: org.headers });
  try {
    const t = process.hrtime.bigint();
    const m = await get('/feeds/misp/manifest.json');
    const manifestText = await m.text();
    const manifest = JSON.parse(manifestText) as Record<string, { info: string }>;
    const manifestS = seconds(t);
    const ours = Object.keys(manifest).filter((u) => manifest[u].info.startsWith(`bench:misp ${reportId}`));
    const te = process.hrtime.bigint();
    let attributes = 0;
    let bytes = manifestText.length;
    for (const uuid of ours) {
      const d = await drain(await get(`/feeds/misp/${uuid}.json`), true);
      attributes += d.attributes;
      bytes += d.bytes;
    }
    const eventsS = seconds(te);
    let hashLines = 0;
    let hashesS = 0;
    if (withHashes) {
      const th = process.hrtime.bigint();
      const d = await drain(await get('/feeds/misp/hashes.csv'), false);
      hashesS = seconds(th);
      hashLines = d.lines;
      bytes += d.bytes;
    }
    return { s: seconds(t), manifestS, eventsS, hashesS, events: ours.length, attributes, hashLines, bytes, peakRss, rssBefore };
  } finally {
    clearInterval(sampler);
  }
}

async function importReport(c: Container, org: TestOrg, count: number, label: string): Promise<{ reportId: string; s: number }> {
  const principal = await c.auth.authenticateToken(org.token);
  if (!principal) throw new Error('the benchmark token did not authenticate');
  const t = process.hrtime.bigint();
  const { receipt } = await c.imports.importLines(principal, domains(count), {
    format: 'lines',
    category: 'malicious_resource',
    subtype: 'malware_distribution',
    tlp: 'green',
    title: `bench:misp ${label}`,
  });
  // The title names the report, so the fetch picks its events out of the manifest.
  await sql`UPDATE reports SET title = ${`bench:misp ${receipt.report_id}`} WHERE id = ${receipt.report_id}::uuid`.execute(c.handle.db);
  return { reportId: receipt.report_id!, s: seconds(t) };
}

async function run(kind: DbKind, handle: DatabaseHandle, flags: { count: number; rows: boolean }): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-state-'));
  const c = await createContainer(loadConfig({ DATA_DIR: dataDir }), { handle, loadIndex: false });
  const app = await buildApp(c);
  try {
    c.interop.stix.stopSyncing();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const vendor = await makeOrg(c, 'security_vendor', { name: '基准测试 MISP 安全企业' });
    const second = await makeOrg(c, 'security_vendor', { name: '基准测试 MISP 第二家' });
    const reader = await makeOrg(c, 'internet_company', { name: '基准测试 MISP 读者', province_code: '110000' });

    const shapes: { label: string; org: TestOrg }[] = [{ label: 'ranges (new values)', org: vendor }];
    if (flags.rows) shapes.push({ label: 'rows (values already stored)', org: second });
    for (const [n, shape] of shapes.entries()) {
      const { reportId, s: importS } = await importReport(c, shape.org, flags.count, shape.label);
      if (kind === 'postgres') await sql`ANALYZE`.execute(c.handle.db);
      const sightings = (await sql<{ rows: number; ranges: number }>`
        SELECT (SELECT count(*) FROM sighting_rows WHERE report_id = ${reportId}::uuid) AS rows,
               (SELECT count(*) FROM sighting_ranges WHERE report_id = ${reportId}::uuid) AS ranges`.execute(c.handle.db)).rows[0];
      console.log(`[${kind}] report ${n + 1}, ${shape.label}: ${fmt(flags.count)} values imported in ${fmt(importS, 1)} s (${fmt(sightings.rows)} sighting rows, ${fmt(sightings.ranges)} ranges)`);
      const copy1 = await copyReport(c.handle, reportId);
      const copy2 = await copyReport(c.handle, reportId);
      const copy = Math.min(copy1.s, copy2.s);
      console.log(`[${kind}]   raw limit, COPY TO of its rows: ${fmt(copy, 2)} s, ${mib(copy1.bytes)} (runs ${fmt(copy1.s, 2)}, ${fmt(copy2.s, 2)})`);
      const f = await fetchFeed(base, reader, reportId, n === 0);
      console.log(
        `[${kind}]   whole feed over HTTP: ${fmt(f.s, 2)} s (manifest ${fmt(f.manifestS, 2)} s; ${f.events} events, ${fmt(f.attributes)} attributes, ${fmt(f.eventsS, 2)} s` +
          (n === 0 ? `; hashes.csv ${fmt(f.hashLines)} lines, ${fmt(f.hashesS, 2)} s` : '') +
          `), ${mib(f.bytes)}; process RSS ${mib(f.rssBefore)} before, peak ${mib(f.peakRss)} during (+${mib(f.peakRss - f.rssBefore)})`,
      );
      console.log(`[${kind}]   events alone / COPY: ${fmt(f.eventsS / copy, 2)}; whole feed / COPY: ${fmt(f.s / copy, 2)}`);
      if (f.attributes !== flags.count) console.log(`[${kind}]   !! ${fmt(f.attributes)} attributes reached of ${fmt(flags.count)}`);
    }
  } finally {
    await app.close();
    await c.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { db: 'postgres', count: '1000000', rows: 'yes' });
  const count = positiveInt(flags.count, 'count');
  if (count > 1_000_000) console.warn('note: above 1,000,000 values this is the lead\'s run on the merged tree');
  console.log(`# bench:misp — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const kind of dbKinds(flags.db)) {
    if (kind === 'postgres') {
      const url = await recreateMispBenchDb();
      console.log(`\n[postgres] fresh database ${url}; ${await postgresSettings(url)}`);
      await run(kind, await openDatabase({ databaseUrl: url }), { count, rows: flags.rows === 'yes' });
    } else {
      const tmp = tempPgliteDir('misp');
      console.log(`\n[pglite] fresh data directory ${tmp.dir}`);
      try {
        await run(kind, await openDatabase({ dataDir: tmp.dir }), { count, rows: flags.rows === 'yes' });
      } finally {
        tmp.cleanup();
      }
    }
  }
  console.log(`\nload after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
