/**
 * The observable types of DESIGN.md §3: the canonical, typed values that reports carry and that
 * the platform deduplicates across all reports. Article 2(1) names malicious IPs, domains, URLs and
 * electronic information (e-mail, SMS, instant messages); Article 8 adds broadband accounts and
 * phone numbers as blockable resources; Article 2(2)–(3) bring file hashes and vulnerability ids.
 */
export const OBSERVABLE_TYPES = [
  'ipv4',
  'ipv6',
  'cidr',
  'domain',
  'url',
  'email',
  'phone',
  'broadband_account',
  'file_hash',
  'vulnerability',
] as const;

export type ObservableType = (typeof OBSERVABLE_TYPES)[number];

export function isObservableType(value: string): value is ObservableType {
  return (OBSERVABLE_TYPES as readonly string[]).includes(value);
}
