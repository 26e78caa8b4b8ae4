/**
 * The handling notice lifecycle (Articles 8 and 9 of the Measures).
 *
 *   phone_notified ──issue_written──▶ issued ──acknowledge──▶ delivered ──report_result──▶ result_reported ──verify──▶ verified
 *                                       │                        │                           │  ▲
 *                                       │                        │                  send_back│  │report_result
 *                                       │                        │                           ▼  │
 *                                       └──deadline_passed───────┴──────▶ overdue ◀──────── sent_back
 *
 * - `phone_notified`: an emergency (Art. 8): the unit was called first and the call is recorded;
 *   the written, signed notice must follow (deadline-policy.ts `writtenNoticeDueAt`). The measure's
 *   deadline runs from the call, but the notice cannot go overdue, nor take a result, until the
 *   written notice exists: the signed document is what a result and an escalation refer to.
 * - `issued` → `delivered`: delivery by pull or webhook is not enough; the unit's acknowledgment
 *   is the legal delivery time.
 * - `result_reported` → `verified` | `sent_back` (with reasons) → `result_reported` again (Art. 9).
 * - `overdue`: the deadline passed without an accepted result; the sweep fires `deadline_passed`
 *   and opens an enforcement case (Art. 13). The unit must still act: a late result is accepted
 *   (`report_result` from `overdue`), and a late acknowledgment is recorded without leaving
 *   `overdue`. A result reported in time is not overdue while it waits for verification.
 * - `suspended`: during an appeal (复核) the regulator may suspend the measure (DESIGN.md: measures
 *   stay in force unless suspended); the unit may lift it. `resume` returns the notice to `issued`,
 *   not to where it was: after a suspension the unit has to apply the measure again, acknowledge
 *   the resumption and report a new result, against a new deadline.
 * - `withdrawn`: terminal; the finding was withdrawn or the decision changed. If the measure had
 *   been carried out, the withdrawal document tells the unit to restore service.
 */
import { defineStateMachine, type TransitionResult } from '../../lib/state-machine.js';

export const NOTICE_STATES = [
  'phone_notified',
  'issued',
  'delivered',
  'result_reported',
  'sent_back',
  'verified',
  'overdue',
  'suspended',
  'withdrawn',
] as const;
export type NoticeState = (typeof NOTICE_STATES)[number];

export const NOTICE_EVENTS = [
  'issue_written',
  'acknowledge',
  'report_result',
  'verify',
  'send_back',
  'deadline_passed',
  'suspend',
  'resume',
  'withdraw',
] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

export const noticeMachine = defineStateMachine<NoticeState, NoticeEvent>({
  states: NOTICE_STATES,
  transitions: [
    { from: 'phone_notified', event: 'issue_written', to: 'issued' },
    { from: 'issued', event: 'acknowledge', to: 'delivered' },
    { from: 'overdue', event: 'acknowledge', to: 'overdue' },
    { from: ['delivered', 'sent_back', 'overdue'], event: 'report_result', to: 'result_reported' },
    { from: 'result_reported', event: 'verify', to: 'verified' },
    { from: 'result_reported', event: 'send_back', to: 'sent_back' },
    { from: ['issued', 'delivered', 'sent_back'], event: 'deadline_passed', to: 'overdue' },
    { from: ['issued', 'delivered', 'result_reported', 'sent_back', 'overdue', 'verified'], event: 'suspend', to: 'suspended' },
    { from: 'suspended', event: 'resume', to: 'issued' },
    {
      from: ['phone_notified', 'issued', 'delivered', 'result_reported', 'sent_back', 'overdue', 'verified', 'suspended'],
      event: 'withdraw',
      to: 'withdrawn',
    },
  ],
});

export function nextNoticeState(state: NoticeState, event: NoticeEvent): TransitionResult<NoticeState, NoticeEvent> {
  return noticeMachine.next(state, event);
}

export function allowedNoticeEvents(state: NoticeState): NoticeEvent[] {
  return noticeMachine.allowed(state);
}

/**
 * States in which the notice's deadline is running: the unit still owes a result. The deadline
 * sweep selects notices in these states with `deadline <= now` and fires `deadline_passed`.
 */
export const DEADLINE_RUNNING_STATES: readonly NoticeState[] = ['issued', 'delivered', 'sent_back'];

/** States in which the measure is in force at the unit (a withdrawal must then ask to restore). */
export const MEASURE_IN_FORCE_STATES: readonly NoticeState[] = [
  'phone_notified',
  'issued',
  'delivered',
  'result_reported',
  'sent_back',
  'verified',
  'overdue',
];

/** A notice with no further obligations for the unit (nothing left to sweep or remind). */
export function isNoticeSettled(state: NoticeState): boolean {
  return state === 'verified' || state === 'withdrawn' || state === 'suspended';
}

/**
 * Whether withdrawing a notice in this state must tell the unit to restore service (a
 * `restoration` document rather than a bare `withdrawal`): whenever the measure may be in force at
 * the unit. A unit may act on a notice it has pulled but not yet acknowledged, or on a phone call,
 * so every state before settlement counts; a suspended measure was already lifted.
 */
export function withdrawalRequiresRestoration(state: NoticeState): boolean {
  return MEASURE_IN_FORCE_STATES.includes(state);
}
