/**
 * Deadlines for handling notices. The Measures set no statutory deadline (DESIGN.md "Policies"):
 * the regulator sets one per notice, from a policy with these defaults, and may override it.
 *
 *   emergency block of an IP, domain or URL   2 h
 *   ordinary block or stop of service          24 h
 *   malware removal                            48 h
 *   remediation (vulnerability, compromise)    5 working days
 *   written notice after a phone notification  24 h
 *   reminders                                  at 50 % and 90 % of the period
 *
 * Periods are either elapsed hours (blocks run around the clock) or calendar/working days.
 * Day periods follow the usual Chinese administrative convention: the day of issue is not
 * counted and the period ends at 24:00 (China time, UTC+8, no daylight saving) of the last day;
 * working days skip Saturdays, Sundays and the listed public holidays, and count the listed
 * make-up working weekend days (调休). The State Council publishes the holiday schedule each year:
 * the policy file carries it, the code does not guess it.
 *
 * Precedence for one notice: the deciding regulator's override, then the emergency period (if the
 * notice is an emergency and the measure has one), then the period for the case's severity (if the
 * policy sets one), then the measure's ordinary period.
 */
import { MEASURE_CODES, isMeasureCode, type MeasureCode } from '../decisions/measures.js';
import { SEVERITY_CODES, type Severity } from '../identification/case-state.js';
import { DEADLINE_RUNNING_STATES, type NoticeState } from './notice-state.js';
import { validationFailed } from '../../lib/problem.js';

export type Duration = { hours: number } | { days: number } | { working_days: number };

export interface MeasureDeadlineRule {
  /** Null: no deadline (notification-only measures; nothing to report). */
  ordinary: Duration | null;
  emergency?: Duration;
  by_severity?: Partial<Record<Severity, Duration>>;
}

export interface WorkingCalendar {
  /** Offset of the local time used for day boundaries; China is UTC+8 all year. */
  utc_offset_minutes: number;
  /** Public holidays falling on weekdays, `YYYY-MM-DD`. */
  holidays: readonly string[];
  /** Weekend days that are working days (调休), `YYYY-MM-DD`. */
  working_days: readonly string[];
}

export interface DeadlinePolicy {
  measures: Record<MeasureCode, MeasureDeadlineRule>;
  written_notice_after_phone: Duration;
  /** Reminder points as fractions of the period, strictly between 0 and 1, ascending. */
  reminders: readonly number[];
  calendar: WorkingCalendar;
}

const h = (hours: number): Duration => ({ hours });

export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = {
  measures: {
    block_ip: { ordinary: h(24), emergency: h(2) },
    block_broadband_account: { ordinary: h(24) },
    block_domain: { ordinary: h(24), emergency: h(2) },
    block_url: { ordinary: h(24), emergency: h(2) },
    stop_email_account: { ordinary: h(24) },
    stop_phone_number: { ordinary: h(24) },
    stop_service: { ordinary: h(24) },
    remove_malware: { ordinary: h(48) },
    remediate_vulnerability: { ordinary: { working_days: 5 } },
    remediate_compromise: { ordinary: { working_days: 5 } },
    notify_superior_authority: { ordinary: null },
    // Not in DESIGN.md: "other technical measures" are open-ended, so the longer of the hour periods.
    other_technical: { ordinary: h(48) },
  },
  written_notice_after_phone: h(24),
  reminders: [0.5, 0.9],
  calendar: { utc_offset_minutes: 8 * 60, holidays: [], working_days: [] },
};

// ---------------------------------------------------------------------------------------------
// Validation of a policy file (a partial object merged over the defaults)
// ---------------------------------------------------------------------------------------------

