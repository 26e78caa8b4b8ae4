/**
 * The lookup server's per-request overhead (issue 15), on a store that is already there: this
 * tree's server beside another checkout's (`--base`, e.g. a worktree of main) and a bare
 * `node:http` server answering the same bytes, driven in turns (base, this, bare, base, ...) so
 * that all three see the same load on a shared machine. Besides req/s and p99 it prints each
 * server's CPU time per request (user + system, from /proc), which moves far less with the
 * machine's load than the rates do. Prints figures, never asserts.
 *
 *   npm run bench:scale -- --count=1000000 --db-name=ts_me     # once: makes the store
 *   npm run bench:lookup-overhead -- --db-name=ts_me [--base=/path/to/other/checkout] [--duration=8] [--rounds=2]
 *
 * Both servers start as `threatshare serve` does, with the background STIX conversion stopped
 * (the steady state), and must have built their lookup filter before the turns begin.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { openDatabase } from '../src/db/database.js';
import { makeOrg } from '../test/helpers/factories.js';
import { fmt, machineLine, parseFlags, PG_ADMIN_URL, positiveInt, prng, statCpuSeconds } from './bench-common.js';
import { getCycling, lookupOnce, startServer, stopServer } from './lookup-server-control.js';

const WARMUP_SECONDS = 2;
const REQUEST_LIST = 20_000;
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** CPU seconds (user + system) a process (or, with `thread`, one of its threads) has used so far. */
function cpuSeconds(pid: number, thread?: number): number {
  return statCpuSeconds(fs.readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8'));
}

interface Turn {
  rps: number;
  p99: number;
  cpuUsPerRequest: number;
  /** The main thread's share of it: JavaScript runs there, so on a busy machine it sets the rate. */
  mainUsPerRequest: number;
  /** The load generator's (this process's) CPU per request: when it is near its share of the machine, it is what limits the rate. */
  clientUsPerRequest: number;
  /** Transactions the database committed per request during the turn (lookups that asked it). */
  dbPerRequest: number;
  non2xx: number;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), { 'db-name': 'threatshare_scale', base: '', duration: '8', rounds: '2' });
  const duration = positiveInt(flags.duration, 'duration');
  const rounds = positiveInt(flags.rounds, 'rounds');
  if (!/^[a-z_][a-z0-9_]*$/.test(flags['db-name'])) throw new Error('--db-name must be a plain identifier');
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${flags['db-name']}`);
  console.log(`# bench:lookup-overhead — ${new Date().toISOString()}`);
  console.log(`machine: ${machineLine()}; load average at start ${load()}`);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const stored = Number((await client.query('SELECT count(*) AS n FROM indicators')).rows[0].n);
  const known: string[] = (await client.query(`SELECT value FROM indicators ORDER BY random() LIMIT ${REQUEST_LIST}`)).rows.map((r) => r.value);
  // Statistics are flushed by each backend within a second or so; a turn lasts several.
  const commits = async () => {
    await client.query('SELECT pg_stat_clear_snapshot()');
    return Number((await client.query('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0].n);
  };
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-overhead-state-'));
  const handle = await openDatabase({ databaseUrl: url });
  const c = await createContainer(loadConfig({ DATA_DIR: stateDir, DATABASE_URL: url }), { handle, loadIndex: false });
  const token = (await makeOrg(c, 'telecom_operator', { name: '开销测试 电信运营商' })).token;
  await c.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
  const headers = { authorization: `Bearer ${token}` };
  console.log(`store: ${fmt(stored)} indicators in ${flags['db-name']}; base: ${flags.base || '(none)'}`);

  const servers: { name: string; child: ChildProcess; port: number }[] = [];
  const startApp = async (name: string, script?: string) => {
    const s = await startServer(['--mode=app', `--url=${url}`, '--stix-sync=no'], script);
    servers.push({ name, child: s.child, port: s.ready.port });
  };
  if (flags.base) await startApp('base', path.join(path.resolve(flags.base), 'bench', 'lookup-server.ts'));
  await startApp('this');
  const rnd = prng(11);
  const unknown = Array.from({ length: REQUEST_LIST }, (_, i) => (i % 2 ? `nx${Math.floor(rnd() * 1e9).toString(36)}${i}.com` : `${1 + Math.floor(rnd() * 9)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`));
  const hit = await lookupOnce(servers[0].port, known[0], headers);
  for (const s of servers) {
    const h = await lookupOnce(s.port, known[0], headers);
    const m = await lookupOnce(s.port, unknown[0], headers);
    if (h.json.known !== true || m.json.known !== false) throw new Error(`${s.name}: lookup sanity check failed: ${h.text} / ${m.text}`);
  }
  const bare = await startServer(['--mode=bare', `--body=${hit.text}`]);
  servers.push({ name: 'bare', child: bare.child, port: bare.ready.port });

  const mixes = [
    { name: 'realistic (1% known)', knownShare: 0.01 },
    { name: '50/50', knownShare: 0.5 },
  ];
  const results: { mix: string; byServer: Map<string, Turn[]> }[] = [];
  for (const m of mixes) {
    const paths: string[] = [];
    for (let i = 0; i < REQUEST_LIST; i++) paths.push(`/api/v1/indicators/lookup?value=${encodeURIComponent(rnd() < m.knownShare ? known[i] : unknown[i])}`);
    const byServer = new Map<string, Turn[]>(servers.map((s) => [s.name, []]));
    for (const s of servers) await getCycling(s.port, paths, headers, WARMUP_SECONDS);
    for (let r = 0; r < rounds; r++) {
      for (const s of servers) {
        const cpu0 = cpuSeconds(s.child.pid!);
        const main0 = cpuSeconds(s.child.pid!, s.child.pid!);
        const client0 = cpuSeconds(process.pid);
        const db0 = await commits();
        const a = await getCycling(s.port, paths, headers, duration);
        const cpuUs = ((cpuSeconds(s.child.pid!) - cpu0) * 1e6) / Math.max(a.requests.total, 1);
        const mainUs = ((cpuSeconds(s.child.pid!, s.child.pid!) - main0) * 1e6) / Math.max(a.requests.total, 1);
        const clientUs = ((cpuSeconds(process.pid) - client0) * 1e6) / Math.max(a.requests.total, 1);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const dbPerRequest = ((await commits()) - db0 - 2) / Math.max(a.requests.total, 1);
        byServer.get(s.name)!.push({ rps: a.requests.average, p99: a.latency.p99, cpuUsPerRequest: cpuUs, mainUsPerRequest: mainUs, clientUsPerRequest: clientUs, dbPerRequest, non2xx: a.non2xx });
        console.log(
          `[${m.name}, round ${r + 1}, ${s.name}] ${fmt(a.requests.average)} req/s, p50 ${a.latency.p50} ms, p99 ${a.latency.p99} ms, ${fmt(cpuUs, 1)} µs CPU/request (main thread ${fmt(mainUs, 1)}), client ${fmt(clientUs, 1)} µs/request, ${fmt(dbPerRequest, 4)} database transactions/request, non-2xx ${a.non2xx}; load ${load()}`,
        );
      }
    }
    results.push({ mix: m.name, byServer });
  }
  for (const s of servers) await stopServer(s.child);
  await client.end();

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  console.log(`\n## results (${fmt(stored)} indicators on PostgreSQL, ${rounds} rounds of ${duration} s, medians; load average at end ${load()})`);
  for (const r of results) {
    const b = r.byServer.get('bare')!;
    for (const name of servers.map((s) => s.name).filter((n) => n !== 'bare')) {
      const t = r.byServer.get(name)!;
      const rate = median(t.map((x, i) => x.rps / b[i].rps));
      const p99 = median(t.map((x, i) => x.p99 / Math.max(b[i].p99, 1)));
      console.log(
        `  ${r.mix} ${name}: ${fmt(median(t.map((x) => x.rps)))} req/s, p99 ${median(t.map((x) => x.p99))} ms, ${fmt(median(t.map((x) => x.cpuUsPerRequest)), 1)} µs CPU/request (main thread ${fmt(median(t.map((x) => x.mainUsPerRequest)), 1)}); rate ${fmt(rate, 3)} of bare, p99 ${fmt(p99, 2)}x bare`,
      );
    }
    console.log(`  ${r.mix} bare: ${fmt(median(b.map((x) => x.rps)))} req/s, p99 ${median(b.map((x) => x.p99))} ms, ${fmt(median(b.map((x) => x.cpuUsPerRequest)), 1)} µs CPU/request (main thread ${fmt(median(b.map((x) => x.mainUsPerRequest)), 1)})`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
