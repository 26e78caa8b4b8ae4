/** The one place a notice row becomes API output. */
import { noticeMachine, type NoticeState } from './notice-state.js';
import type { NoticeRow } from './notices.repository.js';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function presentNotice(n: NoticeRow, publicUrl = '') {
  return {
    id: n.id,
    kind: n.kind,
    state: n.state,
    allowed_events: noticeMachine.allowed(n.state as NoticeState),
    case_id: n.case_id,
    decision_id: n.decision_id,
    enforcement_case_id: n.enforcement_case_id,
    references_notice_id: n.references_notice_id,
    issuer_org_id: n.issuer_org_id,
    recipient_org_id: n.recipient_org_id,
    province_code: n.province_code,
    measure: n.measure,
    targets: n.targets as { type: string; value: string }[],
    emergency: n.emergency,
    severity: n.severity,
    requires_result: n.requires_result,
    deadline: iso(n.deadline),
    phone_call: n.phone_call ?? null,
    written_due_at: iso(n.written_due_at),
    written_late: n.written_late,
    issued_at: iso(n.issued_at),
    acknowledged_at: iso(n.acknowledged_at),
    result: n.result ?? null,
    result_at: iso(n.result_at),
    verification: n.verification ?? null,
    verified_at: iso(n.verified_at),
    overdue_at: iso(n.overdue_at),
    key_id: n.key_id,
    document_url: n.signed ? `${publicUrl}/api/v1/notices/${n.id}/document` : null,
    print_url: n.signed ? `${publicUrl}/api/v1/notices/${n.id}/print` : null,
    created_at: iso(n.created_at)!,
  };
}
export type NoticeView = ReturnType<typeof presentNotice>;
