import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  APPEAL_STATES,
  APPEAL_EVENTS,
  APPEAL_OUTCOMES,
  nextAppealState,
  allowedAppealEvents,
  appealEventForOutcome,
  canAppeal,
  reviewerExclusions,
  checkReviewer,
  appealOutcomeEffects,
  type AppealState,
  type AppealEvent,
  type AppealableCase,
} from './appeal-state.js';
import { chooseInstitution } from '../identification/assignment.js';
import { nextCaseState, CASE_STATES } from '../identification/case-state.js';

const EXPECTED: Record<AppealState, Partial<Record<AppealEvent, AppealState>>> = {
  submitted: { assign: 'under_review', cancel: 'cancelled' },
  under_review: { reassign: 'under_review', uphold: 'upheld', change: 'changed', withdraw_finding: 'withdrawn', cancel: 'cancelled' },
  upheld: {},
  changed: {},
  withdrawn: {},
  cancelled: {},
};

describe('appeal state machine', () => {
  for (const state of APPEAL_STATES) {
    for (const event of APPEAL_EVENTS) {
      const to = EXPECTED[state][event];
      test(`${state} --${event}--> ${to ?? 'refused'}`, () => {
        const r = nextAppealState(state, event);
        if (to) assert.deepEqual(r, { ok: true, state: to });
        else {
          assert.equal(r.ok, false);
          if (!r.ok) assert.deepEqual([...r.allowed].sort(), Object.keys(EXPECTED[state]).sort());
        }
      });
    }
  }
  test('each outcome is reached by its event', () => {
    for (const o of APPEAL_OUTCOMES) assert.deepEqual(nextAppealState('under_review', appealEventForOutcome(o)), { ok: true, state: o });
  });
  test('outcomes and cancellation are terminal', () => {
    assert.deepEqual(APPEAL_STATES.filter((s) => allowedAppealEvents(s).length === 0), ['upheld', 'changed', 'withdrawn', 'cancelled']);
  });
});

const finding_at = new Date('2026-01-05T02:00:00Z'); // Monday 10:00 Beijing
const threatCase: AppealableCase = {
  state: 'handling',
  finding_at,
  reporting_org_ids: ['vendor'],
  resource_holder_org_ids: ['holder'],
  noticed_units: [
    { org_id: 'ct-gd', notified_at: new Date('2026-01-06T02:00:00Z') },
    { org_id: 'ct-gd', notified_at: new Date('2026-01-10T02:00:00Z') },
  ],
};
const END_OF_FINDING_PERIOD = '2026-01-20T16:00:00.000Z'; // 24:00 Beijing, 15 days after
const END_OF_NOTICE_PERIOD = '2026-01-25T16:00:00.000Z';

describe('canAppeal', () => {
  const now = new Date('2026-01-08T00:00:00Z');
  test('the resource holder, within 15 days of the finding', () => {
    assert.deepEqual(canAppeal({ appellant_org_id: 'holder', threat_case: threatCase, now }), {
      ok: true,
      role: 'resource_holder',
      subject: 'finding',
      deadline: new Date(END_OF_FINDING_PERIOD),
    });
  });
  test('a noticed unit, from its latest notice', () => {
    const r = canAppeal({ appellant_org_id: 'ct-gd', threat_case: threatCase, now: new Date('2026-01-22T00:00:00Z') });
    assert.deepEqual(r, { ok: true, role: 'noticed_unit', subject: 'finding', deadline: new Date(END_OF_NOTICE_PERIOD) });
  });
  test('the reporter', () => {
    const r = canAppeal({ appellant_org_id: 'vendor', threat_case: threatCase, now });
    assert.equal(r.ok && r.role, 'reporter');
  });
  test('a party with two roles gets the later period', () => {
    const r = canAppeal({ appellant_org_id: 'ct-gd', threat_case: { ...threatCase, resource_holder_org_ids: ['ct-gd'] }, now });
    assert.equal(r.ok && r.role, 'noticed_unit');
  });
  test('the reporter appeals a rejection; nobody else can', () => {
    const rejected = { ...threatCase, state: 'rejected' as const };
    assert.deepEqual(canAppeal({ appellant_org_id: 'vendor', threat_case: rejected, now }), {
      ok: true,
      role: 'reporter',
      subject: 'rejection',
      deadline: new Date(END_OF_FINDING_PERIOD),
    });
    const r = canAppeal({ appellant_org_id: 'holder', threat_case: rejected, now });
    assert.equal(!r.ok && r.reason, 'not_a_party');
  });
  const refusals: [string, Parameters<typeof canAppeal>[0], string][] = [
    ['an outsider', { appellant_org_id: 'someone', threat_case: threatCase, now }, 'not_a_party'],
    ['the last instant of the period', { appellant_org_id: 'holder', threat_case: threatCase, now: new Date(END_OF_FINDING_PERIOD) }, 'period_expired'],
    ['a shorter configured period', { appellant_org_id: 'holder', threat_case: threatCase, now, period_days: 2 }, 'period_expired'],
    ['a second open appeal', { appellant_org_id: 'holder', threat_case: threatCase, now, open_appeal_org_ids: ['holder'] }, 'already_open'],
    ['a case still being identified', { appellant_org_id: 'holder', threat_case: { ...threatCase, state: 'identifying' }, now }, 'nothing_to_appeal'],
    ['a withdrawn case', { appellant_org_id: 'holder', threat_case: { ...threatCase, state: 'withdrawn' }, now }, 'nothing_to_appeal'],
  ];
  for (const [name, input, reason] of refusals) {
    test(`refuses ${name}`, () => {
      const r = canAppeal(input);
      assert.equal(r.ok ? 'ok' : r.reason, reason);
    });
  }
  test('one instant before the end is still in time', () => {
    const r = canAppeal({ appellant_org_id: 'holder', threat_case: threatCase, now: new Date(Date.parse(END_OF_FINDING_PERIOD) - 1) });
    assert.equal(r.ok, true);
  });
  test('property: an appeal allowed at t is allowed at any earlier time after the finding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 86_400_000 }), fc.integer({ min: 0, max: 30 * 86_400_000 }), (a, b) => {
        const [early, late] = a < b ? [a, b] : [b, a];
        const at = (ms: number) => canAppeal({ appellant_org_id: 'holder', threat_case: threatCase, now: new Date(finding_at.getTime() + ms) }).ok;
        if (at(late)) assert.equal(at(early), true);
      }),
    );
  });
});

