/**
 * What every benchmark shares: command-line flags, a fresh database per run (PostgreSQL's own
 * `threatshare_bench` database, dropped and recreated, or a PGlite data directory under the temp
 * folder), and printing figures. Benchmarks print figures; they never assert on them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The benchmarks' own database on the local server; never the `test` database others use. */
export const BENCH_DB = 'threatshare_bench';
export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const PG_BENCH_URL = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${BENCH_DB}`);

export type DbKind = 'postgres' | 'pglite';

/** `--name=value` flags, with defaults; unknown flags stop the run so a typo is not measured. */
export function parseFlags<T extends Record<string, string>>(argv: string[], defaults: T): T {
  const out: Record<string, string> = { ...defaults };
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in defaults)) throw new Error(`Unknown flag ${arg}; known: ${Object.keys(defaults).map((k) => `--${k}=`).join(' ')}`);
    out[m[1]] = m[2];
  }
  return out as T;
}

export function dbKinds(flag: string): DbKind[] {
  if (flag === 'both') return ['postgres', 'pglite'];
  if (flag === 'postgres' || flag === 'pglite') return [flag];
  throw new Error(`--db must be postgres, pglite or both, got "${flag}"`);
}

export function positiveInt(flag: string, name: string): number {
  const n = Number(flag);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${flag}"`);
  return n;
}

/** Drops and recreates the benchmark database, so every run starts from the same empty state. */
export async function recreatePostgresDb(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  } finally {
    await admin.end();
  }
  return PG_BENCH_URL;
}

/** The server settings that move write figures most, printed beside them. */
export async function postgresSettings(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const names = ['server_version', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'max_wal_size'];
    const r = await c.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)',
      [names],
    );
    return r.rows.map((x) => `${x.name}=${x.setting}${x.unit ? ` ${x.unit}` : ''}`).join(', ');
  } finally {
    await c.end();
  }
}

/** A fresh PGlite data directory under the temp folder; `cleanup` removes it. */
export function tempPgliteDir(label: string): { dir: string; cleanup(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `threatshare-bench-${label}-`));
  return { dir: path.join(root, 'pglite'), cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export function machineLine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(safeRead('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return `${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;

/**
 * CPU seconds used so far by this process and by the machine's PostgreSQL processes (every process
 * named `postgres` in /proc: backends, WAL writer, checkpointer; 0 where /proc is not there), so a
 * figure can say which side of a COPY was busy. Take one before and one after: `cpuSince(before)`.
 */
export interface CpuMark {
  node: number;
  database: number;
}

export function cpuMark(): CpuMark {
  const u = process.cpuUsage();
  return { node: (u.user + u.system) / 1e6, database: postgresCpuSeconds() };
}

export function cpuSince(before: CpuMark): CpuMark {
  const now = cpuMark();
  return { node: now.node - before.node, database: now.database - before.database };
}

/** "Node 3.1 s CPU, PostgreSQL 7.2 s CPU (of 9.0 s)". */
export function cpuLine(cpu: CpuMark, wallSeconds: number): string {
  return `Node ${fmt(cpu.node, 1)} s CPU, PostgreSQL processes ${fmt(cpu.database, 1)} s CPU (of ${fmt(wallSeconds, 1)} s)`;
}

function postgresCpuSeconds(): number {
  let dirs: string[];
  try {
    dirs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  let total = 0;
  for (const d of dirs) {
    const stat = safeRead(`/proc/${d}/stat`);
    const close = stat.lastIndexOf(')');
    if (close >= 0 && stat.slice(stat.indexOf('(') + 1, close) === 'postgres') total += statCpuSeconds(stat);
  }
  return total;
}

/** User + system CPU seconds in the text of a /proc/PID/stat (or …/task/TID/stat) file. */
export function statCpuSeconds(stat: string): number {
  // pid (comm) state ppid … utime stime are fields 14 and 15; comm may hold spaces, so split after ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, USER_HZ 100 on Linux
}

export function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/** A small deterministic PRNG (mulberry32), so every run builds the same corpus. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
