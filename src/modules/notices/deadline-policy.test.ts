import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_DEADLINE_POLICY,
  parseDeadlinePolicy,
  computeDeadline,
  addDuration,
  isWorkingDay,
  reminderTimes,
  isOverdue,
  writtenNoticeDueAt,
  isWrittenNoticeLate,
  periodFor,
  type DeadlinePolicy,
} from './deadline-policy.js';
import { MEASURE_CODES } from '../decisions/measures.js';
import { Problem } from '../../lib/problem.js';

const at = (s: string) => new Date(s);
const MON = at('2026-01-05T02:00:00Z'); // Monday 10:00 in Beijing

function policyWith(input: unknown): DeadlinePolicy {
  const r = parseDeadlinePolicy(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

describe('default deadlines (DESIGN.md "Policies")', () => {
  const table: [string, Parameters<typeof computeDeadline>[0], boolean, string | null][] = [
    ['emergency IP block: 2 h', 'block_ip', true, '2026-01-05T04:00:00.000Z'],
    ['emergency domain block: 2 h', 'block_domain', true, '2026-01-05T04:00:00.000Z'],
    ['emergency URL block: 2 h', 'block_url', true, '2026-01-05T04:00:00.000Z'],
    ['ordinary IP block: 24 h', 'block_ip', false, '2026-01-06T02:00:00.000Z'],
    ['stop of service: 24 h', 'stop_service', false, '2026-01-06T02:00:00.000Z'],
    ['stop of a phone number, even in an emergency: 24 h', 'stop_phone_number', true, '2026-01-06T02:00:00.000Z'],
    ['malware removal: 48 h', 'remove_malware', false, '2026-01-07T02:00:00.000Z'],
    ['remediation: 5 working days, to the end of Monday next week', 'remediate_vulnerability', false, '2026-01-12T16:00:00.000Z'],
    ['remediation of a compromise: same', 'remediate_compromise', true, '2026-01-12T16:00:00.000Z'],
    ['superior-authority notification: no deadline', 'notify_superior_authority', false, null],
    ['other technical measures: 48 h', 'other_technical', false, '2026-01-07T02:00:00.000Z'],
  ];
  for (const [name, measure, emergency, expected] of table) {
    test(name, () => {
      assert.equal(computeDeadline(measure, { emergency, issued_at: MON })?.toISOString() ?? null, expected);
    });
  }

  test('every measure has a rule', () => {
    for (const m of MEASURE_CODES) assert.ok(m in DEFAULT_DEADLINE_POLICY.measures, m);
  });
  test('written notice after a phone call: 24 h', () => {
    assert.equal(writtenNoticeDueAt(MON).toISOString(), '2026-01-06T02:00:00.000Z');
  });
});

describe('working days', () => {
  const wd = { working_days: 5 } as const;
  const cal = DEFAULT_DEADLINE_POLICY.calendar;
  const table: [string, string, typeof cal, string][] = [
    ['issued on Friday: Mon–Fri next week', '2026-01-09T02:00:00Z', cal, '2026-01-16T16:00:00.000Z'],
    ['issued on Saturday: the same', '2026-01-10T02:00:00Z', cal, '2026-01-16T16:00:00.000Z'],
    ['Thursday 23:59 Beijing counts from Friday', '2026-01-08T15:59:00Z', cal, '2026-01-15T16:00:00.000Z'],
    ['Friday 00:00 Beijing (Thursday UTC) counts from Monday', '2026-01-08T16:00:00Z', cal, '2026-01-16T16:00:00.000Z'],
    ['a holiday is skipped', '2026-01-09T02:00:00Z', { ...cal, holidays: ['2026-01-12'] }, '2026-01-19T16:00:00.000Z'],
    ['a make-up working Saturday counts', '2026-01-09T02:00:00Z', { ...cal, working_days: ['2026-01-10'] }, '2026-01-15T16:00:00.000Z'],
  ];
  for (const [name, start, calendar, expected] of table) {
    test(name, () => assert.equal(addDuration(at(start), wd, calendar).toISOString(), expected));
  }

  test('calendar days end at 24:00 Beijing of the last day', () => {
    assert.equal(addDuration(MON, { days: 15 }).toISOString(), '2026-01-20T16:00:00.000Z');
  });
  test('isWorkingDay', () => {
    assert.deepEqual(['2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12'].map((d) => isWorkingDay(d)), [true, false, false, true]);
  });
  test('a calendar without working days fails loudly instead of looping', () => {
    const holidays: string[] = [];
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2037, 0, 1); t += 86_400_000) holidays.push(new Date(t).toISOString().slice(0, 10));
    assert.throws(() => addDuration(MON, { working_days: 1 }, { utc_offset_minutes: 480, holidays, working_days: [] }), /no working days/);
  });

  test('property: N working days end on a working day, strictly after the issue day, and grow with N', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), fc.integer({ min: 1, max: 30 }), (start, n) => {
        const end = addDuration(start, { working_days: n });
        const lastDay = new Date(end.getTime() + 8 * 3_600_000 - 1).toISOString().slice(0, 10);
        assert.ok(isWorkingDay(lastDay));
        assert.ok(end.getTime() > start.getTime() + 86_400_000 * n);
        assert.ok(addDuration(start, { working_days: n + 1 }).getTime() > end.getTime());
        // end is exactly Beijing midnight
        assert.equal((end.getTime() + 8 * 3_600_000) % 86_400_000, 0);
      }),
    );
  });
});

