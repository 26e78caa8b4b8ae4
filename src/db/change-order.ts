/**
 * Scans of `indicators` in change order, (updated_at, id), the keyset the lookup poll, the STIX id
 * sweep, the feeds' generation and their incremental pages walk. Migration 0020 dropped the
 * `(updated_at, id)` index: every row is in `indicators_tlp_page (tlp, updated_at, id)`, which
 * TAXII's audience pages need anyway, and `tlp` takes one of five values (its CHECK), so a scan in
 * change order is the merge of five keyset ranges of that index, one per TLP, each cut at the
 * limit: the same bounded work as one range, and one index entry fewer for every row intake
 * writes or moves.
 */
import { sql, type RawBuilder } from 'kysely';

/** The values of indicators.tlp (its CHECK, migration 0020). */
export const INDICATOR_TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;

export interface ChangeOrderScan {
  /** The select list over `i` (indicators); it must yield `updated_at` and `id` for the merge. */
  columns: RawBuilder<unknown>;
  /** Further conditions over `i`, or null. */
  where: RawBuilder<unknown> | null;
  /** Newest first instead of oldest first. */
  desc?: boolean;
  limit: number;
}

/** `SELECT columns FROM indicators i WHERE where ORDER BY i.updated_at, i.id LIMIT limit`, served by the TLP keyset index. */
export function changeOrderSql<T>(s: ChangeOrderScan): RawBuilder<T> {
  const dir = sql.raw(s.desc ? 'DESC' : 'ASC');
  const branches = INDICATOR_TLPS.map(
    (tlp) =>
      sql`(SELECT ${s.columns} FROM indicators i WHERE i.tlp = ${sql.lit(tlp)}${s.where ? sql` AND (${s.where})` : sql``}
        ORDER BY i.updated_at ${dir}, i.id ${dir} LIMIT ${s.limit})`,
  );
  return sql<T>`SELECT * FROM (${sql.join(branches, sql` UNION ALL `)}) AS u ORDER BY u.updated_at ${dir}, u.id ${dir} LIMIT ${s.limit}`;
}
