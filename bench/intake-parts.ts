/**
 * The two halves of the intake ratio (docs/benchmarks.md, "Intake"), shared by bench:intake (into
 * an empty store) and bench:scale's intake part (into a store already holding millions):
 *  - the raw limit: a bare COPY of canonical (type, value) rows into a table with the same
 *    UNIQUE (type, value) key as `indicators`;
 *  - the intake: `ImportsService.importLines` over a file in the `lines` format as a real
 *    organization's token, end to end.
 * Both are per canonical row stored, so ratio = COPY time / intake time.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Container } from '../src/container.js';
import { sql } from '../src/db/database.js';
import { lineBatches, type Line } from '../src/lib/line-batches.js';
import type { ImportReceipt } from '../src/modules/reports/reports.schema.js';
import { makeOrg } from '../test/helpers/factories.js';
import { cpuMark, cpuSince, seconds, type CpuMark, type DbKind } from './bench-common.js';

/** The raw limit's table: canonical rows under the same unique key as `indicators`, nothing else. */
export function copyTableDdl(table: string): string {
  return `CREATE TABLE ${table} (type text NOT NULL, value text NOT NULL, UNIQUE (type, value))`;
}

/** Bare `COPY table (type, value) FROM STDIN` of the body (pg-copy-streams, 64 KiB pieces); seconds. */
export async function bareCopyPostgres(client: pg.Client, table: string, body: Buffer): Promise<number> {
  return (await bareCopyPostgresCpu(client, table, body)).seconds;
}

/** The same, with the CPU each side used meanwhile. */
export async function bareCopyPostgresCpu(client: pg.Client, table: string, body: Buffer): Promise<{ seconds: number; cpu: CpuMark }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += 1 << 16) chunks.push(body.subarray(i, i + (1 << 16)));
  const cpu = cpuMark();
  const t = process.hrtime.bigint();
  await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${table} (type, value) FROM STDIN`)));
  return { seconds: seconds(t), cpu: cpuSince(cpu) };
}

/** The same on PGlite: `COPY … FROM '/dev/blob'` with the blob query option; seconds. */
export async function bareCopyPglite(raw: PGlite, table: string, body: Buffer): Promise<number> {
  const blob = new Blob([new Uint8Array(body)]);
  const t = process.hrtime.bigint();
  await raw.query(`COPY ${table} (type, value) FROM '/dev/blob'`, [], { blob });
  return seconds(t);
}

/** The file's lines a chunk at a time, as the CLI and the API read them. */
export function fileLines(file: string): AsyncGenerator<Line[]> {
  return lineBatches(fs.createReadStream(file));
}

/**
 * The intake, timed: a fresh security vendor and its token, then `importLines` of the file as the
 * public feeds are shared (TLP:CLEAR). A CHECKPOINT first on PostgreSQL, so the import does not
 * pay for the writes before it.
 */
export async function timedImport(c: Container, kind: DbKind, file: string, title: string): Promise<{ seconds: number; receipt: ImportReceipt; cpu: CpuMark }> {
  const org = await makeOrg(c, 'security_vendor', { name: `基准测试 安全企业 ${title}` });
  const principal = await c.auth.authenticateToken(org.token);
  if (!principal) throw new Error('the benchmark token did not authenticate');
  if (kind === 'postgres') await sql`CHECKPOINT`.execute(c.handle.db);
  const cpu = cpuMark();
  const t = process.hrtime.bigint();
  const { receipt } = await c.imports.importLines(principal, fileLines(file), {
    format: 'lines',
    category: 'malicious_resource',
    subtype: 'malware_distribution',
    tlp: 'clear',
    title,
  });
  return { seconds: seconds(t), receipt, cpu: cpuSince(cpu) };
}
