/**
 * Every SQL statement of sharing: the feed scan (keyset by id, audience filter in SQL), the feed
 * generation, exclusions and expiry as set operations, bulletins and receipts, releases,
 * subscriptions and the stream's event log.
 */
import { sql, type RawBuilder } from 'kysely';
import { compileCopySelect, copyTextBlocks, parseCopyColumns } from '../../db/copy-out.js';
import type { DatabaseHandle, Executor } from '../../db/database.js';
import type { FeedAudience } from '../access/feed-audience.js';
import { indicatorAudienceSql } from '../access/access.sql.js';
import { blockingCondition } from '../indicators/listing.repository.js';

export interface FeedRow {
  id: number;
  type: string;
  value: string;
  hash_algorithm: string | null;
  category: string;
  subtype: string;
  status: string;
  tlp: string;
  first_seen: Date;
  last_seen: Date;
  valid_until: Date | null;
  sighting_count: number;
  province_code: string | null;
  /** listing.ts: why the value is (or is not) in force as a blocking order. */
  listing: string;
}

export interface ChangedRow extends FeedRow {
  excluded: boolean;
  updated_at_text: string;
}

/**
 * How a value enters the SQL: bound as a parameter, or (for COPY, which binds none) inlined as a
 * literal after a strict check of its shape, so no input can reach the SQL text unchecked.
 */
type Bind = (value: string | number, shape: keyof typeof INLINE_SHAPES) => RawBuilder<unknown>;

const INLINE_SHAPES = {
  uuid: (v: unknown) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  province: (v: unknown) => typeof v === 'string' && /^[0-9]{6}$/.test(v),
  type: (v: unknown) => typeof v === 'string' && /^[a-z][a-z0-9_]{0,31}$/.test(v),
  id: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
};

function assertShape(value: string | number, shape: keyof typeof INLINE_SHAPES): void {
  if (!INLINE_SHAPES[shape](value)) throw new Error(`refusing ${JSON.stringify(value)} as a ${shape} in a feed query`);
}
const bound: Bind = (value) => sql`${value}`;
/** Bound, and checked as for inlining, so the bulk read refuses the same input on both drivers. */
const checkedBound: Bind = (value, shape) => (assertShape(value, shape), sql`${value}`);
const inlined: Bind = (value, shape) => (assertShape(value, shape), sql.lit(value));

/** The audience rule of the access module (isInFeed), in SQL over `indicators i`. */
export const audienceFilter = (a: FeedAudience, bind: Bind = bound): RawBuilder<boolean> => indicatorAudienceSql(a, bind);

/**
 * What a blocklist carries of one type after a key: what is blocking by listing.ts (identified,
 * ordered or provisionally listed; active, not excluded, not past valid_until), in the audience.
 * One definition for the page query and the COPY, so the two cannot drift.
 */
function feedFilter(f: { audience: FeedAudience; type: string; afterId: number }, bind: Bind): RawBuilder<boolean> {
  return sql<boolean>`i.type = ${bind(f.type, 'type')} AND ${blockingCondition('i')}
        AND i.id > ${bind(f.afterId, 'id')} AND ${audienceFilter(f.audience, bind)}`;
}

/**
 * Rows per page of a blocklist read on PGlite: one string of about 7 MB for domains, so memory
 * stays bounded whatever the table holds.
 */
export const PGLITE_VALUE_PAGE = 200_000;

const FEED_COLUMNS = sql.raw(
  'i.id, i.type, i.value, i.hash_algorithm, i.category, i.subtype, i.status, i.tlp, i.first_seen, i.last_seen, i.valid_until, i.sighting_count, i.province_code, i.listing',
);

function reverseString(s: string): string {
  return [...s].reverse().join('');
}

const fixProvince = <T extends { province_code: string | null }>(r: T): T => ({ ...r, province_code: r.province_code ? String(r.province_code).trim() : null });

