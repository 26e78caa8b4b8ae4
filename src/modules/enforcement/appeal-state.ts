/**
 * Appeals (复核) against a finding and the notices from it (Art. 10 of the Measures; DESIGN.md
 * "Policies" → Review).
 *
 *   submitted ──assign──▶ under_review ──uphold──▶ upheld
 *      │                    │  ▲ reassign          ├──change──▶ changed
 *      │                    └──┘                   └──withdraw_finding──▶ withdrawn
 *      └──cancel (by the appellant, before the outcome)──▶ cancelled
 *
 * Who may appeal: the resource holder, the noticed unit and the reporter, within a configurable
 * period (default 15 days) from the finding, or for a noticed unit from its notice. The review goes
 * to a different professional institution than the one that identified (and never to a reporter or
 * the appellant). Measures stay in force during review unless the regulator suspends them
 * (notice-state.ts `suspend`). Outcomes: `upheld` (suspended notices resume), `changed` (the finding
 * changes; the regulator decides again), `withdrawn` (the finding and all its notices are
 * withdrawn, and units that acted are told to restore service). A reporter's appeal against a
 * rejection can only be upheld or changed (to a confirmed finding).
 */
import { defineStateMachine, type TransitionResult } from '../../lib/state-machine.js';
import type { CaseEvent, CaseState } from '../identification/case-state.js';
import { addDuration, DEFAULT_DEADLINE_POLICY } from '../notices/deadline-policy.js';

export const APPEAL_STATES = ['submitted', 'under_review', 'upheld', 'changed', 'withdrawn', 'cancelled'] as const;
export type AppealState = (typeof APPEAL_STATES)[number];

export const APPEAL_EVENTS = ['assign', 'reassign', 'uphold', 'change', 'withdraw_finding', 'cancel'] as const;
export type AppealEvent = (typeof APPEAL_EVENTS)[number];

export const appealMachine = defineStateMachine<AppealState, AppealEvent>({
  states: APPEAL_STATES,
  transitions: [
    { from: 'submitted', event: 'assign', to: 'under_review' },
    { from: 'under_review', event: 'reassign', to: 'under_review' },
    { from: 'under_review', event: 'uphold', to: 'upheld' },
    { from: 'under_review', event: 'change', to: 'changed' },
    { from: 'under_review', event: 'withdraw_finding', to: 'withdrawn' },
    { from: ['submitted', 'under_review'], event: 'cancel', to: 'cancelled' },
  ],
});

export function nextAppealState(state: AppealState, event: AppealEvent): TransitionResult<AppealState, AppealEvent> {
  return appealMachine.next(state, event);
}

export function allowedAppealEvents(state: AppealState): AppealEvent[] {
  return appealMachine.allowed(state);
}

export const APPEAL_OUTCOMES = ['upheld', 'changed', 'withdrawn'] as const;
export type AppealOutcome = (typeof APPEAL_OUTCOMES)[number];

export function appealEventForOutcome(outcome: AppealOutcome): AppealEvent {
  return outcome === 'upheld' ? 'uphold' : outcome === 'changed' ? 'change' : 'withdraw_finding';
}

export const APPELLANT_ROLES = ['resource_holder', 'noticed_unit', 'reporter'] as const;
export type AppellantRole = (typeof APPELLANT_ROLES)[number];

/** What an appeal is against: a confirmed finding (and its notices), or a rejection. */
export type AppealSubject = 'finding' | 'rejection';

export const DEFAULT_APPEAL_PERIOD_DAYS = 15;

export interface AppealableCase {
  state: CaseState;
  /** When the verdict was given (confirmed or rejected). */
  finding_at: Date;
  reporting_org_ids: readonly string[];
  resource_holder_org_ids: readonly string[];
  /** Units that received notices from this finding, with when each was notified (latest notice). */
  noticed_units: readonly { org_id: string; notified_at: Date }[];
}

export type CanAppealResult =
  | { ok: true; role: AppellantRole; subject: AppealSubject; deadline: Date }
  | { ok: false; reason: 'nothing_to_appeal' | 'not_a_party' | 'period_expired' | 'already_open'; message: string };

/**
 * May this organization appeal this case now? A party with several roles gets the role whose
 * period ends last. The period is in calendar days and ends at 24:00 Beijing time of its last day
 * (the day of the finding or notice is not counted).
 */
