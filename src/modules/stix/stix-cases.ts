/**
 * Threat cases into the STIX store (issue 4: every threat case and identification exports as STIX
 * 2.1). The handling workflow calls `publishCaseHook` inside the transaction of each case
 * transition, so the case's report (or grouping) and its sightings change version together with
 * the case state. Cases without a final verdict (confirmed or rejected, Art. 7) are not published.
 */
import type { Executor } from '../../db/database.js';
import type { IdentificationService } from '../identification/identification.service.js';
import type { IdentificationRow, CaseRow } from '../identification/identification.repository.js';
import { TLP_LEVELS } from './stix-markings.js';
import { stixRepository } from './stix.repository.js';
import { organizationRecordOf, type StixService } from './stix.service.js';
import { indicatorRecordOf } from './stix-render.js';
import type { IndicatorRecord, OrganizationRecord, Severity, ThreatCaseRecord, Tlp, Verdict } from './stix.types.js';

/**
 * Workflow cases carry no TLP of their own; what an identification says about reported parties is
 * for the parties involved (DESIGN.md §2 Art. 12), so AMBER unless an indicator is stricter.
 */
const CASE_TLP_FLOOR: Tlp = 'amber';

/** The workflow's verdict names as STIX extension verdicts. */
const VERDICT_NAMES: Record<string, Verdict> = {
  confirmed: 'confirmed',
  rejected: 'rejected',
  more_info_needed: 'more_information_needed',
};

const SEVERITIES: ReadonlySet<string> = new Set<Severity>(['particularly_major', 'major', 'relatively_major', 'general']);

/** The identification that decides the case: the latest confirmed or rejected verdict. */
export function finalIdentification(identifications: readonly IdentificationRow[]): IdentificationRow | null {
  for (let i = identifications.length - 1; i >= 0; i--) {
    const v = identifications[i]!.verdict;
    if (v === 'confirmed' || v === 'rejected') return identifications[i]!;
  }
  return null;
}

/**
 * A case row with its identification as a `ThreatCaseRecord`. A rejected case has no severity; the
 * extension requires one, so it carries the lowest grade (一般), and the `unspecified` grouping
 * context says it was rejected.
 */
export function caseRecordOf(row: CaseRow, identification: IdentificationRow, indicators: readonly IndicatorRecord[]): ThreatCaseRecord {
  const severity = identification.severity ?? row.severity;
  let tlp = CASE_TLP_FLOOR;
  for (const ind of indicators) if (TLP_LEVELS.indexOf(ind.tlp) > TLP_LEVELS.indexOf(tlp)) tlp = ind.tlp;
  return {
    id: row.id,
    title: row.title,
    category: row.category,
    subtype: row.subtype,
    severity: severity && SEVERITIES.has(severity) ? (severity as Severity) : 'general',
    verdict: VERDICT_NAMES[identification.verdict] ?? 'rejected',
    analysis: identification.analysis,
    indicator_ids: indicators.map((i) => i.id),
    created_at: new Date(row.opened_at),
    updated_at: new Date(row.updated_at),
    tlp,
  };
}

/** The hook for `IdentificationService.onCaseChanged`: republishes the case's STIX objects. */
export function publishCaseHook(stix: StixService, cases: IdentificationService): (tx: Executor, caseId: string) => Promise<void> {
  return async (tx, caseId) => {
    const snapshot = await cases.snapshotInTx(tx, caseId);
    if (!snapshot) return;
    const identification = finalIdentification(snapshot.identifications);
    if (!identification) return;
    const indicators = (await stixRepository.indicatorsByIds(tx, snapshot.indicatorIds)).map(indicatorRecordOf);
    const { row } = snapshot;
    const orgIds = [...new Set([...row.reporting_org_ids, identification.institution_org_id])];
    const orgs = (await stixRepository.organizationsByIds(tx, orgIds)).map(organizationRecordOf).filter((o): o is OrganizationRecord => o !== null);
    await stix.publishCase(tx, caseRecordOf(row, identification, indicators), indicators, orgs, { province_code: row.province_code });
  };
}