export const sharingRepository = {
  /**
   * One keyset page of one type of what a blocklist carries: active, not excluded, not past
   * valid_until. One type per query, read in primary-key order from the key on and filtered as it
   * goes: a page costs its own size plus the other types' rows it passes (migration 0009 dropped
   * the partial (type, id) index, which bulk intake paid for on every value).
   */
  async feedPage(db: Executor, f: { audience: FeedAudience; type: string; afterId: number; limit: number; lean: boolean }): Promise<FeedRow[]> {
    const cols = f.lean ? sql.raw('i.id, i.type, i.value') : FEED_COLUMNS;
    const r = await sql<FeedRow>`
      SELECT ${cols} FROM indicators i
      WHERE ${feedFilter(f, bound)}
      ORDER BY i.id LIMIT ${f.limit}`.execute(db);
    return f.lean ? r.rows : r.rows.map(fixProvince);
  },

  /**
   * The values feedPage gives for a type with `lean`, every page (in id order on PGlite, in the
   * table's physical order on PostgreSQL), read in
   * bulk (issue 5: a blocklist of a million rows in at most twice the time of a bare COPY), a batch
   * at a time. Decoding a row message per row is what made the page query slow, so:
   *  - PostgreSQL streams one `COPY (SELECT value …) TO STDOUT` (one snapshot, back-pressure keeps
   *    memory bounded) and we split its text; the value alone, as an id costs the server about as
   *    much again and the server sets the pace;
   *  - PGlite runs in this thread and hands a COPY over through its emulated file system, slower
   *    than one string per keyset page of PGLITE_VALUE_PAGE rows, the values joined by newlines
   *    (measured on 1M domains: 1.0 s against 0.65 s), so it reads those, with bound parameters;
   *    a page where a value holds a newline is read again as a JSON array.
   */
  async *feedValues(handle: DatabaseHandle, f: { audience: FeedAudience; type: string; pageRows?: number }): AsyncGenerator<string[], void, undefined> {
    if (handle.kind === 'postgres') {
      const filter = feedFilter({ audience: f.audience, type: f.type, afterId: 0 }, inlined);
      // No ORDER BY: one sequential pass, as the bare COPY it is measured against. A blocklist's
      // loader does not care for the order (nftables sorts and merges its ranges itself).
      const select = compileCopySelect(sql`SELECT i.value FROM indicators i WHERE ${filter}`, handle.db);
      for await (const block of copyTextBlocks(handle.copyOut(select))) {
        const [values] = parseCopyColumns(block, 1);
        if (values.length > 0) yield values as string[];
      }
      return;
    }
    const pageRows = f.pageRows ?? PGLITE_VALUE_PAGE;
    let afterId = 0;
    for (;;) {
      const from = sql`FROM (SELECT i.id, i.value FROM indicators i WHERE ${feedFilter({ audience: f.audience, type: f.type, afterId }, checkedBound)}
        ORDER BY i.id LIMIT ${pageRows}) p`;
      type Page = { text: string | null; last_id: number | null; n: number };
      let page = (await sql<Page>`SELECT string_agg(p.value, E'\\n' ORDER BY p.id) AS text, max(p.id) AS last_id, count(*) AS n ${from}`.execute(handle.db)).rows[0];
      if (page.text === null || page.last_id === null) return;
      let values = page.text.split('\n');
      if (values.length !== page.n) {
        // A value holding a newline split in two: this page again as JSON, which escapes it.
        page = (await sql<Page>`SELECT json_agg(p.value ORDER BY p.id)::text AS text, max(p.id) AS last_id, count(*) AS n ${from}`.execute(handle.db)).rows[0];
        if (page.text === null || page.last_id === null) return;
        values = JSON.parse(page.text) as string[];
      }
      yield values;
      if (page.n < pageRows) return;
      afterId = page.last_id;
    }
  },

  /**
   * The generation every feed is built from: the newest change to any indicator (status changes,
   * exclusion and expiry all set updated_at) and how many there are. One index probe each.
   */
  async generation(db: Executor): Promise<{ max_updated: string; count: number }> {
    const r = await sql<{ max_updated: string | null; max_id: number | null }>`
      SELECT (SELECT x.updated_at::text AS t FROM indicators x ORDER BY x.updated_at DESC, x.id DESC LIMIT 1) AS max_updated,
             (SELECT max(id) FROM indicators) AS max_id`.execute(db);
    return { max_updated: r.rows[0].max_updated ?? 'empty', count: Number(r.rows[0].max_id ?? 0) };
  },

  /** Incremental feed: rows changed after the cursor and before the safe horizon, keyset (updated_at, id). */
  async changedPage(db: Executor, f: { audience: FeedAudience; types: readonly string[]; after: { at: string; id: number } | null; horizon: string; limit: number }): Promise<ChangedRow[]> {
    const after = f.after
      ? sql`AND (i.updated_at > ${f.after.at}::timestamptz OR (i.updated_at = ${f.after.at}::timestamptz AND i.id > ${f.after.id}))`
      : sql``;
    const r = await sql<ChangedRow>`
      SELECT ${FEED_COLUMNS}, i.excluded, i.updated_at::text AS updated_at_text FROM indicators i
      WHERE i.type = ANY(${[...f.types]}::text[]) AND i.updated_at < ${f.horizon}::timestamptz ${after}
        AND ${audienceFilter(f.audience)}
      ORDER BY i.updated_at, i.id LIMIT ${f.limit}`.execute(db);
    return r.rows.map(fixProvince);
  },

  async setting<T>(db: Executor, key: string): Promise<{ value: T; updated_at: Date } | undefined> {
    const r = await sql<{ value: T; updated_at: Date }>`SELECT value, updated_at FROM settings WHERE key = ${key}`.execute(db);
    const row = r.rows[0];
    if (!row) return undefined;
    return { value: typeof row.value === 'string' ? JSON.parse(row.value) : row.value, updated_at: row.updated_at };
  },

  async putSetting(db: Executor, key: string, value: unknown): Promise<void> {
    await sql`INSERT INTO settings (key, value, updated_at) VALUES (${key}, ${JSON.stringify(value)}::jsonb, now())
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`.execute(db);
  },

  /** Locks and returns a setting row (the RPZ serial), so two processes never hand out the same serial. */
  async lockSetting<T>(tx: Executor, key: string): Promise<T | undefined> {
    const r = await sql<{ value: T }>`SELECT value FROM settings WHERE key = ${key} FOR UPDATE`.execute(tx);
    const v = r.rows[0]?.value;
    return v === undefined ? undefined : typeof v === 'string' ? JSON.parse(v) : v;
  },

  /**
   * Marks indicators excluded or not according to the list, set-based and by index: exact values of
   * every type (the (type, value) key) and a domain's subdomains (the reversed-name index) become
   * excluded; rows excluded now are re-checked against the whole rule (also the host of URLs and
   * e-mail addresses, which intake applies to new values) and come back when nothing matches.
   * Only rows whose flag changes are written; updated_at moves so feeds and other processes follow.
   */
  async applyExclusions(tx: Executor, entries: { type: string; value: string }[]): Promise<{ id: number; type: string; value: string; excluded: boolean }[]> {
    const types = entries.map((e) => e.type);
    const values = entries.map((e) => e.value);
    const reversedSuffixes = entries.filter((e) => e.type === 'domain').map((e) => reverseString(`.${e.value}`).replace(/[\\%_]/g, (c) => `\\${c}`) + '%');
    const domains = entries.filter((e) => e.type === 'domain').map((e) => e.value);
    const added = await sql<{ id: number; type: string; value: string; excluded: boolean }>`
      UPDATE indicators i SET excluded = true, updated_at = clock_timestamp()
      WHERE NOT i.excluded AND i.id IN (
        SELECT x.id FROM indicators x JOIN unnest(${types}::text[], ${values}::text[]) AS e(type, value) ON x.type = e.type AND x.value = e.value
        ${sql.join(
          reversedSuffixes.map((pattern) => sql`UNION SELECT x.id FROM indicators x WHERE x.type = 'domain' AND reverse(x.value) LIKE ${pattern}`),
          sql` `,
        )})
      RETURNING i.id, i.type, i.value, i.excluded`.execute(tx);
    const host = sql`substring(i.value from '^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?([^/:?#]+)')`;
    const removed = await sql<{ id: number; type: string; value: string; excluded: boolean }>`
      UPDATE indicators i SET excluded = false, updated_at = clock_timestamp()
      WHERE i.excluded AND NOT (
        EXISTS (SELECT 1 FROM unnest(${types}::text[], ${values}::text[]) AS e(type, value) WHERE e.type = i.type AND e.value = i.value)
        OR EXISTS (SELECT 1 FROM unnest(${domains}::text[]) AS d(name) WHERE
             (i.type = 'domain' AND right(i.value, length(d.name) + 1) = '.' || d.name)
          OR (i.type = 'url' AND (${host} = d.name OR right(${host}, length(d.name) + 1) = '.' || d.name))
          OR (i.type = 'email' AND (split_part(i.value, '@', 2) = d.name OR right(split_part(i.value, '@', 2), length(d.name) + 1) = '.' || d.name))))
      RETURNING i.id, i.type, i.value, i.excluded`.execute(tx);
    return [...added.rows, ...removed.rows];
  },

  /** The expiry sweep: a set operation, as fast as intake (DESIGN §6). Returns the changed rows. */
  async expireDue(tx: Executor, limit: number): Promise<number[]> {
    const r = await sql<{ id: number }>`
      UPDATE indicators SET status = 'expired', updated_at = clock_timestamp()
      WHERE id IN (SELECT id FROM indicators WHERE status = 'active' AND valid_until IS NOT NULL AND valid_until <= now()
        ORDER BY valid_until LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING id`.execute(tx);
    return r.rows.map((x) => Number(x.id));
  },

  // ---- bulletins ------------------------------------------------------------------------------

  async resolveRecipients(db: Executor, f: { org_ids: string[]; kinds: string[]; province_code: string | null }): Promise<string[]> {
    const r = await sql<{ id: string }>`
      SELECT id FROM organizations WHERE status = 'active' AND (
        id = ANY(${f.org_ids}::uuid[])
        OR (kind = ANY(${f.kinds}::text[]) ${f.province_code ? sql`AND province_code = ${f.province_code}` : sql``}))
      ORDER BY id`.execute(db);
    return r.rows.map((x) => x.id);
  },

  async insertBulletin(tx: Executor, b: BulletinInsert, recipients: string[]): Promise<void> {
    await sql`INSERT INTO bulletins (id, sender_org_id, sender_user_id, province_code, title, body, tlp, severity, warning_colour, indicator_ids, case_ids, audience, sent_at)
      VALUES (${b.id}, ${b.sender_org_id}, ${b.sender_user_id}, ${b.province_code}, ${b.title}, ${b.body}, ${b.tlp}, ${b.severity}, ${b.warning_colour},
        ${b.indicator_ids}::bigint[], ${b.case_ids}::uuid[], ${JSON.stringify(b.audience)}::jsonb, ${b.sent_at})`.execute(tx);
    if (recipients.length > 0) {
      await sql`INSERT INTO bulletin_recipients (bulletin_id, org_id, delivered_at)
        SELECT ${b.id}::uuid, unnest(${recipients}::uuid[]), ${b.sent_at}::timestamptz`.execute(tx);
    }
  },

  async bulletin(db: Executor, id: string): Promise<BulletinRow | undefined> {
    const r = await sql<BulletinRow>`SELECT * FROM bulletins WHERE id = ${id}::uuid`.execute(db);
    return r.rows[0] ? fixProvince(r.rows[0]) : undefined;
  },

  async recipients(db: Executor, bulletinId: string): Promise<RecipientRow[]> {
    const r = await sql<RecipientRow>`SELECT br.org_id, o.name, br.delivered_at, br.read_at FROM bulletin_recipients br
      JOIN organizations o ON o.id = br.org_id WHERE br.bulletin_id = ${bulletinId}::uuid ORDER BY o.name`.execute(db);
    return r.rows;
  },

  async recipient(db: Executor, bulletinId: string, orgId: string): Promise<RecipientRow | undefined> {
    const r = await sql<RecipientRow>`SELECT br.org_id, '' AS name, br.delivered_at, br.read_at FROM bulletin_recipients br
      WHERE br.bulletin_id = ${bulletinId}::uuid AND br.org_id = ${orgId}::uuid`.execute(db);
    return r.rows[0];
  },

  async markRead(tx: Executor, bulletinId: string, orgId: string, userId: string | null, at: Date): Promise<boolean> {
    const r = await sql`UPDATE bulletin_recipients SET read_at = ${at}, read_by_user = ${userId}
      WHERE bulletin_id = ${bulletinId}::uuid AND org_id = ${orgId}::uuid AND read_at IS NULL`.execute(tx);
    return Number(r.numAffectedRows ?? 0) > 0;
  },

  /** Bulletins an organization sent or received, newest first. */
  async bulletinsFor(db: Executor, f: { org_id: string; all: boolean; province_code: string | null; limit: number }): Promise<(BulletinRow & { read_at: Date | null })[]> {
    const where = f.all
      ? sql`true`
      : f.province_code
        ? sql`(b.province_code = ${f.province_code} OR b.sender_org_id = ${f.org_id}::uuid OR br.org_id IS NOT NULL)`
        : sql`(b.sender_org_id = ${f.org_id}::uuid OR br.org_id IS NOT NULL)`;
    const r = await sql<BulletinRow & { read_at: Date | null }>`
      SELECT b.*, br.read_at FROM bulletins b
      LEFT JOIN bulletin_recipients br ON br.bulletin_id = b.id AND br.org_id = ${f.org_id}::uuid
      WHERE ${where} ORDER BY b.sent_at DESC, b.id DESC LIMIT ${f.limit}`.execute(db);
    return r.rows.map(fixProvince);
  },

  /** Cases a bulletin cites, with their province and the TLP markings of their reports. */
  async casesByIds(db: Executor, ids: string[]): Promise<{ id: string; province_code: string | null; tlps: string[] }[]> {
    if (ids.length === 0) return [];
    const r = await sql<{ id: string; province_code: string | null; tlps: string[] | null }>`
      SELECT c.id, c.province_code, array_agg(DISTINCT r.tlp) FILTER (WHERE r.tlp IS NOT NULL) AS tlps
      FROM threat_cases c LEFT JOIN case_reports cr ON cr.case_id = c.id LEFT JOIN reports r ON r.id = cr.report_id
      WHERE c.id::text = ANY(${ids}::text[]) GROUP BY c.id, c.province_code`.execute(db);
    return r.rows.map((x) => ({ id: x.id, province_code: x.province_code === null ? null : String(x.province_code).trim(), tlps: x.tlps ?? [] }));
  },

  async indicatorsByIds(db: Executor, ids: number[]) {
    if (ids.length === 0) return [];
    const r = await sql<{ id: number; type: string; value: string; category: string; subtype: string; tlp: string; status: string; province_code: string | null; responsible_org_id: string | null }>`
      SELECT id, type, value, category, subtype, tlp, status, province_code, responsible_org_id FROM indicators WHERE id = ANY(${ids}::bigint[]) ORDER BY id`.execute(db);
    return r.rows.map(fixProvince);
  },

  // ---- releases -------------------------------------------------------------------------------

  async insertRelease(tx: Executor, r: ReleaseRow): Promise<void> {
    await sql`INSERT INTO releases (id, state, author_org_id, title_zh, title_en, summary_zh, summary_en, body_zh, body_en, category, warning_colour, indicator_ids, created_at, updated_at)
      VALUES (${r.id}, ${r.state}, ${r.author_org_id}, ${r.title_zh}, ${r.title_en}, ${r.summary_zh}, ${r.summary_en}, ${r.body_zh}, ${r.body_en}, ${r.category}, ${r.warning_colour},
        ${r.indicator_ids}::bigint[], ${r.created_at}, ${r.updated_at})`.execute(tx);
  },

  async release(db: Executor, id: string, lock = false): Promise<ReleaseRow | undefined> {
    const r = await sql<ReleaseRow>`SELECT * FROM releases WHERE id = ${id}::uuid ${lock ? sql`FOR UPDATE` : sql``}`.execute(db);
    return r.rows[0];
  },

  async updateRelease(tx: Executor, id: string, set: Partial<ReleaseRow>): Promise<void> {
    const entries = Object.entries(set).filter(([, v]) => v !== undefined);
    const assigns = entries.map(([k, v]) => (k === 'indicator_ids' ? sql`${sql.ref(k)} = ${v}::bigint[]` : sql`${sql.ref(k)} = ${v}`));
    await sql`UPDATE releases SET ${sql.join(assigns)}, version = version + 1 WHERE id = ${id}::uuid`.execute(tx);
  },

  async publishedReleases(db: Executor, limit: number): Promise<ReleaseRow[]> {
    const r = await sql<ReleaseRow>`SELECT * FROM releases WHERE state = 'published' ORDER BY published_at DESC, id DESC LIMIT ${limit}`.execute(db);
    return r.rows;
  },

  async releasesFor(db: Executor, f: { org_id: string; regulator: boolean; limit: number }): Promise<ReleaseRow[]> {
    const r = await sql<ReleaseRow>`SELECT * FROM releases WHERE ${f.regulator ? sql`true` : sql`(author_org_id = ${f.org_id}::uuid OR state = 'published')`}
      ORDER BY updated_at DESC, id DESC LIMIT ${f.limit}`.execute(db);
    return r.rows;
  },

  // ---- subscriptions and the stream -----------------------------------------------------------

  async insertSubscription(tx: Executor, s: SubscriptionRow): Promise<void> {
    await sql`INSERT INTO subscriptions (id, org_id, events, webhook, created_at) VALUES (${s.id}, ${s.org_id}, ${s.events}::text[], ${s.webhook}, ${s.created_at})`.execute(tx);
  },

  async subscription(db: Executor, id: string): Promise<SubscriptionRow | undefined> {
    const r = await sql<SubscriptionRow>`SELECT * FROM subscriptions WHERE id = ${id}::uuid`.execute(db);
    return r.rows[0];
  },

  async subscriptionsOf(db: Executor, orgId: string): Promise<SubscriptionRow[]> {
    const r = await sql<SubscriptionRow>`SELECT * FROM subscriptions WHERE org_id = ${orgId}::uuid AND disabled_at IS NULL ORDER BY created_at`.execute(db);
    return r.rows;
  },

  async disableSubscription(tx: Executor, id: string, at: Date): Promise<void> {
    await sql`UPDATE subscriptions SET disabled_at = ${at} WHERE id = ${id}::uuid AND disabled_at IS NULL`.execute(tx);
  },

  async anySubscriber(db: Executor, eventType: string): Promise<boolean> {
    const r = await sql<{ x: boolean }>`SELECT EXISTS (SELECT 1 FROM subscriptions WHERE disabled_at IS NULL AND ${eventType} = ANY(events)) AS x`.execute(db);
    return Boolean(r.rows[0]?.x);
  },

  /** Active subscriptions to an event type, for a set of organizations. */
  async subscribers(db: Executor, eventType: string, orgIds: string[]): Promise<SubscriptionRow[]> {
    if (orgIds.length === 0) return [];
    const r = await sql<SubscriptionRow>`SELECT * FROM subscriptions WHERE disabled_at IS NULL AND ${eventType} = ANY(events)
      AND org_id = ANY(${orgIds}::uuid[])`.execute(db);
    return r.rows;
  },

  /** Appends events in commit order (see the migration): the head row is locked until commit. */
  async appendEvents(tx: Executor, events: { org_id: string; event_type: string; payload: unknown }[], at: Date): Promise<number[]> {
    if (events.length === 0) return [];
    const head = await sql<{ seq: number }>`UPDATE stream_head SET seq = seq + ${events.length} WHERE id = 1 RETURNING seq`.execute(tx);
    const last = Number(head.rows[0].seq);
    const first = last - events.length + 1;
    const seqs = events.map((_, i) => first + i);
    await sql`INSERT INTO stream_events (seq, org_id, event_type, payload, created_at)
      SELECT unnest(${seqs}::bigint[]), unnest(${events.map((e) => e.org_id)}::uuid[]), unnest(${events.map((e) => e.event_type)}::text[]),
        unnest(${events.map((e) => JSON.stringify(e.payload))}::jsonb[]), ${at}::timestamptz`.execute(tx);
    return seqs;
  },

  async eventsAfter(db: Executor, orgId: string, afterSeq: number, limit: number): Promise<StreamEventRow[]> {
    const r = await sql<StreamEventRow>`SELECT seq, event_type, payload, created_at FROM stream_events
      WHERE org_id = ${orgId}::uuid AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`.execute(db);
    return r.rows.map((e) => ({ ...e, seq: Number(e.seq), payload: typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload }));
  },

  async headSeq(db: Executor): Promise<number> {
    const r = await sql<{ seq: number }>`SELECT seq FROM stream_head WHERE id = 1`.execute(db);
    return Number(r.rows[0]?.seq ?? 0);
  },

  async linkDelivery(tx: Executor, subscriptionIds: string[], eventId: string): Promise<void> {
    if (subscriptionIds.length === 0) return;
    await sql`INSERT INTO subscription_deliveries (subscription_id, event_id) SELECT unnest(${subscriptionIds}::uuid[]), ${eventId}::uuid ON CONFLICT DO NOTHING`.execute(tx);
  },

  async deliveriesOf(db: Executor, subscriptionId: string, limit: number) {
    const r = await sql<{ id: number; event_id: string; event_type: string; state: string; attempts: number; last_status: number | null; last_error: string | null; created_at: Date; delivered_at: Date | null }>`
      SELECT d.id, d.event_id, d.event_type, d.state, d.attempts, d.last_status, d.last_error, d.created_at, d.delivered_at
      FROM subscription_deliveries sd JOIN webhook_deliveries d ON d.event_id = sd.event_id
      WHERE sd.subscription_id = ${subscriptionId}::uuid ORDER BY d.id DESC LIMIT ${limit}`.execute(db);
    return r.rows;
  },

  /**
   * Indicators created in the current transaction (created_at = now(), the transaction's start) that
   * fall in an organization's scope and that it may see as the responsible unit (TLP up to AMBER).
   */
  async newInScope(tx: Executor, ids: number[]): Promise<{ id: number; type: string; value: string; category: string; subtype: string; tlp: string; responsible_org_id: string; valid_until: Date | null; first_seen: Date }[]> {
    if (ids.length === 0) return [];
    const r = await sql<any>`SELECT id, type, value, category, subtype, tlp, responsible_org_id, valid_until, first_seen FROM indicators
      WHERE id = ANY(${ids}::bigint[]) AND created_at = now() AND responsible_org_id IS NOT NULL
        AND tlp IN ('clear', 'green', 'amber') ORDER BY id`.execute(tx);
    return r.rows;
  },
};

