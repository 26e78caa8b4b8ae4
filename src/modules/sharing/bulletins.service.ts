/**
 * Bulletins (通报, Art. 10–11): a regulator tells chosen units, or every unit of chosen kinds, about
 * one or more threats; each recipient's read is a receipt. Recipients are resolved when sent; a
 * provincial administration reaches only units in its own province (Art. 3). TLP:RED bulletins go
 * to named organizations only, never to a kind of unit (TLP 2.0: RED never leaves the named
 * recipients). Indicators whose value is personal information are redacted for recipients that
 * are not responsible for them, and a read that reveals one is in the audit log (Art. 12).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { forbidden, notFound, validationFailed } from '../../lib/problem.js';
import type { AuditService } from '../audit/audit.service.js';
import { isNationalRegulator, isRegulator, UNIT_KINDS, type Principal } from '../auth/principal.js';
import { inJurisdiction, strictestTlp, tlpRank } from '../access/access.table.js';
import { indicatorVisibility, isIndicatorEntitled } from '../access/indicator-visibility.js';
import { listProvince, redactRecord, RestrictedRead, restrictedFieldsRevealed } from '../access/confidentiality.js';
import { assertCanSendBulletin } from './sharing.policy.js';
import { sharingRepository, type BulletinRow } from './sharing.repository.js';
import type { SubscriptionsService } from './subscriptions.service.js';

export interface BulletinInput {
  title: string;
  body: string;
  tlp: 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';
  severity?: string;
  warning_colour?: string;
  indicator_ids?: string[];
  case_ids?: string[];
  recipients: { org_ids?: string[]; org_kinds?: string[] };
}

export class BulletinsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  async send(p: Principal, input: BulletinInput) {
    assertCanSendBulletin(p);
    const orgIds = [...new Set(input.recipients.org_ids ?? [])];
    const kinds = [...new Set(input.recipients.org_kinds ?? [])];
    kinds.forEach((k, i) => {
      if (!(UNIT_KINDS as readonly string[]).includes(k) && k !== 'professional_institution') throw validationFailed(`/recipients/org_kinds/${i}`, 'a kind of unit');
    });
    if (orgIds.length + kinds.length === 0) throw validationFailed('/recipients', 'name recipient organizations or kinds of units');
    if (input.tlp === 'red' && kinds.length > 0) throw validationFailed('/recipients/org_kinds', 'TLP:RED goes to named organizations only');
    const province = isNationalRegulator(p) ? null : p.provinceCode;
    const indicatorIds = (input.indicator_ids ?? []).map((s, i) => {
      const n = Number(s);
      if (!Number.isSafeInteger(n) || n <= 0) throw validationFailed(`/indicator_ids/${i}`, 'an indicator id');
      return n;
    });
    const found = await sharingRepository.indicatorsByIds(this.db, indicatorIds);
    // A bulletin cites only what its author may see (docs/access.md); what it may not see is
    // refused as if it did not exist.
    found.forEach((f) => {
      if (indicatorVisibility(p, f) !== 'visible') throw validationFailed(`/indicator_ids/${indicatorIds.indexOf(f.id)}`, 'an indicator does not exist');
    });
    if (found.length !== indicatorIds.length) throw validationFailed('/indicator_ids', 'an indicator does not exist');
    if (province && found.some((f) => f.province_code !== null && f.province_code !== province)) throw forbidden('A provincial administration bulletins threats of its own province only');
    const caseIds = [...new Set(input.case_ids ?? [])];
    const cases = await sharingRepository.casesByIds(this.db, caseIds);
    caseIds.forEach((cid, i) => {
      const c = cases.find((x) => x.id === cid);
      if (!c || !inJurisdiction(p, c.province_code)) throw validationFailed(`/case_ids/${i}`, 'a case does not exist');
    });
    // Its TLP is at least the strictest of what it cites: a TLP:GREEN bulletin to a kind of units
    // must not carry TLP:AMBER or RED values to all of them (issue 12 item 5).
    const floor = strictestTlp([...found.map((f) => f.tlp), ...cases.flatMap((c) => c.tlps)]);
    if (tlpRank(input.tlp) < tlpRank(floor)) throw validationFailed('/tlp', `at least TLP:${floor.toUpperCase()}, the strictest marking of what the bulletin cites`);
    if (floor === 'red' && kinds.length > 0) throw validationFailed('/recipients/org_kinds', 'TLP:RED goes to named organizations only');
    const recipients = await sharingRepository.resolveRecipients(this.db, { org_ids: orgIds, kinds, province_code: province });
    if (province) {
      // Named organizations outside the province are refused, not silently dropped.
      const inProvince = new Set(await sharingRepository.resolveRecipients(this.db, { org_ids: [], kinds: [...new Set([...kinds, ...UNIT_KINDS, 'professional_institution'])], province_code: province }));
      const outside = orgIds.filter((id) => !inProvince.has(id));
      if (outside.length > 0) throw forbidden('A provincial administration bulletins units of its own province only');
    }
    if (recipients.length === 0) throw validationFailed('/recipients', 'no active organization matches');
    const id = randomUUID();
    const sentAt = new Date();
    const row = {
      id,
      sender_org_id: p.orgId,
      sender_user_id: p.userId,
      province_code: province,
      title: input.title,
      body: input.body,
      tlp: input.tlp,
      severity: input.severity ?? null,
      warning_colour: input.warning_colour ?? null,
      indicator_ids: indicatorIds,
      case_ids: caseIds,
      audience: { org_ids: orgIds, org_kinds: kinds, province_code: province },
      sent_at: sentAt,
    };
    await this.db.transaction().execute(async (tx) => {
      await sharingRepository.insertBulletin(tx, row, recipients);
      await this.subscriptions.publish(
        tx,
        recipients.map((org) => ({
          org_id: org,
          event_type: 'bulletin.sent' as const,
          payload: { bulletin_id: id, title: input.title, tlp: input.tlp, severity: row.severity, warning_colour: row.warning_colour, indicator_count: indicatorIds.length, sent_at: sentAt.toISOString(), url: `/api/v1/bulletins/${id}` },
        })),
      );
      await this.audit.record(tx, p, { action: 'bulletin.sent', object_type: 'bulletin', object_id: id, province_code: province, data: { tlp: input.tlp, recipients: recipients.length, indicators: indicatorIds.length } });
    });
    this.subscriptions.onCommitted();
    return this.get(p, id);
  }

  /**
   * A bulletin as its reader may see it. A recipient's first read is its receipt; the sender and
   * regulators over the sender's province see every recipient's receipt.
   */
  async get(p: Principal, id: string) {
    const b = await sharingRepository.bulletin(this.db, id);
    if (!b) throw notFound('Bulletin');
    const isSender = b.sender_org_id === p.orgId;
    const oversees = isNationalRegulator(p) || (isRegulator(p) && b.province_code !== null && b.province_code === p.provinceCode);
    const mine = isSender || oversees ? null : await sharingRepository.recipient(this.db, id, p.orgId);
    if (!isSender && !oversees && !mine) throw notFound('Bulletin');
    const indicators = await sharingRepository.indicatorsByIds(this.db, b.indicator_ids.map(Number));
    // A TLP:AMBER-or-stricter bulletin, or a personal value shown, is a restricted read (Art. 12).
    const read = new RestrictedRead('bulletin.get', 'bulletin', id, b.province_code).add(id, [], b.tlp);
    const shown = indicators.map((i) => {
      const entitled = isIndicatorEntitled(p, i, false);
      const view = { id: String(i.id), type: i.type, value: i.value, category: i.category, subtype: i.subtype, tlp: i.tlp, status: i.status };
      read.add(id, restrictedFieldsRevealed('indicator', view, entitled), null, 'indicators');
      return redactRecord('indicator', view, entitled);
    });
    const restricted = read.entry();
    let readAt = mine?.read_at ?? null;
    const firstRead = mine && !mine.read_at;
    if (firstRead || restricted) {
      await this.db.transaction().execute(async (tx) => {
        if (firstRead) {
          readAt = new Date();
          await sharingRepository.markRead(tx, id, p.orgId, p.userId, readAt);
          await this.audit.record(tx, p, { action: 'bulletin.read', object_type: 'bulletin', object_id: id, province_code: b.province_code });
        }
        if (restricted) await this.audit.record(tx, p, restricted);
      });
    }
    const receipts = isSender || oversees ? await sharingRepository.recipients(this.db, id) : null;
    return presentBulletin(b, shown, readAt, receipts);
  }

  async list(p: Principal, limit = 50) {
    const rows = await sharingRepository.bulletinsFor(this.db, {
      org_id: p.orgId,
      all: isNationalRegulator(p),
      province_code: p.orgKind === 'regulator_provincial' ? p.provinceCode : null,
      limit,
    });
    const read = new RestrictedRead('bulletin.list', 'bulletin', 'list', listProvince(p));
    for (const b of rows) read.add(b.id, [], b.tlp);
    await this.audit.recordRead(p, read.entry());
    return rows.map((b) => ({
      id: b.id,
      title: b.title,
      tlp: b.tlp,
      severity: b.severity,
      warning_colour: b.warning_colour,
      sent_at: new Date(b.sent_at).toISOString(),
      read_at: b.read_at ? new Date(b.read_at).toISOString() : null,
      indicator_count: b.indicator_ids.length,
    }));
  }
}

function presentBulletin(
  b: BulletinRow,
  indicators: { id: string; type: string; value: string; category: string; subtype: string; tlp: string; status: string }[],
  readAt: Date | null,
  receipts: { org_id: string; name: string; delivered_at: Date; read_at: Date | null }[] | null,
) {
  return {
    id: b.id,
    sender_org_id: b.sender_org_id,
    province_code: b.province_code,
    title: b.title,
    body: b.body,
    tlp: b.tlp,
    severity: b.severity,
    warning_colour: b.warning_colour,
    sent_at: new Date(b.sent_at).toISOString(),
    indicators,
    case_ids: b.case_ids,
    read_at: readAt ? readAt.toISOString() : null,
    receipts: receipts?.map((r) => ({ org_id: r.org_id, name: r.name, delivered_at: new Date(r.delivered_at).toISOString(), read_at: r.read_at ? new Date(r.read_at).toISOString() : null })) ?? null,
  };
}