describe('policy precedence and overrides', () => {
  const policy = policyWith({
    measures: { block_ip: { by_severity: { particularly_major: { hours: 4 } } }, stop_service: { emergency: { hours: 6 } } },
  });
  test('emergency beats severity', () => {
    assert.deepEqual(periodFor('block_ip', { emergency: true, severity: 'particularly_major', policy }), { hours: 2 });
  });
  test('severity beats ordinary', () => {
    assert.deepEqual(periodFor('block_ip', { emergency: false, severity: 'particularly_major', policy }), { hours: 4 });
    assert.deepEqual(periodFor('block_ip', { emergency: false, severity: 'general', policy }), { hours: 24 });
  });
  test('a policy can give a measure an emergency period', () => {
    assert.equal(computeDeadline('stop_service', { emergency: true, issued_at: MON, policy })?.toISOString(), '2026-01-05T08:00:00.000Z');
  });
  test('the regulator overrides with a period', () => {
    assert.equal(computeDeadline('remediate_vulnerability', { emergency: false, issued_at: MON, override: { hours: 1 } })?.toISOString(), '2026-01-05T03:00:00.000Z');
  });
  test('the regulator overrides with an instant', () => {
    const when = at('2026-02-01T00:00:00Z');
    assert.equal(computeDeadline('block_ip', { emergency: true, issued_at: MON, override: when }), when);
  });
  test('an override not after issue is refused with validation_failed', () => {
    for (const override of [MON, at('2025-01-01T00:00:00Z'), { hours: -1 } as never]) {
      assert.throws(
        () => computeDeadline('block_ip', { emergency: false, issued_at: MON, override }),
        (e: unknown) => e instanceof Problem && e.code === 'validation_failed',
      );
    }
  });
});

