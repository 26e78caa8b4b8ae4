import autocannon from 'autocannon';
/**
 * Drives the forked lookup server (lookup-server.ts) of the lookup benchmarks: start it with
 * the Node flags of `npm start` and otherwise Node's own heap settings, as `npm start` runs it,
 * ask its RSS and GCs, one lookup, stop it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { GcCounts, ServerMessage } from './lookup-server.js';

/**
 * The Node flags `npm start` gives the server (package.json's start script, `node FLAGS
 * bin/threatshare.js serve`; the bin's shebang has the same, test/cli.test.ts checks): the bench
 * starts its server with them, so what is measured is what users run.
 */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  if (words[0] !== 'node') throw new Error(`the start script does not run node: ${pkg.scripts.start}`);
  const flags: string[] = [];
  for (let i = 1; i < words.length && words[i].startsWith('--'); i++) flags.push(words[i]);
  return flags;
}

export async function startServer(
  args: string[],
  // Another checkout's server (bench/lookup-overhead.ts compares two trees in one run).
  script = path.join(import.meta.dirname, 'lookup-server.ts'),
): Promise<{ child: ChildProcess; ready: Extract<ServerMessage, { kind: 'ready' }> }> {
  const child = fork(script, args, {
    // Not the bench's own flags: its 8 GiB heap limit would let V8 grow the server's heap lazily
    // and put 200–300 MiB on its RSS under load. BENCH_SERVER_NODE_ARGS adds flags for profiling
    // the server (e.g. "--cpu-prof --trace-gc"), after (and so over) those of `npm start`.
    execArgv: [...startNodeFlags(), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<ServerMessage, { kind: 'ready' }>>((resolve, reject) => {
    child.once('message', (m: ServerMessage) => (m.kind === 'ready' ? resolve(m) : reject(new Error('unexpected message'))));
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  return { child, ready };
}

/** The server's resident set, asked over IPC (other messages in between are left to their listeners). */
export function rssOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: ServerMessage) => {
      if (m.kind === 'rss') {
        child.off('message', on);
        resolve(m.rss);
      }
    };
    child.on('message', on);
    child.send({ cmd: 'rss' });
  });
}

/** The server's garbage collections since the last call (the first call only resets them). */
export function gcOf(child: ChildProcess): Promise<GcCounts> {
  return new Promise((resolve) => {
    const on = (m: ServerMessage) => {
      if (m.kind === 'gc') {
        child.off('message', on);
        const { kind: _, ...counts } = m;
        resolve(counts);
      }
    };
    child.on('message', on);
    child.send({ cmd: 'gc' });
  });
}

/** One line of GC figures over a run of `seconds`. */
export function gcLine(g: GcCounts, seconds: number): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const every = g.scavenges ? `one every ${f((seconds * 1000) / g.scavenges, 0)} ms, ` : '';
  return `GC: ${g.scavenges} scavenges (${every}mean ${f(g.scavengeMs / Math.max(g.scavenges, 1), 2)} ms, max ${f(g.scavengeMaxMs)} ms, ${f((g.scavengeMs / (seconds * 1000)) * 100)}% of the run), ${g.others} other (${f(g.otherMs)} ms, max ${f(g.otherMaxMs)} ms); new space ${f(g.newSpaceBytes / 2 ** 20, 0)} MiB`;
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.send({ cmd: 'stop' });
  });
}

/** One lookup over HTTP, for checking the server's answers before the load. */
export async function lookupOnce(port: number, value: string, headers: Record<string, string>) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/indicators/lookup?value=${encodeURIComponent(value)}`, { headers });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as { known?: boolean } };
}

/** autocannon at 64 connections for `seconds`, GET over `paths` in turn (the lookup benchmarks' load). */
export function getCycling(port: number, paths: string[], headers: Record<string, string>, seconds: number) {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 64,
    duration: seconds,
    headers,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
  });
}
