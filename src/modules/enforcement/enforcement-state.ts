/**
 * Enforcement cases (Art. 13 of the Measures: units that do not take the required measures are
 * punished under the Cybersecurity Law). A case is opened when a notice passes its deadline
 * without an accepted result (notice-state.ts `overdue`).
 *
 *   opened ──hold_interview──▶ interview_held ──order_rectification──▶ rectification_ordered ──decide_penalty──▶ penalty_decided ──close──▶ closed
 *     │  └────────────order_rectification───────────────────────────▶│
 *     ├──decide_penalty (harm already caused: the law allows a fine without a prior order)──▶ penalty_decided
 *     └──dismiss (any open state: notice withdrawn, delay justified, result verified) ──▶ dismissed
 *
 * The interview (约谈, CSL Art. 56) is optional; rectification ordered and then done closes the
 * case without a penalty (`close` from `rectification_ordered`). The penalty itself is validated
 * by legal-basis.ts `validatePenalty` and issued as a signed `penalty_decision` notice.
 */
import { defineStateMachine, type TransitionResult } from '../../lib/state-machine.js';
import { toChinaDate } from './legal-basis.js';

export const ENFORCEMENT_STATES = ['opened', 'interview_held', 'rectification_ordered', 'penalty_decided', 'closed', 'dismissed'] as const;
export type EnforcementState = (typeof ENFORCEMENT_STATES)[number];

export const ENFORCEMENT_EVENTS = ['hold_interview', 'order_rectification', 'decide_penalty', 'close', 'dismiss'] as const;
export type EnforcementEvent = (typeof ENFORCEMENT_EVENTS)[number];

export const enforcementMachine = defineStateMachine<EnforcementState, EnforcementEvent>({
  states: ENFORCEMENT_STATES,
  transitions: [
    { from: 'opened', event: 'hold_interview', to: 'interview_held' },
    { from: ['opened', 'interview_held'], event: 'order_rectification', to: 'rectification_ordered' },
    { from: ['opened', 'interview_held', 'rectification_ordered'], event: 'decide_penalty', to: 'penalty_decided' },
    { from: ['rectification_ordered', 'penalty_decided'], event: 'close', to: 'closed' },
    { from: ['opened', 'interview_held', 'rectification_ordered'], event: 'dismiss', to: 'dismissed' },
  ],
});

export function nextEnforcementState(state: EnforcementState, event: EnforcementEvent): TransitionResult<EnforcementState, EnforcementEvent> {
  return enforcementMachine.next(state, event);
}

export function allowedEnforcementEvents(state: EnforcementState): EnforcementEvent[] {
  return enforcementMachine.allowed(state);
}

/**
 * Suspension of a unit's standing as a cooperating unit of the platform (DESIGN.md "Policies"):
 * not a legal penalty, a platform measure, until a date and with reasons. MIIT did this to a major
 * cloud provider for six months in 2021 for late reporting of Log4j.
 */
export interface StandingSuspension {
  org_id: string;
  /** Inclusive, China local date `YYYY-MM-DD`. */
  suspended_from: string;
  /** Inclusive, China local date `YYYY-MM-DD`. */
  suspended_until: string;
  reasons: string[];
  /** The regulator that decided it. */
  decided_by_org_id: string;
  enforcement_case_id: string | null;
  /** Set when lifted early. */
  lifted_at: string | null;
}

const MAX_SUSPENSION_DAYS = 3 * 366;

/** Check a suspension before recording it; returns the first problem with its field, or null. */
export function checkStandingSuspension(s: Omit<StandingSuspension, 'lifted_at'> & { lifted_at?: string | null }): { field: string; message: string } | null {
  if (!s.org_id) return { field: '/org_id', message: 'the suspended unit is required' };
  if (!s.decided_by_org_id) return { field: '/decided_by_org_id', message: 'the deciding regulator is required' };
  const from = toChinaDate(s.suspended_from);
  const until = toChinaDate(s.suspended_until);
  if (!from || from !== s.suspended_from) return { field: '/suspended_from', message: 'a date YYYY-MM-DD' };
  if (!until || until !== s.suspended_until) return { field: '/suspended_until', message: 'a date YYYY-MM-DD' };
  if (until < from) return { field: '/suspended_until', message: 'the suspension ends on or after the day it starts' };
  const days = (Date.parse(`${until}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_SUSPENSION_DAYS) return { field: '/suspended_until', message: `a suspension lasts at most ${MAX_SUSPENSION_DAYS} days` };
  if (s.reasons.filter((r) => r.trim()).length === 0) return { field: '/reasons', message: 'a suspension states its reasons' };
  return null;
}

/** Is the unit's standing suspended at `now` (China local date)? */
export function isStandingSuspended(s: StandingSuspension, now: Date): boolean {
  const today = toChinaDate(now);
  if (!today) return false;
  if (s.lifted_at && Date.parse(s.lifted_at) <= now.getTime()) return false;
  return today >= s.suspended_from && today <= s.suspended_until;
}
