/**
 * Opens the system of record: PGlite in-process (data directory on disk, or in memory for tests)
 * or PostgreSQL through `pg`. Both speak the same SQL through Kysely; the differences (type
 * parsing, multi-statement scripts, pool size) stay in this file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { copyStatement, type CopyIn } from './copy-in.js';
import { PgliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or a transaction: what repositories take. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs a multi-statement SQL script (migrations). */
  execScript(script: string): Promise<void>;
  /**
   * Runs `COPY (select) TO STDOUT` and hands back its text-format output (copy-out.ts decodes
   * it). PostgreSQL streams it from a pooled connection with back-pressure, so memory stays bounded
   * however many rows; PGlite (`TO '/dev/blob'`) returns the whole result in one piece, so callers
   * page there. The SELECT takes no parameters: COPY cannot bind them, build it from literals.
   */
  copyOut(select: string): AsyncIterable<Uint8Array>;
  /**
   * Runs `fn` in one transaction on one connection with `COPY … FROM STDIN` available inside it
   * (copy-in.ts), for bulk intake. On PostgreSQL the lines stream to the server as they are
   * produced; PGlite takes them as one blob (`FROM '/dev/blob'`).
   */
  bulkTransaction<T>(fn: (tx: Tx, copyIn: CopyIn) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** bigint and count(*) come back as JS numbers on both drivers (our ids stay far below 2^53). */
const toNumber = (v: string) => Number(v);

export interface OpenOptions {
  /** postgres:// URL; when absent, PGlite. */
  databaseUrl?: string | null;
  /** PGlite data directory; when absent (and no URL), an in-memory database. */
  dataDir?: string | null;
  poolSize?: number;
  /** How long a request waits for a pooled connection (PostgreSQL); default POOL_WAIT_MS. */
  poolWaitMs?: number;
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10, options.poolWaitMs ?? POOL_WAIT_MS);
  return openPglite(options.dataDir ?? null);
}

/** A PGlite data directory that another process has open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the PGlite data directory ${dataDir} is in use by process ${pid}: stop it first (several processes need PostgreSQL, DATABASE_URL)`);
    this.name = 'DataDirInUseError';
  }
}

/** Data directories this process has open (a second open in the same process is refused too). */
const lockedHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is one process's database: a second process on the same directory dies deep inside the
 * WASM build (`Aborted()`), and one that only reads (`audit verify`) sees a state the first has
 * not written out. So the directory is taken with a lock file beside it holding the process id,
 * created exclusively; a lock whose process is gone (a crash) is taken over. Our own pid in a
 * lock we do not hold is stale too: a container restarts with the same pid.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = `${dataDir}.lock`;
  if (lockedHere.has(file)) throw new DataDirInUseError(dataDir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw err;
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new DataDirInUseError(dataDir, pid);
      fs.rmSync(file, { force: true });
    }
  }
  lockedHere.add(file);
  return () => {
    lockedHere.delete(file);
    try {
      if (Number.parseInt(fs.readFileSync(file, 'utf8'), 10) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}

async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const unlock = dataDir ? lockDataDir(path.resolve(dataDir)) : () => undefined;
  let client: PGlite;
  try {
    // One options object: PGlite ignores a second argument when the first (the data directory) is
    // undefined, which left an in-memory database without these parsers and extensions.
    client = new PGlite({
      ...(dataDir ? { dataDir } : {}),
      parsers: { [INT8_OID]: toNumber, [NUMERIC_OID]: toNumber },
      // Trigram indexes for substring search (migration 0013), as PostgreSQL has them.
      extensions: { pg_trgm },
    });
    await client.waitReady;
  } catch (err) {
    unlock();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new PgliteDialect(client) });
  return {
    db,
    kind: 'pglite',
    async execScript(script) {
      // Through Kysely so it waits its turn on the single PGlite session.
      await db.connection().execute(async () => {
        await client.exec(script);
      });
    },
    async *copyOut(select) {
      // Through Kysely so it waits its turn on the single PGlite session.
      const blob = await db.connection().execute(async () => (await client.query(`COPY (${select}) TO '/dev/blob'`)).blob);
      if (blob) yield new Uint8Array(await blob.arrayBuffer());
    },
    bulkTransaction(fn) {
      // Inside the transaction this session is ours (the dialect queues every other acquirer).
      return db.transaction().execute((tx) =>
        fn(tx, async (table, columns, chunks) => {
          const parts: string[] = [];
          for await (const chunk of chunks) parts.push(chunk);
          await client.query(copyStatement(table, columns, `'/dev/blob'`), [], { blob: new Blob(parts) });
        }),
      );
    },
    async close() {
      try {
        await db.destroy();
      } finally {
        unlock();
      }
    },
  };
}

