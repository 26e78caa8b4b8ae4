import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  NOTICE_STATES,
  NOTICE_EVENTS,
  nextNoticeState,
  allowedNoticeEvents,
  DEADLINE_RUNNING_STATES,
  isNoticeSettled,
  withdrawalRequiresRestoration,
  type NoticeState,
  type NoticeEvent,
} from './notice-state.js';

const EXPECTED: Record<NoticeState, Partial<Record<NoticeEvent, NoticeState>>> = {
  phone_notified: { issue_written: 'issued', withdraw: 'withdrawn' },
  issued: { acknowledge: 'delivered', deadline_passed: 'overdue', suspend: 'suspended', withdraw: 'withdrawn' },
  delivered: { report_result: 'result_reported', deadline_passed: 'overdue', suspend: 'suspended', withdraw: 'withdrawn' },
  result_reported: { verify: 'verified', send_back: 'sent_back', suspend: 'suspended', withdraw: 'withdrawn' },
  sent_back: { report_result: 'result_reported', deadline_passed: 'overdue', suspend: 'suspended', withdraw: 'withdrawn' },
  verified: { suspend: 'suspended', withdraw: 'withdrawn' },
  overdue: { acknowledge: 'overdue', report_result: 'result_reported', suspend: 'suspended', withdraw: 'withdrawn' },
  suspended: { resume: 'issued', withdraw: 'withdrawn' },
  withdrawn: {},
};

describe('notice state machine', () => {
  for (const state of NOTICE_STATES) {
    for (const event of NOTICE_EVENTS) {
      const to = EXPECTED[state][event];
      test(`${state} --${event}--> ${to ?? 'refused'}`, () => {
        const r = nextNoticeState(state, event);
        if (to) assert.deepEqual(r, { ok: true, state: to });
        else {
          assert.equal(r.ok, false);
          if (!r.ok) assert.deepEqual([...r.allowed].sort(), Object.keys(EXPECTED[state]).sort());
        }
      });
    }
  }

  test('withdrawn is the only terminal state and every state can be withdrawn', () => {
    assert.deepEqual(NOTICE_STATES.filter((s) => allowedNoticeEvents(s).length === 0), ['withdrawn']);
    for (const s of NOTICE_STATES) if (s !== 'withdrawn') assert.ok(allowedNoticeEvents(s).includes('withdraw'), s);
  });

  test('deadline_passed is allowed exactly in the deadline-running states', () => {
    assert.deepEqual(
      NOTICE_STATES.filter((s) => allowedNoticeEvents(s).includes('deadline_passed')),
      [...DEADLINE_RUNNING_STATES],
    );
  });

  test('a phone-first notice cannot take a result before the written notice', () => {
    assert.equal(nextNoticeState('phone_notified', 'report_result').ok, false);
    assert.equal(nextNoticeState('phone_notified', 'deadline_passed').ok, false);
  });

  test('property: once verified, only suspension or withdrawal can change the notice', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...NOTICE_EVENTS), { maxLength: 30 }), (events) => {
        let s: NoticeState = 'verified';
        for (const e of events) {
          const r = nextNoticeState(s, e);
          if (!r.ok) continue;
          if (s === 'verified') assert.ok(e === 'suspend' || e === 'withdraw');
          s = r.state;
        }
      }),
    );
  });

  test('property: the happy path from issue to verification', () => {
    let s: NoticeState = 'issued';
    for (const e of ['acknowledge', 'report_result', 'send_back', 'report_result', 'verify'] as const) {
      const r = nextNoticeState(s, e);
      assert.ok(r.ok, `${s} --${e}`);
      s = r.state;
    }
    assert.equal(s, 'verified');
  });

  test('settled states and restoration on withdrawal', () => {
    assert.deepEqual(NOTICE_STATES.filter(isNoticeSettled), ['verified', 'suspended', 'withdrawn']);
    assert.deepEqual(
      NOTICE_STATES.filter(withdrawalRequiresRestoration),
      ['phone_notified', 'issued', 'delivered', 'result_reported', 'sent_back', 'verified', 'overdue'],
    );
  });
});
