/**
 * The two sides of the export ratio (docs/benchmarks.md, "Exports"), shared by bench:exports and
 * bench:scale's intake part: the raw limit, a bare `COPY (SELECT value FROM indicators WHERE
 * type = 'domain') TO STDOUT`, and an export through the real code path (FeedsService.prepareExport,
 * the repository's pages and the generator), each timed to its last byte.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Container } from '../src/container.js';
import type { DatabaseHandle } from '../src/db/database.js';
import type { Principal } from '../src/modules/auth/principal.js';
import { seconds, type DbKind } from './bench-common.js';

export const DOMAIN_COPY_SQL = `COPY (SELECT value FROM indicators WHERE type = 'domain') TO STDOUT`;

/** The raw limit for some types: `COPY (SELECT value FROM indicators WHERE type IN (…)) TO STDOUT`. */
export function copySql(types: readonly string[], target = 'STDOUT'): string {
  for (const t of types) if (!/^[a-z0-9_]+$/.test(t)) throw new Error(`not a type: ${t}`);
  const where = types.length === 1 ? `type = '${types[0]}'` : `type IN (${types.map((t) => `'${t}'`).join(', ')})`;
  return `COPY (SELECT value FROM indicators WHERE ${where}) TO ${target}`;
}

/** The raw limit: every stored domain by COPY TO (bytes are not known on PGlite's blob device). */
export async function copyDomainsSeconds(kind: DbKind, url: string | null, handle: DatabaseHandle): Promise<{ s: number; bytes: number }> {
  return copyTypesSeconds(kind, url, handle, ['domain']);
}

/** The raw limit of some types, read to the last byte, the bytes summed (nothing else per chunk). */
export async function copyTypesSeconds(kind: DbKind, url: string | null, handle: DatabaseHandle, types: readonly string[]): Promise<{ s: number; bytes: number }> {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: url! });
    await client.connect();
    try {
      let bytes = 0;
      const t = process.hrtime.bigint();
      await pipeline(client.query(copyTo(copySql(types))), new Writable({ write(chunk: Buffer, _e, cb) { bytes += chunk.length; cb(); } }));
      return { s: seconds(t), bytes };
    } finally {
      await client.end();
    }
  }
  const t = process.hrtime.bigint();
  await sql.raw(copySql(types, `'/dev/blob'`)).execute(handle.db);
  return { s: seconds(t), bytes: NaN };
}

/**
 * One export for `p`, read to the end as a client would: seconds to the last byte and the bytes
 * (a chunk's length, nothing per line inside the timing), and the records the generator reports
 * it wrote (its ExportStats, the trailer's count), read after the clock stops.
 */
export async function exportOnce(
  c: Container,
  p: Principal,
  format: 'rpz' | 'plain-domain',
  types?: string[],
): Promise<{ s: number; bytes: number; records: number }> {
  const t = process.hrtime.bigint();
  const prepared = await c.sharing.feeds.prepareExport(p, { format, types });
  const generator = prepared.body();
  let bytes = 0;
  for (;;) {
    const step = await generator.next();
    if (step.done) return { s: seconds(t), bytes, records: step.value.emitted };
    // Text chunks are ASCII here but for a rare escaped name: their length is their byte count.
    bytes += step.value.length;
  }
}
