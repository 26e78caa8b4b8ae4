/**
 * The TAXII 2.1 server (OASIS TAXII 2.1, all a server must do): discovery, one API root,
 * collections by audience, objects with filters and keyset paging, object by id, versions,
 * manifest, POST with a pollable status, DELETE. Reads serve the pre-serialized JSON of
 * `stix_objects`; writes are STIX intake through StixService.importBundle, so a TAXII POST and a
 * bundle upload store and ingest the same way.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseHandle } from '../../db/database.js';
import { forbidden, notFound, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import { isNationalRegulator, type Principal } from '../auth/principal.js';
import { listProvince, RestrictedRead } from '../access/confidentiality.js';
import type { StixAudience, StixService } from '../stix/stix.service.js';
import {
  canReadCollection,
  canWriteCollection,
  listedCollections,
  organizationCollection,
  presentCollection,
  staticCollection,
  STIX_MEDIA_TYPE,
  type CollectionDef,
} from './taxii-collections.js';
import { microsecondText, RenderCache, rowKindsOf } from '../stix/stix-render.js';
import { decodeCursor, encodeCursor, parseTaxiiFilter, TAXII_MEDIA_TYPE, TaxiiQueryError, type CursorPosition, type TaxiiFilter } from './taxii-query.js';
import { taxiiRepository, type PageRow } from './taxii.repository.js';

export const TAXII_ROOT_PATH = '/taxii2/threatshare/';
const HORIZON_WAIT_MS = 2000;
const DERIVED = "This object is derived from the platform's records: withdraw the record instead";

/** One object of a page, stored or rendered, with its place in the collection's order. */
type PageItem = Omit<PageRow, 'seq'> & { pos: CursorPosition };

const storedItem = (r: PageRow): PageItem => ({ id: r.id, type: r.type, date_added: r.date_added, version: r.version, tlp: r.tlp, json: r.json, pos: { at: r.date_added, src: 0, n: r.seq, k: 0 } });

/** The collection's total order: (date_added, source, n, k); date_added is fixed-width RFC 3339, so text order is time order. */
function comparePositions(a: CursorPosition, b: CursorPosition): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.src - b.src || a.n - b.n || a.k - b.k;
}

export interface TaxiiPage {
  /** The response body, already serialized. */
  body: string;
  first: string | null;
  last: string | null;
}

const OBJECTS_PARAMS = ['added_after', 'limit', 'next', 'match[id]', 'match[type]', 'match[version]', 'match[spec_version]'];
const OBJECT_PARAMS = ['added_after', 'limit', 'next', 'match[version]', 'match[spec_version]'];
const VERSIONS_PARAMS = ['added_after', 'limit', 'next', 'match[spec_version]'];
const DELETE_PARAMS = ['match[version]', 'match[spec_version]'];

function filterOf(query: Record<string, unknown>, allowed: readonly string[], defaultVersion: 'last' | 'all' = 'last'): TaxiiFilter {
  try {
    return parseTaxiiFilter(query, allowed, defaultVersion);
  } catch (error) {
    if (error instanceof TaxiiQueryError) throw validationFailed(`/querystring/${error.parameter}`, error.message);
    throw error;
  }
}

