/**
 * TAXII current at commit (issue 15), a part of `npm run bench:scale`: over a store that already
 * holds `count` indicators, a bulk import of `lines` new domains (TLP:GREEN) is committed by the
 * real intake path (`ImportsService.importLines`, in this process), and the running server (a
 * child process, as `threatshare serve`) is asked over HTTP:
 *
 *  - commit → the first page of the TLP:GREEN collection after the import's start holds values of
 *    it; commit → the page at the import's end holds its last value (goal: < 10 s);
 *  - the whole import read through TAXII as a client drains it (pages of 10,000 objects), beside
 *    the raw limit: `COPY (SELECT value … the same rows) TO STDOUT`;
 *  - object-by-id: the id map the background sweep fills (the server's sweep is off in this
 *    benchmark, so this process runs it over the import alone and times it), then the last
 *    value's indicator by id from the server.
 *
 * Prints figures, never asserts.
 */
import type { FastifyInstance } from 'fastify';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import type { Container } from '../src/container.js';
import type { Principal } from '../src/modules/auth/principal.js';
import { stixIdOfIndicator } from '../src/modules/stix/stix-export.js';
import { fmt, seconds } from './bench-common.js';

const TAXII = 'application/taxii+json;version=2.1';
const ROOT = '/taxii2/threatshare';
const PAGE = 10_000;

export interface TaxiiCurrencyFigures {
  lines: number;
  importSeconds: number;
  firstSeconds: number;
  lastSeconds: number;
  drainSeconds: number;
  drainObjects: number;
  copySeconds: number;
  mapSeconds: number;
  byIdSeconds: number;
}

const domainOf = (i: number, stamp: string) => `t${String(i).padStart(7, '0')}-${stamp}.taxii-scale-bench.net`;

/** How the measurement reaches the server and the database: over HTTP and pg, or in-process (PGlite). */
export interface TaxiiBench {
  /** The container that imports (on the server's database), and the principal of `token`. */
  c: Container;
  principal: Principal;
  /** GET a TAXII path as the importing organization; rejects on any status but 200. */
  get(path: string): Promise<TaxiiBody>;
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** Seconds to read the values of the rows changed since `since` the fastest way the database has (the raw limit). */
  rawRead(since: string): Promise<number>;
}

export interface TaxiiBody {
  more?: boolean;
  next?: string;
  objects?: { type: string; id: string; pattern?: string }[];
  collections?: { id: string; alias?: string }[];
}

/** The PostgreSQL form: the server is a child process on `port`; the raw limit is COPY TO. */
export async function overHttp(o: { url: string; stateDir: string; port: number; token: string }): Promise<TaxiiBench & { close(): Promise<void> }> {
  const headers = { authorization: `Bearer ${o.token}`, accept: TAXII };
  const handle = await openDatabase({ databaseUrl: o.url });
  const c = await createContainer(loadConfig({ DATA_DIR: o.stateDir, DATABASE_URL: o.url }), { handle, loadIndex: false });
  c.interop.stix.stopSyncing();
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  return {
    c,
    principal: (await c.auth.authenticateToken(o.token))!,
    async get(path) {
      const r = await fetch(`http://127.0.0.1:${o.port}${path}`, { headers });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as TaxiiBody;
    },
    async query<T>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as T[];
    },
    async rawRead(since) {
      const t = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyTo(`COPY (SELECT value FROM indicators WHERE updated_at >= '${since}'::timestamptz) TO STDOUT`));
        stream.on('data', () => undefined);
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      return seconds(t);
    },
    async close() {
      await client.end();
      await c.close();
    },
  };
}