export interface PolicyError {
  /** JSON pointer into the policy file. */
  field: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_DAYS = 366;

function parseDuration(v: unknown, field: string, errors: PolicyError[]): Duration | undefined {
  if (!isObject(v) || Object.keys(v).length !== 1) {
    errors.push({ field, message: 'a period is an object with exactly one of "hours", "days" or "working_days", e.g. {"hours": 24}' });
    return undefined;
  }
  const [unit, n] = Object.entries(v)[0];
  if (unit === 'hours') {
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > MAX_DAYS * 24) {
      errors.push({ field: `${field}/hours`, message: `hours must be a number greater than 0 and at most ${MAX_DAYS * 24}` });
      return undefined;
    }
    return { hours: n };
  }
  if (unit === 'days' || unit === 'working_days') {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_DAYS) {
      errors.push({ field: `${field}/${unit}`, message: `${unit} must be a whole number from 1 to ${MAX_DAYS}` });
      return undefined;
    }
    return unit === 'days' ? { days: n } : { working_days: n };
  }
  errors.push({ field: `${field}/${unit}`, message: `unknown unit "${unit}"; use "hours", "days" or "working_days"` });
  return undefined;
}

function checkKeys(v: Record<string, unknown>, allowed: readonly string[], field: string, errors: PolicyError[]): void {
  for (const k of Object.keys(v))
    if (!allowed.includes(k)) errors.push({ field: `${field}/${k}`, message: `unknown field "${k}"; allowed: ${allowed.join(', ')}` });
}

export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function parseDateList(v: unknown, field: string, errors: PolicyError[]): string[] | undefined {
  if (!Array.isArray(v)) {
    errors.push({ field, message: 'a list of dates "YYYY-MM-DD"' });
    return undefined;
  }
  const bad = v.findIndex((d) => !isIsoDate(d));
  if (bad >= 0) {
    errors.push({ field: `${field}/${bad}`, message: `not a date "YYYY-MM-DD": ${JSON.stringify(v[bad])}` });
    return undefined;
  }
  return [...new Set(v as string[])].sort();
}

/**
 * Validate a policy file and merge it over the defaults. Every field is optional; unknown fields
 * are refused (a misspelt key must not silently fall back to a default). All problems are
 * reported at once, each with a JSON pointer.
 */