export function canAppeal(input: {
  appellant_org_id: string;
  threat_case: AppealableCase;
  now: Date;
  period_days?: number;
  /** Organizations that already have an appeal open on this case. */
  open_appeal_org_ids?: readonly string[];
}): CanAppealResult {
  const c = input.threat_case;
  const days = input.period_days ?? DEFAULT_APPEAL_PERIOD_DAYS;
  if (!Number.isInteger(days) || days < 1) throw new Error('appeal period must be a whole number of days from 1');
  let subject: AppealSubject;
  if (c.state === 'rejected') subject = 'rejection';
  else if (c.state === 'confirmed' || c.state === 'decided' || c.state === 'handling' || c.state === 'closed') subject = 'finding';
  else return { ok: false, reason: 'nothing_to_appeal', message: `a case that is ${c.state} has no finding to appeal` };

  const org = input.appellant_org_id;
  const options: { role: AppellantRole; from: Date }[] = [];
  if (c.reporting_org_ids.includes(org)) options.push({ role: 'reporter', from: c.finding_at });
  if (subject === 'finding') {
    if (c.resource_holder_org_ids.includes(org)) options.push({ role: 'resource_holder', from: c.finding_at });
    const notices = c.noticed_units.filter((n) => n.org_id === org);
    if (notices.length) options.push({ role: 'noticed_unit', from: new Date(Math.max(...notices.map((n) => n.notified_at.getTime()))) });
  }
  if (options.length === 0)
    return {
      ok: false,
      reason: 'not_a_party',
      message:
        subject === 'rejection'
          ? 'only the reporter may appeal a rejection'
          : 'only the resource holder, a noticed unit or the reporter may appeal this finding',
    };
  if (input.open_appeal_org_ids?.includes(org)) return { ok: false, reason: 'already_open', message: 'this organization already has an appeal open on this case' };

  const calendar = DEFAULT_DEADLINE_POLICY.calendar;
  const best = options
    .map((o) => ({ role: o.role, deadline: addDuration(o.from, { days }, calendar) }))
    .sort((a, b) => b.deadline.getTime() - a.deadline.getTime())[0];
  if (input.now.getTime() >= best.deadline.getTime())
    return { ok: false, reason: 'period_expired', message: `the ${days}-day appeal period ended at ${best.deadline.toISOString()}` };
  return { ok: true, role: best.role, subject, deadline: best.deadline };
}

/** Organizations that must not review the appeal; pass to assignment.ts `chooseInstitution`. */
export function reviewerExclusions(input: {
  identifying_org_ids: readonly string[];
  reporting_org_ids: readonly string[];
  appellant_org_id: string;
}): string[] {
  return [...new Set([...input.identifying_org_ids, ...input.reporting_org_ids, input.appellant_org_id])];
}

/** Refuse a reviewer that identified the case, reported it, or is the appellant. */
export function checkReviewer(input: {
  reviewer_org_id: string;
  identifying_org_ids: readonly string[];
  reporting_org_ids: readonly string[];
  appellant_org_id: string;
}): { field: string; message: string } | null {
  if (input.identifying_org_ids.includes(input.reviewer_org_id))
    return { field: '/reviewer_org_id', message: 'the review goes to a different institution than the one that identified the case' };
  if (input.reporting_org_ids.includes(input.reviewer_org_id))
    return { field: '/reviewer_org_id', message: 'an institution never reviews a case its own organization reported' };
  if (input.reviewer_org_id === input.appellant_org_id) return { field: '/reviewer_org_id', message: 'the appellant cannot review its own appeal' };
  return null;
}

export function allowedAppealOutcomes(subject: AppealSubject): AppealOutcome[] {
  return subject === 'rejection' ? ['upheld', 'changed'] : ['upheld', 'changed', 'withdrawn'];
}

export interface AppealEffects {
  /** The event to fire on the threat case, if any (case-state.ts). */
  case_event: Extract<CaseEvent, 'review_changed' | 'review_withdrawn'> | null;
  /** What happens to the notices from the finding. */
  notices: 'keep' | 'redecide' | 'withdraw_all';
  /** Notices suspended during the review resume (notice `resume`). */
  resume_suspended: boolean;
  /** Units that carried out a measure are sent a signed `restoration` document. */
  restore_service: boolean;
}

/**
 * What an outcome does to the case and its notices. `changed` hands the case back to the
 * regulator (`confirmed`), who decides again: notices the new decision keeps stay, the others are
 * withdrawn with restoration; that choice is the regulator's, hence `redecide`.
 */
export function appealOutcomeEffects(outcome: AppealOutcome, subject: AppealSubject): { ok: true; effects: AppealEffects } | { ok: false; allowed: AppealOutcome[] } {
  if (!allowedAppealOutcomes(subject).includes(outcome)) return { ok: false, allowed: allowedAppealOutcomes(subject) };
  switch (outcome) {
    case 'upheld':
      return { ok: true, effects: { case_event: null, notices: 'keep', resume_suspended: true, restore_service: false } };
    case 'changed':
      return {
        ok: true,
        effects: { case_event: 'review_changed', notices: subject === 'rejection' ? 'keep' : 'redecide', resume_suspended: false, restore_service: false },
      };
    case 'withdrawn':
      return { ok: true, effects: { case_event: 'review_withdrawn', notices: 'withdraw_all', resume_suspended: false, restore_service: true } };
  }
}
