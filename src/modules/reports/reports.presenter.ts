/** Report rows → API output; redacts the reporter and the affected party's contact. */
import type { Principal } from '../auth/principal.js';
import { canSeeReporter } from '../access/indicator-visibility.js';
import { canSeeAffectedContact } from './reports.policy.js';
import type { ReportRow } from './reports.repository.js';
import type { Report } from './reports.schema.js';

export function presentReport(p: Principal, r: ReportRow): Report {
  let affected = r.affected_party as Record<string, unknown> | null;
  if (affected && 'contact' in affected && !canSeeAffectedContact(p, r)) affected = { ...affected, contact: '[redacted]' };
  return {
    id: r.id,
    org_id: canSeeReporter(p, r) ? r.org_id : null,
    source: r.source,
    received_at: new Date(r.received_at).toISOString(),
    category: r.category,
    subtype: r.subtype,
    title: r.title,
    description: r.description,
    discovered_at: new Date(r.discovered_at).toISOString(),
    affected_party: affected ?? null,
    tlp: r.tlp,
    self_handled: r.self_handled,
    self_measures: r.self_measures ?? [],
    province_code: r.province_code,
    evidence_sha256: r.evidence_sha256 ?? [],
    observable_count: r.observable_count,
    version: r.version,
    supersedes_id: r.supersedes_id,
  };
}
