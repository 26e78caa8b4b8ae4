/**
 * TAXII current at commit (issue 15), a part of `npm run bench:scale`: over a store that already
 * holds `count` indicators, a bulk import of `lines` new domains (TLP:GREEN) is committed by the
 * real intake path (`ImportsService.importLines`, in this process), and the running server (a
 * child process, as `threatshare serve`) is asked over HTTP:
 *
 *  - commit → the first page of the TLP:GREEN collection after the import's start holds its first
 *    value; commit → the page at the import's end holds its last value (goal: < 10 s);
 *  - the whole import read through TAXII as a client drains it (pages of 10,000 objects), beside
 *    the raw limit: `COPY (SELECT value … the same rows) TO STDOUT`;
 *  - object-by-id: the id map the background sweep fills (the server's sweep is off in this
 *    benchmark, so this process runs it over the import alone and times it), then the last
 *    value's indicator by id from the server.
 *
 * Prints figures, never asserts.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
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

export async function measureTaxiiCurrency(o: { url: string; stateDir: string; port: number; token: string; lines: number; load: () => string }): Promise<TaxiiCurrencyFigures> {
  const headers = { authorization: `Bearer ${o.token}`, accept: TAXII };
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${o.port}${path}`, { headers });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as { more?: boolean; next?: string; objects?: { type: string; id: string; pattern?: string }[] };
  };
  const collections = (await get(`${ROOT}/collections/`)) as unknown as { collections: { id: string; alias?: string }[] };
  const green = collections.collections.find((c) => c.alias === 'tlp-green')!.id;

  const handle = await openDatabase({ databaseUrl: o.url });
  const c = await createContainer(loadConfig({ DATA_DIR: o.stateDir, DATABASE_URL: o.url }), { handle, loadIndex: false });
  c.interop.stix.stopSyncing();
  const principal = (await c.auth.authenticateToken(o.token))!;
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  try {
    const stamp = Date.now().toString(36);
    const first = domainOf(0, stamp);
    const last = domainOf(o.lines - 1, stamp);
    const before = (await client.query<{ t: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`)).rows[0].t;
    function* lines() {
      for (let i = 0; i < o.lines; i++) yield domainOf(i, stamp);
    }
    const ti = process.hrtime.bigint();
    const { receipt } = await c.imports.importLines(principal, lines(), { format: 'lines', category: 'malicious_resource', subtype: 'phishing_site', tlp: 'green' });
    const importSeconds = seconds(ti);
    const committed = process.hrtime.bigint();
    if (receipt.accepted !== o.lines) throw new Error(`import accepted ${receipt.accepted} of ${o.lines}`);

    // The client's poll after the import: its first page holds the import's first value.
    const pattern = (v: string) => `[domain-name:value = '${v}']`;
    let firstSeconds = Number.NaN;
    for (;;) {
      const page = await get(`${ROOT}/collections/${green}/objects/?match[type]=indicator&limit=10&added_after=${before}`);
      if (page.objects?.some((x) => x.pattern === pattern(first))) {
        firstSeconds = seconds(committed);
        break;
      }
      if (seconds(committed) > 600) break;
    }
    // The page at the import's end: from just before the last row's updated_at (read from the
    // database: a client gets there by paging, which the drain below measures).
    const lastAt = (await client.query<{ t: string }>(
      `SELECT to_char((updated_at - interval '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t, id FROM indicators WHERE type = 'domain' AND value = $1`,
      [last],
    )).rows[0].t;
    let lastSeconds = Number.NaN;
    for (;;) {
      const page = await get(`${ROOT}/collections/${green}/objects/?match[type]=indicator&limit=10&added_after=${lastAt}`);
      if (page.objects?.some((x) => x.pattern === pattern(last))) {
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
    const tc = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyTo(`COPY (SELECT value FROM indicators WHERE updated_at >= '${before}'::timestamptz) TO STDOUT`));
      stream.on('data', () => undefined);
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    const copySeconds = seconds(tc);
    console.log(`[taxii] drain: ${fmt(drainObjects)} objects in ${fmt(drainSeconds, 1)} s (${fmt(drainObjects / drainSeconds)} objects/s, ${fmt(o.lines / drainSeconds)} values/s) vs COPY TO of the same values ${fmt(copySeconds, 2)} s; load ${o.load()}`);

    // Object-by-id: the id map over the import (the sweep from just before it), then one read.
    // (to the millisecond, as the service keeps its watermarks: it moves one only where it is still what it read)
    await client.query(`UPDATE stix_sync_state SET indicators_watermark = date_trunc('milliseconds', $1::timestamptz), indicators_cursor_at = NULL, indicators_cursor_id = NULL, indicators_sweep_watermark = NULL`, [before]);
    const tm = process.hrtime.bigint();
    await c.interop.stix.catchUp();
    const mapSeconds = seconds(tm);
    const lastId = (await client.query<{ id: string }>(`SELECT id FROM indicators WHERE type = 'domain' AND value = $1`, [last])).rows[0].id;
    const stixId = stixIdOfIndicator({ id: String(lastId), type: 'domain' });
    const tb = process.hrtime.bigint();
    const byId = await get(`${ROOT}/collections/${green}/objects/${stixId}/`);
    const byIdSeconds = seconds(tb);
    if (byId.objects?.[0]?.id !== stixId) throw new Error('the last value was not found by id');
    console.log(`[taxii] id map of the import: ${fmt(mapSeconds, 1)} s (${fmt(o.lines / mapSeconds)} rows/s); then the last value by id in ${fmt(byIdSeconds * 1000)} ms; load ${o.load()}`);
    return { lines: o.lines, importSeconds, firstSeconds, lastSeconds, drainSeconds, drainObjects, copySeconds, mapSeconds, byIdSeconds };
  } finally {
    await client.end();
    await c.close();
  }
}
