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

/** The raw limit: every stored domain by COPY TO (bytes are not known on PGlite's blob device). */
export async function copyDomainsSeconds(kind: DbKind, url: string | null, handle: DatabaseHandle): Promise<{ s: number; bytes: number }> {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: url! });
    await client.connect();
    try {
      let bytes = 0;
      const t = process.hrtime.bigint();
      await pipeline(client.query(copyTo(DOMAIN_COPY_SQL)), new Writable({ write(chunk: Buffer, _e, cb) { bytes += chunk.length; cb(); } }));
      return { s: seconds(t), bytes };
    } finally {
      await client.end();
    }
  }
  const t = process.hrtime.bigint();
  await sql.raw(`COPY (SELECT value FROM indicators WHERE type = 'domain') TO '/dev/blob'`).execute(handle.db);
  return { s: seconds(t), bytes: NaN };
}

/** One export for `p`, read to the end: seconds, bytes and lines. */
export async function exportOnce(c: Container, p: Principal, format: 'rpz' | 'plain-domain'): Promise<{ s: number; bytes: number; lines: number }> {
  const t = process.hrtime.bigint();
  const prepared = await c.sharing.feeds.prepareExport(p, { format });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of prepared.body()) {
    bytes += chunk.length;
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) lines++;
  }
  return { s: seconds(t), bytes, lines };
}
