/**
 * Who may see the workflow's records (cases, enforcement cases and penalties, appeals, evidence):
 * the rows of ACCESS_TABLE for them, as pure predicates. Services call them first; what they
 * refuse is `404 not_found`, for reads and writes alike, so a refusal never reveals existence.
 */
import { notFound } from '../../lib/problem.js';
import type { Principal } from '../auth/principal.js';
import { inJurisdiction } from './access.table.js';

export interface CaseFacts {
  province_code: string | null;
  reporting_org_ids: readonly string[];
  assigned_org_id: string | null;
}

/**
 * Regulators within their jurisdiction, every institution, the units that reported it, and (when
 * the caller knows it) a unit noticed to act on it (issue 11 item 3).
 */
export function canSeeCase(p: Principal, c: CaseFacts, opts: { noticed?: boolean } = {}): boolean {
  if (c.reporting_org_ids.includes(p.orgId)) return true;
  if (p.orgKind === 'professional_institution') return true;
  if ((p.orgKind === 'regulator_national' || p.orgKind === 'regulator_provincial') && inJurisdiction(p, c.province_code)) return true;
  return opts.noticed === true;
}

/** Whether the reader of a case is an insider who sees every reporter: regulators and institutions that may see it. */
export const seesCaseReporters = (p: Principal | null): boolean =>
  !p || p.orgKind === 'regulator_national' || p.orgKind === 'regulator_provincial' || p.orgKind === 'professional_institution';

/**
 * The reporters a case names to its reader: all to insiders; to a reporter itself, itself (so it
 * knows it answers the institution's questions); to anyone else none (DESIGN §6, issue 11 item 6).
 */
export function caseReportersFor(p: Principal | null, reportingOrgIds: readonly string[]): string[] | null {
  if (seesCaseReporters(p)) return [...reportingOrgIds];
  if (p && reportingOrgIds.includes(p.orgId)) return [p.orgId];
  return null;
}

/**
 * Enforcement cases and penalty decisions (persons, fines): the unit concerned and regulators in
 * their jurisdiction; never institutions (issue 12 item 7).
 */
export function canSeeEnforcement(p: Principal, e: { org_id: string; province_code: string | null }): boolean {
  if (p.orgId === e.org_id) return true;
  return (p.orgKind === 'regulator_national' || p.orgKind === 'regulator_provincial') && inJurisdiction(p, e.province_code);
}

/**
 * Appeals: the appellant, the reviewing institution, and the deciding regulator — the case's
 * province administration — and the ministry (issue 11 item 8).
 */
export function canSeeAppeal(p: Principal, a: { appellant_org_id: string; reviewer_org_id: string | null }, caseProvince: string | null): boolean {
  if (p.orgId === a.appellant_org_id || p.orgId === a.reviewer_org_id) return true;
  return (p.orgKind === 'regulator_national' || p.orgKind === 'regulator_provincial') && inJurisdiction(p, caseProvince);
}

export interface NoticeFacts {
  recipient_org_id: string;
  issuer_org_id: string;
  province_code: string | null;
  kind?: string;
}

/** Notice kinds that belong to enforcement (persons, fines): not for institutions. */
export const ENFORCEMENT_NOTICE_KINDS: readonly string[] = ['penalty_decision'];

/**
 * The noticed unit and the issuer; regulators within their jurisdiction; institutions (they verify
 * results), but not penalty decisions, as enforcement cases are not theirs (issue 12 item 7).
 */
export function canSeeNotice(p: Principal, n: NoticeFacts): boolean {
  if (p.orgId === n.recipient_org_id || p.orgId === n.issuer_org_id) return true;
  if (p.orgKind === 'professional_institution') return !ENFORCEMENT_NOTICE_KINDS.includes(n.kind ?? '');
  return (p.orgKind === 'regulator_national' || p.orgKind === 'regulator_provincial') && inJurisdiction(p, n.province_code);
}

/**
 * Evidence cited by a notice's result or an identification: the ministry, the administration of
 * the case's province, and the case's institution (the uploader always reads its own).
 */
export function canReadCitedEvidence(p: Principal, c: { province_code: string | null; institution_org_id: string | null }): boolean {
  if (p.orgKind === 'regulator_national') return true;
  if (p.orgKind === 'regulator_provincial') return inJurisdiction(p, c.province_code);
  return p.orgKind === 'professional_institution' && c.institution_org_id === p.orgId;
}

/** An audit entry to a reader of the audit trail: its jurisdiction only (a province-less entry is national). */
export const canSeeAuditEntry = (p: Principal, e: { province_code: string | null }): boolean => inJurisdiction(p, e.province_code);

/** An organization a regulator may address (notices, hand routing): the ministry any, a province its own. */
export function isInRegulatorReach(p: Principal, org: { province_code: string | null }): boolean {
  if (p.orgKind === 'regulator_national') return true;
  return p.orgKind === 'regulator_provincial' && inJurisdiction(p, org.province_code);
}

/** The refusal of what the caller may not see: not found, never forbidden. */
export function assertVisible(visible: boolean, what: string): void {
  if (!visible) throw notFound(what);
}
