import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  ENFORCEMENT_STATES,
  ENFORCEMENT_EVENTS,
  nextEnforcementState,
  allowedEnforcementEvents,
  checkStandingSuspension,
  isStandingSuspended,
  type EnforcementState,
  type EnforcementEvent,
  type StandingSuspension,
} from './enforcement-state.js';

const EXPECTED: Record<EnforcementState, Partial<Record<EnforcementEvent, EnforcementState>>> = {
  opened: { hold_interview: 'interview_held', order_rectification: 'rectification_ordered', decide_penalty: 'penalty_decided', dismiss: 'dismissed' },
  interview_held: { order_rectification: 'rectification_ordered', decide_penalty: 'penalty_decided', dismiss: 'dismissed' },
  rectification_ordered: { decide_penalty: 'penalty_decided', close: 'closed', dismiss: 'dismissed' },
  penalty_decided: { close: 'closed' },
  closed: {},
  dismissed: {},
};

describe('enforcement state machine', () => {
  for (const state of ENFORCEMENT_STATES) {
    for (const event of ENFORCEMENT_EVENTS) {
      const to = EXPECTED[state][event];
      test(`${state} --${event}--> ${to ?? 'refused'}`, () => {
        const r = nextEnforcementState(state, event);
        if (to) assert.deepEqual(r, { ok: true, state: to });
        else {
          assert.equal(r.ok, false);
          if (!r.ok) assert.deepEqual([...r.allowed].sort(), Object.keys(EXPECTED[state]).sort());
        }
      });
    }
  }
  test('closed and dismissed are terminal', () => {
    assert.deepEqual(ENFORCEMENT_STATES.filter((s) => allowedEnforcementEvents(s).length === 0), ['closed', 'dismissed']);
  });
  test('a decided penalty cannot be dismissed', () => {
    assert.deepEqual(nextEnforcementState('penalty_decided', 'dismiss'), { ok: false, allowed: ['close'] });
  });
});

describe('standing suspension', () => {
  const s: StandingSuspension = {
    org_id: 'cloud',
    suspended_from: '2021-12-22',
    suspended_until: '2022-06-21',
    reasons: ['Late reporting of a critical vulnerability'],
    decided_by_org_id: 'miit',
    enforcement_case_id: null,
    lifted_at: null,
  };
  const table: [string, Partial<StandingSuspension>, string | null][] = [
    ['a six-month suspension', {}, null],
    ['a one-day suspension', { suspended_until: '2021-12-22' }, null],
    ['ends before it starts', { suspended_until: '2021-12-21' }, '/suspended_until'],
    ['bad date', { suspended_from: '2021-13-01' }, '/suspended_from'],
    ['timestamp instead of date', { suspended_until: '2022-06-21T00:00:00Z' }, '/suspended_until'],
    ['too long', { suspended_until: '2030-01-01' }, '/suspended_until'],
    ['no reasons', { reasons: [' '] }, '/reasons'],
    ['no unit', { org_id: '' }, '/org_id'],
    ['no regulator', { decided_by_org_id: '' }, '/decided_by_org_id'],
  ];
  for (const [name, patch, field] of table) test(`check: ${name}`, () => assert.equal(checkStandingSuspension({ ...s, ...patch })?.field ?? null, field));

  test('is in force on both end dates, in Beijing time', () => {
    assert.equal(isStandingSuspended(s, new Date('2021-12-21T15:59:59Z')), false);
    assert.equal(isStandingSuspended(s, new Date('2021-12-21T16:00:00Z')), true);
    assert.equal(isStandingSuspended(s, new Date('2022-06-21T15:59:59Z')), true);
    assert.equal(isStandingSuspended(s, new Date('2022-06-21T16:00:00Z')), false);
  });
  test('lifted early', () => {
    const lifted = { ...s, lifted_at: '2022-03-01T00:00:00Z' };
    assert.equal(isStandingSuspended(lifted, new Date('2022-02-28T00:00:00Z')), true);
    assert.equal(isStandingSuspended(lifted, new Date('2022-03-01T00:00:00Z')), false);
  });
});
