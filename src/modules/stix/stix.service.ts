/**
 * STIX 2.1 in and out (DESIGN.md §4 Interop; Art. 6 intake and sharing).
 *
 * In: a bundle (API, CLI or a TAXII POST) is validated object by object (stix-import.ts); every
 * valid object is stored verbatim, each version once; the observables of new indicators (simple
 * patterns), SCOs, observed-data and vulnerabilities enter the indicator store through a report of
 * source `stix`, in the same transaction. Re-importing a bundle stores nothing; a newer `modified`
 * supersedes; an invalid object is refused with its reason and never costs the rest.
 *
 * Out: the platform's own records are derived into the same `stix_objects` store, pre-serialized,
 * so TAXII pages are one index range scan and no conversion. Indicators are derived lazily, off the
 * intake path (see `sync`): bulk intake of a million lines pays nothing for STIX, and the derived
 * objects follow the indicator rows by a watermark on `indicators.updated_at`, the same way the
 * lookup index follows other writers.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseHandle, Executor } from '../../db/database.js';
import { notFound, Problem, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import type { IndicatorsService, IntakeItem } from '../indicators/indicators.service.js';
import type { IndicatorRow } from '../indicators/indicators.repository.js';
import { normalizeObservable } from '../indicators/normalize.js';
import { reportsRepository, type ReportRow } from '../reports/reports.repository.js';
import { isSubtypeOf, THREAT_CATEGORIES, type ThreatCategory } from '../reports/taxonomy.js';
import { PERSONAL_INDICATOR_TYPES, RestrictedRead, restrictedFieldsRevealed } from '../access/confidentiality.js';
import { caseToStix, indicatorToStix, organizationToIdentity, toBundle } from './stix-export.js';
import { extensionDefinition, platformIdentity } from './stix-extension.js';
import { computeScoId } from './stix-ids.js';
import { isNewerVersion, parseBundle, type ParsedObject } from './stix-import.js';
import { TLP_LEVELS, tlpMarkingDefinition } from './stix-markings.js';
import { compareStixTimestamps } from './stix-time.js';
import { indicatorRecordOf, renderedIdsOf, renderIndicatorRow, versionOf } from './stix-render.js';
import type {
  IndicatorRecord,
  Observable,
  OrganizationKind,
  OrganizationRecord,
  StixBundle,
  StixObject,
  ThreatCaseRecord,
  Tlp,
} from './stix.types.js';
import { assertCanImportStix, canReadStixObject } from './stix.policy.js';
import { stixRepository, type IndicatorKey, type IndicatorSource, type OrganizationSource, type StixObjectInsert } from './stix.repository.js';
import type { StixImportReceipt } from './stix.schema.js';

const SYNC_PAGE = 2000;
const INSERT_BATCH = 2000;
const MAX_REFUSALS_KEPT = 1000;
const EXPORTED_ORG_KINDS = new Set<string>([
  'regulator_national',
  'regulator_provincial',
  'professional_institution',
  'telecom_operator',
  'security_vendor',
  'internet_company',
  'domain_registrar',
]);

/** Indicators converted per background tick or per read that finds the store stale. */
const SYNC_BATCH = 2000;

/** Where imported objects go: the TAXII collection they were POSTed to, or the importer's defaults. */
export interface StixAudience {
  /** Every object is stored at this TLP; an object marked at another TLP is refused. */
  force_tlp?: Tlp;
  /** Province of the stored objects; default the importer's. */
  province_code?: string | null;
  /** The organization the objects are addressed to (a TAXII organization collection). */
  responsible_org_id?: string | null;
}

export interface StixImportOptions {
  /** TLP of objects that carry no TLP marking (we never take unmarked input as CLEAR). Default amber. */
  tlp?: Tlp;
  category?: string;
  subtype?: string;
  title?: string;
  source?: 'api' | 'cli' | 'taxii';
  audience?: StixAudience;
}

export interface SyncResult {
  indicators: number;
  organizations: number;
  objects_written: number;
  complete: boolean;
}

function sameVersion(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return compareStixTimestamps(a, b) === 0;
}

/** Default Article 2 taxon of an observable whose object does not carry ours. */
function defaultTaxon(type: string): { category: string; subtype: string } {
  if (type === 'file_hash') return { category: 'malicious_program', subtype: 'other' };
  if (type === 'vulnerability') return { category: 'hidden_danger', subtype: 'code_vulnerability' };
  return { category: 'malicious_resource', subtype: 'other' };
}

