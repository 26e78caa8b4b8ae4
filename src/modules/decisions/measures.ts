/**
 * The handling measures of Article 8 of the Measures as a controlled vocabulary. A decision names
 * one or more of them; each (measure, responsible unit) pair becomes one handling notice.
 *
 * For each measure: the zh/en label, which observable types it can target (indicators'
 * canonical types, DESIGN.md §3), which kinds of unit can carry it out (and so may receive the
 * notice; routing.ts filters on this), the deadline class used by the deadline policy, and
 * whether it may be ordered as an emergency (phone first, written notice after; Art. 8).
 */
import type { LegalRef } from '../enforcement/legal-basis.js';
import { OBSERVABLE_TYPES } from '../indicators/observable-types.js';

/** A measure targets a stored indicator, so its targets are the observable types themselves. */
export const TARGET_TYPES = OBSERVABLE_TYPES;
export type TargetType = (typeof TARGET_TYPES)[number];

/** Kinds of unit that carry out measures (DESIGN.md §1); regulators and institutions never do. */
export const UNIT_KINDS = ['telecom_operator', 'internet_company', 'domain_registrar', 'security_vendor'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** How the deadline policy groups measures (deadline-policy.ts). */
export type DeadlineClass = 'block' | 'stop' | 'malware_removal' | 'remediation' | 'notification' | 'other';

export interface MeasureDefinition {
  label: { zh: string; en: string };
  targets: readonly TargetType[];
  /** Unit kinds that can receive this measure. Empty: the recipient is not a unit (manual). */
  executors: readonly UnitKind[];
  deadline_class: DeadlineClass;
  /** May be ordered as an emergency (shorter deadline, phone first). */
  emergency_eligible: boolean;
  /** Whether the recipient must act and report a result (Art. 9), or is only informed. */
  requires_result: boolean;
  legal_basis: readonly LegalRef[];
}

const ALL_UNITS = UNIT_KINDS;
const IP_TARGETS = ['ipv4', 'ipv6', 'cidr'] as const;
const HANDLING = ['measures_art8', 'measures_art9'] as const;

export const MEASURES = {
  block_ip: {
    label: { zh: '封堵恶意IP地址', en: 'Block malicious IP addresses' },
    targets: IP_TARGETS,
    executors: ['telecom_operator', 'internet_company'],
    deadline_class: 'block',
    emergency_eligible: true,
    requires_result: true,
    legal_basis: HANDLING,
  },
  block_broadband_account: {
    label: { zh: '封堵宽带账号', en: 'Block broadband accounts' },
    targets: ['broadband_account'],
    executors: ['telecom_operator'],
    deadline_class: 'block',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
  block_domain: {
    label: { zh: '暂停或停止恶意域名解析', en: 'Suspend or stop resolution of malicious domains' },
    targets: ['domain'],
    executors: ['domain_registrar', 'telecom_operator', 'internet_company'],
    deadline_class: 'block',
    emergency_eligible: true,
    requires_result: true,
    legal_basis: HANDLING,
  },
  block_url: {
    label: { zh: '封堵恶意URL', en: 'Block malicious URLs' },
    targets: ['url'],
    executors: ['internet_company', 'telecom_operator'],
    deadline_class: 'block',
    emergency_eligible: true,
    requires_result: true,
    legal_basis: HANDLING,
  },
  stop_email_account: {
    label: { zh: '停止恶意电子邮件账号服务', en: 'Stop malicious e-mail accounts' },
    targets: ['email'],
    executors: ['internet_company'],
    deadline_class: 'stop',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
  stop_phone_number: {
    label: { zh: '停止恶意电话号码服务', en: 'Stop malicious phone numbers' },
    targets: ['phone'],
    executors: ['telecom_operator'],
    deadline_class: 'stop',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
  stop_service: {
    label: { zh: '停止相关服务', en: 'Stop the service' },
    targets: [...IP_TARGETS, 'domain', 'url'],
    executors: ['internet_company', 'telecom_operator'],
    deadline_class: 'stop',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
  remove_malware: {
    label: { zh: '清除恶意程序', en: 'Remove malicious programs' },
    targets: ['file_hash', 'url', 'domain', ...IP_TARGETS],
    executors: ['internet_company', 'telecom_operator', 'security_vendor'],
    deadline_class: 'malware_removal',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
  remediate_vulnerability: {
    label: { zh: '整改安全漏洞、后门等安全隐患', en: 'Remediate vulnerabilities, backdoors and other hidden dangers' },
    targets: ['vulnerability', ...IP_TARGETS, 'domain', 'url'],
    executors: ALL_UNITS,
    deadline_class: 'remediation',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
  remediate_compromise: {
    label: { zh: '处置被入侵、被控制的网络服务和产品', en: 'Remediate compromised services and products' },
    targets: [...IP_TARGETS, 'domain', 'url'],
    executors: ALL_UNITS,
    deadline_class: 'remediation',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
  // Art. 8: where the affected party is a Party or government body or operates critical
  // information infrastructure, its superior authority and the cyberspace administration are
  // also notified. The recipients are authorities, not units: no targets, no result expected.
  notify_superior_authority: {
    label: { zh: '通报上级主管部门和网信部门', en: 'Notify the superior authority and the cyberspace administration' },
    targets: [],
    executors: [],
    deadline_class: 'notification',
    emergency_eligible: false,
    requires_result: false,
    legal_basis: ['measures_art8'],
  },
  other_technical: {
    label: { zh: '其他必要的技术措施', en: 'Other necessary technical measures' },
    targets: TARGET_TYPES,
    executors: ALL_UNITS,
    deadline_class: 'other',
    emergency_eligible: false,
    requires_result: true,
    legal_basis: HANDLING,
  },
} as const satisfies Record<string, MeasureDefinition>;

export type MeasureCode = keyof typeof MEASURES;
export const MEASURE_CODES = Object.keys(MEASURES) as MeasureCode[];

export function isMeasureCode(value: unknown): value is MeasureCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(MEASURES, value);
}

export function measureDefinition(code: MeasureCode): MeasureDefinition {
  return MEASURES[code];
}

/** Measures that can act on an observable of this type (for the decision form's suggestions). */
export function measuresForTargetType(type: TargetType): MeasureCode[] {
  return MEASURE_CODES.filter((m) => (MEASURES[m].targets as readonly string[]).includes(type));
}

export function canTarget(measure: MeasureCode, type: string): boolean {
  return (MEASURES[measure].targets as readonly string[]).includes(type);
}

export function canExecute(measure: MeasureCode, kind: string): boolean {
  return (MEASURES[measure].executors as readonly string[]).includes(kind);
}

/** Affected parties that trigger the Art. 8 notification of superior authorities. */
export const AFFECTED_PARTY_KINDS = ['party_or_government', 'critical_information_infrastructure', 'enterprise', 'individual', 'unknown'] as const;
export type AffectedPartyKind = (typeof AFFECTED_PARTY_KINDS)[number];

export function requiresSuperiorNotification(affected: AffectedPartyKind | readonly AffectedPartyKind[]): boolean {
  const kinds = typeof affected === 'string' ? [affected] : affected;
  return kinds.some((k) => k === 'party_or_government' || k === 'critical_information_infrastructure');
}

export interface DecisionMeasureInput {
  measure: string;
  targets: readonly { type: string; value: string }[];
}

/**
 * Checks the measures of a decision: known codes, at least one, each with targets it can act on
 * (except notification-only measures, which take none), no measure twice. Adds
 * `notify_superior_authority` when the affected party requires it (Art. 8) and returns the
 * resulting list of measure codes. Problems use JSON-pointer fields relative to the decision body.
 */
export function checkDecisionMeasures(
  measures: readonly DecisionMeasureInput[],
  affected: readonly AffectedPartyKind[] = [],
): { ok: true; measures: MeasureCode[] } | { ok: false; errors: { field: string; message: string }[] } {
  const errors: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  if (measures.length === 0) errors.push({ field: '/measures', message: 'a decision names at least one measure' });
  measures.forEach((m, i) => {
    if (!isMeasureCode(m.measure)) {
      errors.push({ field: `/measures/${i}/measure`, message: `unknown measure "${m.measure}"; known: ${MEASURE_CODES.join(', ')}` });
      return;
    }
    if (seen.has(m.measure)) errors.push({ field: `/measures/${i}/measure`, message: `measure "${m.measure}" appears twice; list all its targets once` });
    seen.add(m.measure);
    const def = MEASURES[m.measure];
    if (def.targets.length === 0) {
      if (m.targets.length) errors.push({ field: `/measures/${i}/targets`, message: `"${m.measure}" takes no targets` });
      return;
    }
    if (m.targets.length === 0) errors.push({ field: `/measures/${i}/targets`, message: `"${m.measure}" needs at least one target` });
    m.targets.forEach((t, j) => {
      if (!canTarget(m.measure as MeasureCode, t.type))
        errors.push({
          field: `/measures/${i}/targets/${j}/type`,
          message: `"${m.measure}" cannot act on a ${t.type}; it acts on ${def.targets.join(', ')}`,
        });
    });
  });
  if (errors.length) return { ok: false, errors };
  const codes = measures.map((m) => m.measure as MeasureCode);
  if (requiresSuperiorNotification(affected) && !codes.includes('notify_superior_authority')) codes.push('notify_superior_authority');
  return { ok: true, measures: codes };
}