async function openPostgres(url: string, poolSize: number, poolWaitMs: number): Promise<DatabaseHandle> {
  const types = {
    getTypeParser(oid: number, format?: string) {
      if (oid === INT8_OID || oid === NUMERIC_OID) return toNumber;
      return pg.types.getTypeParser(oid, format as any);
    },
  };
  // A request waits at most poolWaitMs for a connection, then fails (503) rather than hang: a
  // transaction that holds the audit chain's head while it waits for a second connection, with the
  // pool's others all waiting for that head, would otherwise never end.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: types as any, connectionTimeoutMillis: poolWaitMs });
  // A connection the server ends (a restart, an administrator, a dropped database) must not take
  // the process with it: without a listener, node-postgres raises its 'error' event as an uncaught
  // exception. The pool discards such a client; a query that was running on it fails on its own.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  // Fail fast with a clear message when the server is not there.
  const probe = await pool.connect();
  probe.release();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    async execScript(script) {
      await pool.query(script);
    },
    async *copyOut(select) {
      const client = await pool.connect();
      let finished = false;
      try {
        // One pass over many rows, often with a wild cost estimate (an EXISTS alternative subplan
        // reads as hundreds of millions): JIT then compiles for 100–150 ms and saves less (measured
        // on the 1M-domain feed), so this session does without it for the COPY.
        await client.query('SET jit = off');
        for await (const chunk of client.query(copyTo(`COPY (${select}) TO STDOUT`))) yield chunk as Buffer;
        await client.query('RESET jit');
        finished = true;
      } finally {
        // Stopped early (the consumer went away) or failed: the connection may still be inside the
        // COPY, so it is closed rather than handed back to the pool.
        client.release(!finished);
      }
    },
    async bulkTransaction(fn) {
      const client = await pool.connect();
      let failed = false;
      try {
        // A Kysely bound to this one client, so the transaction and the COPYs share its session.
        const session = new Kysely<Database>({
          dialect: new PostgresDialect({ pool: { connect: async () => ({ query: client.query.bind(client) as any, release() {} }), end: async () => {} } }),
        });
        return await session.transaction().execute((tx) =>
          fn(tx, async (table, columns, chunks) => {
            await pipeline(Readable.from(chunks), client.query(copyFrom(copyStatement(table, columns, 'STDIN'))));
          }),
        );
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        // After a failure the session may be mid-COPY: close it rather than hand it back.
        client.release(failed);
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Runs `fn` inside a savepoint of the caller's transaction: on failure the transaction rolls back
 * to it and goes on, and the error is rethrown for the caller to decide.
 */
export async function withSavepoint<T>(tx: Executor, name: string, fn: () => Promise<T>): Promise<T> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected savepoint name "${name}"`);
  await sql.raw(`SAVEPOINT ${name}`).execute(tx);
  try {
    const value = await fn();
    await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(tx);
    return value;
  } catch (err) {
    await sql.raw(`ROLLBACK TO SAVEPOINT ${name}`).execute(tx);
    throw err;
  }
}

/** How long a request waits for a pooled PostgreSQL connection before it fails as busy. */
export const POOL_WAIT_MS = 30_000;

/**
 * Is this the database saying it is too busy to serve now: no pooled connection within
 * POOL_WAIT_MS, or a lock not granted within its lock_timeout (SQLSTATE 55P03)?
 */
export function isDatabaseBusy(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { code?: string }).code === '55P03') return true;
  return err instanceof Error && /timeout exceeded when trying to connect/i.test(err.message);
}

/**
 * Is this a data exception (SQLSTATE class 22: numeric value out of range, invalid byte sequence,
 * NUL in text, datetime overflow, ...)? Bad input that got past validation; the statement and its
 * transaction failed, so nothing was written. Same codes on both drivers.
 */
export function isDataException(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/** Is this error a unique-constraint violation (SQLSTATE 23505)? Same code on both drivers. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

export { sql };