function isValidTaxon(category: unknown, subtype: unknown): boolean {
  return typeof category === 'string' && typeof subtype === 'string' && category in THREAT_CATEGORIES && isSubtypeOf(category as ThreatCategory, subtype);
}

export function organizationRecordOf(row: OrganizationSource): OrganizationRecord | null {
  if (!EXPORTED_ORG_KINDS.has(row.kind)) return null;
  return {
    id: row.id,
    kind: row.kind as OrganizationKind,
    name: row.name,
    name_en: row.name_en,
    province_code: row.province_code,
    created_at: new Date(row.created_at),
    updated_at: new Date(row.updated_at),
  };
}

export class StixService {
  private definitionsWritten = false;
  private running: Promise<SyncResult> | null = null;
  /** The last indicator key this process derived: cheap staleness check before a TAXII read. */
  private lastIndicatorKey: IndicatorKey | null = null;
  private lastOrgUpdate = 0;
  private timer: NodeJS.Timeout | null = null;
  private catchingUp: Promise<void> | null = null;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly audit: AuditService,
    private readonly indicators: IndicatorsService,
    private readonly publicUrl: string,
  ) {}

  private get db() {
    return this.handle.db;
  }

  // ---------------------------------------------------------------------------------------------
  // STIX in

  async importBundle(actor: Principal, input: unknown, opts: StixImportOptions = {}): Promise<StixImportReceipt> {
    assertCanImportStix(actor);
    if (opts.category !== undefined || opts.subtype !== undefined) {
      if (!isValidTaxon(opts.category, opts.subtype)) throw validationFailed('/category', 'category and subtype must together name an Article 2 category and sub-type');
    }
    if (typeof input === 'string') {
      try {
        input = JSON.parse(input) as unknown;
      } catch (error) {
        throw new Problem('malformed_json', `The bundle is not JSON: ${(error as Error).message}`, { field: '' });
      }
    }
    const parsed = parseBundle(input);
    const fatal = parsed.objects.length === 0 ? parsed.invalid.find((i) => i.index === -1) : undefined;
    if (fatal) throw validationFailed('', fatal.reason, parsed.invalid.map((i) => ({ field: i.index >= 0 ? `/objects/${i.index}` : '', message: i.reason })));
    const objectsIn = (input as { objects?: unknown }).objects;
    const total = Array.isArray(objectsIn) ? objectsIn.length : 0;
    const defaultTlp = opts.tlp ?? 'amber';
    const audience = opts.audience ?? {};
    const invalid = parsed.invalid.slice();
    const outcomes: StixImportReceipt['objects'] = [];
    for (const i of parsed.invalid) if (i.index >= 0) outcomes.push({ index: i.index, id: i.id ?? '', version: null, status: 'invalid', reason: i.reason });

    // Audience checks that refuse single objects (TAXII TLP collections).
    const candidates: ParsedObject[] = [];
    for (const o of parsed.objects) {
      if (audience.force_tlp !== undefined && o.tlp !== null && o.tlp !== audience.force_tlp) {
        const reason = `marked TLP:${o.tlp.toUpperCase()}, not TLP:${audience.force_tlp.toUpperCase()} as this collection requires`;
        invalid.push({ index: o.index, id: o.id, type: o.type, reason });
        outcomes.push({ index: o.index, id: o.id, version: versionOf(o.object), status: 'invalid', reason });
        continue;
      }
      candidates.push(o);
    }

    const importId = randomUUID();
    const now = new Date();
    let changedRows: IndicatorRow[] = [];
    const counts = { stored: 0, new_versions: 0, older_versions: 0, unchanged: 0, kept_raw: 0 };
    const obs = { accepted: 0, duplicates: 0, refused: 0, refusals: [] as StixImportReceipt['observables']['refusals'] };
    let reportId: string | null = null;

    await this.db.transaction().execute(async (tx) => {
      await stixRepository.lockVersions(tx);
      const stored = await stixRepository.versionsOf(tx, [...new Set(candidates.map((c) => c.id))]);
      const storedById = new Map<string, (string | null)[]>();
      for (const s of stored) (storedById.get(s.id) ?? storedById.set(s.id, []).get(s.id)!).push(s.version);

      // Which objects are new, and which of the new ones is the latest of its id.
      const fresh: ParsedObject[] = [];
      const seen = new Map<string, (string | null)[]>();
      for (const c of candidates) {
        const v = versionOf(c.object);
        const known = [...(storedById.get(c.id) ?? []), ...(seen.get(c.id) ?? [])];
        if (known.some((k) => sameVersion(k, v))) {
          counts.unchanged++;
          outcomes.push({ index: c.index, id: c.id, version: v, status: 'unchanged' });
          continue;
        }
        (seen.get(c.id) ?? seen.set(c.id, []).get(c.id)!).push(v);
        fresh.push(c);
      }
      const latestOf = new Map<string, ParsedObject>();
      for (const c of fresh) {
        const best = latestOf.get(c.id);
        if (best === undefined || isNewerVersion(c.object, best.object)) latestOf.set(c.id, c);
      }
      const rows: StixObjectInsert[] = [];
      const isLatest: boolean[] = [];
      for (const c of fresh) {
        const v = versionOf(c.object);
        const storedVersions = storedById.get(c.id) ?? [];
        const newerThanStored = storedVersions.every((s) => s === null || v === null || compareStixTimestamps(v, s) > 0);
        const latest = latestOf.get(c.id) === c && newerThanStored;
        if (storedVersions.length > 0 && latest) counts.new_versions++;
        if (!latest) counts.older_versions++;
        counts.stored++;
        outcomes.push({ index: c.index, id: c.id, version: v, status: 'stored' });
        isLatest.push(latest);
        rows.push({
          id: c.id,
          type: c.type,
          spec_version: typeof c.object.spec_version === 'string' ? c.object.spec_version : '2.1',
          version: v,
          superseded: !latest,
          tlp: audience.force_tlp ?? c.tlp ?? defaultTlp,
          province_code: audience.province_code !== undefined ? audience.province_code : actor.provinceCode,
          owner_org_id: actor.orgId,
          responsible_org_id: audience.responsible_org_id ?? null,
          source: 'import',
          source_key: null,
          json: JSON.stringify(c.object),
        });
      }
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        const slice = rows.slice(i, i + INSERT_BATCH);
        const inserted = await stixRepository.insertBatch(tx, slice);
        const latestIds = new Set(slice.filter((_, j) => isLatest[i + j]).map((r) => r.id));
        await stixRepository.supersedeOthers(tx, inserted.filter((r) => latestIds.has(r.id)).map((r) => ({ id: r.id, seq: r.seq })));
      }

      // Observables of the new objects enter the indicator store.
      const items = new Map<string, { item: IntakeItem; tlp: string }>();
      const refuse = (c: ParsedObject, o: Observable, code: string, message: string) => {
        obs.refused++;
        if (obs.refusals.length < MAX_REFUSALS_KEPT) obs.refusals.push({ index: c.index, id: c.id, type: o.type, value: o.value.slice(0, 500), code, message });
      };
      for (const c of fresh) {
        if (c.kind === 'indicator' && c.kept_raw) counts.kept_raw++;
        if (c.object.revoked === true) continue;
        if (c.kind === 'indicator' && Array.isArray(c.object.indicator_types) && c.object.indicator_types.length > 0 && c.object.indicator_types.every((t) => t === 'benign')) continue;
        const context = c.kind === 'indicator' ? c.context : null;
        for (const o of this.observablesOf(c)) {
          const n = normalizeObservable(o.type, o.value);
          if (!n.ok) {
            refuse(c, o, n.code, n.message);
            continue;
          }
          const key = `${n.type}\u0000${n.value}`;
          if (items.has(key)) continue;
          const taxon = context && isValidTaxon(context.category, context.subtype)
            ? { category: context.category as string, subtype: context.subtype as string }
            : opts.category !== undefined && opts.subtype !== undefined
              ? { category: opts.category, subtype: opts.subtype }
              : defaultTaxon(n.type);
          items.set(key, { item: { ...n, ...taxon }, tlp: audience.force_tlp ?? c.tlp ?? defaultTlp });
        }
      }

      if (items.size > 0) {
        reportId = randomUUID();
        const first = items.values().next().value!;
        const report: Omit<ReportRow, 'received_at' | 'receipt'> = {
          id: reportId,
          org_id: actor.orgId,
          submitted_by_user: actor.userId,
          submitted_by_token: actor.tokenId,
          source: 'stix',
          category: opts.category ?? first.item.category,
          subtype: opts.subtype ?? first.item.subtype,
          title: opts.title ?? `STIX bundle ${parsed.bundle_id ?? importId}`,
          description: '',
          discovered_at: now,
          affected_party: null,
          tlp: [...items.values()].reduce((a, b) => (TLP_LEVELS.indexOf(b.tlp as Tlp) > TLP_LEVELS.indexOf(a as Tlp) ? b.tlp : a), 'clear'),
          self_handled: false,
          self_measures: [],
          disclose_reporter: false,
          province_code: actor.provinceCode,
          evidence_sha256: [],
          observable_count: items.size,
          refused_count: obs.refused,
          version: 1,
          supersedes_id: null,
          idempotency_key: null,
          request_hash: null,
        };
        await reportsRepository.insert(tx, report);
        const byTlp = new Map<string, IntakeItem[]>();
        for (const { item, tlp } of items.values()) (byTlp.get(tlp) ?? byTlp.set(tlp, []).get(tlp)!).push(item);
        const changed: IndicatorRow[] = [];
        for (const [tlp, group] of byTlp) {
          const { outcomes: out, rows } = await this.indicators.ingest(tx, group, { report_id: reportId, org_id: actor.orgId, seen_at: now, tlp, valid_until: null });
          for (const x of out) x.inserted ? obs.accepted++ : obs.duplicates++;
          changed.push(...rows);
        }
        changedRows = changed;
      }

      await reportsRepository.insertImport(tx, {
        id: importId,
        org_id: actor.orgId,
        report_id: reportId,
        format: 'stix',
        status: 'completed',
        total,
        accepted: counts.stored,
        new_indicators: obs.accepted,
        duplicates: counts.unchanged,
        refused: invalid.length + obs.refused,
        refusals: [
          ...invalid.slice(0, MAX_REFUSALS_KEPT).map((i) => ({ line: i.index, value: i.id ?? '', code: 'invalid_stix_object', message: i.reason })),
          ...obs.refusals.map((r) => ({ line: r.index, value: r.value, code: r.code, message: r.message })),
        ].slice(0, MAX_REFUSALS_KEPT),
        idempotency_key: null,
        request_hash: null,
      });
      await this.audit.record(tx, actor, {
        action: 'stix.bundle_imported',
        object_type: 'import',
        object_id: importId,
        province_code: actor.provinceCode,
        data: { bundle_id: parsed.bundle_id, source: opts.source ?? 'api', total, ...counts, invalid: invalid.length, report_id: reportId, observables_new: obs.accepted },
      });
    });
    if (changedRows.length > 0) this.indicators.publish(changedRows);
    outcomes.sort((a, b) => a.index - b.index);
    return {
      id: importId,
      bundle_id: parsed.bundle_id,
      report_id: reportId,
      total,
      ...counts,
      invalid: invalid.sort((a, b) => a.index - b.index),
      observables: obs,
      objects: outcomes,
      created_at: now.toISOString(),
    };
  }

  /** Observables an object stands for: a simple indicator's, an SCO's, observed-data's embedded SCOs. */
  private observablesOf(c: ParsedObject): Observable[] {
    if (c.kind === 'indicator' || c.kind === 'observable') return c.observables;
    if (c.type === 'observed-data' && c.object.objects !== null && typeof c.object.objects === 'object') {
      // STIX 2.0-style embedded objects (deprecated in 2.1): give each an id and classify it.
      const embedded = Object.values(c.object.objects as Record<string, unknown>)
        .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null && typeof (o as { type?: unknown }).type === 'string')
        .map((o) => ({ ...o, spec_version: '2.1', id: computeScoId(String(o.type), o) }));
      const inner = parseBundle({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: embedded });
      return inner.objects.flatMap((o) => (o.kind === 'observable' ? o.observables : []));
    }
    return [];
  }

  // ---------------------------------------------------------------------------------------------
  // STIX out: deriving the platform's records

  /** The fixed definitions every consumer needs: TLP 2.0 markings, our identity, our extension. */
  async writeDefinitions(): Promise<void> {
    if (this.definitionsWritten) return;
    const objects = [...TLP_LEVELS.map(tlpMarkingDefinition), platformIdentity(), extensionDefinition({ base_url: this.publicUrl })];
    await stixRepository.insertBatch(
      this.db,
      objects.map((o) => ({
        id: o.id,
        type: o.type,
        spec_version: '2.1',
        version: versionOf(o),
        superseded: false,
        tlp: 'clear',
        province_code: null,
        owner_org_id: null,
        responsible_org_id: null,
        source: 'definition' as const,
        source_key: null,
        json: JSON.stringify(o),
      })),
    );
    this.definitionsWritten = true;
  }

  /**
   * Derives what changed in the platform's records into the STIX store: organizations (identity)
   * and indicators (SCO + indicator + based-on, or vulnerability), latest version only. Resumes
   * from the stored watermark; one pass at a time per process, and batches of different processes
   * serialize on the sync state row. `maxIndicators` bounds one call (the rest stays for the next).
   */
  sync(opts: { maxIndicators?: number } = {}): Promise<SyncResult> {
    this.running ??= this.runSync(opts.maxIndicators ?? Number.POSITIVE_INFINITY).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runSync(maxIndicators: number): Promise<SyncResult> {
    await this.writeDefinitions();
    const result: SyncResult = { indicators: 0, organizations: 0, objects_written: 0, complete: true };
    const next = await stixRepository.safeWatermark(this.db, this.handle.kind);
    const state = await stixRepository.syncState(this.db);
    const orgMax = await stixRepository.maxOrganizationUpdate(this.db);

    // Organizations: few, all at once.
    const orgs = await stixRepository.organizationsChangedSince(this.db, new Date(state.organizations_watermark));
    if (orgs.length > 0) {
      result.organizations = orgs.length;
      result.objects_written += await this.writeDerived(
        orgs.flatMap((row) => {
          const rec = organizationRecordOf(row);
          if (rec === null) return [];
          const identity = organizationToIdentity(rec);
          return [{ key: `organization:${row.id}`, rows: [this.platformRow(identity, 'green', row.province_code, row.id, null, `organization:${row.id}`)] }];
        }),
        ['identity'],
      );
    }
    await stixRepository.setWatermarks(this.db, { organizations: next });
    this.lastOrgUpdate = Math.max(this.lastOrgUpdate, orgMax === null ? 0 : new Date(orgMax).getTime());
    if (maxIndicators <= 0) return { ...result, complete: false };

    // Indicators are rendered when TAXII reads them (stix-render.ts); what is derived here is only
    // the map from their objects' STIX ids back to the row, for object-by-id and match[id]. By
    // keyset on (updated_at, id), a total order: a sweep reads every row changed at or after the
    // stored watermark, and a pass that stops at `maxIndicators` stores the key of its last row,
    // where the next pass resumes (issue 11 item 9). When the sweep reaches the end, the watermark
    // moves to the safe watermark taken when the sweep began: any row not visible then belongs to a
    // transaction that started at or after it. A row created before the watermark was mapped by an
    // earlier sweep (its ids never change), so an update costs a read, not a hash. While the
    // database writes one page, the next is read (on PostgreSQL that work overlaps on another core).
    const since = state.indicators_watermark;
    const mappedBefore = since.getTime() - 1;
    const sweepWatermark = state.cursor === null ? next : (state.sweep_watermark ?? next);
    let after: IndicatorKey | null = state.cursor;
    let writing: Promise<number> | null = null;
    let read = 0;
    for (;;) {
      const page = await stixRepository.indicatorsChangedSince(this.db, since, after, SYNC_PAGE);
      if (page.length === 0) break;
      const uuids: string[] = [];
      const rowIds: number[] = [];
      for (const row of page) {
        if (new Date(row.created_at).getTime() < mappedBefore) continue;
        for (const id of renderedIdsOf(row)) {
          uuids.push(id.slice(id.indexOf('--') + 2));
          rowIds.push(row.id);
        }
      }
      if (writing) result.objects_written += await writing;
      writing = stixRepository.insertIndicatorIds(this.db, uuids, rowIds);
      writing.catch(() => undefined); // awaited below; this only marks the rejection as handled meanwhile
      read += page.length;
      const last = page[page.length - 1];
      after = { at: last.key_at, id: last.id };
      if (page.length < SYNC_PAGE) break;
      if (read >= maxIndicators) {
        result.complete = false;
        break;
      }
    }
    if (writing) result.objects_written += await writing;
    result.indicators = read;
    if (after) this.lastIndicatorKey = after;
    if (result.complete) await stixRepository.finishIndicatorSweep(this.db, since, sweepWatermark);
    else await stixRepository.setIndicatorSweep(this.db, since, after!, sweepWatermark);
    // Everything up to `next` is derived now: the staleness check only looks past it.
    if (result.complete && (this.lastIndicatorKey === null || Date.parse(this.lastIndicatorKey.at) < next.getTime())) {
      this.lastIndicatorKey = { at: next.toISOString(), id: 0 };
    }
    return result;
  }

  private platformRow(o: StixObject, tlp: string, province: string | null, owner: string | null, responsible: string | null, key: string): StixObjectInsert {
    return {
      id: o.id,
      type: o.type,
      spec_version: '2.1',
      version: versionOf(o),
      superseded: false,
      tlp,
      province_code: province,
      owner_org_id: owner,
      responsible_org_id: responsible,
      source: 'platform',
      source_key: key,
      json: JSON.stringify(o),
    };
  }

  /**
   * Replaces the derived objects of the records that changed: a record whose main object (of
   * `mainTypes`) is stored at the same version is left alone, so a re-read never churns
   * date_added; the others are deleted and written anew (new date_added: TAXII clients see them).
   */
  private async writeDerived(groups: { key: string; rows: StixObjectInsert[] }[], mainTypes: string[]): Promise<number> {
    if (groups.length === 0) return 0;
    return this.db.transaction().execute(async (tx) => {
      await stixRepository.lockSyncState(tx);
      const stored = await stixRepository.derivedVersions(tx, groups.map((g) => g.key), mainTypes);
      const changed = groups.filter((g) => {
        const main = g.rows.find((r) => mainTypes.includes(r.type));
        if (main === undefined) return true;
        const have = stored.get(g.key);
        return have === undefined || !sameVersion(have, main.version);
      });
      if (changed.length === 0) return 0;
      await stixRepository.deleteDerived(tx, changed.map((g) => g.key));
      const rows = changed.flatMap((g) => g.rows);
      let written = 0;
      for (let i = 0; i < rows.length; i += INSERT_BATCH) written += (await stixRepository.insertBatch(tx, rows.slice(i, i + INSERT_BATCH))).length;
      return written;
    });
  }

  /**
   * Syncs when an organization changed since this process last looked, and with `ids` when an
   * indicator did too (a bounded batch of the id map: what a by-id read needs first). Pages need no
   * indicator work at all: they render the rows.
   */
  async syncIfStale(opts: { ids?: boolean } = {}): Promise<void> {
    if (this.running) {
      await this.running;
      return;
    }
    const [newer, orgMax] = await Promise.all([
      !opts.ids ? Promise.resolve(false) : this.lastIndicatorKey === null ? Promise.resolve(true) : stixRepository.hasIndicatorAfter(this.db, this.lastIndicatorKey),
      stixRepository.maxOrganizationUpdate(this.db),
    ]);
    if (newer || !this.definitionsWritten || (orgMax !== null && new Date(orgMax).getTime() > this.lastOrgUpdate)) {
      await this.sync({ maxIndicators: newer ? SYNC_BATCH : 0 });
    }
  }

  /** The indicator rows whose rendered objects may carry these STIX ids (the id map). */
  indicatorIdsOfStixIds(ids: readonly string[]): Promise<number[]> {
    return stixRepository.indicatorIdsOfStixIds(this.db, ids);
  }

  /**
   * Keeps the derived objects current in the background (rows other processes commit late
   * included): each tick converts batch after batch until nothing is left, yielding to requests
   * between batches, so an import of any size reaches TAXII at conversion speed, not at a rate cap.
   */
  startSyncing(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.catchUp(true).catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  /**
   * Syncs in bounded batches until the derivation is complete (in the background: or stopSyncing
   * was called). A foreground call made while the background one runs waits for it, then finishes.
   */
  async catchUp(background = false): Promise<void> {
    while (this.catchingUp) {
      if (background) return;
      await this.catchingUp;
    }
    this.catchingUp = this.catchUpLoop(background).finally(() => {
      this.catchingUp = null;
    });
    return this.catchingUp;
  }

  private async catchUpLoop(background: boolean): Promise<void> {
    for (;;) {
      const started = Date.now();
      const r = await this.sync({ maxIndicators: SYNC_BATCH });
      if (r.complete || (background && this.timer === null)) return;
      // In the background, a pause as long as the batch took: the sweep never takes more than
      // half of the thread, which requests share with it (on PGlite the database too).
      const pause = background ? Date.now() - started : 0;
      await new Promise<void>((resolve) => (pause > 0 ? setTimeout(resolve, pause) : setImmediate(resolve)));
    }
  }

  stopSyncing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Writes a threat case with its identification as STIX (report or grouping, malware, sightings,
   * identities of the reporting units), inside the caller's transaction: the identification
   * workflow calls this when a case is identified or changes. Indicator objects are left to the
   * indicator derivation, which keeps them current.
   */
  async publishCase(
    tx: Executor,
    threatCase: ThreatCaseRecord,
    indicators: readonly IndicatorRecord[],
    orgs: readonly OrganizationRecord[],
    audience: { province_code: string | null; responsible_org_id?: string | null },
  ): Promise<number> {
    const fromIndicators = new Set(indicators.flatMap((i) => indicatorToStix(i).map((o) => o.id)));
    const key = `case:${threatCase.id}`;
    const rows = caseToStix(threatCase, indicators, orgs)
      .filter((o) => !fromIndicators.has(o.id) && o.type !== 'identity')
      .map((o) => this.platformRow(o, threatCase.tlp, audience.province_code, null, audience.responsible_org_id ?? null, key));
    await stixRepository.deleteDerived(tx, [key]);
    return (await stixRepository.insertBatch(tx, rows)).length;
  }

  // ---------------------------------------------------------------------------------------------
  // STIX out: reads

  /**
   * One indicator of the store as a self-contained bundle, if `actor` may see it. A personal value
   * (Art. 12) cannot be redacted inside a valid SCO, so it goes only to those entitled to it; the
   * read of a personal value or of a TLP:AMBER-or-stricter indicator is audited.
   */
  async indicatorBundle(actor: Principal, id: number): Promise<StixBundle> {
    const { indicator, entitled } = await this.indicators.visibleTo(actor, id);
    if (PERSONAL_INDICATOR_TYPES.has(indicator.type) && !entitled) throw notFound('Indicator');
    const [row] = await stixRepository.indicatorsByIds(this.db, [id]);
    if (!row) throw notFound('Indicator');
    const bundle = toBundle(indicatorToStix(indicatorRecordOf(row)), { extension: { base_url: this.publicUrl } });
    const fields = restrictedFieldsRevealed('indicator', { type: row.type, value: row.value }, entitled);
    await this.audit.recordRead(actor, new RestrictedRead('stix.indicator', 'indicator', String(id), row.province_code).add(id, fields, row.tlp).entry());
    return bundle;
  }

  async organizationBundle(id: string): Promise<StixBundle> {
    const [row] = await stixRepository.organizationsByIds(this.db, [id]);
    const rec = row ? organizationRecordOf(row) : null;
    if (!rec) throw notFound('Organization');
    return toBundle([organizationToIdentity(rec)], { extension: { base_url: this.publicUrl } });
  }

  /**
   * The latest version of a stored object (every version with `all`), or the object rendered from
   * an indicator row (one version), as a bundle, if visible.
   */
  async objectBundle(actor: Principal, id: string, all = false): Promise<string> {
    await this.syncIfStale({ ids: true });
    const stored = (await stixRepository.rowsOf(this.db, id, all)).filter((r) => canReadStixObject(actor, r));
    const rows = await stixRepository.indicatorsByIds(this.db, await stixRepository.indicatorIdsOfStixIds(this.db, [id]));
    const rendered = rows
      .flatMap((r) => renderIndicatorRow(r, r.key_at))
      .filter((o) => o.id === id && canReadStixObject(actor, { ...o, owner_org_id: null }));
    const objects = [...stored.map((r) => ({ ...r, version: r.version ?? r.date_added })), ...rendered];
    if (objects.length === 0) throw notFound('STIX object');
    // TLP:AMBER and stricter objects are restricted (TLP 2.0): their read is audited (Art. 12).
    const read = new RestrictedRead('stix.object', 'stix_object', id);
    for (const r of objects) read.add(`${r.id}@${r.version}`, [], r.tlp);
    await this.audit.recordRead(actor, read.entry());
    return `{"type":"bundle","id":"bundle--${randomUUID()}","objects":[${objects.map((r) => r.json).join(',')}]}`;
  }

  async counts(): Promise<Record<string, number>> {
    return stixRepository.countBySource(this.db);
  }
}
