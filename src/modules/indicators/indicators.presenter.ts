/** Indicator rows and index entries → API output. */
import { isBlocking } from './listing.js';
import type { IndexedIndicator } from './indicator-index.js';
import type { IndicatorSummary } from './indicators.schema.js';

/**
 * Millisecond times as ISO strings, remembered: a bulk import gives a million indicators the same
 * few times, and lookups present them thousands of times a second.
 */
const isoMemo = new Map<number, string>();
function iso(ms: number): string {
  let s = isoMemo.get(ms);
  if (s === undefined) {
    if (isoMemo.size >= 50_000) isoMemo.clear();
    s = new Date(ms).toISOString();
    isoMemo.set(ms, s);
  }
  return s;
}

export function presentIndicator(i: IndexedIndicator): IndicatorSummary {
  return {
    id: String(i.id),
    type: i.type,
    value: i.value,
    category: i.category,
    subtype: i.subtype,
    status: i.status,
    tlp: i.tlp,
    province_code: i.province_code,
    operator: i.operator,
    first_seen: iso(i.first_seen),
    last_seen: iso(i.last_seen),
    sighting_count: i.sighting_count,
    valid_until: i.valid_until === null ? null : iso(i.valid_until),
    excluded: i.excluded,
    listing: i.listing as IndicatorSummary['listing'],
    blocking: isBlocking(i),
  };
}