describe('parseDeadlinePolicy', () => {
  test('an empty object gives the defaults', () => {
    assert.deepEqual(parseDeadlinePolicy({}), { ok: true, policy: DEFAULT_DEADLINE_POLICY });
  });
  test('merges a partial policy', () => {
    const p = policyWith({
      measures: { remove_malware: { ordinary: { hours: 72 } }, notify_superior_authority: { ordinary: { days: 3 } } },
      reminders: [0.9, 0.25, 0.9],
      calendar: { holidays: ['2026-10-01', '2026-10-02'], working_days: ['2026-09-27'] },
      written_notice_after_phone: { hours: 12 },
    });
    assert.deepEqual(p.measures.remove_malware, { ordinary: { hours: 72 } });
    assert.deepEqual(p.measures.block_ip, DEFAULT_DEADLINE_POLICY.measures.block_ip);
    assert.deepEqual(p.reminders, [0.25, 0.9]);
    assert.deepEqual(p.calendar.holidays, ['2026-10-01', '2026-10-02']);
    assert.deepEqual(p.written_notice_after_phone, { hours: 12 });
  });
  const bad: [string, unknown, string[]][] = [
    ['not an object', [], ['']],
    ['unknown top-level key', { reminder: [0.5] }, ['/reminder']],
    ['unknown measure', { measures: { nuke: { ordinary: { hours: 1 } } } }, ['/measures/nuke']],
    ['two units in a period', { measures: { block_ip: { ordinary: { hours: 1, days: 1 } } } }, ['/measures/block_ip/ordinary']],
    ['negative hours', { measures: { block_ip: { emergency: { hours: -2 } } } }, ['/measures/block_ip/emergency/hours']],
    ['fractional working days', { measures: { remove_malware: { ordinary: { working_days: 1.5 } } } }, ['/measures/remove_malware/ordinary/working_days']],
    ['unknown unit', { written_notice_after_phone: { weeks: 1 } }, ['/written_notice_after_phone/weeks']],
    ['unknown severity', { measures: { block_ip: { by_severity: { catastrophic: { hours: 1 } } } } }, ['/measures/block_ip/by_severity/catastrophic']],
    ['misspelt rule field', { measures: { block_ip: { emergancy: { hours: 1 } } } }, ['/measures/block_ip/emergancy']],
    ['reminder at 100%', { reminders: [0.5, 1] }, ['/reminders']],
    ['bad holiday date', { calendar: { holidays: ['2026-02-30'] } }, ['/calendar/holidays/0']],
    ['same date holiday and working day', { calendar: { holidays: ['2026-10-01'], working_days: ['2026-10-01'] } }, ['/calendar']],
    ['bad offset', { calendar: { utc_offset_minutes: 9999 } }, ['/calendar/utc_offset_minutes']],
    [
      'reports every problem at once',
      { measures: { block_ip: { ordinary: {} } }, reminders: 'often', calendar: { holidays: 'none' } },
      ['/measures/block_ip/ordinary', '/reminders', '/calendar/holidays'],
    ],
  ];
  for (const [name, input, fields] of bad) {
    test(`refuses: ${name}`, () => {
      const r = parseDeadlinePolicy(input);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.deepEqual(r.errors.map((e) => e.field), fields);
        for (const e of r.errors) assert.ok(e.message.length > 10);
      }
    });
  }
});

describe('reminders, overdue, written notice', () => {
  test('reminders at 50% and 90% of the period', () => {
    const deadline = computeDeadline('block_ip', { emergency: false, issued_at: MON });
    assert.deepEqual(reminderTimes({ issued_at: MON, deadline }).map((d) => d.toISOString()), ['2026-01-05T14:00:00.000Z', '2026-01-05T23:36:00.000Z']);
    assert.deepEqual(reminderTimes({ issued_at: MON, deadline: null }), []);
    assert.deepEqual(reminderTimes({ issued_at: MON, deadline: MON }), []);
  });
  test('isOverdue', () => {
    const deadline = at('2026-01-06T02:00:00Z');
    assert.equal(isOverdue({ deadline, now: at('2026-01-06T01:59:59Z') }), false);
    assert.equal(isOverdue({ deadline, now: deadline }), true);
    assert.equal(isOverdue({ deadline, now: at('2026-01-07T00:00:00Z'), state: 'delivered' }), true);
    assert.equal(isOverdue({ deadline, now: at('2026-01-07T00:00:00Z'), state: 'result_reported' }), false);
    assert.equal(isOverdue({ deadline, now: at('2026-01-07T00:00:00Z'), state: 'verified' }), false);
    assert.equal(isOverdue({ deadline: null, now: at('2030-01-01T00:00:00Z') }), false);
  });
  test('written notice lateness', () => {
    const phone = MON;
    assert.equal(isWrittenNoticeLate({ phone_notified_at: phone, written_issued_at: at('2026-01-06T01:00:00Z'), now: at('2026-02-01T00:00:00Z') }), false);
    assert.equal(isWrittenNoticeLate({ phone_notified_at: phone, written_issued_at: at('2026-01-06T03:00:00Z'), now: at('2026-01-06T03:00:00Z') }), true);
    assert.equal(isWrittenNoticeLate({ phone_notified_at: phone, written_issued_at: null, now: at('2026-01-06T01:00:00Z') }), false);
    assert.equal(isWrittenNoticeLate({ phone_notified_at: phone, written_issued_at: null, now: at('2026-01-06T02:00:01Z') }), true);
    const strict = policyWith({ written_notice_after_phone: { hours: 1 } });
    assert.equal(isWrittenNoticeLate({ phone_notified_at: phone, written_issued_at: null, now: at('2026-01-05T03:30:00Z'), policy: strict }), true);
  });
});
