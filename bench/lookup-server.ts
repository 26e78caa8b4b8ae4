/**
 * The server side of bench/lookup.ts, run as a child process so that the RSS it reports is the
 * server's alone and it gets a core of its own while autocannon drives it from the parent.
 *
 *   --mode=app   the real platform: `createContainer` (which loads the lookup index from the
 *                database, as at start-up) and `buildApp`, listening on 127.0.0.1
 *   --mode=bare  a bare node:http server answering one constant JSON body: the raw limit
 *   --stix-sync=no  no background STIX conversion (the steady state, when the store was derived long ago)
 *   --start=background  with --mode=app: start as `threatshare serve` does (listen first, build
 *                the lookup filter in the background; a `filter` message says when it is built)
 *
 * It tells the parent its port and memory over IPC, answers `{ cmd: 'rss' }` with its RSS and
 * `{ cmd: 'gc' }` with its garbage collections since the last such question, and exits on
 * `{ cmd: 'stop' }` (or when the parent goes away).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { parseFlags, seconds } from './bench-common.js';

export type ServerMessage =
  | { kind: 'ready'; port: number; rss: number; heapUsed: number; loadSeconds: number; indexed: number }
  | { kind: 'rss'; rss: number; heapUsed: number }
  | { kind: 'filter'; seconds: number; indexed: number; filterBytes: number; rss: number; heapUsed: number }
  | ({ kind: 'gc' } & GcCounts);

/** The collections the server's V8 ran since the last `{ cmd: 'gc' }` (durations in ms). */
export interface GcCounts {
  scavenges: number;
  scavengeMs: number;
  scavengeMaxMs: number;
  /** Mark-compact (full) collections, and their incremental marking steps and weak callbacks. */
  others: number;
  otherMs: number;
  otherMaxMs: number;
  /** The young generation's size now (both semi-spaces), as V8 grew it. */
  newSpaceBytes: number;
  /** --mode=app: lookups that read the unique index since the last question, and the hot cache's entries now. */
  probes: number;
  probeQueries: number;
  cached: number;
}

const send = (m: ServerMessage) => process.send!(m);

// Every garbage collection of this process, counted by kind (perf_hooks 'gc' entries): a
// scavenge (minor GC) stops the event loop, and under load its pauses are most of the tail.
const gc: Omit<GcCounts, 'newSpaceBytes' | 'probes' | 'probeQueries' | 'cached'> = { scavenges: 0, scavengeMs: 0, scavengeMaxMs: 0, others: 0, otherMs: 0, otherMaxMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      gc.scavenges++;
      gc.scavengeMs += e.duration;
      gc.scavengeMaxMs = Math.max(gc.scavengeMaxMs, e.duration);
    } else {
      gc.others++;
      gc.otherMs += e.duration;
      gc.otherMaxMs = Math.max(gc.otherMaxMs, e.duration);
    }
  }
}).observe({ entryTypes: ['gc'] });

/** The app's lookups, for `takeGc`. */
let indicators: { probes: number; probeQueries?: number; index: { cached: number } } | null = null;
let probesBefore = 0;
let queriesBefore = 0;

/** The counts since the last call, and a reset. */
function takeGc(): GcCounts {
  const newSpace = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  const probes = (indicators?.probes ?? 0) - probesBefore;
  probesBefore = indicators?.probes ?? 0;
  const probeQueries = (indicators?.probeQueries ?? 0) - queriesBefore;
  queriesBefore = indicators?.probeQueries ?? 0;
  const out = { ...gc, newSpaceBytes: newSpace?.space_size ?? 0, probes, probeQueries, cached: indicators?.index.cached ?? 0 };
  gc.scavenges = gc.scavengeMs = gc.scavengeMaxMs = gc.others = gc.otherMs = gc.otherMaxMs = 0;
  return out;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { mode: 'app', url: '', 'data-dir': '', body: '', start: 'wait', 'stix-sync': 'yes' });
  let close: () => Promise<void>;
  if (flags.mode === 'bare') {
    const body = Buffer.from(flags.body || '{"known":false}');
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    send({ kind: 'ready', port: (server.address() as AddressInfo).port, ...memory(), loadSeconds: 0, indexed: 0 });
    close = () => new Promise((resolve) => server.close(() => resolve()));
  } else {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-bench-server-'));
    const t = process.hrtime.bigint();
    const handle = await openDatabase(flags.url ? { databaseUrl: flags.url } : { dataDir: flags['data-dir'] });
    const background = flags.start === 'background';
    const c = await createContainer(loadConfig({ DATA_DIR: stateDir, ...(flags.url ? { DATABASE_URL: flags.url } : {}) }), { handle, loadIndex: !background });
    const app = await buildApp(c);
    indicators = c.indicators;
    await app.listen({ host: '127.0.0.1', port: 0 });
    // The steady state of a platform that converted its store to STIX long ago (bench/scale.ts).
    if (flags['stix-sync'] === 'no') c.interop.stix.stopSyncing();
    const loadSeconds = seconds(t);
    send({ kind: 'ready', port: (app.server.address() as AddressInfo).port, ...memory(), loadSeconds, indexed: c.indicators.index.size });
    if (background) {
      c.indicators.startPolling();
      void c.indicators.load().then(() =>
        send({ kind: 'filter', seconds: seconds(t), indexed: c.indicators.index.size, filterBytes: c.indicators.index.filterBytes, ...memory() }),
      );
    }
    close = async () => {
      await app.close();
      await c.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    };
  }

  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'rss') send({ kind: 'rss', ...memory() });
    if (m.cmd === 'gc') send({ kind: 'gc', ...takeGc() });
    if (m.cmd === 'stop') {
      await close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
