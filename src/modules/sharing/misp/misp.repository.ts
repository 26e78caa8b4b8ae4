/**
 * Every SQL statement of the MISP feed: the events a principal's feed lists (a report cut into
 * parts of at most `cap` values), and a report's values a page at a time.
 *
 * Total orders: events by (received_at, report id, part), newest first; a report's values by
 * indicator id. A report's sightings are `sighting_rows` (one per value) and `sighting_ranges`
 * (one per run of consecutive ids of a bulk import; migration 0008); they are read here directly,
 * merged in id order, because the `sightings` view cannot be walked in order a page at a time
 * (its UNION ALL sorts everything after the cursor on every page).
 */
import type { FeedAttribute } from './misp-feed.js';
import { sql } from 'kysely';
import type { Executor } from '../../../db/database.js';
import { reportInFeedSql, type ReportAudience } from '../../access/report-visibility.js';

export interface FeedReportRow {
  id: string;
  org_id: string;
  title: string;
  category: string;
  subtype: string;
  tlp: string;
  province_code: string | null;
  received_at: Date;
  discovered_at: Date;
  disclose_reporter: boolean;
  reporter_name: string;
}

/** One event of the feed: a part of a report. */
export interface FeedEventRow extends FeedReportRow {
  /** received_at as PostgreSQL prints it (microseconds kept), for the cursor. */
  received_key: string;
  part: number;
  parts: number;
}

/** A position in the events' order: the events strictly before it (older) come next. */
export interface EventKey {
  received_key: string;
  id: string;
  part: number;
}

/** A value of a report as the feed reads it (misp-feed.ts renders it). */
export type FeedAttributeRow = FeedAttribute;

/** Consecutive sighting ids of one report, seen at one time (a sighting row is a span of one). */
export interface SightingSpan {
  first: number;
  last: number;
  seen_at: Date;
}

const trimProvince = <T extends { province_code: string | null }>(x: T): T => ({ ...x, province_code: x.province_code ? String(x.province_code).trim() : null });

/** How many values a report has: its sighting rows and the ids its ranges cover. */
const valueCount = sql`((SELECT count(*) FROM sighting_rows s WHERE s.report_id = r.id)
  + (SELECT coalesce(sum(g.last_id - g.first_id + 1), 0) FROM sighting_ranges g WHERE g.report_id = r.id))`;

const reportColumns = sql`r.id, r.org_id, r.title, r.category, r.subtype, r.tlp, r.province_code, r.received_at, r.received_at::text AS received_key,
  r.discovered_at, r.disclose_reporter, o.name AS reporter_name`;

