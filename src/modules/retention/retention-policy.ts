/**
 * How long the platform keeps what grows with the traffic (issue 15; DESIGN.md §6 "expiry,
 * withdrawal and retention are set operations"), pure. Two periods, configurable:
 *
 *   audit log      AUDIT_RETENTION_DAYS     default 1,095 (three years); never below the legal
 *                                           minimum for network logs (LOG_RETENTION_MINIMUM); 0 keeps it all
 *   sightings      SIGHTING_RETENTION_DAYS  default 730, counted from the end of every case that
 *                                           holds the report (closed, rejected, withdrawn); 0 keeps them all
 *
 * Indicators themselves are not removed: a value is stored once and its row is what every later
 * report of it joins (first_seen, sighting_count and the status stay as a summary).
 */
import type { CaseState } from '../identification/case-state.js';
import { LOG_RETENTION_MINIMUM } from '../enforcement/legal-basis.js';

export const DEFAULT_AUDIT_RETENTION_DAYS = 1095;
export const DEFAULT_SIGHTING_RETENTION_DAYS = 730;

/** Case states after which nothing more happens to a case (its values no longer need its sightings). */
export const CASE_OVER_STATES: readonly CaseState[] = ['closed', 'rejected', 'withdrawn'];

export interface RetentionPeriods {
  /** 0: keep the whole log. */
  audit_days: number;
  /** 0: keep every sighting. */
  sighting_days: number;
}

/** Why these periods cannot be used, or null. */
export function retentionPeriodProblem(p: RetentionPeriods): string | null {
  for (const [name, v] of [['AUDIT_RETENTION_DAYS', p.audit_days], ['SIGHTING_RETENTION_DAYS', p.sighting_days]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 36_500) return `${name} must be a whole number of days from 0 (keep everything) to 36500, got ${v}`;
  }
  if (p.audit_days > 0 && p.audit_days < LOG_RETENTION_MINIMUM.days)
    return `AUDIT_RETENTION_DAYS must be 0 or at least ${LOG_RETENTION_MINIMUM.days} (${LOG_RETENTION_MINIMUM.months} months, ${LOG_RETENTION_MINIMUM.citation.en}), got ${p.audit_days}`;
  return null;
}

/** The instant before which data kept for `days` is past its period; null when kept for ever. */
export function cutoffOf(now: Date, days: number): Date | null {
  return days > 0 ? new Date(now.getTime() - days * 86_400_000) : null;
}
