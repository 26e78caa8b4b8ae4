/**
 * What every export generator shares: the canonical row it reads, the statistics it returns, and
 * the chunked string writer that keeps a million-line export from ever becoming one string.
 *
 * Generators are async generators that yield string chunks of about CHUNK_SIZE characters and
 * return their ExportStats when done, so a route can pipe them to a response (or a file) while a
 * test or a small export can collect them with collectExport().
 */

/** The indicator types an export can carry (DESIGN.md §3, the blocklistable subset). */
export type ExportIndicatorType = 'ipv4' | 'ipv6' | 'cidr' | 'domain' | 'url' | 'file_hash';

export const EXPORT_INDICATOR_TYPES: readonly ExportIndicatorType[] = [
  'ipv4',
  'ipv6',
  'cidr',
  'domain',
  'url',
  'file_hash',
];

/**
 * One canonical indicator as the indicators module stores it. `value` is already canonical:
 * lower-case punycode domains, canonical IPs and CIDRs (network address, no host bits), WHATWG URLs,
 * lower-case hex hashes. Extra fields are allowed and travel into NDJSON unchanged.
 */
export interface ExportRow {
  type: ExportIndicatorType;
  value: string;
  category?: string;
  subtype?: string;
  first_seen?: Date;
  last_seen?: Date;
  valid_until?: Date | null;
  id?: string;
  [extra: string]: unknown;
}

/** Rows from a database cursor (async), a COPY in batches (RowBatches) or an array (sync) alike. */
export type RowSource = AsyncIterable<ExportRow> | Iterable<ExportRow>;

/**
 * Rows handed over in batches, as a database COPY yields thousands per network chunk: generators
 * take whole batches (rowBatches), so a million-row export does not pay an await per row. Still
 * iterable row by row for any other consumer.
 */
export class RowBatches implements AsyncIterable<ExportRow> {
  constructor(readonly batches: AsyncIterable<readonly ExportRow[]>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<ExportRow, void, undefined> {
    for await (const batch of this.batches) yield* batch;
  }
}

/** Rows of a synchronous iterable taken per batch. */
const SYNC_BATCH = 4096;

/**
 * Any RowSource as batches: RowBatches as they come, an array at once, other synchronous
 * iterables 4,096 rows at a time, and an asynchronous iterable of rows one row per batch.
 */
export async function* rowBatches(rows: RowSource): AsyncGenerator<readonly ExportRow[], void, undefined> {
  if (rows instanceof RowBatches) {
    yield* rows.batches;
  } else if (Array.isArray(rows)) {
    yield rows;
  } else if (Symbol.asyncIterator in rows) {
    for await (const row of rows) yield [row];
  } else {
    let batch: ExportRow[] = [];
    for (const row of rows) {
      batch.push(row);
      if (batch.length === SYNC_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/** Why a row was left out. A blocklist never contains a line that would break its loader. */
export type SkipReason =
  | 'unsupported_type' // the format cannot express this indicator type
  | 'invalid' // the value cannot be written safely in this format
  | 'too_long' // DNS owner name over 255 octets once the origin is appended
  | 'expired'; // valid_until is at or before the generation time

export interface ExportStats {
  /** Rows read from the source. */
  rows: number;
  /** Entries written (zone records, set elements, lines). */
  emitted: number;
  /** Rows left out, by reason. */
  skipped: Record<SkipReason, number>;
  /** nftables only: input addresses or prefixes folded into a neighbouring or covering interval. */
  merged: number;
}

export type ExportGenerator = AsyncGenerator<string, ExportStats, undefined>;

/** Options every generator understands. */
export interface CommonExportOptions {
  /** Generation time, written in the header and used for the expiry check. Default: now. */
  generated_at?: Date;
  /** Who produced the file, written in the header. Default `threatshare`. */
  source?: string;
  /** Keep rows whose valid_until has passed. Default false: a blocklist holds active indicators only. */
  include_expired?: boolean;
}

/** About 64 KiB of text per yielded chunk: few enough chunks to be fast, small enough to stream. */
export const CHUNK_SIZE = 64 * 1024;

export function newExportStats(): ExportStats {
  return { rows: 0, emitted: 0, skipped: { unsupported_type: 0, invalid: 0, too_long: 0, expired: 0 }, merged: 0 };
}

export function countSkipped(stats: ExportStats): number {
  let total = 0;
  for (const n of Object.values(stats.skipped)) total += n;
  return total;
}

/** A one-line summary of the skips, for trailer comments. */
export function describeSkipped(stats: ExportStats): string {
  const parts = Object.entries(stats.skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

export function isExpired(row: ExportRow, now: Date): boolean {
  return row.valid_until instanceof Date && row.valid_until.getTime() <= now.getTime();
}

/**
 * Header comments must not let a caller-supplied string (a source name, a title) break out of the
 * comment: anything but printable characters becomes a space.
 */
export function sanitizeComment(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
}

/**
 * Accumulates lines and hands back a chunk once CHUNK_SIZE is reached. V8 concatenates strings as
 * ropes, so appending is cheap; flattening happens once per chunk when it is written out.
 */
export class ChunkWriter {
  private buffer = '';

  constructor(private readonly chunkSize: number = CHUNK_SIZE) {}

  /** Appends text; returns a full chunk to yield, or undefined while the buffer is short. */
  write(text: string): string | undefined {
    this.buffer += text;
    if (this.buffer.length < this.chunkSize) return undefined;
    const chunk = this.buffer;
    this.buffer = '';
    return chunk;
  }

  /** Whatever is left, or undefined when empty. */
  flush(): string | undefined {
    if (this.buffer.length === 0) return undefined;
    const chunk = this.buffer;
    this.buffer = '';
    return chunk;
  }
}

/** Runs a generator to the end: the whole text and its statistics. For tests and small exports. */
export async function collectExport(generator: ExportGenerator): Promise<{ text: string; stats: ExportStats }> {
  const parts: string[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) return { text: parts.join(''), stats: step.value };
    parts.push(step.value);
  }
}
