/**
 * Public releases (发布, Art. 11): drafted by a regulator or a professional institution, submitted,
 * approved by a regulator, published; rejected ones go back to their author. What is published is
 * public (TLP:CLEAR): a release may cite only TLP:CLEAR indicators whose value is not personal
 * information, checked when it is submitted and again when it is published.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { forbidden, notFound, validationFailed } from '../../lib/problem.js';
import { transitionOrThrow } from '../../lib/state-machine.js';
import type { AuditService } from '../audit/audit.service.js';
import { isRegulator, type Principal } from '../auth/principal.js';
import { PERSONAL_INDICATOR_TYPES } from '../access/confidentiality.js';
import { releaseMachine, type ReleaseEvent, type ReleaseState } from './release-state.js';
import { assertCanDraftRelease, assertCanEditRelease, assertCanReviewRelease } from './sharing.policy.js';
import { sharingRepository, type ReleaseRow } from './sharing.repository.js';

export interface ReleaseInput {
  title_zh: string;
  title_en?: string;
  summary_zh: string;
  summary_en?: string;
  body_zh: string;
  body_en?: string;
  category?: string;
  warning_colour?: 'red' | 'orange' | 'yellow' | 'blue';
  indicator_ids?: string[];
}

export class ReleasesService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  async create(p: Principal, input: ReleaseInput) {
    assertCanDraftRelease(p);
    const now = new Date();
    const row: ReleaseRow = { id: randomUUID(), state: 'draft', author_org_id: p.orgId, ...fields(input), created_at: now, updated_at: now };
    await this.db.transaction().execute(async (tx) => {
      await sharingRepository.insertRelease(tx, row);
      await this.audit.record(tx, p, { action: 'release.drafted', object_type: 'release', object_id: row.id });
    });
    return this.get(p, row.id);
  }

  async update(p: Principal, id: string, input: ReleaseInput) {
    await this.db.transaction().execute(async (tx) => {
      const r = await sharingRepository.release(tx, id, true);
      if (!r) throw notFound('Release');
      assertCanEditRelease(p, r);
      const to = transitionOrThrow(releaseMachine, `Release ${id}`, r.state as ReleaseState, 'revise');
      await sharingRepository.updateRelease(tx, id, { ...fields(input), state: to, updated_at: new Date() });
      await this.audit.record(tx, p, { action: 'release.revised', object_type: 'release', object_id: id });
    });
    return this.get(p, id);
  }

  /** submit (author), approve / reject / publish / withdraw (a regulator). */
  async transition(p: Principal, id: string, event: Exclude<ReleaseEvent, 'revise'>, reasons?: string) {
    await this.db.transaction().execute(async (tx) => {
      const r = await sharingRepository.release(tx, id, true);
      if (!r) throw notFound('Release');
      if (event === 'submit') assertCanEditRelease(p, r);
      else assertCanReviewRelease(p);
      const to = transitionOrThrow(releaseMachine, `Release ${id}`, r.state as ReleaseState, event);
      if (event === 'submit' || event === 'approve' || event === 'publish') await this.assertPublishable(tx, r);
      if (event === 'reject' && !reasons) throw validationFailed('/reasons', 'a rejection gives its reasons');
      const now = new Date();
      await sharingRepository.updateRelease(tx, id, {
        state: to,
        updated_at: now,
        ...(event === 'approve' ? { approved_by_org_id: p.orgId, review_reasons: reasons ?? null } : {}),
        ...(event === 'reject' ? { review_reasons: reasons } : {}),
        ...(event === 'publish' ? { published_at: now } : {}),
      });
      await this.audit.record(tx, p, { action: `release.${to}`, object_type: 'release', object_id: id, data: reasons ? { reasons } : {} });
    });
    return this.get(p, id);
  }

  private async assertPublishable(tx: Db | Parameters<typeof sharingRepository.indicatorsByIds>[0], r: ReleaseRow): Promise<void> {
    const ids = r.indicator_ids.map(Number);
    const found = await sharingRepository.indicatorsByIds(tx, ids);
    if (found.length !== ids.length) throw validationFailed('/indicator_ids', 'an indicator does not exist');
    for (const i of found) {
      if (i.tlp !== 'clear') throw forbidden(`Indicator ${i.id} is TLP:${i.tlp.toUpperCase()}; only TLP:CLEAR may be published`);
      if (PERSONAL_INDICATOR_TYPES.has(i.type)) throw forbidden(`Indicator ${i.id} is personal information (${i.type}) and is never published`);
    }
  }

  async get(p: Principal, id: string) {
    const r = await sharingRepository.release(this.db, id);
    if (!r) throw notFound('Release');
    if (r.state !== 'published' && r.author_org_id !== p.orgId && !isRegulator(p)) throw notFound('Release');
    return presentRelease(r, await this.publicIndicators(r));
  }

  async list(p: Principal, limit = 50) {
    const rows = await sharingRepository.releasesFor(this.db, { org_id: p.orgId, regulator: isRegulator(p), limit });
    return rows.map((r) => presentRelease(r, null));
  }

  /** The public page and feed: published releases only, no authentication. */
  async published(limit = 50) {
    const rows = await sharingRepository.publishedReleases(this.db, limit);
    return Promise.all(rows.map(async (r) => presentRelease(r, await this.publicIndicators(r))));
  }

  async publishedOne(id: string) {
    const r = await sharingRepository.release(this.db, id);
    if (!r || r.state !== 'published') throw notFound('Release');
    return presentRelease(r, await this.publicIndicators(r));
  }

  /** Only TLP:CLEAR, non-personal values, whatever happened to the indicator since. */
  private async publicIndicators(r: ReleaseRow) {
    const found = await sharingRepository.indicatorsByIds(this.db, r.indicator_ids.map(Number));
    return found.filter((i) => i.tlp === 'clear' && !PERSONAL_INDICATOR_TYPES.has(i.type)).map((i) => ({ type: i.type, value: i.value, category: i.category, subtype: i.subtype, status: i.status }));
  }
}

function fields(input: ReleaseInput) {
  const ids = (input.indicator_ids ?? []).map((s, i) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n <= 0) throw validationFailed(`/indicator_ids/${i}`, 'an indicator id');
    return n;
  });
  return {
    title_zh: input.title_zh,
    title_en: input.title_en ?? null,
    summary_zh: input.summary_zh,
    summary_en: input.summary_en ?? null,
    body_zh: input.body_zh,
    body_en: input.body_en ?? null,
    category: input.category ?? null,
    warning_colour: input.warning_colour ?? null,
    indicator_ids: ids,
  };
}

export type { PresentedRelease } from './release.types.js';

export function presentRelease(r: ReleaseRow, indicators: { type: string; value: string; category: string; subtype: string; status: string }[] | null) {
  const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    state: r.state,
    author_org_id: r.author_org_id,
    title_zh: r.title_zh,
    title_en: r.title_en,
    summary_zh: r.summary_zh,
    summary_en: r.summary_en,
    body_zh: r.body_zh,
    body_en: r.body_en,
    category: r.category,
    warning_colour: r.warning_colour,
    review_reasons: r.review_reasons ?? null,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    published_at: iso(r.published_at),
    indicators: indicators ?? [],
  };
}