describe('reviewer', () => {
  const parties = { identifying_org_ids: ['cncert'], reporting_org_ids: ['vendor'], appellant_org_id: 'holder' };
  test('exclusions feed chooseInstitution: a different institution reviews', () => {
    const excl = reviewerExclusions(parties);
    assert.deepEqual(excl, ['cncert', 'vendor', 'holder']);
    const chosen = chooseInstitution(
      [
        { org_id: 'cncert', categories: ['incident'], open_load: 0 },
        { org_id: 'caict', categories: ['incident'], open_load: 5 },
      ],
      { category: 'incident', reporting_org_ids: ['vendor'] },
      excl,
    );
    assert.equal(chosen, 'caict');
  });
  test('checkReviewer', () => {
    assert.equal(checkReviewer({ ...parties, reviewer_org_id: 'caict' }), null);
    assert.match(checkReviewer({ ...parties, reviewer_org_id: 'cncert' })!.message, /different institution/);
    assert.match(checkReviewer({ ...parties, reviewer_org_id: 'vendor' })!.message, /reported/);
    assert.match(checkReviewer({ ...parties, reviewer_org_id: 'holder' })!.message, /appellant/);
  });
});

describe('appealOutcomeEffects', () => {
  test('upheld: nothing changes, suspended notices resume', () => {
    assert.deepEqual(appealOutcomeEffects('upheld', 'finding'), { ok: true, effects: { case_event: null, notices: 'keep', resume_suspended: true, restore_service: false } });
  });
  test('changed: the regulator decides again', () => {
    assert.deepEqual(appealOutcomeEffects('changed', 'finding'), { ok: true, effects: { case_event: 'review_changed', notices: 'redecide', resume_suspended: false, restore_service: false } });
  });
  test('withdrawn: all notices withdrawn and service restored', () => {
    assert.deepEqual(appealOutcomeEffects('withdrawn', 'finding'), { ok: true, effects: { case_event: 'review_withdrawn', notices: 'withdraw_all', resume_suspended: false, restore_service: true } });
  });
  test('a rejection cannot be "withdrawn"', () => {
    assert.deepEqual(appealOutcomeEffects('withdrawn', 'rejection'), { ok: false, allowed: ['upheld', 'changed'] });
  });
  test('every effect is a legal case transition from every appealable case state', () => {
    for (const state of CASE_STATES) {
      for (const outcome of APPEAL_OUTCOMES) {
        const subject = state === 'rejected' ? 'rejection' : 'finding';
        const c = canAppeal({ appellant_org_id: 'vendor', threat_case: { ...threatCase, state }, now: new Date('2026-01-06T00:00:00Z') });
        if (!c.ok) continue;
        const e = appealOutcomeEffects(outcome, subject);
        if (!e.ok || !e.effects.case_event) continue;
        assert.equal(nextCaseState(state, e.effects.case_event).ok, true, `${state} ${outcome}`);
      }
    }
  });
});
