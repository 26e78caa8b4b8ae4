/**
 * The MISP feed per principal: the reports the access module lets it list (report-visibility.ts
 * isReportInFeed: what it may see of the reports, plus everyone's TLP:CLEAR and GREEN ones), every
 * value of each reachable, in pages on total orders:
 *
 *   - a report of N values is ceil(N / maxAttributes) events (parts), the values in indicator-id
 *     order, part k holding positions [k·max, (k+1)·max); part 0's uuid is the report's, the
 *     others' derive from it (misp-feed.ts partUuid). MISP itself struggles past ~100k attributes
 *     an event, hence the default;
 *   - a feed URL lists the newest maxEvents events (manifest.json, hashes.csv); the older ones
 *     are the feed `<feed>/before/<cursor>`, whose cursor is the oldest event listed, named in
 *     the `Link: <…>; rel="next"` header of each page (docs/stix-taxii.md "MISP feed").
 *
 * Memory is bounded by maxEvents and one batch of values whatever the report's size: events and
 * hashes.csv are streamed a batch at a time. A restricted read is recorded when the stream ends
 * (or is cut off), naming what it carried, as the whole read was before.
 */
import type { Db } from '../../../db/database.js';
import { notFound, validationFailed } from '../../../lib/problem.js';
import type { AuditService } from '../../audit/audit.service.js';
import type { Principal } from '../../auth/principal.js';
import { canSeeReporter } from '../../access/indicator-visibility.js';
import { canSeeReport, isReportInFeed, reportAudienceOf } from '../../access/report-visibility.js';
import { isPersonalValue, listProvince, RestrictedRead } from '../../access/confidentiality.js';
import { attributeComment, eventFrame, hashLine, manifestEntry, MAX_PARTS, mispAttributeJson, mispAttributeOf, parsePartUuid, partUuid, type FeedReport } from './misp-feed.js';
import { mispRepository, type EventKey, type FeedAttributeRow, type FeedReportRow } from './misp.repository.js';

export const MISP_MAX_EVENTS = 5000;
export const MISP_MAX_ATTRIBUTES = 100_000;
/** Values read from the database at a time. */
export const MISP_BATCH = 5000;

export interface MispFeedOptions {
  /** Events a manifest (and its hashes.csv) lists. */
  maxEvents?: number;
  /** Attributes an event holds; a larger report is cut into parts. Changing it renumbers the parts. */
  maxAttributes?: number;
  batch?: number;
}

function feedReport(p: Principal, r: FeedReportRow): FeedReport {
  const named = r.disclose_reporter || canSeeReporter(p, { org_id: r.org_id, disclose_reporter: r.disclose_reporter, province_code: r.province_code });
  return {
    id: r.id,
    title: r.title,
    category: r.category,
    subtype: r.subtype,
    tlp: r.tlp,
    received_at: new Date(r.received_at),
    discovered_at: new Date(r.discovered_at),
    reporter: named ? { id: r.org_id, name: r.reporter_name } : null,
  };
}

/** The reporter is a trade secret where it did not agree to be named (DESIGN §6). */
const revealsReporter = (f: FeedReport, r: FeedReportRow) => f.reporter !== null && !r.disclose_reporter;

const RECEIVED_KEY = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeFeedCursor(k: EventKey): string {
  return Buffer.from(JSON.stringify([k.received_key, k.id, k.part])).toString('base64url');
}

export function decodeFeedCursor(c: string): EventKey {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(c, 'base64url').toString());
  } catch {
    v = null;
  }
  if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && RECEIVED_KEY.test(v[0]) && typeof v[1] === 'string' && UUID.test(v[1]) && Number.isInteger(v[2]) && v[2] >= 0 && v[2] < MAX_PARTS)
    return { received_key: v[0], id: v[1], part: v[2] };
  throw validationFailed('/cursor', 'The feed cursor is not one this server issued');
}

/** A page of the feed: its body and the cursor of the next (older) page, if there may be one. */
export interface FeedPage<T> {
  body: T;
  next: string | null;
}

