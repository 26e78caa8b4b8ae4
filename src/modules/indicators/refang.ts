/**
 * Re-fanging: analysts and threat reports write dangerous values "defanged" so nobody clicks
 * them — `hxxp://evil[.]example`, `198.51.100[.]7`, `user[@]mail(.)example`. Normalization accepts
 * those and stores the live form, so a defanged paste finds, reports and blocks the same value.
 * Pure; used by normalizeObservable and normalizeAny before anything else.
 */

const SCHEMES: [RegExp, string][] = [
  [/^h[xX*]{2}p(s?):\/\//, 'http$1://'],
  [/^f[xX*]p:\/\//, 'ftp://'],
  [/^(https?|ftp)\[:\]\/\//i, '$1://'],
  [/^(https?|ftp):\/\/\//i, '$1://'],
];

const MARKS: [RegExp, string][] = [
  [/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\s\[dot\]\s|\s\(dot\)\s/gi, '.'],
  [/\[:\]/g, ':'],
  [/\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\}/gi, '@'],
  [/\[\/\]/g, '/'],
];

/** The live form of a defanged value; any other value unchanged. */
export function refang(value: string): string {
  if (typeof value !== 'string' || !/[[({]|h[xX*]{2}p|f[xX*]p/.test(value)) return value;
  let s = value.trim();
  for (const [re, to] of MARKS) s = s.replace(re, to);
  for (const [re, to] of SCHEMES) s = s.replace(re, to);
  return s;
}

/** Whether a value was written defanged (its live form differs). */
export function isDefanged(value: string): boolean {
  return refang(value) !== (typeof value === 'string' ? value.trim() : value);
}