export const mispRepository = {
  /**
   * The newest `limit` events the audience's feed lists, strictly older than `before` when given:
   * one per `cap` values of each report (at least one a report).
   */
  async events(db: Executor, f: { audience: ReportAudience; cap: number; limit: number; before: EventKey | null }): Promise<FeedEventRow[]> {
    const b = f.before;
    const r = await sql<FeedEventRow>`
      SELECT ${reportColumns}, n.parts, k.part
      FROM reports r JOIN organizations o ON o.id = r.org_id
      CROSS JOIN LATERAL (SELECT greatest(1, ceil(${valueCount}::numeric / ${f.cap}))::int AS parts) n
      CROSS JOIN LATERAL generate_series(n.parts - 1, 0, -1) AS k(part)
      WHERE r.observable_count > 0 AND ${reportInFeedSql(f.audience)}
        ${b ? sql`AND r.received_at <= ${b.received_key}::timestamptz AND (r.received_at, r.id, k.part) < (${b.received_key}::timestamptz, ${b.id}::uuid, ${b.part}::int)` : sql``}
      ORDER BY r.received_at DESC, r.id DESC, k.part DESC
      LIMIT ${f.limit}`.execute(db);
    return r.rows.map(trimProvince);
  },

  async report(db: Executor, id: string, cap: number): Promise<(FeedReportRow & { parts: number }) | undefined> {
    const r = await sql<FeedReportRow & { parts: number }>`
      SELECT ${reportColumns}, greatest(1, ceil(${valueCount}::numeric / ${cap}))::int AS parts
      FROM reports r JOIN organizations o ON o.id = r.org_id WHERE r.id = ${id}::uuid`.execute(db);
    const x = r.rows[0];
    return x ? trimProvince(x) : undefined;
  },

  /** The reports whose id lies in [low, high] (uuid order): resolves a part's uuid to its report. */
  async reportsBetween(db: Executor, low: string, high: string): Promise<string[]> {
    const r = await sql<{ id: string }>`SELECT id FROM reports WHERE id BETWEEN ${low}::uuid AND ${high}::uuid ORDER BY id LIMIT 2`.execute(db);
    return r.rows.map((x) => x.id);
  },

  /**
   * A report's sightings in id order as spans, from position `skip` (0-based, in the order of the
   * `sightings` view sorted by id) for `take` positions, in pages of at most `batch` positions.
   * Skipping is counted in the database (a range by arithmetic, sighting rows by an index count).
   */
  async *spans(db: Executor, reportId: string, skip: number, take: number, batch: number): AsyncGenerator<SightingSpan[]> {
    let rowAfter = 0;
    let rangeAfter = 0;
    let rows: { indicator_id: number; seen_at: Date }[] = [];
    let ranges: SightingSpan[] = [];
    let rowsDone = false;
    let rangesDone = false;
    const refill = async () => {
      if (rows.length === 0 && !rowsDone) {
        rows = (
          await sql<{ indicator_id: number; seen_at: Date }>`
            SELECT indicator_id, seen_at FROM sighting_rows WHERE report_id = ${reportId}::uuid AND indicator_id > ${rowAfter}
            ORDER BY indicator_id LIMIT ${batch}`.execute(db)
        ).rows;
        rowsDone = rows.length < batch;
        if (rows.length) rowAfter = rows[rows.length - 1].indicator_id;
        rows.reverse(); // consumed from the end
      }
      await refillRanges();
    };
    const refillRanges = async () => {
      if (ranges.length === 0 && !rangesDone) {
        ranges = (
          await sql<{ first: number; last: number; seen_at: Date }>`
            SELECT first_id AS first, last_id AS last, seen_at FROM sighting_ranges WHERE report_id = ${reportId}::uuid AND first_id > ${rangeAfter}
            ORDER BY first_id LIMIT ${batch}`.execute(db)
        ).rows;
        rangesDone = ranges.length < batch;
        if (ranges.length) rangeAfter = ranges[ranges.length - 1].first;
        ranges.reverse();
      }
    };
    /** The next span in id order, cut to at most `max` positions (the rest stays queued). */
    const next = async (max: number): Promise<SightingSpan | null> => {
      await refill();
      const row = rows[rows.length - 1];
      const range = ranges[ranges.length - 1];
      if (!row && !range) return null;
      if (row && (!range || row.indicator_id <= range.first)) {
        rows.pop();
        return { first: row.indicator_id, last: row.indicator_id, seen_at: row.seen_at };
      }
      const n = range.last - range.first + 1;
      if (n <= max) {
        ranges.pop();
        return { ...range };
      }
      const head = { first: range.first, last: range.first + max - 1, seen_at: range.seen_at };
      ranges[ranges.length - 1] = { ...range, first: range.first + max };
      return head;
    };
    // Skipping is counted in the database: the rows before the next range (a row equal to a
    // range's first id comes first, as in `next`) at once, a range by arithmetic.
    for (let left = skip; left > 0; ) {
      await refillRanges();
      const range = ranges[ranges.length - 1];
      const before = (
        await sql<{ n: number; last: number | null }>`
          SELECT count(*) AS n, max(indicator_id) AS last FROM sighting_rows
          WHERE report_id = ${reportId}::uuid AND indicator_id > ${rowAfter} ${range ? sql`AND indicator_id <= ${range.first}` : sql``}`.execute(db)
      ).rows[0];
      if (before.n > left) {
        const at = await sql<{ id: number }>`
          SELECT indicator_id AS id FROM sighting_rows WHERE report_id = ${reportId}::uuid AND indicator_id > ${rowAfter}
          ORDER BY indicator_id OFFSET ${left - 1} LIMIT 1`.execute(db);
        rowAfter = at.rows[0].id;
        break;
      }
      left -= before.n;
      if (before.last !== null) rowAfter = before.last;
      if (!range) return; // nothing after the rows skipped
      const n = range.last - range.first + 1;
      if (n <= left) {
        ranges.pop();
        left -= n;
      } else {
        ranges[ranges.length - 1] = { ...range, first: range.first + left };
        left = 0;
      }
    }
    let page: SightingSpan[] = [];
    let inPage = 0;
    for (let left = take; left > 0; ) {
      const s = await next(Math.min(left, batch - inPage));
      if (!s) break;
      const n = s.last - s.first + 1;
      page.push(s);
      inPage += n;
      left -= n;
      if (inPage >= batch) {
        yield page;
        page = [];
        inPage = 0;
      }
    }
    if (page.length) yield page;
  },

  /** The values of some spans (in id order, as `spans` yields them), in id order; an id no longer stored is skipped, as the view does. */
  async attributes(db: Executor, spans: readonly SightingSpan[]): Promise<FeedAttributeRow[]> {
    const singles = spans.filter((s) => s.first === s.last).map((s) => s.first);
    const ranges = spans.filter((s) => s.first !== s.last);
    const cols = sql`i.id AS indicator_id, i.type, i.value, i.hash_algorithm, i.status, i.excluded, i.listing, i.valid_until`;
    // Single ids by `= ANY`, one sorted index pass (a tenth of the time of a probe a span);
    // ranges by LATERAL, each walking the primary key (as a plain join the planner, knowing the
    // array's size, walked `indicators` in id order and tested every span on every row).
    const parts = [];
    if (singles.length) parts.push(sql`(SELECT ${cols} FROM indicators i WHERE i.id = ANY(${singles}::bigint[]))`);
    // A few ranges (a bulk import's usual page holds one) as plain index range scans.
    if (ranges.length > 0 && ranges.length <= 16)
      parts.push(sql`(SELECT ${cols} FROM indicators i WHERE ${sql.join(ranges.map((s) => sql`i.id BETWEEN ${s.first}::bigint AND ${s.last}::bigint`), sql` OR `)})`);
    else if (ranges.length)
      parts.push(sql`(SELECT ${cols} FROM unnest(${ranges.map((s) => s.first)}::bigint[], ${ranges.map((s) => s.last)}::bigint[]) AS g(a, b)
        CROSS JOIN LATERAL (SELECT * FROM indicators x WHERE x.id BETWEEN g.a AND g.b OFFSET 0) i)`);
    if (parts.length === 0) return [];
    const r = await sql<Omit<FeedAttributeRow, 'seen_at'>>`${sql.join(parts, sql` UNION ALL `)} ORDER BY indicator_id`.execute(db);
    // Each value takes the time of the span it lies in (both in id order).
    const out: FeedAttributeRow[] = [];
    let k = 0;
    for (const row of r.rows) {
      while (k < spans.length - 1 && spans[k].last < row.indicator_id) k++;
      out.push({ ...row, seen_at: spans[k].seen_at });
    }
    return out;
  },
};