export class MispFeedService {
  private readonly maxEvents: number;
  private readonly maxAttributes: number;
  private readonly batch: number;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    options: MispFeedOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? MISP_MAX_EVENTS;
    this.maxAttributes = options.maxAttributes ?? MISP_MAX_ATTRIBUTES;
    this.batch = Math.min(options.batch ?? MISP_BATCH, this.maxAttributes);
  }

  private async page(p: Principal, cursor: string | null) {
    const before = cursor === null ? null : decodeFeedCursor(cursor);
    const events = await mispRepository.events(this.db, { audience: reportAudienceOf(p), cap: this.maxAttributes, limit: this.maxEvents, before });
    const last = events[events.length - 1];
    const next = events.length === this.maxEvents && last ? encodeFeedCursor({ received_key: last.received_key, id: last.id, part: last.part }) : null;
    return { events: events.filter((e) => e.part < MAX_PARTS && isReportInFeed(p, e)), next };
  }

  async manifest(p: Principal, cursor: string | null = null): Promise<FeedPage<Record<string, ReturnType<typeof manifestEntry>>>> {
    const { events, next } = await this.page(p, cursor);
    const out: Record<string, ReturnType<typeof manifestEntry>> = {};
    const read = new RestrictedRead('misp.manifest', 'misp_event', 'manifest', listProvince(p));
    const noted = new Set<string>();
    for (const e of events) {
      const f = feedReport(p, e);
      out[partUuid(e.id, e.part)] = manifestEntry(f, e.part, e.parts);
      if (noted.has(e.id)) continue;
      noted.add(e.id);
      read.add(e.id, revealsReporter(f, e) ? ['org_id'] : [], e.tlp);
    }
    await this.audit.recordRead(p, read.entry());
    return { body: out, next };
  }

  /**
   * The values of part `part` of a report for the reader, a batch at a time. A MISP attribute
   * cannot carry a redacted value, so personal values (Art. 12) are left out for a reader who sees
   * the report only because it is shared at TLP:CLEAR or GREEN; those who may see the report
   * itself are entitled to them. `onPersonal` hears of each personal value handed out.
   */
  private async *attributes(p: Principal, r: FeedReportRow, part: number, onPersonal: () => void): AsyncGenerator<FeedAttributeRow[]> {
    const entitled = canSeeReport(p, r);
    const spans = mispRepository.spans(this.db, r.id, part * this.maxAttributes, this.maxAttributes, this.batch)[Symbol.asyncIterator]();
    const read = async () => {
      const s = await spans.next();
      return s.done ? null : mispRepository.attributes(this.db, s.value);
    };
    // The next batch is read while this one is rendered and sent.
    let pending = read();
    try {
      for (;;) {
        const rows = await pending;
        if (rows === null) return;
        pending = read();
        const out: FeedAttributeRow[] = [];
        for (const a of rows) {
          // As before the feed was paged: an entitled reader's read names observables.value when
          // the report part holds a personal value, whether or not it became an attribute.
          if (isPersonalValue(a)) {
            if (!entitled) continue;
            onPersonal();
          }
          if (mispAttributeOf(a) !== null) out.push(a);
        }
        yield out;
      }
    } finally {
      // Cut off: the batch in flight is not wanted any more, nor its failure.
      pending.catch(() => undefined);
      await spans.return(undefined);
    }
  }

  /** Resolves an event uuid (a report's, or one of its parts') to the report and the part. */
  private async resolve(p: Principal, uuid: string): Promise<{ r: FeedReportRow & { parts: number }; part: number }> {
    const id = uuid.toLowerCase();
    const parsed = parsePartUuid(id);
    let reportId = id;
    let part = 0;
    if (parsed) {
      // A part's uuid, unless it is a report's own that happens to look like one (not a v4).
      const match = (await mispRepository.reportsBetween(this.db, parsed.low, parsed.high)).find((c) => partUuid(c, parsed.part) === id);
      if (match) {
        reportId = match;
        part = parsed.part;
      }
    }
    const r = await mispRepository.report(this.db, reportId, this.maxAttributes);
    if (!r || !isReportInFeed(p, r) || part >= r.parts) throw notFound('Event');
    return { r, part };
  }

  /** One event as JSON text, streamed: the reader's values of that part of the report. */
  async event(p: Principal, uuid: string): Promise<AsyncIterable<string>> {
    const { r, part } = await this.resolve(p, uuid);
    const f = feedReport(p, r);
    const self = this;
    return (async function* () {
      let personal = false;
      try {
        const { head, tail } = eventFrame(f, part, r.parts);
        yield head;
        let first = true;
        const comment = attributeComment(f);
        for await (const batch of self.attributes(p, r, part, () => (personal = true))) {
          if (batch.length === 0) continue;
          yield `${first ? '' : ','}${batch.map((a) => mispAttributeJson(f, a, comment)).join(',')}`;
          first = false;
        }
        yield tail;
      } finally {
        const fields = [...(revealsReporter(f, r) ? ['org_id'] : []), ...(personal ? ['observables.value'] : [])];
        await self.audit.recordRead(p, new RestrictedRead('misp.event', 'misp_event', partUuid(r.id, part), r.province_code).add(r.id, fields, r.tlp).entry());
      }
    })();
  }

  /**
   * hashes.csv of a feed page, streamed: the MD5 of each attribute value of the events its
   * manifest lists, with the event uuid. MD5s of personal values are as good as the values (a
   * phone number's is found in seconds): the same rule as the events.
   */
  async hashes(p: Principal, cursor: string | null = null): Promise<FeedPage<AsyncIterable<string>>> {
    const { events, next } = await this.page(p, cursor);
    const self = this;
    const body = (async function* () {
      const read = new RestrictedRead('misp.hashes', 'misp_event', 'hashes', listProvince(p));
      // A report's parts are consecutive in the page: noted once, when its last part is done.
      const state: { current: { id: string; tlp: string; personal: boolean } | null } = { current: null };
      const note = () => {
        const c = state.current;
        if (c) read.add(c.id, c.personal ? ['observables.value'] : [], c.tlp);
      };
      try {
        for (const e of events) {
          if (state.current?.id !== e.id) {
            note();
            state.current = { id: e.id, tlp: e.tlp, personal: false };
          }
          const c = state.current;
          const eventUuid = partUuid(e.id, e.part);
          for await (const batch of self.attributes(p, e, e.part, () => (c.personal = true))) {
            if (batch.length) yield `${batch.map((a) => hashLine(a.value, eventUuid)).join('\n')}\n`;
          }
        }
      } finally {
        note();
        await self.audit.recordRead(p, read.entry());
      }
    })();
    return { body, next };
  }
}