export interface BulletinInsert {
  id: string;
  sender_org_id: string;
  sender_user_id: string | null;
  province_code: string | null;
  title: string;
  body: string;
  tlp: string;
  severity: string | null;
  warning_colour: string | null;
  indicator_ids: number[];
  case_ids: string[];
  audience: unknown;
  sent_at: Date;
}
export type BulletinRow = Omit<BulletinInsert, 'audience'> & { audience: { org_ids: string[]; org_kinds: string[]; province_code: string | null } };
export interface RecipientRow {
  org_id: string;
  name: string;
  delivered_at: Date;
  read_at: Date | null;
}
export interface ReleaseRow {
  id: string;
  state: string;
  author_org_id: string;
  title_zh: string;
  title_en: string | null;
  summary_zh: string;
  summary_en: string | null;
  body_zh: string;
  body_en: string | null;
  category: string | null;
  warning_colour: string | null;
  indicator_ids: number[];
  approved_by_org_id?: string | null;
  review_reasons?: string | null;
  created_at: Date;
  updated_at: Date;
  published_at?: Date | null;
  version?: number;
}
export interface SubscriptionRow {
  id: string;
  org_id: string;
  events: string[];
  webhook: boolean;
  created_at: Date;
  disabled_at?: Date | null;
}
export interface StreamEventRow {
  seq: number;
  event_type: string;
  payload: unknown;
  created_at: Date;
}