export function parseDeadlinePolicy(input: unknown): { ok: true; policy: DeadlinePolicy } | { ok: false; errors: PolicyError[] } {
  const errors: PolicyError[] = [];
  const base = DEFAULT_DEADLINE_POLICY;
  if (!isObject(input)) return { ok: false, errors: [{ field: '', message: 'the deadline policy must be a JSON object' }] };
  checkKeys(input, ['measures', 'written_notice_after_phone', 'reminders', 'calendar'], '', errors);

  const measures = { ...base.measures };
  if (input.measures !== undefined) {
    if (!isObject(input.measures)) errors.push({ field: '/measures', message: 'an object keyed by measure code' });
    else
      for (const [code, raw] of Object.entries(input.measures)) {
        const f = `/measures/${code}`;
        if (!isMeasureCode(code)) {
          errors.push({ field: f, message: `unknown measure "${code}"; known: ${MEASURE_CODES.join(', ')}` });
          continue;
        }
        if (!isObject(raw)) {
          errors.push({ field: f, message: 'an object with "ordinary", "emergency" and/or "by_severity"' });
          continue;
        }
        checkKeys(raw, ['ordinary', 'emergency', 'by_severity'], f, errors);
        const rule: MeasureDeadlineRule = { ...base.measures[code] };
        if (raw.ordinary === null) rule.ordinary = null;
        else if (raw.ordinary !== undefined) rule.ordinary = parseDuration(raw.ordinary, `${f}/ordinary`, errors) ?? null;
        if (raw.emergency !== undefined) rule.emergency = parseDuration(raw.emergency, `${f}/emergency`, errors);
        if (raw.by_severity !== undefined) {
          if (!isObject(raw.by_severity)) errors.push({ field: `${f}/by_severity`, message: 'an object keyed by severity' });
          else {
            const bySeverity: Partial<Record<Severity, Duration>> = {};
            for (const [sev, d] of Object.entries(raw.by_severity)) {
              if (!(SEVERITY_CODES as string[]).includes(sev)) {
                errors.push({ field: `${f}/by_severity/${sev}`, message: `unknown severity "${sev}"; known: ${SEVERITY_CODES.join(', ')}` });
                continue;
              }
              const parsed = parseDuration(d, `${f}/by_severity/${sev}`, errors);
              if (parsed) bySeverity[sev as Severity] = parsed;
            }
            rule.by_severity = bySeverity;
          }
        }
        measures[code] = rule;
      }
  }

  let written = base.written_notice_after_phone;
  if (input.written_notice_after_phone !== undefined)
    written = parseDuration(input.written_notice_after_phone, '/written_notice_after_phone', errors) ?? written;

  let reminders = base.reminders;
  if (input.reminders !== undefined) {
    const r = input.reminders;
    if (!Array.isArray(r) || r.some((x) => typeof x !== 'number' || !(x > 0 && x < 1)))
      errors.push({ field: '/reminders', message: 'a list of fractions of the period, each greater than 0 and less than 1, e.g. [0.5, 0.9]' });
    else reminders = [...new Set(r as number[])].sort((a, b) => a - b);
  }

  let calendar = base.calendar;
  if (input.calendar !== undefined) {
    const c = input.calendar;
    if (!isObject(c)) errors.push({ field: '/calendar', message: 'an object with "holidays", "working_days", "utc_offset_minutes"' });
    else {
      checkKeys(c, ['holidays', 'working_days', 'utc_offset_minutes'], '/calendar', errors);
      const next: WorkingCalendar = { ...calendar };
      if (c.utc_offset_minutes !== undefined) {
        const o = c.utc_offset_minutes;
        if (typeof o !== 'number' || !Number.isInteger(o) || o < -14 * 60 || o > 14 * 60)
          errors.push({ field: '/calendar/utc_offset_minutes', message: 'whole minutes between -840 and 840' });
        else next.utc_offset_minutes = o;
      }
      if (c.holidays !== undefined) next.holidays = parseDateList(c.holidays, '/calendar/holidays', errors) ?? [];
      if (c.working_days !== undefined) next.working_days = parseDateList(c.working_days, '/calendar/working_days', errors) ?? [];
      const both = next.holidays.filter((d) => next.working_days.includes(d));
      if (both.length) errors.push({ field: '/calendar', message: `dates listed both as holiday and as working day: ${both.join(', ')}` });
      calendar = next;
    }
  }

  if (errors.length) return { ok: false, errors };
  return { ok: true, policy: { measures, written_notice_after_phone: written, reminders, calendar } };
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic
// ---------------------------------------------------------------------------------------------

const DAY = 86_400_000;

/** Is this local date a working day under the calendar? */
export function isWorkingDay(date: string, calendar: WorkingCalendar = DEFAULT_DEADLINE_POLICY.calendar): boolean {
  if (calendar.working_days.includes(date)) return true;
  if (calendar.holidays.includes(date)) return false;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** Add a period to an instant. Day periods end at 24:00 local time of the last day counted. */
export function addDuration(start: Date, duration: Duration, calendar: WorkingCalendar = DEFAULT_DEADLINE_POLICY.calendar): Date {
  if ('hours' in duration) return new Date(start.getTime() + Math.round(duration.hours * 3_600_000));
  const offset = calendar.utc_offset_minutes * 60_000;
  // Local midnight at the start of the issue day, as epoch ms of a UTC-shifted clock.
  let dayStart = Math.floor((start.getTime() + offset) / DAY) * DAY;
  let remaining = 'days' in duration ? duration.days : duration.working_days;
  for (let guard = 0; remaining > 0; guard++) {
    if (guard > MAX_DAYS * 10) throw new Error('calendar has no working days in range');
    dayStart += DAY;
    if ('days' in duration || isWorkingDay(new Date(dayStart).toISOString().slice(0, 10), calendar)) remaining--;
  }
  // End of that day = start of the next, converted back to a real instant.
  return new Date(dayStart + DAY - offset);
}

// ---------------------------------------------------------------------------------------------
// Deadlines, reminders, lateness
// ---------------------------------------------------------------------------------------------

export interface DeadlineInput {
  emergency: boolean;
  severity?: Severity | null;
  issued_at: Date;
  policy?: DeadlinePolicy;
  /** The deciding regulator's override: a period from issue, or an absolute instant. */
  override?: Duration | Date | null;
}

/** The period that applies to a notice, before it is added to the issue time. */
export function periodFor(measure: MeasureCode, input: Omit<DeadlineInput, 'issued_at' | 'override'>): Duration | null {
  const rule = (input.policy ?? DEFAULT_DEADLINE_POLICY).measures[measure];
  if (input.emergency && rule.emergency) return rule.emergency;
  if (input.severity && rule.by_severity?.[input.severity]) return rule.by_severity[input.severity]!;
  return rule.ordinary;
}

/**
 * The deadline of a notice, or null for a measure without one (notify_superior_authority).
 * Throws `validation_failed` for an override that is not after the issue time.
 */
export function computeDeadline(measure: MeasureCode, input: DeadlineInput): Date | null {
  const policy = input.policy ?? DEFAULT_DEADLINE_POLICY;
  if (input.override instanceof Date) {
    if (Number.isNaN(input.override.getTime()) || input.override.getTime() <= input.issued_at.getTime())
      throw validationFailed('/deadline', 'the deadline must be after the time of issue');
    return input.override;
  }
  if (input.override) {
    const errors: PolicyError[] = [];
    const d = parseDuration(input.override, '/deadline', errors);
    if (!d) throw validationFailed(errors[0].field, errors[0].message);
    return addDuration(input.issued_at, d, policy.calendar);
  }
  const period = periodFor(measure, { emergency: input.emergency, severity: input.severity, policy });
  return period ? addDuration(input.issued_at, period, policy.calendar) : null;
}

/** When to remind the unit: the policy's fractions of the period from issue to deadline. */
export function reminderTimes(input: { issued_at: Date; deadline: Date | null; policy?: DeadlinePolicy }): Date[] {
  if (!input.deadline) return [];
  const start = input.issued_at.getTime();
  const span = input.deadline.getTime() - start;
  if (span <= 0) return [];
  return (input.policy ?? DEFAULT_DEADLINE_POLICY).reminders.map((f) => new Date(start + Math.round(span * f)));
}

/**
 * Past its deadline with the unit still owing a result. Without a state, only the clock is
 * checked; with one, only states in which the deadline runs count (a result reported in time and
 * awaiting verification is not overdue).
 */
export function isOverdue(input: { deadline: Date | null; now: Date; state?: NoticeState }): boolean {
  if (!input.deadline || input.now.getTime() < input.deadline.getTime()) return false;
  return input.state === undefined || DEADLINE_RUNNING_STATES.includes(input.state);
}

/** By when the written notice must follow a phone notification (Art. 8). */
export function writtenNoticeDueAt(phone_notified_at: Date, policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY): Date {
  return addDuration(phone_notified_at, policy.written_notice_after_phone, policy.calendar);
}

/**
 * Is the written notice late? Late if it was issued after the due time, or is still missing at
 * `now` past the due time. The flag stays on the record once the written notice is issued late.
 */
export function isWrittenNoticeLate(input: {
  phone_notified_at: Date;
  written_issued_at: Date | null;
  now: Date;
  policy?: DeadlinePolicy;
}): boolean {
  const due = writtenNoticeDueAt(input.phone_notified_at, input.policy).getTime();
  return (input.written_issued_at ?? input.now).getTime() > due;
}
