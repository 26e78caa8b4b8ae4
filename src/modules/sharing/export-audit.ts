/**
 * The audit of an export's restricted rows (Art. 12): CSV and NDJSON carry every field of each
 * indicator, TLP marking included, so a download that holds TLP:AMBER-or-stricter rows is a read of
 * restricted objects. The rows are noted as they stream by (nothing is held back or re-read), and
 * one entry is written when the export ends, whether it was read to the end or abandoned.
 */
import { RowBatches, type ExportRow } from './exports/export-stream.js';
import type { RestrictedRead } from '../access/confidentiality.js';

export function auditedRows(rows: AsyncIterable<ExportRow>, read: RestrictedRead, done: (read: RestrictedRead) => Promise<unknown>): AsyncIterable<ExportRow> {
  // Rows are named by id, never by value (the entry must not hold what it protects).
  let n = 0;
  const note = (r: ExportRow) => read.add(r.id ?? `row-${++n}`, [], typeof r.tlp === 'string' ? r.tlp : null);
  // Batches stay batches: a generator that takes whole batches pays one await per batch, not per row.
  if (rows instanceof RowBatches) {
    return new RowBatches(
      (async function* () {
        try {
          for await (const batch of rows.batches) {
            for (const r of batch) note(r);
            yield batch;
          }
        } finally {
          await done(read);
        }
      })(),
    );
  }
  return (async function* () {
    try {
      for await (const r of rows) {
        note(r);
        yield r;
      }
    } finally {
      await done(read);
    }
  })();
}