export class TaxiiService {
  private key: Buffer | null = null;
  private readonly rendered = new RenderCache();

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly stix: StixService,
    private readonly audit: AuditService,
    private readonly options: { publicUrl: string; maxContentLength: number },
  ) {}

  private get db() {
    return this.handle.db;
  }

  private async cursorKey(): Promise<Buffer> {
    this.key ??= await taxiiRepository.cursorKey(this.db);
    return this.key;
  }

  discovery() {
    const base = this.options.publicUrl.replace(/\/+$/, '');
    return {
      title: 'threatshare TAXII 2.1',
      description: 'Cyber security threat information sharing platform (MIIT Measures, Art. 6): STIX 2.1 by audience (TLP, province, organization).',
      contact: 'CNCERT/CC',
      default: `${base}${TAXII_ROOT_PATH}`,
      api_roots: [`${base}${TAXII_ROOT_PATH}`],
    };
  }

  apiRoot() {
    return {
      title: 'threatshare',
      description: 'The one API root: collections by audience. Authenticate with HTTP Basic (the API token as password) or Bearer.',
      versions: [TAXII_MEDIA_TYPE],
      max_content_length: this.options.maxContentLength,
    };
  }

  /**
   * Refusals never reveal existence (docs/access.md): a collection the caller may neither read nor
   * write (another organization's, another province's) is 404; one it may use another way is 403.
   */
  private async resolve(id: string): Promise<CollectionDef> {
    const fixed = staticCollection(id);
    if (fixed) return fixed;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
      const org = await taxiiRepository.organization(this.db, id);
      if (org) return organizationCollection(org);
    }
    throw notFound('Collection');
  }

  private async readable(p: Principal, id: string): Promise<CollectionDef> {
    const c = await this.resolve(id);
    if (!canReadCollection(p, c.audience)) throw refusal(p, c, 'You may not read this collection');
    return c;
  }

  async collections(p: Principal) {
    const own = await taxiiRepository.organization(this.db, p.orgId);
    return { collections: listedCollections(p, own ? organizationCollection(own) : null).map((c) => presentCollection(p, c)) };
  }

  async collection(p: Principal, id: string) {
    const c = await this.resolve(id);
    const view = presentCollection(p, c);
    if (!view.can_read && !view.can_write) throw notFound('Collection');
    return view;
  }

  /**
   * The safe horizon (taxii.repository.ts), after waiting a little for the writers that started
   * before this request: a client reading right after a write (its own or another's) sees it,
   * unless a long writer keeps the horizon back past HORIZON_WAIT_MS (then the page ends at the
   * horizon and the rest comes with the next request).
   */
  private async horizon(): Promise<string> {
    const first = await taxiiRepository.horizon(this.db);
    let h = first.horizon;
    for (const started = Date.now(); h < first.now && Date.now() - started < HORIZON_WAIT_MS; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      h = (await taxiiRepository.horizon(this.db)).horizon;
    }
    return h < first.now ? h : first.now;
  }

  /**
   * One page after the cursor: the stored objects (stix_objects) and the objects rendered from
   * indicator rows, merged on the collection's total order (CursorPosition). Each source is read up
   * to one more than the page can take (a row renders at least one object that passes the filter,
   * since the row-level SQL filter is exact), so the merge never serves an object past one it has
   * not read.
   */
  private async pageRows(c: CollectionDef, f: TaxiiFilter, scope: string): Promise<{ rows: PageItem[]; more: boolean; next: string | null }> {
    await this.stix.syncIfStale({ ids: f.ids !== null });
    const key = await this.cursorKey();
    let after: CursorPosition | null = null;
    if (f.next !== null) {
      after = decodeCursor(key, scope, f.next);
      if (after === null) throw validationFailed('/querystring/next', 'next is not a value this server issued for this request');
    }
    const horizon = this.handle.kind === 'postgres' ? await this.horizon() : null;
    const stored = await taxiiRepository.page(this.db, {
      audience: c.audience,
      after,
      added_after: f.added_after,
      horizon,
      ids: f.ids,
      types: f.types,
      versions: f.versions,
      spec_versions: f.spec_versions,
      limit: f.limit + 1,
    });
    const rendered = await this.renderedItems(c, f, after, horizon, f.limit + 2);
    const items = [...stored.map(storedItem), ...rendered.items].sort((a, b) => comparePositions(a.pos, b.pos));
    const served = items.slice(0, f.limit);
    const more = items.length > f.limit || stored.length > f.limit || rendered.full;
    const last = served.length > 0 ? served[served.length - 1].pos : rendered.lastRow;
    return { rows: served, more, next: more && last ? encodeCursor(key, scope, last) : null };
  }

  /** The objects of a page rendered from indicator rows (stix-render.ts), filtered as TAXII asks. */
  private async renderedItems(
    c: CollectionDef,
    f: TaxiiFilter,
    after: CursorPosition | null,
    horizon: string | null,
    limit: number,
  ): Promise<{ items: PageItem[]; full: boolean; lastRow: CursorPosition | null }> {
    const none = { items: [], full: false, lastRow: null };
    if (f.spec_versions !== null && !f.spec_versions.includes('2.1')) return none;
    const kinds = f.types === null ? null : rowKindsOf(f.types);
    if (kinds !== null && kinds.length === 0) return none;
    const rowIds = f.ids === null ? null : await this.stix.indicatorIdsOfStixIds(f.ids);
    if (rowIds !== null && rowIds.length === 0) return none;
    const timestamps = f.versions.all || f.versions.last || f.versions.first ? null : f.versions.timestamps;
    if (timestamps !== null && timestamps.length === 0) return none;
    const rows = await taxiiRepository.renderedPage(this.db, {
      audience: c.audience,
      after,
      added_after: f.added_after,
      horizon,
      row_ids: rowIds,
      kinds,
      version_timestamps: timestamps,
      limit,
    });
    const types = f.types === null ? null : new Set(f.types);
    const ids = f.ids === null ? null : new Set(f.ids);
    const versions = timestamps === null ? null : new Set(timestamps.map(microsecondText));
    const items: PageItem[] = [];
    for (const row of rows) {
      for (const o of this.rendered.render(row, row.key_at)) {
        if (after !== null && after.src === 1 && after.n === row.id && after.at === row.key_at && o.k <= after.k) continue;
        if ((types && !types.has(o.type)) || (ids && !ids.has(o.id)) || (versions && !versions.has(o.version))) continue;
        items.push({ id: o.id, type: o.type, date_added: o.date_added, version: o.version, tlp: o.tlp, json: o.json, pos: { at: row.key_at, src: 1, n: row.id, k: o.k } });
      }
    }
    const lastRow = rows.length > 0 ? { at: rows[rows.length - 1].key_at, src: 1 as const, n: rows[rows.length - 1].id, k: Number.MAX_SAFE_INTEGER } : null;
    return { items, full: rows.length === limit, lastRow };
  }

  private envelope(rows: PageItem[], more: boolean, next: string | null): TaxiiPage {
    const head = `{"more":${more}${next ? `,"next":${JSON.stringify(next)}` : ''}`;
    const body = rows.length === 0 ? `${head}}` : `${head},"objects":[${rows.map((r) => r.json).join(',')}]}`;
    return { body, first: rows[0]?.date_added ?? null, last: rows[rows.length - 1]?.date_added ?? null };
  }

  async objects(p: Principal, collectionId: string, query: Record<string, unknown>): Promise<TaxiiPage> {
    const c = await this.readable(p, collectionId);
    const f = filterOf(query, OBJECTS_PARAMS);
    const { rows, more, next } = await this.pageRows(c, f, `${c.id}|objects`);
    await this.auditPage(p, 'taxii.objects', c, rows);
    return this.envelope(rows, more, next);
  }

  /**
   * A page that carries TLP:AMBER-or-stricter objects is a read of restricted objects (TLP 2.0,
   * Art. 12): one audit entry for the page, naming them (capped). A page of CLEAR and GREEN only
   * writes nothing. Manifests and version lists carry no content and are not audited.
   */
  private async auditPage(p: Principal, channel: string, c: CollectionDef, rows: readonly PageItem[]): Promise<void> {
    const read = new RestrictedRead(channel, 'taxii_collection', c.id, listProvince(p));
    for (const r of rows) read.add(`${r.id}@${r.version}`, [], r.tlp);
    await this.audit.recordRead(p, read.entry());
  }

  async manifest(p: Principal, collectionId: string, query: Record<string, unknown>): Promise<TaxiiPage> {
    const c = await this.readable(p, collectionId);
    const f = filterOf(query, OBJECTS_PARAMS);
    const { rows, more, next } = await this.pageRows(c, f, `${c.id}|manifest`);
    const body = JSON.stringify({
      more,
      ...(next ? { next } : {}),
      ...(rows.length ? { objects: rows.map((r) => ({ id: r.id, date_added: r.date_added, version: r.version, media_type: STIX_MEDIA_TYPE })) } : {}),
    });
    return { body, first: rows[0]?.date_added ?? null, last: rows[rows.length - 1]?.date_added ?? null };
  }

  async object(p: Principal, collectionId: string, objectId: string, query: Record<string, unknown>): Promise<TaxiiPage> {
    const c = await this.readable(p, collectionId);
    const f = { ...filterOf(query, OBJECT_PARAMS), ids: [objectId] };
    const { rows, more, next } = await this.pageRows(c, f, `${c.id}|object|${objectId}`);
    if (rows.length === 0 && f.next === null && f.added_after === null) throw notFound('Object');
    await this.auditPage(p, 'taxii.object', c, rows);
    return this.envelope(rows, more, next);
  }

  async versions(p: Principal, collectionId: string, objectId: string, query: Record<string, unknown>): Promise<TaxiiPage> {
    const c = await this.readable(p, collectionId);
    const f: TaxiiFilter = { ...filterOf(query, VERSIONS_PARAMS), ids: [objectId], versions: { all: true } };
    const { rows, more, next } = await this.pageRows(c, f, `${c.id}|versions|${objectId}`);
    if (rows.length === 0 && f.next === null && f.added_after === null) throw notFound('Object');
    const body = JSON.stringify({ more, ...(next ? { next } : {}), versions: rows.map((r) => r.version) });
    return { body, first: rows[0]?.date_added ?? null, last: rows[rows.length - 1]?.date_added ?? null };
  }

  /** POST objects: stored and ingested at once; the status resource is complete when returned. */
  async addObjects(p: Principal, collectionId: string, envelope: unknown) {
    const c = await this.resolve(collectionId);
    if (!canWriteCollection(p, c.audience)) throw refusal(p, c, 'You may not write to this collection');
    const objects = (envelope as { objects?: unknown } | null)?.objects;
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || !Array.isArray(objects)) {
      throw validationFailed('/objects', 'The body must be a TAXII envelope: {"objects": [...]}');
    }
    const audience: StixAudience =
      c.audience.kind === 'tlp'
        ? { force_tlp: c.audience.tlp }
        : c.audience.kind === 'province'
          ? { province_code: c.audience.province_code }
          : { responsible_org_id: c.audience.org_id === p.orgId ? null : c.audience.org_id };
    const requestTimestamp = new Date().toISOString();
    const receipt = await this.stix.importBundle(p, { type: 'bundle', id: `bundle--${randomUUID()}`, objects }, { source: 'taxii', audience });
    const detail = (o: { id: string; version: string | null; reason?: string }) => ({ id: o.id, ...(o.version ? { version: o.version } : {}), ...(o.reason ? { message: o.reason } : {}) });
    const successes = receipt.objects.filter((o) => o.status !== 'invalid').map(detail);
    const failures = receipt.objects
      .filter((o) => o.status === 'invalid')
      .map((o) => detail({ ...o, id: o.id || `objects[${o.index}]` }));
    const status = {
      id: randomUUID(),
      status: 'complete',
      request_timestamp: requestTimestamp,
      total_count: objects.length,
      success_count: successes.length,
      successes,
      failure_count: failures.length,
      failures,
      pending_count: 0,
      pendings: [],
    };
    await taxiiRepository.insertStatus(this.db, { id: status.id, org_id: p.orgId, collection_id: c.id, status: 'complete', request_timestamp: requestTimestamp, body: JSON.stringify(status) });
    return status;
  }

  async status(p: Principal, id: string): Promise<string> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw notFound('Status');
    const row = await taxiiRepository.getStatus(this.db, id);
    if (!row || (row.org_id !== p.orgId && !isNationalRegulator(p))) throw notFound('Status');
    return row.body;
  }

  /**
   * DELETE an object (all versions unless match[version] says which) from a collection you may
   * write: only what was shared into the platform, by your organization (the ministry: anyone's).
   * The platform's own derived records are withdrawn through their workflow, not here.
   */
  async deleteObject(p: Principal, collectionId: string, objectId: string, query: Record<string, unknown>): Promise<number> {
    const c = await this.resolve(collectionId);
    // What the caller cannot read it cannot learn exists, through a DELETE either (issue 12 item 7).
    if (!canReadCollection(p, c.audience)) throw canWriteCollection(p, c.audience) ? notFound('Object') : notFound('Collection');
    if (!canWriteCollection(p, c.audience)) throw forbidden('You may not delete from this collection');
    const f = filterOf(query, DELETE_PARAMS, 'all');
    const rows = await taxiiRepository.deletable(this.db, c.audience, objectId, f.versions, f.spec_versions);
    if (rows.length === 0) {
      await this.stix.syncIfStale({ ids: true });
      const rendered = await this.renderedItems(c, { ...f, ids: [objectId], types: null, added_after: null, next: null, limit: 1 }, null, null, 1);
      if (rendered.items.length > 0) throw forbidden(DERIVED);
      throw notFound('Object');
    }
    if (rows.some((r) => r.source !== 'import')) throw forbidden(DERIVED);
    if (!isNationalRegulator(p) && rows.some((r) => r.owner_org_id !== p.orgId)) throw forbidden('Only the organization that shared an object may delete it');
    return this.db.transaction().execute(async (tx) => {
      const n = await taxiiRepository.deleteRows(tx, objectId, rows.map((r) => r.seq));
      await this.audit.record(tx, p, { action: 'taxii.object_deleted', object_type: 'stix_object', object_id: objectId, province_code: p.provinceCode, data: { collection_id: c.id, versions: n } });
      return n;
    });
  }
}

function refusal(p: Principal, c: CollectionDef, message: string) {
  return canReadCollection(p, c.audience) || canWriteCollection(p, c.audience) ? forbidden(message) : notFound('Collection');
}
