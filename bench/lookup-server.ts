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
 * It tells the parent its port and memory over IPC, answers `{ cmd: 'rss' }` with its RSS, and
 * exits on `{ cmd: 'stop' }` (or when the parent goes away).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { parseFlags, seconds } from './bench-common.js';

export type ServerMessage =
  | { kind: 'ready'; port: number; rss: number; heapUsed: number; loadSeconds: number; indexed: number }
  | { kind: 'rss'; rss: number; heapUsed: number }
  | { kind: 'filter'; seconds: number; indexed: number; filterBytes: number; rss: number; heapUsed: number };

const send = (m: ServerMessage) => process.send!(m);

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
