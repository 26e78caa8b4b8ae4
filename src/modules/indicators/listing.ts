/**
 * When an indicator is in force as a blocking order: its case's state decides (issue 11;
 * DESIGN.md §2, Art. 7 identification before measures, Art. 8 measures, Art. 10 review). Pure: the
 * SQL that applies the rule to rows (indicators.repository.ts `relist`) is built from these names.
 *
 *   listing      when                                                            blocking?
 *   ordered      a handling notice in force orders a unit to block the value     yes (and in that unit's feeds whatever the TLP)
 *   confirmed    a case holding it is confirmed, decided, handling or closed     yes
 *   provisional  reported by a unit a regulator trusts for provisional listing   yes, shown as provisional
 *   reported     reported, not identified yet                                     no: searchable, shared as intelligence
 *   lifted       every case holding it was rejected or withdrawn on appeal       no
 *
 * The first row that holds wins. Beside the listing, a value is blocking only while its status is
 * `active` (not expired, handled or a false positive), it is not on the exclusion list and its
 * valid_until has not passed.
 */
import type { CaseState } from '../identification/case-state.js';
import { MEASURE_IN_FORCE_STATES, type NoticeState } from '../notices/notice-state.js';

export const LISTINGS = ['reported', 'provisional', 'confirmed', 'ordered', 'lifted'] as const;
export type Listing = (typeof LISTINGS)[number];

/** The listings that put a value in blocking exports, feeds, MISP `to_ids` and lookups' `blocking`. */
export const BLOCKING_LISTINGS: readonly Listing[] = ['ordered', 'confirmed', 'provisional'];

/** Case states in which the case's finding stands: its values are confirmed threats. */
export const CONFIRMED_CASE_STATES: readonly CaseState[] = ['confirmed', 'decided', 'handling', 'closed'];
/** Case states that clear the values of the case (unless another case or an order holds them). */
export const CLEARED_CASE_STATES: readonly CaseState[] = ['rejected', 'withdrawn'];

export interface ListingFacts {
  /** A handling notice in force targets the value. */
  ordered: boolean;
  /** The states of every case that holds the value (through its reports). */
  case_states: readonly CaseState[];
  /** One of the value's reporters is trusted for provisional listing. */
  trusted_reporter: boolean;
}

/** The rule, for one value. */
export function listingOf(f: ListingFacts): Listing {
  if (f.ordered) return 'ordered';
  if (f.case_states.some((s) => CONFIRMED_CASE_STATES.includes(s))) return 'confirmed';
  if (f.case_states.length > 0 && f.case_states.every((s) => CLEARED_CASE_STATES.includes(s))) return 'lifted';
  if (f.trusted_reporter) return 'provisional';
  return 'reported';
}

export function isBlockingListing(listing: string): boolean {
  return (BLOCKING_LISTINGS as readonly string[]).includes(listing);
}

/** Whether a value is blocking now, from its row (the same conditions every blocking export applies in SQL). */
export function isBlocking(row: { listing: string; status: string; excluded: boolean; valid_until: Date | string | number | null }, now = Date.now()): boolean {
  return isBlockingListing(row.listing) && row.status === 'active' && !row.excluded && (row.valid_until === null || new Date(row.valid_until).getTime() > now);
}

/** Which group a case state counts in for the rule. */
function group(s: CaseState): 'confirmed' | 'cleared' | 'pending' {
  if (CONFIRMED_CASE_STATES.includes(s)) return 'confirmed';
  if (CLEARED_CASE_STATES.includes(s)) return 'cleared';
  return 'pending';
}

/** Whether a case transition can change the listing of the case's values (most transitions cannot). */
export function caseTransitionMayRelist(from: CaseState, to: CaseState): boolean {
  return group(from) !== group(to);
}

/** Whether a notice in this state keeps its order in force at the unit (a suspended or withdrawn one does not). */
export function isOrderInForce(kind: string, state: string): boolean {
  return kind === 'handling_notice' && (MEASURE_IN_FORCE_STATES as readonly string[]).includes(state as NoticeState);
}
