/**
 * STIX timestamps (§2.16): RFC 3339 in UTC with a `Z`. `created` and `modified` MUST be precise
 * to the millisecond (§3.2), so we always write exactly three fractional digits.
 */

/** `YYYY-MM-DDTHH:mm:ss.sssZ`. Throws on an invalid Date rather than emitting "Invalid Date". */
export function formatStixTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid Date cannot become a STIX timestamp');
  return date.toISOString();
}

/**
 * Orders two STIX timestamps (any number of fractional digits, as other producers write them)
 * without losing sub-millisecond digits: negative when a < b, 0 when equal, positive when a > b.
 * Returns NaN when either is not a timestamp.
 */
export function compareStixTimestamps(a: string, b: string): number {
  const split = (t: string): [number, string] | null => {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(t);
    if (m === null) return null;
    const seconds = Date.parse(`${m[1]}Z`);
    return Number.isNaN(seconds) ? null : [seconds, (m[2] ?? '').padEnd(12, '0').slice(0, 12)];
  };
  const x = split(a);
  const y = split(b);
  if (x === null || y === null) return Number.NaN;
  if (x[0] !== y[0]) return x[0] - y[0];
  return x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
}