/** The in-process form (PGlite: one process): requests through app.inject, the raw limit a plain SELECT of the values. */
export function inProcess(o: { c: Container; app: FastifyInstance; principal: Principal; headers: Record<string, string> }): TaxiiBench {
  const query = async <T>(text: string, params: unknown[] = []) => (await o.c.handle.db.executeQuery(CompiledQuery.raw(text, params))).rows as T[];
  return {
    c: o.c,
    principal: o.principal,
    async get(path) {
      const r = await o.app.inject({ method: 'GET', url: path, headers: { ...o.headers, accept: TAXII } });
      if (r.statusCode !== 200) throw new Error(`GET ${path} answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
      return r.json() as TaxiiBody;
    },
    query,
    async rawRead(since) {
      const t = process.hrtime.bigint();
      await query(`SELECT value FROM indicators WHERE updated_at >= $1::timestamptz`, [since]);
      return seconds(t);
    },
  };
}

export async function measureTaxiiCurrency(b: TaxiiBench, o: { lines: number; load: () => string }): Promise<TaxiiCurrencyFigures> {
  const { c, get } = b;
  const collections = await get(`${ROOT}/collections/`);
  const green = collections.collections!.find((x) => x.alias === 'tlp-green')!.id;
  const stamp = Date.now().toString(36);
  const last = domainOf(o.lines - 1, stamp);
  const before = (await b.query<{ t: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`))[0].t;
  function* lines() {
    for (let i = 0; i < o.lines; i++) yield domainOf(i, stamp);
  }
  const ti = process.hrtime.bigint();
  const { receipt } = await c.imports.importLines(b.principal, lines(), { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site', tlp: 'green' });
  const importSeconds = seconds(ti);
  const committed = process.hrtime.bigint();
  if (receipt.accepted !== o.lines) throw new Error(`import accepted ${receipt.accepted} of ${o.lines}`);

  // The client's poll after the import: its first page holds values of the import (not
  // necessarily the first line's: the listing hook stamps the new rows again after the COPY).
  const pattern = (v: string) => `[domain-name:value = '${v}']`;
  const ofImport = `-${stamp}.taxii-scale-bench.net']`;
  let firstSeconds = Number.NaN;
  for (;;) {
    const page = await get(`${ROOT}/collections/${green}/objects/?match[type]=indicator&limit=10&added_after=${before}`);
    if (page.objects?.some((x) => x.pattern?.endsWith(ofImport))) {
      firstSeconds = seconds(committed);
      break;
    }
    if (seconds(committed) > 600) break;
  }
  // The page at the import's end: from just before the last row's updated_at (read from the
  // database: a client gets there by paging, which the drain below measures).
  const lastAt = (await b.query<{ t: string }>(
    `SELECT to_char((updated_at - interval '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM indicators WHERE type = 'domain' AND value = $1`,
    [last],
  ))[0].t;
  // Rows stamped within one tick of the clock (PGlite's is coarser than PostgreSQL's) share that
  // instant, so the client pages on from there until it meets the value.
  const holds = async (addedAfter: string, v: string): Promise<boolean> => {
    const url = `${ROOT}/collections/${green}/objects/?match[type]=indicator&limit=1000&added_after=${addedAfter}`;
    for (let next: string | undefined, first = true; first || next !== undefined; first = false) {
      const page = await get(next === undefined ? url : `${url}&next=${encodeURIComponent(next)}`);
      if (page.objects?.some((x) => x.pattern === pattern(v))) return true;
      next = page.more ? page.next : undefined;
    }
    return false;
  };
  let lastSeconds = Number.NaN;
  for (;;) {
    if (await holds(lastAt, last)) {
      lastSeconds = seconds(committed);
      break;
    }
    if (seconds(committed) > 600) break;
  }
  console.log(`[taxii] ${fmt(o.lines)} lines imported in ${fmt(importSeconds, 1)} s; commit → first value served ${fmt(firstSeconds * 1000)} ms, → last value served ${fmt(lastSeconds * 1000)} ms; load ${o.load()}`);

  // A client draining the import: every object after `before`, pages of 10,000.
  const td = process.hrtime.bigint();
  let drainObjects = 0;
  let sawLast = false;
  for (let path: string | null = `${ROOT}/collections/${green}/objects/?limit=${PAGE}&added_after=${before}`; path !== null; ) {
    const page = await get(path);
    drainObjects += page.objects?.length ?? 0;
    sawLast ||= page.objects?.some((x) => x.pattern === pattern(last)) ?? false;
    path = page.more && page.next ? `${ROOT}/collections/${green}/objects/?limit=${PAGE}&added_after=${before}&next=${encodeURIComponent(page.next)}` : null;
  }
  const drainSeconds = seconds(td);
  if (!sawLast) throw new Error('the drain did not see the last value');
  const copySeconds = await b.rawRead(before);
  console.log(`[taxii] drain: ${fmt(drainObjects)} objects in ${fmt(drainSeconds, 1)} s (${fmt(drainObjects / drainSeconds)} objects/s, ${fmt(o.lines / drainSeconds)} values/s) vs COPY TO of the same values ${fmt(copySeconds, 2)} s; load ${o.load()}`);

  // Object-by-id: the id map over the import (the sweep from just before it), then one read.
  // (to the millisecond, as the service keeps its watermarks: it moves one only where it is still what it read)
  await b.query(`UPDATE stix_sync_state SET indicators_watermark = date_trunc('milliseconds', $1::timestamptz), indicators_cursor_at = NULL, indicators_cursor_id = NULL, indicators_sweep_watermark = NULL`, [before]);
  const tm = process.hrtime.bigint();
  await c.interop.stix.catchUp();
  const mapSeconds = seconds(tm);
  const lastId = (await b.query<{ id: string }>(`SELECT id FROM indicators WHERE type = 'domain' AND value = $1`, [last]))[0].id;
  const stixId = stixIdOfIndicator({ id: String(lastId), type: 'domain' });
  const tb = process.hrtime.bigint();
  const byId = await get(`${ROOT}/collections/${green}/objects/${stixId}/`);
  const byIdSeconds = seconds(tb);
  if (byId.objects?.[0]?.id !== stixId) throw new Error('the last value was not found by id');
  console.log(`[taxii] id map of the import: ${fmt(mapSeconds, 1)} s (${fmt(o.lines / mapSeconds)} rows/s); then the last value by id in ${fmt(byIdSeconds * 1000)} ms; load ${o.load()}`);
  return { lines: o.lines, importSeconds, firstSeconds, lastSeconds, drainSeconds, drainObjects, copySeconds, mapSeconds, byIdSeconds };
}
