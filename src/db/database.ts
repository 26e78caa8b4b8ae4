/**
 * Opens the system of record: PGlite in-process (data directory on disk, or in memory for tests)
 * or PostgreSQL through `pg`. Both speak the same SQL through Kysely; the differences (type
 * parsing, multi-statement scripts, pool size) stay in this file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
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
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openPglite(options.dataDir ?? null);
}

async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const client = new PGlite(dataDir ?? undefined, {
    parsers: { [INT8_OID]: toNumber, [NUMERIC_OID]: toNumber },
  });
  await client.waitReady;
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
    async close() {
      await db.destroy();
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<DatabaseHandle> {
  const types = {
    getTypeParser(oid: number, format?: string) {
      if (oid === INT8_OID || oid === NUMERIC_OID) return toNumber;
      return pg.types.getTypeParser(oid, format as any);
    },
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: types as any });
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
    async close() {
      await db.destroy();
    },
  };
}

/** Is this error a unique-constraint violation (SQLSTATE 23505)? Same code on both drivers. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

export { sql };
