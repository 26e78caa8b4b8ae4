import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CASE_STATES,
  CASE_EVENTS,
  nextCaseState,
  allowedCaseEvents,
  caseEventForVerdict,
  checkVerdict,
  SEVERITY_CODES,
  isSeverity,
  type CaseState,
  type CaseEvent,
} from './case-state.js';

// The expected lifecycle, written out independently of the implementation's table:
// every (state, event) pair not listed here must be refused.
const EXPECTED: Record<CaseState, Partial<Record<CaseEvent, CaseState>>> = {
  open: { assign: 'identifying' },
  identifying: {
    reassign: 'identifying',
    decline: 'open',
    request_more_info: 'more_info_needed',
    confirm: 'confirmed',
    reject: 'rejected',
  },
  more_info_needed: { provide_info: 'identifying', reject: 'rejected' },
  confirmed: {
    return_to_identification: 'identifying',
    decide: 'decided',
    close_without_measures: 'closed',
    review_changed: 'confirmed',
    review_withdrawn: 'withdrawn',
  },
  rejected: { review_changed: 'confirmed' },
  decided: { issue_notices: 'handling', review_changed: 'confirmed', review_withdrawn: 'withdrawn' },
  handling: { decide: 'handling', close: 'closed', review_changed: 'confirmed', review_withdrawn: 'withdrawn' },
  closed: { review_changed: 'confirmed', review_withdrawn: 'withdrawn' },
  withdrawn: {},
};

describe('threat case state machine', () => {
  for (const state of CASE_STATES) {
    for (const event of CASE_EVENTS) {
      const to = EXPECTED[state][event];
      test(`${state} --${event}--> ${to ?? 'refused'}`, () => {
        const result = nextCaseState(state, event);
        if (to) assert.deepEqual(result, { ok: true, state: to });
        else {
          assert.equal(result.ok, false);
          if (!result.ok) assert.deepEqual([...result.allowed].sort(), Object.keys(EXPECTED[state]).sort());
        }
      });
    }
  }

  test('withdrawn is the only terminal state', () => {
    assert.deepEqual(
      CASE_STATES.filter((s) => allowedCaseEvents(s).length === 0),
      ['withdrawn'],
    );
  });

  test('every state is reachable from open', () => {
    const seen = new Set<CaseState>(['open']);
    const queue: CaseState[] = ['open'];
    while (queue.length) {
      const s = queue.shift()!;
      for (const e of allowedCaseEvents(s)) {
        const r = nextCaseState(s, e);
        if (r.ok && !seen.has(r.state)) {
          seen.add(r.state);
          queue.push(r.state);
        }
      }
    }
    assert.deepEqual([...seen].sort(), [...CASE_STATES].sort());
  });

  test('any random walk of accepted events stays inside the declared states', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CASE_EVENTS), { maxLength: 40 }), (events) => {
        let state: CaseState = 'open';
        for (const e of events) {
          const r = nextCaseState(state, e);
          if (r.ok) state = r.state;
          else assert.ok(!allowedCaseEvents(state).includes(e));
        }
        assert.ok(CASE_STATES.includes(state));
      }),
    );
  });
});

describe('verdicts', () => {
  test('map to case events', () => {
    assert.equal(caseEventForVerdict('confirmed'), 'confirm');
    assert.equal(caseEventForVerdict('rejected'), 'reject');
    assert.equal(caseEventForVerdict('more_info_needed'), 'request_more_info');
  });

  const cases: [string, Parameters<typeof checkVerdict>[0], string | null][] = [
    ['complete confirmation', { verdict: 'confirmed', severity: 'major', analysis: 'C2 seen', recommended_measures: ['block_ip'] }, null],
    ['confirmation with evidence only', { verdict: 'confirmed', severity: 'general', evidence_ids: ['e1'], recommended_measures: ['block_ip'] }, null],
    ['confirmation without severity', { verdict: 'confirmed', analysis: 'x', recommended_measures: ['block_ip'] }, '/severity'],
    ['confirmation with unknown severity', { verdict: 'confirmed', severity: 'huge' as never, analysis: 'x', recommended_measures: ['block_ip'] }, '/severity'],
    ['confirmation without analysis or evidence', { verdict: 'confirmed', severity: 'major', analysis: '  ', recommended_measures: ['block_ip'] }, '/analysis'],
    ['confirmation without measures', { verdict: 'confirmed', severity: 'major', analysis: 'x', recommended_measures: [] }, '/recommended_measures'],
    ['more info with questions', { verdict: 'more_info_needed', questions: ['Which host?'] }, null],
    ['more info with blank questions', { verdict: 'more_info_needed', questions: [' '] }, '/questions'],
    ['rejection with reasons', { verdict: 'rejected', reasons: 'benign CDN' }, null],
    ['rejection without reasons', { verdict: 'rejected' }, '/reasons'],
  ];
  for (const [name, input, field] of cases) {
    test(`checkVerdict: ${name}`, () => {
      assert.equal(checkVerdict(input)?.field ?? null, field);
    });
  }

  test('severity scale has the four grades of the 2017 emergency plan', () => {
    assert.deepEqual(SEVERITY_CODES, ['particularly_major', 'major', 'relatively_major', 'general']);
    assert.equal(isSeverity('major'), true);
    assert.equal(isSeverity('toString'), false);
  });
});
